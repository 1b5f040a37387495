"""The audit trail's append as one PostgreSQL function, so that a commit's events reach the chain in one statement.

`audit_append` takes the chain lock (the advisory transaction lock app/audit/trail.py has always taken), then
reads the last link, chains the events and inserts them with the people they name. A function may do this in one
call where a single statement may not: each statement of a VOLATILE function takes a fresh snapshot, so the last
link is read after the lock is held and sees every append committed before it. Each event's hash is sha256 of the
previous hash and its canonical bytes, passed split at the id (app/audit/trail.py, `_append_in_one`), exactly
what `chain_hash()` computes and `flask audit verify` checks. SQLite keeps the general append.

Revision ID: 8c4f1e2a7b36
Revises: 6a1e7c3b2d90
Create Date: 2026-12-03 12:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8c4f1e2a7b36"
down_revision: str | None = "6a1e7c3b2d90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = """audit_append(
    p_lock_key bigint, p_genesis text, p_occurred_at timestamptz, p_before bytea[], p_after bytea[],
    p_actor_id integer[], p_actor_username text[], p_actor_role text[], p_action text[], p_object_type text[],
    p_object_id text[], p_subject_id integer[], p_details text[], p_request_id text[], p_ip text[],
    p_named_n bigint[], p_named_subject integer[])"""

APPEND = f"""CREATE FUNCTION {SIGNATURE} RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock_key);
    WITH RECURSIVE events AS (
        SELECT * FROM unnest(p_before, p_after, p_actor_id, p_actor_username, p_actor_role, p_action,
                             p_object_type, p_object_id, p_subject_id, p_details, p_request_id, p_ip)
            WITH ORDINALITY AS e (before, after, actor_id, actor_username, actor_role, action, object_type,
                                  object_id, subject_id, details, request_id, ip, n)
    ), chained (n, id, hash) AS (
        SELECT CAST(0 AS bigint), coalesce((SELECT max(a.id) FROM audit_events AS a), 0),
               coalesce((SELECT a.hash FROM audit_events AS a ORDER BY a.id DESC LIMIT 1), p_genesis)
        UNION ALL
        SELECT e.n, c.id + 1, encode(sha256(convert_to(c.hash, 'UTF8') || e.before
                                            || convert_to(CAST(c.id + 1 AS text), 'UTF8') || e.after), 'hex')
        FROM chained AS c JOIN events AS e ON e.n = c.n + 1
    ), appended AS (
        INSERT INTO audit_events (id, occurred_at, actor_id, actor_username, actor_role, action, object_type,
                                  object_id, subject_id, details, request_id, ip, prev_hash, hash)
        SELECT c.id, p_occurred_at, e.actor_id, e.actor_username, e.actor_role, e.action, e.object_type,
               e.object_id, e.subject_id, CAST(e.details AS json), e.request_id, e.ip, p.hash, c.hash
        FROM chained AS c JOIN events AS e ON e.n = c.n JOIN chained AS p ON p.n = c.n - 1
    )
    INSERT INTO audit_event_people (event_id, subject_id)
    SELECT c.id, named.subject_id
    FROM unnest(p_named_n, p_named_subject) AS named (n, subject_id) JOIN chained AS c ON c.n = named.n;
END;
$$"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
