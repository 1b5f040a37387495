"""Assessment returns: every return of an assessment to its author is kept.

Until now a second return overwrote the first one's comment on the assessment. Each return is now a row with
its comment, supervisor, time and what the assessment said when it was returned (so a resubmission is read
against it). The last return of each assessment so far is copied in from the assessment, with no snapshot;
the assessment's own return columns stay as the latest return, which the dashboards read.

Revision ID: 64afdb5368bc
Revises: b3e1d7a4c920
Create Date: 2026-12-02 06:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "64afdb5368bc"
down_revision: str | None = "b3e1d7a4c920"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("returned_by_id", sa.Integer(), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"],
                                name=op.f("fk_assessment_returns_assessment_id_assessments"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["returned_by_id"], ["users.id"],
                                name=op.f("fk_assessment_returns_returned_by_id_users"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_returns")),
    )
    with op.batch_alter_table("assessment_returns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_returns_assessment_id"), ["assessment_id"], unique=False)
    empty = "CAST('{}' AS JSON)" if op.get_bind().dialect.name == "postgresql" else "'{}'"
    op.execute(
        "INSERT INTO assessment_returns (assessment_id, comment, returned_by_id, returned_at, snapshot) "
        f"SELECT id, return_comment, returned_by_id, returned_at, {empty} FROM assessments "
        "WHERE returned_at IS NOT NULL AND returned_by_id IS NOT NULL AND return_comment <> '' ORDER BY id")


def downgrade() -> None:
    with op.batch_alter_table("assessment_returns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_returns_assessment_id"))
    op.drop_table("assessment_returns")
