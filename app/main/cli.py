"""`flask db ...` (Alembic) and `flask demo seed`."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app, g
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.admin import services
from app.audit.trail import cli_actor
from app.auth.models import Role, Unit, UnitKind, User
from app.db import db

db_cli = AppGroup("db", help="Database migrations (Alembic).")
demo_cli = AppGroup("demo", help="Demonstration data.")

ROOT = Path(__file__).resolve().parents[2]


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = current_app.config["SQLALCHEMY_DATABASE_URI"]
    return cfg


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: head)."""
    command.upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Migrate the database down to REVISION."""
    command.downgrade(alembic_config(), revision)


@db_cli.command("current")
def current() -> None:
    """Show the database's revision."""
    command.current(alembic_config())


DEMO_UNITS = (
    ("HMP-NORTHGATE", "HMP Northgate", UnitKind.PRISON),
    ("PR-EASTERN", "Eastern Probation Region", UnitKind.PROBATION_REGION),
)
# Demo passwords are printed on purpose: they exist only in development and test databases.
DEMO_USERS: tuple[tuple[str, str, Role, list[str], str], ...] = (
    ("assessor", "Alex Assessor", Role.ASSESSOR, ["HMP-NORTHGATE"], "northgate-assessor-lantern-42"),
    ("probation", "Priya Probation", Role.PROBATION_OFFICER, ["PR-EASTERN"], "eastern-probation-compass-42"),
    ("supervisor", "Sam Supervisor", Role.SUPERVISOR, ["HMP-NORTHGATE", "PR-EASTERN"], "senior-supervisor-beacon-42"),
    ("admin", "Ada Admin", Role.ADMIN, [], "system-admin-keystone-42"),
)


# (reference, given, family, unit, status, offence, review in days from today, alerts, owner username)
DEMO_SUBJECTS: tuple[tuple[str, str, str, str, str, str, int | None, list[str], str | None], ...] = (
    ("A1001NG", "Daniel", "Marsh", "HMP-NORTHGATE", "sentenced", "violence", -6, ["violence"], "assessor"),
    ("A1002NG", "Zoë", "Ødegård", "HMP-NORTHGATE", "remand", "terrorism", 9, [], "assessor"),
    ("A1003NG", "Łukasz", "Nowak", "HMP-NORTHGATE", "sentenced", "organised_crime", 40, ["keep_apart"], None),
    ("A1004NG", "Ayşe", "Yılmaz", "HMP-NORTHGATE", "sentenced", "fraud", None, ["interpreter"], None),
    ("A1005NG", "Ivan", "Петров", "HMP-NORTHGATE", "remand", "weapons", -20, ["escape"], "supervisor"),
    ("P2001ER", "Nikos", "Παπαδόπουλος", "PR-EASTERN", "released_on_licence", "drugs", 3, [], "probation"),
    ("P2002ER", "Leila", "Haddad", "PR-EASTERN", "community_sentence", "public_order", 30, ["vulnerable"],
     "probation"),
    ("P2003ER", "Ciarán", "O'Neill", "PR-EASTERN", "community_sentence", "theft_burglary", -2, [], None),
)


def _seed_accreditations() -> None:
    """The demo case workers are accredited for every assessment instrument for a year."""
    from datetime import date, timedelta

    from app.assessments import accreditation, catalogue
    from app.assessments.models import Accreditation

    if db.session.scalar(select(func.count()).select_from(Accreditation)):
        return
    for username in ("assessor", "probation", "supervisor"):
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            continue
        for instrument in catalogue.current("assessment"):
            accreditation.grant(user, instrument.id, date.today() + timedelta(days=365), granted_by=None)


def _seed_subjects() -> None:
    from datetime import date, timedelta

    from app.subjects import services as subject_services
    from app.subjects.models import Subject

    if db.session.scalar(select(func.count()).select_from(Subject)):
        return
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    if supervisor is None:
        return
    g.user = supervisor  # the demo supervisor records them, as in real use
    today = date.today()
    for ref, given, family, unit_code, status, offence, review, alerts, owner in DEMO_SUBJECTS:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            continue
        values = subject_services.SubjectValues(
            reference=ref, given_name=given, family_name=family, date_of_birth=date(1985 + len(family) % 15, 3, 14),
            status=status, index_offence_category=offence, sentence_date=date(2024, 6, 3),
            next_review_due=None if review is None else today + timedelta(days=review), alert_codes=alerts,
        )
        subject = subject_services.create_subject(supervisor, unit.id, values)
        if owner:
            owner_user = db.session.scalar(select(User).where(User.username == owner))
            if owner_user is not None:
                subject_services.allocate(supervisor, subject, owner_user.id, "Demo allocation")
    g.user = None


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def seed(if_empty: bool) -> None:
    """Create two units, one user per role with demo passwords, and a few people (never in production)."""
    if not current_app.config.get("DEMO_ALLOWED"):
        raise click.ClickException("demo data is refused in the production configuration")
    has_users = (db.session.scalar(select(func.count()).select_from(User)) or 0) > 0
    if not (if_empty and has_users):
        cli_actor()
        for code, name, kind in DEMO_UNITS:
            if db.session.scalar(select(Unit.id).where(Unit.code == code)) is None:
                services.create_unit(code, name, kind.value)
        for username, display, role, units, password in DEMO_USERS:
            if db.session.scalar(select(User.id).where(User.username == username)) is None:
                services.create_user(username, services.UserDetails(display, role.value, units), password,
                                     must_change=False)
        db.session.flush()
        _seed_accreditations()
        _seed_subjects()
        db.session.commit()
    click.echo("Demo logins (development only):")
    for username, _display, role, _units, password in DEMO_USERS:
        click.echo(f"  {role.value:<18} {username:<11} {password}")
    click.echo("Supervisors and admins set up a second factor at first sign-in: any authenticator app (TOTP),")
    click.echo("with the key shown on the page as a QR code and as text.")
