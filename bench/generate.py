"""Deterministic synthetic data for the benchmarks, at national scale.

    .venv/bin/python bench/generate.py --size small --database-url sqlite:////tmp/wp-small.sqlite3
    .venv/bin/python bench/generate.py --size national --database-url "$(.venv/bin/python bench/pgserver.py start DIR)"

Sizes (subjects; every other table scales with them): tiny 60 (the smoke test), small 1,000, medium 10,000,
national 100,000. Per person, on average: 10 assessments of the structured instrument with a rating and
evidence for each of its 21 factors, one screening, 2.5 interventions with 50 sessions between them, two
observations and 100 audit events; national size is about 1M assessments (21M ratings), 5M sessions and 10M
audit events. The same seed gives the same database, row for row.

The database must be empty (`--replace` empties it first). The generator migrates it, drops the secondary
indexes and unique constraints, bulk-loads every table (COPY on PostgreSQL, executemany in one transaction
on SQLite) with foreign-key checks and triggers off, rebuilds the indexes, sets the sequences, analyses, and
registers the instruments. The audit events are hash-chained exactly as `app.audit.trail` chains them, so
`flask audit verify` passes on the result.

Every generated user's password is BENCH_PASSWORD; supervisors and admins have a TOTP secret in the
database (the web benchmark reads it to sign in). Nothing here is about a real person.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BENCH_PASSWORD = "bench-waypoint-correct-horse-2026"  # noqa: S105 - synthetic users of a benchmark database
SIZES = {"tiny": 60, "small": 1_000, "medium": 10_000, "national": 100_000}
SUBJECTS_PER_PRISON = 850
SUBJECTS_PER_REGION = 8_000
CASELOAD = 40
EVENTS_PER_SUBJECT = 100
SCREENING = ("wp-reception-screening", "1.0")
ASSESSMENT = ("wp-structured-assessment", "1.0")
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

GIVEN = (
    "Aaron", "Abdul", "Adam", "Adebayo", "Ahmed", "Aisha", "Alan", "Aleksander", "Ali", "Amir", "Amira", "Andrzej",
    "Anna", "Arjun", "Aurelio", "Ayaan", "Bartosz", "Ben", "Bilal", "Björn", "Callum", "Carlos", "Ciarán", "Connor",
    "Daniel", "Darius", "Dawid", "Declan", "Dmitri", "Efe", "Elif", "Emeka", "Emma", "Eoin", "Farah", "Fatima",
    "Florin", "Gareth", "Grace", "Hamza", "Hannah", "Harry", "Hassan", "Ibrahim", "Ife", "Imran", "Ioana", "Isaac",
    "Ivan", "Jack", "Jakub", "Jamal", "James", "Javier", "Jérôme", "Joe", "Jordan", "José", "Joseph", "Kacper",
    "Kamal", "Karim", "Kwame", "Lamar", "Leon", "Liam", "Luca", "Łukasz", "Mahmoud", "Marcus", "Mariam", "Mateusz",
    "Mehmet", "Michael", "Mihai", "Mohammed", "Musa", "Nadia", "Nathan", "Nikolai", "Noah", "Oisín", "Olu", "Omar",
    "Oscar", "Patrick", "Paul", "Piotr", "Rahul", "Rashid", "Reece", "Ryan", "Sam", "Samir", "Sandeep", "Sean",
    "Siobhán", "Stefan", "Tariq", "Thomas", "Tomasz", "Tyler", "Usman", "Viktor", "Wojciech", "Yusuf", "Zain", "Zoë"
)
FAMILY = (
    "Abbasi", "Adeyemi", "Ahmed", "Ali", "Anderson", "Andrzejewski", "Baker", "Banerjee", "Barnes", "Begum", "Bell",
    "Bennett", "Brown", "Campbell", "Carter", "Chowdhury", "Clarke", "Collins", "Cooper", "Costa", "Davies",
    "Dimitrov", "Doherty", "Dubois", "Edwards", "Evans", "Fernández", "Fischer", "Gallagher", "Ghosh", "Green",
    "Gregory", "Hall", "Haddad", "Harris", "Hughes", "Hussain", "Iqbal", "Jackson", "James", "Johnson", "Jones",
    "Kaczmarek", "Kamara", "Kaur", "Kelly", "Khan", "Kowalski", "Lewis", "Lopez", "Mahmood", "Malik", "Martin",
    "Mensah", "Miah", "Mitchell", "Moore", "Morgan", "Murphy", "Musa", "Nowak", "Nwosu", "O'Brien", "O'Connor",
    "Okafor", "Okonkwo", "Ødegård", "Patel", "Phillips", "Popescu", "Price", "Qureshi", "Rahman", "Reid", "Richards",
    "Roberts", "Robinson", "Rossi", "Said", "Santos", "Scott", "Shah", "Silva", "Singh", "Smith", "Sokolov",
    "Stewart", "Sullivan", "Taylor", "Thomas", "Thompson", "Turner", "Walker", "Ward", "Watson", "White", "Williams",
    "Wilson", "Wiśniewski", "Wood", "Wright", "Yilmaz", "Young", "Zielinski"
)
TOWNS = (
    "Ashford", "Barnfield", "Belmarsh", "Blackmoor", "Bramley", "Brinsford", "Bristow", "Castlegate", "Chalkhill",
    "Coldingley", "Dovegate", "Eastwood", "Elmley", "Featherby", "Fordham", "Foston", "Garth", "Glenwood", "Grendon",
    "Hatfield", "Haverigg", "Highdown", "Hollesley", "Isis", "Kirkham", "Lindholme", "Littlehey", "Lowdham",
    "Maghull", "Moorland", "Northmoor", "Oakwood", "Onley", "Parc", "Portland", "Ranby", "Risley", "Rochester", "Rye",
    "Stafford", "Standford", "Stocken", "Swaleside", "Thameside", "Thornton", "Usk", "Wakeford", "Wayland",
    "Wealstun", "Whatton", "Winsley", "Woodhill", "Wymott"
)
REGIONS = (
    "North East", "North West", "Yorkshire and the Humber", "East Midlands", "West Midlands", "East of England",
    "London", "South East", "South West", "Wales", "Kent, Surrey and Sussex", "Greater Manchester", "Thames Valley",
    "Cumbria and Lancashire", "Mersey", "Northumbria"
)
EVIDENCE = (
    "Disclosed in the second interview that he had shared propaganda videos with two other prisoners.",
    "Wing staff report that she spends association time alone and declines group work.",
    "Security intelligence from March notes possession of printed material from a proscribed group.",
    "Described his offence as justified and repeated the group's slogans when asked about victims.",
    "Has kept regular contact with his mother and sister, who visit monthly and support his release plan.",
    "Completed a level 2 qualification in English and has applied for the kitchens workshop.",
    "Probation records show a period of unstable housing before the index offence.",
    "Told the assessor she no longer believes violence achieves anything; this is recent and untested.",
    "No adjudications in the last twelve months; attends chapel and education as timetabled.",
    "Online activity before arrest included contact with recruiters abroad, per the police summary.",
    "Reports feeling humiliated after losing his job and blames an identified community for it.",
    "Mentor sessions show growing willingness to discuss alternative views; engagement rated 4 lately.",
    "Information is limited to the pre-sentence report; the prison file has not yet arrived.",
    "Has a child whom he wants to see; family court contact depends on his progress.",
    "Denies any current affiliation; the police disagree, citing recent correspondence.",
    "Expressed regret about the effect of his offence on his family during the last review.",
)
RATIONALES = (
    "Several risk factors are present and current, chiefly commitment to the group and justification of "
    "harm; protective factors are emerging but untested. Active management and a review in six months.",
    "The evidence shows past involvement but no current engagement; family support and work are in "
    "place. Concerns remain about contact with former associates, which the plan addresses.",
    "Recent intelligence and the person's own account point to renewed interest in violent material. "
    "Urgent review with the police lead; the intervention plan is to be revisited.",
    "Limited information: the rating rests mainly on the pre-sentence report. Further interviews planned "
    "before the next review, with the mentor's observations.",
)
SESSION_NOTES = (
    "Discussed the difference between grievance and violence; he engaged with the examples.",
    "Reviewed progress on the education goal; she brought her certificate to show.",
    "Short session: he was distracted by news of a family illness; agreed to meet next week.",
    "Worked through a case study of a former member leaving a group; asked thoughtful questions.",
    "Refused to discuss the offence today; talked about work in the gardens instead.",
    "Explored the people he trusts and why; named his brother and his mentor.",
)
NEXT_STEPS = ("Continue the case-study work.", "Follow up the housing referral.", "Review goals at the next session.",
              "Share the reading list.", "Arrange a joint session with the chaplain.", "")
OBSERVATIONS = (
    ("positive_engagement", "Wing officer", "Helped a new arrival settle and explained the regime calmly."),
    ("extremist_material", "Security department", "Found with handwritten notes copying a group's slogans."),
    ("family_contact", "Visits hall", "Visit from his mother and sister; the visit went well."),
    ("incident", "Wing officer", "Verbal altercation over the telephone queue; de-escalated by staff."),
    ("recruitment_attempt", "Intelligence report", "Seen passing leaflets to two younger prisoners."),
    ("other", "Chaplaincy", "Asked for a copy of a religious text in his own language."),
)
GOALS = ("Take part in weekly mentoring and reflect on the group's influence.",
         "Complete an education course and plan for work on release.",
         "Rebuild contact with his family and agree a visiting plan.",
         "Identify people and places to avoid after release, with a plan for each.")
INTERVENTION_TYPES = ("mentoring", "ideological_dialogue", "education", "vocational_training", "family_support",
                      "mental_health_support", "desistance_programme", "exit_programme")
PROVIDERS = ("Desistance and Disengagement Programme", "Prison education department", "Chaplaincy",
             "Community mentoring service", "Family support charity", "Healthcare in-reach team")
OFFENCES = ("violence", "robbery", "theft_burglary", "fraud", "drugs", "weapons", "public_order", "terrorism",
            "organised_crime", "criminal_damage", "other", "terrorism", "violence")
ALERTS = ("self_harm", "violence", "escape", "vulnerable", "keep_apart", "interpreter")
MOVE_REASONS = ("Recategorised to a lower-security prison", "Transferred nearer to family",
                "Released on licence to the probation region", "Moved for a course not offered here")


# --- the plan: who and what exists, decided before any row is written ---------------------------------


@dataclass
class Plan:
    """Everything later tables refer to, kept compact (lists of ints) so national size fits in memory."""

    size: int
    seed: int
    now: datetime
    units: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, code, name, kind
    users: list[tuple[int, str, str, str, int | None]] = field(default_factory=list)  # id, username, name, role, unit
    case_workers: dict[int, list[int]] = field(default_factory=dict)  # unit id -> user ids
    supervisors: dict[int, list[int]] = field(default_factory=dict)
    user_role: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (username, role)
    subject_unit: list[int] = field(default_factory=list)  # index = subject id - 1
    subject_owner: list[int] = field(default_factory=list)  # 0: unallocated
    subject_created: list[datetime] = field(default_factory=list)
    assessment_first: list[int] = field(default_factory=list)
    assessment_count: list[int] = field(default_factory=list)
    assessment_latest_approved: list[int] = field(default_factory=list)  # 0: none
    assessment_status: bytearray = field(default_factory=bytearray)  # by assessment id - 1: 0 draft 1 sub 2 app 3 sup
    intervention_first: list[int] = field(default_factory=list)
    intervention_count: list[int] = field(default_factory=list)
    intervention_sessions: list[int] = field(default_factory=list)  # by intervention id - 1
    intervention_span: list[tuple[datetime, datetime]] = field(default_factory=list)  # when its sessions fall
    session_first: list[int] = field(default_factory=list)  # by subject
    session_count: list[int] = field(default_factory=list)
    observation_first: list[int] = field(default_factory=list)
    observation_count: list[int] = field(default_factory=list)
    screening_items: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    assessment_items: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def rng(self, section: str) -> random.Random:
        return random.Random(f"{self.seed}:{section}")


def ts(value: datetime) -> str:
    """A UTC timestamp as both databases take it (the PostgreSQL session runs in UTC)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def day(value: date) -> str:
    return value.isoformat()


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(1, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(1_000_000))


