"""Security headers, no-store caching, CSRF, generic error pages, no mass assignment, no secrets in logs."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Blueprint
from sqlalchemy import func, select

from app import create_app
from app.audit.models import AuditEvent
from app.auth.models import Unit, User
from app.db import db
from tests.conftest import csrf_token, login, post_form
from tests.test_policy import GET_MATRIX, url_args

# The pages of a GET: the public ones, and those that only redirect without a step in progress, left out.
GUARDED_GETS = sorted(e for e in GET_MATRIX if e not in {"main.health", "auth.login", "auth.login_code",
                                                         "auth.resume"})


def assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("endpoint", sorted(GET_MATRIX))
def test_security_headers_and_no_store_on_every_route(matrix, endpoint):
    from flask import url_for

    app = matrix.app
    client = matrix.client_for("admin" if endpoint.startswith("admin.") else "supervisor")
    with app.test_request_context():
        url = url_for(endpoint, **url_args(app, endpoint, matrix.users, matrix.units, matrix.records))
    response = client.get(url)
    assert_security_headers(response)
    assert "no-store" in response.headers["Cache-Control"]
    assert "Strict-Transport-Security" not in response.headers  # HSTS only in production


def test_error_pages_carry_the_headers_too(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert_security_headers(response)


def test_no_page_uses_inline_script(matrix):
    from flask import url_for

    app = matrix.app
    for endpoint in GUARDED_GETS:
        # who may see each page: admins their pages, supervisors theirs, the draft's author (probation) the rest
        who = "admin" if endpoint.startswith("admin.") else "supervisor" if GET_MATRIX[endpoint]["probation"] == 403 \
            else "probation"
        if GET_MATRIX[endpoint].get(who) != 200:
            continue  # a page that needs a record the matrix data does not have (the erasure confirmation)
        client = matrix.client_for(who)
        with app.test_request_context():
            url = url_for(endpoint, **url_args(app, endpoint, matrix.users, matrix.units, matrix.records))
        response = client.get(url)
        assert response.status_code == 200, endpoint
        text = response.get_data(as_text=True)
        assert "<script>" not in text and " style=" not in text, endpoint
        # Nothing loaded from elsewhere: no absolute or protocol-relative address, and no CDN by name, in any
        # attribute that loads or links (a random CSRF token may spell "cdn": the page text is not searched).
        addresses = re.findall(r'(?:src|href|action)="([^"]*)"', text)
        assert not [a for a in addresses if a.startswith(("http:", "https:", "//")) or "cdn" in a.lower()], endpoint
        assert "https://" not in text, endpoint


def test_hsts_in_production(monkeypatch, db_url):
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    monkeypatch.setenv("DATABASE_URL", db_url)
    app = create_app("production")
    response = app.test_client().get("/login")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_post_without_csrf_token_is_400_in_production(monkeypatch, db_url, users):
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    monkeypatch.setenv("DATABASE_URL", db_url)
    app = create_app("production")
    response = app.test_client().post("/login", data={"username": "assessor", "password": "x"},
                                      base_url="https://localhost")
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)


def test_post_with_wrong_csrf_token_changes_nothing(app, login_as, users):
    admin = login_as("admin")
    uid = users["assessor"].id
    response = admin.post(f"/admin/users/{uid}/active", data={"csrf_token": "forged"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, uid).is_active is True  # type: ignore[union-attr]
        refusal = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).one()
        assert refusal.details["reason"].startswith("CSRF") and refusal.actor_username == "admin"


def test_unhandled_error_shows_a_correlation_id_that_is_in_the_log(db_url, caplog):
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url})
    boom = Blueprint("boom", __name__)

    @boom.route("/boom")
    def explode() -> str:
        raise RuntimeError("secret internal detail")

    app.register_blueprint(boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    from app import policy

    policy.requires(policy.authenticated)(explode)
    client = app.test_client()
    from tests.factories import make_units, make_user

    make_units(app)
    from app.auth.models import Role

    make_user(app, "sam", Role.SUPERVISOR, ["UNIT-A"], "tundra-pelican-saffron-61")
    login(client, "sam", "tundra-pelican-saffron-61")
    with caplog.at_level(logging.ERROR, logger="waypoint"):
        response = client.get("/boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "secret internal detail" not in text
    request_id = response.headers["X-Request-Id"]
    assert request_id in text
    assert any(request_id in r.getMessage() for r in caplog.records)


def test_failed_request_changes_nothing(db_url):
    """A fault after the first write of a multi-write action: no partial rows, no audit event."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url})
    fault = Blueprint("fault", __name__)
    from app import policy
    from app.admin import services

    @fault.route("/two-writes", methods=["POST"])
    @policy.requires(policy.authenticated)
    def two_writes() -> str:
        services.create_unit("HALF-DONE", "Half done", "prison")
        raise RuntimeError("fault injected after the first write")

    app.register_blueprint(fault)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    from app.auth.models import Role
    from tests.factories import make_units, make_user

    make_units(app)
    make_user(app, "sam", Role.SUPERVISOR, ["UNIT-A"], "tundra-pelican-saffron-61")
    client = app.test_client()
    login(client, "sam", "tundra-pelican-saffron-61")
    with app.app_context():
        events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    token = csrf_token(client, "/")
    assert client.post("/two-writes", data={"csrf_token": token}).status_code == 500
    with app.app_context():
        assert db.session.scalar(select(Unit).where(Unit.code == "HALF-DONE")) is None
        # the page views after sign-in write no events; the failed request wrote none either
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before


def test_extra_fields_cannot_change_role_or_units(app, login_as, users, units):
    """No mass assignment: a user changing their password cannot smuggle in a role or a unit."""
    client = login_as("assessor")
    response = post_form(client, "/account/password", {
        "current_password": users["assessor"].password,
        "new_password": "sable-orchid-fountain-88",
        "confirm_password": "sable-orchid-fountain-88",
        "role": "admin", "unit_id": units["B"], "is_active": "0", "username": "root",
    })
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, users["assessor"].id)
        assert user is not None
        assert user.role == "assessor" and user.username == "assessor"
        assert [u.code for u in user.units] == ["UNIT-A"]


def test_logs_hold_no_passwords_cookies_or_tokens(app, client, users, caplog):
    caplog.set_level(logging.DEBUG)
    secret = users["assessor"].password
    login(client, "assessor", "a-wrong-password-attempt")
    login(client, "assessor", secret)
    cookie = client.get_cookie("waypoint_session").value
    post_form(client, "/account/password", {"current_password": secret, "new_password": "short",
                                            "confirm_password": "short"})
    client.get("/admin/users")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for needle in (secret, "a-wrong-password-attempt", cookie, "short"):
        assert needle not in logged
