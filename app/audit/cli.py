"""`flask audit verify`: walk the hash chain."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.audit.trail import verify
from app.db import db

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check every event's link and hash; exit 1 naming the first bad event."""
    result = verify(db.session)
    db.session.rollback()
    if result.intact:
        click.echo(f"{result.count} events verified")
        return
    click.echo(
        f"audit chain broken at event {result.first_bad_id}: {result.problem} "
        f"({result.count} events before it verified)",
        err=True,
    )
    sys.exit(1)
