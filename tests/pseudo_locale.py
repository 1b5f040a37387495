"""A pseudo-language for finding words that did not go through the catalogues (issue 16).

Its catalogue is made from the code and templates as they are now: every message's translation is the
message itself wrapped in ⟦ ⟧ (app/i18n.py's markers; text carrying its own translations, like an instrument's,
is wrapped by `localized`). A page or PDF rendered in it shows every catalogued word inside markers; what is
left once the marked runs and the stored data are taken out is a word a user would read in English whatever
their language.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from babel.dates import get_day_names, get_month_names
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from sqlalchemy import JSON, String, Text, select
from sqlalchemy.orm import Session

from app import catalogues, create_app
from app.db import Base
from app.i18n import PSEUDO_CLOSE, PSEUDO_OPEN
from config import Config

# A locale Babel knows (its dates and numbers are English), used for nothing else.
PSEUDO = "en_001"
# Words that are the same in every language: the product's name and the time zone the times are given in.
ALWAYS_ALLOWED = frozenset({"Waypoint", "UTC"})
# Attributes whose values a user reads or hears (tooltips, placeholders, screen-reader names, confirmations).
READ_ATTRIBUTES = frozenset({"title", "placeholder", "aria-label", "alt", "aria-roledescription", "data-confirm",
                             "aria-valuetext"})
LETTERS = re.compile(r"[^\W\d_]{2,}")
# A stored code (a status, a kind): shown through its label, never as stored, so not taken as data. Usernames
# look the same and are shown as they are.
CODE = re.compile(r"^[a-z0-9_]+$")
HEX = re.compile(r"(?<![\w])[0-9a-fA-F:]{16,}(?![\w])")


def pseudo_config(directory: Path) -> dict[str, Any]:
    """Write the pseudo catalogue under `directory`; the app settings that offer it."""
    template = catalogues.extract()
    catalog = Catalog(locale=PSEUDO, domain=catalogues.DOMAIN, fuzzy=False)
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            string: Any = tuple(f"{PSEUDO_OPEN}{part}{PSEUDO_CLOSE}" for part in message.id)
        else:
            string = f"{PSEUDO_OPEN}{message.id}{PSEUDO_CLOSE}"
        catalog.add(message.id, string, context=message.context)
    target = directory / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / f"{catalogues.DOMAIN}.mo").open("wb") as f:
        write_mo(f, catalog)
    return {
        "PSEUDO_LOCALE": PSEUDO,
        "LANGUAGES": {"en": "English", "fr": "Français", "ar": "العربية", PSEUDO: "Pseudo"},
        "BABEL_TRANSLATION_DIRECTORIES": f"translations;{directory}",
    }


@contextmanager
def walked_world(databases: Any, prefix: str) -> Iterator[Any]:
    """The read-audit walk's people and records (tests/test_read_audit.py), in an app that offers the
    pseudo-language; its users still read the service's default until a test chooses for them."""
    from tests.test_read_audit import _build

    url = databases.fresh_url()
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "ALERT_VIEW_THRESHOLD": 100_000,  # many pages opened within minutes: not what these walks are about
        "RETENTION_PERIODS": {**Config.RETENTION_PERIODS, "ended": timedelta(0)},  # a retention review to list
        **pseudo_config(Path(tempfile.mkdtemp(prefix=prefix))),
    })
    try:
        yield _build(app)
    finally:
        app.extensions["waypoint_engine"].dispose()
        databases.drop(url)


class _Text(HTMLParser):
    """The text of a page a user reads: its text nodes (but scripts and styles), in order, and apart from them
    the attributes read aloud or shown on hover, and the labels of buttons made of inputs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self.attributes: list[str] = []
        self._skip = 0
        self._skipping: list[str] = []  # the open elements skipped, by tag (same-tag nesting counted)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        # Scripts, styles, and what the page marks as not to be translated (a secret key to type).
        # (an element of the same tag inside a skipped one is counted, so that its end tag ends only itself)
        if tag in ("script", "style") or values.get("translate") == "no" \
                or (self._skipping and tag == self._skipping[-1]):
            self._skip += 1
            self._skipping.append(tag)
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.attributes.append(value)
        if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
            self.attributes.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and tag == self._skipping[-1]:
            self._skipping.pop()
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.nodes.append(data)


def visible_text(html: str) -> list[str]:
    """The page's text as one run (a message with markup inside, a link in a sentence, spans several text
    nodes: its markers are matched across them), then each attribute a user reads, on its own."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return ["\n".join(parser.nodes), *parser.attributes]


def strip_marked(text: str) -> str:
    """The text without its marked runs (innermost first: a marked message may hold another's words)."""
    innermost = re.compile(re.escape(PSEUDO_OPEN) + "[^" + PSEUDO_OPEN + PSEUDO_CLOSE + "]*" + re.escape(PSEUDO_CLOSE))
    while True:
        shorter = innermost.sub(lambda m: "\n" * m.group(0).count("\n") or " ", text)
        if shorter == text:
            break
        text = shorter
    return text.replace(PSEUDO_OPEN, " ").replace(PSEUDO_CLOSE, " ")


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def stored_text(session: Session, extra: Iterable[str] = ()) -> set[str]:
    """Every text value in the database (what people typed, names, references, codes): shown as stored, in the
    language it was written in."""
    found: set[str] = set(extra)
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                found.update(s.strip() for s in _strings(value)
                             if s and s.strip() and (column.name == "username" or not CODE.match(s.strip())))
    return found


def _spaced(phrase: str) -> str:
    return r"\s+".join(re.escape(word) for word in phrase.split())


class Checker:
    """Finds the unmarked words in a page's or a PDF's text, the stored data set aside."""

    def __init__(self, data: Iterable[str]) -> None:
        phrases = sorted({d for d in data if LETTERS.search(d)}, key=len, reverse=True)
        # A stored text may be wrapped onto the next line (a PDF's table cell): any whitespace between its words.
        self._data = re.compile("|".join(rf"(?<!\w){_spaced(p)}(?!\w)" for p in phrases)) if phrases else None
        self._allowed = set(ALWAYS_ALLOWED)
        for width in ("wide", "abbreviated"):
            self._allowed.update(get_month_names(width, locale="en").values())
            self._allowed.update(get_day_names(width, locale="en").values())

    def unmarked(self, parts: Iterable[str]) -> list[str]:
        """Each run of unmarked words (a text node, a line of a PDF, an attribute) left in `parts`."""
        found = []
        for part in parts:
            text = HEX.sub(" ", strip_marked(part))  # a digest or a key's fingerprint
            if self._data is not None:
                text = self._data.sub(" ", text)
            for run in text.split("\n"):
                words = [w for w in LETTERS.findall(run) if w not in self._allowed]
                if words:
                    found.append(" ".join(words))
        return found

    def unmarked_in_html(self, html: str) -> list[str]:
        return self.unmarked(visible_text(html))

    def unmarked_in_pdf(self, pdf: bytes) -> list[str]:
        """The PDF's text as a reader extracts it (pypdf). Runs are joined across lines first: a marked message
        may wrap onto the next line."""
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(pdf))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        return self.unmarked([text])
