"""Sign-in, sign-out and the user's own password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app import policy
from app.auth import services
from app.auth.forms import ChangePasswordForm, LoginForm
from app.auth.services import LoginOutcome
from app.auth.sessions import current_session, purge_expired
from app.errors import Invalid

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site; anything else (another host, a scheme) goes home."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    session = current_session()
    if g.user is not None:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET" and session.expired:
        flash("Your session has ended. Please sign in again.", "info")
    if form.validate_on_submit():
        result = services.authenticate(form.username.data or "", form.password.data or "", request.remote_addr or "")
        if result.outcome is LoginOutcome.THROTTLED:
            form.form_errors.append(
                "Too many failed sign-ins. Wait 15 minutes and try again, or ask an administrator to reset "
                "your password."
            )
            return render_template("auth/login.html", form=form), 429
        if result.outcome is LoginOutcome.BAD_CREDENTIALS or result.user is None:
            form.form_errors.append("The username or password is not correct.")
            return render_template("auth/login.html", form=form), 200
        purge_expired(current_app.config["SESSION_IDLE_TIMEOUT"])
        session.clear()
        session.sign_in(result.user.id)
        if result.user.must_change_password:
            flash("Choose a new password before you continue.", "warning")
            return redirect(url_for("auth.change_password"))
        return redirect(_safe_next(request.args.get("next")))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@policy.requires(policy.authenticated)
def logout() -> Response:
    session = current_session()
    services.record_logout(g.user)
    session.sign_out()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@policy.requires(policy.authenticated)
def change_password() -> Response | str | tuple[str, int]:
    session = current_session()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(g.user, form.current_password.data or "", form.new_password.data or "")
        except Invalid as exc:
            for name, problems in exc.field_errors.items():
                getattr(form, name).errors = list(problems)
            return render_template("auth/change_password.html", form=form), 400
        # Every session of the user has ended; this browser continues under a new one.
        session.sign_in(g.user.id)
        flash("Your password has been changed. Any other sessions have been signed out.", "success")
        return redirect(url_for("main.home"))
    status = 400 if form.errors else 200
    return render_template("auth/change_password.html", form=form), status
