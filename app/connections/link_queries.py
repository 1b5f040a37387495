"""What the pages, drawings and reports show of links between people, recruitment targets and a person's
connections within two steps. Every linked person is named through `policy.describe_linked_person`, so a
person out of the viewer's scope is only "a person in another unit" here, whichever page asks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import joinedload

from app import policy
from app.auth.models import User
from app.connections.affiliations import current_ties, linked_now, subject_affiliations
from app.connections.links import CURRENT
from app.connections.models import Affiliation, Group, LinkKind, LinkStatus, PersonLink, RecruitmentTarget
from app.connections.recruitment import targeted_count
from app.db import built_once, db, reads_once
from app.i18n import day
from app.i18n import gettext as _
from app.interventions.models import Observation
from app.registry import Panel, PersonKey, PersonRows, Tally
from app.subjects.models import Subject
from reports import model
from reports.charts import NetworkEdge, NetworkNode, NodeKind, connections_svg

MAX_NODES = 40
# What the drawing follows one step further: ("person" or "group", the record, its node's key).
Follow = tuple[str, Any, str]


@dataclass(frozen=True)
class LinkRow:
    """A link as one person's page shows it: from their side, the other person described for the viewer."""

    link: PersonLink
    relation: str  # "Associate", "Recruits or tried to recruit", "Targeted for recruitment by", ...
    other_label: str
    other_id: int | None  # only when the viewer may open the other person's page
    evidence_shown: bool
    can_end: bool


def seen(user: User, people: Sequence[Subject]) -> list[int]:
    """The ids of those of `people` a page names for the user (their view event must name them too)."""
    return [p.id for p in people if policy.can_see_linked_person(user, p)]


def relation(link: PersonLink, side: Subject) -> str:
    """The link's kind read from `side`'s point of view (recruiter → target is directed)."""
    if link.kind == LinkKind.RECRUITER:
        return str(_("Recruits or tried to recruit") if link.subject_id == side.id
                   else _("Targeted for recruitment by"))
    if link.kind == LinkKind.KEEP_APART:
        return str(_("Keep apart (%(level)s)", level=link.level_label.lower()))
    return link.kind_label


def _near(subject_id: PersonKey) -> Select[tuple[PersonLink]]:
    """Every link naming the person and the second step's current and pending links: a page's read (LINKS_NEAR)."""
    current = PersonLink.status.in_(CURRENT)
    linked = linked_now(subject_id)
    return select(PersonLink).where(PersonLink.id.in_(union(  # one flat union: SQLite takes no nested one
        select(PersonLink.id).where(PersonLink.subject_id == subject_id),
        select(PersonLink.id).where(PersonLink.other_id == subject_id),
        select(PersonLink.id).where(PersonLink.subject_id.in_(linked), current),
        select(PersonLink.id).where(PersonLink.other_id.in_(linked), current))))


LINKS_NEAR = PersonRows("person_links_near", _near)


def _links_near(subject: Subject, *, near: bool = False) -> list[PersonLink]:
    """Every link naming the person, either side, oldest first, with both people; and with them (`near`, or always
    on a page, which reads them once for all its parts: the links panel, the drawing, the keep-apart panel and
    the timeline) the current and pending links of the people linked to the person now, the drawing's second
    step. One statement, each part chosen through its own index."""
    def finish(rows: Select[tuple[PersonLink]]) -> Select[tuple[PersonLink]]:
        return (rows.order_by(PersonLink.recorded_at, PersonLink.id)
                .options(joinedload(PersonLink.subject), joinedload(PersonLink.other)))

    if near or reads_once():
        return LINKS_NEAR.read(subject.id, finish)
    return list(db.session.scalars(finish(select(PersonLink).where(PersonLink.id.in_(union(
        select(PersonLink.id).where(PersonLink.subject_id == subject.id),
        select(PersonLink.id).where(PersonLink.other_id == subject.id)))))))


def links_of(subject: Subject) -> list[PersonLink]:
    """Every link naming the person, either side, oldest first, with both people."""
    return [link for link in _links_near(subject) if subject.id in (link.subject_id, link.other_id)]


def targeted_by(subject: Subject) -> list[RecruitmentTarget]:
    """The recruitment attempts that targeted the person, newest first, each with its observation and the
    person observed (the recruiter)."""
    return TARGETED.read(subject.id, lambda rows: rows
                         .order_by(RecruitmentTarget.recorded_at.desc(), RecruitmentTarget.id.desc())
                         .options(joinedload(RecruitmentTarget.observation).joinedload(Observation.subject),
                                  joinedload(RecruitmentTarget.group)))


TARGETED = PersonRows("recruitment_targets", lambda subject_id: select(RecruitmentTarget).where(
    RecruitmentTarget.target_id == subject_id))


def other_side(link: PersonLink, side: Subject) -> Subject:
    return link.other if link.subject_id == side.id else link.subject