def load_instruments(plan: Plan) -> None:
    from instruments.loader import load_directory

    instruments = load_directory()
    plan.screening_items = [(i.code, tuple(o.value for o in i.options)) for i in instruments[SCREENING].items()]
    plan.assessment_items = [(i.code, tuple(o.value for o in i.options)) for i in instruments[ASSESSMENT].items()]


# --- tables --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: Callable[[Plan], Iterator[Sequence[Any]]]
    estimate: Callable[[Plan], int]


def unit_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    prisons = max(2, round(plan.size / SUBJECTS_PER_PRISON))
    regions = max(1, round(plan.size / SUBJECTS_PER_REGION))
    created = ts(plan.now - timedelta(days=2000))
    for i in range(prisons):
        town = TOWNS[i % len(TOWNS)] + ("" if i < len(TOWNS) else f" {i // len(TOWNS) + 1}")
        plan.units.append((i + 1, f"P{i + 1:03d}", f"HMP {town}", "prison"))
    for j in range(regions):
        region = REGIONS[j % len(REGIONS)] + ("" if j < len(REGIONS) else f" {j // len(REGIONS) + 1}")
        plan.units.append((prisons + j + 1, f"R{j + 1:02d}", f"Probation: {region}", "probation_region"))
    for unit_id, code, name, kind in plan.units:
        yield (unit_id, code, name, kind, created)


