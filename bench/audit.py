"""What the audit trail costs: how fast `flask audit verify` walks the chain against plain chained SHA-256, and
how much an audit event adds to a write. Not part of the test run; tests/test_bench_audit.py runs it tiny.

    .venv/bin/python bench/audit.py --database-url sqlite:///path/to/generated.sqlite3 [--limit N]
        [--writes 300] [--json]

The database must be migrated and hold audit events (the generator fills it). Verification only reads; the
write benchmark saves real changes (a subject's next review date, toggled between two dates), and its audited
writes append real events to the chain through the trail's own commit hook.

1. Verification: the walk `flask audit verify` makes (trail.verify over review.reading_session(), without
   recording the run), timed, in events/s; then the same events' canonical bytes, built as verify builds them
   and read outside the timing, hashed as a plain chain of hashlib.sha256(prev + bytes). Target: verify at
   least half the raw rate.
2. Writes: subjects.services.update_subject as a request makes it (load the user and the subject, change,
   one commit), with its audit event and with trail.record made a no-op, alternated. Target: audited median
   at most 1.2 times the unaudited one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import statistics
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask, g
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import create_app, policy
from app.audit import chain, review, trail
from app.audit.models import GENESIS_HASH, AuditEvent
from app.auth.models import User, user_units
from app.db import db, normalise_url, utcnow
from app.subjects import services
from app.subjects.models import Subject

VERIFY_TARGET = 0.50  # verify's rate over the floor's, at least
TEN_MILLION = 10_000_000
TEN_MILLION_TARGET_SECONDS = 60.0
WRITE_TARGET = 1.2  # audited median over unaudited median, at most
# Events whose canonical bytes are held in memory at once for the raw pass: verify's batch. Larger chunks make
# loading slower per row (20,000 took twice as long per row: a larger identity map, more garbage collection).
RAW_CHUNK = 2000
WARMUP_WRITES = 2  # of each kind, untimed: imports, statement caches, connection pool
WRITE_SUBJECTS = 20


class ChainBroken(RuntimeError):
    """The trail does not verify: no rate means anything then."""


class NothingToWrite(RuntimeError):
    """No subject that a case worker may edit: the database was not filled by the generator."""


@dataclass(frozen=True)
class VerificationResult:
    events: int
    jobs: int
    # `flask audit verify --jobs N` (chain.verify_in_ranges), and the same with one process.
    verify_seconds: float
    verify_rate: float
    one_job_seconds: float
    one_job_rate: float
    # The walk `flask audit verify` made before issue 18 (trail.verify: one process, every row re-encoded).
    before_seconds: float
    before_rate: float
    # The floor: one minimal reader fetching the same columns (COPY on PostgreSQL, plain SELECTs elsewhere) and
    # chained hashlib.sha256 over the same canonical bytes, built outside the timing.
    floor_read_seconds: float
    floor_hash_seconds: float
    floor_rate: float
    ratio: float  # verify_rate / floor_rate
    floor_last_hash_matches: bool

    @property
    def ten_million_seconds(self) -> float:
        """10 million events at the measured rate."""
        return TEN_MILLION / self.verify_rate if self.verify_rate else math.inf

    @property
    def target_met(self) -> bool:
        return self.ratio >= VERIFY_TARGET and self.ten_million_seconds < TEN_MILLION_TARGET_SECONDS


@dataclass(frozen=True)
class WriteResult:
    writes: int
    actor: str
    subjects: int
    audited_median_ms: float
    audited_p95_ms: float
    unaudited_median_ms: float
    unaudited_p95_ms: float
    ratio: float  # audited median / unaudited median
    events_appended: int
    appended_chain_intact: bool

    @property
    def target_met(self) -> bool:
        return self.ratio <= WRITE_TARGET


def bench_app(url: str) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False})


@contextmanager
def app_for(url: str) -> Iterator[Flask]:
    app = bench_app(url)
    try:
        yield app
    finally:
        app.extensions["waypoint_engine"].dispose()


# --- verification --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FloorPass:
    read_seconds: float
    hash_seconds: float
    last_hash_matches: bool


def _hash_chain(prev: str, blobs: list[bytes]) -> str:
    sha256 = hashlib.sha256
    for blob in blobs:
        prev = sha256(prev.encode("ascii") + blob).hexdigest()
    return prev


def _copied_batches(url: str, last_id: int) -> Iterator[tuple[float, list[bytes]]]:
    """The events 1..last_id as COPY text lines, RAW_CHUNK at a time, each batch with the seconds spent reading it."""
    import psycopg

    conninfo = make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET DateStyle = 'ISO, YMD'")
        with conn.cursor() as cursor, cursor.copy(chain.COPY_RANGE.format(low=1, high=last_id)) as copy:
            messages: list[Any] = []
            started = perf_counter()
            for message in copy:
                messages.append(message)
                if len(messages) == RAW_CHUNK:
                    read = perf_counter() - started
                    yield read, b"".join(messages).splitlines()
                    messages = []
                    started = perf_counter()
            read = perf_counter() - started
        yield read, b"".join(messages).splitlines()


def _selected_batches(session: Session, last_id: int) -> Iterator[tuple[float, list[tuple[Any, ...]]]]:
    after = 0
    while after < last_id:
        started = perf_counter()
        rows = [tuple(row) for row in session.execute(
            select(*trail.CHAIN_COLUMNS).where(AuditEvent.id > after, AuditEvent.id <= last_id)
            .order_by(AuditEvent.id).limit(RAW_CHUNK))]
        read = perf_counter() - started
        if not rows:
            return
        yield read, rows
        after = rows[-1][0]


def floor_pass(url: str, session: Session, last_id: int) -> FloorPass:
    """Read events 1..last_id as a minimal reader would (PostgreSQL: COPY ... TO STDOUT; elsewhere: plain
    SELECTs in bulk), timed; build each row's canonical bytes untimed; hash them as a plain chain, timed."""
    read = hashing = 0.0
    prev, last_stored = GENESIS_HASH, GENESIS_HASH
    if session.get_bind().dialect.name == "postgresql":
        for seconds, lines in _copied_batches(url, last_id):
            read += seconds
            links = [link for line in lines if (link := chain.copied_link(line)) is not None]
            blobs = [trail.canonical_json(fields) for _prev, fields, _stored in links]
            if links:
                last_stored = links[-1][2]
            started = perf_counter()
            prev = _hash_chain(prev, blobs)
            hashing += perf_counter() - started
    else:
        for seconds, rows in _selected_batches(session, last_id):
            read += seconds
            blobs = [trail.canonical_json(trail.chain_fields(*row[:12])) for row in rows]
            last_stored = rows[-1][13]
            started = perf_counter()
            prev = _hash_chain(prev, blobs)
            hashing += perf_counter() - started
    return FloorPass(read, hashing, prev == last_stored)


