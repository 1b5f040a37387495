"""Sign-in, sign-out, throttling and lockout (CONTROLS: Authentication and sessions)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask import Flask
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db, utcnow
from app.oversight.models import Alert
from tests.conftest import csrf_token, login, post_form
from tests.factories import UserInfo


def audit_actions(app: Flask) -> list[tuple[str, str | None]]:
    with app.app_context():
        return [(e.action, e.actor_username) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_login_with_right_password_reaches_home_and_is_audited(app, client, users):
    response = login(client, "assessor", users["assessor"].password)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Assessor" in home.get_data(as_text=True)
    assert ("login", "assessor") in audit_actions(app)


def test_wrong_password_is_refused_and_audited_without_the_password(app, client, users):
    response = login(client, "assessor", "not-the-password-at-all")
    assert response.status_code == 200
    assert "username or password is not correct" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).one()
        assert event.details["reason"] == "wrong password"
        assert "not-the-password-at-all" not in str(event.canonical_fields())


def test_unknown_username_fails_like_a_wrong_password(app, client, users):
    response = login(client, "nobody", "whatever-password-1")
    assert "username or password is not correct" in response.get_data(as_text=True)
    assert ("login_failed", "nobody") in audit_actions(app)


def test_empty_login_form_shows_field_errors(client, users):
    response = post_form(client, "/login", {"username": "", "password": ""})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'href="#username"' in text and "Enter your username." in text
    assert 'aria-describedby="password-error"' in text


def test_sixth_failed_login_in_a_minute_is_throttled_and_every_failure_audited(app, client, users):
    for _ in range(5):
        assert login(client, "assessor", "wrong-password-guess").status_code == 200
    sixth = login(client, "assessor", users["assessor"].password)  # even the right password
    assert sixth.status_code == 429
    assert "Too many failed sign-ins" in sixth.get_data(as_text=True)
    failures = [a for a in audit_actions(app) if a[0] == "login_failed"]
    assert len(failures) == 6
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "assessor")).one()
        assert user.locked_until is not None and user.locked_until > utcnow()


def test_another_account_still_signs_in_while_one_is_locked(app, client, users):
    for _ in range(6):
        login(client, "assessor", "wrong-password-guess")
    other = app.test_client()
    assert login(other, "supervisor", users["supervisor"].password).status_code == 302


def test_lockout_ends_after_the_lockout_period(app, users):
    client = app.test_client()
    for _ in range(6):
        login(client, "assessor", "wrong-password-guess")
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        fresh = app.test_client()
        assert login(fresh, "assessor", users["assessor"].password).status_code == 302


def test_another_account_from_the_same_address_still_logs_in_after_a_burst_of_failures(app, users):
    """A prison's officers may share one address: a burst of failures from it (here 40, past the 30 that
    once shut the address) slows the guessed account, not the others, and still raises the address alert."""
    client = app.test_client()
    for n in range(35):
        login(client, f"guess{n}", "wrong-password-guess")
    for _ in range(5):
        assert login(client, "assessor", "wrong-password-guess").status_code == 200
    assert login(client, "assessor", users["assessor"].password).status_code == 429  # the guessed account
    colleague = app.test_client()  # the same address, 127.0.0.1
    response = login(colleague, "probation", users["probation"].password)
    assert response.status_code == 302 and colleague.get("/").status_code == 200
    with app.app_context():
        alerts = db.session.scalars(select(Alert).where(Alert.kind == "failed_logins")).all()
        assert [a.details.get("address") for a in alerts if "address" in a.details] == ["127.0.0.1"]


def test_disabled_account_cannot_sign_in(app, client, users):
    with app.app_context():
        db.session.get(User, users["assessor"].id).is_active = False  # type: ignore[union-attr]
        db.session.commit()
    response = login(client, "assessor", users["assessor"].password)
    assert "username or password is not correct" in response.get_data(as_text=True)


def test_logout_is_audited_and_ends_the_session(app, login_as):
    client = login_as("assessor")
    response = post_form(client, "/logout", {}, token_from="/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert ("logout", "assessor") in audit_actions(app)


def test_logout_needs_post_with_csrf(login_as):
    client = login_as("assessor")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_next_parameter_only_redirects_within_the_site(client, users: dict[str, UserInfo]):
    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/x", data={
        "csrf_token": token, "username": "assessor", "password": users["assessor"].password})
    assert response.headers["Location"] == "/"


def test_next_parameter_returns_to_the_page_asked_for(client, users):
    token = csrf_token(client)
    response = client.post("/login?next=/account/password", data={
        "csrf_token": token, "username": "assessor", "password": users["assessor"].password})
    assert response.headers["Location"] == "/account/password"
