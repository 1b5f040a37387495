"""Waypoint's pages under load, against a bare Flask app that runs only each page's main query.

    .venv/bin/python bench/web.py --database-url postgresql+psycopg://postgres@127.0.0.1:54329/waypoint

Starts Waypoint under gunicorn (2 workers, production settings) on the generated database (bench/generate.py),
signs in one user per concurrent client through the real sign-in form (supervisors with their TOTP code),
then drives each page for `--duration` seconds at `--connections` concurrent clients with wrk (Debian's
`wrk`; a Python load generator when wrk is missing). Then it stops Waypoint, starts bench/bare_app.py
under gunicorn the same way, and drives the same main queries for the same users. Prints requests/s and
p50/p95/p99 for each page, and the ratio Waypoint / bare.

Pages: dashboard (`/`, a case worker's home), caseload (`/caseload`), subject (`/subjects/ID`, a person on
the client's caseload; every view is audited) and audit (`/audit/events`, a supervisor's review of the
events about their units' people). Every response is checked: a run with any status but 200 fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = ("dashboard", "caseload", "subject", "audit")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TARGET_RATIO = 0.5
TARGET_P95_MS = 100.0


@dataclass(frozen=True)
class Client:
    """One signed-in user and the ids their pages need."""

    user_id: int
    username: str
    totp_secret: str | None
    subject_id: int | None  # a person on their caseload (case workers)


@dataclass
class Result:
    page: str
    app: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    bad: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- choosing users ------------------------------------------------------------------------------------


def choose_clients(url: str, count: int) -> dict[str, list[Client]]:
    """`count` case workers with the largest caseloads, and `count` supervisors of different units."""
    from sqlalchemy import create_engine, text

    from app.db import normalise_url

    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            workers = conn.execute(text(
                "SELECT u.id, u.username, u.totp_secret, min(s.id) FROM users u JOIN subjects s "
                "ON s.case_owner_id = u.id WHERE u.role IN ('assessor', 'probation_officer') AND u.is_active "
                "GROUP BY u.id, u.username, u.totp_secret ORDER BY count(*) DESC, u.id LIMIT :n"), {"n": count}).all()
            supervisors = conn.execute(text(
                "SELECT u.id, u.username, u.totp_secret FROM users u WHERE u.role = 'supervisor' AND u.is_active "
                "AND u.totp_secret IS NOT NULL ORDER BY u.username LIMIT :n"), {"n": count}).all()
    finally:
        engine.dispose()
    if not workers or not supervisors:
        raise SystemExit("the database has no case workers with a caseload or no supervisors: run bench/generate.py")
    return {"workers": [Client(r[0], r[1], r[2], r[3]) for r in workers],
            "supervisors": [Client(r[0], r[1], r[2], None) for r in supervisors]}


# --- servers -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(target: str, url: str, workers: int = 2, threads: int = 1) -> Iterator[int]:
    """Run `target` (module:app) under gunicorn on a free loopback port; yield the port."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "WAYPOINT_ENV": "production", "PROXY_HOPS": "0",
           "SECRET_KEY": "bench-only-secret-key-of-at-least-32-characters", "PYTHONPATH": str(ROOT)}
    log = tempfile.NamedTemporaryFile(prefix="wp-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--threads", str(threads),
           "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning", target]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn {target} exited; see {log.name}:\n{Path(log.name).read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn {target} did not start; see {log.name}") from None
                time.sleep(0.2)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        Path(log.name).unlink(missing_ok=True)


# --- signing in ----------------------------------------------------------------------------------------


def _request(port: int, method: str, path: str, cookie: str = "", form: dict[str, str] | None = None
             ) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    set_cookie = response.getheader("Set-Cookie") or ""
    conn.close()
    return response.status, {"location": response.getheader("Location") or "", "set-cookie": set_cookie}, text


def _cookie(set_cookie: str, previous: str) -> str:
    """The session cookie as a header value: the new one when the server set one (the id changes at sign-in)."""
    return set_cookie.split(";", 1)[0] if set_cookie else previous


def sign_in(port: int, client: Client, password: str) -> str:
    """Sign in through the forms, as a browser would; return the Cookie header of the session."""
    import pyotp

    status, headers, page = _request(port, "GET", "/login")
    cookie = _cookie(headers["set-cookie"], "")
    token = CSRF_RE.search(page)
    if status != 200 or token is None:
        raise SystemExit(f"sign-in page: {status}")
    status, headers, _ = _request(port, "POST", "/login", cookie, {
        "csrf_token": token.group(1), "username": client.username, "password": password})
    cookie = _cookie(headers["set-cookie"], cookie)
    if status == 302 and headers["location"].startswith("/login/code"):
        if client.totp_secret is None:
            raise SystemExit(f"{client.username} needs a code but has no secret")
        totp = pyotp.TOTP(client.totp_secret)
        # Each code works once: when this user signed in during this 30 seconds already (a second run on
        # the same database), the next step's code, which the server also accepts, is the one to give.
        for code in (totp.now(), totp.at(time.time() + totp.interval)):
            status, headers, page = _request(port, "GET", "/login/code", cookie)
            cookie = _cookie(headers["set-cookie"], cookie)
            token = CSRF_RE.search(page)
            if token is None:
                raise SystemExit(f"code page for {client.username}: {status}")
            status, headers, _ = _request(port, "POST", "/login/code", cookie, {
                "csrf_token": token.group(1), "code": code})
            cookie = _cookie(headers["set-cookie"], cookie)
            if status == 302:
                break
    if status != 302 or headers["location"].startswith("/login"):
        raise SystemExit(f"could not sign in as {client.username}: {status} {headers['location']}")
    return cookie


# --- load ----------------------------------------------------------------------------------------------

Target = tuple[str, str]  # path, Cookie header ("" for none)

WRK_SCRIPT = """
local targets = %s
local threads = {}
counter = 0
bad = 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("counter", #threads * 7)
end
function request()
  counter = counter + 1
  local t = targets[(counter %% #targets) + 1]
  if t[2] == "" then return wrk.format("GET", t[1]) end
  return wrk.format("GET", t[1], {["Cookie"] = t[2]})
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local nbad = 0
  for _, t in ipairs(threads) do nbad = nbad + t:get("bad") end
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "duration_us": %%d, "p50": %%d, "p95": %%d, "p99": %%d, '
    .. '"bad": %%d, "errors": %%d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), nbad, e.connect + e.read + e.write + e.timeout))
end
"""


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load_with_wrk(port: int, targets: Sequence[Target], duration: float, connections: int) -> dict[str, Any]:
    entries = ", ".join("{" + _lua_string(p) + ", " + _lua_string(c) + "}" for p, c in targets)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ("{" + entries + "}"))
    try:
        out = subprocess.run(
            ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(1, round(duration))}s", "--timeout", "10s",
             "-s", script.name, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((ln for ln in out.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    raw = json.loads(line[len("RESULT "):])
    return {"requests": raw["requests"], "seconds": raw["duration_us"] / 1e6, "p50": raw["p50"] / 1000,
            "p95": raw["p95"] / 1000, "p99": raw["p99"] / 1000, "bad": raw["bad"] + raw["errors"]}


def load_with_python(port: int, targets: Sequence[Target], duration: float, connections: int) -> dict[str, Any]:
    """The fallback: `connections` threads, each a keep-alive connection sending requests back to back."""
    latencies: list[float] = []
    bad = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def worker(offset: int) -> None:
        nonlocal bad
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        wrong = 0
        n = offset
        while time.monotonic() < stop_at:
            path, cookie = targets[n % len(targets)]
            n += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
            mine.append(time.perf_counter() - started)
            wrong += status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            bad += wrong

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i * 7,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    if not latencies:
        return {"requests": 0, "seconds": seconds, "p50": 0.0, "p95": 0.0, "p99": 0.0, "bad": bad}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"requests": len(latencies), "seconds": seconds, "p50": cuts[49] * 1000, "p95": cuts[94] * 1000,
            "p99": cuts[98] * 1000, "bad": bad}


def drive(port: int, targets: Sequence[Target], duration: float, connections: int, tool: str) -> dict[str, Any]:
    if tool == "wrk":
        return load_with_wrk(port, targets, duration, connections)
    return load_with_python(port, targets, duration, connections)


# --- the runs ------------------------------------------------------------------------------------------


def waypoint_targets(page: str, clients: dict[str, list[Client]], cookies: dict[int, str]) -> list[Target]:
    if page == "audit":
        return [("/audit/events", cookies[c.user_id]) for c in clients["supervisors"]]
    path = {"dashboard": lambda c: "/", "caseload": lambda c: "/caseload",
            "subject": lambda c: f"/subjects/{c.subject_id}"}[page]
    return [(path(c), cookies[c.user_id]) for c in clients["workers"]]


def bare_targets(page: str, clients: dict[str, list[Client]]) -> list[Target]:
    if page == "audit":
        return [(f"/audit?user={c.user_id}", "") for c in clients["supervisors"]]
    if page == "subject":
        return [(f"/subject?subject={c.subject_id}", "") for c in clients["workers"]]
    return [(f"/{page}?user={c.user_id}", "") for c in clients["workers"]]


def run_waypoint(url: str, pages: Sequence[str], clients: dict[str, list[Client]], duration: float,
                 connections: int, tool: str, threads: int = 1) -> list[Result]:
    from bench.generate import BENCH_PASSWORD

    results = []
    with gunicorn("wsgi:app", url, threads=threads) as port:
        cookies = {c.user_id: sign_in(port, c, BENCH_PASSWORD)
                   for group in clients.values() for c in group}
        for page in pages:
            targets = waypoint_targets(page, clients, cookies)
            for path, cookie in targets[:3]:  # each page answers before it is measured
                status, headers, _ = _request(port, "GET", path, cookie)
                if status != 200:
                    raise SystemExit(f"Waypoint {path}: {status} {headers['location']}")
            drive(port, targets, min(2.0, duration / 5), connections, tool)  # warm up
            raw = drive(port, targets, duration, connections, tool)
            results.append(Result(page, "waypoint", raw["requests"], raw["seconds"], raw["p50"], raw["p95"],
                                  raw["p99"], raw["bad"]))
    return results


def run_bare(url: str, pages: Sequence[str], clients: dict[str, list[Client]], duration: float,
             connections: int, tool: str, threads: int = 1) -> list[Result]:
    results = []
    with gunicorn("bench.bare_app:app", url, threads=threads) as port:
        for page in pages:
            targets = bare_targets(page, clients)
            drive(port, targets, min(2.0, duration / 5), connections, tool)
            raw = drive(port, targets, duration, connections, tool)
            results.append(Result(page, "bare", raw["requests"], raw["seconds"], raw["p50"], raw["p95"],
                                  raw["p99"], raw["bad"]))
    return results


def report(waypoint: list[Result], bare: list[Result]) -> list[dict[str, Any]]:
    """One row per page, printed as a table; returned for --json and the tests."""
    by_page = {r.page: r for r in bare}
    rows = []
    print(f"{'page':<10} {'Waypoint req/s':>14} {'p50':>7} {'p95':>7} {'p99':>7} {'bare req/s':>11} "
          f"{'bare p95':>8} {'ratio':>6}  targets")
    for w in waypoint:
        b = by_page.get(w.page)
        ratio = w.rps / b.rps if b and b.rps else 0.0
        met = ratio >= TARGET_RATIO and w.p95_ms < TARGET_P95_MS
        print(f"{w.page:<10} {w.rps:>14.1f} {w.p50_ms:>7.1f} {w.p95_ms:>7.1f} {w.p99_ms:>7.1f} "
              f"{b.rps if b else 0:>11.1f} {b.p95_ms if b else 0:>8.1f} {ratio:>6.2f}  {'met' if met else 'MISSED'}")
        rows.append({"page": w.page, "waypoint": {**asdict(w), "rps": w.rps},
                     "bare": {**asdict(b), "rps": b.rps} if b else None, "ratio": ratio, "targets_met": met})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="the generated database (PostgreSQL)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load per page and app")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, of {', '.join(PAGES)}")
    parser.add_argument("--tool", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    pages = [p for p in args.pages.split(",") if p]
    unknown = sorted(set(pages) - set(PAGES))
    if unknown:
        parser.error(f"unknown pages: {', '.join(unknown)}")
    clients = choose_clients(args.database_url, args.connections)
    print(f"load: {args.tool}, {args.connections} connections, {args.duration:g} s per page; "
          f"gunicorn 2 workers x {args.threads} threads", file=sys.stderr)
    waypoint = run_waypoint(args.database_url, pages, clients, args.duration, args.connections, args.tool,
                            args.threads)
    bare = run_bare(args.database_url, pages, clients, args.duration, args.connections, args.tool, args.threads)
    rows = report(waypoint, bare)
    if args.json:
        print(json.dumps(rows, indent=2))
    failed = [r.page for r in waypoint + bare if r.bad]
    if failed:
        print(f"responses other than 200 on: {', '.join(sorted(set(failed)))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
