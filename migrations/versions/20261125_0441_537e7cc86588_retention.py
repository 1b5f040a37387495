"""Retention: erasure requests, the erasure-in-progress marker that the immutability triggers honour,
subjects.erased_at.

Revision ID: 537e7cc86588
Revises: 2816da69985d
Create Date: 2026-11-25 04:41:07.955602+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "537e7cc86588"
down_revision: str | None = "2816da69985d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasures_in_progress",
        sa.Column("subject_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_erasures_in_progress")),
    )
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "status IN ('requested', 'completed', 'cancelled')", name=op.f("ck_erasure_requests_status")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["users.id"],
            name=op.f("fk_erasure_requests_confirmed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_erasure_requests_requested_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_erasure_requests_subject_id_subjects"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
    )
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_requests_subject_id"), ["subject_id"], unique=False)

    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))

    replace_immutability_triggers(allow_erasure=True)


def downgrade() -> None:
    replace_immutability_triggers(allow_erasure=False)
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_column("erased_at")

    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_requests_subject_id"))

    op.drop_table("erasure_requests")
    op.drop_table("erasures_in_progress")


# The immutability triggers of approved assessments (first created in the assessments revision), now with
# one exception: the rows of a subject whose erasure is in progress (a row in erasures_in_progress, which
# exists only inside the erasure's own transaction) may be deleted, so that erasure can remove them.
CONTENT_COLUMNS = (
    "subject_id",
    "instrument_id",
    "instrument_version",
    "author_id",
    "overall_judgement",
    "rationale",
    "person_view",
    "shared_with_person",
    "shared_on",
    "review_due",
    "supersedes_id",
    "return_comment",
    "returned_by_id",
    "returned_at",
    "submitted_at",
    "approved_at",
    "approved_by_id",
    "created_at",
    "version",
)
LOCKED = "('approved', 'superseded')"
MESSAGE = "approved assessments are immutable: amend them instead"


def _drop() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS assessment_ratings_immutable ON assessment_ratings")
        op.execute("DROP FUNCTION IF EXISTS assessment_ratings_refuse_change()")
        op.execute("DROP TRIGGER IF EXISTS assessments_immutable ON assessments")
        op.execute("DROP FUNCTION IF EXISTS assessments_refuse_change()")
        return
    for name in (
        "assessments_immutable_update",
        "assessments_immutable_delete",
        "assessment_ratings_immutable_insert",
        "assessment_ratings_immutable_update",
        "assessment_ratings_immutable_delete",
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def replace_immutability_triggers(*, allow_erasure: bool) -> None:
    _drop()
    if op.get_bind().dialect.name == "postgresql":
        erasing = "EXISTS (SELECT 1 FROM erasures_in_progress e WHERE e.subject_id = {row}.subject_id)"
        rating_erasing = (
            "EXISTS (SELECT 1 FROM erasures_in_progress e JOIN assessments a ON a.subject_id = "
            "e.subject_id WHERE a.id = {row}.assessment_id)"
        )
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in CONTENT_COLUMNS)
        skip = (
            f"IF {erasing.format(row='OLD')} THEN IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END IF;"
            if allow_erasure
            else ""
        )
        op.execute(f"""CREATE FUNCTION assessments_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {skip}
            IF TG_OP = 'DELETE' THEN
                IF OLD.status IN {LOCKED} THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
                RETURN OLD;
            END IF;
            IF OLD.status IN {LOCKED} AND (
                NOT (NEW.status = OLD.status OR (OLD.status = 'approved' AND NEW.status = 'superseded'))
                OR (OLD.superseded_by_id IS NOT NULL AND NEW.superseded_by_id IS DISTINCT FROM OLD.superseded_by_id)
                OR {changed}) THEN
                RAISE EXCEPTION '{MESSAGE}';
            END IF;
            RETURN NEW;
        END;
        $$""")
        op.execute(
            "CREATE TRIGGER assessments_immutable BEFORE UPDATE OR DELETE ON assessments "
            "FOR EACH ROW EXECUTE FUNCTION assessments_refuse_change()"
        )
        rating_skip = (
            f"IF TG_OP <> 'INSERT' AND {rating_erasing.format(row='OLD')} THEN RETURN OLD; END IF;"
            if allow_erasure
            else ""
        )
        op.execute(f"""CREATE FUNCTION assessment_ratings_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE parent_status text;
        BEGIN
            {rating_skip}
            SELECT status INTO parent_status FROM assessments
             WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.assessment_id ELSE OLD.assessment_id END;
            IF parent_status IN {LOCKED} THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END;
        $$""")
        op.execute(
            "CREATE TRIGGER assessment_ratings_immutable BEFORE INSERT OR UPDATE OR DELETE "
            "ON assessment_ratings FOR EACH ROW EXECUTE FUNCTION assessment_ratings_refuse_change()"
        )
        return
    not_erasing = (
        "AND NOT EXISTS (SELECT 1 FROM erasures_in_progress WHERE subject_id = OLD.subject_id)" if allow_erasure else ""
    )
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CONTENT_COLUMNS)
    op.execute(f"""CREATE TRIGGER assessments_immutable_update BEFORE UPDATE ON assessments
        WHEN OLD.status IN {LOCKED} {not_erasing} AND (
            NOT (NEW.status = OLD.status OR (OLD.status = 'approved' AND NEW.status = 'superseded'))
            OR (OLD.superseded_by_id IS NOT NULL AND NEW.superseded_by_id IS NOT OLD.superseded_by_id)
            OR {changed})
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
    op.execute(f"""CREATE TRIGGER assessments_immutable_delete BEFORE DELETE ON assessments
        WHEN OLD.status IN {LOCKED} {not_erasing}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
    for event, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
        rating_not_erasing = (
            f"AND NOT EXISTS (SELECT 1 FROM erasures_in_progress e JOIN assessments a ON a.subject_id = "
            f"e.subject_id WHERE a.id = {row}.assessment_id)"
            if allow_erasure and event != "INSERT"
            else ""
        )
        op.execute(f"""CREATE TRIGGER assessment_ratings_immutable_{event.lower()} BEFORE {event}
            ON assessment_ratings
            WHEN (SELECT status FROM assessments WHERE id = {row}.assessment_id) IN {LOCKED} {rating_not_erasing}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
