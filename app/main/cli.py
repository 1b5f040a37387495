"""`flask db ...` (Alembic) and `flask demo seed`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app, g
from flask.cli import AppGroup
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.admin import services
from app.audit.trail import cli_actor
from app.auth.models import Role, Unit, UnitKind, User
from app.db import db
from app.i18n import gettext as _

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
    """Migrate the database up to REVISION (default: head); a SQLite file is created, with its folder."""
    database = _sqlite_file(current_app.extensions["waypoint_engine"])
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)  # instance/ on a fresh checkout
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


# --- a database that is not there yet --------------------------------------------------------------------
# On a fresh checkout the database does not exist until `flask db upgrade` makes it. A command that needs it
# then says so in one line, instead of SQLAlchemy's traceback.

# Commands that make the database themselves: "run flask db upgrade" would be no advice to them.
MAKE_THE_DATABASE = frozenset({"upgrade", "downgrade"})


def _sqlite_file(engine: Engine) -> Path | None:
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return None
    return Path(str(database))


def database_not_ready(engine: Engine) -> str | None:
    """Why commands cannot use the database yet, and what to run first; None when it is there and migrated to
    this code's head (the failure was something else)."""
    file = _sqlite_file(engine)
    shown = str(file) if file is not None else engine.url.render_as_string(hide_password=True)
    if file is not None and not file.exists():
        return str(_("the database %(database)s does not exist yet: run `flask db upgrade` first", database=str(file)))
    try:
        with engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        if engine.url.get_backend_name() == "postgresql" and "does not exist" in reason:
            return str(_("the database %(database)s does not exist yet: create it (createdb %(name)s), then run "
                     "`flask db upgrade`", database=shown, name=engine.url.database))
        return str(_("the database %(database)s cannot be opened (%(reason)s)", database=shown, reason=reason))
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if revision is None:
        return str(_("the database %(database)s is not migrated yet: run `flask db upgrade` first", database=shown))
    if revision != head:
        return str(_("the database %(database)s is at revision %(revision)s, this code needs %(head)s: run "
                 "`flask db upgrade`", database=shown, revision=revision, head=head))
    return None


# The command objects are module-level, shared by every app made in this process (each test makes one): their
# callbacks are wrapped once, not once per app.
_EXPLAINED: set[Callable[..., Any]] = set()


def _explained(callback: Callable[..., Any]) -> Callable[..., Any]:
    if callback in _EXPLAINED:
        return callback

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except (OperationalError, ProgrammingError) as exc:
            if g.get("_db_session") is not None:
                db.session.rollback()  # on SQLite its transaction holds the lock the diagnosis needs
            problem = database_not_ready(current_app.extensions["waypoint_engine"])
            if problem is None:
                raise
            raise click.ClickException(problem) from exc

    _EXPLAINED.add(run)
    return run


def explain_missing_database(group: click.Group) -> None:
    """Make every command of `group` (and of its groups) report a database that does not exist yet, is not
    migrated or is behind this code in one line that says what to run first."""
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            explain_missing_database(cmd)
        elif cmd.callback is not None and name not in MAKE_THE_DATABASE:
            cmd.callback = _explained(cmd.callback)


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
    ("amina", "Amina Haddad", Role.ASSESSOR, ["HMP-NORTHGATE"], "northgate-amina-minaret-42"),
    ("camille", "Camille Laurent", Role.PROBATION_OFFICER, ["PR-EASTERN"], "eastern-camille-lighthouse-42"),
)
# The demo users who read Waypoint in a language of their own (the others read the service's default).
DEMO_LANGUAGES = {"amina": "ar", "camille": "fr"}


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
    ("P2003ER", "Ciarán", "O'Neill", "PR-EASTERN", "community_sentence", "theft_burglary", -2, [], "probation"),
)


def _seed_accreditations() -> None:
    """The demo case workers are accredited for every assessment instrument for a year."""
    from datetime import date, timedelta

    from app.assessments import accreditation, catalogue
    from app.assessments.models import Accreditation

    if db.session.scalar(select(func.count()).select_from(Accreditation)):
        return
    for username in ("assessor", "probation", "supervisor", "amina", "camille"):
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
    """Create two units, one user per role with demo passwords, a few people and their case work (never in
    production)."""
    if not current_app.config.get("DEMO_ALLOWED"):
        raise click.ClickException(_("demo data is refused in the production configuration"))
    has_users = (db.session.scalar(select(func.count()).select_from(User)) or 0) > 0
    if if_empty and has_users:
        click.echo(_("The database already has users: nothing was seeded (--if-empty)."))
    else:
        cli_actor()
        for code, name, kind in DEMO_UNITS:
            if db.session.scalar(select(Unit.id).where(Unit.code == code)) is None:
                services.create_unit(code, name, kind.value)
        for username, display, role, units, password in DEMO_USERS:
            if db.session.scalar(select(User.id).where(User.username == username)) is None:
                user = services.create_user(username, services.UserDetails(display, role.value, units), password,
                                            must_change=False)
                user.language = DEMO_LANGUAGES.get(username)
        db.session.flush()
        _seed_accreditations()
        _seed_subjects()
        from app.main.demo import seed_case_work

        seed_case_work()
        db.session.commit()
    click.echo(_("Demo logins (development only):"))
    for username, _display, role, _units, password in DEMO_USERS:
        language = DEMO_LANGUAGES.get(username)
        click.echo(f"  {role.value:<18} {username:<11} {password}" + (f"  ({language})" if language else ""))
    click.echo(_("Supervisors and admins set up a second factor at first sign-in: any authenticator app (TOTP),\n"
                 "with the key shown on the page as a QR code and as text."))