def _timed(walk: Callable[[], trail.Verification]) -> tuple[trail.Verification, float]:
    started = perf_counter()
    result = walk()
    return result, perf_counter() - started


def measure_verification(url: str, limit: int | None = None, jobs: int | None = None) -> VerificationResult:
    """Time `flask audit verify`'s walk over the chain (or its first `limit` events) with `jobs` processes
    (default: the cores) and with one, the walk it made before, and the floor, all on the same events.

    Raises ChainBroken when the chain does not verify."""
    jobs = jobs or os.cpu_count() or 1
    with app_for(url) as app, app.app_context():
        with review.reading_session() as reader:
            result, verify_seconds = _timed(lambda: chain.verify_in_ranges(reader, jobs=jobs, limit=limit))
        if not result.intact:
            raise ChainBroken(f"audit chain broken at event {result.first_bad_id}: {result.problem} "
                              f"({result.count} events before it verified)")
        with review.reading_session() as reader:
            one, one_seconds = _timed(lambda: chain.verify_in_ranges(reader, jobs=1, limit=limit))
        with review.reading_session() as reader:
            before, before_seconds = _timed(lambda: trail.verify(reader, limit=limit))
        if not (one == before == result):
            raise ChainBroken(f"the walks disagree: {result}, with one process {one}, before {before}")
        events = result.count
        with review.reading_session() as reader:
            last_id = reader.scalar(select(AuditEvent.id).order_by(AuditEvent.id).offset(events - 1).limit(1)) \
                if events else 0
            floor = floor_pass(url, reader, last_id or 0)

    def rate(seconds: float) -> float:
        return events / seconds if seconds else 0.0

    floor_rate = rate(floor.read_seconds + floor.hash_seconds)
    return VerificationResult(
        events=events, jobs=jobs, verify_seconds=verify_seconds, verify_rate=rate(verify_seconds),
        one_job_seconds=one_seconds, one_job_rate=rate(one_seconds), before_seconds=before_seconds,
        before_rate=rate(before_seconds), floor_read_seconds=floor.read_seconds,
        floor_hash_seconds=floor.hash_seconds, floor_rate=floor_rate,
        ratio=rate(verify_seconds) / floor_rate if floor_rate else 0.0,
        floor_last_hash_matches=floor.last_hash_matches,
    )


