"""Characters that stored text may not hold, whichever way it comes in (a form, the roll import, a command).

Refused everywhere: the C0 controls (U+0000–U+001F: NUL, which PostgreSQL cannot store; ESC, which starts a
terminal escape), DEL and the C1 controls (U+007F–U+009F), and the bidirectional embeddings, overrides and
isolates (U+202A–U+202E, U+2066–U+2069), which reorder the text after them on the page and in the PDFs, so
that a name prints reversed. Narrative keeps tab, line feed and carriage return; a single-line field refuses
those too, and the Unicode line and paragraph separators (U+2028, U+2029).

Kept: the direction marks U+200E, U+200F and U+061C. They reorder nothing but the neutral characters beside
them, and are typed in Arabic and Hebrew text, which Waypoint holds.
"""

from __future__ import annotations

import re

from app.i18n import gettext as _

_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_REFUSED_IN_NARRATIVE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI_CONTROLS}]")
_REFUSED_IN_A_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI_CONTROLS}]")
_LINE_BREAKS = frozenset("\n\r\u2028\u2029")


def refused_character(text: str | None, *, multiline: bool = False) -> str | None:
    """The first character of `text` that a field may not hold (`multiline`: a narrative field), or None."""
    found = (_REFUSED_IN_NARRATIVE if multiline else _REFUSED_IN_A_LINE).search(text or "")
    return found.group() if found else None


def describe(char: str) -> str:
    """The character as a person reading an error message can find it: a tab, a line break, or its code."""
    if char == "\t":
        return str(_("a tab"))
    if char in _LINE_BREAKS:
        return str(_("a line break"))
    code = f"U+{ord(char):04X}"
    return str(_("a control character (%(code)s)", code=code))


def control_character_problem(text: str | None, *, multiline: bool = False) -> str | None:
    """What is wrong with `text` for a field, as the field's error message, or None."""
    char = refused_character(text, multiline=multiline)
    if char is None:
        return None
    if char == "\t" or char in _LINE_BREAKS:
        return str(_("Remove %(what)s: this field holds a single line of text.", what=describe(char)))
    code = f"U+{ord(char):04X}"
    return str(_("Remove the invisible control character (%(code)s): Waypoint does not accept it. If you pasted the "
                 "text, type it instead.", code=code))
