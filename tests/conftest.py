"""Fixtures: a fresh, migrated database for every test (SQLite, or PostgreSQL with --db=postgresql),
the app, clients, and helpers that sign in the way a browser does (CSRF token included).

A test that takes the `users` fixture (one user per role in two units) starts from a copy of a second template
that already holds them, made once per run through the same services: making five users with their
passwords and second factors for each of two thousand tests was a tenth of the run.

A module whose tests all start from the same data can build it once: `databases.keep(url)` keeps a
database's state, and the KeptDatabase it returns puts it back before each test (the `matrix` fixture at
the end builds the role matrix's data this way)."""

from __future__ import annotations

import contextlib
import itertools
import re
import shutil
import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
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


def pytest_configure(config: pytest.Config) -> None:
    """The catalogues compiled as `make test` compiles them, for a run of pytest on its own."""
    from app.catalogues import compile_all

    compile_all(only_stale=True)


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
        # The second template, with units and users (`peopled`), is made when a test first asks for it.
        self.people: tuple[dict[str, int], dict[str, factories.UserInfo]] | None = None
        self._next: dict[str, Future[str]] = {}
        if self.server is not None:
            # CREATE DATABASE takes a quarter of a second, longer than many a test: the next test's copy
            # is made in the background while the current test runs (the server works on another core).
            self._maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="next-database")
            self._next["waypoint_template"] = self._maker.submit(self._copy_template, "waypoint_template")

    def _copy_template(self, template: str) -> str:
        assert self.server is not None
        n = next(_counter)
        with self._admin_engine.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE t_{n} TEMPLATE {template}"))
        return self.server.url(f"t_{n}")

    def _make_people_template(self) -> None:
        """Units A and B and one user per role (factories.make_role_users), made through the services in a
        copy of the migrated template, which becomes the second template."""
        if self.server is not None:
            with self._admin_engine.connect() as conn:
                conn.execute(sa.text("CREATE DATABASE waypoint_people TEMPLATE waypoint_template"))
            url = self.server.url("waypoint_people")
        else:
            self.people_path = self.tmp / "template_people.sqlite3"
            shutil.copyfile(self.template_path, self.people_path)
            url = f"sqlite:///{self.people_path}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        self.people = (factories.make_units(app), factories.make_role_users(app))
        app.extensions["waypoint_engine"].dispose()

    def empty_url(self) -> str:
        """A database with nothing in it (for migration tests)."""
        n = next(_counter)
        if self.server is not None:
            with self._admin_engine.connect() as conn:
                conn.execute(sa.text(f"CREATE DATABASE t_empty_{n}"))
            return self.server.url(f"t_empty_{n}")
        return f"sqlite:///{self.tmp / f'empty_{n}.sqlite3'}"

    def fresh_url(self, *, peopled: bool = False) -> str:
        """A new database migrated to head; `peopled`: holding the units and users of `people_of` too."""
        if peopled and self.people is None:
            self._make_people_template()
        if self.server is not None:
            template = "waypoint_people" if peopled else "waypoint_template"
            coming = self._next.pop(template, None)
            url = coming.result() if coming is not None else self._copy_template(template)
            self._next[template] = self._maker.submit(self._copy_template, template)
            return url
        n = next(_counter)
        path = self.tmp / f"test_{n}.sqlite3"
        shutil.copyfile(self.people_path if peopled else self.template_path, path)
        return f"sqlite:///{path}"

    def people_of(self) -> tuple[dict[str, int], dict[str, factories.UserInfo]]:
        """The units and users a peopled database holds (the users' second-factor secrets known again to
        the sign-in helpers, as if just made)."""
        assert self.people is not None
        units, users = self.people
        for info in users.values():
            factories.remember_secret(info)
        return dict(units), dict(users)

    def keep(self, url: str) -> KeptDatabase:
        """The database at `url` as it is now, to be restored before each test of a module."""
        return KeptDatabase(self, url)

    def drop(self, url: str) -> None:
        if self.server is not None:
            name = url.rsplit("/", 1)[1]
            with self._admin_engine.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)

    def close(self) -> None:
        if self.server is not None:
            self._maker.shutdown(wait=True)
            for coming in self._next.values():
                self.drop(coming.result())
            self._admin_engine.dispose()
            self.server.stop()


