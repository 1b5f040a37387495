"""`flask audit verify --jobs N`: the chain checked in ranges of ids, one process per range, joined at their ends.

A link needs only its own row and the previous row's stored hash, so each range is checked on its own: every row
after a range's first must follow the previous one (next id, previous hash) and hash right; the range's first row
is only hashed, and the parent checks that it follows the end of the range before. Joined in chain order, the
ranges give exactly what trail.verify() gives walking the whole chain: the same count, the same first bad event,
the same problem.

Verification's cost is reading the rows. On PostgreSQL each range is read with `COPY ... TO STDOUT` and its rows
are hashed from the copied text itself: the stored `details` JSON text is used as hashed (Waypoint stores it in
its canonical form, see models.ChainedJSON), and the other values are put into the canonical JSON around it
as bytes. That shortcut is taken only where it is exact (no escape, no quote outside `details`); a row it does
not match, or cannot take, is hashed again the exact way, from its decoded values (trail.chain_fields()), so a
row stored in another form still verifies and a changed row is still named. Other databases read in bulk with
plain SELECTs and hash every row the exact way. Workers are processes (forkserver), each with its own connection
opened from the database URL.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from typing import Any, cast

from sqlalchemy import Row, Table, create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from app.audit.models import GENESIS_HASH, AuditEvent
from app.audit.trail import (
    CHAIN_COLUMNS,
    CONTENT_CHANGED,
    LINK_BROKEN,
    Verification,
    chain_fields,
    chain_hash,
    out_of_sequence,
    verify,
)

_EVENTS = cast(Table, AuditEvent.__table__)
# Below this many events per process, starting another process costs more than it saves.
MIN_SPAN = 50_000
# Rows per SELECT where the rows are read without COPY, and COPY messages (rows) joined before splitting.
BATCH = 20_000
COPY_BATCH = 2000


@dataclass(frozen=True)
class Span:
    """Event ids low..high (high None: to the end of the trail, events appended meanwhile included)."""

    low: int
    high: int | None


@dataclass
class SpanCheck:
    """What one range holds: its first row's id and previous hash and its last row's id and hash (for the join),
    how many rows hold before its first bad one, and that one."""

    count: int = 0
    first_id: int | None = None
    first_prev_hash: str | None = None
    last_id: int = 0
    last_hash: str = GENESIS_HASH
    bad_id: int | None = None
    problem: str | None = None

    def follows(self, id_: int, prev_hash: str) -> bool:
        """Whether the row links on from the last one checked in this range (the first row always does: the
        join checks it); else the range ends bad at this row."""
        if self.first_id is None:
            self.first_id, self.first_prev_hash = id_, prev_hash
            return True
        if id_ != self.last_id + 1:
            return self._bad(id_, out_of_sequence(self.last_id + 1, id_))
        if prev_hash != self.last_hash:
            return self._bad(id_, LINK_BROKEN)
        return True

    def holds(self, id_: int, row_hash: str) -> None:
        self.count += 1
        self.last_id, self.last_hash = id_, row_hash

    def _bad(self, id_: int, problem: str) -> bool:
        self.bad_id, self.problem = id_, problem
        return False


def join(checks: Iterable[SpanCheck]) -> Verification:
    """The ranges' results in chain order, as one walk of the whole chain reports it."""
    count, last_id, last_hash = 0, 0, GENESIS_HASH
    for check in checks:
        if check.first_id is None:  # no event in the range: the next range's first id shows any gap
            continue
        if check.first_id != last_id + 1:
            return Verification(count, check.first_id, out_of_sequence(last_id + 1, check.first_id))
        if check.first_prev_hash != last_hash:
            return Verification(count, check.first_id, LINK_BROKEN)
        if check.bad_id is not None:
            return Verification(count + check.count, check.bad_id, check.problem)
        count, last_id, last_hash = count + check.count, check.last_id, check.last_hash
    return Verification(count)


