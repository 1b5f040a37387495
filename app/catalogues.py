"""The translation catalogues (app/translations/<language>/LC_MESSAGES/messages.po): extracted from the code
and templates, kept up to date, and compiled to the .mo files Flask-Babel reads.

    python -m app.catalogues update    # after changing strings: new ones added empty, gone ones dropped
    python -m app.catalogues compile   # .po → .mo (the install step: `make run` and `make test` do it)

Nothing here imports the application: the install step runs it before there is a database or a config.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
DOMAIN = "messages"
# Where the words are: Python (gettext, lazy_gettext as _l, ngettext) and the Jinja templates.
SOURCES: tuple[tuple[str, list[tuple[str, str]]], ...] = (
    ("app", [("**/templates/**.html", "jinja2"), ("**.py", "python")]),
    ("reports", [("**.py", "python")]),
    ("instruments", [("**.py", "python")]),
)
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2),
            "lazy_pgettext": ((1, "c"), 2)}
OPTIONS = {"**/templates/**.html": {"trimmed": "true", "silent": "false"}}


def _wanted_directory(path: str) -> bool:
    """Every folder but hidden ones and caches (Babel's default also skips "_macros", whose words we want)."""
    name = Path(path).name
    return not name.startswith(".") and name != "__pycache__"


def extract() -> Catalog:
    """Every translatable string of the code and templates, with where it is used."""
    catalog = Catalog(project="Waypoint", charset="utf-8", fuzzy=False,
                      creation_date=datetime(2026, 1, 1, tzinfo=UTC))
    for folder, method_map in SOURCES:
        found = extract_from_dir(ROOT / folder, method_map, options_map=OPTIONS, keywords=KEYWORDS,
                                 comment_tags=("Translators:",), strip_comment_tags=True,
                                 directory_filter=_wanted_directory)
        for filename, lineno, message, comments, context in found:
            catalog.add(message, None, [(f"{folder}/{filename}", lineno)], auto_comments=comments,
                        context=context)
    return catalog


def languages() -> list[str]:
    """The languages with a catalogue (English is the source language and needs none)."""
    return sorted(p.parent.parent.name for p in TRANSLATIONS.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as f:
        return read_po(f, locale=language, domain=DOMAIN)


def write(language: str, catalog: Catalog) -> None:
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=120, sort_output=False, sort_by_file=True, include_previous=False)


def update(template: Catalog | None = None, targets: Iterable[str] | None = None) -> None:
    """Bring each catalogue up to the code: new strings added untranslated, strings no longer used dropped,
    translations kept. No fuzzy guessing: a string that changed is new, to be translated anew."""
    template = template or extract()
    for language in targets or languages():
        catalog = read(language) if po_path(language).exists() else Catalog(locale=language, domain=DOMAIN)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        write(language, catalog)


def compile_one(po: Path) -> Path:
    mo = po.with_suffix(".mo")
    with po.open("rb") as f:
        catalog = read_po(f, locale=po.parent.parent.name, domain=DOMAIN)
    with mo.open("wb") as f:
        write_mo(f, catalog)
    return mo


def compile_all(only_stale: bool = False) -> list[Path]:
    """Compile every catalogue (or only those whose .mo is missing or older than the .po)."""
    done = []
    for po in sorted(TRANSLATIONS.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if only_stale and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        done.append(compile_one(po))
    return done


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "update":
        update()
    elif command == "compile":
        for mo in compile_all():
            print(f"compiled {mo.relative_to(ROOT)}")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
