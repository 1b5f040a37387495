"""Audit event people: the people a list event names, indexed for their access logs.

A list page, a dashboard or a search records one `view` (or `search`) event naming the people it showed in its
details' `subject_ids`. A person's access log (the subject-access report, the audit review's person filter and
supervisors' scope) finds events by person: this table lists, for each such event, the people it names, written
in the same insert as the event. Events recorded before it are indexed here from their details.

Revision ID: b3e1d7a4c920
Revises: 4f7a2c91d5e3
Create Date: 2026-12-02 05:00:00+00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3e1d7a4c920"
down_revision: str | None = "4f7a2c91d5e3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def _named(details: object) -> list[int]:
    if isinstance(details, str):
        details = json.loads(details)
    ids = details.get("subject_ids") if isinstance(details, dict) else None
    if not isinstance(ids, list):
        return []
    return sorted({i for i in ids if isinstance(i, int) and not isinstance(i, bool)})


def upgrade() -> None:
    people = op.create_table(
        "audit_event_people",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "subject_id", name=op.f("pk_audit_event_people")),
    )
    with op.batch_alter_table("audit_event_people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_people_subject_id"), ["subject_id"], unique=False)
    bind = op.get_bind()
    text = "details::text" if bind.dialect.name == "postgresql" else "details"
    after = 0
    while True:
        rows = bind.execute(sa.text(
            f"SELECT id, details FROM audit_events WHERE id > :after AND {text} LIKE '%subject_ids%' "
            "ORDER BY id LIMIT :batch"), {"after": after, "batch": BATCH}).all()
        if not rows:
            break
        named = [{"event_id": event_id, "subject_id": person} for event_id, details in rows
                 for person in _named(details)]
        if named:
            op.bulk_insert(people, named)
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("audit_event_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_people_subject_id"))
    op.drop_table("audit_event_people")
