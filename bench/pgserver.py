"""A PostgreSQL server for the benchmarks, kept in a directory of your choosing between runs.

    .venv/bin/python bench/pgserver.py start /var/tmp/waypoint-bench-pg   # prints the server's URL
    .venv/bin/python bench/pgserver.py stop /var/tmp/waypoint-bench-pg

Unlike the test server (tests/pg.py), its data outlives the run, so a national-size database is generated
once and benchmarked many times. It listens on 127.0.0.1 only, with settings for a 2-core, 24 GB machine
(shared_buffers, work memory, a large WAL so that bulk loads do not checkpoint every few seconds). Durability
settings stay at PostgreSQL's defaults: the audited-write benchmark measures real commits. When run as root
the server runs as the `postgres` system user, as PostgreSQL refuses root.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.pg import find_bindir

DEFAULT_PORT = 54329
SETTINGS = {
    "shared_buffers": "4GB",
    "effective_cache_size": "16GB",
    "work_mem": "32MB",
    "maintenance_work_mem": "1GB",
    "max_wal_size": "16GB",
    "checkpoint_timeout": "30min",
    "max_connections": "200",
    "max_parallel_maintenance_workers": "2",
    "random_page_cost": "1.1",
}


class BenchPostgres:
    def __init__(self, directory: Path, port: int = DEFAULT_PORT) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise SystemExit("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
        self.bindir = bindir
        self.directory = directory.resolve()
        self.datadir = self.directory / "data"
        self.port = port
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else "waypoint"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True)

    def url(self, database: str = "waypoint") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def running(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def start(self) -> str:
        """Start the server (creating its cluster and the `waypoint` database on first use); return the URL."""
        if self.running():
            return self.url()
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.directory, "postgres", "postgres")
        fresh = not (self.datadir / "PG_VERSION").exists()
        if fresh:
            self._run("initdb", "-D", str(self.datadir), "-U", self.user, "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8")
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.directory} " + " ".join(
            f"-c {key}={value}" for key, value in SETTINGS.items())
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.directory / "server.log"), "-o", opts,
                  "-w", "-t", "120", "start")
        deadline = time.monotonic() + 30
        while not self.running():
            if time.monotonic() > deadline:
                raise SystemExit(f"PostgreSQL did not start; see {self.directory / 'server.log'}")
            time.sleep(0.2)
        if fresh:
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "waypoint")
        return self.url()

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "url"])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    server = BenchPostgres(args.directory, args.port)
    if args.action == "start":
        print(server.start())
    elif args.action == "stop":
        server.stop()
    else:
        print(server.url())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
