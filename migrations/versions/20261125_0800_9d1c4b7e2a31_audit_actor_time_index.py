"""Audit events: index (actor_id, occurred_at) in place of actor_id alone.

The unusual-access alert counts a user's subject views of the last few minutes on every subject view; by
actor alone that read every event the user ever caused (thousands at national scale), or PostgreSQL
walked every event of the last minutes. Measured in bench/README.md.

Revision ID: 9d1c4b7e2a31
Revises: 537e7cc86588
Create Date: 2026-11-25 08:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9d1c4b7e2a31"
down_revision: str | None = "537e7cc86588"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_audit_events_actor_id_occurred_at", "audit_events", ["actor_id", "occurred_at"])
    op.drop_index("ix_audit_events_actor_id", table_name="audit_events")


def downgrade() -> None:
    op.create_index("ix_audit_events_actor_id", "audit_events", ["actor_id"])
    op.drop_index("ix_audit_events_actor_id_occurred_at", table_name="audit_events")