def _assign_subject_units(plan: Plan) -> None:
    """Three in four people are in a prison, the rest under probation; decided first, as users follow."""
    rng = plan.rng("subject-units")
    prisons = [u[0] for u in plan.units if u[3] == "prison"]
    regions = [u[0] for u in plan.units if u[3] == "probation_region"]
    plan.subject_unit = [rng.choice(prisons) if rng.random() < 0.75 else rng.choice(regions)
                         for _ in range(plan.size)]


def user_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    from argon2 import PasswordHasher, Type

    from config import Config

    _assign_subject_units(plan)
    rng = plan.rng("users")
    password_hash = PasswordHasher(time_cost=Config.ARGON2_TIME_COST, memory_cost=Config.ARGON2_MEMORY_COST,
                                   parallelism=Config.ARGON2_PARALLELISM, type=Type.ID).hash(BENCH_PASSWORD)
    per_unit: dict[int, int] = {}
    for unit_id in plan.subject_unit:
        per_unit[unit_id] = per_unit.get(unit_id, 0) + 1
    created = plan.now - timedelta(days=1500)
    next_id = 1

    def user(username: str, role: str, unit_id: int | None, totp: bool) -> Sequence[Any]:
        nonlocal next_id
        uid = next_id
        next_id += 1
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        plan.users.append((uid, username, name, role, unit_id))
        plan.user_role[uid] = (username, role)
        secret = "".join(rng.choice(B32) for _ in range(32)) if totp else None
        last_login = ts(plan.now - timedelta(hours=rng.randrange(1, 200)))
        return (uid, username, name, role, password_hash, 1, 0, 0, None, last_login, ts(created), secret, None,
                ts(created) if totp else None, ts(created), 1)

    yield user("admin1", "admin", None, True)
    yield user("admin2", "admin", None, True)
    for unit_id, code, _name, kind in plan.units:
        role = "assessor" if kind == "prison" else "probation_officer"
        workers = max(1, math.ceil(per_unit.get(unit_id, 0) / CASELOAD))
        for k in range(workers):
            row = user(f"{code.lower()}.cw{k + 1:02d}", role, unit_id, False)
            plan.case_workers.setdefault(unit_id, []).append(row[0])
            yield row
        for k in range(2):
            row = user(f"{code.lower()}.sup{k + 1}", "supervisor", unit_id, True)
            plan.supervisors.setdefault(unit_id, []).append(row[0])
            yield row


