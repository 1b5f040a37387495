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
from app.i18n import gettext as _
from app.i18n import ngettext
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
        raise click.ClickException(_("No unit with code %(code)s.", code=unit_code))
    try:
        roll = roll_import.read_roll(roll_import.read_file(
            csv_file, max_bytes=current_app.config["ROLL_IMPORT_MAX_BYTES"],
            max_line_chars=current_app.config["ROLL_IMPORT_MAX_LINE_CHARS"]))
    except Invalid as exc:
        db.session.rollback()
        raise click.ClickException(_("%(file)s: %(problem)s", file=csv_file, problem=exc.message)) from None

    checking = ngettext("Checking %(num)d row", "Checking %(num)d rows", len(roll.rows))
    with click.progressbar(length=len(roll.rows), label=checking) as bar:
        result = roll_import.import_roll(unit, roll, file_name=csv_file.name, partial=partial, progress=bar.update)

    for rejection in result.rejected:
        click.echo(_("line %(line)s: %(problems)s", line=rejection.line, problems="; ".join(rejection.reasons)),
                   err=True)
    for difference in result.different:
        click.echo(_("line %(line)s: %(reference)s is already on record with different details (%(fields)s); the "
                     "record was left as it is", line=difference.line, reference=difference.reference,
                     fields=", ".join(difference.fields)), err=True)
    if not result.written:
        db.session.rollback()
        click.echo(_summary(result))
        raise click.ClickException(ngettext("Nothing was imported: %(num)d row rejected. Fix it, or use --partial "
                                            "to import the valid rows.",
                                            "Nothing was imported: %(num)d rows rejected. Fix them, or use --partial "
                                            "to import the valid rows.", len(result.rejected)))
    rejected_path = csv_file.with_name(f"{csv_file.stem}.rejected.csv")
    if result.rejected:
        # Written before the commit: if it cannot be written, nothing is imported and nothing is lost.
        with rejected_path.open("w", encoding="utf-8-sig" if roll.bom else "utf-8", newline="") as out:
            out.write(roll_import.rejected_csv(roll, result))
    db.session.commit()
    click.echo(_summary(result))
    if result.rejected:
        click.echo(_("Rejected rows written to %(path)s", path=rejected_path))


def _summary(result: roll_import.ImportResult) -> str:
    words = {"created": _("created %(count)s", count=result.created),
             "unchanged": _("unchanged %(count)s", count=result.unchanged),
             "different": _("different %(count)s", count=len(result.different)),
             "rejected": _("rejected %(count)s", count=len(result.rejected))}
    return str(_(", ")).join(words[name] for name in result.counts())
