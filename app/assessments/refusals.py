"""Refusals told to the user in their language and kept on the audit trail in English: what is audited never
changes with the language of whoever was refused (app/i18n.py)."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale

from app.errors import DomainError, NotAllowed


class Refused(NotAllowed):
    """NotAllowed made from a lazy message (`_l("…", name=…)`): `message` in the current language, `audited` the
    same text in English."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        with force_locale("en"):
            self.audited = str(message)


def audited(exc: DomainError) -> str:
    """The reason to write into the audit trail: English when the refusal carries it."""
    return exc.audited if isinstance(exc, Refused) else exc.message
