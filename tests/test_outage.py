"""While the database cannot be reached, users get Waypoint's own 503 page (Retry-After, a request id, every
security header, no traceback), made without the database: the session load, the user load and the commit
may each be where the outage shows. On PostgreSQL a server of the test's own is stopped and started again;
on SQLite the database file's directory disappears and comes back. When the database is back, so is the
user's session."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from sqlalchemy import event, exc, select

from app import create_app, policy
from app.audit import trail
from app.audit.models import AuditEvent
from app.auth.models import Role
from app.db import db
from app.outage import RETRY_AFTER_SECONDS, is_outage
from tests.conftest import DatabaseFactory, alembic_config, csrf_token, signed_in_client
from tests.factories import PASSWORDS, UNIT_A, UserInfo, make_units, make_user
from tests.pg import TemporaryPostgres
from tests.test_http_security import assert_security_headers


def assert_unavailable_page(response: Any) -> None:
    """Waypoint's 503 page, as anyone gets it while the database is away."""
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert_security_headers(response)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "no-store" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    assert "Waypoint cannot reach its database" in text and "· Waypoint</title>" in text
    request_id = response.headers["X-Request-Id"]
    assert len(request_id) == 32 and f'data-testid="request-id">{request_id}<' in text
    assert "Traceback" not in text and "OperationalError" not in text and "SELECT" not in text
    assert 'data-testid="signed-in-as"' not in text  # who is signed in cannot be checked: no navigation
    assert "Set-Cookie" not in response.headers  # the session cookie is kept for when the database is back


def make_app_with_probe(url: str, during: Any) -> Flask:
    """An app with one more page, /probe, that records an audit event after calling `during()`."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    probe = Blueprint("probe", __name__)

    @probe.route("/probe", methods=["POST"])
    def write() -> str:
        db.session.execute(select(1))
        during()
        trail.record("view", object_type="outage_probe")
        return "written"

    policy.requires(policy.authenticated)(write)
    app.register_blueprint(probe)
    return app


def assessor(app: Flask) -> UserInfo:
    make_units(app)
    return make_user(app, "assessor", Role.ASSESSOR, [UNIT_A], PASSWORDS["assessor"])


def probe_events(app: Flask) -> int:
    with app.app_context():
        return len(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "outage_probe")).all())


# --- PostgreSQL: a server of the test's own, stopped and started -------------------------------------------


@pytest.fixture(scope="module")
def own_postgres(databases: DatabaseFactory) -> Iterator[tuple[TemporaryPostgres, str, UserInfo]]:
    """A PostgreSQL server of this module's own, with a migrated database and an assessor in it."""
    if databases.kind != "postgresql":
        pytest.skip("stops a PostgreSQL server: runs on the PostgreSQL tier (--db=postgresql); "
                    "the SQLite tier takes the database file away instead")
    server = TemporaryPostgres()
    server.start()
    try:
        admin = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE waypoint"))
        admin.dispose()
        command.upgrade(alembic_config(server.url("waypoint")), "head")
        app = create_app({"SQLALCHEMY_DATABASE_URI": server.url("waypoint")})
        info = assessor(app)
        app.extensions["waypoint_engine"].dispose()
        yield server, server.url("waypoint"), info
    finally:
        server.stop()


def test_while_postgresql_is_stopped_everyone_gets_the_503_page_and_then_carries_on(own_postgres, caplog):
    server, url, info = own_postgres
    app = make_app_with_probe(url, lambda: None)
    client = signed_in_client(app, info)
    assert client.get("/").status_code == 200
    anonymous = app.test_client()
    token = csrf_token(anonymous)
    server.pause()
    try:
        with caplog.at_level(logging.ERROR, logger="waypoint"):
            response = client.get("/")
            assert_unavailable_page(response)
            assert_unavailable_page(anonymous.get("/"))
            assert_unavailable_page(anonymous.post("/login", data={
                "csrf_token": token, "username": "assessor", "password": PASSWORDS["assessor"]}))
            assert_unavailable_page(client.get("/health"))
        logged = [r.getMessage() for r in caplog.records if response.headers["X-Request-Id"] in r.getMessage()]
        # One line, saying what the driver said (the connection refused), never the SQL or its parameters.
        assert len(logged) == 1 and "database unavailable" in logged[0] and "SELECT" not in logged[0]
        assert "OperationalError: connection failed" in logged[0]
    finally:
        server.resume()
    page = client.get("/")
    assert page.status_code == 200 and 'data-testid="signed-in-as"' in page.get_data(as_text=True)
    app.extensions["waypoint_engine"].dispose()


