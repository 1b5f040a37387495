"""Reading the audit trail: the review pages' queries, and verification runs with their record.

Pages use keyset pagination on the event id (newest first): each page costs the same however deep it is,
which matters over millions of events. Verification reads through a session of its own that holds no lock
an append would wait for, and records each run as an AuditVerification row and a `verify` event.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, create_engine, false, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from app import policy
from app.audit import trail
from app.audit.chain import verify_in_ranges
from app.audit.models import AuditEvent, AuditVerification
from app.auth.models import User
from app.db import db, utcnow
from app.errors import NotAllowed
from app.i18n import gettext as _
from app.registry import registry

PAGE_SIZE = 50
ACTION_PATTERN = re.compile(r"[a-z_]{1,32}")
# Offered as suggestions in the action filter; any action name is accepted (features add their own).
KNOWN_ACTIONS = ("allocate", "amend", "approve", "break_glass", "create", "decide", "denied", "disable", "discard",
                 "enable", "end_sessions", "erase", "export", "import", "login", "login_failed", "logout",
                 "password_change", "password_reset", "return", "review", "revoke", "search", "submit",
                 "transfer", "unlock", "update", "verify", "view")


# --- review pages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    """What a supervisor or admin asks of the trail, on the review pages and in an audit extract."""

    user: str = ""
    subject_reference: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_args(self) -> dict[str, str]:
        """The filters as query arguments (for page links and for the audit event of the visit)."""
        args = {"user": self.user, "subject": self.subject_reference, "action": self.action,
                "date_from": self.date_from.isoformat() if self.date_from else "",
                "date_to": self.date_to.isoformat() if self.date_to else ""}
        return {k: v for k, v in args.items() if v}

    def is_empty(self) -> bool:
        return not self.as_args()

    def as_pairs(self) -> tuple[tuple[str, str], ...]:
        """The filters as an extract prints them: label and value, or that there were none."""
        pairs = [("User", self.user), ("Subject reference", self.subject_reference), ("Action", self.action),
                 ("From", self.date_from.isoformat() if self.date_from else ""),
                 ("To", self.date_to.isoformat() if self.date_to else "")]
        return tuple((name, value) for name, value in pairs if value) or (("Filters", "none"),)

    def shown_pairs(self) -> tuple[tuple[str, str], ...]:
        """The filters as a reader sees them, in their language (`as_pairs` stays English: it is audited)."""
        pairs = [(_("User"), self.user), (_("Person's reference"), self.subject_reference),
                 (_("Action"), self.action), (_("From"), self.date_from.isoformat() if self.date_from else ""),
                 (_("To"), self.date_to.isoformat() if self.date_to else "")]
        return tuple((name, value) for name, value in pairs if value) or ((_("Filters"), _("none")),)


@dataclass(frozen=True)
class MatchingEvents:
    """The WHERE clauses of the events a user may see that match their filters, and whom the filters named."""

    where: tuple[ColumnElement[bool], ...]
    # The person the subject filter named, when it names one (the filter is for supervisors only).
    subject_id: int | None
    # The account the user filter named, when it names one.
    user_id: int | None


def matching_events(user: User, filters: AuditFilters) -> MatchingEvents:
    """The events `user` may see (policy.audit_events_visible_to) that match `filters`. The subject filter
    is for supervisors only: resolving a reference would tell an admin who is on record."""
    where: list[ColumnElement[bool]] = []
    name = filters.user.strip().lower()
    user_id = None
    if name:
        # By id where the name is a user's (indexed); by name for command-line actors such as cli:alice.
        user_id = db.session.scalar(select(User.id).where(User.username == name))
        where.append(AuditEvent.actor_id == user_id if user_id is not None else AuditEvent.actor_username == name)
    subject_id = None
    reference = filters.subject_reference.strip().upper()
    if reference and not policy.can_review_all_audit(user):
        subject_id = registry().found_people().id_for_reference(reference)
        # The events about the person, and the lists, dashboards and searches that showed them: each one the
        # user may see, so the clause of all they may see is not needed (nor the cost of its hash).
        where.append(policy.audit_events_about(user, subject_id) if subject_id is not None else false())
    else:
        where.append(policy.audit_events_visible_to(user))
    if filters.action.strip():
        where.append(AuditEvent.action == filters.action.strip())
    if filters.date_from:
        where.append(AuditEvent.occurred_at >= datetime.combine(filters.date_from, time(0), tzinfo=UTC))
    if filters.date_to:
        where.append(AuditEvent.occurred_at < datetime.combine(filters.date_to + timedelta(days=1), time(0),
                                                               tzinfo=UTC))
    return MatchingEvents(tuple(where), subject_id, user_id)


@dataclass(frozen=True)
class ReviewRow:
    event: AuditEvent
    details_visible: bool
    subject_reference: str | None
    summary: str


@dataclass
class ReviewPage:
    rows: list[ReviewRow]
    next_before: int | None
    # The person the subject filter named, when it names one: the visit is about them.
    subject_id: int | None = None
    # The account the user filter named, when it names one.
    user_id: int | None = None

    def filters_for_trail(self, filters: AuditFilters) -> dict[str, Any]:
        """The filters as the visit's audit event records them: the person by subject id, never the typed
        reference (text typed into the trail would outlive the person's erasure); the user by account id,
        or by the actor name when events carry it already; a filter that named nobody as None."""
        recorded: dict[str, Any] = {k: v for k, v in filters.as_args().items() if k not in ("user", "subject")}
        if filters.user and self.user_id is None and self.rows:
            recorded["user"] = filters.user.strip().lower()  # a command-line actor, e.g. cli:alice
        elif filters.user:
            recorded["user_id"] = self.user_id
        if filters.subject_reference:
            recorded["subject_id"] = self.subject_id
        return recorded


def events_page(user: User, filters: AuditFilters, before: int | None = None,
                page_size: int = PAGE_SIZE) -> ReviewPage:
    """One page of the events the user may review, newest first, older than event `before`.

    Supervisors get the events about the people of their units; admins every event.
    """
    if not policy.reviews_audit(user):
        raise NotAllowed(_("The audit trail is reviewed by supervisors and administrators."))
    if (filters.is_empty() and not policy.can_review_all_audit(user)
            and db.session.get_bind().dialect.name == "postgresql"):
        matching = MatchingEvents((), None, None)
        stmt = policy.audit_events_visible_newest(user, before, page_size + 1)
    else:
        matching = matching_events(user, filters)
        stmt = select(AuditEvent).where(*matching.where)
        if before is not None:
            stmt = stmt.where(AuditEvent.id < before)
        stmt = stmt.order_by(AuditEvent.id.desc()).limit(page_size + 1)
    events = list(db.session.scalars(stmt))
    next_before = events[page_size - 1].id if len(events) > page_size else None
    rows = _rows(user, events[:page_size])
    return ReviewPage(rows, next_before, matching.subject_id, matching.user_id)


def _rows(user: User, events: list[AuditEvent]) -> list[ReviewRow]:
    references: dict[int, str] = {}
    if not policy.can_review_all_audit(user):
        # Loads the people into the session, so the per-event rule below asks the database nothing more.
        # The list holds them: the session's identity map keeps objects only while something refers to them.
        people = registry().found_people().load(p for e in events for p in policy.people_in_event(e))
        references = {p.id: p.reference for p in people}
    rows = []
    for e in events:
        visible = policy.audit_details_visible(user, e)
        rows.append(ReviewRow(e, visible, references.get(e.subject_id) if e.subject_id else None,
                              details_summary(e.details) if visible else ""))
    return rows


def details_summary(details: dict[str, Any] | None, limit: int = 160) -> str:
    """One line for the list: the names of changed fields, then the other details. The names and values stay as
    stored (codes, English); only the words around them are the reader's language. Cut at about `limit`
    characters of what is stored."""
    details = details or {}
    pairs: list[tuple[str | None, str]] = []
    changes = details.get("changes")
    if isinstance(changes, dict) and changes:
        pairs.append((None, ", ".join(sorted(changes))))
    for key in sorted(k for k in details if k != "changes"):
        value = details[key]
        scalar = value is None or isinstance(value, str | int | float | bool)
        pairs.append((key, str(value) if scalar else _json(value)))
    parts: list[str] = []
    left = limit
    for name, text in pairs:
        cost = len(name or "changed") + 2 + len(text)
        if cost > left:
            text = text[: max(left - len(name or "changed") - 3, 0)] + "…"
        parts.append(_("changed: %(fields)s", fields=text) if name is None
                     else _("%(name)s: %(value)s", name=name, value=text))
        left -= cost + 2
        if left <= 0:
            break
    return str(_("; ")).join(parts)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class EventDetails:
    """What the event page shows of `details`: the field-level changes as a table, the rest as pairs."""

    changes: list[FieldChange]
    other: list[tuple[str, str]]


def event_details(event: AuditEvent) -> EventDetails:
    details = dict(event.details or {})
    changes = details.pop("changes", None)
    rows = []
    if isinstance(changes, dict):
        for name in sorted(changes):
            pair = changes[name]
            before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            rows.append(FieldChange(name, _shown(before), _shown(after)))
    elif changes is not None:
        details["changes"] = changes
    return EventDetails(rows, [(k, _shown(details[k])) for k in sorted(details)])


@dataclass(frozen=True)
class KeptText:
    """A reason or note that an event records by its SHA-256 only, read back from the row that keeps it."""

    label: str
    text: str | None  # None when the row no longer holds what the digest vouches for
    problem: str = ""


def kept_texts(event: AuditEvent) -> list[KeptText]:
    """The texts the event's digests vouch for (break-glass reasons, alert notes, erasure reasons: each feature
    registers its own), each shown only when its row still holds exactly what was recorded."""
    details = event.details or {}
    kept = []
    for source in registry().digested_texts:
        if event.action != source.action or source.digest_key not in details:
            continue
        column = source.column
        label = _kept_label(column.key)
        ident = source.row_id(event)
        row = db.session.get(source.model, ident) if ident is not None else None
        if row is None:
            kept.append(KeptText(label, None, _("no longer held: the record it belonged to was erased")))
        elif trail.digest(getattr(row, column.key)) != details[source.digest_key]:
            kept.append(KeptText(label, None, _("the text held now is not the one recorded (removed at erasure)")))
        else:
            kept.append(KeptText(label, getattr(row, column.key)))
    return kept


def _kept_label(column: str) -> str:
    """The name of a kept text's column, as the event page heads it."""
    labels = {"reason": _("Reason"), "note": _("Note"), "end_reason": _("Reason for ending"),
              "withheld_reason": _("Reason for withholding"), "decision_reason": _("Reason for the decision")}
    return str(labels.get(column, column.capitalize()))


