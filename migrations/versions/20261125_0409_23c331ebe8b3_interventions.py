"""Interventions with goals, addressed factors and sessions; observations.

Revision ID: 23c331ebe8b3
Revises: 7709212f43c5
Create Date: 2026-11-25 04:09:15.332618+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "23c331ebe8b3"
down_revision: str | None = "7709212f43c5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "category IN ('extremist_material', 'recruitment_attempt', 'positive_engagement', 'family_contact', 'incident', 'other')",
            name=op.f("ck_observations_category"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_observations_recorded_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_observations_subject_id_subjects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observations")),
    )
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_observations_observed_on"), ["observed_on"], unique=False)
        batch_op.create_index("ix_observations_subject_id_observed_on", ["subject_id", "observed_on"], unique=False)

    op.create_table(
        "interventions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=False),
        sa.Column("outcome_summary", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('referred', 'accepted', 'active', 'completed', 'withdrawn', 'declined')",
            name=op.f("ck_interventions_status"),
        ),
        sa.CheckConstraint(
            "type IN ('mentoring', 'ideological_dialogue', 'education', 'vocational_training', 'family_support', 'mental_health_support', 'desistance_programme', 'exit_programme', 'other')",
            name=op.f("ck_interventions_type"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_interventions_version_positive")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_interventions_assessment_id_assessments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_interventions_created_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_interventions_owner_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_interventions_subject_id_subjects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interventions")),
    )
    with op.batch_alter_table("interventions", schema=None) as batch_op:
        batch_op.create_index("ix_interventions_owner_id_status", ["owner_id", "status"], unique=False)
        batch_op.create_index("ix_interventions_subject_id_status", ["subject_id", "status"], unique=False)

    op.create_table(
        "intervention_factors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["interventions.id"],
            name=op.f("fk_intervention_factors_intervention_id_interventions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention_factors")),
        sa.UniqueConstraint(
            "intervention_id", "item_code", name=op.f("uq_intervention_factors_intervention_id_item_code")
        ),
    )
    op.create_table(
        "intervention_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('achieved', 'partly_achieved', 'not_achieved')",
            name=op.f("ck_intervention_goals_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["interventions.id"],
            name=op.f("fk_intervention_goals_intervention_id_interventions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention_goals")),
        sa.UniqueConstraint("intervention_id", "position", name=op.f("uq_intervention_goals_intervention_id_position")),
    )
    op.create_table(
        "intervention_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendance", sa.String(length=32), nullable=False),
        sa.Column("engagement", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "attendance IN ('attended', 'late', 'missed_acceptable', 'missed_unacceptable', 'cancelled_by_provider')",
            name=op.f("ck_intervention_sessions_attendance"),
        ),
        sa.CheckConstraint(
            "engagement IS NULL OR (engagement BETWEEN 1 AND 5)", name=op.f("ck_intervention_sessions_engagement_range")
        ),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["interventions.id"],
            name=op.f("fk_intervention_sessions_intervention_id_interventions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_intervention_sessions_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention_sessions")),
    )
    with op.batch_alter_table("intervention_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_intervention_sessions_intervention_id_held_on", ["intervention_id", "held_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("intervention_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_intervention_sessions_intervention_id_held_on")

    op.drop_table("intervention_sessions")
    op.drop_table("intervention_goals")
    op.drop_table("intervention_factors")
    with op.batch_alter_table("interventions", schema=None) as batch_op:
        batch_op.drop_index("ix_interventions_subject_id_status")
        batch_op.drop_index("ix_interventions_owner_id_status")

    op.drop_table("interventions")
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.drop_index("ix_observations_subject_id_observed_on")
        batch_op.drop_index(batch_op.f("ix_observations_observed_on"))

    op.drop_table("observations")
