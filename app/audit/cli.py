"""`flask audit verify` (walk the hash chain, check anchors) and `flask audit anchor`."""

from __future__ import annotations

import os
import sys

import click
from flask import g
from flask.cli import AppGroup

from app.audit import review
from app.audit.trail import cli_actor
from app.db import db
from app.i18n import gettext as _
from app.i18n import ngettext

audit_cli = AppGroup("audit", help="The audit trail.")


def _anchors(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[review.Anchor, ...]:
    try:
        return tuple(review.Anchor.parse(v) for v in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@audit_cli.command("verify")
@click.option("--anchor", "anchors", multiple=True, metavar="ID:HASH", callback=_anchors,
              help="Also check that event ID still has HASH, as `flask audit anchor` printed it. Repeatable.")
@click.option("--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="the number of cores",
              help="Processes that check ranges of the chain side by side (fewer on a short chain); "
                   "the result is the same for any number.")
def verify_command(anchors: tuple[review.Anchor, ...], jobs: int) -> None:
    """Check every event's link and hash; exit 1 naming the first bad event. The run is recorded."""
    cli_actor()
    run = review.run_verification(g.cli_actor, anchors, jobs=jobs)
    db.session.commit()
    result = run.chain
    if not result.intact:
        click.echo(
            ngettext("audit chain broken at event %(event)s: %(problem)s (%(num)d event before it verified)",
                     "audit chain broken at event %(event)s: %(problem)s (%(num)d events before it verified)",
                     result.count, event=result.first_bad_id, problem=result.problem),
            err=True,
        )
        sys.exit(1)
    if run.failed_anchor is not None:
        click.echo(_("audit chain does not match the anchor at event %(event)s: %(problem)s",
                     event=run.failed_anchor.event_id, problem=run.anchor_problem), err=True)
        sys.exit(1)
    click.echo(ngettext("%(num)d event verified", "%(num)d events verified", result.count))
    for anchor in anchors:
        click.echo(_("anchor at event %(event)s holds", event=anchor.event_id))


@audit_cli.command("anchor")
def anchor_command() -> None:
    """Print the last event's id and hash, to be kept outside the database (see README, "Anchors")."""
    head = review.chain_head()
    if head.last_id is None:
        click.echo(_("anchor: 0 events"))
        return
    click.echo(ngettext("anchor: %(num)d event, last id %(id)s, hash %(hash)s",
                        "anchor: %(num)d events, last id %(id)s, hash %(hash)s",
                        head.count, id=head.last_id, hash=head.last_hash))
