"""The service's list of legal bases for disclosure and of exemptions from subject access (a YAML data file,
LEGAL_BASES_FILE), read at start-up with the instruments' strict YAML loader and checked against a schema: a
file that cannot be used stops start-up with a message naming the file and the field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, current_app
from jsonschema import Draft202012Validator

from instruments.loader import InstrumentYamlLoader

EXTENSION_KEY = "waypoint_legal_bases"
_ENTRY = {
    "type": "object", "additionalProperties": False, "required": ["code", "title"],
    "properties": {"code": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,63}$"},
                   "title": {"type": "string", "minLength": 3, "maxLength": 200}},
}
SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["legal_bases", "exemptions"],
    "properties": {"legal_bases": {"type": "array", "minItems": 1, "items": _ENTRY},
                   "exemptions": {"type": "array", "minItems": 1, "items": _ENTRY}},
}


class LegalBasesError(ValueError):
    """The legal bases file cannot be read or accepted."""


@dataclass(frozen=True)
class Choice:
    code: str
    title: str


@dataclass(frozen=True)
class LegalBases:
    bases: tuple[Choice, ...]
    exemptions: tuple[Choice, ...]

    def basis(self, code: str) -> Choice | None:
        return next((b for b in self.bases if b.code == code), None)

    def exemption(self, code: str) -> Choice | None:
        return next((e for e in self.exemptions if e.code == code), None)

    def basis_title(self, code: str) -> str:
        """The title of a code, or the code itself for one the file no longer lists (or another service's)."""
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
    found = {}
    for key in ("legal_bases", "exemptions"):
        codes = [entry["code"] for entry in document[key]]
        if twice := sorted({c for c in codes if codes.count(c) > 1}):
            raise LegalBasesError(f"{source}: {key}: code {twice[0]!r} is listed twice")
        found[key] = tuple(Choice(entry["code"], entry["title"]) for entry in document[key])
    return LegalBases(found["legal_bases"], found["exemptions"])


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = load(app.config["LEGAL_BASES_FILE"])


def legal_bases() -> LegalBases:
    found: LegalBases = current_app.extensions[EXTENSION_KEY]
    return found
