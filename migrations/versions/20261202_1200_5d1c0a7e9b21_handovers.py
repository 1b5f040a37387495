"""Handovers on transfer (with what became of each open piece of work) and departures (the work a disabled or
removed user left in a unit, listed for its supervisors until reassigned).

Revision ID: 5d1c0a7e9b21
Revises: 5c0f3e2a9b71
Create Date: 2026-12-02 11:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1c0a7e9b21"
down_revision: str | None = "5c0f3e2a9b71"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="RESTRICT")


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=True),
        sa.Column("from_unit_id", sa.Integer(), nullable=False),
        sa.Column("to_unit_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_handovers_subject_id_subjects"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["movement_id"], ["movements.id"], name=op.f("fk_handovers_movement_id_movements"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["from_unit_id"], ["units.id"], name=op.f("fk_handovers_from_unit_id_units"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["to_unit_id"], ["units.id"], name=op.f("fk_handovers_to_unit_id_units"),
                                ondelete="RESTRICT"),
        _user("created_by_id", "handovers"),
        _user("acknowledged_by_id", "handovers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
    )
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handovers_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index("ix_handovers_to_unit_id_acknowledged_at", ["to_unit_id", "acknowledged_at"],
                              unique=False)

    op.create_table(
        "handover_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("previous_owner_id", sa.Integer(), nullable=True),
        sa.Column("new_owner_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("end_reason", sa.Text(), nullable=False),
        sa.CheckConstraint("outcome IN ('kept', 'reassigned', 'ended', 'released')",
                           name=op.f("ck_handover_items_outcome")),
        sa.ForeignKeyConstraint(["handover_id"], ["handovers.id"], name=op.f("fk_handover_items_handover_id_handovers"),
                                ondelete="CASCADE"),
        _user("previous_owner_id", "handover_items"),
        _user("new_owner_id", "handover_items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_items")),
    )
    with op.batch_alter_table("handover_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_items_handover_id"), ["handover_id"], unique=False)

    op.create_table(
        "departures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("departed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("reason IN ('disabled', 'left_unit')", name=op.f("ck_departures_reason")),
        _user("user_id", "departures"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_departures_unit_id_units"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departures")),
    )
    with op.batch_alter_table("departures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_departures_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_departures_unit_id_cleared_at", ["unit_id", "cleared_at"], unique=False)


def downgrade() -> None:
    op.drop_table("departures")
    op.drop_table("handover_items")
    op.drop_table("handovers")
