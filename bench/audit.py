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
from collections.abc import Iterator
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
from app.audit import review, trail
from app.audit.models import GENESIS_HASH, AuditEvent
from app.auth.models import User, user_units
from app.db import db, normalise_url, utcnow
from app.subjects import services
from app.subjects.models import Subject

VERIFY_TARGET = 0.50  # verify's rate over the raw rate, at least
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
    verify_seconds: float
    verify_rate: float
    raw_seconds: float
    raw_rate: float
    ratio: float  # verify_rate / raw_rate
    # Measured while preparing the raw pass (same rows, same encoding): where verify's time goes.
    load_seconds: float
    encode_seconds: float
    raw_last_hash_matches: bool

    @property
    def target_met(self) -> bool:
        return self.ratio >= VERIFY_TARGET


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
class RawPass:
    hash_seconds: float
    load_seconds: float
    encode_seconds: float
    last_hash_matches: bool


def raw_pass(session: Session, count: int, chunk: int = RAW_CHUNK) -> RawPass:
    """Chain SHA-256 over the canonical bytes of the first `count` events; only the hashing is in
    hash_seconds. The bytes are read a chunk at a time, so memory stays flat over millions of events."""
    sha256 = hashlib.sha256
    prev, done, after = GENESIS_HASH, 0, 0
    load = encode = hashing = 0.0
    last_stored = GENESIS_HASH
    while done < count:
        t0 = perf_counter()
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id).limit(min(chunk, count - done))
        ).all()
        t1 = perf_counter()
        if not rows:
            break
        blobs = [trail.canonical_json(row.canonical_fields()) for row in rows]
        t2 = perf_counter()
        for blob in blobs:
            prev = sha256(prev.encode("ascii") + blob).hexdigest()
        t3 = perf_counter()
        load, encode, hashing = load + t1 - t0, encode + t2 - t1, hashing + t3 - t2
        last_stored, after, done = rows[-1].hash, rows[-1].id, done + len(rows)
        session.expunge_all()
    return RawPass(hashing, load, encode, prev == last_stored)


def measure_verification(url: str, limit: int | None = None) -> VerificationResult:
    """Time the verify walk over the chain (or its first `limit` events), then raw hashing of the same events.

    Raises ChainBroken when the chain does not verify."""
    with app_for(url) as app, app.app_context():
        started = perf_counter()
        with review.reading_session() as reader:
            chain = trail.verify(reader, limit=limit)
        verify_seconds = perf_counter() - started
        if not chain.intact:
            raise ChainBroken(f"audit chain broken at event {chain.first_bad_id}: {chain.problem} "
                              f"({chain.count} events before it verified)")
        with review.reading_session() as reader:
            raw = raw_pass(reader, chain.count)
    events = chain.count
    verify_rate = events / verify_seconds if verify_seconds else 0.0
    raw_rate = events / raw.hash_seconds if raw.hash_seconds else 0.0
    return VerificationResult(
        events=events, verify_seconds=verify_seconds, verify_rate=verify_rate, raw_seconds=raw.hash_seconds,
        raw_rate=raw_rate, ratio=verify_rate / raw_rate if raw_rate else 0.0, load_seconds=raw.load_seconds,
        encode_seconds=raw.encode_seconds, raw_last_hash_matches=raw.last_hash_matches,
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
    def per_event(seconds: float) -> str:
        return f"{1e6 * seconds / v.events:.1f} µs" if v.events else "-"

    return "\n".join([
        f"verification: {v.events:,} events",
        f"  verify (flask audit verify's walk):   {v.verify_seconds:9.3f} s  {v.verify_rate:12,.0f} events/s",
        f"  raw chained sha256 of the same bytes: {v.raw_seconds:9.3f} s  {v.raw_rate:12,.0f} events/s"
        + ("" if v.raw_last_hash_matches else "  (last hash DIFFERS from the stored one)"),
        f"  verify/raw: {v.ratio:.3f} (target >= {VERIFY_TARGET:.2f}): {_verdict(v.target_met)}",
        f"  per event: verify {per_event(v.verify_seconds)}; of the same work done for the raw pass, loading "
        f"the row as an ORM object {per_event(v.load_seconds)}, canonical JSON {per_event(v.encode_seconds)}, "
        f"hashing {per_event(v.raw_seconds)}",
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
    parser.add_argument("--writes", type=int, default=300, help="saves of each kind (0: skip the write benchmark)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    shown_url = make_url(normalise_url(args.database_url)).render_as_string(hide_password=True)
    print(f"Waypoint audit benchmark: {shown_url}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{date.today().isoformat()}")
    figures: dict[str, Any] = {"database": shown_url, "cpus": os.cpu_count(),
                               "python": platform.python_version(), "limit": args.limit}
    try:
        verification = measure_verification(args.database_url, args.limit)
    except ChainBroken as exc:
        print(exc, file=sys.stderr)
        return 1
    print(report_verification(verification), flush=True)
    figures["verification"] = asdict(verification) | {"target_met": verification.target_met}
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