def user_unit_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    for uid, _username, _name, _role, unit_id in plan.users:
        if unit_id is not None:
            yield (uid, unit_id)


def accreditation_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    valid_until = day((plan.now + timedelta(days=365)).date())
    granted = ts(plan.now - timedelta(days=300))
    n = 0
    for uid, _username, _name, role, unit_id in plan.users:
        if role in ("assessor", "probation_officer", "supervisor"):
            n += 1
            granted_by = plan.supervisors[unit_id][0] if unit_id in plan.supervisors and role != "supervisor" else None
            yield (n, uid, ASSESSMENT[0], valid_until, granted_by, granted, None)


def subject_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    rng = plan.rng("subjects")
    unit_kind = {u[0]: u[3] for u in plan.units}
    today = plan.now.date()
    for i in range(plan.size):
        sid = i + 1
        unit_id = plan.subject_unit[i]
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        letters = i // 10_000
        reference = f"{B32[letters % 26]}{i % 10_000:04d}{B32[(letters // 26) % 26]}{B32[letters // 676 % 26]}"
        owners = plan.case_workers.get(unit_id, [])
        owner = rng.choice(owners) if owners and rng.random() < 0.93 else 0
        plan.subject_owner.append(owner)
        created = between(rng, plan.now - timedelta(days=1800), plan.now - timedelta(days=30))
        plan.subject_created.append(created)
        if unit_kind[unit_id] == "prison":
            status = "remand" if rng.random() < 0.2 else "sentenced"
        else:
            status = rng.choices(("community_sentence", "released_on_licence", "ended"), (50, 45, 5))[0]
        sentence = None if status == "remand" else day(created.date() - timedelta(days=rng.randrange(1, 400)))
        release = day(today + timedelta(days=rng.randrange(30, 3000))) if status == "sentenced" else None
        review = None if rng.random() < 0.05 else day(today + timedelta(days=rng.randrange(-60, 240)))
        needed = ts(plan.now - timedelta(days=rng.randrange(1, 60))) if rng.random() < 0.03 else None
        dob = day(date(1950, 1, 1) + timedelta(days=rng.randrange(20_000)))
        yield (sid, reference, given, family, f"{given} {family}".casefold(), dob, unit_id, status,
               rng.choice(OFFENCES), sentence, release, owner or None, review, needed, None, ts(created),
               ts(created + timedelta(days=rng.randrange(0, 30))), 1)


def subject_alert_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    rng = plan.rng("alerts")
    n = 0
    for sid in range(1, plan.size + 1):
        if rng.random() < 0.25:
            for code in sorted(rng.sample(ALERTS, rng.choice((1, 1, 2)))):
                n += 1
                yield (n, sid, code)


def movement_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    rng = plan.rng("movements")
    prisons = [u[0] for u in plan.units if u[3] == "prison"]
    n = 0
    for i in range(plan.size):
        if rng.random() < 0.3:
            n += 1
            to_unit = plan.subject_unit[i]
            from_unit = rng.choice([p for p in prisons[:8] if p != to_unit] or prisons)
            moved = plan.subject_created[i] + timedelta(days=rng.randrange(1, 25))
            by = plan.supervisors.get(to_unit, [None])[0]
            yield (n, i + 1, from_unit, to_unit, "sentenced", "sentenced", day(moved.date()), rng.choice(MOVE_REASONS),
                   by, ts(moved))


def allocation_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    rng = plan.rng("allocations")
    n = 0
    for i, owner in enumerate(plan.subject_owner):
        if owner:
            n += 1
            by = plan.supervisors.get(plan.subject_unit[i], [None])[0]
            when = plan.subject_created[i] + timedelta(hours=rng.randrange(1, 200))
            yield (n, i + 1, owner, None, by, ts(when), "Allocated on reception")


def _author(plan: Plan, i: int, rng: random.Random) -> int:
    owner = plan.subject_owner[i]
    return owner or rng.choice(plan.case_workers.get(plan.subject_unit[i]) or [plan.users[-1][0]])


def screening_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    rng = plan.rng("screenings")
    for i in range(plan.size):
        when = plan.subject_created[i] + timedelta(days=rng.randrange(0, 5))
        outcome = "refer_for_assessment" if rng.random() < 0.3 else "no_concern"
        rationale = ("Observed behaviour and the index offence warrant a full assessment." if outcome != "no_concern"
                     else "Nothing observed at reception suggests a need for a full assessment.")
        yield (i + 1, i + 1, SCREENING[0], SCREENING[1], _author(plan, i, rng), day(when.date()), "Reception",
               outcome, rationale, ts(when))


def screening_response_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    rng = plan.rng("screening-responses")
    n = 0
    for screening_id in range(1, plan.size + 1):
        for code, options in plan.screening_items:
            n += 1
            value = options[0] if rng.random() < 0.8 else rng.choice(options)
            yield (n, screening_id, code, value, "")


STATUS_NAMES = ("draft", "submitted", "approved", "superseded")