def link_rows(user: User, subject: Subject) -> list[LinkRow]:
    rows = []
    for link in links_of(subject):
        other = other_side(link, subject)
        seen = policy.can_see_linked_person(user, other)
        rows.append(LinkRow(link, relation(link, subject), policy.describe_linked_person(user, other),
                            other.id if seen else None, policy.can_read_link_evidence(user, link),
                            policy.can_end_link(user, link)))
    return rows


# --- connections within two steps --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionRow:
    """One line of the connections table (the drawing's accessible alternative)."""

    step: int
    from_label: str
    relation: str
    to_label: str


class _Graph:
    """Nodes and edges built outward from one person. People the viewer may see and groups are one node each;
    every person out of scope is a node of their own per link, never merged nor followed further, so the
    drawing says nothing of who they are, nor whether two of them are the same person."""

    def __init__(self, user: User, focus: Subject) -> None:
        self.user = user
        self.nodes: list[NetworkNode] = [NetworkNode("n0", f"{focus.full_name} ({focus.reference})", "focus", 0)]
        self.edges: list[NetworkEdge] = []
        self.rows: list[ConnectionRow] = []
        self.people: dict[int, str] = {focus.id: "n0"}
        self.groups: dict[int, str] = {}
        self.shown: set[int] = {focus.id}
        self.pairs: set[frozenset[str]] = set()

    def _node(self, label: str, kind: NodeKind, step: int, parent: str) -> str:
        key = f"n{len(self.nodes)}"
        self.nodes.append(NetworkNode(key, label, kind, step, parent))
        return key

    def person(self, person: Subject, step: int, parent: str) -> tuple[str, bool]:
        """The person's node (new or already drawn) and whether it is new and may be followed further."""
        if not policy.can_see_linked_person(self.user, person):
            return self._node(_("A person in another unit"), "other_unit", step, parent), False
        if person.id in self.people:
            return self.people[person.id], False
        self.shown.add(person.id)
        self.people[person.id] = self._node(f"{person.full_name} ({person.reference})", "person", step, parent)
        return self.people[person.id], True

    def group(self, group: Group, step: int, parent: str) -> tuple[str, bool]:
        if group.id in self.groups:
            return self.groups[group.id], False
        self.groups[group.id] = self._node(group.name, "group", step, parent)
        return self.groups[group.id], True

    def edge(self, a: str, b: str, label: str, step: int) -> None:
        if frozenset((a, b)) in self.pairs and a != b:
            return
        self.pairs.add(frozenset((a, b)))
        self.edges.append(NetworkEdge(a, b, label))
        labels = {n.key: n.label for n in self.nodes}
        self.rows.append(ConnectionRow(step, labels[a], label, labels[b]))

    def full(self) -> bool:
        return len(self.nodes) >= MAX_NODES


def _links_by_person(subject: Subject, ids: Sequence[int]) -> dict[int, list[PersonLink]]:
    """The current and pending links of each of these people (linked to `subject` now), oldest first (a link
    between two of them is in both lists): from the page's one read of links."""
    found: dict[int, list[PersonLink]] = {i: [] for i in ids}
    if not ids:
        return found
    for link in _links_near(subject, near=True):
        if link.status in CURRENT:
            for side in {link.subject_id, link.other_id} & found.keys():
                found[side].append(link)
    return found


def _link_label(link: PersonLink, side: Subject) -> str:
    if link.status == LinkStatus.PENDING:
        return str(_("%(link)s (awaiting confirmation)", link=relation(link, side)))
    return relation(link, side)


def _expand_person(graph: _Graph, person: Subject, key: str, step: int, came_from: int | None,
                   links: Sequence[PersonLink], ties: Sequence[Affiliation]) -> list[Follow]:
    """Draw the person's links and affiliations at `step`; what may be followed one step further."""
    follow: list[Follow] = []
    for link in links:
        other = other_side(link, person)
        if other.id == came_from or graph.full():
            continue
        other_key, new = graph.person(other, step, key)
        graph.edge(key, other_key, _link_label(link, person), step)
        if new:
            follow.append(("person", other, other_key))
    for affiliation in ties:
        if graph.full():
            break
        group_key, new = graph.group(affiliation.group, step, key)
        graph.edge(key, group_key, affiliation.role_label, step)
        if new:
            follow.append(("group", affiliation.group, group_key))
    return follow


def connections(user: User, subject: Subject) -> _Graph:
    """The people and groups within two steps of the person, as the viewer may see them."""
    graph = _Graph(user, subject)
    # The first step from what the person's page has already read about them.
    current = [link for link in links_of(subject) if link.status in (LinkStatus.ACTIVE, LinkStatus.PENDING)]
    ties = sorted((a for a in subject_affiliations(subject) if a.ended_at is None), key=lambda a: a.id)
    first = _expand_person(graph, subject, "n0", 1, None, current, ties)
    people = [found.id for kind, found, _key in first if kind == "person"]
    links = _links_by_person(subject, people)
    ties_of, members = current_ties(subject, people, [found.id for kind, found, _key in first if kind == "group"])
    for kind, found, key in first:
        if kind == "person":
            _expand_person(graph, found, key, 2, subject.id, links[found.id], ties_of[found.id])
            continue
        for member in members[found.id]:
            if member.subject_id == subject.id or graph.full():
                continue
            person_key, _new = graph.person(member.subject, 2, key)
            graph.edge(person_key, key, member.role_label, 2)
    return graph


