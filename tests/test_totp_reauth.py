"""The TOTP second factor for supervisors and admins, and re-authentication before sensitive actions
(CONTROLS: Authentication and sessions; ASVS 2.8.4, 3.7.1)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Any

import pyotp
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.assessments.models import Assessment
from app.audit.models import AuditEvent
from app.auth import totp
from app.auth.models import Role, User, UserSession
from app.db import db, utcnow
from tests import factories
from tests.conftest import csrf_token, login, post_form, submit_code

# --- helpers ----------------------------------------------------------------------------------------------

SECRET_RE = re.compile(r'data-testid="totp-secret">([A-Z2-7 ]+)<')
SVG_RE = re.compile(r"<svg\b.*?</svg>", re.S)
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))


def user_row(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


def wrong_code(secret: str) -> str:
    """A well-formed code that none of the accepted steps has."""
    valid = {pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30 * k)) for k in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(0, 1_000_000, 111_111)) if c not in valid)


def enrolment_secret(page_text: str) -> str:
    match = SECRET_RE.search(page_text)
    assert match, "no text secret on the enrolment page"
    return match.group(1).replace(" ", "")


def new_supervisor(app: Flask, name: str = "sam", **kwargs: Any) -> factories.UserInfo:
    return factories.make_user(app, name, Role.SUPERVISOR, [factories.UNIT_A], "tundra-pelican-saffron-61", **kwargs)


def signed_in_without_totp(app: Flask, info: factories.UserInfo) -> FlaskClient:
    client = app.test_client()
    response = login(client, info.username, info.password)
    assert response.status_code == 302
    return client


def password_step(app: Flask, info: factories.UserInfo, next_path: str | None = None) -> FlaskClient:
    """A client that has given the right password and stands at the code page."""
    client = app.test_client()
    token = csrf_token(client, "/login")
    url = "/login" + (f"?next={next_path}" if next_path else "")
    response = client.post(url, data={"csrf_token": token, "username": info.username, "password": info.password})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/code")
    return client


# --- enrolment ------------------------------------------------------------------------------------------


def test_supervisor_without_enrolment_is_sent_to_enrolment_from_every_page(app, units, users, records):
    info = new_supervisor(app, totp=False)
    client = signed_in_without_totp(app, info)
    pages = [r.rule for r in app.url_map.iter_rules()
             if "GET" in (r.methods or ()) and not r.arguments
             and r.endpoint not in {"auth.enrol_totp", "auth.login", "auth.login_code", "main.health"}
             and not r.endpoint.endswith("static")]
    pages += [f"/subjects/{records['subject_a']}", f"/subjects/{records['subject_a']}/export/case-summary"]
    assert "/" in pages and "/audit/extract" in pages
    for path in pages:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/totp", path
    token = csrf_token(client, "/account/totp")
    assert client.post("/account/password", data={"csrf_token": token}).headers["Location"] == "/account/totp"
    assert client.get("/account/totp").status_code == 200


def test_admin_without_enrolment_is_sent_to_enrolment(app, units):
    info = factories.make_user(app, "ada", Role.ADMIN, [], "tundra-pelican-saffron-61", totp=False)
    client = signed_in_without_totp(app, info)
    assert client.get("/admin/users").headers["Location"] == "/account/totp"


def test_assessor_is_not_asked_to_enrol(login_as):
    assert login_as("assessor").get("/").status_code == 200


def test_enrolment_keeps_its_secret_until_confirmed(app, units):
    client = signed_in_without_totp(app, new_supervisor(app, totp=False))
    first = enrolment_secret(client.get("/account/totp").get_data(as_text=True))
    assert enrolment_secret(client.get("/account/totp").get_data(as_text=True)) == first


def test_enrolment_with_a_wrong_code_is_refused(app, units):
    info = new_supervisor(app, totp=False)
    client = signed_in_without_totp(app, info)
    secret = enrolment_secret(client.get("/account/totp").get_data(as_text=True))
    response = post_form(client, "/account/totp", {"code": wrong_code(secret)})
    assert response.status_code == 400
    assert "That code does not match" in response.get_data(as_text=True)
    assert user_row(app, info.id).totp_secret is None
    assert client.get("/").headers["Location"] == "/account/totp"
    [failed] = events(app, "totp_enrol_failed")
    assert failed.actor_username == "sam" and secret not in str(failed.canonical_fields())
    assert events(app, "totp_enrol") == []


def test_enrolment_with_the_right_code_is_stored_and_audited(app, units):
    info = new_supervisor(app, totp=False)
    client = signed_in_without_totp(app, info)
    secret = enrolment_secret(client.get("/account/totp").get_data(as_text=True))
    code = pyotp.TOTP(secret).now()
    response = post_form(client, "/account/totp", {"code": code})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    stored = user_row(app, info.id)
    assert stored.totp_secret == secret and stored.totp_enrolled_at is not None
    assert stored.totp_last_step is not None and stored.totp_last_step >= pyotp.TOTP(secret).timecode(utcnow()) - 1
    [event] = events(app, "totp_enrol")
    assert event.actor_username == "sam" and event.object_id == str(info.id)
    assert secret not in str(event.canonical_fields()) and code not in str(event.canonical_fields())
    # the code that confirmed the enrolment is used: it cannot sign anyone in
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    again = submit_code(password_step(app, info), code)
    assert "already been used" in again.get_data(as_text=True)


def test_enrolment_page_qr_has_no_style_attribute_and_makes_no_external_reference(app, units):
    client = signed_in_without_totp(app, new_supervisor(app, totp=False))
    response = client.get("/account/totp")
    text = response.get_data(as_text=True)
    [svg] = SVG_RE.findall(text)
    assert "style" not in svg
    assert 'role="img"' in svg and "<title>" in svg  # a text alternative for the QR code
    assert " style=" not in text and "<script>" not in text
    assert "http://" not in text and "https://" not in text and "otpauth://" not in text
    assert re.findall(r'(?:src|href)="([^"]+)"', text) and all(
        url.startswith("/") or url.startswith("#") for url in re.findall(r'(?:src|href)="([^"]+)"', text))
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    for _ in range(5):  # segno's output for other secrets too
        with app.test_request_context():
            assert "style" not in totp.qr_svg(totp.provisioning_uri(totp.new_secret(), "sam"), "QR")


# --- the code at sign-in ---------------------------------------------------------------------------------------


def test_sign_in_needs_the_code(app, users):
    info = users["supervisor"]
    client = password_step(app, info, next_path="/subjects")
    assert client.get("/").headers["Location"].startswith("/login")  # not signed in yet
    assert [e.actor_username for e in events(app, "login")] == []
    page = client.get("/login/code?next=/subjects")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.get_data(as_text=True)
    response = submit_code(client, factories.unused_code_for(app, "supervisor", forget_used=False),
                           "/login/code?next=/subjects")
    assert response.status_code == 302 and response.headers["Location"] == "/subjects"
    assert client.get("/").status_code == 200
    assert [e.actor_username for e in events(app, "login")] == ["supervisor"]


def test_code_page_without_a_right_password_sends_to_sign_in(app, client, users):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    token = csrf_token(client, "/login")
    response = client.post("/login/code", data={"csrf_token": token, "code": "123456"})
    assert response.headers["Location"].startswith("/login") and events(app, "login") == []


def test_code_step_expires_after_five_minutes(app, users):
    client = password_step(app, users["supervisor"])
    token = csrf_token(client, "/login/code")
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=False):
        code = factories.unused_code_for(app, "supervisor", forget_used=False)
        response = client.post("/login/code", data={"csrf_token": token, "code": code})
        assert response.status_code == 302 and response.headers["Location"] == "/login"
        assert "took too long" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert events(app, "login") == []


def test_a_reused_code_is_refused_and_audited(app, users):
    info = users["supervisor"]
    code = pyotp.TOTP(info.totp_secret).now()
    first = password_step(app, info)
    assert submit_code(first, code).headers["Location"] == "/"
    second = password_step(app, info)
    response = submit_code(second, code)
    assert response.status_code == 200
    assert "already been used" in response.get_data(as_text=True)
    assert second.get("/").headers["Location"].startswith("/login")
    [failed] = events(app, "login_failed")
    assert failed.details["reason"] == "code already used" and failed.details["stage"] == "code"
    assert failed.actor_username == "supervisor" and code not in str(failed.canonical_fields())


def test_five_wrong_codes_lock_the_account(app, users):
    info = users["supervisor"]
    client = password_step(app, info)
    assert info.totp_secret is not None
    for _ in range(4):
        response = submit_code(client, wrong_code(info.totp_secret))
        assert response.status_code == 200 and "The code is not correct" in response.get_data(as_text=True)
    fifth = submit_code(client, wrong_code(info.totp_secret))
    assert fifth.status_code == 429 and "Too many failed sign-ins" in fifth.get_data(as_text=True)
    assert client.get("/login/code").headers["Location"].startswith("/login")  # the password again, later
    failures = events(app, "login_failed")
    assert [e.details["reason"] for e in failures] == ["wrong code"] * 4 + ["wrong code; account locked"]
    locked = user_row(app, info.id)
    assert locked.locked_until is not None and locked.locked_until > utcnow()
    # even the right password and a right code now: refused
    again = app.test_client()
    assert login(again, info.username, info.password).status_code == 429


def test_a_right_password_does_not_reset_the_count_of_wrong_codes(app, users):
    info = users["supervisor"]
    assert info.totp_secret is not None
    for _ in range(2):
        client = password_step(app, info)
        for _ in range(2):
            submit_code(client, wrong_code(info.totp_secret))
    client = password_step(app, info)
    assert submit_code(client, wrong_code(info.totp_secret)).status_code == 429


# --- admin reset -------------------------------------------------------------------------------------------


def test_admin_reset_ends_the_users_sessions_and_is_audited(app, users, login_as):
    supervisor = login_as("supervisor")
    admin = login_as("admin")
    page = admin.get(f"/admin/users/{users['supervisor'].id}").get_data(as_text=True)
    assert f'action="/admin/users/{users["supervisor"].id}/totp/reset"' in page
    response = post_form(admin, f"/admin/users/{users['supervisor'].id}/totp/reset", {},
                         token_from=f"/admin/users/{users['supervisor'].id}")
    assert response.status_code == 302
    assert supervisor.get("/").headers["Location"].startswith("/login")
    reset = user_row(app, users["supervisor"].id)
    assert reset.totp_secret is None and reset.totp_last_step is None and reset.totp_enrolled_at is None
    [event] = events(app, "totp_reset")
    assert event.actor_username == "admin" and event.object_id == str(users["supervisor"].id)
    assert event.details["sessions_ended"] == 1
    # the password alone now signs in, straight to a new enrolment
    fresh = app.test_client()
    assert login(fresh, "supervisor", users["supervisor"].password).headers["Location"] == "/"
    assert fresh.get("/").headers["Location"] == "/account/totp"


def test_admin_cannot_reset_their_own_second_factor(app, users, login_as):
    admin = login_as("admin")
    path = f"/admin/users/{users['admin'].id}"
    post_form(admin, f"{path}/totp/reset", {}, token_from=path)
    assert user_row(app, users["admin"].id).totp_secret is not None
    assert events(app, "totp_reset") == []


# --- re-authentication -----------------------------------------------------------------------------------------


@pytest.fixture
def submitted(app: Flask, users: dict[str, factories.UserInfo], records: dict[str, int]) -> int:
    """An assessment of subject A, written by the assessor, waiting for the supervisor's decision."""
    factories.accredit(app, users["assessor"].id)
    return factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)


