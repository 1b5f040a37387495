"""Sign-in (password, then the TOTP code), sign-out, the user's own password, TOTP enrolment, and
confirming one's password before a sensitive action."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import refresh
from werkzeug.wrappers import Response

from app import i18n, policy
from app.auth import reauth, services, totp
from app.auth.forms import ChangePasswordForm, CodeForm, LanguageForm, LoginForm, ReauthForm
from app.auth.models import User
from app.auth.redirects import local_path
from app.auth.services import LoginOutcome, LoginResult
from app.auth.sessions import ServerSession, current_session, purge_expired
from app.db import utcnow
from app.errors import Invalid
from app.forms import SelectChoice, show_errors
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l

bp = Blueprint("auth", __name__)

# The half-signed-in state between a right password and its code: the user's id and when it began.
PENDING_USER_KEY = "mfa_pending_user"
PENDING_SINCE_KEY = "mfa_pending_since"
# A secret shown for enrolment, kept server-side until a code from it is confirmed.
ENROLMENT_SECRET_KEY = "totp_enrolment_secret"  # noqa: S105 - a session key's name, not a secret
THROTTLED_MESSAGE = _l("Too many failed sign-ins. Wait 15 minutes and try again, or ask an administrator to clear "
                       "the failed sign-ins of your account.")


@bp.after_request
def _remember_language(response: Response) -> Response:
    """A language picked on the sign-in page (?lang=fr) is remembered for the pages before sign-in."""
    picked = request.args.get("lang")
    if picked and picked in i18n.offered():
        response.set_cookie(i18n.LANGUAGE_COOKIE, picked, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def _safe_next(target: str | None) -> str:
    """Only a path on this site (app/auth/redirects.py); anything else goes home."""
    return local_path(target) or url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    session = current_session()
    if g.user is not None:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET" and session.expired:
        flash(_("Your session has ended. Please sign in again."), "info")
    if form.validate_on_submit():
        result = services.authenticate(form.username.data or "", form.password.data or "", request.remote_addr or "")
        if result.outcome is LoginOutcome.THROTTLED:
            form.form_errors.append(str(THROTTLED_MESSAGE))
            return render_template("auth/login.html", form=form), 429
        if result.outcome is LoginOutcome.BAD_CREDENTIALS or result.user is None:
            form.form_errors.append(_("The username or password is not correct."))
            return render_template("auth/login.html", form=form), 200
        purge_expired(current_app.config["SESSION_IDLE_TIMEOUT"])
        session.clear()
        if result.outcome is LoginOutcome.CODE_REQUIRED:
            # Not signed in yet: only the code page knows this state, under a new token.
            session[PENDING_USER_KEY] = result.user.id
            session[PENDING_SINCE_KEY] = utcnow().isoformat()
            session.renew()
            return redirect(url_for("auth.login_code", next=request.args.get("next")))
        return _signed_in(session, result.user)
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def _signed_in(session: ServerSession, user: User) -> Response:
    session.sign_in(user.id)
    if user.must_change_password:
        flash(_("Choose a new password before you continue."), "warning")
        return redirect(url_for("auth.change_password"))
    return redirect(_safe_next(request.args.get("next")))


def _pending_user_id(session: ServerSession) -> int | None:
    """The user whose password was right, while the code step has not timed out."""
    user_id, since = session.get(PENDING_USER_KEY), session.get(PENDING_SINCE_KEY)
    if not isinstance(user_id, int) or not isinstance(since, str):
        return None
    try:
        started = datetime.fromisoformat(since)
    except ValueError:
        return None
    if utcnow() - started > current_app.config["TOTP_CODE_TIMEOUT"]:
        return None
    return user_id


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> Response | str | tuple[str, int]:
    """Second step of sign-in for users with a second factor. Public: the pending state is the guard."""
    session = current_session()
    if g.user is not None:
        return redirect(url_for("main.home"))
    user_id = _pending_user_id(session)
    if user_id is None:
        if session.pop(PENDING_USER_KEY, None) is not None:
            flash(_("Sign-in took too long. Enter your username and password again."), "info")
        session.pop(PENDING_SINCE_KEY, None)
        return redirect(url_for("auth.login", next=request.args.get("next")))
    form = CodeForm()
    if form.validate_on_submit():
        result = services.authenticate_code(user_id, form.code.data or "", request.remote_addr or "")
        if result.outcome is LoginOutcome.OK and result.user is not None:
            session.clear()
            return _signed_in(session, result.user)
        if result.outcome is LoginOutcome.THROTTLED or result.locked or result.user is None:
            session.clear()  # the password must be given again, after the lockout
            message = str(THROTTLED_MESSAGE) if result.user else _("Sign in again.")
            return render_template("errors/error.html", status=429, message=message), 429
        form.code.errors = [_code_problem(result)]
        return render_template("auth/login_code.html", form=form), 200
    status = 400 if form.errors else 200
    return render_template("auth/login_code.html", form=form), status


def _code_problem(result: LoginResult) -> str:
    if result.reason == totp.CodeCheck.REUSED.value:
        return str(_("That code has already been used. Wait for your app to show a new code, then enter it."))
    return str(_("The code is not correct. Enter the 6-digit code your authenticator app shows now."))


@bp.route("/logout", methods=["POST"])
@policy.requires(policy.authenticated)
def logout() -> Response:
    session = current_session()
    services.record_logout(g.user)
    session.sign_out()
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@policy.requires(policy.authenticated)
def account() -> Response | str | tuple[str, int]:
    """The user's own page: who they are, their language, and the ways to their password and second factor."""
    user: User = g.user
    form = LanguageForm()
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = i18n.offered()
    service = languages.get(default, default)
    # Each language named in itself, marked as such for screen readers (the page may be in another).
    form.language.choices = [SelectChoice("", _("The service's language (%(language)s)", language=service))]
    form.language.choices += [SelectChoice(code, name, render_kw={"lang": i18n.html_lang(code)})
                              for code, name in languages.items()]
    if request.method == "GET":
        form.language.data = user.language if user.language in languages else ""
    if form.validate_on_submit():
        services.set_language(user, form.language.data or None)
        refresh()  # this response, and the next page, in the new language
        flash(_("Your language has been changed."), "success")
        return redirect(url_for("auth.account"))
    status = 400 if form.errors else 200
    return render_template("auth/account.html", form=form, user=user), status


