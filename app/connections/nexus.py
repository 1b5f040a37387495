"""The nexus picture (DESIGN §10) for supervisors, over the people of their units, and the members of a group as
far as a viewer's scope allows.

Every count is of people the policy says the supervisor's picture covers (`policy.nexus_people_of`), and each
count has a drill-down (`people_behind`) listing exactly the people it counted, so the number and the list
never disagree. Counts are an aid, labelled as such; they replace no one's judgement."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from app import policy
from app.assessments import catalogue
from app.assessments.models import Assessment, AssessmentRating, AssessmentStatus
from app.auth.models import User
from app.connections import groups
from app.connections.models import (
    Affiliation,
    AffiliationRole,
    Group,
    GroupKind,
    GroupLink,
    NexusLevel,
    PersonSkill,
    Skill,
)
from app.db import db, utcnow
from app.i18n import day
from app.i18n import gettext as _
from app.ids import parse_id
from app.interventions.models import Observation, ObservationCategory
from app.subjects.models import Subject

NEXUS_ITEM = "NX1"
MONTHS = 12
# A former member's tie is history: the picture counts the ties that hold now.
PRESENT_ROLES = tuple(r.value for r in AffiliationRole if r != AffiliationRole.FORMER_MEMBER)
MEASURES = ("group", "link", "crossover", "hybrid", "skill", "recruitment", "nx1")


# --- a group's members -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Members:
    shown: list[Affiliation]  # current affiliations of people the viewer may see
    elsewhere: int  # current affiliations of people outside the viewer's scope: a count, nothing more


def group_members(user: User, group: Group) -> Members:
    current = (select(Affiliation).join(Subject, Subject.id == Affiliation.subject_id)
               .where(Affiliation.group_id == group.id, Affiliation.ended_at.is_(None),
                      Subject.erased_at.is_(None)))
    shown = list(db.session.scalars(
        current.where(policy.subjects_visible_to(user)).order_by(Subject.family_name, Subject.given_name)
        .options(contains_eager(Affiliation.subject))))
    total = db.session.scalar(select(func.count()).select_from(current.subquery())) or 0
    return Members(shown, total - len(shown))


# --- the picture ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    measure: str
    key: str
    label: str
    count: int


@dataclass
class NexusPicture:
    groups: list[Count] = field(default_factory=list)
    links: dict[str, list[tuple[GroupLink, Count]]] = field(default_factory=dict)  # by level, every level
    crossover: Count | None = None
    hybrid: Count | None = None
    skills: list[Count] = field(default_factory=list)
    recruitment: list[Count] = field(default_factory=list)  # month by month, oldest first
    nx1: list[Count] = field(default_factory=list)
    counted: set[int] = field(default_factory=set)  # every person behind any count


def _present_ties(user: User) -> list[tuple[Affiliation, Subject]]:
    return list(db.session.execute(
        select(Affiliation, Subject).join(Subject, Subject.id == Affiliation.subject_id)
        .where(policy.nexus_people_of(user), Affiliation.ended_at.is_(None), Affiliation.role.in_(PRESENT_ROLES))
        .options(contains_eager(Affiliation.group))
        .join(Group, Group.id == Affiliation.group_id)).tuples())


def _people_by_group(user: User) -> dict[int, dict[int, str]]:
    """group id -> {person id: role label}, for the present ties of the picture's people."""
    found: dict[int, dict[int, str]] = defaultdict(dict)
    for tie, subject in _present_ties(user):
        found[tie.group_id][subject.id] = tie.role_label
    return found


def _kinds_by_person(user: User) -> dict[int, set[str]]:
    kinds: dict[int, set[str]] = defaultdict(set)
    for tie, subject in _present_ties(user):
        kinds[subject.id].add(tie.group.kind)
    return kinds


