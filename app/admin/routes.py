"""Administration of users and units. Admins only; no case content here."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app import policy
from app.admin import services
from app.admin.forms import ConfirmForm, EditUnitForm, EditUserForm, NewUserForm, ResetPasswordForm, UnitForm
from app.assessments import accreditation, catalogue
from app.assessments.forms import AccreditationForm
from app.auth import reauth
from app.auth.models import Unit, User, user_units
from app.auth.services import recent_failures
from app.auth.sessions import current_session
from app.db import db, utcnow
from app.errors import Conflict, Invalid
from app.forms import SelectChoice, parse_date, show_errors
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.i18n import ngettext
from app.ids import form_id

bp = Blueprint("admin", __name__)
admin_only = policy.requires(policy.manages_users)


def _unit_choices() -> list[SelectChoice]:
    return [SelectChoice(u.code, f"{u.name} ({u.code})") for u in db.session.scalars(select(Unit).order_by(Unit.code))]


@bp.route("/users")
@admin_only
def users() -> str:
    rows = db.session.scalars(select(User).options(selectinload(User.units)).order_by(User.username)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def new_user() -> Response | str | tuple[str, int]:
    # A new account grants a role and units, as an edit of them does: the same recent authentication.
    if request.method == "POST" and not reauth.is_recent(current_session()):
        # Not held back to be sent again like other stale forms: it carries the initial password, which must
        # never wait in the session store. Asked on opening the form, this is rare (a form left open 15 min).
        flash(_("To create an account, confirm your password first. Nothing was created: fill in the form again "
                "after confirming."), "info")
        return redirect(url_for("auth.confirm", next=url_for("admin.new_user")))
    stale = reauth.demand_recent_auth(_("create an account"))
    if stale is not None:
        return stale
    form = NewUserForm()
    form.units.choices = _unit_choices()
    if form.validate_on_submit():
        details = services.UserDetails(form.display_name.data or "", form.role.data or "", form.units.data or [])
        try:
            user = services.create_user(form.username.data or "", details, form.password.data or "")
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("admin/user_new.html", form=form), 400
        flash(_("Account %(username)s created. Give them the initial password in person; they must change it "
                "when they first sign in.", username=user.username), "success")
        return redirect(url_for("admin.user", user_id=user.id))
    return render_template("admin/user_new.html", form=form), 400 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user(user_id: int) -> Response | str | tuple[str, int]:
    target = policy.load_user(user_id)
    form = EditUserForm(obj=target)
    form.units.choices = _unit_choices()
    if not form.is_submitted():
        form.units.data = [u.code for u in target.units]
        form.version.data = str(target.version)
    if form.validate_on_submit():
        details = services.UserDetails(form.display_name.data or "", form.role.data or "", form.units.data or [])
        if services.changes_access(target, details):
            stale = reauth.demand_recent_auth(_("change this user's role or units"))
            if stale is not None:
                return stale
        try:
            services.update_user(g.user, target, details, form_id(form.version.data) or 0)
        except Invalid as exc:
            show_errors(form, exc)
            return _user_page(target, form), 400
        except Conflict as exc:
            # Keep what this admin typed; show what is saved now; saving again is a deliberate choice.
            db.session.rollback()
            db.session.refresh(target)
            form.version.data = str(target.version)
            units = ", ".join(u.code for u in target.units) or _("none")
            form.form_errors.append(
                _("%(problem)s Saved now: name “%(name)s”, role %(role)s, units %(units)s. Your changes are still "
                  "in the form below and were not saved: check them and save again.", problem=exc.message,
                  name=target.display_name, role=target.role_enum.label, units=units)
            )
            return _user_page(target, form), 409
        flash(_("Changes saved."), "success")
        return redirect(url_for("admin.user", user_id=target.id))
    return _user_page(target, form), 400 if form.errors else 200


def _user_page(target: User, form: EditUserForm, reset_form: ResetPasswordForm | None = None) -> str:
    return render_template("admin/user.html", target=target, form=form, reset_form=reset_form or ResetPasswordForm(),
                           confirm_form=ConfirmForm(), totp_required=policy.must_enrol_second_factor(target),
                           sessions=services.active_sessions(target),
                           locked=target.locked_until is not None and target.locked_until > utcnow(),
                           recent_failures=recent_failures(target.username),
                           window_minutes=int(current_app.config["LOGIN_WINDOW"].total_seconds() // 60))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_only
def reset_password(user_id: int) -> Response | str | tuple[str, int]:
    target = policy.load_user(user_id)
    reset_form = ResetPasswordForm()
    if reset_form.validate_on_submit():
        try:
            ended = services.reset_password(target, reset_form.new_password.data or "")
        except Invalid as exc:
            reset_form.new_password.errors = list(exc.field_errors.get("new_password", [exc.message]))
        else:
            flash(ngettext("Temporary password set; %(num)d session ended. %(name)s must choose a new password "
                           "at next sign-in.",
                           "Temporary password set; %(num)d sessions ended. %(name)s must choose a new password "
                           "at next sign-in.", ended, name=target.display_name), "success")
            return redirect(url_for("admin.user", user_id=target.id))
    form = EditUserForm(obj=target)
    form.units.choices = _unit_choices()
    form.units.data = [u.code for u in target.units]
    form.version.data = str(target.version)
    return _user_page(target, form, reset_form), 400


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_only
def toggle_active(user_id: int) -> Response:
    target = policy.load_user(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.set_active(g.user, target, not target.is_active)
        except Invalid as exc:
            flash(exc.message, "warning")
        else:
            flash(_("Account enabled.") if target.is_active else _("Account disabled and signed out."), "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/lockout/clear", methods=["POST"])
@admin_only
def clear_lockout(user_id: int) -> Response:
    target = policy.load_user(user_id)
    if ConfirmForm().validate_on_submit():
        services.clear_lockout(target)
        flash(_("Failed sign-ins cleared: %(name)s can sign in again now, from any address.",
                name=target.display_name), "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@admin_only
def end_sessions(user_id: int) -> Response:
    target = policy.load_user(user_id)
    if ConfirmForm().validate_on_submit():
        ended = services.end_sessions(target)
        flash(ngettext("%(num)d session ended.", "%(num)d sessions ended.", ended), "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/sessions/<session_id>/end", methods=["POST"])
@admin_only
def end_session(user_id: int, session_id: str) -> Response:
    target = policy.load_user(user_id)
    if ConfirmForm().validate_on_submit():
        if services.end_session(target, session_id):
            flash(_("Session ended."), "success")
        else:
            flash(_("That session had already ended."), "info")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/totp/reset", methods=["POST"])
@admin_only
@reauth.requires_recent_auth(_l("reset this user's two-step sign-in"))
def reset_totp(user_id: int) -> Response:
    target = policy.load_user(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            ended = services.reset_totp(g.user, target)
        except Invalid as exc:
            flash(exc.message, "warning")
        else:
            flash(ngettext("Two-step sign-in reset; %(num)d session ended. %(name)s sets it up again at next "
                           "sign-in.",
                           "Two-step sign-in reset; %(num)d sessions ended. %(name)s sets it up again at next "
                           "sign-in.", ended, name=target.display_name), "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/units")
@admin_only
def units() -> str:
    member_count = (
        select(func.count()).select_from(user_units).where(user_units.c.unit_id == Unit.id).scalar_subquery()
    )
    rows = db.session.execute(select(Unit, member_count).order_by(Unit.code)).all()
    return render_template("admin/units.html", units=rows)


@bp.route("/units/new", methods=["GET", "POST"])
@admin_only
def new_unit() -> Response | str | tuple[str, int]:
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = services.create_unit(form.code.data or "", form.name.data or "", form.kind.data or "")
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("admin/unit_form.html", form=form, unit=None), 400
        flash(_("Unit %(code)s created.", code=unit.code), "success")
        return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=None), 400 if form.errors else 200


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@admin_only
def unit(unit_id: int) -> Response | str | tuple[str, int]:
    target = policy.load_unit(unit_id)
    form = EditUnitForm(obj=target)
    if form.validate_on_submit():
        try:
            services.update_unit(target, form.name.data or "", form.kind.data or "")
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("admin/unit_form.html", form=form, unit=target), 400
        flash(_("Changes saved."), "success")
        return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=target), 400 if form.errors else 200


@bp.route("/accreditations", methods=["GET", "POST"])
@policy.requires(policy.manages_accreditations)
def accreditations() -> Response | str | tuple[str, int]:
    form = AccreditationForm()
    case_workers = db.session.scalars(
        select(User).where(User.role.in_(sorted(policy.CASE_ROLES)), User.is_active.is_(True))
        .order_by(User.display_name)).all()
    form.user.choices = [SelectChoice("", _("Choose a user"))] + [
        SelectChoice(str(u.id), f"{u.display_name} ({u.username})") for u in case_workers]
    instruments = sorted({(i.id, i.title) for i in catalogue.all_instruments().values()})
    form.instrument.choices = [SelectChoice("", _("Choose an instrument"))] + [
        SelectChoice(ident, title) for ident, title in instruments]
    if form.validate_on_submit():
        user_id = form_id(form.user.data)
        target = db.session.get(User, user_id) if user_id is not None else None
        valid_until, problem = parse_date(form.valid_until.data)
        try:
            accreditation.grant(target, form.instrument.data or "", valid_until, granted_by=g.user,
                                date_problem=problem)
        except Invalid as exc:
            show_errors(form, exc)
            return _accreditations_page(form), 400
        flash(_("Accreditation recorded."), "success")
        return redirect(url_for("admin.accreditations"))
    return _accreditations_page(form), 400 if form.errors else 200


def _accreditations_page(form: AccreditationForm) -> str:
    return render_template("admin/accreditations.html", form=form, rows=accreditation.current_rows(),
                           confirm_form=ConfirmForm(), today=utcnow().date())


@bp.route("/accreditations/<int:accreditation_id>/revoke", methods=["POST"])
@policy.requires(policy.manages_accreditations)
def revoke_accreditation(accreditation_id: int) -> Response:
    row = policy.load_accreditation(accreditation_id)
    if ConfirmForm().validate_on_submit():
        accreditation.revoke(row)
        flash(_("Accreditation revoked."), "success")
    return redirect(url_for("admin.accreditations"))