def assessment_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    """About ten per person: a chain of approved versions, each superseded by the next; the newest is
    approved, or a submitted or draft amendment of the one before."""
    rng = plan.rng("assessments")
    judgements = ("low_concern", "moderate_concern", "high_concern")
    next_id = 1
    for i in range(plan.size):
        count = rng.randint(5, 15)
        first = next_id
        plan.assessment_first.append(first)
        plan.assessment_count.append(count)
        start = plan.subject_created[i] + timedelta(days=7)
        step = (plan.now - timedelta(days=2) - start) / count
        unit_sups = plan.supervisors.get(plan.subject_unit[i]) or [1]
        last_kind = rng.choices((2, 1, 0), (80, 10, 10))[0]
        latest_approved = 0
        for k in range(count):
            aid = first + k
            status = 3 if k < count - 1 else last_kind
            if status == 3 and k == count - 2 and last_kind != 2:
                status = 2  # the version the open amendment replaces stays approved until that is approved
            plan.assessment_status.append(status)
            if status == 2:
                latest_approved = aid
            created = start + step * k
            submitted = created + timedelta(days=3) if status >= 1 else None
            approved = created + timedelta(days=5) if status >= 2 else None
            review_due = day((approved + timedelta(days=180)).date()) if approved else None
            supersedes = aid - 1 if k else None
            superseded_by = aid + 1 if status == 3 else None
            shared = rng.random() < 0.6 and approved is not None
            yield (aid, i + 1, ASSESSMENT[0], ASSESSMENT[1], _author(plan, i, rng), STATUS_NAMES[status],
                   rng.choice(judgements) if status else "", rng.choice(RATIONALES) if status else "",
                   "He says the assessment is fair about his past but not about who he is now." if status else "",
                   1 if shared else 0, day(approved.date()) if shared and approved else None, review_due,
                   supersedes, superseded_by, "", None, None, ts(submitted) if submitted else None,
                   ts(approved) if approved else None, rng.choice(unit_sups) if approved else None,
                   ts(created), ts(approved or submitted or created), 1)
        plan.assessment_latest_approved.append(latest_approved)
        next_id += count


def rating_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    rng = plan.rng("ratings")
    n = 0
    weights = (40, 25, 15, 20)
    items = plan.assessment_items
    for index, status in enumerate(plan.assessment_status):
        aid = index + 1
        rated = items if status else items[: rng.randrange(len(items))]  # a draft is part-way through
        for code, options in rated:
            n += 1
            value = rng.choices(options, weights[: len(options)])[0]
            yield (n, aid, code, value, rng.choice(EVIDENCE))


def intervention_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    rng = plan.rng("interventions")
    statuses = ("completed", "active", "withdrawn", "referred", "accepted")
    next_id = 1
    for i in range(plan.size):
        count = rng.choice((1, 2, 2, 3, 3, 4))
        plan.intervention_first.append(next_id)
        plan.intervention_count.append(count)
        owner = _author(plan, i, rng)
        for _ in range(count):
            status = rng.choices(statuses, (40, 35, 10, 10, 5))[0]
            earliest = plan.subject_created[i] + timedelta(days=10)
            if status == "active":  # under way: referred within the last year, sessions up to last week
                referred = between(rng, max(earliest, plan.now - timedelta(days=330)), plan.now - timedelta(days=45))
            else:
                referred = between(rng, earliest, max(earliest, plan.now - timedelta(days=400)))
            started = referred + timedelta(days=14) if status in ("completed", "active", "withdrawn") else None
            accepted = referred + timedelta(days=7) if status != "referred" else None
            ended = started + timedelta(days=300) if status in ("completed", "withdrawn") and started else None
            sessions = rng.randint(10, 44) if status in ("completed", "active") else 0
            plan.intervention_sessions.append(sessions)
            first_session = (started or referred) + timedelta(days=2)
            plan.intervention_span.append((first_session, min(ended or plan.now, plan.now) - timedelta(days=2)))
            latest = plan.assessment_latest_approved[i] or None
            yield (next_id, i + 1, rng.choice(INTERVENTION_TYPES), rng.choice(PROVIDERS), owner, status, latest,
                   day(referred.date()), day(accepted.date()) if accepted else None,
                   day(started.date()) if started else None, day(ended.date()) if ended else None,
                   ts(accepted) if accepted else None, ts(started) if started else None,
                   ts(ended) if ended else None,
                   "Moved to another prison before it ended" if status == "withdrawn" else "",
                   "Completed all sessions and met two of three goals." if status == "completed" else "",
                   owner, ts(referred), 1)
            next_id += 1


def goal_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    rng = plan.rng("goals")
    n = 0
    for index in range(len(plan.intervention_sessions)):
        for position in (1, 2):
            n += 1
            yield (n, index + 1, position, rng.choice(GOALS), None)


def factor_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    rng = plan.rng("factors")
    codes = [code for code, _options in plan.assessment_items]
    n = 0
    for index in range(len(plan.intervention_sessions)):
        for code in sorted(rng.sample(codes, 2)):
            n += 1
            yield (n, index + 1, code)