def test_a_write_whose_commit_finds_postgresql_stopped_gets_the_503_page_and_saves_nothing(own_postgres):
    server, url, info = own_postgres
    app = make_app_with_probe(url, server.pause)
    client = signed_in_client(app, info)
    try:
        assert_unavailable_page(client.post("/probe", data={"csrf_token": csrf_token(client, "/")}))
    finally:
        server.resume()
    assert probe_events(app) == 0
    assert client.get("/").status_code == 200
    app.extensions["waypoint_engine"].dispose()


# --- SQLite: the database file's directory goes away ----------------------------------------------------------


@pytest.fixture
def sqlite_volume(databases: DatabaseFactory, tmp_path: Path) -> Iterator[Path]:
    """A migrated SQLite database alone in a directory (the "volume")."""
    if databases.kind != "sqlite":
        pytest.skip("takes a SQLite file away: the PostgreSQL tier stops a server instead")
    volume = tmp_path / "volume"
    volume.mkdir()
    shutil.copyfile(databases.template_path, volume / "waypoint.sqlite3")
    yield volume


def test_while_the_sqlite_file_cannot_be_opened_everyone_gets_the_503_page_and_then_carries_on(sqlite_volume):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{sqlite_volume / 'waypoint.sqlite3'}"})
    client = signed_in_client(app, assessor(app))
    gone = sqlite_volume.with_name("volume-unmounted")
    engine = app.extensions["waypoint_engine"]
    engine.dispose()
    sqlite_volume.rename(gone)
    try:
        assert_unavailable_page(client.get("/"))
        assert_unavailable_page(app.test_client().get("/login"))
    finally:
        engine.dispose()
        gone.rename(sqlite_volume)
    assert client.get("/").status_code == 200
    engine.dispose()


# --- either database: the outage where the user is loaded, and where the request commits --------------------


def fail_statements(app: Flask, *touching: str) -> None:
    """From now on, a statement that names any of `touching` (a table, a function) fails as a lost connection
    would (raised where the driver runs it, so SQLAlchemy wraps it as it would the real one)."""
    engine = app.extensions["waypoint_engine"]
    dbapi = engine.dialect.loaded_dbapi

    def lose_connection(_cursor: Any, statement: str, *_args: Any) -> None:
        if any(name in statement for name in touching):
            raise dbapi.OperationalError("server closed the connection unexpectedly")

    for name in ("do_execute", "do_executemany", "do_execute_no_params"):
        event.listen(engine, name, lose_connection)


def test_an_outage_while_the_user_is_loaded_gets_the_503_page(app: Flask, users: dict[str, UserInfo]) -> None:
    client = signed_in_client(app, users["assessor"])
    fail_statements(app, "JOIN users")  # the user and their units are loaded with the session
    assert_unavailable_page(client.get("/"))


def test_an_outage_at_commit_gets_the_503_page_and_saves_nothing(db_url: str) -> None:
    app = make_app_with_probe(db_url, lambda: None)
    client: FlaskClient = signed_in_client(app, assessor(app))
    token = csrf_token(client, "/")
    fail_statements(app, "INSERT INTO audit_events", "audit_append(")  # the append: on PostgreSQL a function
    assert_unavailable_page(client.post("/probe", data={"csrf_token": token}))
    assert probe_events(app) == 0
    app.extensions["waypoint_engine"].dispose()


def wrapped(error: Exception) -> exc.OperationalError:
    return exc.OperationalError("SELECT 1", {}, error)


def test_what_counts_as_the_database_being_unreachable() -> None:
    assert is_outage(wrapped(sqlite3.OperationalError("unable to open database file")))
    assert is_outage(wrapped(sqlite3.OperationalError("database is locked")))
    assert not is_outage(wrapped(sqlite3.OperationalError("no such table: subjects")))  # a fault: 500
    assert is_outage(exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"))
    try:
        try:
            raise wrapped(sqlite3.OperationalError("disk I/O error"))
        except exc.OperationalError as error:
            raise exc.PendingRollbackError("rolled back after an error") from error
    except exc.PendingRollbackError as later:
        assert is_outage(later)
    assert not is_outage(RuntimeError("a bug"))
    assert not is_outage(exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")))
