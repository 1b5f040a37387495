"""`flask db ...` (Alembic) and `flask demo seed`."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.admin import services
from app.admin.cli import cli_actor
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


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def seed(if_empty: bool) -> None:
    """Create two units and one user per role with demo passwords (never in production)."""
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
        db.session.commit()
    click.echo("Demo logins (development only):")
    for username, _display, role, _units, password in DEMO_USERS:
        click.echo(f"  {role.value:<18} {username:<11} {password}")
