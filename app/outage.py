"""When the database cannot be reached: what counts as that, and the request's note that it happened.

The error path must not need the database (DESIGN §8): a request that finds it unreachable, in the
session load, the user load, a query or the commit, is answered with Waypoint's own 503 page, and nothing
after that point (the session save, the commit, the page itself) touches the database again.
"""

from __future__ import annotations

import logging

from flask import g
from sqlalchemy import exc as sa_exc

from app.db import db

log = logging.getLogger("waypoint")

# How long the 503 page asks browsers and clients to wait before trying again (Retry-After).
RETRY_AFTER_SECONDS = 30

# SQLite reports mistakes in the SQL or the schema as OperationalError too; those are faults, not outages.
_SQLITE_FAULTS = ("no such table", "no such column", "syntax error")


class DatabaseUnavailable(Exception):
    """The database could not be reached earlier in this request (the session load caught it)."""


def is_outage(error: BaseException) -> bool:
    """Whether `error`, or an error it was raised from, says that the database cannot be reached or used
    just now: a refused or lost connection, a server shutting down, a pool with no connection to give, a
    transaction the server gave up on (deadlock, serialization), SQLite's file locked or unopenable."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DatabaseUnavailable | sa_exc.InterfaceError | sa_exc.TimeoutError):
            return True
        if isinstance(current, sa_exc.OperationalError):
            return not str(current.orig).startswith(_SQLITE_FAULTS)
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


def describe(error: BaseException) -> str:
    """A one-line account of the error for the log: the driver's error and its first line. Never the SQL
    statement or its parameters, which SQLAlchemy's own message includes and which can hold case data."""
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, DatabaseUnavailable):
            return str(current)
        if isinstance(current, sa_exc.DBAPIError):
            first = (str(current.orig).strip().splitlines() or [""])[0]
            return f"{type(current.orig).__name__}: {first}"
        current = current.__cause__ or current.__context__
    return type(error).__name__


def mark_unavailable(error: BaseException) -> None:
    """Note that this request found the database unreachable (`error` says how), and drop what its session
    holds: from here on the request writes nothing (no session save, no commit) and the error page reads
    nothing."""
    g.database_unavailable = describe(error)
    if g.get("_db_session") is None:
        return
    try:
        db.session.rollback()
    except Exception as exc:  # the connection is gone; the pool discards it when the session closes
        log.debug("rollback after a database outage failed: %s", describe(exc))


def unavailable() -> bool:
    """Whether this request found the database unreachable."""
    return bool(g.get("database_unavailable"))


def raise_if_unavailable() -> None:
    """Raise DatabaseUnavailable, saying how, when the request found the database unreachable before it
    could raise (in the session load)."""
    if unavailable():
        raise DatabaseUnavailable(g.database_unavailable)
