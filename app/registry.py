"""What each feature holds about a person, registered once in `create_app`.

Erasure, the subject-access report, the timeline, the pages' panels and the audit review's kept texts each
need every feature's part, and none of them may import the features (the core never does; a feature that
hand-lists the others forgets the next one). So each feature registers a `Holding` — the tables it keeps
about a person, the handler that erases them and the sections of the subject-access report that show them —
and its panels and free-text sources, explicitly, in `create_app`; the readers ask the registry.
tests/test_registry.py walks the schema: every table that points at a person, directly or through its
parent, must be in some holding's `tables`.

This module is part of the core: it imports no feature at run time (the person's type is named for mypy
only).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

from flask import Flask, current_app
from sqlalchemy import BindParameter, Delete, Select, Update, bindparam, func, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import InstrumentedAttribute

from app.db import db, is_built_once, known_for_request, per_request, reads_once, value_per_request

if TYPE_CHECKING:
    from app.audit.models import AuditEvent
    from app.auth.models import User
    from app.subjects.models import Subject

NOON = time(12, 0, tzinfo=UTC)
# What an erasure leaves in place of free text on the rows it keeps (alerts, erasure requests).
REMOVED_TEXT = "(removed when the record was erased)"


def dated(day: date | None, recorded: datetime) -> datetime:
    """When a dated event sits on the timeline: one recorded on its day (or with no day) keeps the time it was
    recorded, one recorded later (a session entered the next morning) sits at noon of its day."""
    return recorded if day is None or recorded.date() == day else datetime.combine(day, NOON)


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    kind: str  # "record", "transfer", "allocation", "screening", "assessment", "session", ...
    title: str
    detail: str = ""
    by: str | None = None


@dataclass(frozen=True)
class Panel:
    """A section of a page: the template to include, what it needs, and the people it shows (by id: the page's
    read is audited as a view of them).

    A dashboard panel whose context depends on numbers (which rows to show, a total) gives the Tallies it needs
    as `tallies` and a `complete` that builds its context once they are read (with the page's other counts, in
    one statement), or says None: nothing to show after all."""

    template: str
    context: dict[str, Any]
    subject_ids: tuple[int, ...] = ()
    tallies: tuple[Tally, ...] = ()
    complete: Callable[[], Panel | None] | None = None


class Tally:
    """A number a page shows (how many alerts are open, how many links wait), given as a scalar SELECT that is not
    run on its own: `read_tallies` reads every tally of the page in one statement, each a subquery of it, so a page
    of counts costs one round trip rather than one each. A dashboard panel puts a Tally in its context; the
    template receives the number."""

    __slots__ = ("params", "query", "value")

    def __init__(self, query: Select[tuple[int]], params: dict[str, Any] | None = None) -> None:
        """`params`: `query` is a statement built once (db.built_once), and these are its values for this request;
        a page whose tallies are all such reads them with a statement kept for that set of tallies."""
        self.query = query
        self.params = params
        self.value: int | None = None


def count_of(query: Select[Any]) -> Select[tuple[int]]:
    """The number of rows `query` reads (for a Tally): the same query, counted."""
    return select(func.count()).select_from(query.order_by(None).subquery())


# The statement of each set of tallies all built once, kept like them (it holds nothing but theirs).
_TALLY_READS: dict[tuple[Select[Any], ...], Select[Any]] = {}


def read_tallies(tallies: Iterable[Tally]) -> None:
    """Give each tally not yet read its value, in one SELECT of them all (within the request's transaction, so
    the numbers agree with the lists read beside them)."""
    pending = [t for t in tallies if t.value is None]
    if not pending:
        return
    kept = all(t.params is not None and is_built_once(t.query) for t in pending)
    key = tuple(t.query for t in pending)
    statement = _TALLY_READS.get(key) if kept else None
    if statement is None:
        statement = select(*(t.query.scalar_subquery().label(f"tally_{n}") for n, t in enumerate(pending)))
        if kept:
            _TALLY_READS[key] = statement
    params: dict[str, Any] = {}
    for tally in pending:
        for name, given in (tally.params or {}).items():
            if params.setdefault(name, given) != given:
                raise ValueError(f"the tallies' parameter {name!r} is given two values")
    row = db.session.execute(statement, params).one()
    for tally, value in zip(pending, row, strict=True):
        tally.value = int(value or 0)


R = TypeVar("R")
# A person's id, or the bind parameter that stands for it in a statement built once.
PersonKey = int | BindParameter[int]


class PersonRows(Generic[R]):
    """One kind of row a page reads about a person, through `per_request` (read once however many parts show it),
    that many people have none of: links, groups, conferences, disclosures, movements. A feature registers it
    (`PersonRegistry.read_sparsely`) with the statement that selects the person's rows, and reads the rows with
    `read`, which only adds an order, joins and loader options to that statement.

    Before the person's page reads anything, `PersonRegistry.read_first` asks in one statement which of them
    have a row for the person (an EXISTS of each statement, each through its own index); the page's reads of
    those that have none are then answered with no rows and no statement. Because the question is asked of the
    very statement `read` runs, the two cannot disagree (tests/test_person_page_sparse.py compares every demo
    person's page with and without that step). That question is built once and kept (see FirstValue), so `rows`
    must depend on the person alone, given as a bind parameter there: no viewer, no clock."""

    __slots__ = ("key", "rows")

    def __init__(self, key: str, rows: Callable[[PersonKey], Select[tuple[R]]]) -> None:
        self.key = key
        self.rows = rows

    def read(self, subject_id: int, finish: Callable[[Select[tuple[R]]], Select[tuple[R]]]) -> list[R]:
        """The person's rows: `rows(subject_id)` with what `finish` adds (ORDER BY, joins for eager loads)."""
        return per_request((self.key, subject_id),
                           lambda: list(db.session.scalars(finish(self.rows(subject_id)))))


class FirstValue(Generic[R]):
    """A single value (a count, a date) that a page about a person needs: the viewer's views in the unusual-access
    window, their accreditation. `PersonRegistry.read_first` reads it in the page's first statement, and `read`
    (whatever part of the page asks) then gets it without a statement of its own; anywhere else `read` runs it.

    `key` is what the request keeps it under; `build` makes its scalar SELECT with bind parameters, whose values
    for this viewer are `params`, and `name` names that SELECT's shape: the first statement of a page is built once
    for each set of names and kept, so a request only binds values to it (building and caching a statement of
    fifteen subqueries afresh cost more than running it)."""

    __slots__ = ("build", "key", "name", "params")

    def __init__(self, key: Hashable, name: str, build: Callable[[], Select[tuple[R]]],
                 params: dict[str, Any]) -> None:
        self.key = key
        self.name = name
        self.build = build
        self.params = params

    def read(self) -> R | None:
        return value_per_request(self.key, self.build(), self.params)


# A feature's single values for a page about a person, for (viewer, person id).
FirstRead = Callable[["User", int], Iterable[FirstValue[Any]]]
Eraser = Callable[["Subject"], dict[str, int]]
SubjectAccessSections = Callable[["Subject"], dict[str, Any]]
TimelineSource = Callable[["Subject"], Iterable[TimelineEntry]]
SubjectPanelSource = Callable[["User", "Subject"], Panel | None]
DashboardPanelSource = Callable[["User"], Panel | None]


@dataclass(frozen=True)
class Holding:
    """What one feature holds about a person, and how it meets each duty to the person for it.

    `erase` deletes (or, for a row kept for accountability, strips of its text) every row of `tables` about the
    person, in the caller's transaction, and returns how many went by kind. `subject_access` returns the
    feature's fields of `reports.model.SubjectAccessReport`, showing every row of `tables` about the person.
    Holdings are erased in the reverse of the order they are registered: register one whose rows point at
    another's after it.
    """

    name: str
    tables: tuple[str, ...]
    erase: Eraser
    subject_access: SubjectAccessSections
    timeline: TimelineSource | None = None


@dataclass(frozen=True)
class DigestedText:
    """A reason or note that audit events of `action` record only by its SHA-256 under `digest_key`, while the
    text itself stays in `column` of the row that `row_id` reads off the event (the audit event page shows it
    while that row still holds exactly what was recorded)."""

    action: str
    digest_key: str
    column: InstrumentedAttribute[str]
    row_id: Callable[[AuditEvent], int | None]

    @property
    def model(self) -> type[Any]:
        """The mapped class whose rows keep the text (registered columns are never an alias's)."""
        return cast(type[Any], self.column.class_)


def bulk(stmt: Delete | Update) -> int:
    """Run a bulk DELETE or UPDATE of an erasure in the current session; how many rows it touched."""
    result = db.session.execute(stmt.execution_options(synchronize_session=False))
    return int(result.rowcount or 0) if isinstance(result, CursorResult) else 0


def _row_id(value: Any) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def id_in_details(key: str) -> Callable[[AuditEvent], int | None]:
    """The row named by the event's `details[key]`."""
    return lambda event: _row_id((event.details or {}).get(key))


def object_id(event: AuditEvent) -> int | None:
    """The row the event is about (its object id)."""
    return _row_id(event.object_id)


@dataclass(frozen=True)
class Mention:
    """A free-text column that may name a person other than the one its row is about (an alert's note, a
    break-glass reason naming a relative): erasing a person clears it, to `cleared`, wherever it names them."""

    column: InstrumentedAttribute[str]
    cleared: str


@dataclass(frozen=True)
class WorkItem:
    """One open piece of work about a person that a user owns: an active intervention, a conference action."""

    kind: str  # the name of the WorkKind that lists it
    id: int  # the row's id within its kind
    subject_id: int
    owner_id: int | None
    title: str  # what a supervisor reassigning it reads: "Mentoring (active), referred 3 Nov 2026"
    due: date | None = None


@dataclass(frozen=True)
class WorkKind:
    """A kind of work users own about people, registered by its feature so that handover on transfer,
    reassignment and the count of unowned work cover every kind without the core naming any.

    `for_subject` lists the person's open work of this kind; `owned_in_unit(user, unit_id)` the open work the
    user owns about people of the unit. `reassign(item_id, new_owner, actor)` and `end(item_id, reason, actor)`
    change one item, audited, flushing and never committing; `end` is None for work that cannot be ended.
    `label` is what users read (a lazy `_l(...)` string: it is registered at start-up and shown in each reader's
    language; `str()` it where a plain string is needed, never write it to the audit trail).

    `count_owned_in_unit(user, unit_id, unowned_only)` is the count, as a query to read as a Tally, of the items
    `owned_in_unit(user, unit_id)` lists (only those nobody owns with `unowned_only`; None where the kind has none
    such): the dashboard counts every departed user's work in one statement with it. A kind without it is
    counted by listing its items."""

    name: str
    label: str
    for_subject: Callable[[Subject], Sequence[WorkItem]]
    owned_in_unit: Callable[[User, int], Sequence[WorkItem]]
    reassign: Callable[[int, User, User], None]
    end: Callable[[int, str, User], None] | None = None
    count_owned_in_unit: Callable[[User, int, bool], Select[tuple[int]] | None] | None = None


@dataclass(frozen=True)
class Move:
    """Where a move would put a person: a unit and a place in it (None where not given). `kind` is "location"
    for a move within the unit, "transfer" for one to another unit."""

    kind: str
    unit_id: int
    wing: str | None = None
    landing: str | None = None
    cell: str | None = None


@dataclass(frozen=True)
class MoveConflict:
    """What a move meets that only a supervisor's confirmation lets through (a keep-apart): the sentence the user
    reads, already worded for what they may see; the people it names (their read is audited); and the `key` its
    guard gives it, to record the confirmation against."""

    guard: str
    key: int
    message: str
    named_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class MoveGuard:
    """A feature's check of every move of a person, registered so that the people feature asks "any conflicts
    for this move?" without naming the feature. `conflicts(user, subject, move)` must not write; `confirm(user,
    subject, move, conflicts, reason)` records, audited, a supervisor's confirmation that the move goes ahead
    despite them (flushing, never committing)."""

    name: str
    conflicts: Callable[[User, Subject, Move], Sequence[MoveConflict]]
    confirm: Callable[[User, Subject, Move, Sequence[MoveConflict], str], None]


@dataclass(frozen=True)
class ReceivedItem:
    """One received record as a page shows it, read-only: a heading, its facts as (label, value) pairs in this
    service's words, and free text the sender wrote."""

    title: str
    facts: tuple[tuple[str, str], ...] = ()
    text: tuple[tuple[str, str], ...] = ()  # (label, the sender's text)
    notice: str = ""  # e.g. "shown from the package's own text: this service does not hold the instrument"


@dataclass(frozen=True)
class PackageSection:
    """A section of a signed case package, registered by the feature that owns its data.

    `build(subject)` returns the section as plain JSON (codes, not display text: the receiving service shows
    them in its own words; no links to other people), or None when the person has nothing of it. `read(data)`
    turns a received section back into read-only items for the person's page; it never writes local case
    data. A section's JSON shape is documented in schemas/case-package-1.json. `label` is what the sender reads
    (a lazy `_l(...)` string, shown in each reader's language); the package itself carries `code` only."""

    code: str
    label: str
    build: Callable[[Subject], Any]
    read: Callable[[Any], Sequence[ReceivedItem]]
    default: bool = True  # chosen unless the sender unticks it
    required: bool = False  # always sent (identity)


@dataclass(frozen=True)
class ExportDisclosure:
    """A PDF about a person that left the service for an outside recipient (not for internal use)."""

    kind: str  # "case_summary" or "subject_access_report"
    recipient: str
    country: str  # ISO 3166-1 alpha-2
    legal_basis: str  # a code of the service's list
    purpose: str
    sha256: str  # of the file as sent


@dataclass(frozen=True)
class DisclosureLedger:
    """How an export to an outside recipient goes on the disclosure register, registered by the feature that
    keeps the register: the legal bases to choose from as (code, title), the service's own country (the
    default), the problems of a chosen basis and country by field, and the entry itself (audited, flushing)."""

    bases: Callable[[], Sequence[tuple[str, str]]]
    home_country: Callable[[], str]
    problems: Callable[[str, str], dict[str, list[str]]]
    record: Callable[[User, Subject, ExportDisclosure], None]


class Person(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def reference(self) -> str: ...


class People(Protocol):
    """How the core finds the people the audit trail points at, without importing them."""

    def load(self, ids: Iterable[int]) -> Sequence[Person]:
        """The records of these people, loaded into the session (a rule asked about each then costs no query)."""
        ...

    def id_for_reference(self, reference: str) -> int | None: ...


@dataclass
class PersonRegistry:
    holdings: list[Holding] = field(default_factory=list)
    subject_panels: list[SubjectPanelSource] = field(default_factory=list)
    dashboard_panels: list[DashboardPanelSource] = field(default_factory=list)
    digested_texts: list[DigestedText] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    work_kinds: list[WorkKind] = field(default_factory=list)
    disclosure_ledger: DisclosureLedger | None = None
    move_guards: list[MoveGuard] = field(default_factory=list)
    # Observation category -> the endpoint (taking `subject_id`) of a feature's fuller form for it: the
    # observation page sends such an observation there, with what was typed (a recruitment attempt names
    # its targets in app/connections).
    observation_forms: dict[str, str] = field(default_factory=dict)
    package_sections: list[PackageSection] = field(default_factory=list)
    # (object type, action) of the audit events a feature's timeline reads (app/audit/history.py reads the
    # person's events of every registered kind in one statement).
    history_kinds: set[tuple[str, str]] = field(default_factory=set)
    # The kinds of row about a person that many people have none of (see PersonRows).
    sparse_rows: list[PersonRows[Any]] = field(default_factory=list)
    first_reads: list[FirstRead] = field(default_factory=list)
    # The first statements of pages about a person, built once for each set of first values' names (read_first).
    first_statements: dict[tuple[str, ...], Select[Any]] = field(default_factory=dict, repr=False)
    people: People | None = None

    def hold(self, holding: Holding) -> None:
        taken = {t for h in self.holdings for t in h.tables} & set(holding.tables)
        if any(h.name == holding.name for h in self.holdings) or taken:
            raise ValueError(f"holding {holding.name!r} registered twice, or its tables {sorted(taken)} already are")
        self.holdings.append(holding)

    def register_work(self, kind: WorkKind) -> None:
        if any(k.name == kind.name for k in self.work_kinds):
            raise ValueError(f"work kind {kind.name!r} registered twice")
        self.work_kinds.append(kind)

    def add_package_section(self, section: PackageSection) -> None:
        if any(s.code == section.code for s in self.package_sections):
            raise ValueError(f"package section {section.code!r} registered twice")
        self.package_sections.append(section)

    def package_section(self, code: str) -> PackageSection | None:
        return next((s for s in self.package_sections if s.code == code), None)

    def work_kind(self, name: str) -> WorkKind:
        for kind in self.work_kinds:
            if kind.name == name:
                return kind
        raise KeyError(name)

    def move_conflicts(self, user: User, subject: Subject, move: Move) -> list[MoveConflict]:
        """What every guard finds against the move, worded for `user`."""
        return [c for guard in self.move_guards for c in guard.conflicts(user, subject, move)]

    def confirm_move(self, user: User, subject: Subject, move: Move, conflicts: Sequence[MoveConflict],
                     reason: str) -> None:
        """Hand each guard the conflicts it found, with the supervisor's reason for going ahead."""
        for guard in self.move_guards:
            mine = [c for c in conflicts if c.guard == guard.name]
            if mine:
                guard.confirm(user, subject, move, mine, reason)

    def timeline(self, subject: Subject) -> list[TimelineEntry]:
        """Everything that happened to the person, newest first."""
        entries = [e for h in self.holdings if h.timeline is not None for e in h.timeline(subject)]
        return sorted(entries, key=lambda e: e.when, reverse=True)

    def read_sparsely(self, *kinds: PersonRows[Any]) -> None:
        """Register kinds of row about a person that many people have none of (see PersonRows)."""
        for rows in kinds:
            if any(r.key == rows.key for r in self.sparse_rows):
                raise ValueError(f"a kind of row about a person is registered twice as {rows.key!r}")
            self.sparse_rows.append(rows)
        self.first_statements.clear()

    def read_first(self, user: User, subject_id: int) -> None:
        """The first read of a page about one person (a GET), in one statement: which sparse kinds of row the
        person has — the page's reads of the others are answered with no rows, saving a statement each —, and
        the single values the features' parts of the page will ask for (see FirstRead)."""
        if not reads_once():
            return
        values = [value for source in self.first_reads for value in source(user, subject_id)]
        if not self.sparse_rows and not values:
            return
        names = tuple(value.name for value in values)
        statement = self.first_statements.get(names)
        if statement is None:
            person: BindParameter[int] = bindparam("first_subject_id")
            statement = self.first_statements[names] = select(
                *(r.rows(person).exists().label(f"has_{n}") for n, r in enumerate(self.sparse_rows)),
                *(value.build().scalar_subquery().label(f"value_{n}") for n, value in enumerate(values)))
        params: dict[str, Any] = {"first_subject_id": subject_id}
        for value in values:
            for name, given in value.params.items():
                if params.setdefault(name, given) != given:
                    raise ValueError(f"the first statement's parameter {name!r} is given two values")
        row = db.session.execute(statement, params).one()
        for rows, has in zip(self.sparse_rows, row[:len(self.sparse_rows)], strict=True):
            if not has:
                known_for_request((rows.key, subject_id), [])
        for value, found in zip(values, row[len(self.sparse_rows):], strict=True):
            known_for_request(value.key, [found])

    def panels_for_subject(self, user: User, subject: Subject) -> list[Panel]:
        return [panel for source in self.subject_panels if (panel := source(user, subject)) is not None]

    def panels_for_dashboard(self, user: User, tallies: Iterable[Tally] = ()) -> list[Panel]:
        """The dashboard's panels, for `user`. The tallies in their contexts are read together with `tallies`
        (the page's own counts), in one statement, and the contexts hold their numbers."""
        panels = [panel for source in self.dashboard_panels if (panel := source(user)) is not None]
        in_contexts = [(panel.context, key, value) for panel in panels for key, value in panel.context.items()
                       if isinstance(value, Tally)]
        read_tallies([*tallies, *(value for _, _, value in in_contexts),
                      *(tally for panel in panels for tally in panel.tallies)])
        for context, key, value in in_contexts:
            context[key] = value.value
        return [done for panel in panels
                if (done := panel if panel.complete is None else panel.complete()) is not None]

    def subject_access(self, subject: Subject) -> dict[str, Any]:
        """Every holding's sections of the subject-access report, by field; a field given twice is an error."""
        sections: dict[str, Any] = {}
        for holding in self.holdings:
            part = holding.subject_access(subject)
            if twice := sections.keys() & part.keys():
                raise ValueError(f"subject-access sections {sorted(twice)} given twice ({holding.name})")
            sections |= part
        return sections

    def erase(self, subject: Subject) -> dict[str, int]:
        counts: dict[str, int] = {}
        for holding in reversed(self.holdings):
            counts |= holding.erase(subject)
        return counts

    def found_people(self) -> People:
        if self.people is None:
            raise RuntimeError("no feature registered how to find people (app.subjects registers it)")
        return self.people


def init_app(app: Flask) -> PersonRegistry:
    found = PersonRegistry()
    app.extensions["waypoint_registry"] = found
    return found


def registry() -> PersonRegistry:
    """The registry of the current application."""
    found: PersonRegistry = current_app.extensions["waypoint_registry"]
    return found
