"""Command-line administration, demo data and configuration."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db, normalise_url
from config import ConfigError


def test_units_and_users_are_created_from_the_command_line_and_audited(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["units", "create", "HMP-WEST", "--name", "HMP West", "--kind", "prison"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create", "kim", "--role", "supervisor", "--unit", "HMP-WEST",
                                 "--display-name", "Kim Lee"],
                           input="quartz-falcon-meadow-19\nquartz-falcon-meadow-19\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "kim")).one()
        assert user.role == "supervisor" and [u.code for u in user.units] == ["HMP-WEST"]
        actors = {e.actor_username for e in db.session.scalars(select(AuditEvent))}
        assert any(a and a.startswith("cli:") for a in actors)


def test_cli_refuses_unknown_role_and_unknown_unit(app):
    runner = app.test_cli_runner()
    bad_role = runner.invoke(args=["users", "create", "kim", "--role", "warden", "--display-name", "K",
                                   "--password", "quartz-falcon-meadow-19"])
    assert bad_role.exit_code != 0 and "warden" in bad_role.output
    bad_unit = runner.invoke(args=["users", "create", "kim", "--role", "assessor", "--unit", "NOPE",
                                   "--display-name", "K", "--password", "quartz-falcon-meadow-19"])
    assert bad_unit.exit_code != 0 and "NOPE" in bad_unit.output


def test_demo_seed_creates_one_user_per_role_and_prints_logins(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        roles = sorted(u.role for u in db.session.scalars(select(User).where(User.is_active)))
        disabled = [u.username for u in db.session.scalars(select(User).where(~User.is_active))]
    assert sorted(set(roles)) == ["admin", "assessor", "probation_officer", "supervisor"]
    with app.app_context():
        languages = {u.username: u.language for u in db.session.scalars(select(User).where(User.is_active))}
    assert languages["amina"] == "ar" and languages["camille"] == "fr" and languages["assessor"] is None
    assert disabled == ["jordan"]  # an officer who left, whose work waits to be reassigned
    for username in ("assessor", "probation", "supervisor", "admin"):
        assert username in result.output
    from app.main.cli import DEMO_SUBJECTS
    from app.subjects.models import Subject

    with app.app_context():
        subjects = list(db.session.scalars(select(Subject)))
        # The roll, and a man released to the probation region with his work handed over (A1006NG).
        assert sorted(s.reference for s in subjects) == sorted([row[0] for row in DEMO_SUBJECTS] + ["A1006NG"])
        assert any(s.case_owner_id for s in subjects)
    again = app.test_cli_runner().invoke(args=["demo", "seed", "--if-empty"])
    assert again.exit_code == 0
    with app.app_context():
        assert len(list(db.session.scalars(select(Subject)))) == len(DEMO_SUBJECTS) + 1
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def test_demo_passwords_meet_the_password_policy(app):
    from app.auth.passwords import password_problems
    from app.main.cli import DEMO_USERS

    with app.app_context():
        for username, display, _role, _units, password in DEMO_USERS:
            assert password_problems(password, user_inputs=[username, display]) == []


def test_demo_seed_is_refused_in_production(monkeypatch, db_url):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", db_url)
    result = create_app("production").test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    assert "refused in the production configuration" in result.output


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without_secret_key_or_database_url(monkeypatch, missing):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/waypoint")
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        create_app("production")


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/waypoint")
    with pytest.raises(ConfigError, match="32"):
        create_app("production")


def test_production_has_debug_off():
    from config import ProductionConfig

    assert ProductionConfig.DEBUG is False and ProductionConfig.TESTING is False


def test_database_url_selects_psycopg3_for_postgresql():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_development_uses_a_sqlite_file_under_instance():
    import os

    from config import DevelopmentConfig

    if "DATABASE_URL" in os.environ:
        pytest.skip("DATABASE_URL set in this environment")
    assert DevelopmentConfig.DATABASE_URL == f"sqlite:///{_instance_db()}"


def _instance_db() -> str:
    from config import BASE_DIR

    return str(BASE_DIR / "instance" / "waypoint.sqlite3")


def test_health_check_says_nothing_but_ok(client):
    response = client.get("/health")
    assert response.get_json() == {"status": "ok"}


def test_production_takes_the_client_address_from_the_trusted_proxy(monkeypatch, db_url, users):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", db_url)
    app = create_app("production")
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost",
                      headers={"X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https"})
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    client.post("/login", base_url="https://localhost", data={"csrf_token": token, "username": "assessor",
                                                               "password": "wrong-password-guess"},
                headers={"X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https",
                         "Referer": "https://localhost/login"})
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).one()
    assert event.ip == "10.1.2.3"
