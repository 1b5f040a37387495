"""`flask instruments validate [FILE]` and `flask instruments list`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.assessments import catalogue
from app.assessments.models import InstrumentVersion
from app.i18n import gettext as _
from app.i18n import ngettext
from instruments.loader import DEFAULT_DIRECTORY, Instrument, InstrumentError, load_directory, load_file

instruments_cli = AppGroup("instruments", help="Instrument files (YAML, validated against instruments/schema.json).")


@instruments_cli.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check FILES (default: every file of the configured INSTRUMENTS_DIR) against the schema and the loader's
    rules, and against the versions the database has registered: a file changed under a registered version
    is refused, as start-up would refuse it."""
    directory = Path(current_app.config.get("INSTRUMENTS_DIR") or DEFAULT_DIRECTORY)
    try:
        loaded = [load_file(p) for p in files] if files else list(load_directory(directory).values())
    except InstrumentError as exc:
        raise click.ClickException(str(exc)) from exc
    for instrument in loaded:
        click.echo(ngettext("ok  %(source)s: %(id)s %(version)s (%(kind)s, %(num)d item)",
                            "ok  %(source)s: %(id)s %(version)s (%(kind)s, %(num)d items)", len(instrument.items()),
                            source=instrument.source, id=instrument.id, version=instrument.version,
                            kind=instrument.kind))
    problems = _changed_under_registered_version(loaded)
    if problems:
        raise click.ClickException("\n".join(problems))


def _changed_under_registered_version(loaded: list[Instrument]) -> list[str]:
    """catalogue.changed_files() for the files checked; nothing to compare with when the database is
    unreachable or not migrated yet (said on stderr)."""
    engine = current_app.extensions["waypoint_engine"]
    if catalogue.database_file_missing(engine):
        click.echo(_("note: there is no database yet; registered versions were not compared"), err=True)
        return []
    try:
        if not inspect(engine).has_table(InstrumentVersion.__tablename__):
            click.echo(_("note: the database is not migrated; registered versions were not compared"), err=True)
            return []
        with Session(engine) as session:
            return catalogue.changed_files(session, loaded)
    except SQLAlchemyError as exc:
        click.echo(_("note: the database could not be read (%(error)s); registered versions were not compared",
                     error=type(exc).__name__), err=True)
        return []
