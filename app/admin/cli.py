"""`flask units create` and `flask users create`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.admin import services
from app.audit.trail import cli_actor
from app.auth.models import Role, UnitKind
from app.db import db
from app.errors import Invalid
from app.i18n import gettext as _

units_cli = AppGroup("units", help="Manage units (prisons and probation regions).")
users_cli = AppGroup("users", help="Manage user accounts.")


def _fail(exc: Invalid) -> None:
    db.session.rollback()
    lines = [exc.message] + [f"  {name}: {' '.join(problems)}" for name, problems in exc.field_errors.items()]
    raise click.ClickException("\n".join(lines))


@units_cli.command("create")
@click.argument("code")
@click.option("--name", required=True, help="The unit's full name.")
@click.option("--kind", type=click.Choice([k.value for k in UnitKind]), required=True)
def create_unit(code: str, name: str, kind: str) -> None:
    """Create a unit with CODE."""
    cli_actor()
    try:
        unit = services.create_unit(code, name, kind)
    except Invalid as exc:
        _fail(exc)
        return
    db.session.commit()
    click.echo(_("Unit %(code)s created.", code=unit.code))


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--unit", "units", multiple=True, help="Unit code; repeat for several units.")
@click.option("--display-name", required=True, help="The person's name as colleagues know it.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Initial password (asked for when not given).")
@click.option("--must-change/--no-must-change", default=True, show_default=True,
              help="Whether the password must be changed at first sign-in.")
def create_user(username: str, role: str, units: tuple[str, ...], display_name: str, password: str,
                must_change: bool) -> None:
    """Create a user account USERNAME."""
    cli_actor()
    try:
        user = services.create_user(username, services.UserDetails(display_name, role, list(units)), password,
                                    must_change=must_change)
    except Invalid as exc:
        _fail(exc)
        return
    db.session.commit()
    click.echo(_("User %(username)s (%(role)s) created.", username=user.username, role=user.role))
