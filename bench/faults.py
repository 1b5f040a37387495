"""No lost writes under faults: two app hosts on one PostgreSQL, case workers writing, the database restarted
and workers killed during the run; then every acknowledged write must be in the database with its audit
event, nothing partial, and `flask audit verify` must pass.

    .venv/bin/python bench/faults.py [--clients 16] [--duration 120] [--workers 2] [--outage 10] [--kills 4] [--json]

It starts PostgreSQL in a temporary directory (PostgreSQL's default durability: fsync and synchronous commit
on, so a commit acknowledged is a commit on disk), migrates a database, adds two units and one assessor per
client, and starts two gunicorn hosts (`--workers` each, production settings) on two loopback ports. Each
client signs in through the form and, alternating between the hosts request by request, adds people (a
record with two alerts: three rows and an audit event in one transaction) and records observations about
them (a row and an audit event), each through its form with the CSRF token of the page, as a browser would.
A write is acknowledged when its POST answers 302 to the record it made: the person's id in the Location,
the observation by a marker in its text.

Meanwhile: at `--restart-at` of the run the database is killed (`pg_ctl stop -m immediate`, as a crash)
and started again `--outage` seconds later; `--kills` times, spread over the run, and once more halfway
through the outage, a gunicorn worker of a random host is sent SIGKILL (its master starts another). A host
whose gunicorn exits is started again a second later, as systemd would, and the exit is reported.

Afterwards every acknowledged write is looked up with its audit event; every record the clients tried to
make that is in the database must be whole (a person with both alerts, each row with exactly one `create`
event, no event without its row), and `flask audit verify` is run. Prints requests, errors by kind, p50/p95
latency, acknowledged against found; exit status 1 when an acknowledged write is missing, something is
partial, or the chain does not verify.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
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
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.pg import TemporaryPostgres

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "faults-bench-amber-lighthouse-2026"  # noqa: S105 - synthetic users of a throwaway database
SECRET_KEY = "faults-bench-only-secret-key-of-at-least-32-characters"  # noqa: S105
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBJECT_RE = re.compile(r"^/subjects/(\d+)$")
ALERTS = ("violence", "escape")
UNITS = ("FLT-A", "FLT-B")


# --- PostgreSQL -------------------------------------------------------------------------------------------


class FaultPostgres(TemporaryPostgres):
    """The tests' temporary server (tests/pg.py) with PostgreSQL's default durability (the tests' fsync=off
    would let a crash lose acknowledged commits): the run kills it and counts on what it acknowledged."""

    SETTINGS = "-c max_connections=200 -c shared_buffers=128MB"
    PREFIX = "waypoint-faults-pg-"

    def crash(self) -> None:
        """Stop as a crash would: no checkpoint, connections cut; the next start replays the WAL."""
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self.stop()
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_database(server: FaultPostgres, clients: int) -> tuple[str, list[str]]:
    """A migrated database with the two units and one assessor per client; its URL and the usernames."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from flask import g

    from app import create_app
    from app.admin import services
    from app.db import db

    admin = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE DATABASE waypoint"))
    admin.dispose()
    url = server.url("waypoint")
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = url
    cfg.attributes["skip_logging"] = True
    command.upgrade(cfg, "head")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    usernames = [f"fault{n:02d}" for n in range(clients)]
    with app.app_context():
        g.cli_actor = "bench"
        for code in UNITS:
            services.create_unit(code, f"Faults {code[-1]}", "prison")
        for n, username in enumerate(usernames):
            services.create_user(username, services.UserDetails(f"Fault Worker {n}", "assessor",
                                                                [UNITS[n % 2]]), PASSWORD,
                                 must_change=False)
        db.session.commit()
    app.extensions["waypoint_engine"].dispose()
    return url, usernames


# --- the app hosts ----------------------------------------------------------------------------------------