def session_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    rng = plan.rng("sessions")
    attendance = ("attended", "late", "missed_acceptable", "missed_unacceptable", "cancelled_by_provider")
    n = 0
    for i in range(plan.size):
        plan.session_first.append(n + 1)
        first, count = plan.intervention_first[i], plan.intervention_count[i]
        owner = _author(plan, i, rng)
        for iid in range(first, first + count):
            sessions = plan.intervention_sessions[iid - 1]
            begin, end = plan.intervention_span[iid - 1]
            step = (end - begin) / max(1, sessions)
            for k in range(sessions):  # evenly spread over the intervention, none in the future
                n += 1
                held = begin + step * k + timedelta(hours=rng.randrange(0, 24))
                present = rng.choices(attendance, (75, 8, 8, 6, 3))[0]
                engagement = rng.randint(1, 5) if present in ("attended", "late") else None
                yield (n, iid, day(held.date()), present, engagement, rng.choice(SESSION_NOTES), rng.choice(NEXT_STEPS),
                       owner, ts(held + timedelta(hours=rng.randrange(1, 30))))
        plan.session_count.append(n + 1 - plan.session_first[i])


def observation_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    rng = plan.rng("observations")
    n = 0
    for i in range(plan.size):
        plan.observation_first.append(n + 1)
        for _ in range(2):
            n += 1
            category, source, text = rng.choice(OBSERVATIONS)
            when = between(rng, plan.subject_created[i], plan.now - timedelta(days=1))
            yield (n, i + 1, day(when.date()), category, source, text, _author(plan, i, rng), ts(when))
        plan.observation_count.append(2)


# --- the audit trail -----------------------------------------------------------------------------------

# What case work writes to the trail, and how often (weights per 1,000 events).
EVENT_MIX = (
    ("view", "subject", 300), ("create", "intervention_session", 280), ("view", "assessment", 70),
    ("view", "intervention", 50), ("create", "assessment", 30), ("update", "assessment", 40),
    ("submit", "assessment", 30), ("approve", "assessment", 30), ("update", "subject", 30),
    ("create", "observation", 20), ("search", "subject", 20), ("login", "user", 70), ("logout", "user", 30),
)


