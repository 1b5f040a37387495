"""Assessments: the unit where each was submitted and approved.

The consistency view counted an assessment under the person's current unit, so a transfer moved a unit's
practice to another. The unit is now recorded at submission and again at approval. Existing assessments that
were submitted, returned or approved are filled in from the movements: the unit the person left in the first
movement recorded after the assessment was approved (or submitted, or returned), or their unit now when they
have not moved since. The column is not one of the contents the immutability triggers protect.

Revision ID: cf23607cc3ef
Revises: 64afdb5368bc
Create Date: 2026-12-02 06:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cf23607cc3ef"
down_revision: str | None = "64afdb5368bc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = "COALESCE(assessments.approved_at, assessments.submitted_at, assessments.returned_at)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("assessments", sa.Column("unit_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_assessments_unit_id_units"), "assessments", "units", ["unit_id"], ["id"])

    else:
        # Not batch mode: rebuilding the table would drop its immutability triggers. SQLite adds a column with
        # a (named) reference in place.
        op.execute("ALTER TABLE assessments ADD COLUMN unit_id INTEGER "
                   "CONSTRAINT fk_assessments_unit_id_units REFERENCES units (id)")
    op.execute(
        "UPDATE assessments SET unit_id = COALESCE("
        "(SELECT m.from_unit_id FROM movements m WHERE m.subject_id = assessments.subject_id "
        f"AND m.recorded_at > {WHEN} ORDER BY m.recorded_at, m.id LIMIT 1), "
        "(SELECT s.unit_id FROM subjects s WHERE s.id = assessments.subject_id)) "
        f"WHERE {WHEN} IS NOT NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("fk_assessments_unit_id_units"), "assessments", type_="foreignkey")
        op.drop_column("assessments", "unit_id")
    else:
        op.execute("ALTER TABLE assessments DROP COLUMN unit_id")
