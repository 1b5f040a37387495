"""Redirects after sign-in stay on the site (CONTROLS: Redirects stay on the site; ASVS 5.1.5): every entry
point that follows `next` (the password, the code step, confirming one's password) goes home for a target a
browser would read as another host, and never answers 500."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.auth.redirects import local_path
from tests import factories
from tests.conftest import csrf_token, signed_in_client

# Raw query-string values of `next`, as an attacker would put them in a link.
OFF_SITE = [
    "/%09/evil.example",
    "/%09%09/evil.example/path",
    "/%0A/evil.example",
    "/%0D/evil.example",
    "/%0D%0A/evil.example",
    "//evil.example",
    "%5C%5Cevil.example",
    "/%5Cevil.example",
    "https://evil.example",
    "https%3A%2F%2Fevil.example",
    "/\t/x",
    "%20//evil.example",
    "/%2509/evil.example",
    "/%E2%80%AE/evil.example",
    "javascript:alert(1)",
]


def _password_post(client: FlaskClient, info: factories.UserInfo, raw_next: str) -> Any:
    token = csrf_token(client, "/login")
    return client.post("/login", query_string=f"next={raw_next}",
                       data={"csrf_token": token, "username": info.username, "password": info.password})


def _code_post(app: Flask, info: factories.UserInfo, raw_next: str) -> tuple[FlaskClient, Any]:
    client = app.test_client()
    step = _password_post(client, info, raw_next)
    assert step.status_code == 302 and step.headers["Location"].startswith("/login/code")
    token = csrf_token(client, "/login/code")
    code = factories.unused_code_for(app, info.username)
    return client, client.post("/login/code", query_string=f"next={raw_next}",
                               data={"csrf_token": token, "code": code})


def _confirm_post(client: FlaskClient, info: factories.UserInfo, raw_next: str) -> Any:
    token = csrf_token(client, "/account/confirm")
    return client.post("/account/confirm", query_string=f"next={raw_next}",
                       data={"csrf_token": token, "password": info.password})


@pytest.mark.parametrize("raw_next", OFF_SITE)
def test_sign_in_with_an_off_site_next_goes_home_and_stays_signed_in(client, users, raw_next):
    response = _password_post(client, users["assessor"], raw_next)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("raw_next", OFF_SITE)
def test_code_step_with_an_off_site_next_goes_home_and_stays_signed_in(app, users, raw_next):
    client, response = _code_post(app, users["supervisor"], raw_next)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("raw_next", OFF_SITE)
def test_confirming_the_password_with_an_off_site_next_goes_home(app, users, raw_next):
    client = signed_in_client(app, users["assessor"])
    response = _confirm_post(client, users["assessor"], raw_next)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_local_next_is_followed_by_every_entry_point(app, users):
    assert _password_post(app.test_client(), users["assessor"], "/account/password").headers["Location"] \
        == "/account/password"
    _, coded = _code_post(app, users["supervisor"], "/subjects%3Fq%3DA1000AA")
    assert coded.headers["Location"] == "/subjects?q=A1000AA"
    confirmed = _confirm_post(signed_in_client(app, users["assessor"]), users["assessor"], "/account/password")
    assert confirmed.headers["Location"] == "/account/password"


def test_local_path_encodes_what_a_header_cannot_carry_and_refuses_what_leaves_the_site():
    assert local_path("/subjects?q=Ann Lee&unit_id=1") == "/subjects?q=Ann%20Lee&unit_id=1"
    assert local_path("/people/\u00e9") == "/people/%C3%A9"
    assert local_path("/a\nb") == "/a%0Ab"
    for target in ("/\t/evil.example", "/\r\n/evil.example", "\\\\evil.example", "/\\evil.example",
                   "https://evil.example/", "//evil.example", "/%2F/evil.example", "evil.example", "", None):
        assert local_path(target) is None, target