def _shown(value: Any) -> str:
    """A value as the page prints it; redacted values ("(not copied to the audit trail)") in the reader's
    language, what is stored as it is."""
    if value is None:
        return "—"
    if value == trail.REDACTED:
        return str(_("(not copied to the audit trail)"))
    return value if isinstance(value, str) else _json(value)


# --- verification --------------------------------------------------------------------------------------


@contextmanager
def reading_session() -> Iterator[Session]:
    """A session of its own for a long read of the trail, holding no lock that appends would wait for.

    On SQLite the application's connections begin every transaction IMMEDIATE, which takes the write lock
    (the chain lock there); this session uses a plain connection whose SELECTs run outside any transaction,
    which WAL lets proceed beside a writer. On PostgreSQL an ordinary session reads without the advisory lock.
    An in-memory SQLite database has one connection only: there, the current session reads.
    """
    engine = db.engine
    own: Engine | None = None
    if engine.dialect.name == "sqlite":
        if engine.url.database in (None, "", ":memory:"):
            yield db.session
            return
        own = create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": 15})
    session = Session(bind=own or engine)
    try:
        yield session
    finally:
        session.close()
        if own is not None:
            own.dispose()


@dataclass(frozen=True)
class Anchor:
    """An event id and its hash, written down outside the database (see README, "Anchors")."""

    event_id: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        match = re.fullmatch(r"([0-9]+):([0-9a-fA-F]{64})", text.strip())
        if match is None:
            raise ValueError("an anchor is ID:HASH, the event id and its 64 hexadecimal digits")
        return cls(int(match[1]), match[2].lower())

    def problem(self, session: Session) -> str | None:
        """Why the trail does not hold this anchor, or None when it does."""
        found = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == self.event_id))
        if found is None:
            return "the anchored event is missing"
        if found != self.hash:
            return f"hash {found} differs from the anchor's {self.hash}"
        return None


