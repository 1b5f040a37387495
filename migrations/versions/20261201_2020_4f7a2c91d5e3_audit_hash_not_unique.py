"""Audit events: no unique index on the hash.

The chain's integrity never rested on it: ids are the primary key, the append lock serialises writers and
`flask audit verify` checks that every event's prev_hash is the hash of the event before it. What the index
did cost is on every audited write: a SHA-256 is random, so each insert touched a different leaf of a B-tree
as large as the table's own data (911 MB at ten million events against 214 MB for the primary key), and after
each checkpoint wrote that whole page to the WAL again. Measured in bench/README.md.

On SQLite the constraint is part of the table, so the table is rebuilt (batch mode), and its append-only
triggers, which go with the old table, are made again.

Revision ID: 4f7a2c91d5e3
Revises: 9d1c4b7e2a31
Create Date: 2026-12-01 20:20:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4f7a2c91d5e3"
down_revision: str | None = "9d1c4b7e2a31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As the foundation revision makes them (a batch rebuild on SQLite drops them with the old table).
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
)


def _rebuild_on_sqlite(change: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        if change == "drop":
            batch_op.drop_constraint(batch_op.f("uq_audit_events_hash"), type_="unique")
        else:
            batch_op.create_unique_constraint(batch_op.f("uq_audit_events_hash"), ["hash"])
    if sqlite:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def upgrade() -> None:
    _rebuild_on_sqlite("drop")


def downgrade() -> None:
    _rebuild_on_sqlite("create")