def audit_rows(plan: Plan) -> Iterator[Sequence[Any]]:
    """EVENTS_PER_SUBJECT events per person over the last two years, in time order, hash-chained."""
    from app.audit.models import GENESIS_HASH
    from app.audit.trail import canonical_json

    rng = plan.rng("audit")
    total = plan.size * EVENTS_PER_SUBJECT
    kinds = [(a, o) for a, o, _w in EVENT_MIX]
    weights = [w for _a, _o, w in EVENT_MIX]
    start = plan.now - timedelta(days=730)
    span_us = int(timedelta(days=729).total_seconds() * 1_000_000)
    case_users = [u for u in plan.users if u[3] != "admin"]
    prev = GENESIS_HASH
    batch = 4096
    choices: list[tuple[str, str]] = []
    for n in range(1, total + 1):
        if not choices:
            choices = rng.choices(kinds, weights, k=batch)
        action, object_type = choices.pop()
        occurred = start + timedelta(microseconds=(n * span_us) // total)
        subject_id: int | None = None
        details: dict[str, Any] = {}
        if object_type == "user":
            uid, username, _name, role, _unit = rng.choice(case_users)
            object_id: str | None = str(uid)
        else:
            i = rng.randrange(plan.size)
            subject_id = i + 1
            unit = plan.subject_unit[i]
            if (action in ("approve", "update") and object_type == "assessment") or rng.random() < 0.1:
                uid = rng.choice(plan.supervisors.get(unit) or [1])
            else:
                uid = _author(plan, i, rng)
            username, role = plan.user_role[uid]
            if object_type == "subject":
                object_id = str(subject_id)
                if action == "update":
                    details = {"changes": {"next_review_due": [None, day(occurred.date() + timedelta(days=90))]}}
                elif action == "search":
                    object_id, subject_id = None, None
                    details = {"query": rng.choice(FAMILY).lower()[:4], "results": rng.randrange(1, 26)}
            elif object_type == "assessment":
                object_id = str(plan.assessment_first[i] + rng.randrange(plan.assessment_count[i]))
                if action == "create":
                    details = {"instrument": f"{ASSESSMENT[0]} {ASSESSMENT[1]}"}
                elif action == "update":
                    details = {"changes": {"rating:EN1": ["not_known", "partly_present"]}}
                elif action == "approve":
                    details = {"overall_judgement": rng.choice(("low_concern", "moderate_concern"))}
            elif object_type == "intervention":
                object_id = str(plan.intervention_first[i] + rng.randrange(plan.intervention_count[i]))
            elif object_type == "intervention_session":
                count = plan.session_count[i]
                if count:
                    object_id = str(plan.session_first[i] + rng.randrange(count))
                    details = {"attendance": "attended"}
                else:
                    object_type, action, object_id = "subject", "view", str(subject_id)
            else:  # observation
                object_id = str(plan.observation_first[i] + rng.randrange(plan.observation_count[i]))
        request_id = f"{rng.getrandbits(128):032x}"
        ip = f"10.{uid // 65536 % 256}.{uid // 256 % 256}.{uid % 256}"
        fields = {"id": n, "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor_id": uid,
                  "actor_username": username, "actor_role": role, "action": action, "object_type": object_type,
                  "object_id": object_id, "subject_id": subject_id, "details": details, "request_id": request_id,
                  "ip": ip}
        digest = hashlib.sha256(prev.encode("ascii") + canonical_json(fields)).hexdigest()
        yield (n, ts(occurred), uid, username, role, action, object_type, object_id, subject_id,
               json.dumps(details, separators=(",", ":")), request_id, ip, prev, digest)
        prev = digest


def _avg(plan: Plan, per_subject: float) -> int:
    return int(plan.size * per_subject)


TABLES = (
    Table("units", ("id", "code", "name", "kind", "created_at"), unit_rows,
          lambda p: max(2, round(p.size / SUBJECTS_PER_PRISON)) + max(1, round(p.size / SUBJECTS_PER_REGION))),
    Table("users", ("id", "username", "display_name", "role", "password_hash", "is_active", "must_change_password",
                    "failed_login_count", "locked_until", "last_login_at", "password_changed_at", "totp_secret",
                    "totp_last_step", "totp_enrolled_at", "created_at", "version"), user_rows,
          lambda p: p.size // CASELOAD + 300),
    Table("user_units", ("user_id", "unit_id"), user_unit_rows, lambda p: len(p.users)),
    Table("accreditations", ("id", "user_id", "instrument_id", "valid_until", "granted_by_id", "granted_at",
                             "revoked_at"), accreditation_rows, lambda p: len(p.users)),
    Table("subjects", ("id", "reference", "given_name", "family_name", "name_search", "date_of_birth", "unit_id",
                       "status", "index_offence_category", "sentence_date", "release_date", "case_owner_id",
                       "next_review_due", "assessment_needed_since", "erased_at", "created_at", "updated_at",
                       "version"), subject_rows, lambda p: p.size),
    Table("subject_alerts", ("id", "subject_id", "code"), subject_alert_rows, lambda p: _avg(p, 0.33)),
    Table("movements", ("id", "subject_id", "from_unit_id", "to_unit_id", "from_status", "to_status", "moved_on",
                        "reason", "recorded_by_id", "recorded_at"), movement_rows, lambda p: _avg(p, 0.3)),
    Table("allocations", ("id", "subject_id", "owner_id", "previous_owner_id", "allocated_by_id", "allocated_at",
                          "note"), allocation_rows, lambda p: _avg(p, 0.93)),
    Table("screenings", ("id", "subject_id", "instrument_id", "instrument_version", "author_id", "screened_on",
                         "occasion", "outcome", "rationale", "created_at"), screening_rows, lambda p: p.size),
    Table("screening_responses", ("id", "screening_id", "item_code", "value", "note"), screening_response_rows,
          lambda p: p.size * len(p.screening_items)),
    Table("assessments", ("id", "subject_id", "instrument_id", "instrument_version", "author_id", "status",
                          "overall_judgement", "rationale", "person_view", "shared_with_person", "shared_on",
                          "review_due", "supersedes_id", "superseded_by_id", "return_comment", "returned_by_id",
                          "returned_at", "submitted_at", "approved_at", "approved_by_id", "created_at",
                          "updated_at", "version"), assessment_rows, lambda p: p.size * 10),
    Table("assessment_ratings", ("id", "assessment_id", "item_code", "rating", "evidence"), rating_rows,
          lambda p: int(len(p.assessment_status) * len(p.assessment_items) * 0.99)),
    Table("interventions", ("id", "subject_id", "type", "provider", "owner_id", "status", "assessment_id",
                            "referred_on", "accepted_on", "started_on", "ended_on", "accepted_at", "started_at",
                            "ended_at", "end_reason", "outcome_summary", "created_by_id", "created_at", "version"),
          intervention_rows, lambda p: _avg(p, 2.5)),
    Table("intervention_goals", ("id", "intervention_id", "position", "text", "outcome"), goal_rows,
          lambda p: 2 * len(p.intervention_sessions)),
    Table("intervention_factors", ("id", "intervention_id", "item_code"), factor_rows,
          lambda p: 2 * len(p.intervention_sessions)),
    Table("intervention_sessions", ("id", "intervention_id", "held_on", "attendance", "engagement", "notes",
                                    "next_steps", "recorded_by_id", "recorded_at"), session_rows,
          lambda p: sum(p.intervention_sessions)),
    Table("observations", ("id", "subject_id", "observed_on", "category", "source", "text", "recorded_by_id",
                           "recorded_at"), observation_rows, lambda p: 2 * p.size),
    Table("audit_events", ("id", "occurred_at", "actor_id", "actor_username", "actor_role", "action", "object_type",
                           "object_id", "subject_id", "details", "request_id", "ip", "prev_hash", "hash"), audit_rows,
          lambda p: p.size * EVENTS_PER_SUBJECT),
)


# --- loading -------------------------------------------------------------------------------------------


class Loader:
    """Bulk loading with the secondary indexes off and foreign keys and triggers not checked."""

    def prepare(self) -> None: ...
    def load(self, table: Table, rows: Iterable[Sequence[Any]]) -> int: ...
    def finish(self) -> None: ...
    def close(self) -> None: ...


class PostgresLoader(Loader):
    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        self.conn.execute("SET TIME ZONE 'UTC'")
        self.conn.execute("SET maintenance_work_mem = '1GB'")
        self.saved: list[str] = []

    def prepare(self) -> None:
        # Unique constraints (other than primary keys) and plain indexes: dropped now, made again at the end.
        constraints = self.conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'u' AND connamespace = 'public'::regnamespace").fetchall()
        indexes = self.conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace)").fetchall()
        for name, definition in indexes:
            self.conn.execute(f'DROP INDEX "{name}"')
            self.saved.append(definition)
        for table, name, definition in constraints:
            self.conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            self.saved.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        # Foreign keys and triggers do not fire for a replication role; the generator keeps the references.
        self.conn.execute("SET session_replication_role = replica")

    def load(self, table: Table, rows: Iterable[Sequence[Any]]) -> int:
        count = 0
        statement = f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN"
        with self.conn.transaction(), self.conn.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def finish(self) -> None:
        self.conn.execute("SET session_replication_role = DEFAULT")
        for statement in tqdm(self.saved, desc="indexes", unit="index", leave=False):
            self.conn.execute(statement)
        for (table,) in self.conn.execute(
                "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND column_name = 'id' AND column_default LIKE 'nextval%'").fetchall():
            self.conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - catalog names
                              f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)")
        self.conn.execute("VACUUM ANALYZE")

    def close(self) -> None:
        self.conn.close()


