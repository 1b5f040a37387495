"""X-Forwarded-For and X-Forwarded-Proto are believed only from the proxies in TRUSTED_PROXIES: a client that
reaches gunicorn directly cannot choose the address that throttling and the audit trail record."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, request
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEvent
from app.db import db
from config import ConfigError, ProductionConfig, trusted_proxies
from tests.conftest import csrf_token

FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


@pytest.fixture
def proxied_app(db_url: str) -> Any:
    application = watched(create_app({"SQLALCHEMY_DATABASE_URI": db_url, "PROXY_HOPS": 1,
                                      "TRUSTED_PROXIES": trusted_proxies("10.0.0.0/24, 192.0.2.7")}))
    yield application
    application.extensions["waypoint_engine"].dispose()


def watched(app: Flask) -> Flask:
    """`app`, noting the client address and scheme of each request as Waypoint's own code sees them."""
    seen: list[tuple[str | None, str]] = []
    app.extensions["seen_by_waypoint"] = seen
    app.before_request(lambda: seen.append((request.remote_addr, request.scheme)) and None)
    return app


def seen_by_waypoint(app: Flask, peer: str) -> tuple[str | None, str]:
    """The client address and scheme Waypoint sees for a request from `peer` carrying forwarded headers."""
    app.test_client().get("/login", headers=FORWARDED, environ_base={"REMOTE_ADDR": peer})
    seen: list[tuple[str | None, str]] = app.extensions["seen_by_waypoint"]
    return seen[-1]


def failed_sign_in_address(app: Flask, peer: str) -> str | None:
    """The address the audit trail records for a wrong password sent from `peer` with forwarded headers."""
    client = app.test_client()
    token = csrf_token(client)
    client.post("/login", data={"csrf_token": token, "username": "assessor", "password": "wrong-guess-1234"},
                # Over https (as the trusted proxy says) the CSRF check also wants a same-site Referer.
                headers={**FORWARDED, "Referer": "https://localhost/login"}, environ_base={"REMOTE_ADDR": peer})
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event is not None
        return event.ip


def test_forwarded_address_is_recorded_when_the_peer_is_a_trusted_proxy(proxied_app, users):
    assert failed_sign_in_address(proxied_app, "192.0.2.7") == "203.0.113.9"


def test_forwarded_address_is_ignored_from_a_peer_that_is_not_a_trusted_proxy(proxied_app, users):
    assert failed_sign_in_address(proxied_app, "198.51.100.20") == "198.51.100.20"


def test_a_trusted_network_covers_every_address_in_it(proxied_app):
    assert seen_by_waypoint(proxied_app, "10.0.0.200") == ("203.0.113.9", "https")
    assert seen_by_waypoint(proxied_app, "10.0.1.1") == ("10.0.1.1", "http")  # just outside the /24


def test_forwarded_proto_is_believed_only_from_a_trusted_proxy(proxied_app):
    assert seen_by_waypoint(proxied_app, "192.0.2.7")[1] == "https"
    assert seen_by_waypoint(proxied_app, "192.0.2.8")[1] == "http"


def test_an_ipv4_peer_on_a_dual_stack_socket_is_matched_as_ipv4(proxied_app):
    assert seen_by_waypoint(proxied_app, "::ffff:10.0.0.5") == ("203.0.113.9", "https")


def test_production_trusts_the_proxy_on_the_same_host_by_default(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://waypoint@db.internal/waypoint")
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert ProductionConfig.settings()["TRUSTED_PROXIES"] == ("127.0.0.0/8", "::1/128", "unix")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.20.0.4")
    assert ProductionConfig.settings()["TRUSTED_PROXIES"] == ("10.20.0.4/32",)


def test_a_unix_socket_peer_is_trusted_only_when_configured(db_url):
    for entries, expected in (("unix", ("203.0.113.9", "https")), ("127.0.0.1", (None, "http"))):
        app = watched(create_app({"SQLALCHEMY_DATABASE_URI": db_url, "PROXY_HOPS": 1,
                                  "TRUSTED_PROXIES": trusted_proxies(entries)}))
        # gunicorn gives a peer on a unix socket an empty REMOTE_ADDR.
        remote, scheme = seen_by_waypoint(app, "")
        assert (remote or None, scheme) == expected
        app.extensions["waypoint_engine"].dispose()


@pytest.mark.parametrize("entry", ["proxy.internal", "10.0.0.1/24", "10.0.0.0/33"])
def test_a_trusted_proxies_entry_that_is_not_an_address_or_network_stops_start_up(entry):
    with pytest.raises(ConfigError, match=f"TRUSTED_PROXIES: '{entry}'"):
        trusted_proxies(f"127.0.0.1, {entry}")
