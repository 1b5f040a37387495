"""Information sharing: the disclosure register (disclosures sent and received, requests for information with
their decisions and withholdings) and the case packages received from other installations.

Revision ID: 5d7e2b19a8c4
Revises: 5d1c0a7e9b21
Create Date: 2026-12-02 11:37:51.789108+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d7e2b19a8c4"
down_revision: str | None = "5d1c0a7e9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disclosure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("agency_person", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("legal_basis", sa.String(length=64), nullable=False),
        sa.Column("asked_for", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "decision IN ('pending', 'granted', 'partly', 'refused')", name=op.f("ck_disclosure_requests_decision")
        ),
        sa.CheckConstraint("due_on >= received_on", name=op.f("ck_disclosure_requests_due_after_received")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_disclosure_requests_version_positive")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_disclosure_requests_decided_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_disclosure_requests_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_disclosure_requests_subject_id_subjects"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_disclosure_requests_unit_id_units"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_requests")),
    )
    with op.batch_alter_table("disclosure_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosure_requests_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index(
            "ix_disclosure_requests_unit_id_decision_due_on", ["unit_id", "decision", "due_on"], unique=False
        )

    op.create_table(
        "received_packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=100), nullable=False),
        sa.Column("signer_key_id", sa.String(length=64), nullable=False),
        sa.Column("format_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("signed_text", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_received_packages_subject_id_subjects"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_received_packages_unit_id_units"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_packages")),
        sa.UniqueConstraint("package_id", name=op.f("uq_received_packages_package_id")),
    )
    with op.batch_alter_table("received_packages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_received_packages_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("agency_person", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("legal_basis", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("disclosed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disclosed_by_id", sa.Integer(), nullable=True),
        sa.Column("disclosed_by_name", sa.String(length=200), nullable=False),
        sa.Column("withheld_exemption", sa.String(length=64), nullable=True),
        sa.Column("withheld_reason", sa.Text(), nullable=False),
        sa.Column("withheld_by_id", sa.Integer(), nullable=True),
        sa.Column("withheld_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("direction IN ('outbound', 'inbound')", name=op.f("ck_disclosures_direction")),
        sa.CheckConstraint("kind IN ('case_package', 'case_summary', 'subject_access_report', 'other')", name=op.f("ck_disclosures_kind")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_disclosures_version_positive")),
        sa.ForeignKeyConstraint(
            ["disclosed_by_id"], ["users.id"], name=op.f("fk_disclosures_disclosed_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["disclosure_requests.id"],
            name=op.f("fk_disclosures_request_id_disclosure_requests"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_disclosures_subject_id_subjects"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_disclosures_unit_id_units"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["withheld_by_id"], ["users.id"], name=op.f("fk_disclosures_withheld_by_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosures")),
    )
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosures_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index("ix_disclosures_unit_id_disclosed_at", ["unit_id", "disclosed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosures_unit_id_disclosed_at")
        batch_op.drop_index(batch_op.f("ix_disclosures_subject_id"))

    op.drop_table("disclosures")
    with op.batch_alter_table("received_packages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_packages_subject_id"))

    op.drop_table("received_packages")
    with op.batch_alter_table("disclosure_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosure_requests_unit_id_decision_due_on")
        batch_op.drop_index(batch_op.f("ix_disclosure_requests_subject_id"))

    op.drop_table("disclosure_requests")
