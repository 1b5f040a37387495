"""Subjects: people in custody or under supervision, alerts, movements, allocations, break-glass.

Revision ID: bec38a2ea56a
Revises: ce984b42a7fc
Create Date: 2026-11-25 03:45:55.702633+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bec38a2ea56a"
down_revision: str | None = "ce984b42a7fc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("name_search", sa.String(length=210), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("index_offence_category", sa.String(length=32), nullable=False),
        sa.Column("sentence_date", sa.Date(), nullable=True),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("case_owner_id", sa.Integer(), nullable=True),
        sa.Column("next_review_due", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "index_offence_category IN ('violence', 'sexual', 'robbery', 'theft_burglary', 'fraud', 'drugs', 'weapons', 'public_order', 'criminal_damage', 'terrorism', 'organised_crime', 'other')",
            name=op.f("ck_subjects_offence_category"),
        ),
        sa.CheckConstraint(
            "status IN ('remand', 'sentenced', 'community_sentence', 'released_on_licence', 'ended')",
            name=op.f("ck_subjects_status"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_subjects_version_positive")),
        sa.ForeignKeyConstraint(
            ["case_owner_id"], ["users.id"], name=op.f("fk_subjects_case_owner_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_subjects_unit_id_units"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subjects")),
        sa.UniqueConstraint("reference", name=op.f("uq_subjects_reference")),
    )
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.create_index(
            "ix_subjects_case_owner_id_next_review_due", ["case_owner_id", "next_review_due"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_subjects_name_search"), ["name_search"], unique=False)
        batch_op.create_index(
            "ix_subjects_unit_id_family_name_given_name_id",
            ["unit_id", "family_name", "given_name", "id"],
            unique=False,
        )
        batch_op.create_index("ix_subjects_unit_id_next_review_due", ["unit_id", "next_review_due"], unique=False)

    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("previous_owner_id", sa.Integer(), nullable=True),
        sa.Column("allocated_by_id", sa.Integer(), nullable=True),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["allocated_by_id"], ["users.id"], name=op.f("fk_allocations_allocated_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_allocations_owner_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["previous_owner_id"],
            ["users.id"],
            name=op.f("fk_allocations_previous_owner_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_allocations_subject_id_subjects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
    )
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocations_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "break_glass_accesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_break_glass_accesses_reviewed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_break_glass_accesses_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_break_glass_accesses_unit_id_units"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_break_glass_accesses_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass_accesses")),
    )
    with op.batch_alter_table("break_glass_accesses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_break_glass_accesses_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_break_glass_accesses_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_break_glass_accesses_user_id"), ["user_id"], unique=False)

    op.create_table(
        "movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("from_unit_id", sa.Integer(), nullable=False),
        sa.Column("to_unit_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_unit_id"], ["units.id"], name=op.f("fk_movements_from_unit_id_units"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_movements_recorded_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_movements_subject_id_subjects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["to_unit_id"], ["units.id"], name=op.f("fk_movements_to_unit_id_units"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movements")),
    )
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_movements_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "subject_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "code IN ('self_harm', 'violence', 'escape', 'vulnerable', 'keep_apart', 'interpreter')",
            name=op.f("ck_subject_alerts_code"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_subject_alerts_subject_id_subjects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_alerts")),
        sa.UniqueConstraint("subject_id", "code", name=op.f("uq_subject_alerts_subject_id_code")),
    )
    with op.batch_alter_table("subject_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_subject_alerts_code_subject_id", ["code", "subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("subject_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_subject_alerts_code_subject_id")

    op.drop_table("subject_alerts")
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_movements_subject_id"))

    op.drop_table("movements")
    with op.batch_alter_table("break_glass_accesses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_break_glass_accesses_user_id"))
        batch_op.drop_index(batch_op.f("ix_break_glass_accesses_unit_id"))
        batch_op.drop_index(batch_op.f("ix_break_glass_accesses_subject_id"))

    op.drop_table("break_glass_accesses")
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocations_subject_id"))

    op.drop_table("allocations")
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_index("ix_subjects_unit_id_next_review_due")
        batch_op.drop_index("ix_subjects_unit_id_family_name_given_name_id")
        batch_op.drop_index(batch_op.f("ix_subjects_name_search"))
        batch_op.drop_index("ix_subjects_case_owner_id_next_review_due")

    op.drop_table("subjects")