class KeptDatabase:
    """A database whose state is kept when this is made, and put back by restore(): a module builds its
    data once and each test starts from it, whatever the test before it wrote.

    SQLite: a copy of the file, copied back with SQLite's backup API (safe in WAL mode). PostgreSQL: a
    copy of every table in a schema of its own, copied back with the triggers off (the append-only audit
    table and approved assessments refuse DELETE otherwise), and the sequences set back, so that rows
    get the same ids as in the first run. This costs about 50 ms where dropping the database and making
    it again from a template costs about 290 ms (most of a matrix cell's time). It puts back data, not
    schema: a test that drops a trigger or alters a table (the audit tampering tests) takes a database of
    its own (`db_url`)."""

    def __init__(self, factory: DatabaseFactory, url: str) -> None:
        self.factory = factory
        self.url = url
        n = next(_counter)
        self._copy = f"sqlite:///{factory.tmp / f'kept_{n}.sqlite3'}"
        self._engine: sa.Engine | None = None
        if factory.server is None:
            _sqlite_copy(url, self._copy)
            return
        self._engine = sa.create_engine(url, poolclass=sa.NullPool)
        kept = f"kept_{n}"
        with self._engine.begin() as conn:
            tables = conn.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> 'alembic_version' ORDER BY tablename")).scalars().all()
            conn.execute(sa.text(f"CREATE SCHEMA {kept}"))
            for table in tables:
                conn.execute(sa.text(f'CREATE TABLE {kept}."{table}" AS TABLE "{table}"'))
            sequences = conn.execute(sa.text(
                "SELECT sequencename, last_value, last_value IS NOT NULL FROM pg_sequences "
                "WHERE schemaname = current_schema()")).all()
        self._restore_sql = "; ".join([
            "SET LOCAL session_replication_role = replica",
            *(f'DELETE FROM "{table}"' for table in tables),
            *(f'INSERT INTO "{table}" SELECT * FROM {kept}."{table}"' for table in tables),
            *(f"SELECT setval('\"{name}\"', {value or 1}, {called})" for name, value, called in sequences),
        ])

    def restore(self) -> None:
        """Put the kept state back. Dispose of the app's engine first: a pooled connection left in a
        transaction would hold locks that the copy waits for."""
        if self._engine is None:
            _sqlite_copy(self._copy, self.url)
        else:
            with self._engine.begin() as conn:
                conn.exec_driver_sql(self._restore_sql)

    def close(self) -> None:
        if self._engine is None:
            self.factory.drop(self._copy)
        else:
            self._engine.dispose()
        self.factory.drop(self.url)


def _sqlite_copy(source: str, target: str) -> None:
    """Copy one SQLite database over another with SQLite's backup API, which (unlike copying the file)
    is safe in WAL mode and with connections still open on the target."""
    with contextlib.closing(sqlite3.connect(source.removeprefix("sqlite:///"))) as src, \
            contextlib.closing(sqlite3.connect(target.removeprefix("sqlite:///"))) as dst:
        src.backup(dst)


@pytest.fixture(scope="session")
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(request.config.getoption("--db"), tmp_path_factory.mktemp("db"))
    yield factory
    factory.close()


@pytest.fixture
def db_url(databases: DatabaseFactory, request: pytest.FixtureRequest) -> Iterator[str]:
    """The test's database: a copy of the migrated template, or of the one with units and users when the test
    takes `users`."""
    url = databases.fresh_url(peopled="users" in request.fixturenames)
    yield url
    databases.drop(url)


@pytest.fixture
def app_config(db_url: str, tmp_path: Path) -> dict[str, Any]:
    """Overrides for the testing config; a test may change them before `app` is built. The case packages' keys
    live in the test's own folder, never in the checkout's instance/."""
    return {"SQLALCHEMY_DATABASE_URI": db_url, "PACKAGE_KEY_DIR": str(tmp_path / "package-keys"),
            "TRUSTED_KEYS_DIR": str(tmp_path / "trusted-keys")}


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
def units(app: Flask, databases: DatabaseFactory, request: pytest.FixtureRequest) -> dict[str, int]:
    """Two units: A (a prison) and B (a probation region). Already in the database when the test takes
    `users` (db_url)."""
    if "users" in request.fixturenames:
        return databases.people_of()[0]
    return factories.make_units(app)