class SqliteLoader(Loader):
    def __init__(self, url: str) -> None:
        import sqlite3

        path = url.split("///", 1)[1]
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA cache_size = -1000000")
        self.saved: list[str] = []

    def prepare(self) -> None:
        for kind, name, sql in self.conn.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
                " ORDER BY type").fetchall():
            self.conn.execute(f'DROP {kind.upper()} "{name}"')
            self.saved.append(sql)

    def load(self, table: Table, rows: Iterable[Sequence[Any]]) -> int:
        marks = ", ".join("?" * len(table.columns))
        sql = f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({marks})"  # noqa: S608 - TABLES
        count = 0
        self.conn.execute("BEGIN")
        chunk: list[Sequence[Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == 20_000:
                self.conn.executemany(sql, chunk)
                count += len(chunk)
                chunk.clear()
        self.conn.executemany(sql, chunk)
        count += len(chunk)
        self.conn.execute("COMMIT")
        return count

    def finish(self) -> None:
        for statement in tqdm(self.saved, desc="indexes", unit="index", leave=False):
            self.conn.execute(statement)
        problems = self.conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise SystemExit(f"generated rows break foreign keys: {problems[:5]}")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("ANALYZE")

    def close(self) -> None:
        self.conn.close()


# --- the run -------------------------------------------------------------------------------------------


def _app(url: str) -> Any:
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url})


def _empty_database(url: str, replace: bool) -> None:
    """Refuse a database that holds data, unless asked to empty it."""
    from sqlalchemy import create_engine, inspect, text

    from app.db import normalise_url

    if url.startswith("sqlite:///"):
        path = Path(url.split("///", 1)[1])
        if path.exists() and path.stat().st_size and not replace:
            raise SystemExit(f"{path} exists: give --replace to generate over it")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    _create_database(url)
    engine = create_engine(normalise_url(url))
    try:
        with engine.begin() as conn:
            if inspect(conn).get_table_names() and not replace:
                raise SystemExit("the database has tables: give --replace to drop everything in it first")
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _create_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` when the server does not have it yet."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    server = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')


def _migrate(url: str) -> None:
    from alembic import command

    from app.main.cli import alembic_config

    app = _app(url)
    with app.app_context():
        command.upgrade(alembic_config(), "head")


def _register_instruments(url: str) -> None:
    from app.assessments import catalogue
    from app.db import db

    app = _app(url)
    with app.app_context():
        for key in (SCREENING, ASSESSMENT):
            catalogue.register(db.session, catalogue.get(*key))
        db.session.commit()


def generate(url: str, size: str | int, *, seed: int = 20261125, replace: bool = False,
             now: datetime | None = None, quiet: bool = False) -> dict[str, int]:
    """Fill the database at `url` (SQLAlchemy URL) with `size` subjects' worth of data; return row counts."""
    subjects = SIZES[size] if isinstance(size, str) else int(size)
    plan = Plan(subjects, seed, (now or datetime.now(UTC)).replace(microsecond=0))
    load_instruments(plan)
    _empty_database(url, replace)
    _migrate(url)
    loader: Loader = PostgresLoader(url) if url.startswith("postgresql") else SqliteLoader(url)
    counts: dict[str, int] = {}
    started = time.monotonic()
    try:
        loader.prepare()
        for table in TABLES:
            with tqdm(total=table.estimate(plan), desc=f"{table.name:<22}", unit=" rows", unit_scale=True,
                      disable=quiet, mininterval=0.5, smoothing=0.1) as bar:
                def counted(rows: Iterator[Sequence[Any]], bar: tqdm[Any] = bar) -> Iterator[Sequence[Any]]:
                    pending = 0
                    for row in rows:
                        yield row
                        pending += 1
                        if pending == 10_000:
                            bar.update(pending)
                            pending = 0
                    bar.update(pending)

                counts[table.name] = loader.load(table, counted(table.rows(plan)))
        if not quiet:
            print(f"rows loaded in {time.monotonic() - started:.0f} s; building indexes", file=sys.stderr)
        loader.finish()
    finally:
        loader.close()
    _register_instruments(url)
    if not quiet:
        print(f"done in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="small", help=f"one of {', '.join(SIZES)}, or a number of subjects")
    parser.add_argument("--database-url", required=True, help="sqlite:///PATH or postgresql://USER@HOST:PORT/DB")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--replace", action="store_true", help="empty the database first (drops everything)")
    args = parser.parse_args(argv)
    size: str | int = args.size if args.size in SIZES else int(args.size)
    counts = generate(args.database_url, size, seed=args.seed, replace=args.replace)
    width = max(map(len, counts))
    for name, count in counts.items():
        print(f"{name:<{width}}  {count:>12,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
