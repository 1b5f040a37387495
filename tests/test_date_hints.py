"""Dates are written one way: every date field on every page shows the same hint, and a date typed another way
gets an error that quotes that hint's format and example (never a different format, or a different example)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from wtforms.fields.core import UnboundField

from app.db import db
from app.forms import DATE_FORMAT, DATE_HINT, NOT_A_DATE, DateField, WaypointForm, parse_date
from tests.conftest import post_form


class DateInputs(HTMLParser):
    """The inputs with DateField's attributes (a few other text inputs have them too) and the text of every
    div with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.dates: dict[str, str] = {}  # name -> aria-describedby
        self.texts: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("autocomplete") == "off" and a.get("spellcheck") == "false":
            self.dates[a.get("name") or ""] = a.get("aria-describedby") or ""
        if a.get("id") and tag == "div":
            self._open.append(a["id"] or "")
            self.texts[a["id"] or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for ident in self._open:
            self.texts[ident] += data


def date_hints(html: str) -> dict[str, list[str]]:
    """Each date input's name and the texts that describe it (its hint, then its error if any)."""
    parser = DateInputs()
    parser.feed(html)
    return {name: [" ".join(parser.texts.get(i, "").split()) for i in described.split()]
            for name, described in parser.dates.items()}


def all_date_fields(app) -> set[str]:
    """The name of every DateField of every form class the app defines (dynamic ones made once first)."""
    from app.assessments import catalogue
    from app.assessments.forms import assessment_form_class, screening_form_class

    with app.app_context():
        for instrument in catalogue.current("assessment"):
            assessment_form_class(instrument)
        for instrument in catalogue.current("screening"):
            screening_form_class(instrument)

    def walk(cls: type) -> list[type]:
        return [cls, *(c for sub in cls.__subclasses__() for c in walk(sub))]

    return {name for cls in walk(WaypointForm) for name, value in vars(cls).items()
            if isinstance(value, UnboundField) and value.field_class is DateField}


def test_the_hint_and_the_error_for_a_date_quote_one_format_and_one_example() -> None:
    assert str(DATE_HINT).startswith(str(DATE_FORMAT)) and str(DATE_FORMAT) in str(NOT_A_DATE)
    for typed in ("27/03/2024", "27 3 2024", "2024-13-01", "yesterday"):
        assert parse_date(typed) == (None, NOT_A_DATE)
    assert re.findall(r"\d{4}-\d\d-\d\d", str(DATE_HINT)) == re.findall(r"\d{4}-\d\d-\d\d", str(NOT_A_DATE))


@pytest.fixture
def pages(matrix) -> dict[str, dict[str, list[str]]]:
    """The date inputs of every page that has one, as the role that sees it."""
    r = matrix.records
    group_id, request_id = _group_and_request(matrix)
    walk = {
        "assessor": ["/subjects/new", f"/subjects/{r['subject_a']}/edit", f"/subjects/{r['subject_a']}/screenings/new",
                     f"/subjects/{r['subject_a']}/interventions/new", f"/interventions/{r['intervention']}",
                     f"/subjects/{r['subject_a']}/observations/new", f"/assessments/{r['approved']}"],
        "probation": [f"/assessments/{r['draft']}/edit/overall-judgement",
                      f"/interventions/{r['intervention']}/sessions/new", f"/interventions/{r['intervention']}/close"],
        "supervisor": [f"/subjects/{r['subject_a']}/transfer", "/audit/events", "/audit/extract",
                       f"/subjects/{r['subject_a']}/affiliations/new", f"/groups/{group_id}/links/new",
                       f"/subjects/{r['subject_a']}/share/requests/new", f"/sharing/requests/{request_id}"],
        "admin": ["/admin/accreditations"],
    }
    found: dict[str, dict[str, list[str]]] = {}
    for role, paths in walk.items():
        client = matrix.client_for(role)
        for path in paths:
            page = client.get(path)
            assert page.status_code == 200, path
            found[path] = date_hints(page.get_data(as_text=True))
    return found


def _group_and_request(matrix) -> tuple[int, int]:
    """A group (its link form has a date) and a request for information about Alice (its decision form has one)."""
    from flask import g

    from app.auth.models import User
    from app.connections import groups
    from tests.sharing_helpers import record_request

    with matrix.app.app_context():
        supervisor = db.session.get(User, matrix.users["supervisor"].id)
        assert supervisor is not None
        g.user = supervisor
        group = groups.create_group(supervisor, groups.GroupValues("Northside Crew", "organised_crime"))
        db.session.commit()
        group_id = group.id
    return group_id, record_request(matrix.app, matrix.users["supervisor"].id, matrix.records["subject_a"])


def test_every_date_field_on_every_page_shows_the_one_hint(matrix, pages) -> None:
    names = all_date_fields(matrix.app)
    assert {"date_of_birth", "screened_on", "held_on", "valid_until", "date_from"} <= names
    seen: set[str] = set()
    for path, inputs in pages.items():
        for name, texts in inputs.items():
            if name in names:
                assert texts and texts[0].startswith(str(DATE_HINT)), f"{path}: {name} is hinted {texts}"
                seen.add(name)
    assert names <= seen, f"date fields on no page walked here: {names - seen}"


def test_a_date_typed_another_way_gets_the_error_that_matches_the_hint(matrix) -> None:
    client = matrix.client_for("assessor")
    path = f"/subjects/{matrix.records['subject_a']}/observations/new"
    response = post_form(client, path, {"observed_on": "27/03/2024", "category": "other", "source": "Wing log",
                                        "text": "Seen talking to a visitor about the appeal."})
    assert response.status_code in (400, 422)
    hint, error = date_hints(response.get_data(as_text=True))["observed_on"]
    assert hint.startswith(str(DATE_HINT))
    assert error == f"Error: {NOT_A_DATE}"
