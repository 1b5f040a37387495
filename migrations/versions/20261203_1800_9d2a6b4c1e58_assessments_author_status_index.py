"""A user's drafts read through one index on (author, status): the dashboard read them by intersecting the
author's index with the status index, which holds every draft in the country (bench/README.md, issue 18).

Revision ID: 9d2a6b4c1e58
Revises: 8c4f1e2a7b36
Create Date: 2026-12-03 18:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9d2a6b4c1e58"
down_revision: str | None = "8c4f1e2a7b36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index("ix_assessments_author_id_status", ["author_id", "status"], unique=False)
        batch_op.drop_index("ix_assessments_author_id")


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index("ix_assessments_author_id", ["author_id"], unique=False)
        batch_op.drop_index("ix_assessments_author_id_status")
