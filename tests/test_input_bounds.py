"""Input bounds: ids in range of a BIGINT, request size, control characters in text, and the roll import's
file and line sizes. None of these gives a 500 or reads without bound; each gets a clear refusal."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from werkzeug.routing import IntegerConverter

from tests.conftest import csrf_token, post_form
from tests.test_policy import url_args

ROOT = Path(__file__).resolve().parents[1]
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


# --- control characters ------------------------------------------------------------------------------------

# NUL (PostgreSQL cannot store it), ESC (starts a terminal escape), DEL, a C1 control, and the bidirectional
# override and isolate that make a name print reversed.
REFUSED = {"NUL": "\x00", "ESC": "\x1b", "DEL": "\x7f", "C1": "\x85", "RLO": "\u202e", "RLI": "\u2067"}


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(c) for c in found))


def _every_form_class(app: Flask) -> list[type]:
    """Every form class of the application, those generated from the instrument files included."""
    from flask_wtf import FlaskForm

    from app.assessments import catalogue
    from app.assessments.forms import assessment_form_class, screening_form_class

    with app.app_context():
        for instrument in catalogue.all_instruments().values():
            (assessment_form_class if instrument.kind == "assessment" else screening_form_class)(instrument)
    return sorted((c for c in _subclasses(FlaskForm) if c.__module__.startswith("app.")),
                  key=lambda c: (c.__module__, c.__name__))


def test_every_form_of_the_application_is_a_waypoint_form(app):
    from app.forms import WaypointForm

    classes = _every_form_class(app)
    assert len(classes) >= 30
    assert [c.__name__ for c in classes if not issubclass(c, WaypointForm)] == []


def _text_fields(app: Flask) -> list[tuple[type, str, bool]]:
    """(form class, field name, narrative) for every text field of every form."""
    from wtforms import TextAreaField

    from app.forms import is_text_field

    found = []
    with app.test_request_context(method="POST"):
        for cls in _every_form_class(app):
            form = cls(meta={"csrf": False})
            found.extend((cls, f.name, isinstance(f, TextAreaField)) for f in form if is_text_field(f))
    return found


def _validated(app: Flask, cls: type, name: str, value: str) -> Any:
    from werkzeug.datastructures import MultiDict

    with app.test_request_context(method="POST"):
        form = cls(formdata=MultiDict({name: value}), meta={"csrf": False})
        form.validate()
        return next(f for f in form if f.name == name)


@pytest.mark.parametrize("char", sorted(REFUSED))
def test_every_text_field_of_every_form_refuses_control_characters(app, char):
    fields = _text_fields(app)
    assert len(fields) >= 50  # the walk finds the forms' text fields, narrative and single-line
    for cls, name, _narrative in fields:
        field = _validated(app, cls, name, f"Ab{REFUSED[char]}cd")
        expected = f"Remove the invisible control character (U+{ord(REFUSED[char]):04X})"
        assert any(e.startswith(expected) for e in field.errors), (cls.__name__, name, field.errors)


def test_single_line_fields_refuse_tabs_and_line_breaks_and_narrative_keeps_them(app):
    for cls, name, narrative in _text_fields(app):
        for value, what in (("Ab\tcd", "a tab"), ("Ab\r\ncd", "a line break"), ("Ab\u2028cd", "a line break")):
            errors = _validated(app, cls, name, value).errors
            refused = [e for e in errors if e.startswith(f"Remove {what}:")]
            assert refused == ([] if narrative else [f"Remove {what}: this field holds a single line of text."]), \
                (cls.__name__, name, value, errors)
        # direction marks are kept: they are typed in Arabic and Hebrew text
        assert not [e for e in _validated(app, cls, name, "\u200fعلي\u200e A").errors if "control" in e]


def _non_view_events(app: Flask) -> int:
    from sqlalchemy import func, select

    from app.audit.models import AuditEvent
    from app.db import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action.not_in(["view", "denied"]))) or 0


def _summary_names(page: str, label: str, code: str) -> bool:
    return f"{label}: Remove the invisible control character ({code})" in page


@pytest.mark.parametrize("char", sorted(REFUSED))
def test_a_name_with_a_control_character_is_refused_naming_the_field_and_nothing_is_written(matrix, char):
    client = matrix.client_for("supervisor")
    before = _non_view_events(matrix.app)
    response = post_form(client, "/subjects/new", {
        "reference": "C3000CC", "given_name": "Zoe", "family_name": f"Ode{REFUSED[char]}gard",
        "date_of_birth": "1988-02-29", "status": "remand", "index_offence_category": "weapons",
        "unit": str(matrix.units["A"])})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _summary_names(page, "Family name", f"U+{ord(REFUSED[char]):04X}")
    assert 'value="Zoe"' in page and 'value="C3000CC"' in page and 'value="1988-02-29"' in page  # input kept
    assert _non_view_events(matrix.app) == before


def test_narrative_keeps_line_breaks_and_tabs(matrix):
    from sqlalchemy import select

    from app.db import db
    from app.interventions.models import Observation

    text = "Seen at association.\r\nSpoke to two new arrivals:\tleaflets handed over."
    response = post_form(matrix.client_for("assessor"), f"/subjects/{matrix.records['subject_a']}/observations/new", {
        "observed_on": TODAY, "category": "incident", "source": "Wing officer D. Shaw", "text": text})
    assert response.status_code == 302
    with matrix.app.app_context():
        assert db.session.scalars(select(Observation.text)).one() == text


def test_narrative_refuses_a_control_character_and_keeps_the_rest(matrix):
    client = matrix.client_for("assessor")
    before = _non_view_events(matrix.app)
    response = post_form(client, f"/subjects/{matrix.records['subject_a']}/observations/new", {
        "observed_on": TODAY, "category": "recruitment_attempt", "source": "Wing officer D. Shaw",
        "text": "Seen at association\x1b[2J handing leaflets."})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _summary_names(page, "What was observed", "U+001B")
    assert 'value="Wing officer D. Shaw"' in page
    assert _non_view_events(matrix.app) == before


# Forms whose route used to send an invalid form back to the page it came from without a word: each now
# shows the form again with the error and what was typed.
SILENT_FORMS = {
    "return an assessment": ("supervisor", "/assessments/{submitted}/return", {"comment": "Fix IN2\x00 please"},
                             "What the author should change"),
    "record a challenge": ("probation", "/assessments/{approved}/challenges", {
        "raised_on": TODAY, "raised_by_kind": "person", "raised_by_name": "Rashid\u202eAlami",
        "grounds": "The evidence is hearsay."}, "Name of who raised it"),
    "decide a challenge": ("supervisor", "/challenges/{challenge}/decision", {
        "c{challenge}-outcome": "upheld", "c{challenge}-reason": "Upheld\x7f on review."},
        "Reasons for the decision"),
    "change an intervention's status": ("supervisor", "/interventions/{intervention}/status", {
        "to_status": "withdrawn", "on": TODAY, "reason": "Moved\x1b away"}, "Reason (needed to withdraw or decline)"),
}


@pytest.mark.parametrize("case", sorted(SILENT_FORMS))
def test_a_refused_field_is_shown_with_the_form_not_dropped(matrix, case):
    from tests import factories

    role, path, data, label = SILENT_FORMS[case]
    # Person A already has an assessment in progress (the probation officer's draft), and a person has one
    # per instrument at a time: the submitted one is of another person of unit A.
    other = factories.make_subject(matrix.app, matrix.users["supervisor"].id, matrix.units["A"], "A1001AB")
    records = {**matrix.records, "submitted": factories.make_assessment(
        matrix.app, matrix.users["assessor"].id, other, submit=True)}
    data = {k.format(**records): v for k, v in data.items()}
    client = matrix.client_for(role)
    before = _non_view_events(matrix.app)
    response = post_form(client, path.format(**records), data,
                         token_from="/assessments/{approved}".format(**records))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    char = next(c for v in data.values() for c in v if c in REFUSED.values())
    assert _summary_names(page, label, f"U+{ord(char):04X}")
    typed = next(v for v in data.values() if char in v)
    assert typed.split(char)[0] in page  # what was typed is in the form again, to be corrected
    assert _non_view_events(matrix.app) == before


def test_autosave_names_the_refused_field(matrix):
    records = matrix.records
    response = post_form(matrix.client_for("probation"), f"/assessments/{records['draft']}/autosave",
                         {"rationale": "Drafting\x00", "version": "1"},
                         token_from=f"/assessments/{records['draft']}/edit")
    assert response.status_code == 400
    message = response.get_json()["message"]
    assert message.startswith("Rationale for the overall judgement: Remove the invisible control character (U+0000)")


@pytest.mark.parametrize(("path", "data"), [
    ("/login", {"username": "assessor\x00", "password": "whatever-it-is"}),
    ("/break-glass", {"reference": "A1000AA\x00", "reason": "Urgent safeguarding call"}),
])
def test_a_nul_in_a_field_used_in_a_query_is_a_400_on_both_databases(matrix, path, data):
    client = matrix.client_for("anonymous" if path == "/login" else "assessor_b")
    response = post_form(client, path, data)
    assert response.status_code == 400
    assert "Remove the invisible control character (U+0000)" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["/subjects?q=Arch%00er", "/audit/events?user=jlee%00",
                                   "/audit/events?subject=A1%1b"])
def test_a_control_character_in_a_search_is_a_clear_400(matrix, query):
    response = matrix.client_for("supervisor").get(query)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "control character (U+00" in page and "Traceback" not in page


def test_the_commands_refuse_a_control_character_in_a_name(app):
    runner = app.test_cli_runner()
    unit = runner.invoke(args=["units", "create", "HMP-ESC", "--name", "HMP\x1b[31m East", "--kind", "prison"])
    assert unit.exit_code == 1 and "name: Remove the invisible control character (U+001B)" in unit.output
    user = runner.invoke(args=["users", "create", "eve", "--role", "admin", "--display-name", "Eve\u202eevE",
                               "--password", "correct horse battery staple 42"])
    assert user.exit_code == 1 and "display_name: Remove the invisible control character (U+202E)" in user.output


# --- the roll import ----------------------------------------------------------------------------------------

HEADER = "reference,given_name,family_name,date_of_birth,status,index_offence_category"
GOOD_ROW = "A1001AA,Ann,Archer,1990-04-27,sentenced,violence"


def run_import(app: Flask, path: Any, *options: str) -> Any:
    from tests import factories

    return app.test_cli_runner().invoke(args=["subjects", "import", str(path), "--unit", factories.UNIT_A, *options])


def _subject_references(app: Flask) -> list[str]:
    from sqlalchemy import select

    from app.db import db
    from app.subjects.models import Subject

    with app.app_context():
        return sorted(db.session.scalars(select(Subject.reference)))


@pytest.mark.parametrize("char", sorted(REFUSED))
def test_the_import_rejects_a_row_with_a_control_character_naming_line_and_column(app, units, tmp_path, char):
    path = tmp_path / "roll.csv"
    bad = f"A1002AA,Ben,Ba{REFUSED[char]}ker,1985-11-02,remand,drugs"
    path.write_text("\n".join([HEADER, GOOD_ROW, bad]) + "\n", encoding="utf-8")
    result = run_import(app, path)
    assert result.exit_code == 1
    assert f"line 3: family_name contains a control character (U+{ord(REFUSED[char]):04X})" in result.output
    assert "Traceback" not in result.output
    assert _subject_references(app) == []


def test_the_import_rejects_a_nul_in_a_reference_without_asking_the_database(app, units, tmp_path):
    path = tmp_path / "roll.csv"
    path.write_text("\n".join([HEADER, GOOD_ROW, "A10\x0003AA,Cat,Cooper,1979-02-13,remand,fraud"]) + "\n")
    result = run_import(app, path, "--partial")
    assert result.exit_code == 0, result.output
    assert "line 3: reference contains a control character (U+0000)" in result.output
    assert _subject_references(app) == ["A1001AA"]


def test_the_import_rejects_a_tab_or_line_break_inside_a_name(app, units, tmp_path):
    path = tmp_path / "roll.csv"
    path.write_text("\n".join([HEADER, "A1002AA,Ben\tJo,Baker,1985-11-02,remand,drugs",
                               'A1003AA,"Cat\nKit",Cooper,1979-02-13,remand,fraud']) + "\n")
    result = run_import(app, path)
    assert result.exit_code == 1
    assert "line 2: given_name contains a tab" in result.output
    assert "line 3: given_name contains a line break" in result.output


# --- the roll import's file and line sizes ----------------------------------------------------------------

_IMPORT_IN_A_BOUNDED_PROCESS = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[4]), int(sys.argv[4])))
from app import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
result = app.test_cli_runner().invoke(args=["subjects", "import", sys.argv[2], "--unit", sys.argv[3]])
print(result.output, repr(result.exception))
sys.exit(result.exit_code)
"""


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_importing_dev_zero_stops_after_its_first_chunk(db_url, units):
    """In a process of its own, capped at 1 GiB of address space and 60 seconds: reading /dev/zero whole would
    hit the cap (a MemoryError) or the clock, not the machine."""
    from tests import factories

    result = subprocess.run([sys.executable, "-c", _IMPORT_IN_A_BOUNDED_PROCESS, db_url, "/dev/zero",
                             factories.UNIT_A, str(2**30)], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "/dev/zero: Line 1 is longer than 10,000 characters, the most a row may be." in result.stdout
    assert "MemoryError" not in result.stdout + result.stderr


def test_a_file_larger_than_the_limit_is_refused_in_one_line(app, units, tmp_path):
    app.config["ROLL_IMPORT_MAX_BYTES"] = 64 * 1024
    path = tmp_path / "roll.csv"
    path.write_text(HEADER + "\n" + "\n".join(f"A{n:04d}AA,Ann,Archer,1990-04-27,sentenced,violence"
                                              for n in range(2000)) + "\n")
    result = run_import(app, path)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {path}: The file is larger than 65,536 bytes, the most an import reads. Split it into smaller files."]
    assert _subject_references(app) == []


def test_a_stream_larger_than_the_limit_is_read_no_further(app, units, tmp_path):
    """A pipe has no size to look at first: it is read in chunks, and the reading stops past the limit."""
    app.config["ROLL_IMPORT_MAX_BYTES"] = 1024 * 1024
    app.config["ROLL_IMPORT_MAX_LINE_CHARS"] = 100 * 1024 * 1024  # here the size is what stops it
    pipe = tmp_path / "roll.fifo"
    os.mkfifo(pipe)
    written = [0]

    def write_forever() -> None:
        with contextlib.suppress(BrokenPipeError), pipe.open("wb") as out:
            out.write((HEADER + "\n").encode())
            while written[0] < 4 * 1024 * 1024:  # stops if the reader never does
                written[0] += out.write(b"x" * 100_000)

    writer = threading.Thread(target=write_forever, daemon=True)
    writer.start()
    result = run_import(app, pipe)
    writer.join(timeout=30)
    assert result.exit_code == 1
    assert "The file is larger than 1 MB, the most an import reads." in result.output
    assert written[0] < 2 * 1024 * 1024  # the pipe's buffer past the limit, not the 4 MB on offer


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_a_line_longer_than_the_limit_is_refused_naming_it(app, units, tmp_path, ending):
    app.config["ROLL_IMPORT_MAX_LINE_CHARS"] = 500
    path = tmp_path / "roll.csv"
    long_name = "Ö" * 440  # 440 characters, 880 bytes: the limit counts characters (line 3 has 478, line 4 503)
    rows = [HEADER, GOOD_ROW, f"A1002AA,{long_name},Baker,1985-11-02,remand,drugs",
            f"A1003AA,{long_name},{'x' * 30},1979-02-13,remand,fraud"]
    path.write_bytes(ending.join(rows).encode() + ending.encode())
    result = run_import(app, path)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {path}: Line 4 is longer than 500 characters, the most a row may be. Check that this is the roll "
        "file, saved as CSV."]
