"""Connections in the reader's language (issue 16): the labels of every code (group kinds, nexus levels, link
kinds, keep-apart levels, the 3×5×2 grading, skills), the choices of the forms built at import, and the wording
of a person out of scope all go through the catalogues; the codes themselves never change."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from app import create_app
from app.connections import apart, models
from app.connections.group_forms import AffiliationForm, GroupLinkForm
from app.connections.link_forms import LinkForm
from app.i18n import PSEUDO_CLOSE, PSEUDO_OPEN
from tests.pseudo_locale import PSEUDO, pseudo_config

ENUMS: tuple[type[StrEnum], ...] = (
    models.GroupKind, models.NexusLevel, models.CooperationForm, models.AffiliationRole, models.LinkKind,
    models.LinkStatus, models.KeepApartLevel, models.SourceGrade, models.IntelligenceGrade, models.HandlingCode,
    models.Skill)


@pytest.fixture
def pseudo_app(app_config: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    application = create_app({**app_config, **pseudo_config(tmp_path / "pseudo")})
    yield application
    application.extensions["waypoint_engine"].dispose()


def _marked(text: object) -> bool:
    value = str(text)
    return value.startswith(PSEUDO_OPEN) and value.endswith(PSEUDO_CLOSE)


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_code_reads_in_the_language_and_stays_a_code(pseudo_app, enum):
    with pseudo_app.test_request_context(), force_locale(PSEUDO):
        for member in enum:
            assert _marked(member.label), member
            assert _marked(models.lazy_label(member)), member
    with pseudo_app.test_request_context(), force_locale("en"):
        for member in enum:
            assert not _marked(member.label)
            assert member.value == str(member)  # what is stored, audited and exported


def test_english_labels_are_unchanged(app):
    with app.test_request_context():
        assert models.SourceGrade.RELIABLE.label == "1 — Reliable"
        assert models.HandlingCode.CONDITIONS.label == "C — Lawful sharing permitted subject to conditions"
        assert models.LinkKind.RECRUITER.label == "Recruiter → target"
        assert models.AffiliationRole.FORMER_MEMBER.label == "Former member"
        assert models.NexusLevel.COEXISTENCE.label == "Coexistence"


def test_the_choices_built_at_import_read_in_the_request_language(pseudo_app):
    with pseudo_app.test_request_context(), force_locale(PSEUDO):
        for form, names in ((LinkForm(meta={"csrf": False}), ("kind", "keep_apart_level", "source_grade",
                                                               "intelligence_grade", "handling_code")),
                            (AffiliationForm(meta={"csrf": False}), ("role", "source_grade", "intelligence_grade",
                                                                     "handling_code")),
                            (GroupLinkForm(meta={"csrf": False}), ("level", "cooperation_form"))):
            for name in names:
                field = form[name]
                assert _marked(field.label.text), name
                for value, label, *_rest in field.iter_choices():
                    assert _marked(label), (name, value)


def test_a_person_out_of_scope_and_a_conflict_with_them_are_worded_in_the_language(pseudo_app):
    with pseudo_app.test_request_context(), force_locale(PSEUDO):
        assert _marked(apart.OUT_OF_SCOPE)
        assert _marked(apart.OUT_OF_SCOPE_CONFLICT)