# --- writes --------------------------------------------------------------------------------------------


def write_targets() -> tuple[int, list[int]]:
    """A case worker (supervisors first) and up to WRITE_SUBJECTS subjects of their unit that they may edit and
    whose saved values validate, so that every benchmarked save succeeds."""
    case_roles = [r.value for r in policy.CASE_ROLES]
    for subject in db.session.scalars(select(Subject).where(Subject.erased_at.is_(None)).order_by(Subject.id)
                                      .limit(200)):
        actors = db.session.scalars(
            select(User).join(user_units, user_units.c.user_id == User.id)
            .where(user_units.c.unit_id == subject.unit_id, User.is_active.is_(True), User.role.in_(case_roles))
            .order_by((User.role != "supervisor"), User.id)
        ).all()
        if not actors:
            continue
        candidates = db.session.scalars(select(Subject).where(Subject.unit_id == subject.unit_id,
                                                              Subject.erased_at.is_(None))
                                        .order_by(Subject.id).limit(10 * WRITE_SUBJECTS))
        editable = [s.id for s in candidates if policy.can_edit_subject(actors[0], s)
                    and not services.validate(services.values_of(s).normalised(), subject_id=s.id)]
        if editable:
            return actors[0].id, editable[:WRITE_SUBJECTS]
    raise NothingToWrite("no subject that a case worker may edit: fill the database with the generator first")


def _skip_record(*_args: Any, **_kwargs: Any) -> None:
    return None


def timed_write(app: Flask, actor_id: int, subject_id: int, *, audited: bool) -> float:
    """One save of a subject's next review date, as one request makes it: load, change, commit once."""
    audit = nullcontext() if audited else mock.patch.object(trail, "record", _skip_record)
    with audit, app.app_context():
        started = perf_counter()
        actor = db.session.get(User, actor_id)
        subject = db.session.get(Subject, subject_id)
        assert actor is not None and subject is not None
        g.user = actor
        values = services.values_of(subject)
        # Toggled between two dates near today: always a real change, and a plausible date however often it runs.
        soon = utcnow().date() + timedelta(days=28)
        values.next_review_due = soon + timedelta(days=7) if subject.next_review_due == soon else soon
        services.update_subject(actor, subject, values, subject.version)
        db.session.commit()
        return perf_counter() - started


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def appended_chain(after_id: int, after_hash: str) -> tuple[int, bool]:
    """How many events follow event `after_id`, and whether they link on from `after_hash` and hash right."""
    prev, expected, count = after_hash, after_id + 1, 0
    with review.reading_session() as reader:
        for row in reader.scalars(select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id)):
            linked = row.id == expected and row.prev_hash == prev
            if not linked or trail.chain_hash(prev, row.canonical_fields()) != row.hash:
                return count, False
            prev, expected, count = row.hash, expected + 1, count + 1
    return count, True


def measure_writes(url: str, writes: int = 300) -> WriteResult:
    """`writes` audited and `writes` unaudited saves, alternated (ABBA); per-save median and p95."""
    with app_for(url) as app:
        with app.app_context():
            actor_id, subject_ids = write_targets()
            actor = db.session.get(User, actor_id)
            assert actor is not None
            actor_name = f"{actor.username} ({actor.role})"
            head = review.chain_head()
        for i in range(WARMUP_WRITES):
            timed_write(app, actor_id, subject_ids[i % len(subject_ids)], audited=True)
            timed_write(app, actor_id, subject_ids[i % len(subject_ids)], audited=False)
        times: dict[bool, list[float]] = {True: [], False: []}
        for i in range(writes):
            subject_id = subject_ids[i % len(subject_ids)]
            for audited in (True, False) if i % 2 == 0 else (False, True):
                times[audited].append(timed_write(app, actor_id, subject_id, audited=audited) * 1000)
        with app.app_context():
            appended, intact = appended_chain(head.last_id or 0, head.last_hash or GENESIS_HASH)
    audited_median = statistics.median(times[True]) if writes else 0.0
    unaudited_median = statistics.median(times[False]) if writes else 0.0
    return WriteResult(
        writes=writes, actor=actor_name, subjects=len(subject_ids),
        audited_median_ms=audited_median, audited_p95_ms=p95(times[True]) if writes else 0.0,
        unaudited_median_ms=unaudited_median, unaudited_p95_ms=p95(times[False]) if writes else 0.0,
        ratio=audited_median / unaudited_median if unaudited_median else 0.0,
        events_appended=appended, appended_chain_intact=intact,
    )