class Host:
    """One app host: gunicorn with Waypoint's production settings on a loopback port. When its master exits,
    `supervise` starts it again on the same port after a second, as systemd's Restart=always would."""

    def __init__(self, name: str, url: str, workers: int, logdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.workers_wanted = workers
        self.env = {**os.environ, "DATABASE_URL": url, "WAYPOINT_ENV": "production", "PROXY_HOPS": "0",
                    "SECRET_KEY": SECRET_KEY, "PYTHONPATH": str(ROOT)}
        self.log = logdir / f"gunicorn-{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.exits: list[str] = []

    def start(self) -> None:
        cmd = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(self.workers_wanted),
               "--bind", f"127.0.0.1:{self.port}", "--timeout", "30", "--graceful-timeout", "5",
               "--log-level", "warning", "wsgi:app"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def wait_until_serving(self) -> None:
        """Until the host answers /health: a worker that answers has loaded the app (which needs the database,
        so a worker still loading when the run kills the database would fail to boot)."""
        deadline = time.monotonic() + 60
        while len(self.workers()) < self.workers_wanted or not _healthy(self.port):
            if self.process is None or self.process.poll() is not None:
                raise SystemExit(f"gunicorn {self.name} exited:\n{self.log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn {self.name} did not start; see {self.log}")
            time.sleep(0.2)

    def workers(self) -> list[int]:
        if self.process is None:
            return []
        pid = self.process.pid
        try:
            return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def why_it_exited(self) -> str:
        """gunicorn's own last word in the log (e.g. "Reason: Worker failed to boot."), and the last
        exception line of the traceback before it."""
        lines = self.log.read_text(errors="replace").splitlines()
        reason = next((ln.split("] ", 1)[-1] for ln in reversed(lines) if "Reason:" in ln), "no reason logged")
        error = next((ln.strip() for ln in reversed(lines) if re.match(r"^[\w.]+(Error|Exception)\b", ln)), "")
        return f"{reason} {error[:160]}".strip()

    def supervise(self, stop: threading.Event, started: float, log: list[str]) -> None:
        while not stop.wait(0.5):
            if self.process is None or self.process.poll() is None:
                continue
            now = time.monotonic() - started
            why = self.why_it_exited()
            self.exits.append(why)
            log.append(f"{now:6.1f} s  host {self.name}'s gunicorn exited ({why}); started again after 1 s")
            if stop.wait(1.0):
                return
            self.start()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def app_host(name: str, url: str, workers: int, logdir: Path) -> Iterator[Host]:
    host = Host(name, url, workers, logdir)
    host.start()
    try:
        host.wait_until_serving()
        yield host
    finally:
        host.stop()


def _healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/health")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


# --- the clients ------------------------------------------------------------------------------------------


class RequestFailed(Exception):
    """A request that did not get the answer its step needs; `kind` is how it failed."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass
class Tally:
    """What all clients saw: each request's latency and outcome, and the writes acknowledged."""

    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    subjects: dict[str, int] = field(default_factory=dict)  # reference -> id, acknowledged
    observations: dict[str, int] = field(default_factory=dict)  # marker -> subject id, acknowledged
    tried_subjects: set[str] = field(default_factory=set)
    tried_observations: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def classify(status: int, location: str, body: str) -> str:
    """How a request that did not get the answer it needed failed."""
    if status == 503 and "cannot reach its database" in body:
        return "503 Waypoint's database-unavailable page"
    if status >= 500:
        return f"{status} {'Waypoint error page' if '· Waypoint</title>' in body else 'bare server error'}"
    if 300 <= status < 400:
        return f"{status} to {location.split('?', 1)[0]}"
    return str(status)


class Client:
    """One case worker: signs in, then adds people and observations until told to stop."""

    def __init__(self, number: int, username: str, unit_id: int, hosts: list[Host], tally: Tally,
                 stop: threading.Event, seed: int) -> None:
        self.number = number
        self.username = username
        self.unit_id = unit_id
        self.hosts = hosts
        self.tally = tally
        self.stop = stop
        self.random = random.Random(seed)
        self.cookie = ""
        self.turn = number
        self.sequence = 0
        self.mine: list[int] = []

    def request(self, method: str, path: str, form: dict[str, Any] | None = None, *, expect: tuple[int, ...]
                ) -> tuple[int, str, str]:
        """One request to the next host in turn; returns status, Location and body, or raises RequestFailed."""
        host = self.hosts[self.turn % len(self.hosts)]
        self.turn += 1
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", host.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            status, location = response.status, response.getheader("Location") or ""
            set_cookie = response.getheader("Set-Cookie") or ""
        except TimeoutError:
            self.note(started, "timeout")
            raise RequestFailed("timeout") from None
        except (OSError, http.client.HTTPException) as exc:
            kind = f"connection: {type(exc).__name__}"
            self.note(started, kind)
            raise RequestFailed(kind) from None
        finally:
            conn.close()
        if set_cookie.split(";", 1)[0].split("=", 1)[-1]:
            self.cookie = set_cookie.split(";", 1)[0]
        kind = classify(status, location, text)
        self.note(started, "ok" if status in expect else kind)
        if status not in expect:
            if status == 302 and location.startswith("/login"):
                self.cookie = ""  # signed out (an expired or lost session): sign in again
            raise RequestFailed(kind)
        return status, location, text

    def note(self, started: float, outcome: str) -> None:
        elapsed = time.perf_counter() - started
        with self.tally.lock:
            self.tally.latencies.append(elapsed)
            self.tally.outcomes[outcome] += 1

    def form_token(self, path: str) -> str:
        _, _, page = self.request("GET", path, expect=(200,))
        match = CSRF_RE.search(page)
        if match is None:
            raise RequestFailed("no CSRF token")
        return match.group(1)

    def sign_in(self) -> None:
        self.cookie = ""
        token = self.form_token("/login")
        _, location, _ = self.request("POST", "/login", {"csrf_token": token, "username": self.username,
                                                         "password": PASSWORD}, expect=(302,))
        if location.startswith("/login"):
            raise RequestFailed("sign-in refused")

    def add_person(self) -> None:
        token = self.form_token("/subjects/new")
        self.sequence += 1
        reference = f"F{self.number:02d}X{self.sequence:05d}"
        with self.tally.lock:
            self.tally.tried_subjects.add(reference)
        _, location, _ = self.request("POST", "/subjects/new", {
            "csrf_token": token, "reference": reference, "given_name": "Fault", "family_name": f"Case {reference}",
            "date_of_birth": "1990-04-27", "unit": str(self.unit_id), "status": "remand",
            "index_offence_category": "violence", "alerts": list(ALERTS)}, expect=(302,))
        match = SUBJECT_RE.match(location)
        if match is None:
            raise RequestFailed(f"unexpected redirect {location}")
        subject_id = int(match.group(1))
        self.mine.append(subject_id)
        with self.tally.lock:
            self.tally.subjects[reference] = subject_id

    def record_observation(self) -> None:
        subject_id = self.random.choice(self.mine)
        path = f"/subjects/{subject_id}/observations/new"
        token = self.form_token(path)
        self.sequence += 1
        marker = f"marker-{self.number:02d}-{self.sequence:05d}"
        with self.tally.lock:
            self.tally.tried_observations.add(marker)
        _, location, _ = self.request("POST", path, {
            "csrf_token": token, "observed_on": time.strftime("%Y-%m-%d", time.gmtime()),
            "category": "positive_engagement", "source": "Wing officer",
            "text": f"Took part in the group session and spoke calmly ({marker})."}, expect=(302,))
        if location != f"/subjects/{subject_id}":
            raise RequestFailed(f"unexpected redirect {location}")
        with self.tally.lock:
            self.tally.observations[marker] = subject_id

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                if not self.cookie:
                    self.sign_in()
                if not self.mine or self.random.random() < 0.5:
                    self.add_person()
                else:
                    self.record_observation()
            except RequestFailed:
                self.stop.wait(0.2)  # as a user would, try again shortly


# --- faults -------------------------------------------------------------------------------------------------


def inject_faults(server: FaultPostgres, hosts: list[Host], plan: FaultPlan, stop: threading.Event,
                  started: float, log: list[str]) -> None:
    """The database crash and restart, and the worker kills, at their times in the run."""
    rng = random.Random(plan.seed)

    def elapsed() -> str:
        return f"{time.monotonic() - started:6.1f} s"

    def kill_a_worker(when: str = "") -> None:
        host = rng.choice(hosts)
        workers = host.workers()
        if not workers:
            log.append(f"{elapsed()}  no worker of host {host.name} to kill{when}")
            return
        victim = rng.choice(workers)
        os.kill(victim, signal.SIGKILL)
        log.append(f"{elapsed()}  SIGKILL to worker {victim} of host {host.name}{when}")

    for at, what in plan.schedule():
        if stop.wait(max(0.0, started + at - time.monotonic())):
            return
        if what == "kill":
            kill_a_worker()
            continue
        server.crash()
        log.append(f"{elapsed()}  database killed (pg_ctl stop -m immediate)")
        # The database is started again even when the run ends meanwhile: the check needs it.
        if plan.kill_during_outage and not stop.wait(plan.outage / 2):
            kill_a_worker(" while the database is down")
            stop.wait(plan.outage / 2)
        else:
            stop.wait(plan.outage)
        server.resume()
        log.append(f"{elapsed()}  database started again")


@dataclass(frozen=True)
class FaultPlan:
    """When the faults come: `kills` worker kills spread evenly over the run, the database killed at
    `restart_at` of it and started `outage` seconds later, with one more worker kill halfway through."""

    duration: float
    restart_at: float
    outage: float
    kills: int
    kill_during_outage: bool
    seed: int

    def schedule(self) -> list[tuple[float, str]]:
        plan = [(self.duration * self.restart_at, "restart")]
        plan += [(self.duration * (k + 1) / (self.kills + 1), "kill") for k in range(self.kills)]
        return sorted(plan)


# --- the check ----------------------------------------------------------------------------------------------


@dataclass
class Check:
    acknowledged_subjects: int
    found_subjects: int
    acknowledged_observations: int
    found_observations: int
    unacknowledged_present: int
    partial: list[str]
    verify_exit: int
    verify_output: str

    @property
    def passed(self) -> bool:
        return (self.found_subjects == self.acknowledged_subjects
                and self.found_observations == self.acknowledged_observations
                and not self.partial and self.verify_exit == 0)


def check(url: str, tally: Tally) -> Check:
    """Every acknowledged write present with its audit event; everything tried either whole or absent."""
    import sqlalchemy as sa

    from app.db import normalise_url

    engine = sa.create_engine(normalise_url(url))
    partial: list[str] = []
    with engine.connect() as conn:
        subjects = {ref: (sid, alerts) for sid, ref, alerts in conn.execute(sa.text(
            "SELECT s.id, s.reference, (SELECT count(*) FROM subject_alerts a WHERE a.subject_id = s.id) "
            "FROM subjects s WHERE s.reference LIKE 'F%'")).all()}
        observations = {row[1]: (row[0], row[2]) for row in conn.execute(sa.text(
            "SELECT o.id, substring(o.text from 'marker-[0-9]+-[0-9]+'), o.subject_id FROM observations o "
            "WHERE o.text LIKE '%marker-%'")).all()}
        events = Counter((kind, object_id) for kind, object_id in conn.execute(sa.text(
            "SELECT object_type, object_id FROM audit_events WHERE action = 'create' "
            "AND object_type IN ('subject', 'observation') AND actor_username LIKE 'fault%'")).all())
    engine.dispose()

    for reference, (subject_id, alerts) in subjects.items():
        if reference not in tally.tried_subjects:
            partial.append(f"person {reference}: in the database, never sent")
        if alerts != len(ALERTS):
            partial.append(f"person {reference}: {alerts} alerts of {len(ALERTS)}")
        if events[("subject", str(subject_id))] != 1:
            partial.append(f"person {reference}: {events[('subject', str(subject_id))]} create events")
    for marker, (observation_id, _subject_id) in observations.items():
        if marker not in tally.tried_observations:
            partial.append(f"observation {marker}: in the database, never sent")
        if events[("observation", str(observation_id))] != 1:
            partial.append(f"observation {marker}: {events[('observation', str(observation_id))]} create events")
    subject_ids = {sid for sid, _ in subjects.values()}
    observation_ids = {oid for oid, _ in observations.values()}
    for (kind, object_id), _count in events.items():
        if int(object_id) not in (subject_ids if kind == "subject" else observation_ids):
            partial.append(f"{kind} {object_id}: a create event without its row")

    found_subjects = sum(1 for ref, sid in tally.subjects.items()
                         if ref in subjects and subjects[ref][0] == sid and events[("subject", str(sid))] == 1)
    found_observations = sum(1 for marker, sid in tally.observations.items()
                             if marker in observations and observations[marker][1] == sid
                             and events[("observation", str(observations[marker][0]))] == 1)
    unacknowledged = (len(set(subjects) - set(tally.subjects)) + len(set(observations) - set(tally.observations)))

    env = {**os.environ, "DATABASE_URL": url, "WAYPOINT_ENV": "production", "SECRET_KEY": SECRET_KEY,
           "PYTHONPATH": str(ROOT)}
    verify = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "audit", "verify"],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return Check(len(tally.subjects), found_subjects, len(tally.observations), found_observations, unacknowledged,
                 partial, verify.returncode, (verify.stdout + verify.stderr).strip())


