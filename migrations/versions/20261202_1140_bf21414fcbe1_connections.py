"""Connections: groups and their links, people's affiliations, links and skills, recruitment targets,
keep-apart overrides, and a person's location within their unit (wing, landing, cell).

Revision ID: bf21414fcbe1
Revises: cf23607cc3ef
Create Date: 2026-12-02 11:30:27.816274+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bf21414fcbe1"
down_revision: str | None = "cf23607cc3ef"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nexus_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('organised_crime', 'violent_extremist', 'hybrid')", name=op.f("ck_nexus_groups_kind")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_nexus_groups_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_nexus_groups_created_by_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nexus_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_nexus_groups_name")),
    )
    op.create_table(
        "affiliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=False),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("learnt_on", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("source_grade", sa.String(length=1), nullable=False),
        sa.Column("intelligence_grade", sa.String(length=1), nullable=False),
        sa.Column("handling_code", sa.String(length=1), nullable=False),
        sa.CheckConstraint("handling_code IN ('P', 'C')", name=op.f("ck_affiliations_handling_code")),
        sa.CheckConstraint(
            "intelligence_grade IN ('A', 'B', 'C', 'D', 'E')", name=op.f("ck_affiliations_intelligence_grade")
        ),
        sa.CheckConstraint(
            "role IN ('member', 'associate', 'leader', 'former_member', 'suspected')", name=op.f("ck_affiliations_role")
        ),
        sa.CheckConstraint("source_grade IN ('1', '2', '3')", name=op.f("ck_affiliations_source_grade")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_affiliations_version_positive")),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["users.id"], name=op.f("fk_affiliations_ended_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["nexus_groups.id"], name=op.f("fk_affiliations_group_id_nexus_groups"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_affiliations_recorded_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_affiliations_subject_id_subjects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliations")),
    )
    with op.batch_alter_table("affiliations", schema=None) as batch_op:
        batch_op.create_index("ix_affiliations_group_id_ended_at", ["group_id", "ended_at"], unique=False)
        batch_op.create_index("ix_affiliations_subject_id", ["subject_id"], unique=False)

    op.create_table(
        "group_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("other_group_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("cooperation_form", sa.String(length=16), nullable=True),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=False),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(level = 'cooperation') = (cooperation_form IS NOT NULL)", name=op.f("ck_group_links_form_iff_cooperation")
        ),
        sa.CheckConstraint(
            "cooperation_form IS NULL OR cooperation_form IN ('financial', 'operational', 'organisational', 'know_how')",
            name=op.f("ck_group_links_cooperation_form"),
        ),
        sa.CheckConstraint("level IN ('coexistence', 'cooperation', 'convergence')", name=op.f("ck_group_links_level")),
        sa.CheckConstraint("group_id <> other_group_id", name=op.f("ck_group_links_not_to_itself")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_group_links_version_positive")),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["users.id"], name=op.f("fk_group_links_ended_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["nexus_groups.id"], name=op.f("fk_group_links_group_id_nexus_groups"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["other_group_id"],
            ["nexus_groups.id"],
            name=op.f("fk_group_links_other_group_id_nexus_groups"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_group_links_recorded_by_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_links")),
    )
    with op.batch_alter_table("group_links", schema=None) as batch_op:
        batch_op.create_index("ix_group_links_group_id", ["group_id"], unique=False)
        batch_op.create_index("ix_group_links_other_group_id", ["other_group_id"], unique=False)

    op.create_table(
        "person_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("keep_apart_level", sa.String(length=16), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("authorised_by_id", sa.Integer(), nullable=True),
        sa.Column("authorised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=False),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("learnt_on", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("source_grade", sa.String(length=1), nullable=False),
        sa.Column("intelligence_grade", sa.String(length=1), nullable=False),
        sa.Column("handling_code", sa.String(length=1), nullable=False),
        sa.CheckConstraint(
            "(kind = 'keep_apart') = (keep_apart_level IS NOT NULL)", name=op.f("ck_person_links_level_iff_keep_apart")
        ),
        sa.CheckConstraint("handling_code IN ('P', 'C')", name=op.f("ck_person_links_handling_code")),
        sa.CheckConstraint(
            "intelligence_grade IN ('A', 'B', 'C', 'D', 'E')", name=op.f("ck_person_links_intelligence_grade")
        ),
        sa.CheckConstraint(
            "keep_apart_level IS NULL OR keep_apart_level IN ('cell', 'landing', 'wing', 'establishment')",
            name=op.f("ck_person_links_keep_apart_level"),
        ),
        sa.CheckConstraint(
            "kind IN ('associate', 'family', 'co_defendant', 'recruiter', 'keep_apart')",
            name=op.f("ck_person_links_kind"),
        ),
        sa.CheckConstraint("source_grade IN ('1', '2', '3')", name=op.f("ck_person_links_source_grade")),
        sa.CheckConstraint("status IN ('pending', 'active', 'refused', 'ended')", name=op.f("ck_person_links_status")),
        sa.CheckConstraint("subject_id <> other_id", name=op.f("ck_person_links_not_to_oneself")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_person_links_version_positive")),
        sa.ForeignKeyConstraint(
            ["authorised_by_id"], ["users.id"], name=op.f("fk_person_links_authorised_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_person_links_confirmed_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["users.id"], name=op.f("fk_person_links_ended_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["subjects.id"], name=op.f("fk_person_links_other_id_subjects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_person_links_recorded_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_person_links_subject_id_subjects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_links")),
    )
    with op.batch_alter_table("person_links", schema=None) as batch_op:
        batch_op.create_index("ix_person_links_other_id_status", ["other_id", "status"], unique=False)
        batch_op.create_index("ix_person_links_subject_id_status", ["subject_id", "status"], unique=False)

    op.create_table(
        "person_skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=24), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("learnt_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=False),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "skill IN ('firearms', 'explosives', 'document_forgery', 'smuggling_logistics', 'money_laundering', 'cyber', 'drug_supply', 'extortion', 'kidnapping')",
            name=op.f("ck_person_skills_skill"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["users.id"], name=op.f("fk_person_skills_ended_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_person_skills_recorded_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_person_skills_subject_id_subjects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_skills")),
    )
    with op.batch_alter_table("person_skills", schema=None) as batch_op:
        batch_op.create_index("ix_person_skills_skill_ended_at", ["skill", "ended_at"], unique=False)
        batch_op.create_index("ix_person_skills_subject_id", ["subject_id"], unique=False)

    op.create_table(
        "keep_apart_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("move", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["users.id"],
            name=op.f("fk_keep_apart_overrides_confirmed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["person_links.id"],
            name=op.f("fk_keep_apart_overrides_link_id_person_links"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_keep_apart_overrides_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keep_apart_overrides")),
    )
    with op.batch_alter_table("keep_apart_overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_keep_apart_overrides_link_id"), ["link_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_keep_apart_overrides_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "recruitment_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["nexus_groups.id"],
            name=op.f("fk_recruitment_targets_group_id_nexus_groups"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["person_links.id"],
            name=op.f("fk_recruitment_targets_link_id_person_links"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observations.id"],
            name=op.f("fk_recruitment_targets_observation_id_observations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_recruitment_targets_reviewed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["subjects.id"], name=op.f("fk_recruitment_targets_target_id_subjects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruitment_targets")),
    )
    with op.batch_alter_table("recruitment_targets", schema=None) as batch_op:
        batch_op.create_index("ix_recruitment_targets_observation_id", ["observation_id"], unique=False)
        batch_op.create_index(
            "ix_recruitment_targets_target_id_reviewed_at", ["target_id", "reviewed_at"], unique=False
        )

    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wing", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("landing", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("cell", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_column("cell")
        batch_op.drop_column("landing")
        batch_op.drop_column("wing")

    with op.batch_alter_table("recruitment_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_recruitment_targets_target_id_reviewed_at")
        batch_op.drop_index("ix_recruitment_targets_observation_id")

    op.drop_table("recruitment_targets")
    with op.batch_alter_table("keep_apart_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_keep_apart_overrides_subject_id"))
        batch_op.drop_index(batch_op.f("ix_keep_apart_overrides_link_id"))

    op.drop_table("keep_apart_overrides")
    with op.batch_alter_table("person_skills", schema=None) as batch_op:
        batch_op.drop_index("ix_person_skills_subject_id")
        batch_op.drop_index("ix_person_skills_skill_ended_at")

    op.drop_table("person_skills")
    with op.batch_alter_table("person_links", schema=None) as batch_op:
        batch_op.drop_index("ix_person_links_subject_id_status")
        batch_op.drop_index("ix_person_links_other_id_status")

    op.drop_table("person_links")
    with op.batch_alter_table("group_links", schema=None) as batch_op:
        batch_op.drop_index("ix_group_links_other_group_id")
        batch_op.drop_index("ix_group_links_group_id")

    op.drop_table("group_links")
    with op.batch_alter_table("affiliations", schema=None) as batch_op:
        batch_op.drop_index("ix_affiliations_subject_id")
        batch_op.drop_index("ix_affiliations_group_id_ended_at")

    op.drop_table("affiliations")
    op.drop_table("nexus_groups")