# --- panels --------------------------------------------------------------------------------------------------


def subject_panel(user: User, subject: Subject) -> Panel | None:
    """Links with other people, and the connections table and drawing, on the person's page. The page's view
    event names the people it shows by name (never one out of scope)."""
    rows = link_rows(user, subject)
    graph = connections(user, subject)
    targeted = targeted_by(subject)
    return Panel("connections/links_subject_panel.html", {
        "subject": subject,
        "current": [r for r in rows if r.link.status in (LinkStatus.ACTIVE, LinkStatus.PENDING)],
        "history": [r for r in rows if r.link.status in (LinkStatus.ENDED, LinkStatus.REFUSED)],
        "targeted": [(t, policy.describe_linked_person(user, t.observation.subject)) for t in targeted],
        "graph_rows": graph.rows, "graph_full": graph.full(),
        "drawing": connections_svg(graph.nodes, graph.edges, ident=f"net-{subject.id}",
                                   title=_("Connections of %(name)s within two steps", name=subject.full_name)),
        "can_record": policy.can_record_link(user, subject),
    }, subject_ids=tuple(sorted(graph.shown | {r.other_id for r in rows if r.other_id is not None}
                                | set(seen(user, [t.observation.subject for t in targeted])))))


def awaiting_confirmation(user: User) -> Sequence[PersonLink]:
    """Pending links to people of the supervisor's units, oldest first."""
    return db.session.scalars(
        select(PersonLink).join(Subject, Subject.id == PersonLink.other_id)
        .where(policy.links_confirmable_by(user)).order_by(PersonLink.recorded_at, PersonLink.id)).all()


def awaiting_count(user: User) -> Tally:
    """How many links wait for the supervisor's confirmation (the dashboard's count)."""
    return Tally(built_once(_awaiting_count, user.role), policy.viewer_params(user))


def _awaiting_count(role: str) -> Select[tuple[int]]:
    return (select(func.count()).select_from(PersonLink).join(Subject, Subject.id == PersonLink.other_id)
            .where(policy.links_confirmable_by_viewer(role)))


def dashboard_panel(user: User) -> Panel | None:
    """Counts only (no person named): the targeted-for-recruitment list and, for supervisors, the links that
    wait for their confirmation."""
    targeted = targeted_count(user)
    awaiting = awaiting_count(user) if policy.is_supervisor(user) else None
    return Panel("connections/links_dashboard_panel.html", {"targeted": targeted, "awaiting": awaiting})


# --- reports ---------------------------------------------------------------------------------------------------


def link_lines(viewer: User | None, subject: Subject, *, current_only: bool = False) -> tuple[model.LinkLine, ...]:
    """The person's links for a report made by `viewer` (None: nobody, so every other person is anonymous)."""
    lines = []
    for link in links_of(subject):
        if current_only and link.status not in (LinkStatus.ACTIVE, LinkStatus.PENDING):
            continue
        other = other_side(link, subject)
        shown = viewer is not None and policy.can_read_link_evidence(viewer, link)
        ended = ""
        if link.ended_at is not None:
            if shown and link.end_reason:
                ended = _("%(status)s %(date)s: %(reason)s", status=link.status_label, date=day(link.ended_at),
                          reason=link.end_reason)
            else:
                ended = _("%(status)s %(date)s", status=link.status_label, date=day(link.ended_at))
        lines.append(model.LinkLine(
            relation=relation(link, subject), other=policy.describe_linked_person(viewer, other),
            status=link.status_label, grading=link.grading, learnt_on=link.learnt_on, review_on=link.review_on,
            evidence=link.evidence if shown else "", source=link.source if shown else "",
            recorded_by=link.recorded_by.display_name, ended=ended))
    return tuple(lines)


def targeted_lines(viewer: User | None, subject: Subject) -> tuple[model.TargetedLine, ...]:
    rows = db.session.scalars(select(RecruitmentTarget).where(RecruitmentTarget.target_id == subject.id)
                              .order_by(RecruitmentTarget.recorded_at, RecruitmentTarget.id))
    return tuple(model.TargetedLine(
        observed_on=t.observation.observed_on, recruiter=policy.describe_linked_person(viewer, t.observation.subject),
        group=t.group.name if t.group else _("Not known"),
        reviewed=_("%(date)s by %(name)s: %(note)s", date=day(t.reviewed_at), name=t.reviewed_by.display_name,
                   note=t.review_note)
        if t.reviewed_at and t.reviewed_by else "") for t in rows)
