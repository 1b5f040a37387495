"""The request cycle: one commit per request, the signed-in user, security headers and error pages."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, make_response, render_template, request
from flask.wrappers import Response as FlaskResponse
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response

from app import outage, policy
from app.audit import trail
from app.auth.models import User
from app.auth.sessions import DatabaseSessionInterface, current_session
from app.db import db
from app.errors import Conflict, DomainError, NotAllowed
from app.extensions import csrf
from app.i18n import direction, html_lang, number
from app.i18n import gettext as _

log = logging.getLogger("waypoint")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
STATIC_ENDPOINTS = frozenset({"static", "bootstrap.static"})
V = TypeVar("V", bound=Callable[..., Any])


class WaypointFlask(Flask):
    session_interface = DatabaseSessionInterface()

    def process_response(self, response: FlaskResponse) -> FlaskResponse:
        """After the hooks and the session save: commit once, or roll back a failed request."""
        response = super().process_response(response)
        session = g.get("_db_session")
        if session is not None and not outage.unavailable():
            if response.status_code >= 500:
                session.rollback()
            else:
                session.commit()
        return response

    def handle_exception(self, e: Exception) -> FlaskResponse:
        """An error the handlers did not take: the commit above failing, or an error page that failed to
        render. Flask's answer to it is the 500 path, which reads the database again (the user, for the
        page): while the database is unreachable, answer with the 503 page, which does not."""
        if outage.is_outage(e):
            return self.finalize_request(_unavailable_page(e), from_error_handler=True)
        return super().handle_exception(e)


def register_request_hooks(app: Flask) -> None:
    app.before_request(_start_request)
    app.before_request(_bound_request_size)
    app.before_request(_check_csrf)
    app.before_request(policy.enforce)
    app.after_request(_security_headers)
    app.after_request(_redirect_page)


def _start_request() -> None:
    g.request_id = uuid.uuid4().hex
    g.user = None
    outage.raise_if_unavailable()  # found in the session load
    session = current_session()
    if session.user_id is None:
        return
    user = db.session.get(User, session.user_id)
    if user is None or not user.is_active:
        session.sign_out()
        return
    g.user = user


def accepts_upload(view: V) -> V:
    """Mark a page that receives a file: a signed-in user's requests to it may be as large as MAX_UPLOAD_BYTES,
    not MAX_CONTENT_LENGTH (the form is read, to check its CSRF token, before the page's rule is)."""
    setattr(view, "_waypoint_upload", True)  # noqa: B010 - an attribute functions do not declare
    return view


def _bound_request_size() -> None:
    """A body declared larger than the page accepts is refused (413) before any of it is read, whatever its
    type. One streamed without a length is read up to the limit and refused if more follows: Werkzeug stops
    at the limit silently for all but multipart bodies, and would hand on a form cut short."""
    view = current_app.view_functions.get(request.endpoint or "")
    if g.user is not None and getattr(view, "_waypoint_upload", False):
        request.max_content_length = current_app.config["MAX_UPLOAD_BYTES"]
    limit = request.max_content_length
    if limit is None:
        return
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()
    if request.content_length is None and request.environ.get("wsgi.input_terminated") \
            and request.mimetype != "multipart/form-data":
        body = request.get_data(cache=True, parse_form_data=False)  # kept for the form parser
        if len(body) >= limit and request.environ["wsgi.input"].read(1):
            raise RequestEntityTooLarge()


def _check_csrf() -> None:
    """Every state-changing request carries the token of a form Waypoint served (Flask-WTF)."""
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect(apply_exemptions=True)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.endpoint not in STATIC_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if g.get("request_id"):
        headers["X-Request-Id"] = g.request_id
    if current_app.config.get("HSTS"):
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response


def _rollback_keeping_refusals() -> None:
    """Undo the failed request's writes, but keep the audit events of the refusal itself."""
    kept: list[trail.PendingEvent] = g.pop("audit_kept_on_error", [])
    if g.get("_db_session") is None:
        return
    db.session.rollback()
    trail.requeue(db.session, kept)


def _redirect_page(response: Response) -> Response:
    """The few words a redirect's body holds (a browser follows it before showing them), in the page's
    language rather than Werkzeug's English."""
    location = response.headers.get("Location")
    if 300 <= response.status_code < 400 and location and response.mimetype == "text/html" \
            and not response.direct_passthrough:
        title, link = escape(_("Redirecting…")), escape(_("Continue"))
        response.set_data(f'<!doctype html>\n<html lang="{html_lang()}" dir="{direction()}">\n'
                          f'<title>{title}</title>\n<h1>{title}</h1>\n'
                          f'<p><a href="{escape(location)}">{link}</a></p>\n')
    return response


def _size(n: int) -> str:
    if n >= 2**20:
        return str(_("%(size)s MB", size=number(round(n / 2**20, 1))))
    return str(_("%(size)s KB", size=number(max(1, round(n / 2**10)))))


def _description(exc: HTTPException) -> str | None:
    """What a 400 or 405 says beyond its title: the message the code gave (translated where it was raised),
    none for Werkzeug's own English default (the title says it)."""
    if exc.description == type(exc).description:
        return None
    return exc.description


def _error_page(status: int, message: str | None = None, **context: Any) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, message=message, **context), status


def _unavailable_page(exc: BaseException) -> FlaskResponse:
    """Waypoint's 503 page, made without the database: nothing is read, and the request writes nothing
    more. Who is signed in cannot be checked, so the page is the one anyone gets (no navigation)."""
    outage.mark_unavailable(exc)
    g.user = None
    request_id = g.get("request_id") or uuid.uuid4().hex
    g.request_id = request_id
    log.error("database unavailable request_id=%s endpoint=%s: %s", request_id, request.endpoint,
              outage.describe(exc))
    response = make_response(render_template("errors/error.html", status=503, request_id=request_id), 503)
    response.headers["Retry-After"] = str(outage.RETRY_AFTER_SECONDS)
    return response


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[str, int]:
        _rollback_keeping_refusals()
        # A forged or stale form is a refusal like any other: on the record.
        trail.record("denied", details={"status": 400, "reason": f"CSRF: {exc.description}",
                                        "endpoint": request.endpoint, "method": request.method,
                                        "path": request.path})
        return _error_page(
            400,
            _("The form could not be accepted because its security token was missing or out of date. "
              "Go back, reload the page and send it again."),
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_exc: RequestEntityTooLarge) -> tuple[str, int]:
        _rollback_keeping_refusals()
        limit = request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"]
        return _error_page(413, _("This page accepts at most %(size)s. Nothing was saved: go back, shorten the "
                                  "text or choose a smaller file, and send it again.", size=_size(limit)))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response | tuple[str, int]:
        _rollback_keeping_refusals()
        status = exc.code or 500
        if status in (301, 302, 303, 307, 308):
            return exc.get_response()
        return _error_page(status, _description(exc) if status in (400, 405) else None)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> tuple[str, int]:
        _rollback_keeping_refusals()
        status = 403 if isinstance(exc, NotAllowed) else 409 if isinstance(exc, Conflict) else 400
        return _error_page(status, exc.message)

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> FlaskResponse | tuple[str, int]:
        if outage.is_outage(exc):
            return _unavailable_page(exc)
        if g.get("_db_session") is not None:
            db.session.rollback()
        request_id = g.get("request_id") or uuid.uuid4().hex
        log.exception("unhandled error request_id=%s endpoint=%s", request_id, request.endpoint)
        return _error_page(500, request_id=request_id)
