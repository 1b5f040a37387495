"""A fresh checkout has no database until `flask db upgrade` makes it. Start-up does not need one: `flask
instruments validate FILE` works without it, and a command that needs it says in one line what to run first,
never with a traceback. The check of instrument files against their registered versions waits for the
database instead of being skipped."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy.orm import Session

from app import create_app
from app.assessments import catalogue
from instruments import DEFAULT_DIRECTORY, InstrumentError, load_file
from tests.conftest import DatabaseFactory, alembic_config

ROOT = Path(__file__).resolve().parents[1]
SCREENING = DEFAULT_DIRECTORY / "wp-reception-screening-1.0.yaml"
ASSESSMENT = DEFAULT_DIRECTORY / "wp-structured-assessment-1.0.yaml"


def flask(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`flask ARGS` as typed on a fresh checkout (development configuration), with the database at `database`."""
    env = {**os.environ, "WAYPOINT_ENV": "development", "FLASK_APP": "wsgi.py", "DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=180, check=False)


def test_instruments_validate_works_on_a_fresh_checkout_and_creates_nothing(tmp_path: Path) -> None:
    database = tmp_path / "instance" / "waypoint.sqlite3"
    result = flask(database, "instruments", "validate", str(SCREENING))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"ok  {SCREENING}: wp-reception-screening 1.0 (screening, 11 items)\n"
    assert result.stderr == "note: there is no database yet; registered versions were not compared\n"
    assert not database.parent.exists()


def test_a_command_needing_the_database_says_in_one_line_to_run_db_upgrade_which_then_works(tmp_path: Path) -> None:
    database = tmp_path / "instance" / "waypoint.sqlite3"
    before = flask(database, "audit", "verify")
    assert before.returncode == 1
    assert before.stderr == f"Error: the database {database} does not exist yet: run `flask db upgrade` first\n"
    upgrade = flask(database, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    assert database.is_file()
    after = flask(database, "audit", "verify")
    assert after.returncode == 0, after.stderr
    assert after.stdout == "0 events verified\n"


def _missing_url(databases: DatabaseFactory, tmp_path: Path) -> str:
    if databases.server is not None:
        return databases.server.url("never_created")
    return f"sqlite:///{tmp_path / 'missing' / 'waypoint.sqlite3'}"


def test_a_database_that_does_not_exist_is_named_with_what_to_do_first(databases: DatabaseFactory,
                                                                        tmp_path: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": _missing_url(databases, tmp_path)})  # starts without it
    result = app.test_cli_runner().invoke(args=["retention", "due"])
    app.extensions["waypoint_engine"].dispose()
    assert result.exit_code == 1
    if databases.server is not None:
        assert result.output == (f"Error: the database {databases.server.url('never_created')} does not exist yet: "
                                 "create it (createdb never_created), then run `flask db upgrade`\n")
    else:
        assert result.output == (f"Error: the database {tmp_path / 'missing' / 'waypoint.sqlite3'} does not exist "
                                 "yet: run `flask db upgrade` first\n")


def test_a_database_not_migrated_yet_is_named_with_what_to_do_first(databases: DatabaseFactory) -> None:
    url = databases.empty_url()
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        result = app.test_cli_runner().invoke(args=["retention", "due"])
        app.extensions["waypoint_engine"].dispose()
    finally:
        databases.drop(url)
    assert result.exit_code == 1
    shown = url.removeprefix("sqlite:///")
    assert result.output == f"Error: the database {shown} is not migrated yet: run `flask db upgrade` first\n"


def test_a_file_changed_under_a_registered_version_is_still_refused_when_the_database_came_after_start_up(
        tmp_path: Path) -> None:
    folder = tmp_path / "instruments"
    folder.mkdir()
    shutil.copy(SCREENING, folder / SCREENING.name)
    edited = folder / ASSESSMENT.name
    edited.write_text(ASSESSMENT.read_text(encoding="utf-8") + "\n# edited in place\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'instance' / 'waypoint.sqlite3'}"
    running = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTRUMENTS_DIR": str(folder)})  # no database yet

    (tmp_path / "instance").mkdir()
    command.upgrade(alembic_config(url), "head")
    other = create_app({"SQLALCHEMY_DATABASE_URI": url})  # the shipped file, registered by another process
    with other.app_context(), Session(other.extensions["waypoint_engine"]) as session:
        catalogue.register(session, load_file(ASSESSMENT))
        session.commit()
    other.extensions["waypoint_engine"].dispose()

    with running.app_context(), pytest.raises(InstrumentError, match="changed after it was registered"):
        catalogue.all_instruments()
    with pytest.raises(InstrumentError, match=f"{edited}: the file of wp-structured-assessment version 1.0 changed"):
        create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTRUMENTS_DIR": str(folder)})  # as start-up refuses it
    running.extensions["waypoint_engine"].dispose()


def test_the_commands_shared_by_every_app_are_wrapped_once_however_many_apps_are_made(db_url: str) -> None:
    """Each create_app adds the same command objects: wrapping them again each time would nest a wrapper per app
    made in the process (one per test), until calling a command overflowed the stack."""
    from app.audit.cli import audit_cli

    for _ in range(3):
        create_app({"SQLALCHEMY_DATABASE_URI": db_url}).extensions["waypoint_engine"].dispose()
    chain = []
    layer = audit_cli.commands["verify"].callback
    while layer is not None:
        chain.append(layer)
        layer = getattr(layer, "__wrapped__", None)
    assert len(chain) == 3  # the one-line explanation, Flask's app context, the command itself
    assert chain[-1].__name__ == "verify_command"