@dataclass(frozen=True)
class VerificationRun:
    record: AuditVerification
    chain: trail.Verification
    # The anchor the trail failed, and why, when the chain itself held.
    failed_anchor: Anchor | None = None
    anchor_problem: str = ""


def run_verification(run_by: str, anchors: tuple[Anchor, ...] = (), *, jobs: int = 1) -> VerificationRun:
    """Walk the chain in up to `jobs` processes (and check `anchors`), add its AuditVerification row and a
    `verify` event. The result is the same however many processes walk it.

    Reads through `reading_session()`; writes in the current session, flushed, not committed.
    """
    started = utcnow()
    failed: tuple[Anchor, str] | None = None
    with reading_session() as reader:
        chain = verify_in_ranges(reader, jobs=jobs)
        if chain.intact:
            failed = next(((a, p) for a in anchors if (p := a.problem(reader)) is not None), None)
    first_bad, problem = chain.first_bad_id, chain.problem or ""
    if failed is not None:
        first_bad, problem = failed[0].event_id, f"does not match the anchor kept outside the database: {failed[1]}"
    row = AuditVerification(started_at=started, finished_at=utcnow(), event_count=chain.count,
                            intact=first_bad is None, first_bad_id=first_bad, problem=problem, run_by=run_by[:80])
    db.session.add(row)
    db.session.flush()
    details: dict[str, Any] = {"intact": row.intact, "events": row.event_count}
    if not row.intact:
        details |= {"first_bad_id": first_bad, "problem": problem}
    if anchors:
        details["anchors"] = [a.event_id for a in anchors]
    trail.record("verify", object_type="audit_verification", object_id=row.id, details=details)
    if failed is None:
        return VerificationRun(row, chain)
    return VerificationRun(row, chain, failed[0], failed[1])


def latest_verifications(limit: int = 10) -> list[AuditVerification]:
    return list(db.session.scalars(select(AuditVerification).order_by(AuditVerification.id.desc()).limit(limit)))


@dataclass(frozen=True)
class ChainHead:
    count: int
    last_id: int | None
    last_hash: str | None


def chain_head() -> ChainHead:
    """The last event and how many events lead to it: what an anchor writes down."""
    with reading_session() as reader:
        last = reader.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
        if last is None:
            return ChainHead(0, None, None)
        # Counted up to the last event read, so that an append in between does not skew the pair.
        count = reader.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.id <= last[0])) or 0
        return ChainHead(int(count), last[0], last[1])
