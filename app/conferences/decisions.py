"""The decisions a case conference may record about a person: a list the service configures (config
CONFERENCE_DECISIONS, or a file of "code = Label" lines named by WAYPOINT_CONFERENCE_DECISIONS), checked when
the application starts so that a mistyped list stops start-up with a message naming the line, not a form later.

Codes are stored and audited; labels are shown, in the reader's language. A label is a string or a mapping of
language code to string; in the file, "code = Label" gives the label in the service's language (WAYPOINT_LANGUAGE)
and "code[fr] = Libellé" its label in another language. The service's language is the one shown when the
reader's is missing, so every decision has a label in it. A code once used and later dropped from the list still
reads back (as its code in words), marked as no longer offered."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from flask import Flask, current_app

from app.i18n import LocalText
from app.i18n import gettext as _
from config import ConfigError

CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
# The left of a line of the file: "code" or "code[language]".
_KEY = re.compile(r"^\s*(?P<code>[^\[\]]*?)\s*(?:\[(?P<language>[^\]]*)\])?\s*$")
_EXTENSION = "waypoint_conference_decisions"

Label = str | Mapping[str, str]


def _parse_file(path: str, language: str) -> list[tuple[str, Label]]:
    """The file's decisions in the order of their first line, each with its labels by language."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"WAYPOINT_CONFERENCE_DECISIONS: cannot read {path} ({exc.strerror})") from exc
    labels: dict[str, dict[str, str]] = {}
    first_line: dict[tuple[str, str], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, label = line.partition("=")
        found = _KEY.match(key)
        if not sep or found is None:
            raise ConfigError(f"{path}, line {number}: write each decision as “code = Label” "
                              "(or “code[fr] = Libellé” for its label in another language)")
        code, given = found["code"], found["language"]
        if given is not None and not LANGUAGE_CODE.fullmatch(given):
            raise ConfigError(f"{path}, line {number}: {given!r} is not a language code "
                              "(2 or 3 lower-case letters, as in “code[fr] = Libellé”)")
        in_language = language if given is None else given
        if (code, in_language) in first_line:
            raise ConfigError(f"{path}, line {number}: decision code {code!r} is given twice in {in_language!r} "
                              f"(first on line {first_line[(code, in_language)]})")
        first_line[(code, in_language)] = number
        labels.setdefault(code, {})[in_language] = label.strip()
    return list(labels.items())


def check(pairs: Sequence[tuple[str, Label]], source: str, language: str = "en") -> dict[str, LocalText]:
    """The list as {code: label}, or ConfigError naming what is wrong in `source`. `language` is the service's:
    a label given in several languages must hold it."""
    found: dict[str, LocalText] = {}
    for code, label in pairs:
        if not CODE.match(code):
            raise ConfigError(f"{source}: decision code {code!r} must be lower-case letters, digits and _ "
                              "(at most 32, starting with a letter)")
        texts = {language: label} if isinstance(label, str) else dict(label)
        for given, text in texts.items():
            if not LANGUAGE_CODE.fullmatch(given):
                raise ConfigError(f"{source}: decision {code!r}: {given!r} is not a language code "
                                  "(2 or 3 lower-case letters)")
            if not text or len(text) > 100:
                raise ConfigError(f"{source}: decision {code!r} needs a label of 1 to 100 characters")
        if language not in texts:
            raise ConfigError(f"{source}: decision {code!r} needs a label in {language!r}, the service's language "
                              f"(given: {', '.join(repr(given) for given in texts) or 'none'})")
        if code in found:
            raise ConfigError(f"{source}: decision code {code!r} is given twice")
        found[code] = LocalText(label if isinstance(label, str) else texts, language)
    if not found:
        raise ConfigError(f"{source}: the list of conference decisions is empty")
    return found


def init_app(app: Flask) -> None:
    path = app.config.get("CONFERENCE_DECISIONS_FILE")
    language = str(app.config["BABEL_DEFAULT_LOCALE"])
    if path:
        app.extensions[_EXTENSION] = check(_parse_file(path, language), path, language)
    else:
        app.extensions[_EXTENSION] = check(app.config["CONFERENCE_DECISIONS"], "CONFERENCE_DECISIONS", language)


def offered() -> dict[str, str]:
    """The decisions a conference may record now, {code: label in the current language}, in the configured
    order."""
    found: Mapping[str, LocalText | str] = current_app.extensions[_EXTENSION]
    return {code: str(text) for code, text in found.items()}


def label(code: str | None) -> str:
    """The label of a decision code; a code no longer configured reads as its words."""
    if code is None:
        return str(_("Not decided yet"))
    return offered().get(code) or str(_("%(decision)s (no longer offered)",
                                        decision=code.replace("_", " ").capitalize()))