# --- the run ------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def run(clients: int, workers: int, plan: FaultPlan, logdir: Path | None = None) -> dict[str, Any]:
    """The whole run: servers up, clients and faults for `plan.duration` seconds, then the check."""
    duration, seed = plan.duration, plan.seed
    server = FaultPostgres()
    with ExitStack() as stack:
        stack.callback(server.remove)
        server.start()
        url, usernames = prepare_database(server, clients)
        unit_ids = unit_ids_of(url)
        if logdir is None:
            logdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="waypoint-faults-")))
        logdir.mkdir(parents=True, exist_ok=True)
        hosts = [stack.enter_context(app_host(name, url, workers, logdir)) for name in ("A", "B")]
        tally = Tally()
        stop = threading.Event()
        crowd = [Client(n, username, unit_ids[UNITS[n % 2]], hosts, tally, stop, seed + n)
                 for n, username in enumerate(usernames)]
        faults: list[str] = []
        threads = [threading.Thread(target=c.run, name=f"client-{c.number}") for c in crowd]
        started = time.monotonic()
        injector = threading.Thread(target=inject_faults, name="faults",
                                    args=(server, hosts, plan, stop, started, faults))
        supervisors = [threading.Thread(target=h.supervise, args=(stop, started, faults), name=f"host-{h.name}")
                       for h in hosts]
        for thread in [*threads, injector, *supervisors]:
            thread.start()
        stop.wait(duration)
        stop.set()
        for thread in [injector, *supervisors, *threads]:
            thread.join()
        seconds = time.monotonic() - started
        result = check(url, tally)
        tracebacks = sum(host.log.read_text(errors="replace").count("Traceback") for host in hosts)
        host_exits = sum(len(host.exits) for host in hosts)
    return {
        "clients": clients, "seconds": round(seconds, 1), "workers_per_host": workers,
        "requests": len(tally.latencies), "outcomes": dict(tally.outcomes.most_common()),
        "p50_ms": round(percentile(tally.latencies, 50), 1), "p95_ms": round(percentile(tally.latencies, 95), 1),
        "faults": sorted(faults, key=lambda line: float(line.split(" s  ", 1)[0])),
        "acknowledged_people": result.acknowledged_subjects, "found_people": result.found_subjects,
        "acknowledged_observations": result.acknowledged_observations,
        "found_observations": result.found_observations,
        "present_not_acknowledged": result.unacknowledged_present, "partial": result.partial,
        "audit_verify_exit": result.verify_exit, "audit_verify": result.verify_output,
        "gunicorn_tracebacks": tracebacks, "host_exits": host_exits, "passed": result.passed,
    }


