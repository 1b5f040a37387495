"""Screenings, assessments and ratings (approved ones immutable in the database), accreditations,
challenges, registered instrument versions; subjects.assessment_needed_since.

Revision ID: 7709212f43c5
Revises: bec38a2ea56a
Create Date: 2026-11-25 03:56:50.279938+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7709212f43c5"
down_revision: str | None = "bec38a2ea56a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instrument_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instrument_versions")),
        sa.UniqueConstraint("instrument_id", "version", name=op.f("uq_instrument_versions_instrument_id_version")),
    )
    op.create_table(
        "accreditations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"], name=op.f("fk_accreditations_granted_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_accreditations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accreditations")),
    )
    with op.batch_alter_table("accreditations", schema=None) as batch_op:
        batch_op.create_index("ix_accreditations_user_id_instrument_id", ["user_id", "instrument_id"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("instrument_version", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("overall_judgement", sa.String(length=32), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("person_view", sa.Text(), nullable=False),
        sa.Column("shared_with_person", sa.Boolean(), nullable=False),
        sa.Column("shared_on", sa.Date(), nullable=True),
        sa.Column("review_due", sa.Date(), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("return_comment", sa.Text(), nullable=False),
        sa.Column("returned_by_id", sa.Integer(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'superseded')", name=op.f("ck_assessments_status")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_assessments_version_positive")),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_assessments_approved_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_assessments_author_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["returned_by_id"], ["users.id"], name=op.f("fk_assessments_returned_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_assessments_subject_id_subjects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["assessments.id"],
            name=op.f("fk_assessments_superseded_by_id_assessments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["assessments.id"],
            name=op.f("fk_assessments_supersedes_id_assessments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_status"), ["status"], unique=False)
        batch_op.create_index("ix_assessments_subject_id_status", ["subject_id", "status"], unique=False)

    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("instrument_version", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("screened_on", sa.Date(), nullable=False),
        sa.Column("occasion", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('no_concern', 'refer_for_assessment')", name=op.f("ck_screenings_outcome")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_screenings_author_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_screenings_subject_id_subjects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
    )
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screenings_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "assessment_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=8), nullable=False),
        sa.Column("rating", sa.String(length=32), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_ratings_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_ratings")),
        sa.UniqueConstraint("assessment_id", "item_code", name=op.f("uq_assessment_ratings_assessment_id_item_code")),
    )
    op.create_table(
        "challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("raised_by_kind", sa.String(length=16), nullable=False),
        sa.Column("raised_by_name", sa.String(length=200), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('upheld', 'partly_upheld', 'not_upheld')",
            name=op.f("ck_challenges_outcome"),
        ),
        sa.CheckConstraint(
            "raised_by_kind IN ('person', 'lawyer', 'staff')", name=op.f("ck_challenges_raised_by_kind")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_challenges_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_challenges_decided_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_challenges_recorded_by_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenges")),
    )
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenges_assessment_id"), ["assessment_id"], unique=False)

    op.create_table(
        "screening_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
            name=op.f("fk_screening_responses_screening_id_screenings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_responses")),
        sa.UniqueConstraint("screening_id", "item_code", name=op.f("uq_screening_responses_screening_id_item_code")),
    )
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assessment_needed_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_subjects_assessment_needed_since"), ["assessment_needed_since"], unique=False
        )

    create_immutability_triggers()


def downgrade() -> None:
    drop_immutability_triggers()
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subjects_assessment_needed_since"))
        batch_op.drop_column("assessment_needed_since")

    op.drop_table("screening_responses")
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenges_assessment_id"))

    op.drop_table("challenges")
    op.drop_table("assessment_ratings")
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screenings_subject_id"))

    op.drop_table("screenings")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_subject_id_status")
        batch_op.drop_index(batch_op.f("ix_assessments_status"))
        batch_op.drop_index(batch_op.f("ix_assessments_author_id"))

    op.drop_table("assessments")
    with op.batch_alter_table("accreditations", schema=None) as batch_op:
        batch_op.drop_index("ix_accreditations_user_id_instrument_id")

    op.drop_table("accreditations")
    op.drop_table("instrument_versions")


# Approved (and superseded) assessments are immutable in the database too: the only change allowed is
# approved -> superseded, recording which assessment superseded it. Their ratings cannot change at all.
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


def _sqlite_changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)


def create_immutability_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in CONTENT_COLUMNS)
        op.execute(f"""CREATE FUNCTION assessments_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
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
        op.execute(f"""CREATE FUNCTION assessment_ratings_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE parent_status text;
        BEGIN
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
    op.execute(f"""CREATE TRIGGER assessments_immutable_update BEFORE UPDATE ON assessments
        WHEN OLD.status IN {LOCKED} AND (
            NOT (NEW.status = OLD.status OR (OLD.status = 'approved' AND NEW.status = 'superseded'))
            OR (OLD.superseded_by_id IS NOT NULL AND NEW.superseded_by_id IS NOT OLD.superseded_by_id)
            OR {_sqlite_changed(CONTENT_COLUMNS)})
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
    op.execute(f"""CREATE TRIGGER assessments_immutable_delete BEFORE DELETE ON assessments
        WHEN OLD.status IN {LOCKED}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
    for event, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
        op.execute(f"""CREATE TRIGGER assessment_ratings_immutable_{event.lower()} BEFORE {event}
            ON assessment_ratings
            WHEN (SELECT status FROM assessments WHERE id = {row}.assessment_id) IN {LOCKED}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")


def drop_immutability_triggers() -> None:
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
