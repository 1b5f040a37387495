"""Server-side sessions stored in the database.

The cookie carries a random token; the `user_sessions` row is keyed by its SHA-256, so a copy of the
table gives no usable cookie. A session expires 30 minutes after its last request (idle) and 12 hours
after sign-in (absolute). Sign-in issues a new token; sign-out deletes the row. While the database cannot
be reached the session is neither loaded nor saved, and the cookie is left as it is (app/outage.py).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import Select, bindparam, delete, inspect, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import CallbackDict
from werkzeug.wrappers import Response

from app import outage
from app.auth.models import User, UserSession
from app.db import built_once, db, utcnow

TOUCH_INTERVAL = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict[str, Any], SessionMixin):
    def __init__(self, initial: dict[str, Any] | None = None, *, row: UserSession | None = None) -> None:
        def on_update(_self: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.row = row
        self.modified = False
        self.regenerate = False
        self.destroy = False
        self.expired = False
        self.user_id: int | None = row.user_id if row else None
        self.authenticated_at: datetime | None = row.authenticated_at if row else None

    @property
    def new(self) -> bool:  # type: ignore[override]
        return self.row is None

    def sign_in(self, user_id: int) -> None:
        """Bind to a user under a new token (the old row, if any, is deleted)."""
        self.user_id = user_id
        self.authenticated_at = utcnow()
        self.regenerate = True
        self.modified = True

    def renew(self) -> None:
        """Keep the data under a new token (a step of sign-in that is not yet a sign-in)."""
        self.regenerate = True
        self.modified = True

    def sign_out(self) -> None:
        self.clear()
        self.destroy = True


def _session_row() -> Select[tuple[UserSession]]:
    # The signed-in user and their units come in the same statement: every page asks for them next.
    return (select(UserSession).where(UserSession.id == bindparam("digest"))
            .options(joinedload(UserSession.user).joinedload(User.units)))


def is_expired(row: UserSession, now: datetime, idle: Any, absolute: Any) -> bool:
    if now - row.last_seen_at > idle:
        return True
    return row.authenticated_at is not None and now - row.authenticated_at > absolute


class DatabaseSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if not token:
            return ServerSession()
        try:
            row = db.session.scalars(built_once(_session_row), {"digest": token_digest(token)}).unique().first()
        except Exception as exc:
            if not outage.is_outage(exc):
                raise
            # Raised from here the error would leave the request without a session, and Flask's error path
            # without a way to render a page: note it instead, and let the request's first hook answer 503.
            outage.mark_unavailable(exc)
            return ServerSession()
        if row is None:
            session = ServerSession()
            session.expired = True
            return session
        now = utcnow()
        if is_expired(row, now, app.config["SESSION_IDLE_TIMEOUT"], app.config["SESSION_ABSOLUTE_TIMEOUT"]):
            db.session.delete(row)
            session = ServerSession()
            session.expired = row.user_id is not None
            return session
        return ServerSession(json.loads(row.data or "{}"), row=row)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, ServerSession):
            raise TypeError("DatabaseSessionInterface saves only its own sessions")
        if outage.unavailable():
            return  # nothing can be saved; the cookie stays, and the session with it once the database is back
        name = self.get_cookie_name(app)
        cookie: dict[str, Any] = {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
        }
        row = session.row
        if row is not None and (session.destroy or session.regenerate or _gone(row)):
            # By primary key, not ORM delete: the row may already be gone (all sessions ended).
            db.session.execute(
                delete(UserSession).where(UserSession.id == row.id).execution_options(synchronize_session=False)
            )
            session.row = row = None
            if not session.regenerate:
                response.delete_cookie(name, domain=cookie["domain"], path=cookie["path"])
                return
        if session.destroy:
            response.delete_cookie(name, domain=cookie["domain"], path=cookie["path"])
            return
        if row is not None:
            now = utcnow()
            # Touch at most once a minute: the idle timeout needs no finer grain, and most requests
            # then write nothing for the session.
            if now - row.last_seen_at >= TOUCH_INTERVAL:
                row.last_seen_at = now
            if session.modified:
                row.data = json.dumps(dict(session))
            return
        if not session and session.user_id is None:
            return  # a visitor with nothing in the session gets no row and no cookie
        token = secrets.token_urlsafe(32)
        row = UserSession(
            id=token_digest(token),
            user_id=session.user_id,
            data=json.dumps(dict(session)),
            authenticated_at=session.authenticated_at,
            last_seen_at=utcnow(),
            ip=request.remote_addr,
            user_agent=(request.user_agent.string or "")[:300],
        )
        db.session.add(row)
        session.row = row
        response.set_cookie(name, token, **cookie)


def end_all_sessions(user_id: int) -> int:
    """Delete every session of a user (password change or reset, disable, admin action)."""
    result = db.session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_expired(idle: Any) -> None:
    """Remove sessions idle for longer than the timeout (called at sign-in; cheap, indexed)."""
    db.session.execute(delete(UserSession).where(UserSession.last_seen_at < utcnow() - idle))


def _gone(row: UserSession) -> bool:
    state = inspect(row)
    return bool(state.deleted or state.was_deleted or state.detached)


def current_session() -> ServerSession:
    """The request's session, typed (the app always uses DatabaseSessionInterface)."""
    from flask import session

    if not isinstance(session._get_current_object(), ServerSession):  # type: ignore[attr-defined]
        raise TypeError("the application is not using server-side sessions")
    return session._get_current_object()  # type: ignore[attr-defined,no-any-return]
