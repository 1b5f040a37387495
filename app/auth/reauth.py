"""Re-authentication before sensitive actions (ASVS 3.7.1): approving or returning an assessment, every
export, changing a user's role or units, resetting a user's second factor.

When the session's last authentication (its sign-in, or a later confirmation) is older than REAUTH_AFTER,
the action is not carried out:

* a GET is sent to /account/confirm?next=<itself> and comes back after the confirmation;
* a POST is kept: its fields (never its CSRF token) wait in the server-side session while the user
  confirms, and then a page offers them back with one button that sends them again. Nothing typed is
  lost, and nothing is done without the user pressing that button after confirming.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, url_for
from flask_babel.speaklater import LazyString
from werkzeug.wrappers import Response

from app.auth.redirects import local_path
from app.auth.sessions import ServerSession, current_session
from app.db import utcnow
from app.i18n import gettext as _

F = TypeVar("F", bound=Callable[..., Any])

CONFIRMED_AT_KEY = "reauthenticated_at"
RESUME_KEY = "reauth_resume"


@dataclass(frozen=True)
class Resume:
    """A POST held back until the user confirmed who they are."""

    path: str
    action: str
    fields: list[tuple[str, str]]
    back: str


def last_authenticated_at(session: ServerSession) -> datetime | None:
    """The later of the sign-in and the last confirmation of the password."""
    times = [t for t in (session.authenticated_at, _confirmed_at(session)) if t is not None]
    return max(times) if times else None


def is_recent(session: ServerSession) -> bool:
    last = last_authenticated_at(session)
    return last is not None and utcnow() - last <= current_app.config["REAUTH_AFTER"]


def mark_confirmed(session: ServerSession) -> None:
    """Record the confirmation in the session (not the row's authenticated_at: that bounds its life)."""
    session[CONFIRMED_AT_KEY] = utcnow().isoformat()


def demand_recent_auth(action: str | LazyString) -> Response | None:
    """None when the session authenticated recently; otherwise the redirect that asks for the password.

    `action` completes "To …, confirm your password", e.g. "approve the assessment": translated by the caller
    (`_l(...)` in a decorator), a phrase that begins with a verb.
    """
    action = str(action)
    session = current_session()
    if is_recent(session):
        held = pending_resume(session)
        if held is not None and request.method == "POST" and held.path == request.path:
            session.pop(RESUME_KEY, None)  # sent again: done with it
        return None
    flash(_("To %(action)s, confirm your password first. You signed in more than %(minutes)s minutes ago.",
            action=action, minutes=_minutes(current_app.config["REAUTH_AFTER"])), "info")
    if request.method != "POST":
        return redirect(url_for("auth.confirm", next=request.full_path.rstrip("?")))
    session[RESUME_KEY] = {
        "path": request.path,
        "action": action,
        "fields": [[k, v] for k, v in request.form.items(multi=True) if k != "csrf_token"],
        "back": _same_site_referrer() or url_for("main.home"),
    }
    return redirect(url_for("auth.confirm"))


def requires_recent_auth(action: str | LazyString) -> Callable[[F], F]:
    """Decorate a view (below its @policy.requires) so that it runs only after a recent authentication."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            stale = demand_recent_auth(action)
            return stale if stale is not None else view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def pending_resume(session: ServerSession) -> Resume | None:
    held = session.get(RESUME_KEY)
    if not isinstance(held, dict):
        return None
    try:
        return Resume(str(held["path"]), str(held["action"]), [(str(k), str(v)) for k, v in held["fields"]],
                      str(held["back"]))
    except (KeyError, TypeError, ValueError):
        return None


def _confirmed_at(session: ServerSession) -> datetime | None:
    value = session.get(CONFIRMED_AT_KEY)
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _same_site_referrer() -> str | None:
    """The page the form was on, when it is a page of this site (the Referrer-Policy is same-origin)."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != request.host:
        return None
    return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))


def _minutes(delta: Any) -> int:
    return int(delta.total_seconds() // 60)