@bp.route("/account/password", methods=["GET", "POST"])
@policy.requires(policy.authenticated)
def change_password() -> Response | str | tuple[str, int]:
    session = current_session()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            result = services.change_own_password(g.user, form.current_password.data or "",
                                                  form.new_password.data or "", request.remote_addr or "")
        except Invalid as exc:
            for name, problems in exc.field_errors.items():
                getattr(form, name).errors = list(problems)
            return render_template("auth/change_password.html", form=form), 400
        if result.outcome is LoginOutcome.THROTTLED or result.locked:
            return _signed_out_after_failures(session)
        if result.outcome is not LoginOutcome.OK:
            form.current_password.errors = [_("Your current password is not correct.")]
            return render_template("auth/change_password.html", form=form), 400
        # Every session of the user has ended; this browser continues under a new one.
        session.sign_in(g.user.id)
        flash(_("Your password has been changed. Any other sessions have been signed out."), "success")
        return redirect(url_for("main.home"))
    status = 400 if form.errors else 200
    return render_template("auth/change_password.html", form=form), status


@bp.route("/account/totp", methods=["GET", "POST"])
@policy.requires(policy.authenticated)
def enrol_totp() -> Response | str | tuple[str, int]:
    """Set up two-step sign-in: a new secret as a QR code and as text, confirmed by a code from it."""
    session = current_session()
    user: User = g.user
    if user.totp_secret is not None:
        return render_template("auth/totp_enrolled.html")
    held = session.get(ENROLMENT_SECRET_KEY)
    secret = held if isinstance(held, str) and totp.is_secret(held) else totp.new_secret()
    if held != secret:
        session[ENROLMENT_SECRET_KEY] = secret
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            totp.confirm_enrolment(user, secret, form.code.data or "")
        except Invalid as exc:
            show_errors(form, exc)
            status = 400
        else:
            session.pop(ENROLMENT_SECRET_KEY, None)
            flash(_("Two-step sign-in is set up. From now on you will be asked for a code from your app after "
                    "your password."), "success")
            return redirect(url_for("main.home"))
    elif form.errors:
        status = 400
    uri = totp.provisioning_uri(secret, user.username)
    qr = totp.qr_svg(uri, _("QR code of your Waypoint key. If you cannot scan it, type the key shown below it."))
    return render_template("auth/totp_enrol.html", form=form, qr=qr, secret=totp.grouped(secret),
                           required=policy.must_enrol_second_factor(user)), status


@bp.route("/account/confirm", methods=["GET", "POST"])
@policy.requires(policy.authenticated)
def confirm() -> Response | str | tuple[str, int]:
    """Ask for the password again (and the code, for users with one) before a sensitive action."""
    session = current_session()
    user: User = g.user
    needs_code = user.totp_secret is not None
    form = ReauthForm()
    held = reauth.pending_resume(session)
    if form.validate_on_submit():
        if needs_code and not (form.code.data or "").strip():
            form.code.errors = [_("Enter the 6-digit code from your app.")]
        else:
            result = services.reauthenticate(user, form.password.data or "", form.code.data or "",
                                             request.remote_addr or "")
            if result.outcome is LoginOutcome.OK:
                reauth.mark_confirmed(session)
                if held is not None and not request.args.get("next"):
                    return redirect(url_for("auth.resume"))
                return redirect(_safe_next(request.args.get("next")))
            if result.outcome is LoginOutcome.THROTTLED or result.locked:
                return _signed_out_after_failures(session)
            if result.outcome is LoginOutcome.BAD_CODE:
                form.code.errors = [_code_problem(result)]
            else:
                form.password.errors = [_("Your password is not correct.")]
    status = 400 if form.errors else 200
    return render_template("auth/confirm.html", form=form, needs_code=needs_code, held=held), status


def _signed_out_after_failures(session: ServerSession) -> tuple[str, int]:
    """Someone guessing at an open session: it ends here."""
    session.sign_out()
    g.user = None
    message = _("Your password or code was wrong too many times, so you have been signed out and the account is "
                "locked for 15 minutes. If this was not you, tell your system administrator.")
    return render_template("errors/error.html", status=429, message=message), 429


@bp.route("/account/confirm/continue")
@policy.requires(policy.authenticated)
def resume() -> Response | str:
    """After confirming: what the user had sent, ready to send again with one button."""
    session = current_session()
    held = reauth.pending_resume(session)
    if held is None:
        return redirect(url_for("main.home"))
    if not reauth.is_recent(session):
        return redirect(url_for("auth.confirm"))
    return render_template("auth/resume.html", held=held)
