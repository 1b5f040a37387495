"""A person's events and the lists that named them, each read newest first from one index: the audit review
walks the people of a supervisor's units this way, where it hashed every list event that ever named one of
them (bench/README.md, issue 18). Each index replaces the person's own, which it serves as well.

And a person's events by action: the person's page reads the few kinds its history shows (app/audit/history.py),
which PostgreSQL found by intersecting the person's events with every event of those actions in the country
(1.7 million on the national benchmark, 106 ms a page; 0.07 ms through this index).

Revision ID: a7e3c5d1f024
Revises: 9d2a6b4c1e58
Create Date: 2026-12-03 20:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a7e3c5d1f024"
down_revision: str | None = "9d2a6b4c1e58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain index operations, never a batch: on SQLite a batch may copy the table, and the trail's table keeps
# triggers that a copy would lose.


def upgrade() -> None:
    op.create_index("ix_audit_events_subject_id_id", "audit_events", ["subject_id", "id"], unique=False)
    op.drop_index("ix_audit_events_subject_id", table_name="audit_events")
    op.create_index("ix_audit_events_subject_id_action", "audit_events", ["subject_id", "action"], unique=False)
    op.create_index("ix_audit_event_people_subject_id_event_id", "audit_event_people", ["subject_id", "event_id"],
                    unique=False)
    op.drop_index("ix_audit_event_people_subject_id", table_name="audit_event_people")


def downgrade() -> None:
    op.create_index("ix_audit_event_people_subject_id", "audit_event_people", ["subject_id"], unique=False)
    op.drop_index("ix_audit_event_people_subject_id_event_id", table_name="audit_event_people")
    op.create_index("ix_audit_events_subject_id", "audit_events", ["subject_id"], unique=False)
    op.drop_index("ix_audit_events_subject_id_action", table_name="audit_events")
    op.drop_index("ix_audit_events_subject_id_id", table_name="audit_events")
