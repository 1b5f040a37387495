"""Case conferences: the meeting, its attendees, the people discussed with their decisions and dissent, and
the actions agreed.

Revision ID: 5c0f3e2a9b71
Revises: bf21414fcbe1
Create Date: 2026-12-02 11:31:16.956346+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c0f3e2a9b71"
down_revision: str | None = "bf21414fcbe1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('case_review', 'multi_agency_panel', 'pre_release_planning')", name=op.f("ck_conferences_kind")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_conferences_version_positive")),
        sa.ForeignKeyConstraint(
            ["chair_id"], ["users.id"], name=op.f("fk_conferences_chair_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_conferences_created_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_conferences_unit_id_units"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conferences")),
    )
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.create_index("ix_conferences_unit_id_held_on", ["unit_id", "held_on"], unique=False)

    op.create_table(
        "conference_attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("attendance", sa.String(length=16), nullable=False),
        sa.CheckConstraint("attendance IN ('attended', 'apologies')", name=op.f("ck_conference_attendees_attendance")),
        sa.ForeignKeyConstraint(
            ["conference_id"],
            ["conferences.id"],
            name=op.f("fk_conference_attendees_conference_id_conferences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_conference_attendees_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conference_attendees")),
        sa.UniqueConstraint("conference_id", "user_id", name=op.f("uq_conference_attendees_conference_id_user_id")),
    )
    op.create_table(
        "conference_discussions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("presented", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_conference_discussions_version_positive")),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_conference_discussions_added_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["conference_id"],
            ["conferences.id"],
            name=op.f("fk_conference_discussions_conference_id_conferences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_conference_discussions_decided_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_conference_discussions_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conference_discussions")),
        sa.UniqueConstraint(
            "conference_id", "subject_id", name=op.f("uq_conference_discussions_conference_id_subject_id")
        ),
    )
    with op.batch_alter_table("conference_discussions", schema=None) as batch_op:
        batch_op.create_index("ix_conference_discussions_subject_id", ["subject_id"], unique=False)

    op.create_table(
        "conference_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name=op.f("ck_conference_actions_status")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_conference_actions_version_positive")),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_conference_actions_closed_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_conference_actions_created_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["conference_discussions.id"],
            name=op.f("fk_conference_actions_discussion_id_conference_discussions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_conference_actions_owner_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conference_actions")),
    )
    with op.batch_alter_table("conference_actions", schema=None) as batch_op:
        batch_op.create_index("ix_conference_actions_owner_id_status", ["owner_id", "status"], unique=False)

    op.create_table(
        "conference_dissents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("attendee_id", sa.Integer(), nullable=False),
        sa.Column("view", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attendee_id"],
            ["conference_attendees.id"],
            name=op.f("fk_conference_dissents_attendee_id_conference_attendees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["conference_discussions.id"],
            name=op.f("fk_conference_dissents_discussion_id_conference_discussions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_conference_dissents_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conference_dissents")),
        sa.UniqueConstraint(
            "discussion_id", "attendee_id", name=op.f("uq_conference_dissents_discussion_id_attendee_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("conference_dissents")
    with op.batch_alter_table("conference_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_conference_actions_owner_id_status")

    op.drop_table("conference_actions")
    with op.batch_alter_table("conference_discussions", schema=None) as batch_op:
        batch_op.drop_index("ix_conference_discussions_subject_id")

    op.drop_table("conference_discussions")
    op.drop_table("conference_attendees")
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.drop_index("ix_conferences_unit_id_held_on")

    op.drop_table("conferences")
