"""`flask packages keygen | export | import`: the installation's signing key, and case packages sent and received
from the command line. Each command commits once at its end, or writes nothing."""

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
from app.sharing import exchange, packages, services, signing
from app.subjects.models import Subject

packages_cli = AppGroup("packages", help="Signed case packages between Waypoint installations.")


@packages_cli.command("keygen")
@click.option("--force", is_flag=True, help="Replace an existing key pair (receivers must then trust the new key).")
def keygen(force: bool) -> None:
    """Make this installation's Ed25519 key pair in PACKAGE_KEY_DIR, and show the public key to give receivers."""
    try:
        public = signing.generate(current_app.config["PACKAGE_KEY_DIR"], overwrite=force)
    except signing.KeyProblem as exc:
        raise click.ClickException(str(exc)) from None
    key = signing.signing_key(current_app.config["PACKAGE_KEY_DIR"])
    click.echo(_("Key pair written; key id %(key_id)s.", key_id=signing.key_id(key.public_key())))
    click.echo(_("Give receivers this public key, to save as <your service's name>.pub in their TRUSTED_KEYS_DIR: "
                 "%(path)s", path=public))


@packages_cli.command("export")
@click.argument("reference")
@click.option("--recipient", required=True, help="The receiving agency.")
@click.option("--recipient-person", default="", help="The person at the agency (optional).")
@click.option("--country", default=None, help="ISO 3166 two-letter code of the recipient (default: this service's).")
@click.option("--legal-basis", required=True, help="A code of the service's legal bases (config/legal_bases.yaml).")
@click.option("--purpose", required=True, help="What the package is for.")
@click.option("--section", "sections", multiple=True,
              help="A section to send (repeat the option); default: the sections sent by default.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The package file to write; the PDF case summary is written beside it.")
def export_command(reference: str, recipient: str, recipient_person: str, country: str | None, legal_basis: str,
                   purpose: str, sections: tuple[str, ...], out: Path) -> None:
    """Sign and write the case package of the person with REFERENCE, recorded as a disclosure by cli:<os user>."""
    cli_actor()
    subject = db.session.scalar(select(Subject).where(Subject.reference == reference.strip().upper(),
                                                      Subject.erased_at.is_(None)))
    if subject is None:
        raise click.ClickException(_("No person with reference %(reference)s.", reference=reference))
    chosen = list(sections) or [code for code, _label, default, _required in exchange.section_choices() if default]
    party = services.Party(recipient, recipient_person, country or current_app.config["SERVICE_COUNTRY"],
                           legal_basis, purpose)
    try:
        sent = exchange.send(None, subject, party, chosen)
    except Invalid as exc:
        db.session.rollback()
        problems = "; ".join(f"{name}: {' '.join(found)}" for name, found in exc.field_errors.items())
        raise click.ClickException(f"{exc.message} {problems}".strip()) from None
    except signing.KeyProblem as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    summary = out.with_name(out.stem + ".pdf")
    try:
        out.write_bytes(sent.package)
        summary.write_bytes(sent.summary_pdf)
    except OSError as exc:
        db.session.rollback()  # a package that was not written was not disclosed
        raise click.ClickException(_("Cannot write %(path)s: %(problem)s", path=out,
                                     problem=exc.strerror or exc)) from None
    db.session.commit()
    click.echo(_("%(package)s (SHA-256 %(sha256)s) and %(summary)s written; recorded on the register as "
                 "disclosure D%(id)s.", package=out, sha256=packages.sha256(sent.package), summary=summary,
                 id=sent.disclosure_id))


@packages_cli.command("import")
@click.argument("package_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", required=True, help="Code of the unit that receives the person.")
@click.option("--confirm-reference", default=None,
              help="The person's reference, to add the package to a record this unit already holds under it.")
def import_command(package_file: Path, unit_code: str, confirm_reference: str | None) -> None:
    """Verify PACKAGE_FILE against TRUSTED_KEYS_DIR and keep it, read-only, for the person it is about. Prints the
    person's reference (exit 0), or the reason it was refused, with nothing written (exit 1)."""
    cli_actor()
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code.strip().upper()))
    if unit is None:
        raise click.ClickException(_("No unit with code %(code)s.", code=unit_code))
    limit = current_app.config["PACKAGE_MAX_BYTES"]
    with package_file.open("rb") as source:
        content = source.read(limit + 1)
    try:
        result = exchange.receive(None, unit, content, confirmed_reference=(confirm_reference or "").upper() or None)
    except exchange.NeedsConfirmation as exc:
        db.session.rollback()
        differences = " ".join(exc.differences)
        raise click.ClickException(_("%(problem)s %(differences)s If it is the same person, run again with "
                                     "--confirm-reference %(reference)s. Nothing was written.", problem=exc.message,
                                     differences=differences, reference=exc.subject.reference)) from None
    except Invalid as exc:
        db.session.rollback()
        raise click.ClickException(_("%(file)s: %(problem)s Nothing was written.", file=package_file,
                                     problem=exc.message)) from None
    db.session.commit()
    click.echo(result.subject.reference)