def version_of(app: Flask, assessment_id: int) -> str:
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        assert assessment is not None
        return str(assessment.version)


def status_of(app: Flask, assessment_id: int) -> str:
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        assert assessment is not None
        return assessment.status


def stale(client: FlaskClient, signed_in_at: datetime) -> time_machine.travel:
    """16 minutes after sign-in, with a request at 10 minutes so that the session never idles out."""
    with time_machine.travel(signed_in_at + timedelta(minutes=10), tick=False):
        assert client.get("/").status_code == 200
    return time_machine.travel(signed_in_at + timedelta(minutes=16), tick=False)


def confirm(client: FlaskClient, app: Flask, info: factories.UserInfo, next_path: str = "") -> Any:
    data: dict[str, str] = {"password": info.password}
    if info.totp_secret:
        data["code"] = factories.unused_code_for(app, info.username, forget_used=False)
    path = "/account/confirm" + (f"?next={next_path}" if next_path else "")
    return post_form(client, path, data)


def send_again(client: FlaskClient) -> Any:
    """Press the button of the page that offers the held-back form again."""
    page = client.get("/account/confirm/continue")
    assert page.status_code == 200
    form = re.search(r'<form method="post" action="([^"]+)" data-testid="send-again">(.*?)</form>',
                     page.get_data(as_text=True), re.S)
    assert form
    fields = [(name, html.unescape(value)) for name, value in HIDDEN_RE.findall(form.group(2))]
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return client.post(form.group(1), data=data)


