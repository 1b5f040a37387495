"""The change-password form checks the current password as a sign-in does (CONTROLS: Login throttling;
ASVS 2.2.1): a wrong one is a failed authentication, audited, counted toward the lockout and announced to the
alerts, and a locked account's form changes nothing, even with the right password."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from app import signals
from app.audit.models import AuditEvent
from app.auth import passwords
from app.auth.models import User
from app.db import db, utcnow
from tests.conftest import post_form, signed_in_client

WRONG = "not-my-password-at-all"
NEW = "fresh-harbour-tangerine-99"


def _change(client: Any, current: str) -> Any:
    return post_form(client, "/account/password",
                     {"current_password": current, "new_password": NEW, "confirm_password": NEW},
                     token_from="/account/password")


def _user(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


def _failures(app: Flask) -> list[dict[str, Any]]:
    with app.app_context():
        return [e.details for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login_failed").order_by(AuditEvent.id))]


def test_eight_wrong_current_passwords_are_audited_lock_the_account_and_then_the_right_one_is_refused(app, users):
    info = users["assessor"]
    # The guesser's session and four more of the same user's, all opened before the guessing starts.
    guesser, *others = [signed_in_client(app, info) for _ in range(5)]
    heard: list[str] = []

    def on_failure(_sender: Any, **kwargs: Any) -> None:
        heard.append(kwargs["username"])

    with signals.sign_in_failed.connected_to(on_failure, sender=app):
        for _ in range(4):
            response = _change(guesser, WRONG)
            assert response.status_code == 400
            assert "Your current password is not correct." in response.get_data(as_text=True)
        assert _user(app, info.id).failed_login_count == 4
        fifth = _change(guesser, WRONG)
        assert fifth.status_code == 429 and "locked for 15 minutes" in fifth.get_data(as_text=True)
        assert guesser.get("/").headers["Location"].startswith("/login")  # that session has ended
        for other in others[:3]:  # tries six to eight, from the other sessions: refused unchecked
            assert _change(other, WRONG).status_code == 429
        right = _change(others[3], info.password)
        assert right.status_code == 429
    failures = _failures(app)
    assert [f["stage"] for f in failures] == ["password_change"] * 9
    assert [f["reason"] for f in failures] == (["wrong password"] * 4 + ["wrong password; account locked"]
                                               + ["account locked after repeated failures"] * 4)
    assert WRONG not in str(failures) and info.password not in str(failures)
    assert heard == ["assessor"] * 9
    locked = _user(app, info.id)
    assert locked.failed_login_count == 5
    assert locked.locked_until is not None and locked.locked_until > utcnow()
    with app.app_context():
        assert passwords.verify_password(locked.password_hash, info.password)  # unchanged
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "password_change")).all() == []


def test_a_right_current_password_still_changes_it(app, users):
    client = signed_in_client(app, users["assessor"])
    assert _change(client, WRONG).status_code == 400
    response = _change(client, users["assessor"].password)
    assert response.status_code == 302
    changed = _user(app, users["assessor"].id)
    with app.app_context():
        assert passwords.verify_password(changed.password_hash, NEW)
    assert changed.failed_login_count == 0
