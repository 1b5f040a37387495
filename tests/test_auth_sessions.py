"""Server-side sessions: new id at sign-in, destroyed at sign-out, idle and absolute timeouts, ended on
password change, reset and disable; cookie flags."""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie

import time_machine
from flask import Flask
from sqlalchemy import func, select

from app import create_app
from app.auth.models import User, UserSession
from app.auth.sessions import token_digest
from app.db import db, utcnow
from tests.conftest import csrf_token, login, post_form

COOKIE = "waypoint_session"


def session_cookie(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def session_rows(app: Flask, user_id: int | None = None) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(UserSession)
        if user_id is not None:
            stmt = stmt.where(UserSession.user_id == user_id)
        return int(db.session.scalar(stmt) or 0)


def test_session_id_changes_at_sign_in(client, users):
    csrf_token(client)
    before = session_cookie(client)
    assert before is not None
    login(client, "assessor", users["assessor"].password)
    after = session_cookie(client)
    assert after is not None and after != before


def test_only_a_digest_of_the_token_is_stored(app, client, users):
    login(client, "assessor", users["assessor"].password)
    token = session_cookie(client)
    with app.app_context():
        ids = list(db.session.scalars(select(UserSession.id)))
    assert token not in ids
    assert token_digest(token) in ids


def test_cookie_captured_before_logout_is_refused_after_it(app, login_as):
    client = login_as("assessor")
    stolen = session_cookie(client)
    post_form(client, "/logout", {}, token_from="/")
    attacker = app.test_client()
    attacker.set_cookie(COOKIE, stolen)
    response = attacker.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_idle_for_31_minutes_sends_back_to_login(app, login_as):
    client = login_as("assessor")
    with time_machine.travel(utcnow() + timedelta(minutes=29), tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(utcnow() + timedelta(minutes=29 + 31), tick=False):
        response = client.get("/")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
        page = client.get(response.headers["Location"])
        assert "Your session has ended" in page.get_data(as_text=True)


def test_session_ends_after_12_hours_even_when_active(app, login_as):
    client = login_as("assessor")
    start = utcnow()
    for minutes in range(20, 12 * 60, 20):  # a request every 20 minutes keeps it from going idle
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=5), tick=False):
        assert client.get("/").status_code == 302


def test_password_change_ends_every_other_session_of_the_user(app, login_as, users):
    first = login_as("assessor")
    second = login_as("assessor")
    response = post_form(second, "/account/password", {
        "current_password": users["assessor"].password,
        "new_password": "fresh-harbour-tangerine-99",
        "confirm_password": "fresh-harbour-tangerine-99",
    })
    assert response.status_code == 302
    assert first.get("/").status_code == 302  # the other browser is signed out
    assert second.get("/").status_code == 200  # this one continues under a new session
    assert session_rows(app, users["assessor"].id) == 1


def test_admin_password_reset_ends_the_users_sessions_and_forces_a_change(app, login_as, users):
    victim = login_as("assessor")
    admin = login_as("admin")
    url = f"/admin/users/{users['assessor'].id}/password"
    response = post_form(admin, url, {"new_password": "temporary-walnut-glacier-31"},
                         token_from=f"/admin/users/{users['assessor'].id}")
    assert response.status_code == 302
    assert victim.get("/").status_code == 302
    fresh = app.test_client()
    assert login(fresh, "assessor", "temporary-walnut-glacier-31").headers["Location"] == "/account/password"
    assert fresh.get("/").headers["Location"] == "/account/password"


def test_disabling_an_account_ends_its_sessions(app, login_as, users):
    victim = login_as("assessor")
    admin = login_as("admin")
    uid = users["assessor"].id
    assert post_form(admin, f"/admin/users/{uid}/active", {}, token_from=f"/admin/users/{uid}").status_code == 302
    assert victim.get("/").status_code == 302
    assert session_rows(app, uid) == 0


def test_admin_can_end_a_users_sessions(app, login_as, users):
    victim = login_as("assessor")
    admin = login_as("admin")
    uid = users["assessor"].id
    post_form(admin, f"/admin/users/{uid}/sessions/end", {}, token_from=f"/admin/users/{uid}")
    assert victim.get("/").status_code == 302


def test_cookie_is_httponly_and_samesite_lax(client, users):
    client.get("/login")
    response = login(client, "assessor", users["assessor"].password)
    header = response.headers["Set-Cookie"]
    morsel = SimpleCookie(header)[COOKIE]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert not morsel["secure"]  # plain HTTP in tests; production sets Secure (below)


def test_cookie_is_secure_and_host_prefixed_in_production(monkeypatch, db_url):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", db_url)
    app = create_app("production")
    response = app.test_client().get("/login", base_url="https://localhost")
    header = response.headers["Set-Cookie"]
    assert header.startswith("__Host-waypoint_session=")
    morsel = SimpleCookie(header)["__Host-waypoint_session"]
    assert morsel["secure"] is True and morsel["httponly"] is True and morsel["path"] == "/"
    assert not morsel["domain"]


def test_visitor_without_session_data_gets_no_session_row(app, client):
    client.get("/health")
    assert session_rows(app) == 0


def test_rehash_happens_at_sign_in_when_parameters_change(app, users):
    with app.app_context():
        old_hash = db.session.get(User, users["assessor"].id).password_hash  # type: ignore[union-attr]
    assert old_hash.startswith("$argon2id$")
    app.config["ARGON2_MEMORY_COST"] = 16384
    login(app.test_client(), "assessor", users["assessor"].password)
    with app.app_context():
        new_hash = db.session.get(User, users["assessor"].id).password_hash  # type: ignore[union-attr]
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$") and "m=16384" in new_hash


def test_admin_lists_a_users_active_sessions_and_ends_one(app, login_as, users):
    victim_one, victim_two = login_as("assessor"), login_as("assessor")
    admin = login_as("admin")
    uid = users["assessor"].id
    page = admin.get(f"/admin/users/{uid}").get_data(as_text=True)
    section = page[page.index('data-testid="active-sessions"'):]
    assert section.count("/end\"") == 2
    token = token_digest(session_cookie(victim_one))
    response = post_form(admin, f"/admin/users/{uid}/sessions/{token}/end", {}, token_from=f"/admin/users/{uid}")
    assert response.status_code == 302
    assert victim_one.get("/").status_code == 302
    assert victim_two.get("/").status_code == 200