@pytest.fixture
def users(app: Flask, units: dict[str, int], databases: DatabaseFactory) -> dict[str, factories.UserInfo]:
    """One user per role in unit A (admin: no unit), plus an assessor of unit B: already in the database
    (db_url), made by factories.make_role_users."""
    return databases.people_of()[1]


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


def signed_in_client(app: Flask, info: factories.UserInfo) -> FlaskClient:
    """A test client of `app` signed in as the user (second factor included)."""
    c = app.test_client()
    response = login(c, info.username, info.password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return c


@pytest.fixture
def login_as(app: Flask, users: dict[str, factories.UserInfo]) -> Any:
    """login_as("supervisor") -> a test client signed in as that user."""

    def sign_in(key: str) -> FlaskClient:
        return signed_in_client(app, users[key])

    return sign_in


@pytest.fixture
def seeded(app: Flask) -> Flask:
    """`flask demo seed`, with the demo's supervisor and admin enrolled in a second factor (as at their first
    sign-in), so that tests sign in as the demo users."""
    from flask import g

    from app.auth import totp
    from app.auth.models import User
    from app.db import db

    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        g.cli_actor = "tests"
        for user in db.session.scalars(sa.select(User).where(User.role.in_(["supervisor", "admin"]))):
            totp.enrol(user, totp.new_secret(), step=None)
        db.session.commit()
    return app


@pytest.fixture
def records(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int]) -> dict[str, int]:
    """A subject in unit A and one in unit B, and a break-glass access by B's assessor to A's subject."""
    return make_records(app, users, units)


def make_records(app: Flask, users: dict[str, factories.UserInfo], units: dict[str, int]) -> dict[str, int]:
    """The `records` fixture's data."""
    subject_a = factories.make_subject(app, users["supervisor"].id, units["A"], "A1000AA",
                                       given_name="Alice", family_name="Archer")
    subject_b = factories.make_subject(app, users["assessor_b"].id, units["B"], "B2000BB",
                                       given_name="Boris", family_name="Baker")
    access = factories.open_break_glass(app, users["assessor_b"].id, "A1000AA")
    return {"subject_a": subject_a, "subject_b": subject_b, "access": access}


@pytest.fixture
def assessed(app: Flask, users: dict[str, factories.UserInfo], records: dict[str, int]) -> dict[str, int]:
    """On subject A: an approved assessment (by the assessor, countersigned by the supervisor) with an
    open challenge, a draft by the probation officer, a screening, an intervention with a session;
    accreditations for the assessor, probation and the supervisor."""
    return make_assessed(app, users, records)


def make_assessed(app: Flask, users: dict[str, factories.UserInfo], records: dict[str, int]) -> dict[str, int]:
    """The `assessed` fixture's data."""
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


# --- the role matrix's data, built once per module -----------------------------------------------------


@dataclass
class Matrix:
    """An app and the data of the `users`, `units`, `records` and `assessed` fixtures (records and assessed
    in one dict), built once per module that uses it: for many tests that each start from that data and
    change little, such as the role matrix's cells."""

    app: Flask
    users: dict[str, factories.UserInfo]
    units: dict[str, int]
    records: dict[str, int]
    database: KeptDatabase

    def client_for(self, role: str) -> FlaskClient:
        return self.app.test_client() if role == "anonymous" else signed_in_client(self.app, self.users[role])

    def reset(self) -> None:
        """The database back to the data as built: no test sees what the one before it wrote (a sign-in,
        an audit event, a POST that did its work)."""
        self.app.extensions["waypoint_engine"].dispose()
        self.database.restore()


@pytest.fixture(scope="module")
def matrix_data(databases: DatabaseFactory) -> Iterator[Matrix]:
    """The module's Matrix; tests take `matrix`, which resets it first."""
    url = databases.fresh_url()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    units = factories.make_units(app)
    users = factories.make_role_users(app)
    records = make_records(app, users, units)
    records = {**records, **make_assessed(app, users, records)}
    app.extensions["waypoint_engine"].dispose()
    matrix = Matrix(app, users, units, records, databases.keep(url))
    yield matrix
    app.extensions["waypoint_engine"].dispose()
    matrix.database.close()


@pytest.fixture
def matrix(matrix_data: Matrix) -> Matrix:
    """The module's Matrix, its database reset to the data as built."""
    matrix_data.reset()
    return matrix_data
