"""The demo shows links between people at once: a co-defendant pair, a family link across the units, a link
waiting for the supervisor's confirmation and a recruitment attempt whose target is on the targeted list."""

from __future__ import annotations

from flask import Flask

from app.main.cli import DEMO_USERS
from tests.conftest import login


def _client(app: Flask, username: str):  # type: ignore[no-untyped-def]
    password = next(p for name, _d, _r, _u, p in DEMO_USERS if name == username)
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    return client


def test_the_demo_lists_a_target_of_recruitment_and_a_link_awaiting_confirmation(seeded: Flask) -> None:
    supervisor = _client(seeded, "supervisor")
    targeted = supervisor.get("/recruitment/targeted").get_data(as_text=True)
    assert "Daniel Marsh (A1001NG)" in targeted and "Black Standard Network" in targeted
    assert "Zoë Ødegård (A1002NG)" in targeted
    awaiting = supervisor.get("/links/awaiting").get_data(as_text=True)
    assert "O&#39;Neill (P2003ER)" in awaiting or "O'Neill (P2003ER)" in awaiting
    home = supervisor.get("/").get_data(as_text=True)
    assert "1 person targeted for recruitment" in home and "1 link awaiting your confirmation" in home
    assessor = _client(seeded, "assessor")
    assert "Daniel Marsh (A1001NG)" in assessor.get("/recruitment/targeted").get_data(as_text=True)
