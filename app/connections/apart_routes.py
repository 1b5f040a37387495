"""Keep-apart pages for supervisors: the keep-aparts awaiting authorisation in their units, and the page where
one is authorised or declined with a reason. Each handler checks access through app/policy.py before it acts;
a person the supervisor may not see is "a person in another unit" here too."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app import policy
from app.audit import trail
from app.connections import apart
from app.connections.apart_forms import AuthoriseKeepApartForm, DeclineKeepApartForm
from app.connections.models import PersonLink
from app.db import db
from app.errors import Conflict, Invalid
from app.forms import show_errors
from app.i18n import gettext as _
from app.ids import form_id

bp = Blueprint("keep_apart", __name__)
supervisors = policy.requires(policy.supervises_cases)


@bp.route("/keep-apart/awaiting")
@supervisors
def awaiting() -> str:
    rows, shown = apart.awaiting_rows(g.user)
    trail.record_view(shown, object_type="keep_aparts_awaiting")
    return render_template("connections/apart_awaiting.html", rows=rows)


def _decide_page(link: PersonLink, authorise_form: AuthoriseKeepApartForm, decline_form: DeclineKeepApartForm,
                 status: int = 200) -> tuple[str, int]:
    """The keep-apart with both forms; its evidence only to a supervisor who may see both people (it is written
    about both, and may name either)."""
    row = apart.awaiting_row(g.user, link)
    shown = [i for i in (row.first_id, row.second_id) if i is not None]
    trail.record_view(shown, object_type="keep_apart", object_id=link.id)
    return render_template("connections/apart_decide.html", row=row, link=link, sees_both=len(shown) == 2,
                           authorise_form=authorise_form, decline_form=decline_form), status


@bp.route("/keep-apart/<int:keep_apart_id>")
@supervisors
def decide(keep_apart_id: int) -> tuple[str, int]:
    link = policy.load_keep_apart_to_authorise(keep_apart_id)
    return _decide_page(link, AuthoriseKeepApartForm(version=str(link.version)),
                        DeclineKeepApartForm(version=str(link.version)))


@bp.route("/keep-apart/<int:keep_apart_id>/authorise", methods=["POST"])
@supervisors
def authorise(keep_apart_id: int) -> Response | tuple[str, int]:
    link = policy.load_keep_apart_to_authorise(keep_apart_id)
    form = AuthoriseKeepApartForm()
    decline_form = DeclineKeepApartForm(formdata=None, version=str(link.version))
    if not form.validate_on_submit():
        return _decide_page(link, form, decline_form, 400)
    try:
        apart.authorise(g.user, link, form_id(form.version.data) or 0)
    except Conflict as exc:
        return _changed(link, form, decline_form, exc)
    flash(_("Keep-apart authorised: every move of either person is now checked against it."), "success")
    return redirect(url_for("keep_apart.awaiting"))


@bp.route("/keep-apart/<int:keep_apart_id>/decline", methods=["POST"])
@supervisors
def decline(keep_apart_id: int) -> Response | tuple[str, int]:
    link = policy.load_keep_apart_to_authorise(keep_apart_id)
    form = DeclineKeepApartForm()
    authorise_form = AuthoriseKeepApartForm(formdata=None, version=str(link.version))
    if not form.validate_on_submit():
        return _decide_page(link, authorise_form, form, 400)
    try:
        apart.decline(g.user, link, form.reason.data or "", form_id(form.version.data) or 0)
    except Invalid as exc:
        show_errors(form, exc)
        return _decide_page(link, authorise_form, form, 400)
    except Conflict as exc:
        return _changed(link, authorise_form, form, exc)
    flash(_("Keep-apart declined: it is kept as history and never enforced."), "success")
    return redirect(url_for("keep_apart.awaiting"))


def _changed(link: PersonLink, authorise_form: AuthoriseKeepApartForm, decline_form: DeclineKeepApartForm,
             exc: Conflict) -> tuple[str, int]:
    """Someone decided (or changed) it meanwhile: nothing is overwritten; show it as it is now, if still open."""
    db.session.rollback()
    db.session.refresh(link)
    if not policy.can_authorise_keep_apart(g.user, link):
        return render_template("errors/error.html", status=409,
                               message=_("%(problem)s It is no longer awaiting authorisation.",
                                         problem=exc.message)), 409
    authorise_form.version.data = decline_form.version.data = str(link.version)
    authorise_form.form_errors.append(exc.message)
    return _decide_page(link, authorise_form, decline_form, 409)
