"""Input bounds: ids in range of a BIGINT, request size, control characters in text, and the roll import's
file and line sizes. None of these gives a 500 or reads without bound; each gets a clear refusal."""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import date
from typing import Any

import pytest
from flask import Flask, url_for
from werkzeug.routing import IntegerConverter

from tests.conftest import csrf_token, post_form
from tests.test_policy import url_args

PAST_BIGINT = 2**63  # one past the largest id PostgreSQL's BIGINT and SQLite's INTEGER hold


# --- ids past 2^63 - 1 ---------------------------------------------------------------------------------


def _id_rules(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, int argument) for every route and method that takes an id in its path."""
    found = []
    for rule in app.url_map.iter_rules():
        ints = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            found.extend((rule.endpoint, method, name) for name in ints)
    return sorted(found)


def test_every_route_with_an_id_is_walked(app):
    # the walk below covers every such route; this holds the list from shrinking to nothing unnoticed
    assert len(_id_rules(app)) >= 40


def test_an_id_past_bigint_in_any_path_is_a_404(matrix):
    app = matrix.app
    clients = {role: matrix.client_for(role) for role in ("supervisor", "admin")}
    tokens = {role: csrf_token(client, "/") for role, client in clients.items()}
    answers = {}
    for endpoint, method, name in _id_rules(app):
        role = "admin" if endpoint.startswith("admin.") else "supervisor"
        with app.test_request_context():
            args = url_args(app, endpoint, matrix.users, matrix.units, matrix.records)
            args[name] = PAST_BIGINT
            url = url_for(endpoint, **args)
        client = clients[role]
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": tokens[role]})
        answers[(method, url)] = response.status_code
    assert answers and set(answers.values()) == {404}, {k: v for k, v in answers.items() if v != 404}


@pytest.mark.parametrize("path", [f"/subjects/{'9' * 5000}", "/subjects/\u0661", f"/subjects/{PAST_BIGINT}/edit"])
def test_a_path_id_of_thousands_of_digits_or_other_scripts_digits_is_a_404(matrix, path):
    assert matrix.client_for("supervisor").get(path).status_code == 404


def _cursor(family: str, given: str, ident: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([family, given, ident]).encode()).decode().rstrip("=")


@pytest.mark.parametrize(("query", "argument"), [
    (f"/audit/events?before={PAST_BIGINT}", "before"),
    (f"/subjects?unit_id={PAST_BIGINT}", "unit_id"),
    ("/subjects?unit_id=%C2%B2", "unit_id"),  # "²": a digit to str.isdigit(), not to int()
    (f"/subjects?owner={PAST_BIGINT}", "owner"),
    ("/subjects?owner=%C2%B2", "owner"),
    (f"/assessments/{{approved}}/compare?with={PAST_BIGINT}", "with"),
])
def test_an_id_query_argument_past_bigint_is_a_clear_400(matrix, query, argument):
    response = matrix.client_for("supervisor").get(query.format(**matrix.records))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"“{argument}” must be a record number" in page
    assert "Traceback" not in page


@pytest.mark.parametrize("query", [
    f"/subjects?after={_cursor('Archer', 'Alice', PAST_BIGINT)}",
    f"/observations?before=2026-01-01.{PAST_BIGINT}",
])
def test_a_page_cursor_past_bigint_is_ignored_like_any_bad_cursor(matrix, query):
    response = matrix.client_for("supervisor").get(query)
    assert response.status_code == 200


def test_valid_id_query_arguments_still_filter(matrix):
    client = matrix.client_for("supervisor")
    page = client.get(f"/subjects?unit_id={matrix.units['A']}").get_data(as_text=True)
    assert "A1000AA" in page
    assert client.get(f"/subjects?unit_id={matrix.units['B']}").get_data(as_text=True).count("A1000AA") == 0


# Forms whose choice or version field names a row: an id past 2^63 - 1 is refused next to the field (400), is a
# unit that is not the user's (403) or a version that cannot be current (409, or a flashed conflict); never a
# 500, and nothing is written.
TODAY = date.today().isoformat()
FORM_CASES = {
    "create a record in no unit": ("supervisor", "/subjects/new", {
        "reference": "C3000CC", "given_name": "Zoe", "family_name": "Odegard", "date_of_birth": "1988-02-29",
        "status": "remand", "index_offence_category": "weapons", "unit": str(PAST_BIGINT)}, 403),
    "edit a record at no version": ("supervisor", "/subjects/{subject_a}/edit", {
        "reference": "A1000AA", "given_name": "Alice", "family_name": "Archer", "date_of_birth": "1980-01-01",
        "status": "sentenced", "index_offence_category": "violence", "version": str(PAST_BIGINT)}, 409),
    "transfer to no unit": ("supervisor", "/subjects/{subject_a}/transfer", {
        "to_unit": str(PAST_BIGINT), "to_status": "community_sentence", "moved_on": TODAY,
        "reason": "Released on licence"}, 400),
    "allocate to nobody that exists": ("supervisor", "/subjects/{subject_a}/allocate", {
        "owner": str(PAST_BIGINT), "note": ""}, 400),
    "refer to an owner that does not exist": ("supervisor", "/subjects/{subject_a}/interventions/new", {
        "type": "mentoring", "provider": "Trust", "owner": str(PAST_BIGINT), "referred_on": TODAY,
        "goals": "Attend"}, 400),
    "record a session with an engagement past bigint": ("probation", "/interventions/{intervention}/sessions/new", {
        "held_on": TODAY, "attendance": "attended", "engagement": str(PAST_BIGINT), "notes": "Came"}, 400),
    # the route flashes the conflict and goes back to the intervention
    "change an intervention's status at no version": ("probation", "/interventions/{intervention}/status", {
        "to_status": "withdrawn", "on": TODAY, "reason": "Moved away", "version": str(PAST_BIGINT)}, 302),
    "save a draft at no version": ("probation", "/assessments/{draft}/edit", {
        "rationale": "Still drafting", "version": str(PAST_BIGINT)}, 409),
    "accredit a user that does not exist": ("admin", "/admin/accreditations", {
        "user": str(PAST_BIGINT), "instrument": "wp-structured-assessment", "valid_until": "2030-01-01"}, 400),
}


@pytest.mark.parametrize("case", sorted(FORM_CASES))
def test_a_form_id_past_bigint_is_refused_not_a_500(matrix, case):
    from sqlalchemy import func, select

    from app.audit.models import AuditEvent
    from app.db import db

    role, path, data, status = FORM_CASES[case]
    client = matrix.client_for(role)
    path = path.format(**matrix.records)
    with matrix.app.app_context():
        events_before = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                          .where(AuditEvent.action.not_in(["view", "denied"])))
    response = post_form(client, path, data)
    assert response.status_code == status, response.get_data(as_text=True)[-2000:]
    if status == 400:  # refused next to the field that holds the id, and only there
        field = next(name for name, value in data.items() if value == str(PAST_BIGINT))
        assert re.findall(r'id="([a-z_]+)-error"', response.get_data(as_text=True)) == [field]
    with matrix.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action.not_in(["view", "denied"]))) == events_before


# --- request size ----------------------------------------------------------------------------------------


class CountingStream(io.RawIOBase):
    """A request body of `size` bytes made on demand, counting how many of them the application read."""

    def __init__(self, size: int, fill: bytes = b"a") -> None:
        self.size = size
        self.fill = fill
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = self.fill * n
        self.read_bytes += n
        return n


CHUNKED = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True}  # as gunicorn hands it over


def post_stream(client: Any, path: str, body: CountingStream, content_type: str, *, declared: bool = True) -> Any:
    """POST `body` as a server hands it over: with its Content-Length, or streamed without one."""
    return client.post(path, content_type=content_type, environ_overrides={"wsgi.input": body, **(
        {"CONTENT_LENGTH": str(body.size)} if declared else CHUNKED)})


def _assert_waypoints_413(response: Any) -> None:
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "<h1 class=\"h2\">What was sent is too large</h1>" in page
    assert "Nothing was saved" in page and "at most 1 MB" in page
    assert "Traceback" not in page and "Request Entity Too Large" not in page
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("content_type", [
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=waypoint", "application/octet-stream"])
def test_a_body_declared_over_the_limit_gets_waypoints_413_before_it_is_read(client, content_type):
    body = CountingStream(200 * 1024 * 1024)
    response = post_stream(client, "/login", body, content_type)
    _assert_waypoints_413(response)
    assert body.read_bytes == 0


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=w"])
def test_a_streamed_body_without_a_length_is_refused_at_the_limit(client, content_type):
    body = CountingStream(200 * 1024 * 1024)
    response = post_stream(client, "/login", body, content_type, declared=False)
    _assert_waypoints_413(response)
    assert body.read_bytes <= 1024 * 1024 + 64 * 1024  # the limit and one buffer, not 200 MB


def test_a_streamed_form_within_the_limit_is_read_whole(app, client, users):
    token = csrf_token(client, "/login")
    form = f"csrf_token={token}&username=assessor&password={'p' * (1024 * 1024 - 200)}".encode()
    response = client.post("/login", content_type="application/x-www-form-urlencoded",
                           environ_overrides={"wsgi.input": io.BytesIO(form), **CHUNKED})
    assert response.status_code == 400  # read whole: the password field is refused for its length
    assert "Field cannot be longer than 1024 characters." in response.get_data(as_text=True)


def test_a_multipart_form_over_the_limit_gets_413(client):
    text = "x" * (1024 * 1024 + 1)
    response = client.post("/login", data={"username": "a", "password": "b", "note": (io.BytesIO(b"z"), "z.txt"),
                                           "text": text}, content_type="multipart/form-data")
    _assert_waypoints_413(response)


def test_a_form_just_under_the_limit_is_read(app, client, users):
    # one text field of nearly the whole limit: the form is read, and its field refused by the form itself
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": "assessor",
                                           "password": "p" * (1000 * 1000)})
    assert response.status_code == 400
    assert "Field cannot be longer than 1024 characters." in response.get_data(as_text=True)


def test_the_request_limit_is_set_from_the_environment(monkeypatch):
    from config import ConfigError, config_for

    monkeypatch.setenv("WAYPOINT_MAX_REQUEST_BYTES", "2097152")
    monkeypatch.setenv("WAYPOINT_MAX_UPLOAD_BYTES", "52428800")
    settings = config_for("testing").settings()
    assert (settings["MAX_CONTENT_LENGTH"], settings["MAX_UPLOAD_BYTES"]) == (2097152, 52428800)
    monkeypatch.setenv("WAYPOINT_MAX_REQUEST_BYTES", "1MB")
    with pytest.raises(ConfigError, match="WAYPOINT_MAX_REQUEST_BYTES must be a whole number of bytes"):
        config_for("testing").settings()


def test_a_page_that_takes_a_file_has_its_own_larger_limit(db_url, users):
    from flask import Blueprint

    from app import create_app, policy
    from app.web import accepts_upload
    from tests.conftest import login

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "MAX_UPLOAD_BYTES": 3 * 1024 * 1024})
    extra = Blueprint("extra", __name__)

    @extra.route("/upload", methods=["POST"])
    @policy.requires(policy.works_cases)
    @accepts_upload
    def upload() -> str:
        from flask import request

        return str(len(request.files["file"].read()))

    app.register_blueprint(extra)
    two_mb = b"r" * (2 * 1024 * 1024)
    client = app.test_client()
    anonymous = client.post("/upload", data={"file": (io.BytesIO(two_mb), "roll.csv")},
                            content_type="multipart/form-data")
    assert anonymous.status_code == 413  # the larger limit is for signed-in users only
    login(client, "assessor", users["assessor"].password)
    token = csrf_token(client, "/")
    response = client.post("/upload", data={"csrf_token": token, "file": (io.BytesIO(two_mb), "roll.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and response.get_data(as_text=True) == str(len(two_mb))
    # past the upload limit, and on any other page past the request limit: refused before reading
    body = CountingStream(3 * 1024 * 1024 + 1)
    response = post_stream(client, "/upload", body, "multipart/form-data; boundary=waypoint")
    assert response.status_code == 413 and body.read_bytes == 0
    assert "at most 3 MB" in response.get_data(as_text=True)
    response = client.post("/subjects/new", data={"csrf_token": token, "file": (io.BytesIO(two_mb), "roll.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