def _crossover(user: User) -> dict[int, str]:
    """People tied to both an organised-crime and a violent extremist group."""
    why = _("Organised-crime and violent extremist groups")
    return {person: why for person, kinds in _kinds_by_person(user).items()
            if {GroupKind.ORGANISED_CRIME.value, GroupKind.VIOLENT_EXTREMIST.value} <= kinds}


def _hybrid(user: User) -> dict[int, str]:
    """People tied to a hybrid group (one that is both at once): counted apart from the crossover, since being
    in one group is not the same finding as bridging two."""
    why = _("Hybrid group")
    return {person: why for person, kinds in _kinds_by_person(user).items() if GroupKind.HYBRID.value in kinds}


def _skills(user: User) -> dict[str, dict[int, str]]:
    found: dict[str, dict[int, str]] = defaultdict(dict)
    for row in db.session.scalars(select(PersonSkill).join(Subject, Subject.id == PersonSkill.subject_id)
                                  .where(policy.nexus_people_of(user), PersonSkill.ended_at.is_(None))):
        found[row.skill][row.subject_id] = _("Since %(date)s", date=day(row.learnt_on))
    return found


def _months(today: date) -> list[str]:
    year, month = today.year, today.month
    months = []
    for _month in range(MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def _recruitment(user: User) -> tuple[dict[str, int], dict[str, dict[int, str]]]:
    """Recruitment attempts observed per month (the last 12), and the people observed making them."""
    months = _months(utcnow().date())
    first = date.fromisoformat(months[0] + "-01")
    attempts: Counter[str] = Counter()
    people: dict[str, dict[int, str]] = defaultdict(dict)
    for o in db.session.scalars(select(Observation).join(Subject, Subject.id == Observation.subject_id).where(
            policy.nexus_people_of(user), Observation.category == ObservationCategory.RECRUITMENT.value,
            Observation.observed_on >= first)):
        month = o.observed_on.strftime("%Y-%m")
        attempts[month] += 1
        people[month][o.subject_id] = _("Observed %(date)s", date=day(o.observed_on))
    return {m: attempts[m] for m in months}, people


def _nx1_options() -> list[tuple[str, str]]:
    for instrument in catalogue.current("assessment"):
        try:
            return [(o.value, o.label) for o in instrument.item(NEXUS_ITEM).options]
        except KeyError:
            continue
    return []


def _nx1(user: User) -> dict[str, dict[int, str]]:
    """The NX1 rating of each person's latest approved assessment (people whose latest has none are not
    counted)."""
    latest: dict[int, Assessment] = {}
    for a in db.session.scalars(select(Assessment).join(Subject, Subject.id == Assessment.subject_id).where(
            policy.nexus_people_of(user), Assessment.status == AssessmentStatus.APPROVED.value)
            .order_by(Assessment.approved_at.desc(), Assessment.id.desc())):
        latest.setdefault(a.subject_id, a)
    if not latest:
        return {}
    ratings = {r.assessment_id: r.rating for r in db.session.scalars(select(AssessmentRating).where(
        AssessmentRating.assessment_id.in_([a.id for a in latest.values()]),
        AssessmentRating.item_code == NEXUS_ITEM, AssessmentRating.rating != ""))}
    found: dict[str, dict[int, str]] = defaultdict(dict)
    for person, a in latest.items():
        if a.id in ratings:
            found[ratings[a.id]][person] = _("Assessment approved %(date)s", date=day(a.approved_at))
    return found


def _link_people(link: GroupLink, by_group: dict[int, dict[int, str]]) -> dict[int, str]:
    """The people tied to either group of a link, each with the group(s) they are tied to."""
    found: dict[int, list[str]] = defaultdict(list)
    for group in (link.group, link.other_group):
        for person, role in by_group.get(group.id, {}).items():
            found[person].append(_("%(role)s of %(group)s", role=role, group=group.name))
    return {person: "; ".join(ties) for person, ties in found.items()}


def picture(user: User) -> NexusPicture:
    """The supervisor's nexus picture: counts only, each with the measure and key its drill-down takes."""
    result = NexusPicture()
    by_group = _people_by_group(user)
    present = {g.id: g for g in db.session.scalars(select(Group).where(Group.id.in_(list(by_group))))}
    for group_id, people in sorted(by_group.items(), key=lambda kv: (-len(kv[1]), present[kv[0]].name.lower())):
        result.groups.append(Count("group", str(group_id), f"{present[group_id].name} "
                                                           f"({present[group_id].kind_label})", len(people)))
        result.counted |= set(people)
    result.links = {level.value: [] for level in NexusLevel}
    for link in groups.current_links():
        people = _link_people(link, by_group)
        result.links[link.level].append((link, Count("link", str(link.id), "", len(people))))
        result.counted |= set(people)
    crossover, hybrid = _crossover(user), _hybrid(user)
    result.crossover = Count("crossover", "", _("Tied to both an organised-crime and a violent extremist group"),
                             len(crossover))
    result.hybrid = Count("hybrid", "", _("Tied to a hybrid group"), len(hybrid))
    result.counted |= set(crossover) | set(hybrid)
    skills = _skills(user)
    for skill in Skill:
        if skills.get(skill.value):
            result.skills.append(Count("skill", skill.value, skill.label, len(skills[skill.value])))
            result.counted |= set(skills[skill.value])
    attempts, people_by_month = _recruitment(user)
    for month, count in attempts.items():
        result.recruitment.append(Count("recruitment", month, month, count))
        result.counted |= set(people_by_month.get(month, {}))
    nx1 = _nx1(user)
    for value, label in _nx1_options():
        result.nx1.append(Count("nx1", value, label, len(nx1.get(value, {}))))
        result.counted |= set(nx1.get(value, {}))
    return result


@dataclass(frozen=True)
class Behind:
    title: str
    people: list[tuple[Subject, str]]  # each person counted, with what put them there


def people_behind(user: User, measure: str, key: str) -> Behind | None:
    """The people behind one count of the picture, or None for a count the picture does not have."""
    people: dict[int, str] = {}
    title = ""
    if measure == "group":
        group = db.session.get(Group, group_id) if (group_id := parse_id(key)) is not None else None
        if group is None:
            return None
        people, title = _people_by_group(user).get(group.id, {}), _("Present ties to %(group)s", group=group.name)
    elif measure == "link":
        link = db.session.get(GroupLink, link_id) if (link_id := parse_id(key)) is not None else None
        if link is None or link.ended_on is not None:
            return None
        people = _link_people(link, _people_by_group(user))
        title = _("Tied to %(group)s or %(other)s (%(level)s)", group=link.group.name, other=link.other_group.name,
                  level=link.level_label.lower())
    elif measure == "crossover":
        people, title = _crossover(user), _("Tied to both an organised-crime and a violent extremist group")
    elif measure == "hybrid":
        people, title = _hybrid(user), _("Tied to a hybrid group")
    elif measure == "skill" and key in {s.value for s in Skill}:
        people, title = _skills(user).get(key, {}), _("Skill of concern: %(skill)s", skill=Skill(key).label)
    elif measure == "recruitment" and key in _months(utcnow().date()):
        people, title = _recruitment(user)[1].get(key, {}), _("Recruitment attempts observed in %(month)s", month=key)
    elif measure == "nx1" and key in dict(_nx1_options()):
        people = _nx1(user).get(key, {})
        title = _("Nexus item %(item)s rated “%(rating)s” in the latest approved assessment", item=NEXUS_ITEM,
                  rating=dict(_nx1_options())[key])
    else:
        return None
    subjects = db.session.scalars(select(Subject).where(Subject.id.in_(list(people)), policy.nexus_people_of(user))
                                  .order_by(Subject.family_name, Subject.given_name, Subject.id))
    return Behind(title, [(s, people[s.id]) for s in subjects])
