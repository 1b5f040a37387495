"""Information sharing in the reader's language (issue 16): a refused package is explained in the reader's
language and audited in English; the disclosure register's CSV file is data, in English with ISO dates, whatever
the language of whoever exports it. Shown in the test pseudo-language (tests/pseudo_locale.py), where every
catalogued message is wrapped in ⟦ ⟧."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db, utcnow
from app.i18n import PSEUDO_CLOSE, PSEUDO_OPEN
from tests import factories
from tests.conftest import csrf_token, make_records, signed_in_client
from tests.pseudo_locale import PSEUDO, pseudo_config
from tests.sharing_helpers import install_keys, send


@pytest.fixture
def pseudo_app(app_config: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    application = create_app({**app_config, **pseudo_config(tmp_path / "pseudo")})
    yield application
    application.extensions["waypoint_engine"].dispose()


@pytest.fixture
def world(pseudo_app: Flask, tmp_path: Path) -> dict[str, Any]:
    units = factories.make_units(pseudo_app)
    users = factories.make_role_users(pseudo_app)
    records = make_records(pseudo_app, users, units)
    install_keys(pseudo_app, tmp_path / "keys")
    with pseudo_app.app_context():
        db.session.execute(sa.update(User).values(language=PSEUDO))
        db.session.commit()
    return {"units": units, "users": users, "records": records}


def test_a_refused_package_is_explained_in_the_readers_language_and_audited_in_english(pseudo_app, world):
    c = signed_in_client(pseudo_app, world["users"]["supervisor"])
    token = csrf_token(c, "/sharing/receive")
    response = c.post("/sharing/receive", data={"csrf_token": token, "unit": str(world["units"]["A"]),
                                                "package": (io.BytesIO(b"not json"), "package.json")},
                      content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"{PSEUDO_OPEN}The file is not a case package: it is not JSON text.{PSEUDO_CLOSE}" in page
    with pseudo_app.app_context():
        refusal = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "denied",
                                                                 AuditEvent.object_type == "received_package")).one()
        assert refusal.details["reason"] == "case package refused: The file is not a case package: it is not JSON text."


def test_the_register_csv_stays_in_english_with_iso_dates_in_any_language(pseudo_app, world):
    send(pseudo_app, world["users"]["supervisor"].id, world["records"]["subject_a"])
    c = signed_in_client(pseudo_app, world["users"]["supervisor"])
    page = c.get("/sharing/register").get_data(as_text=True)
    assert f"{PSEUDO_OPEN}Sent to{PSEUDO_CLOSE}" in page
    path = "/sharing/register/export"
    response = c.post(path, data={"csrf_token": csrf_token(c, path), "format": "csv",
                                  "purpose": "Annual review by the DPO", "recipient": "Data protection officer"})
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    assert PSEUDO_OPEN not in text and PSEUDO_CLOSE not in text
    assert ",Sent," in text and "Signed case package: custody, identity (SHA-256 " in text
    assert utcnow().date().isoformat() in text
