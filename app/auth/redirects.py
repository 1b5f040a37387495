"""Where Waypoint may send a browser back to: a path on this site, never another host (ASVS 5.1.5).

A `next` parameter (after sign-in, the code step, confirming one's password) and a form's referrer all go
through `local_path`. Browsers remove tabs, CR and LF anywhere in a URL and read `\\` as `/`, so
`/<TAB>/evil.example` reaches them as `//evil.example`, another host; and a raw CR or LF cannot go into a
Location header at all. So a target is judged as a browser would read it, after URL-decoding (a few times
over: an encoded `%09` is still a tab to the next hop) with every whitespace and control character
removed, and what is sent is percent-encoded, so that no character of it can end a header or hide a host.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote, urlsplit

# Decoding more often than this and still changing: nothing a page of Waypoint links to, so refused.
_MAX_DECODINGS = 4
# Kept as they are when the path is sent: RFC 3986's reserved characters and `%` (escapes already made).
_SAFE = "/?#[]@!$&'()*+,;=:%~"


def _invisible(char: str) -> bool:
    """A character a browser drops or a header cannot carry: whitespace, and Unicode's "other" categories
    (controls, format characters such as the bidirectional overrides, unassigned ones)."""
    return char.isspace() or unicodedata.category(char).startswith(("C", "Z"))


def _leaves_site(target: str) -> bool:
    seen = "".join(c for c in target if not _invisible(c))
    if not seen.startswith("/") or seen.startswith("//") or "\\" in seen:
        return True
    parts = urlsplit(seen)
    return bool(parts.scheme or parts.netloc)


def local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, percent-encoded for a Location header or an href; None for
    anything else (another host, a scheme, `//` or `\\` however disguised, an empty value)."""
    if not target:
        return None
    decoded = target
    for _ in range(_MAX_DECODINGS):
        if _leaves_site(decoded):
            return None
        again = unquote(decoded)
        if again == decoded:
            return quote(target, safe=_SAFE)
        decoded = again
    return None
