"""A throwaway PostgreSQL server for the test run: initdb in a temporary directory, on 127.0.0.1.

When the tests run as root, the server runs as the `postgres` system user (PostgreSQL refuses root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def find_bindir() -> Path | None:
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    for path in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(path, "initdb").exists():
            return Path(path)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TemporaryPostgres:
    # The tests' server trades durability for speed; bench/faults.py's crashes it and keeps the defaults.
    SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    PREFIX = "waypoint-pg-"

    def __init__(self) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        self.workdir = Path(tempfile.mkdtemp(prefix=self.PREFIX))
        self.datadir = self.workdir / "data"
        self.port = _free_port()
        self.user = "postgres" if self.as_root else "waypoint"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True)

    def start(self) -> None:
        if self.as_root:
            self.workdir.chmod(0o755)
            shutil.chown(self.workdir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.datadir), "-U", self.user, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self.resume()

    def resume(self) -> None:
        """Start the server on its data directory (after `start`, and again after `pause`)."""
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.workdir} {self.SETTINGS}"
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.workdir / "server.log"), "-o", opts,
                  "-w", "-t", "60", "start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not start; see " + str(self.workdir / "server.log"))

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def pause(self) -> None:
        """Stop the server and keep its data, as an outage would (`resume` starts it again)."""
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)
