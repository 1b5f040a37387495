"""The service's list of legal bases for disclosure and of exemptions from subject access (a YAML data file,
LEGAL_BASES_FILE), read at start-up with the instruments' strict YAML loader and checked against a schema: a
file that cannot be used stops start-up with a message naming the file and the field.

Codes are stored, audited and sent in case packages; titles are what users read. A title is a string, or a
mapping of language code to string (`title: {en: …, fr: …, ar: …}`) that holds the file's `language` (default
"en"), the one shown when the reader's is missing."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, current_app
from jsonschema import Draft202012Validator

from app.i18n import LocalText
from instruments.loader import InstrumentYamlLoader

EXTENSION_KEY = "waypoint_legal_bases"
DEFAULT_LANGUAGE = "en"
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_LANGUAGE = {"type": "string", "pattern": "^[a-z]{2,3}$"}
_TITLE = {"type": "string", "minLength": 3, "maxLength": 200}
_ENTRY = {
    "type": "object", "additionalProperties": False, "required": ["code", "title"],
    "properties": {"code": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,63}$"},
                   "title": {"type": ["string", "object"], "minLength": 3, "maxLength": 200, "minProperties": 1,
                             "propertyNames": _LANGUAGE, "additionalProperties": _TITLE}},
}
SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["legal_bases", "exemptions"],
    "properties": {"language": _LANGUAGE,
                   "legal_bases": {"type": "array", "minItems": 1, "items": _ENTRY},
                   "exemptions": {"type": "array", "minItems": 1, "items": _ENTRY}},
}


class LegalBasesError(ValueError):
    """The legal bases file cannot be read or accepted."""


@dataclass(frozen=True)
class Choice:
    code: str
    title_text: LocalText  # every language the file gives

    @property
    def title(self) -> str:
        """The title in the current language (the reader's, in a request)."""
        return str(self.title_text)


@dataclass(frozen=True)
class LegalBases:
    bases: tuple[Choice, ...]
    exemptions: tuple[Choice, ...]

    def basis(self, code: str) -> Choice | None:
        return next((b for b in self.bases if b.code == code), None)

    def exemption(self, code: str) -> Choice | None:
        return next((e for e in self.exemptions if e.code == code), None)

    def basis_title(self, code: str) -> str:
        """The title of a code in the current language, or the code itself for one the file no longer lists (or
        another service's)."""
        found = self.basis(code)
        return found.title if found else code

    def exemption_title(self, code: str) -> str:
        found = self.exemption(code)
        return found.title if found else code


def _path_text(parts: Sequence[object]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".") or "(top level)"


def load(path: str | Path) -> LegalBases:
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LegalBasesError(f"{source}: cannot read the file: {exc}") from exc
    try:
        document: Any = yaml.load(text, Loader=InstrumentYamlLoader)  # noqa: S506 - a SafeLoader, stricter still
    except yaml.YAMLError as exc:
        raise LegalBasesError(f"{source}: {exc}") from exc
    errors = sorted(Draft202012Validator(SCHEMA).iter_errors(document), key=lambda e: list(map(str, e.path)))
    if errors:
        raise LegalBasesError(f"{source}: {_path_text(list(errors[0].absolute_path))}: {errors[0].message}")
    language = document.get("language", DEFAULT_LANGUAGE)
    if not LANGUAGE_CODE.fullmatch(language):
        raise LegalBasesError(f"{source}: language: {language!r} is not a language code (2 or 3 lower-case letters)")
    found = {}
    for key in ("legal_bases", "exemptions"):
        codes = [entry["code"] for entry in document[key]]
        if twice := sorted({c for c in codes if codes.count(c) > 1}):
            raise LegalBasesError(f"{source}: {key}: code {twice[0]!r} is listed twice")
        for index, entry in enumerate(document[key]):
            _check_title(source, f"{key}[{index}].title", entry["title"], language)
        found[key] = tuple(Choice(entry["code"], _title(entry["title"], language)) for entry in document[key])
    return LegalBases(found["legal_bases"], found["exemptions"])


def _check_title(source: str, where: str, title: str | Mapping[str, str], language: str) -> None:
    """A title in several languages holds the file's own; its codes are 2 or 3 lower-case letters (the schema's
    pattern lets "fr\\n" through)."""
    if isinstance(title, str):
        return
    for code in title:
        if not LANGUAGE_CODE.fullmatch(code):
            raise LegalBasesError(f"{source}: {where}.{code}: {code!r} is not a language code "
                                  "(2 or 3 lower-case letters)")
    if language not in title:
        raise LegalBasesError(f"{source}: {where}: no title in {language!r}, the file's language "
                              f"(given: {', '.join(repr(code) for code in title)})")


def _title(title: str | Mapping[str, str], language: str) -> LocalText:
    return LocalText(title if isinstance(title, str) else dict(title), language)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = load(app.config["LEGAL_BASES_FILE"])


def legal_bases() -> LegalBases:
    found: LegalBases = current_app.extensions[EXTENSION_KEY]
    return found
