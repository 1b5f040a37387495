"""`flask instruments validate [FILE]` and `flask instruments list`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.assessments import catalogue
from instruments.loader import DEFAULT_DIRECTORY, InstrumentError, load_directory, load_file

instruments_cli = AppGroup("instruments", help="Instrument files (YAML, validated against instruments/schema.json).")


@instruments_cli.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check FILES (default: every file in instruments/) against the schema and the loader's rules."""
    try:
        loaded = [load_file(p) for p in files] if files else list(load_directory(DEFAULT_DIRECTORY).values())
    except InstrumentError as exc:
        raise click.ClickException(str(exc)) from exc
    for instrument in loaded:
        click.echo(f"ok  {instrument.source}: {instrument.id} {instrument.version} ({instrument.kind}, "
                   f"{len(instrument.items())} items)")


@instruments_cli.command("list")
def list_instruments() -> None:
    """The instruments this Waypoint runs with."""
    for instrument in sorted(catalogue.all_instruments().values(), key=lambda i: i.key):
        click.echo(f"{instrument.id} {instrument.version}  {instrument.kind:<10}  {instrument.content_hash[:12]}  "
                   f"{instrument.title}")