def test_fresh_session_approves_without_being_asked(app, users, login_as, submitted):
    client = login_as("supervisor")
    path = f"/assessments/{submitted}"
    response = post_form(client, f"{path}/approve", {"version": version_of(app, submitted)}, token_from=path)
    assert response.headers["Location"] == path
    assert status_of(app, submitted) == "approved"
    assert events(app, "reauth") == []


def test_stale_approval_is_sent_to_confirm_and_works_after_confirming(app, users, login_as, submitted):
    start = utcnow()
    client = login_as("supervisor")
    path = f"/assessments/{submitted}"
    with stale(client, start):
        token = csrf_token(client, path)
        response = client.post(f"{path}/approve", data={"csrf_token": token, "version": version_of(app, submitted)})
        assert response.status_code == 302 and response.headers["Location"] == "/account/confirm"
        assert status_of(app, submitted) == "submitted"
        page = client.get("/account/confirm").get_data(as_text=True)
        assert "To approve the assessment" in page and 'name="code"' in page
        response = confirm(client, app, users["supervisor"])
        assert response.headers["Location"] == "/account/confirm/continue"
        assert status_of(app, submitted) == "submitted"  # nothing done without the user pressing the button
        done = send_again(client)
        assert done.headers["Location"] == path
        assert status_of(app, submitted) == "approved"
        assert client.get("/account/confirm/continue").headers["Location"] == "/"  # nothing held any more
    [event] = events(app, "reauth")
    assert event.actor_username == "supervisor" and event.details["second_factor"] is True