# --- report --------------------------------------------------------------------------------------------


def _verdict(met: bool) -> str:
    return "target met" if met else "target MISSED"


def report_verification(v: VerificationResult) -> str:
    def line(label: str, seconds: float, rate: float) -> str:
        return f"  {label:<52}{seconds:9.3f} s  {rate:12,.0f} events/s"

    return "\n".join([
        f"verification: {v.events:,} events",
        line(f"flask audit verify --jobs {v.jobs}:", v.verify_seconds, v.verify_rate),
        line("flask audit verify --jobs 1:", v.one_job_seconds, v.one_job_rate),
        line("before (trail.verify, one process):", v.before_seconds, v.before_rate),
        line("floor (minimal read + chained sha256):", v.floor_read_seconds + v.floor_hash_seconds, v.floor_rate)
        + f"  (read {v.floor_read_seconds:.3f} s, hash {v.floor_hash_seconds:.3f} s)"
        + ("" if v.floor_last_hash_matches else "  (last hash DIFFERS from the stored one)"),
        f"  verify/floor: {v.ratio:.3f} (target >= {VERIFY_TARGET:.2f}); 10 million events at this rate: "
        f"{v.ten_million_seconds:.0f} s (target < {TEN_MILLION_TARGET_SECONDS:.0f} s): {_verdict(v.target_met)}",
    ])


def report_writes(w: WriteResult) -> str:
    return "\n".join([
        f"writes: {w.writes} audited and {w.writes} unaudited saves of next_review_due "
        f"(subjects.services.update_subject, one commit each) by {w.actor} over {w.subjects} subjects",
        f"  audited:   median {w.audited_median_ms:7.2f} ms   p95 {w.audited_p95_ms:7.2f} ms",
        f"  unaudited: median {w.unaudited_median_ms:7.2f} ms   p95 {w.unaudited_p95_ms:7.2f} ms",
        f"  audited/unaudited (median): {w.ratio:.3f} (target <= {WRITE_TARGET}): {_verdict(w.target_met)}",
        f"  chain after the writes: {w.events_appended} events appended, "
        + ("linked and hashed correctly" if w.appended_chain_intact else "BROKEN"),
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="sqlite:///path or postgresql://...")
    parser.add_argument("--limit", type=int, default=None, help="verify (and hash) only the first N events")
    parser.add_argument("--jobs", type=int, default=None, help="processes for the verification (default: cores)")
    parser.add_argument("--writes", type=int, default=300, help="saves of each kind (0: skip the write benchmark)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    shown_url = make_url(normalise_url(args.database_url)).render_as_string(hide_password=True)
    print(f"Waypoint audit benchmark: {shown_url}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{date.today().isoformat()}")
    figures: dict[str, Any] = {"database": shown_url, "cpus": os.cpu_count(),
                               "python": platform.python_version(), "limit": args.limit}
    try:
        verification = measure_verification(args.database_url, args.limit, args.jobs)
    except ChainBroken as exc:
        print(exc, file=sys.stderr)
        return 1
    print(report_verification(verification), flush=True)
    figures["verification"] = asdict(verification) | {"target_met": verification.target_met,
                                                      "ten_million_seconds": verification.ten_million_seconds}
    if args.writes > 0:
        try:
            writes = measure_writes(args.database_url, args.writes)
        except NothingToWrite as exc:
            print(exc, file=sys.stderr)
            return 1
        print(report_writes(writes))
        figures["writes"] = asdict(writes) | {"target_met": writes.target_met}
        if not writes.appended_chain_intact:
            return 1
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
