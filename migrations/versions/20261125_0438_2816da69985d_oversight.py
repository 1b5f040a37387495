"""Oversight: audit verification runs, alerts, TOTP columns on users.

Revision ID: 2816da69985d
Revises: 23c331ebe8b3
Create Date: 2026-11-25 04:38:21.006262+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2816da69985d"
down_revision: str | None = "23c331ebe8b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("intact", sa.Boolean(), nullable=False),
        sa.Column("first_bad_id", sa.Integer(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("run_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_verifications")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('unusual_access', 'break_glass', 'failed_logins')", name=op.f("ck_alerts_kind")),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"], ["users.id"], name=op.f("fk_alerts_acknowledged_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_alerts_subject_id_subjects"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_alerts_unit_id_units"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_alerts_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_raised_at"), ["raised_at"], unique=False)
        batch_op.create_index("ix_alerts_unit_id_acknowledged_at", ["unit_id", "acknowledged_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("totp_enrolled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_enrolled_at")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret")

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_user_id"))
        batch_op.drop_index("ix_alerts_unit_id_acknowledged_at")
        batch_op.drop_index(batch_op.f("ix_alerts_raised_at"))

    op.drop_table("alerts")
    op.drop_table("audit_verifications")
