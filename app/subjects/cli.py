"""`flask subjects import`: add a unit's roll (CSV) of people as subject records."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.audit.trail import cli_actor
from app.auth.models import Unit
from app.db import db
from app.errors import Invalid
from app.subjects import roll_import

subjects_cli = AppGroup("subjects", help="People in custody or under supervision.")


@subjects_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", required=True, help="Code of the unit the people are added to.")
@click.option("--partial", is_flag=True,
              help="Import the valid rows and write the rejected ones to <name>.rejected.csv beside the file.")
def import_command(csv_file: Path, unit_code: str, partial: bool) -> None:
    """Import the people listed in CSV_FILE into a unit.

    Columns: reference, given_name, family_name, date_of_birth, status, index_offence_category, and
    optionally sentence_date, release_date, next_review_due, alerts (codes separated by ';'); dates as
    YYYY-MM-DD. People already on record (matched on reference) are never changed. Without --partial,
    one rejected row means nothing is imported.
    """
    cli_actor()
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code.strip().upper()))
    if unit is None:
        db.session.rollback()
        raise click.ClickException(f"No unit with code {unit_code}.")
    try:
        roll = roll_import.read_roll(roll_import.read_file(
            csv_file, max_bytes=current_app.config["ROLL_IMPORT_MAX_BYTES"],
            max_line_chars=current_app.config["ROLL_IMPORT_MAX_LINE_CHARS"]))
    except Invalid as exc:
        db.session.rollback()
        raise click.ClickException(f"{csv_file}: {exc.message}") from None

    with click.progressbar(length=len(roll.rows), label=f"Checking {len(roll.rows)} rows") as bar:
        result = roll_import.import_roll(unit, roll, file_name=csv_file.name, partial=partial, progress=bar.update)

    for rejection in result.rejected:
        click.echo(f"line {rejection.line}: {'; '.join(rejection.reasons)}", err=True)
    for difference in result.different:
        click.echo(f"line {difference.line}: {difference.reference} is already on record with different "
                   f"details ({', '.join(difference.fields)}); the record was left as it is", err=True)
    if not result.written:
        db.session.rollback()
        click.echo(_summary(result))
        raise click.ClickException(f"Nothing was imported: {len(result.rejected)} row(s) rejected. "
                                   "Fix them, or use --partial to import the valid rows.")
    rejected_path = csv_file.with_name(f"{csv_file.stem}.rejected.csv")
    if result.rejected:
        # Written before the commit: if it cannot be written, nothing is imported and nothing is lost.
        with rejected_path.open("w", encoding="utf-8-sig" if roll.bom else "utf-8", newline="") as out:
            out.write(roll_import.rejected_csv(roll, result))
    db.session.commit()
    click.echo(_summary(result))
    if result.rejected:
        click.echo(f"Rejected rows written to {rejected_path}")


def _summary(result: roll_import.ImportResult) -> str:
    return ", ".join(f"{name} {count}" for name, count in result.counts().items())
