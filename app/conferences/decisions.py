"""The decisions a case conference may record about a person: a list the service configures (config
CONFERENCE_DECISIONS, or a file of "code = Label" lines named by WAYPOINT_CONFERENCE_DECISIONS), checked when
the application starts so that a mistyped list stops start-up with a message naming the line, not a form later.

Codes are stored and audited; labels are shown. A code once used and later dropped from the list still reads
back (as its code in words), marked as no longer offered."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, current_app

from config import ConfigError

CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_KEY = "waypoint_conference_decisions"


def _parse_file(path: str) -> list[tuple[str, str]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"WAYPOINT_CONFERENCE_DECISIONS: cannot read {path} ({exc.strerror})") from exc
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        code, sep, label = line.partition("=")
        if not sep:
            raise ConfigError(f"{path}, line {number}: write each decision as “code = Label”")
        pairs.append((code.strip(), label.strip()))
    return pairs


def check(pairs: list[tuple[str, str]] | tuple[tuple[str, str], ...], source: str) -> dict[str, str]:
    """The list as {code: label}, or ConfigError naming what is wrong in `source`."""
    found: dict[str, str] = {}
    for code, label in pairs:
        if not CODE.match(code):
            raise ConfigError(f"{source}: decision code {code!r} must be lower-case letters, digits and _ "
                              "(at most 32, starting with a letter)")
        if not label or len(label) > 100:
            raise ConfigError(f"{source}: decision {code!r} needs a label of 1 to 100 characters")
        if code in found:
            raise ConfigError(f"{source}: decision code {code!r} is given twice")
        found[code] = label
    if not found:
        raise ConfigError(f"{source}: the list of conference decisions is empty")
    return found


def init_app(app: Flask) -> None:
    path = app.config.get("CONFERENCE_DECISIONS_FILE")
    if path:
        app.extensions[_KEY] = check(_parse_file(path), path)
    else:
        app.extensions[_KEY] = check(app.config["CONFERENCE_DECISIONS"], "CONFERENCE_DECISIONS")


def offered() -> dict[str, str]:
    """The decisions a conference may record now, {code: label}, in the configured order."""
    found: dict[str, str] = current_app.extensions[_KEY]
    return found


def label(code: str | None) -> str:
    """The label of a decision code; a code no longer configured reads as its words."""
    if code is None:
        return "Not decided yet"
    return offered().get(code) or f"{code.replace('_', ' ').capitalize()} (no longer offered)"
