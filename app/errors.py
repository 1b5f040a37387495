"""Domain exceptions raised by services; routes map them to 403 / 409 / 400 in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the exceptions a service raises for a refusal the user should be told about."""

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class NotAllowed(DomainError):
    """The acting user may not do this (403)."""


class Conflict(DomainError):
    """Someone else changed the record meanwhile (409)."""


class Invalid(DomainError):
    """The values given break a rule of the domain (400); `field_errors` says which."""
