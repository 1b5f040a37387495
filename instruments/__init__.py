"""Screening and assessment instruments: YAML files in this folder, checked against schema.json and loaded
into frozen dataclasses by loader.py. No database; texts are app.i18n.LocalText, shown in the current
language (English outside an application)."""

from instruments.loader import (
    DEFAULT_DIRECTORY,
    Domain,
    Instrument,
    InstrumentError,
    Item,
    Option,
    load_directory,
    load_file,
)

__all__ = [
    "DEFAULT_DIRECTORY",
    "Domain",
    "Instrument",
    "InstrumentError",
    "Item",
    "Option",
    "load_directory",
    "load_file",
]