def test_stale_return_keeps_the_comment_typed(app, users, login_as, submitted):
    start = utcnow()
    client = login_as("supervisor")
    path = f"/assessments/{submitted}"
    comment = 'Evidence for IN2 needs a source & a date, "not hearsay".'
    with stale(client, start):
        post_form(client, f"{path}/return", {"comment": comment, "version": version_of(app, submitted)},
                  token_from=path)
        assert status_of(app, submitted) == "submitted"
        confirm(client, app, users["supervisor"])
        assert send_again(client).headers["Location"] == path
    assert status_of(app, submitted) == "draft"
    with app.app_context():
        assessment = db.session.get(Assessment, submitted)
        assert assessment is not None and assessment.return_comment == comment
    assert len(events(app, "return")) == 1


@pytest.mark.parametrize("kind", ["case-summary", "subject-access", "audit-extract"])
def test_stale_export_is_sent_to_confirm_and_back(app, users, login_as, records, kind):
    path = "/audit/extract" if kind == "audit-extract" else f"/subjects/{records['subject_a']}/export/{kind}"
    start = utcnow()
    client = login_as("supervisor")
    assert client.get(path).status_code == 200  # fresh: not asked
    with stale(client, start):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == f"/account/confirm?next={path}"
        assert confirm(client, app, users["supervisor"], next_path=path).headers["Location"] == path
        assert client.get(path).status_code == 200


def test_stale_export_post_is_held_and_sent_again(app, users, login_as, records):
    path = f"/subjects/{records['subject_a']}/export/case-summary"
    start = utcnow()
    client = login_as("assessor")  # no second factor: the password alone confirms
    with stale(client, start):
        token = csrf_token(client, "/")
        response = client.post(path, data={"csrf_token": token, "purpose": "Parole hearing",
                                           "recipient": "Parole Board", "legal_basis": "parole_board"})
        assert response.headers["Location"] == "/account/confirm"
        assert events(app, "export") == []
        page = client.get("/account/confirm").get_data(as_text=True)
        assert 'name="code"' not in page
        confirm(client, app, users["assessor"])
        download = send_again(client)
    assert download.mimetype == "application/pdf"
    [event] = events(app, "export")
    assert event.details["purpose"] == "Parole hearing"


