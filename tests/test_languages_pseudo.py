"""Every word a user reads goes through the catalogues (issue 16): every page, as every role and signed out,
rendered in the pseudo-language (tests/pseudo_locale.py), shows no word outside its markers but the stored data.

The walk is the read-audit walk's (tests/test_read_audit.py): the same people and records, every GET endpoint.
Rendering does not depend on the database, so the walk runs on the SQLite tier only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import url_for
from sqlalchemy import update

from app.auth.models import User
from app.db import db
from tests.conftest import DatabaseFactory
from tests.pseudo_locale import PSEUDO, Checker, stored_text, walked_world
from tests.test_read_audit import ROLES, World, _get_endpoints


@pytest.fixture(scope="module")
def pseudo_world(databases: DatabaseFactory, request: pytest.FixtureRequest) -> Iterator[World]:
    if request.config.getoption("--db") != "sqlite":
        pytest.skip("pages render alike on every database: walked on SQLite")
    with walked_world(databases, "waypoint-pseudo-") as world:
        with world.app.app_context():
            db.session.execute(update(User).values(language=PSEUDO))
            db.session.commit()
        yield world


@pytest.fixture(scope="module")
def checker(pseudo_world: World) -> Checker:
    app = pseudo_world.app
    with app.app_context():
        configured = [app.config["PROTECTIVE_MARKING"], app.config["SERVICE_NAME"],
                      *app.config["LANGUAGES"].values()]
        return Checker(stored_text(db.session, configured))


def _url(world: World, endpoint: str, arguments: list[str]) -> str:
    with world.app.test_request_context():
        args = {name: world.values[name] for name in arguments}
        if endpoint == "assessments.compare":
            args["with"] = world.values["with"]
        return url_for(endpoint, **args)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_shows_only_catalogued_words_and_stored_data(pseudo_world, checker, role):
    client = pseudo_world.client(role)
    found = {}
    for endpoint, arguments in _get_endpoints(pseudo_world.app):
        response = client.get(_url(pseudo_world, endpoint, arguments))
        if response.mimetype != "text/html" or 300 <= response.status_code < 400:
            continue  # a file, or a redirect's body (Werkzeug's, which no browser shows)
        words = checker.unmarked_in_html(response.get_data(as_text=True))
        if words:
            found[f"{endpoint} ({response.status_code})"] = words
    assert found == {}, "\n".join(f"{page}: {words}" for page, words in found.items())


def test_the_sign_in_page_and_the_error_pages_speak_the_browsers_language(pseudo_world, checker):
    client = pseudo_world.app.test_client()
    headers = {"Accept-Language": "en-001, en;q=0.5"}
    found = {}
    for path in ("/login", "/no-such-page", "/subjects"):
        response = client.get(path, headers=headers, follow_redirects=True)
        assert 'lang="en-001"' in response.get_data(as_text=True)
        words = checker.unmarked_in_html(response.get_data(as_text=True))
        if words:
            found[path] = words
    assert found == {}, found


def test_the_check_finds_a_word_written_into_a_page(pseudo_world, checker):
    """The walk proves something: an English word outside the catalogue is found; a catalogued one and stored
    data are not."""
    html = ('<p>⟦Saved⟧ Alice Archer</p><p title="Delete this">x</p><button>Send</button>'
            '<p>⟦Go back to <a href="/x">the record</a> of Alice Archer.⟧</p>')
    assert checker.unmarked_in_html(html) == ["Send", "Delete this"]
