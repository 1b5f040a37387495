"""`flask instruments validate [FILE]` and `flask instruments list`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.assessments import catalogue
from app.assessments.models import InstrumentVersion
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
        click.echo(f"ok  {instrument.source}: {instrument.id} {instrument.version} ({instrument.kind}, "
                   f"{len(instrument.items())} items)")
    problems = _changed_under_registered_version(loaded)
    if problems:
        raise click.ClickException("\n".join(problems))


def _changed_under_registered_version(loaded: list[Instrument]) -> list[str]:
    """One line per file whose bytes differ from those registered for its id and version; nothing to compare
    with when the database is unreachable or not migrated yet (said on stderr)."""
    engine = current_app.extensions["waypoint_engine"]
    try:
        if not inspect(engine).has_table(InstrumentVersion.__tablename__):
            click.echo("note: the database is not migrated; registered versions were not compared", err=True)
            return []
        with Session(engine) as session:
            registered = {(row.instrument_id, row.version): row.content_hash
                          for row in session.scalars(select(InstrumentVersion))}
    except SQLAlchemyError as exc:
        click.echo(f"note: the database could not be read ({type(exc).__name__}); registered versions were not "
                   "compared", err=True)
        return []
    return [f"{i.source}: the file of {i.id} version {i.version} changed after it was registered "
            f"(registered SHA-256 {registered[i.key][:12]}…, file {i.content_hash[:12]}…); put changes in a new "
            "version instead"
            for i in loaded if i.key in registered and registered[i.key] != i.content_hash]


@instruments_cli.command("list")
def list_instruments() -> None:
    """The instruments this Waypoint runs with."""
    for instrument in sorted(catalogue.all_instruments().values(), key=lambda i: i.key):
        click.echo(f"{instrument.id} {instrument.version}  {instrument.kind:<10}  {instrument.content_hash[:12]}  "
                   f"{instrument.title}")