def test_stale_role_change_is_sent_to_confirm_and_works_after(app, users, login_as):
    start = utcnow()
    admin = login_as("admin")
    path = f"/admin/users/{users['assessor'].id}"
    with stale(admin, start):
        form = {"display_name": "Assessor", "role": "probation_officer", "units": ["UNIT-A"], "version": "1"}
        response = post_form(admin, path, form)
        assert response.headers["Location"] == "/account/confirm"
        assert user_row(app, users["assessor"].id).role == "assessor"
        confirm(admin, app, users["admin"])
        assert send_again(admin).headers["Location"] == path
    assert user_row(app, users["assessor"].id).role == "probation_officer"


NEW_ADMIN = {"username": "new.admin", "display_name": "New Admin", "role": "admin", "units": [],
             "password": "granite-willow-beacon-58"}


def account_named(app: Flask, username: str) -> User | None:
    with app.app_context():
        return db.session.scalars(select(User).where(User.username == username)).first()


def test_stale_admin_is_asked_to_confirm_before_the_new_account_form(app, users, login_as):
    start = utcnow()
    admin = login_as("admin")
    with stale(admin, start):
        response = admin.get("/admin/users/new")
        assert response.status_code == 302 and response.headers["Location"] == "/account/confirm?next=/admin/users/new"
        assert "To create an account" in admin.get("/account/confirm").get_data(as_text=True)
        assert confirm(admin, app, users["admin"], next_path="/admin/users/new").headers["Location"] == \
            "/admin/users/new"
        assert post_form(admin, "/admin/users/new", NEW_ADMIN).status_code == 302
    created = account_named(app, "new.admin")
    assert created is not None and created.role == "admin"


def test_stale_account_creation_creates_nothing_and_never_keeps_the_initial_password(app, users, login_as):
    start = utcnow()
    admin = login_as("admin")
    token = csrf_token(admin, "/admin/users/new")  # the form opened while the sign-in was fresh ...
    with stale(admin, start):  # ... and sent after REAUTH_AFTER
        response = admin.post("/admin/users/new", data={"csrf_token": token, **NEW_ADMIN})
        assert response.status_code == 302
        assert response.headers["Location"] == "/account/confirm?next=/admin/users/new"
        assert account_named(app, "new.admin") is None
        assert [e for e in events(app, "create") if e.object_type == "user" and e.actor_username == "admin"] == []
        with app.app_context():
            stored = db.session.scalars(select(UserSession.data)).all()
        assert stored and not any(NEW_ADMIN["password"] in data for data in stored)
        assert admin.get("/account/confirm/continue").headers["Location"] == "/"  # nothing held to send again


def test_stale_name_change_is_not_asked(app, users, login_as):
    start = utcnow()
    admin = login_as("admin")
    path = f"/admin/users/{users['assessor'].id}"
    with stale(admin, start):
        form = {"display_name": "Ann Assessor", "role": "assessor", "units": ["UNIT-A"], "version": "1"}
        assert post_form(admin, path, form).headers["Location"] == path
    assert user_row(app, users["assessor"].id).display_name == "Ann Assessor"


def test_wrong_password_at_confirm_is_audited_and_counts_toward_lockout(app, users, login_as, submitted):
    start = utcnow()
    client = login_as("supervisor")
    with stale(client, start):
        for _ in range(4):
            response = post_form(client, "/account/confirm", {"password": "not-my-password-at-all", "code": "1"})
            assert response.status_code == 400 and "Your password is not correct" in response.get_data(as_text=True)
        assert user_row(app, users["supervisor"].id).failed_login_count == 4
        fifth = post_form(client, "/account/confirm", {"password": "not-my-password-at-all", "code": "1"})
        assert fifth.status_code == 429
        assert client.get("/").headers["Location"].startswith("/login")  # signed out
    failures = events(app, "login_failed")
    assert [e.details["stage"] for e in failures] == ["confirm"] * 5
    assert failures[0].details["reason"] == "wrong password"
    assert "not-my-password-at-all" not in str([e.canonical_fields() for e in failures])
    assert events(app, "reauth") == []


def test_confirm_needs_the_code_from_a_user_who_has_one(app, users, login_as):
    start = utcnow()
    client = login_as("supervisor")
    with stale(client, start):
        response = post_form(client, "/account/confirm", {"password": users["supervisor"].password})
        assert response.status_code == 400 and "Enter the 6-digit code" in response.get_data(as_text=True)
        assert client.get("/audit/extract").headers["Location"].startswith("/account/confirm")
    assert events(app, "reauth") == []
