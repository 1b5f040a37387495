"""Record ids read from requests: a path, a query argument or a form field names a row only when it is a
whole number that a BIGINT holds. Anything larger would reach the database and fail there (SQLite cannot
bind it, PostgreSQL compares it as numeric), so it is refused here, before any query: a 404 for a path,
a 400 naming the argument for a query, "no id" for a form field (whose form then says what is missing)."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from werkzeug.routing import IntegerConverter, Map

from app.i18n import gettext as _

# The largest value of PostgreSQL's BIGINT and of SQLite's INTEGER, which every id and version column is.
MAX_ID = 2**63 - 1
_MAX_DIGITS = len(str(MAX_ID))


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits up to MAX_ID, else the rule does not match (404). Python's
    int() would take thousands of digits (or raise past its own limit) and Unicode digits too."""

    regex = r"[0-9]{1,%d}" % _MAX_DIGITS  # noqa: UP031 - the regex's braces would need doubling in an f-string

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(text: str | None) -> int | None:
    """The id written in `text` (ASCII digits, 0 to MAX_ID, spaces around allowed), or None."""
    value = (text or "").strip()
    if not value or len(value) > _MAX_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def id_arg(name: str) -> int | None:
    """The id in the query argument `name`: None when it is absent or empty, a 400 that names the argument
    when it holds anything but an id."""
    text = request.args.get(name, "")
    if not text:
        return None
    found = parse_id(text)
    if found is None:
        abort(400, description=_("The address is not valid: “%(name)s” must be a record number (a whole number "
                                 "from 0 to %(max)s). Go back and follow the link again.", name=name, max=MAX_ID))
    return found


def form_id(text: str | None) -> int | None:
    """The id chosen in a form field: None when nothing is chosen, and 0 (which names no row) when the field
    holds anything but an id, so that the service's own check refuses it next to the field."""
    if not (text or "").strip():
        return None
    found = parse_id(text)
    return 0 if found is None else found
