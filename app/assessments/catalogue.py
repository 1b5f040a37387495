"""The instruments this Waypoint runs with: loaded and validated at start-up, pinned by content hash.

An instrument file is registered (id, version, SHA-256 of its bytes) the first time it is used. From
then on the same id and version must keep the same bytes: start-up refuses a file changed under an
existing version, since assessments already made with it would silently change meaning. A new version
goes in a new file.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.assessments.models import InstrumentVersion
from instruments.loader import DEFAULT_DIRECTORY, Instrument, InstrumentError, load_directory

_KEY = "waypoint_instruments"


def init_app(app: Flask) -> None:
    """Load every instrument file (an invalid one stops start-up) and check none changed in place."""
    directory = Path(app.config.get("INSTRUMENTS_DIR") or DEFAULT_DIRECTORY)
    instruments = load_directory(directory)
    app.extensions[_KEY] = instruments
    engine = app.extensions["waypoint_engine"]
    if not inspect(engine).has_table("instrument_versions"):
        return  # a database not yet migrated: nothing registered to compare with
    with Session(engine) as session:
        check_unchanged(session, instruments)


def check_unchanged(session: Session, instruments: dict[tuple[str, str], Instrument]) -> None:
    for row in session.scalars(select(InstrumentVersion)):
        instrument = instruments.get((row.instrument_id, row.version))
        if instrument is not None and instrument.content_hash != row.content_hash:
            raise InstrumentError(
                f"{instrument.source}: the file of {row.instrument_id} version {row.version} changed after it was "
                "registered; put changes in a new version instead"
            )


def all_instruments() -> dict[tuple[str, str], Instrument]:
    instruments: dict[tuple[str, str], Instrument] = current_app.extensions[_KEY]
    return instruments


def get(instrument_id: str, version: str) -> Instrument:
    """The exact version an assessment is pinned to (KeyError if its file is gone)."""
    return all_instruments()[(instrument_id, version)]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def current(kind: str) -> list[Instrument]:
    """The newest version of each instrument of `kind` (screening or assessment), by title."""
    newest: dict[str, Instrument] = {}
    for instrument in all_instruments().values():
        if instrument.kind != kind:
            continue
        held = newest.get(instrument.id)
        if held is None or _version_key(instrument.version) > _version_key(held.version):
            newest[instrument.id] = instrument
    return sorted(newest.values(), key=lambda i: i.title)


def register(session: Session, instrument: Instrument) -> None:
    """Record the instrument's hash on first use (flushes; part of the caller's transaction)."""
    row = session.scalar(select(InstrumentVersion).where(
        InstrumentVersion.instrument_id == instrument.id, InstrumentVersion.version == instrument.version))
    if row is None:
        session.add(InstrumentVersion(instrument_id=instrument.id, version=instrument.version, kind=instrument.kind,
                                      title=instrument.title[:200], content_hash=instrument.content_hash))
        session.flush()
    elif row.content_hash != instrument.content_hash:
        raise InstrumentError(f"{instrument.source}: changed after it was registered")
