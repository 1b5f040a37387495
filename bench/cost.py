"""The cost of one request to each main page, one request at a time: CPU of the application and of its PostgreSQL
backend, wall time, and SQL statements.

    .venv/bin/python bench/cost.py --database-url postgresql+psycopg://postgres@127.0.0.1:54329/waypoint_100k \
        [--requests 100] [--pages dashboard,subject] [--json]

Builds Waypoint in this process with the production settings (as a gunicorn worker does) on a generated database
(bench/generate.py), signs in through the forms as the case worker with the largest caseload and as a supervisor,
warms each page up, then requests it `--requests` times through Flask's test client. The application's CPU is this
process's (`time.process_time`); the database's is the CPU time the application's own backends used meanwhile
(utime + stime from /proc/PID/stat of the backend of every connection its pool opened: the server must run on
this machine; other work on the server is not counted).
Time spent waiting for the database is in the wall time, not in the application's CPU.

Unlike bench/web.py this measures what a request costs, not what the machine serves at once: it is the figure
issue 18 asks to halve ("CPU per request, application plus its PostgreSQL backend, one request at a time").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import BENCH_PASSWORD  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PAGES = ("dashboard", "supervisor_dashboard", "subject", "caseload", "unit_list", "audit")
HTTPS = "https://localhost"
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Cost:
    page: str
    path: str
    requests: int
    app_cpu_ms: float  # per request
    db_cpu_ms: float  # per request
    wall_ms_median: float
    statements: int  # of the last request
    statement_heads: list[str] | None = None  # with --statements: how each of them begins


def backend_pids(engine: Any) -> set[int]:
    """Remember the PostgreSQL backend of every connection the application's pool opens (its own backends only:
    other work on the same server is not counted)."""
    import sqlalchemy as sa

    pids: set[int] = set()

    def remember(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pids.add(int(cursor.fetchone()[0]))

    sa.event.listen(engine, "connect", remember)
    engine.dispose()  # connections opened before the listener are replaced by ones it sees
    return pids


def backend_cpu(pids: set[int]) -> float:
    """Seconds of CPU used so far by these backends (utime + stime, fields 14 and 15 of /proc/PID/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a backend that ended (its connection recycled): its time is lost, and said so below
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def sign_in(app: Any, username: str, secret: str | None) -> Any:
    import pyotp

    client = app.test_client()
    page = client.get("/login", base_url=HTTPS).get_data(as_text=True)
    token = CSRF_RE.search(page)
    assert token is not None, "no sign-in form"
    response = client.post("/login", base_url=HTTPS, headers={"Referer": f"{HTTPS}/login"}, data={
        "csrf_token": token.group(1), "username": username, "password": BENCH_PASSWORD})
    if response.status_code == 302 and response.headers["Location"].startswith("/login/code"):
        assert secret is not None, f"{username} needs a code"
        totp = pyotp.TOTP(secret)
        for code in (totp.now(), totp.at(time.time() + totp.interval)):
            page = client.get("/login/code", base_url=HTTPS).get_data(as_text=True)
            token = CSRF_RE.search(page)
            assert token is not None, "no code form"
            response = client.post("/login/code", base_url=HTTPS, headers={"Referer": f"{HTTPS}/login/code"},
                                   data={"csrf_token": token.group(1), "code": code})
            if response.status_code == 302:
                break
    if response.status_code != 302 or response.headers["Location"].startswith("/login"):
        raise SystemExit(f"could not sign in as {username}: {response.status_code}")
    return client


def measure(app: Any, pids: set[int], client: Any, page: str, path: str, requests: int,
            profile: str | None = None) -> Cost:
    import cProfile
    import gc

    import sqlalchemy as sa

    statements: list[str] = []
    engine = app.extensions["waypoint_engine"]

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    for _ in range(5):
        response = client.get(path, base_url=HTTPS)
        if response.status_code != 200:
            raise SystemExit(f"{page} {path}: {response.status_code}")
    gc.collect()
    walls: list[float] = []
    known = set(pids)
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    db_before, cpu_before = backend_cpu(pids), time.process_time()
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, base_url=HTTPS)
        walls.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{page} {path}: {response.status_code}")
    cpu, db_cpu = time.process_time() - cpu_before, backend_cpu(pids) - db_before
    if profiler is not None and profile is not None:
        profiler.disable()
        profiler.dump_stats(f"{profile}.{page}.prof")  # read with: python -m pstats FILE
    if pids != known:
        raise SystemExit(f"{page}: the pool opened a connection during the run; run again")
    sa.event.listen(engine, "before_cursor_execute", count)
    client.get(path, base_url=HTTPS)
    sa.event.remove(engine, "before_cursor_execute", count)
    return Cost(page, path, requests, 1000 * cpu / requests, 1000 * db_cpu / requests,
                1000 * statistics.median(walls), len(statements), [" ".join(s.split())[:110] for s in statements])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--statements", action="store_true", help="list the statements of each page's last request")
    parser.add_argument("--profile", metavar="PREFIX",
                        help="write a cProfile of each page's measured requests to PREFIX.PAGE.prof (its CPU "
                             "figures then include the profiler's own cost: measure without it)")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("bench/cost.py measures a PostgreSQL server on this machine: give a postgresql:// URL")

    from app import create_app
    from bench.web import choose_clients

    clients = choose_clients(args.database_url, 1)
    worker, supervisor = clients["workers"][0], clients["supervisors"][0]
    settings = {"DATABASE_URL": args.database_url, "WAYPOINT_ENV": "production", "PROXY_HOPS": "0",
                "SECRET_KEY": "bench-only-secret-key-of-at-least-32-characters"}
    saved = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)  # the production settings, as a gunicorn worker reads them
    try:
        app = create_app()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    pids = backend_pids(app.extensions["waypoint_engine"])
    chosen = [p for p in args.pages.split(",") if p]
    if any(p not in PAGES for p in chosen):
        raise SystemExit(f"pages are {', '.join(PAGES)}")
    # Only whom the chosen pages need signs in: a second sign-in of the same user within 30 s would reuse its
    # TOTP code, which is refused and counted as a failed sign-in.
    by_supervisor = {"supervisor_dashboard", "audit"}
    as_worker = sign_in(app, worker.username, worker.totp_secret) if set(chosen) - by_supervisor else None
    as_supervisor = sign_in(app, supervisor.username, supervisor.totp_secret) if by_supervisor & set(chosen) else None
    pages: dict[str, tuple[Any, str]] = {
        "dashboard": (as_worker, "/"), "supervisor_dashboard": (as_supervisor, "/"),
        "subject": (as_worker, f"/subjects/{worker.subject_id}"), "caseload": (as_worker, "/caseload"),
        "unit_list": (as_worker, "/subjects"), "audit": (as_supervisor, "/audit/events")}
    results = [measure(app, pids, pages[page][0], page, pages[page][1], args.requests, args.profile)
               for page in chosen]
    if not args.statements:
        for r in results:
            r.statement_heads = None
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
        return 0
    print(f"{'page':<22}{'app CPU ms':>11}{'db CPU ms':>10}{'total':>8}{'wall ms':>9}{'stmts':>7}")
    for r in results:
        print(f"{r.page:<22}{r.app_cpu_ms:>11.1f}{r.db_cpu_ms:>10.1f}{r.app_cpu_ms + r.db_cpu_ms:>8.1f}"
              f"{r.wall_ms_median:>9.1f}{r.statements:>7}")
    for r in results:
        for n, head in enumerate(r.statement_heads or (), start=1):
            print(f"  {r.page} {n:>2}. {head}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
