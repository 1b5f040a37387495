"""Throttling by account and by (address, account), and an admin clearing a user's lockout (CONTROLS: Login
throttling per account and per address; ASVS 2.2.1)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db
from tests.conftest import login, post_form

WRONG = "wrong-password-guess"


def _client(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _failed_reasons(app: Flask) -> list[str]:
    with app.app_context():
        return [e.details["reason"] for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login_failed").order_by(AuditEvent.id))]


def _user(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


def test_guessing_one_account_from_one_address_is_refused_there_while_it_signs_in_from_another(app, users):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 20  # the account lockout out of the way
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS_ACCOUNT"] = 3
    attacker = _client(app, "10.0.0.66")
    for _ in range(3):
        assert login(attacker, "assessor", WRONG).status_code == 200
    assert login(attacker, "assessor", users["assessor"].password).status_code == 429
    assert login(attacker, "probation", users["probation"].password).status_code == 302  # another account
    owner = _client(app, "10.0.0.7")
    assert login(owner, "assessor", users["assessor"].password).status_code == 302
    assert _failed_reasons(app) == ["wrong password"] * 3 + [
        "too many failed sign-ins for this account from this address"]


def _lock(app: Flask, info: Any) -> FlaskClient:
    client = app.test_client()
    for _ in range(5):
        login(client, info.username, WRONG)
    assert login(client, info.username, info.password).status_code == 429
    return client


def test_admin_clears_a_lockout_from_the_users_page_and_it_is_audited(app, users, login_as):
    info = users["assessor"]
    client = _lock(app, info)
    admin = login_as("admin")
    path = f"/admin/users/{info.id}"
    page = admin.get(path).get_data(as_text=True)
    assert "Locked until" in page and "5 failed sign-ins in the last 15 minutes" in page
    assert f'action="{path}/lockout/clear"' in page
    response = post_form(admin, f"{path}/lockout/clear", {}, token_from=path)
    assert response.status_code == 302 and response.headers["Location"] == path
    after = admin.get(path).get_data(as_text=True)
    assert "can sign in again now" in after and "None in the last 15 minutes." in after
    cleared = _user(app, info.id)
    assert cleared.failed_login_count == 0 and cleared.locked_until is None
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unlock")).one()
        assert event.actor_username == "admin" and event.object_type == "user" and event.object_id == str(info.id)
        assert event.details == {"was_locked": True, "failed_login_count": 5, "recent_failures": 5}
    assert login(client, info.username, info.password).status_code == 302  # the same address, at once


def test_only_an_admin_clears_a_lockout(app, users, login_as):
    info = users["assessor"]
    _lock(app, info)
    supervisor = login_as("supervisor")
    path = f"/admin/users/{info.id}/lockout/clear"
    assert post_form(supervisor, path, {}, token_from="/").status_code == 403
    assert _user(app, info.id).locked_until is not None


def test_an_admin_password_reset_also_lifts_the_lockout(app, users, login_as):
    info = users["assessor"]
    client = _lock(app, info)
    admin = login_as("admin")
    temporary = "harbour-violet-quartz-58"
    path = f"/admin/users/{info.id}"
    assert post_form(admin, f"{path}/password", {"new_password": temporary}, token_from=path).status_code == 302
    token_response = login(client, info.username, temporary)
    assert token_response.status_code == 302 and token_response.headers["Location"] == "/account/password"
