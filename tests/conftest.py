"""Fixtures: a fresh, migrated database for every test (SQLite, or PostgreSQL with --db=postgresql),
the app, clients, and helpers that sign in the way a browser does (CSRF token included)."""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.db import make_engine
from tests import factories
from tests.pg import TemporaryPostgres

ROOT = Path(__file__).resolve().parents[1]
_counter = itertools.count()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", choices=["sqlite", "postgresql"], default="sqlite",
                     help="database for the tests (PostgreSQL is started in a temporary directory)")


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = url
    cfg.attributes["skip_logging"] = True
    return cfg


class DatabaseFactory:
    """Makes a fresh database migrated to head for each test, by copying a migrated template."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        self.tmp = tmp
        self.server: TemporaryPostgres | None = None
        if kind == "postgresql":
            self.server = TemporaryPostgres()
            self.server.start()
            self._admin_engine = sa.create_engine(self.server.url(), isolation_level="AUTOCOMMIT")
            with self._admin_engine.connect() as conn:
                conn.execute(sa.text("CREATE DATABASE waypoint_template"))
            self.template_url = self.server.url("waypoint_template")
        else:
            self.template_path = tmp / "template.sqlite3"
            self.template_url = f"sqlite:///{self.template_path}"
        command.upgrade(alembic_config(self.template_url), "head")

    def empty_url(self) -> str:
        """A database with nothing in it (for migration tests)."""
        n = next(_counter)
        if self.server is not None:
            with self._admin_engine.connect() as conn:
                conn.execute(sa.text(f"CREATE DATABASE t_empty_{n}"))
            return self.server.url(f"t_empty_{n}")
        return f"sqlite:///{self.tmp / f'empty_{n}.sqlite3'}"

    def fresh_url(self) -> str:
        n = next(_counter)
        if self.server is not None:
            with self._admin_engine.connect() as conn:
                conn.execute(sa.text(f"CREATE DATABASE t_{n} TEMPLATE waypoint_template"))
            return self.server.url(f"t_{n}")
        path = self.tmp / f"test_{n}.sqlite3"
        shutil.copyfile(self.template_path, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        if self.server is not None:
            name = url.rsplit("/", 1)[1]
            with self._admin_engine.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)

    def close(self) -> None:
        if self.server is not None:
            self._admin_engine.dispose()
            self.server.stop()


@pytest.fixture(scope="session")
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(request.config.getoption("--db"), tmp_path_factory.mktemp("db"))
    yield factory
    factory.close()


@pytest.fixture
def db_url(databases: DatabaseFactory) -> Iterator[str]:
    url = databases.fresh_url()
    yield url
    databases.drop(url)


@pytest.fixture
def app_config(db_url: str) -> dict[str, Any]:
    """Overrides for the testing config; a test may change them before `app` is built."""
    return {"SQLALCHEMY_DATABASE_URI": db_url}


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    application = create_app(app_config)
    yield application
    application.extensions["waypoint_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def dialect(db_url: str) -> str:
    return make_engine(db_url).dialect.name


# --- users -----------------------------------------------------------------------------------------


@pytest.fixture
def units(app: Flask) -> dict[str, int]:
    """Two units: A (a prison) and B (a probation region)."""
    return factories.make_units(app)


@pytest.fixture
def users(app: Flask, units: dict[str, int]) -> dict[str, factories.UserInfo]:
    """One user per role in unit A (admin: no unit), plus an assessor of unit B."""
    return factories.make_role_users(app)


# --- browser-like helpers ----------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} (status {page.status_code})"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str, *, second_factor: bool = True) -> Any:
    """Sign in through the form. When the password is right and the code page follows, give an unused
    code of the user's secret (unless `second_factor=False`: then the password step's response is returned).
    """
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": password})
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    if second_factor and location.startswith("/login/code"):
        app = client.application
        response = submit_code(client, factories.unused_code_for(app, username), location)
    return response


def submit_code(client: FlaskClient, code: str, path: str = "/login/code") -> Any:
    """The second step of sign-in: the code page's form."""
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "code": code})


def post_form(client: FlaskClient, path: str, data: dict[str, Any], token_from: str | None = None) -> Any:
    """POST as the browser would: with the CSRF token of the page that shows the form."""
    token = csrf_token(client, token_from or path)
    return client.post(path, data={"csrf_token": token, **data})


@pytest.fixture
def login_as(app: Flask, users: dict[str, factories.UserInfo]) -> Any:
    """login_as("supervisor") -> a test client signed in as that user."""

    def sign_in(key: str) -> FlaskClient:
        c = app.test_client()
        info = users[key]
        response = login(c, info.username, info.password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return c

    return sign_in


@pytest.fixture
def records(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int]) -> dict[str, int]:
    """A subject in unit A and one in unit B, and a break-glass access by B's assessor to A's subject."""
    subject_a = factories.make_subject(app, users["supervisor"].id, units["A"], "A1000AA",
                                       given_name="Alice", family_name="Archer")
    subject_b = factories.make_subject(app, users["assessor_b"].id, units["B"], "B2000BB",
                                       given_name="Boris", family_name="Baker")
    access = factories.open_break_glass(app, users["assessor_b"].id, "A1000AA")
    return {"subject_a": subject_a, "subject_b": subject_b, "access": access}


@pytest.fixture
def assessed(app: Flask, users: dict[str, factories.UserInfo], records: dict[str, int]) -> dict[str, int]:
    """On subject A: an approved assessment (by the assessor, countersigned by the supervisor) with an
    open challenge, a draft by the assessor, a screening; accreditations for the assessor and probation."""
    from app.assessments import challenges
    from app.assessments.models import Assessment
    from app.auth.models import User
    from app.db import db, utcnow

    for key in ("assessor", "probation", "supervisor"):
        factories.accredit(app, users[key].id)
    approved = factories.make_assessment(app, users["assessor"].id, records["subject_a"],
                                         approver_id=users["supervisor"].id)
    draft = factories.make_assessment(app, users["probation"].id, records["subject_a"])
    with app.app_context():
        from flask import g

        recorder = db.session.get(User, users["assessor"].id)
        a = db.session.get(Assessment, approved)
        assert recorder is not None and a is not None
        g.user = recorder
        challenge = challenges.record(recorder, a, utcnow().date(), "person", "Alice Archer",
                                      "She says the evidence for IN2 is hearsay.")
        db.session.commit()
        challenge_id = challenge.id
    screening_id = factories.make_screening(app, users["assessor"].id, records["subject_a"])
    intervention = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    factories.add_session(app, users["probation"].id, intervention, days_ago=7)
    return {"approved": approved, "draft": draft, "challenge": challenge_id, "screening": screening_id,
            "intervention": intervention}
