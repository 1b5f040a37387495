"""The French and Arabic catalogues are complete (issue 16): every message of the code and templates as they are
now is translated, none fuzzy, none left over, and each translation keeps its placeholders and markup."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog, Message

from app import catalogues

SHIPPED = ("fr", "ar")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{\s*(\w+)\s*\}\}|%\w")
TAG = re.compile(r"</?(?:a|abbr|b|bdi|br|code|em|i|kbd|small|span|strong|time)\b[^>]*>")


@pytest.fixture(scope="module")
def template() -> Catalog:
    return catalogues.extract()


def _key(message: Message) -> tuple[object, object]:
    return message.id, message.context


def _strings(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string or ""]


def _sources(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def test_the_shipped_languages_have_catalogues():
    assert set(SHIPPED) <= set(catalogues.languages())


@pytest.mark.parametrize("language", SHIPPED)
def test_every_message_in_the_code_is_translated_and_none_is_fuzzy(template, language):
    catalog = catalogues.read(language)
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        if found is None or not all(_strings(found)):
            missing.append(message.id)
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [], f"{len(missing)} untranslated in {language} (run `make messages`, then translate): " \
                          f"{missing[:20]}"
    assert fuzzy == []


@pytest.mark.parametrize("language", SHIPPED)
def test_no_translation_is_left_over_from_a_message_the_code_no_longer_has(template, language):
    used = {_key(m) for m in template if m.id}
    left = [m.id for m in catalogues.read(language) if m.id and _key(m) not in used]
    assert left == [], f"run `make messages`: {left[:20]}"


@pytest.mark.parametrize("language", SHIPPED)
def test_each_translation_keeps_the_placeholders_and_markup_of_its_message(language):
    catalog = catalogues.read(language)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        sources = _sources(message)
        wanted = {p for s in sources for p in PLACEHOLDER.findall(s)}
        tags = sorted(TAG.findall(sources[0]))
        for text in _strings(message):
            if not text:
                continue
            if {p for p in PLACEHOLDER.findall(text)} - wanted:
                wrong.append((message.id, text, "placeholder not in the message"))
            if sorted(TAG.findall(text)) != tags:
                wrong.append((message.id, text, "markup differs"))
        errors = list(message.check(catalog))
        if errors:
            wrong.append((message.id, message.string, [str(e) for e in errors]))
    assert wrong == []


def test_arabic_has_six_plural_forms_and_french_two():
    assert catalogues.read("ar").num_plurals == 6
    assert catalogues.read("fr").num_plurals == 2
