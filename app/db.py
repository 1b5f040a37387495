"""Declarative base, the engine and the per-request session.

One session per application context (so per request and per CLI command). The request commits once at
its end (see `WaypointFlask.process_response`); services only flush.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import (
    CheckConstraint,
    CursorResult,
    DateTime,
    Engine,
    MetaData,
    Select,
    create_engine,
    event,
    inspect,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from app.errors import Conflict

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


T = TypeVar("T")


def reads_once() -> bool:
    """Whether `per_request` keeps what it reads for the rest of the request (a GET's page)."""
    return has_request_context() and request.method == "GET"


def per_request(key: Hashable, load: Callable[[], list[T]]) -> list[T]:
    """`load()`, run once per GET request however many parts of the page ask (the subject page shows a
    person's interventions and assessments in their panels and again in the timeline). A page that changes
    data (any other method), and code outside a request, always gets a fresh answer."""
    if not reads_once():
        return load()
    cache: dict[Hashable, list[Any]] = g.setdefault("_per_request_queries", {})
    if key not in cache:
        cache[key] = load()
    return list(cache[key])


def known_for_request(key: Hashable, rows: list[T]) -> None:
    """Keep `rows` as what `per_request(key, …)` answers for the rest of a GET request: a statement that read
    them with other rows (the dashboard's people lists) saves the one `per_request` would run."""
    if reads_once():
        g.setdefault("_per_request_queries", {})[key] = list(rows)


def value_per_request(key: Hashable, query: Select[tuple[T]], params: dict[str, Any] | None = None) -> T | None:
    """The single value `query` selects (with `params` for its bind parameters), read once per GET request (or
    given by `known_for_request`: a page's first statement reads several such values together, app/registry.py
    FirstValue)."""
    return per_request(key, lambda: [db.session.scalar(query, params)])[0]


S = TypeVar("S", bound=Select[Any])
Shape = str | int | bool | None | tuple[Any, ...]
_BUILT: dict[tuple[Any, ...], Any] = {}
_BUILT_IDS: set[int] = set()  # the statements kept (never freed, so an id is never reused)


def built_once(build: Callable[..., S], *shape: Shape) -> S:
    """The statement `build(*shape)` makes, built once in this process for each shape and only bound afterwards:
    a dashboard's statement of unions and windows cost SQLAlchemy more to build and key than to run
    (bench/README.md). Only the statement is kept, never a row: each request runs it afresh (DESIGN §8).

    `shape` is what changes the statement's form: a role, a flag, a limit, the kinds of event the features
    registered. Every value of the request (the viewer, the person, the day) is a bind parameter named in `build`
    without a value (`bindparam("today")`, policy.VIEWER_ID), given when the statement runs: a missing one is an
    error, not a NULL. So that one viewer's value can never be kept for the next, `build` sees the shape alone: a
    closure (which could reach the request) is refused, and so is a statement that carries a value for a named
    parameter."""
    if not _is_shape(shape):
        raise TypeError(f"a statement's shape is text, numbers and flags (or tuples of them), not {shape!r}")
    key = (build, *shape)
    statement: S | None = _BUILT.get(key)
    if statement is None:
        if getattr(build, "__closure__", None):
            raise TypeError(f"{build.__qualname__} builds a statement kept across requests: it may not be a closure")
        statement = build(*shape)
        for param in statement.compile().binds.values():
            if not param.unique and (param.value is not None or param.callable is not None):
                raise ValueError(f"{build.__qualname__}: the parameter {param.key!r} carries a value; a statement "
                                 "built once takes every value of the request when it runs")
        _BUILT[key] = statement
        _BUILT_IDS.add(id(statement))
    return statement


def is_built_once(statement: object) -> bool:
    """Whether `statement` is one `built_once` keeps (a statement made of several of them may be kept too)."""
    return id(statement) in _BUILT_IDS


def _is_shape(part: object) -> bool:
    if isinstance(part, tuple):
        return all(_is_shape(inner) for inner in part)
    return part is None or isinstance(part, str | int)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def bump_version(record: Base, expected_version: int | None, conflict: str, **also: Any) -> None:
    """Optimistic locking: add one to the record's `version` in SQL (with the other columns in `also`),
    only while it is still `expected_version`, else raise Conflict(conflict) and change nothing. Done in
    SQL so that a concurrent save's own check sees it; None checks nothing (the change needs no form).
    The record is refreshed with the new values."""
    mapper = inspect(record).mapper
    version = mapper.columns["version"]
    stmt = update(mapper).where(*(column == value for column, value in
                                  zip(mapper.primary_key, mapper.primary_key_from_instance(record), strict=True)))
    if expected_version is not None:
        stmt = stmt.where(version == expected_version)
    result = db.session.execute(stmt.values(version=version + 1, **also)
                                .execution_options(synchronize_session=False))
    if not isinstance(result, CursorResult) or result.rowcount != 1:
        raise Conflict(conflict)
    db.session.refresh(record, ["version", *also])


def enum_check(column: str, enum: type[StrEnum], name: str, *, or_null: bool = False) -> CheckConstraint:
    """A CHECK constraint named `name` that `column` holds one of `enum`'s values (or NULL, with `or_null`).

    Alembic's autogenerate does not compare CHECK constraints, so a changed enum would go unnoticed by the
    "head schema equals the models" test: the constraint keeps the enum and the column in its `info`, and
    tests/test_migrations.py compares every such constraint in a migrated database with its enum."""
    quoted = ", ".join("'" + member.value.replace("'", "''") + "'" for member in enum)
    in_list = f"{column} IN ({quoted})"
    return CheckConstraint(f"{column} IS NULL OR {in_list}" if or_null else in_list, name=name,
                           info={"enum": enum, "column": column, "or_null": or_null})


def utcnow() -> datetime:
    """The current time, timezone-aware UTC. Every timestamp in Waypoint comes from here."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the usual `postgresql://` form."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"timeout": 15, "check_same_thread": False}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that BEGIN is ours (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Nearly every transaction writes (audit events, session touch). IMMEDIATE takes the write lock
        # at the start, waiting for it under busy_timeout, so the audit chain's "read the last hash,
        # append the next" can never interleave with another writer's append.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """The engine of the application and the session bound to the current application context."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        app.extensions["waypoint_engine"] = engine
        app.extensions["waypoint_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
        app.teardown_appcontext(self._remove_session)

    @property
    def engine(self) -> Engine:
        engine: Engine = current_app.extensions["waypoint_engine"]
        return engine

    @property
    def session(self) -> Session:
        """The session of the current application context, created on first use."""
        session: Session | None = g.get("_db_session")
        if session is None:
            factory: sessionmaker[Session] = current_app.extensions["waypoint_sessionmaker"]
            session = factory()
            g._db_session = session
        return session

    @staticmethod
    def _remove_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("_db_session", None)
        if session is not None:
            session.close()


db = Database()
