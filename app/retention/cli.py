"""`flask retention due`: records past their retention date."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.i18n import gettext as _
from app.i18n import ngettext
from app.retention import services

retention_cli = AppGroup("retention", help="Retention review.")


@retention_cli.command("due")
def due_command() -> None:
    """List records past their retention date (periods per custody status in the config)."""
    records = services.due()
    for r in records:
        columns = f"{r.subject.reference:<12} {r.subject.unit.code:<16} {r.subject.status:<20}"
        click.echo(_("%(columns)s last activity %(activity)s  due %(due)s", columns=columns,
                     activity=r.last_activity.isoformat(), due=r.due_on.isoformat()))
    click.echo(ngettext("%(num)d record(s) due for retention review", "%(num)d record(s) due for retention review",
                        len(records)))
