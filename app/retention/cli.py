"""`flask retention due`: records past their retention date."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.retention import services

retention_cli = AppGroup("retention", help="Retention review.")


@retention_cli.command("due")
def due_command() -> None:
    """List records past their retention date (periods per custody status in the config)."""
    records = services.due()
    for r in records:
        click.echo(f"{r.subject.reference:<12} {r.subject.unit.code:<16} {r.subject.status:<20} "
                   f"last activity {r.last_activity.isoformat()}  due {r.due_on.isoformat()}")
    click.echo(f"{len(records)} record(s) due for retention review")
