"""The one font the reports embed: DejaVu Sans (regular and bold).

The PDF's standard 14 fonts cover Latin-1 only; DejaVu Sans has glyphs for every script used in the Council of
Europe's member states (Latin with its diacritics, Cyrillic, Greek, Armenian, Georgian, Arabic), so a name
prints as it was written. The files come from Debian's `fonts-dejavu-core` package; WAYPOINT_FONT_DIR, or the
`directory` argument, points elsewhere (for a machine that keeps its fonts in another place).

Arabic (and Hebrew) names: DejaVu Sans has the letters and their joined presentation forms; reports.rtl joins
Arabic letters and puts right-to-left runs in reading order before ReportLab, which does neither, draws them.
"""

from __future__ import annotations

import os
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
DEFAULT_DIRECTORY = Path("/usr/share/fonts/truetype/dejavu")
DIRECTORY_ENV = "WAYPOINT_FONT_DIR"
PACKAGE = "fonts-dejavu-core"

# ReportLab keeps registered fonts in a process-wide registry: register once per directory.
_registered_from: Path | None = None


class FontsMissing(RuntimeError):
    """The DejaVu Sans files are not where the reports look for them."""


def font_directory(directory: str | os.PathLike[str] | None = None) -> Path:
    """Where the fonts are read from: the argument, else $WAYPOINT_FONT_DIR, else Debian's location."""
    if directory is not None:
        return Path(directory)
    from_env = os.environ.get(DIRECTORY_ENV, "").strip()
    return Path(from_env) if from_env else DEFAULT_DIRECTORY


def fonts_problem(directory: str | os.PathLike[str] | None = None) -> str | None:
    """What is wrong with the font files, naming the Debian package and the environment variable; None when
    both are there. Cheap (it only looks for the files): for a check at start-up."""
    folder = font_directory(directory)
    missing = [name for name in FILES.values() if not (folder / name).is_file()]
    if not missing:
        return None
    return (f"{', '.join(missing)} not found in {folder}: install Debian's {PACKAGE} package "
            f"(apt-get install {PACKAGE}) or set {DIRECTORY_ENV} to a folder holding "
            f"{' and '.join(FILES.values())}")


def register_fonts(directory: str | os.PathLike[str] | None = None) -> tuple[str, str]:
    """Register DejaVu Sans and DejaVu Sans Bold with ReportLab (idempotent) and return their names.

    Raises FontsMissing, naming the Debian package and the environment variable, when a file is missing.
    """
    global _registered_from
    folder = font_directory(directory)
    if _registered_from == folder:
        return REGULAR, BOLD
    problem = fonts_problem(folder)
    if problem is not None:
        raise FontsMissing(problem)
    for name, filename in FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
    # <b> selects the bold face. There is no italic face: italic maps to the upright ones, registered first so
    # that a font name maps back to its upright entry (the last mapping of a name wins).
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    _registered_from = folder
    return REGULAR, BOLD