def spans(last_id: int, jobs: int, *, bounded: bool, min_span: int | None = None) -> list[Span]:
    """Up to `jobs` ranges of ids of about equal size over 1..last_id, none under `min_span` ids (MIN_SPAN) but
    one. Unless `bounded`, the last range runs on to the end of the trail."""
    parts = max(1, min(jobs, last_id // max(1, MIN_SPAN if min_span is None else min_span)))
    size = -(-last_id // parts)
    ranges = [Span(1 + k * size, (k + 1) * size) for k in range(parts)]
    ranges[-1] = Span(ranges[-1].low, last_id if bounded else None)
    return ranges


def verify_in_ranges(session: Session, *, jobs: int, limit: int | None = None, min_span: int | None = None
                     ) -> Verification:
    """Verify the chain (its first `limit` events, with `limit`) in up to `jobs` processes; the result is
    trail.verify()'s. One range is checked in this process; an in-memory SQLite database (one connection)
    is walked by trail.verify() itself."""
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return verify(session, limit=limit)
    last_id = session.scalar(select(func.max(_EVENTS.c.id)))
    if last_id is None:
        return Verification(0)
    if limit is not None:
        if limit <= 0:
            return Verification(0)
        bound = session.scalar(select(_EVENTS.c.id).order_by(_EVENTS.c.id).offset(limit - 1).limit(1))
        last_id = last_id if bound is None else bound
    ranges = spans(last_id, jobs, bounded=limit is not None, min_span=min_span)
    address = url.render_as_string(hide_password=False)
    if len(ranges) == 1:
        return join([check_span(address, ranges[0])])
    with ProcessPoolExecutor(max_workers=len(ranges), mp_context=_workers()) as pool:
        return join(pool.map(check_span, repeat(address), ranges))


def _workers() -> multiprocessing.context.BaseContext:
    """Worker processes forked from a clean server process that has imported this module once (forkserver):
    none inherits the parent's connections, and each starts in milliseconds, not in a second of imports."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def check_span(address: str, span: Span) -> SpanCheck:
    """Check one range through a connection of its own (the entry point of a worker process)."""
    url = make_url(address)
    if url.get_backend_name() == "postgresql":
        return _check_copied(url.set(drivername="postgresql").render_as_string(hide_password=False), span)
    return _check_selected(address, span)


# --- any database: plain SELECTs in batches, every row hashed from its values ---------------------------


def _batches(session: Session, span: Span) -> Iterator[list[Row[Any]]]:
    after = span.low - 1
    while True:
        query = select(*CHAIN_COLUMNS).where(_EVENTS.c.id > after).order_by(_EVENTS.c.id).limit(BATCH)
        if span.high is not None:
            query = query.where(_EVENTS.c.id <= span.high)
        rows = list(session.execute(query))
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _check_selected(address: str, span: Span) -> SpanCheck:
    connect_args = {"timeout": 15} if address.startswith("sqlite") else {}
    engine = create_engine(address, poolclass=NullPool, connect_args=connect_args)
    check = SpanCheck()
    try:
        with Session(engine) as session:
            for rows in _batches(session, span):
                for row in rows:
                    id_, prev_hash, row_hash = row[0], row[12], row[13]
                    if not check.follows(id_, prev_hash):
                        return check
                    if chain_hash(prev_hash, chain_fields(*row[:12])) != row_hash:
                        check.bad_id, check.problem = id_, CONTENT_CHANGED
                        return check
                    check.holds(id_, row_hash)
    finally:
        engine.dispose()
    return check


# --- PostgreSQL: COPY, rows hashed from the copied text ---------------------------------------------------

# The columns of trail.CHAIN_COLUMNS, in that order, in the session's time zone (UTC) and ISO date style.
COPY_RANGE = ("COPY (SELECT id, occurred_at, actor_id, actor_username, actor_role, action, object_type, "
              "object_id, subject_id, details::text, request_id, ip, prev_hash, hash FROM audit_events "
              "WHERE id >= {low} AND id <= {high} ORDER BY id) TO STDOUT")
_NULL = b"\\N"  # COPY's text for NULL; a backslash in a value is always doubled, so this is only ever NULL
# canonical_json() of the fields, keys sorted, every value but the strings' quotes filled in as bytes.
_CANONICAL_ROW = (b'{"action":"%s","actor_id":%s,"actor_role":%s,"actor_username":%s,"details":%s,"id":%s,'
                  b'"ip":%s,"object_id":%s,"object_type":%s,"occurred_at":"%sT%s.%sZ","request_id":%s,'
                  b'"subject_id":%s}')
_COPY_ESCAPE = re.compile(rb"\\(.)")
_COPY_ESCAPES = {b"\\": b"\\", b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def _check_copied(conninfo: str, span: Span) -> SpanCheck:
    import psycopg  # PostgreSQL's driver: only the processes that read PostgreSQL need it

    check = SpanCheck()
    high = 2**63 - 1 if span.high is None else span.high
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET DateStyle = 'ISO, YMD'")
        with conn.cursor() as cursor, cursor.copy(COPY_RANGE.format(low=int(span.low), high=int(high))) as copy:
            for block in _blocks(copy):
                if not _check_block(block, check):
                    break
        conn.rollback()
    return check


def _blocks(copy: Iterable[bytes | bytearray | memoryview]) -> Iterator[bytes]:
    """The copied rows, COPY_BATCH messages at a time, as one block of whole lines (PostgreSQL sends a row a
    message: joined first, they are split, searched and counted in one call per block)."""
    rest = b""
    batch: list[bytes | bytearray | memoryview] = []
    for message in copy:
        batch.append(message)
        if len(batch) >= COPY_BATCH:
            block = rest + b"".join(batch)
            end = block.rfind(b"\n")
            rest, batch = block[end + 1 :], []
            if end > 0:
                yield block[:end]
    block = rest + b"".join(batch)
    if block and not block.endswith(b"\n"):
        raise ValueError("COPY output ends inside a row")
    if block:
        yield block[:-1]


def _check_block(block: bytes, check: SpanCheck) -> bool:
    """Check a block of copied rows in order; False once one is bad (recorded in `check`). The hot loop of
    verification: its state lives in local variables, written back at the end."""
    # The shortcut below is exact only for a row without escapes (its every backslash a NULL) and without a quote
    # outside its details. A row has at least as many backslashes as NULLs, so equal counts over the block mean
    # no row has an escape; quotes are counted row by row.
    plain = block.count(b"\\") == block.count(_NULL)
    sha256 = hashlib.sha256
    null = _NULL
    count, last_id, last_hash = check.count, check.last_id, check.last_hash.encode()
    first = check.first_id is None
    holds = True
    for line in block.split(b"\n"):
        (id_text, at, actor_id, username, role, action, object_type, object_id, subject_id, details, request_id,
         ip, prev, stored) = line.split(b"\t")
        id_ = int(id_text)
        if first:
            check.first_id, check.first_prev_hash, first = id_, prev.decode(), False
        elif id_ != last_id + 1 or prev != last_hash:
            check.bad_id = id_
            check.problem = out_of_sequence(last_id + 1, id_) if id_ != last_id + 1 else LINK_BROKEN
            holds = False
            break
        # In the session's time zone, UTC, every time ends "+00"; PostgreSQL trims the fraction's zeros.
        if not ((plain or line.count(b"\\") == line.count(null)) and line.count(b'"') == details.count(b'"')
                and sha256(prev + _CANONICAL_ROW % (
                    action,
                    b"null" if actor_id == null else actor_id,
                    b"null" if role == null else b'"' + role + b'"',
                    b"null" if username == null else b'"' + username + b'"',
                    b"null" if details == null else details,
                    id_text,
                    b"null" if ip == null else b'"' + ip + b'"',
                    b"null" if object_id == null else b'"' + object_id + b'"',
                    b"null" if object_type == null else b'"' + object_type + b'"',
                    at[:10], at[11:19], at[20:-3].ljust(6, b"0"),
                    b"null" if request_id == null else b'"' + request_id + b'"',
                    b"null" if subject_id == null else subject_id,
                )).hexdigest().encode() == stored) and _exact_hash(line) != stored.decode():
            check.bad_id, check.problem = id_, CONTENT_CHANGED
            holds = False
            break
        count, last_id, last_hash = count + 1, id_, stored
    check.count, check.last_id, check.last_hash = count, last_id, last_hash.decode()
    return holds


def _value(field: bytes) -> str | None:
    if field == _NULL:
        return None
    return _COPY_ESCAPE.sub(lambda m: _COPY_ESCAPES.get(m[1], m[1]), field).decode()


def copied_link(line: bytes) -> tuple[str, dict[str, Any], str] | None:
    """A copied row as its previous hash, its canonical fields (as trail.chain_fields() makes them from its
    decoded values) and its stored hash; None when the text cannot be such a row."""
    values = [_value(field) for field in line.split(b"\t")]
    (id_, at, actor_id, username, role, action, object_type, object_id, subject_id, details, request_id, ip,
     prev, stored) = values
    if id_ is None or at is None or action is None or prev is None or stored is None:
        return None
    try:
        occurred_at = datetime.fromisoformat(at)
        fields = chain_fields(
            int(id_), occurred_at, None if actor_id is None else int(actor_id), username, role, action,
            object_type, object_id, None if subject_id is None else int(subject_id), details, request_id, ip)
    except ValueError:  # json.JSONDecodeError included
        return None
    return prev, fields, stored


def _exact_hash(line: bytes) -> str:
    """The row's hash computed as trail.verify() computes it, from the values the copied text stands for."""
    link = copied_link(line)
    return "" if link is None else chain_hash(link[0], link[1])
