"""Connections (DESIGN §10): organised-crime, extremist and hybrid groups and the links between them; a person's
affiliations with groups, links between people, criminal skills of concern, the targets of recruitment
attempts seen on the wing, and the supervisor's confirmations of moves that meet a keep-apart.

Links about people are ended, never deleted (except by erasure): `ended_at` with a reason, the row kept as
history. Each carries an intelligence grading in the 3×5×2 convention (source evaluation, intelligence
assessment, handling code)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel.speaklater import LazyString
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import Base, UTCDateTime, enum_check, utcnow
from app.i18n import lazy_gettext as _l
from app.interventions.models import Observation
from app.subjects.models import Subject


class GroupKind(StrEnum):
    ORGANISED_CRIME = "organised_crime"
    VIOLENT_EXTREMIST = "violent_extremist"
    HYBRID = "hybrid"

    @property
    def label(self) -> str:
        return str(_GROUP_KINDS[self.value])


class NexusLevel(StrEnum):
    """The three levels at which organised crime and terrorist groups interact."""

    COEXISTENCE = "coexistence"
    COOPERATION = "cooperation"
    CONVERGENCE = "convergence"

    @property
    def label(self) -> str:
        return str(_NEXUS_LEVELS[self.value])


class CooperationForm(StrEnum):
    FINANCIAL = "financial"
    OPERATIONAL = "operational"
    ORGANISATIONAL = "organisational"
    KNOW_HOW = "know_how"

    @property
    def label(self) -> str:
        return str(_COOPERATION_FORMS[self.value])


class AffiliationRole(StrEnum):
    MEMBER = "member"
    ASSOCIATE = "associate"
    LEADER = "leader"
    FORMER_MEMBER = "former_member"
    SUSPECTED = "suspected"

    @property
    def label(self) -> str:
        return str(_AFFILIATION_ROLES[self.value])


class LinkKind(StrEnum):
    ASSOCIATE = "associate"
    FAMILY = "family"
    CO_DEFENDANT = "co_defendant"
    RECRUITER = "recruiter"  # the link's subject recruits or tried to recruit its other person
    KEEP_APART = "keep_apart"

    @property
    def label(self) -> str:
        return str(_LINK_KINDS[self.value])


class LinkStatus(StrEnum):
    PENDING = "pending"  # to a person out of its author's scope: waits for a supervisor of their unit
    ACTIVE = "active"
    REFUSED = "refused"  # that supervisor refused it (with a reason)
    ENDED = "ended"

    @property
    def label(self) -> str:
        return str(_LINK_STATUSES[self.value])


class KeepApartLevel(StrEnum):
    """How far apart two people must be kept, narrowest first: a level also forbids every narrower one."""

    CELL = "cell"
    LANDING = "landing"
    WING = "wing"
    ESTABLISHMENT = "establishment"

    @property
    def label(self) -> str:
        return str(_KEEP_APART_LEVELS[self.value])


class SourceGrade(StrEnum):
    """3×5×2: evaluation of the source."""

    RELIABLE = "1"
    UNTESTED = "2"
    NOT_RELIABLE = "3"

    @property
    def label(self) -> str:
        return str(_SOURCE_GRADES[self.value])


class IntelligenceGrade(StrEnum):
    """3×5×2: assessment of the information."""

    KNOWN_TRUE = "A"
    KNOWN_TO_SOURCE = "B"
    CORROBORATED = "C"
    CANNOT_JUDGE = "D"
    SUSPECTED_FALSE = "E"

    @property
    def label(self) -> str:
        return str(_INTELLIGENCE_GRADES[self.value])


class HandlingCode(StrEnum):
    """3×5×2: whether the information may be shared."""

    PERMITTED = "P"
    CONDITIONS = "C"

    @property
    def label(self) -> str:
        return str(_HANDLING_CODES[self.value])


class Skill(StrEnum):
    FIREARMS = "firearms"
    EXPLOSIVES = "explosives"
    FORGERY = "document_forgery"
    SMUGGLING = "smuggling_logistics"
    MONEY_LAUNDERING = "money_laundering"
    CYBER = "cyber"
    DRUG_SUPPLY = "drug_supply"
    EXTORTION = "extortion"
    KIDNAPPING = "kidnapping"

    @property
    def label(self) -> str:
        return str(_SKILLS[self.value])


# What each code reads as, in the user's language (the codes are what is stored, audited and exported).
_GROUP_KINDS = {"organised_crime": _l("Organised-crime group"), "violent_extremist": _l("Violent extremist group"),
                "hybrid": _l("Hybrid group")}
_NEXUS_LEVELS = {"coexistence": _l("Coexistence"), "cooperation": _l("Cooperation"),
                 "convergence": _l("Convergence")}
_COOPERATION_FORMS = {"financial": _l("Financial or transactional"), "operational": _l("Operational"),
                      "organisational": _l("Organisational"),
                      "know_how": _l("Transfer of know-how or technology")}
_AFFILIATION_ROLES = {"member": _l("Member"), "associate": _l("Associate"), "leader": _l("Leader"),
                      "former_member": _l("Former member"), "suspected": _l("Suspected")}
_LINK_KINDS = {"associate": _l("Associate"), "family": _l("Family"), "co_defendant": _l("Co-defendant"),
               "recruiter": _l("Recruiter → target"), "keep_apart": _l("Keep apart")}
_LINK_STATUSES = {"pending": _l("Awaiting confirmation"), "active": _l("Current"), "refused": _l("Refused"),
                  "ended": _l("Ended")}
_KEEP_APART_LEVELS = {"cell": _l("Not in the same cell"), "landing": _l("Not on the same landing"),
                      "wing": _l("Not on the same wing"), "establishment": _l("Not in the same establishment")}
_SOURCE_GRADES = {"1": _l("1 — Reliable"), "2": _l("2 — Untested"), "3": _l("3 — Not reliable")}
_INTELLIGENCE_GRADES = {"A": _l("A — Known to be true without reservation"),
                        "B": _l("B — Known personally to the source but not to the officer"),
                        "C": _l("C — Not known personally to the source, but corroborated"),
                        "D": _l("D — Cannot be judged"),
                        "E": _l("E — Suspected to be false or malicious")}
_HANDLING_CODES = {"P": _l("P — Lawful sharing permitted"),
                   "C": _l("C — Lawful sharing permitted subject to conditions")}
_SKILLS = {"firearms": _l("Firearms"), "explosives": _l("Explosives"), "document_forgery": _l("Document forgery"),
           "smuggling_logistics": _l("Smuggling and logistics"), "money_laundering": _l("Money laundering"),
           "cyber": _l("Cyber"), "drug_supply": _l("Drug supply"),
           "extortion": _l("Extortion or illicit taxation"), "kidnapping": _l("Kidnapping")}


_LABELS_BY_ENUM: dict[type[StrEnum], dict[str, LazyString]] = {
    GroupKind: _GROUP_KINDS, NexusLevel: _NEXUS_LEVELS, CooperationForm: _COOPERATION_FORMS,
    AffiliationRole: _AFFILIATION_ROLES, LinkKind: _LINK_KINDS, LinkStatus: _LINK_STATUSES,
    KeepApartLevel: _KEEP_APART_LEVELS, SourceGrade: _SOURCE_GRADES, IntelligenceGrade: _INTELLIGENCE_GRADES,
    HandlingCode: _HANDLING_CODES, Skill: _SKILLS}


def lazy_label(member: StrEnum) -> LazyString:
    """A code's label still to be translated (for what is built at import, like a form's choices): it reads in
    the language of the request that shows it."""
    return _LABELS_BY_ENUM[type(member)][member.value]


def _grading_checks() -> tuple[CheckConstraint, ...]:
    return (enum_check("source_grade", SourceGrade, "source_grade"),
            enum_check("intelligence_grade", IntelligenceGrade, "intelligence_grade"),
            enum_check("handling_code", HandlingCode, "handling_code"))


class Graded:
    """Evidence, source, dates and a 3×5×2 grading: what every piece of intelligence about a person carries."""

    evidence: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    learnt_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date)
    source_grade: Mapped[str] = mapped_column(String(1))
    intelligence_grade: Mapped[str] = mapped_column(String(1))
    handling_code: Mapped[str] = mapped_column(String(1))

    @property
    def grading(self) -> str:
        """The grading as intelligence staff write it: "2/B/P"."""
        return f"{self.source_grade}/{self.intelligence_grade}/{self.handling_code}"


class Group(Base):
    __tablename__ = "nexus_groups"
    __table_args__ = (
        enum_check("kind", GroupKind, "kind"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    aliases: Mapped[str] = mapped_column(Text, default="")  # one per line
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    created_by: Mapped[User] = relationship()

    @property
    def kind_label(self) -> str:
        return GroupKind(self.kind).label

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.splitlines() if a.strip()]


class GroupLink(Base):
    """Two groups' interplay at one of the three levels; cooperation names its form."""

    __tablename__ = "group_links"
    __table_args__ = (
        enum_check("level", NexusLevel, "level"),
        enum_check("cooperation_form", CooperationForm, "cooperation_form", or_null=True),
        CheckConstraint("(level = 'cooperation') = (cooperation_form IS NOT NULL)", name="form_iff_cooperation"),
        CheckConstraint("group_id <> other_group_id", name="not_to_itself"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_group_links_group_id", "group_id"),
        Index("ix_group_links_other_group_id", "other_group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("nexus_groups.id", ondelete="RESTRICT"))
    other_group_id: Mapped[int] = mapped_column(ForeignKey("nexus_groups.id", ondelete="RESTRICT"))
    level: Mapped[str] = mapped_column(String(16))
    cooperation_form: Mapped[str | None] = mapped_column(String(16))
    since: Mapped[date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    group: Mapped[Group] = relationship(foreign_keys=[group_id])
    other_group: Mapped[Group] = relationship(foreign_keys=[other_group_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    @property
    def level_label(self) -> str:
        return NexusLevel(self.level).label

    @property
    def form_label(self) -> str:
        return CooperationForm(self.cooperation_form).label if self.cooperation_form else ""


class Affiliation(Graded, Base):
    """A person's tie to a group."""

    __tablename__ = "affiliations"
    __table_args__ = (
        enum_check("role", AffiliationRole, "role"),
        *_grading_checks(),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_affiliations_subject_id", "subject_id"),
        Index("ix_affiliations_group_id_ended_at", "group_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("nexus_groups.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(String(16))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    subject: Mapped[Subject] = relationship()
    group: Mapped[Group] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    @property
    def role_label(self) -> str:
        return AffiliationRole(self.role).label


class PersonLink(Graded, Base):
    """A link between two people, directed where its kind is (recruiter → target: `subject` recruits `other`).

    A link to a person out of its author's scope is `pending` until a supervisor of that person's unit confirms
    it. A keep-apart link has a level and is in force only once a supervisor has authorised it."""

    __tablename__ = "person_links"
    __table_args__ = (
        enum_check("kind", LinkKind, "kind"),
        enum_check("status", LinkStatus, "status"),
        enum_check("keep_apart_level", KeepApartLevel, "keep_apart_level", or_null=True),
        *_grading_checks(),
        CheckConstraint("(kind = 'keep_apart') = (keep_apart_level IS NOT NULL)", name="level_iff_keep_apart"),
        CheckConstraint("subject_id <> other_id", name="not_to_oneself"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_person_links_subject_id_status", "subject_id", "status"),
        Index("ix_person_links_other_id_status", "other_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8), default=LinkStatus.ACTIVE.value)
    keep_apart_level: Mapped[str | None] = mapped_column(String(16))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A pending link's confirmation (or refusal) by a supervisor of the other person's unit.
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A keep-apart's authorisation by a supervisor; until then it is recorded but not enforced.
    authorised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    authorised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    subject: Mapped[Subject] = relationship(foreign_keys=[subject_id])
    other: Mapped[Subject] = relationship(foreign_keys=[other_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    authorised_by: Mapped[User | None] = relationship(foreign_keys=[authorised_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    @property
    def kind_label(self) -> str:
        return LinkKind(self.kind).label

    @property
    def status_label(self) -> str:
        return LinkStatus(self.status).label

    @property
    def level_label(self) -> str:
        return KeepApartLevel(self.keep_apart_level).label if self.keep_apart_level else ""


class PersonSkill(Base):
    """A criminal skill of concern a person is known or believed to have, with its evidence."""

    __tablename__ = "person_skills"
    __table_args__ = (
        enum_check("skill", Skill, "skill"),
        Index("ix_person_skills_subject_id", "subject_id"),
        Index("ix_person_skills_skill_ended_at", "skill", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    skill: Mapped[str] = mapped_column(String(24))
    evidence: Mapped[str] = mapped_column(Text)
    learnt_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    subject: Mapped[Subject] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    @property
    def skill_label(self) -> str:
        return Skill(self.skill).label


class RecruitmentTarget(Base):
    """A person a recruitment-attempt observation names as targeted (the observation is about the recruiter),
    with the group if known; on the unit's "targeted for recruitment" list until reviewed."""

    __tablename__ = "recruitment_targets"
    __table_args__ = (
        Index("ix_recruitment_targets_target_id_reviewed_at", "target_id", "reviewed_at"),
        Index("ix_recruitment_targets_observation_id", "observation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("nexus_groups.id", ondelete="RESTRICT"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("person_links.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(Text, default="")

    observation: Mapped[Observation] = relationship()
    target: Mapped[Subject] = relationship()
    group: Mapped[Group | None] = relationship()
    reviewed_by: Mapped[User | None] = relationship()


class KeepApartOverride(Base):
    """A supervisor's confirmation that a move goes ahead although it meets a keep-apart, with the reason."""

    __tablename__ = "keep_apart_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("person_links.id", ondelete="SET NULL"), index=True)
    move: Mapped[str] = mapped_column(String(16))  # "location" or "transfer"
    level: Mapped[str] = mapped_column(String(16))  # the level the move meets
    reason: Mapped[str] = mapped_column(Text)
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject: Mapped[Subject] = relationship()
    confirmed_by: Mapped[User] = relationship()