def unit_ids_of(url: str) -> dict[str, int]:
    import sqlalchemy as sa

    from app.db import normalise_url

    engine = sa.create_engine(normalise_url(url))
    with engine.connect() as conn:
        ids = {code: uid for uid, code in conn.execute(sa.text("SELECT id, code FROM units")).all()}
    engine.dispose()
    return ids


def report(figures: dict[str, Any]) -> None:
    print(f"{figures['clients']} clients, {figures['seconds']} s, two hosts x {figures['workers_per_host']} "
          f"workers on one PostgreSQL")
    for line in figures["faults"]:
        print(f"  fault: {line}")
    print(f"requests: {figures['requests']}  p50 {figures['p50_ms']} ms  p95 {figures['p95_ms']} ms")
    for outcome, count in figures["outcomes"].items():
        print(f"  {outcome:<40} {count:>7}")
    print(f"people:       acknowledged {figures['acknowledged_people']:>6}  found with audit event "
          f"{figures['found_people']:>6}")
    print(f"observations: acknowledged {figures['acknowledged_observations']:>6}  found with audit event "
          f"{figures['found_observations']:>6}")
    print(f"in the database but not acknowledged (answer lost to a fault): {figures['present_not_acknowledged']}")
    print(f"partial records: {len(figures['partial'])}")
    for line in figures["partial"][:20]:
        print(f"  {line}")
    print(f"flask audit verify: exit {figures['audit_verify_exit']}: {figures['audit_verify']}")
    print(f"tracebacks in the gunicorn logs: {figures['gunicorn_tracebacks']}; "
          f"app hosts that exited and were started again: {figures['host_exits']}")
    print("PASSED" if figures["passed"] else "FAILED")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per host")
    parser.add_argument("--restart-at", type=float, default=0.45, help="when the database is killed, as a "
                        "fraction of the run")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds the database stays down")
    parser.add_argument("--kills", type=int, default=4, help="gunicorn workers killed, spread over the run")
    parser.add_argument("--no-kill-during-outage", action="store_true",
                        help="do not kill a worker while the database is down")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--logs", type=Path, help="keep the gunicorn logs in this directory")
    args = parser.parse_args(argv)
    plan = FaultPlan(args.duration, args.restart_at, args.outage, args.kills, not args.no_kill_during_outage,
                     args.seed)
    figures = run(args.clients, args.workers, plan, args.logs)
    report(figures)
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0 if figures["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
