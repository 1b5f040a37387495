"""Right-to-left text (Arabic, Hebrew, Syriac, Thaana, N'Ko) printed joined and in reading order.

ReportLab draws characters one after another, left to right, each in its isolated form. It can shape and
reorder only through its optional uharfbuzz and rlbidi extras, and then only for paragraphs it parses with a
`wordWrap="RTL"` style, which the literal fragments of reports.pdf bypass. So the text is prepared before it
reaches ReportLab instead, with two small pure libraries:

- arabic_reshaper joins Arabic letters: each becomes its initial, medial, final or isolated presentation form
  (and lam-alef its ligature), which DejaVu Sans has. Joining does not depend on the order of display, so it
  is done once, on the text in logical order, before lines are broken: widths are then those of the shaped
  glyphs.
- python-bidi applies the Unicode bidirectional algorithm, which puts each run in display order. That is
  done per line, after the line is broken (as the algorithm requires), at draw time: RtlParagraph.

A PDF text extractor then reads the presentation forms in display order: the logical text is that string
in the algorithm's order again, NFKC-normalised (tests/test_reports.py does just that). Text without a
right-to-left character is left untouched and costs one regular-expression search.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import arabic_reshaper  # type: ignore[import-untyped]  # no type information shipped
from bidi.algorithm import get_display  # type: ignore[import-untyped]  # mirrors brackets (see marked_pairs)
from reportlab.platypus import Paragraph

# Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic, Arabic Extended, and the presentation forms.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_RESHAPER = arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False, "support_ligatures": True})


def has_rtl(text: str) -> bool:
    return _RTL.search(text) is not None


def shaped(text: str) -> str:
    """Arabic letters in their joined forms, still in logical order (other text unchanged)."""
    return _RESHAPER.reshape(text) if has_rtl(text) else text


def base_direction(text: str) -> str:
    """"R" when the first letter with a direction is right-to-left, else "L" (rules P2 and P3)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "L"
        if kind in ("R", "AL"):
            return "R"
    return "L"


def display_line(text: str, base: str | None = None) -> str:
    """One line, shaped and in display order: for strings drawn as they are (table cells that fit, the page
    bands, the watermark). `base` is the paragraph's direction when the line is part of one."""
    if not has_rtl(text):
        return text
    direction = base or base_direction(text)
    result = get_display(marked_pairs(shaped(text), direction), base_dir=direction)
    return str(result).replace(_MARKS["L"], "").replace(_MARKS["R"], "")


# Brackets, and the direction marks that settle a pair's direction (removed once the line is ordered).
_OPENING = {"(": ")", "[": "]", "{": "}", "«": "»"}
_CLOSING = {close: open_ for open_, close in _OPENING.items()}
_MARKS = {"L": "\u200e", "R": "\u200f"}


def _strong(char: str) -> str | None:
    """A character's direction for rule N0 (European digits take the direction of the text before them, rule
    W7, so they are passed over)."""
    kind = unicodedata.bidirectional(char)
    return "L" if kind == "L" else "R" if kind in ("R", "AL", "AN") else None


def marked_pairs(text: str, base: str) -> str:
    """The text with each pair of brackets held to its direction by Unicode's rule N0 (the pair takes the
    paragraph's direction when it holds a letter of it; holding only the other direction's, it takes the
    direction of the text before it): a direction mark on either side of each bracket. The ordering then keeps
    a pair together, and mirrors the glyphs of a pair in a right-to-left run ("(" drawn as ")", facing the
    text it encloses). python-bidi's algorithm mirrors but lacks N0; its Rust one has N0 but does not mirror."""
    pairs: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for index, char in enumerate(text):
        if char in _OPENING:
            stack.append((char, index))
        elif char in _CLOSING:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == _CLOSING[char]:
                    pairs.append((stack[depth][1], index))
                    del stack[depth:]
                    break
    resolved: dict[int, str] = {}
    for opening, closing in pairs:
        inside = {_strong(c) for c in text[opening + 1:closing]} - {None}
        if base in inside:
            direction = base
        elif inside:
            direction = next((d for c in reversed(text[:opening]) if (d := _strong(c)) is not None), base)
        else:
            continue
        resolved[opening] = resolved[closing] = direction
    if not resolved:
        return text
    return "".join(f"{_MARKS[resolved[i]]}{c}{_MARKS[resolved[i]]}" if i in resolved else c
                   for i, c in enumerate(text))


class RtlParagraph(Paragraph):
    """A paragraph of shaped text in logical order (see reports.pdf.literal) whose lines are put in display
    order as they are drawn: lines are broken, and the paragraph split across pages, on the logical text.
    `base` is the paragraph's direction when the document sets it (a right-to-left document: "R"); else the
    direction of the paragraph's first strong letter."""

    base: str | None = None

    def drawPara(self, debug: int = 0) -> None:
        para: Any = self.blPara  # type: ignore[attr-defined]  # set by wrap(); not in the stubs
        if para.kind != 0:  # only one-fragment paragraphs are made by reports.pdf; leave others as they are
            super().drawPara(debug)
            return
        logical = para.lines
        base = self.base or base_direction(" ".join(word for _space, words in logical for word in words))
        para.lines = [(space, display_line(" ".join(words), base).split(" ")) for space, words in logical]
        try:
            super().drawPara(debug)
        finally:
            para.lines = logical


class RightToLeftParagraph(RtlParagraph):
    """A paragraph of a right-to-left document: its lines are ordered from the right whatever its first letter
    (a class, not an instance's attribute, so that the parts of a paragraph split across pages keep it)."""

    base = "R"
