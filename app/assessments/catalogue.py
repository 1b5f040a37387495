"""The instruments this Waypoint runs with: loaded and validated at start-up, pinned by content hash.

An instrument file is registered (id, version, SHA-256 of its bytes) the first time it is used. From
then on the same id and version must keep the same bytes: start-up refuses a file changed under an
existing version, since assessments already made with it would silently change meaning. A new version
goes in a new file.

Start-up does not need the database: on a fresh checkout it does not exist yet, and `flask db upgrade` or
`flask instruments validate` must still start. When it cannot be read then, the comparison waits for the
first use of the catalogue, which runs in a request or command that has the database, and refuses there.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.assessments.models import InstrumentVersion
from app.db import db
from instruments.loader import DEFAULT_DIRECTORY, Instrument, InstrumentError, load_directory

_KEY = "waypoint_instruments"
# Set while the files have not been compared with the registered versions (no database at start-up).
_UNCOMPARED = "waypoint_instruments_uncompared"


def init_app(app: Flask) -> None:
    """Load every instrument file (an invalid one stops start-up) and check none changed in place; when the
    database does not exist yet or cannot be read, check on the catalogue's first use instead."""
    directory = Path(app.config.get("INSTRUMENTS_DIR") or DEFAULT_DIRECTORY)
    instruments = load_directory(directory)
    app.extensions[_KEY] = instruments
    engine: Engine = app.extensions["waypoint_engine"]
    app.extensions[_UNCOMPARED] = True
    if database_file_missing(engine):
        return  # not even opened: connecting would leave an empty database file behind
    try:
        with Session(engine) as session:
            app.extensions[_UNCOMPARED] = not compare_with_registered(session, instruments)
    except SQLAlchemyError:
        return  # unreachable now: the first use compares (a command that needs the database says why not)


def database_file_missing(engine: Engine) -> bool:
    """A SQLite database whose file does not exist (yet): opening it would create an empty one."""
    database = engine.url.database
    return engine.url.get_backend_name() == "sqlite" and database not in (None, "", ":memory:") \
        and not Path(str(database)).exists()


def compare_with_registered(session: Session, instruments: dict[tuple[str, str], Instrument]) -> bool:
    """Refuse a file changed under a registered version (InstrumentError); False when the database is not
    migrated yet, so there is nothing registered to compare with."""
    if not inspect(session.connection()).has_table(InstrumentVersion.__tablename__):
        return False
    check_unchanged(session, instruments)
    return True


def changed_since_registered(instrument: Instrument, registered_hash: str) -> str | None:
    """What is wrong when the file's bytes differ from those registered for its id and version, else None."""
    if instrument.content_hash == registered_hash:
        return None
    return (f"{instrument.source}: the file of {instrument.id} version {instrument.version} changed after it was "
            f"registered (registered SHA-256 {registered_hash[:12]}…, file {instrument.content_hash[:12]}…); "
            "put changes in a new version instead")


def changed_files(session: Session, instruments: Iterable[Instrument]) -> list[str]:
    """One problem per instrument whose file changed under a version the database has registered."""
    registered = {(row.instrument_id, row.version): row.content_hash
                  for row in session.scalars(select(InstrumentVersion))}
    problems = (changed_since_registered(i, registered[i.key]) for i in instruments if i.key in registered)
    return [p for p in problems if p is not None]


def check_unchanged(session: Session, instruments: dict[tuple[str, str], Instrument]) -> None:
    problems = changed_files(session, instruments.values())
    if problems:
        raise InstrumentError(problems[0])


def all_instruments() -> dict[tuple[str, str], Instrument]:
    instruments: dict[tuple[str, str], Instrument] = current_app.extensions[_KEY]
    if current_app.extensions[_UNCOMPARED]:
        # Started without a database: compare before the first use, in this request's or command's session.
        current_app.extensions[_UNCOMPARED] = not compare_with_registered(db.session, instruments)
    return instruments


def get(instrument_id: str, version: str) -> Instrument:
    """The exact version an assessment is pinned to (KeyError if its file is gone)."""
    return all_instruments()[(instrument_id, version)]


def find(instrument_id: str, version: str) -> Instrument | None:
    """The pinned version, or None if its file is gone (reports then print the stored codes on their own)."""
    return all_instruments().get((instrument_id, version))


def item_title(instrument: Instrument | None, code: str) -> str:
    """The item's title in `instrument` in the current language, or "" when there is no instrument or no such
    item."""
    if instrument is None:
        return ""
    try:
        return instrument.item(code).title
    except KeyError:
        return ""


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def current(kind: str) -> list[Instrument]:
    """The newest version of each instrument of `kind` (screening or assessment), by title (in the current
    language)."""
    newest: dict[str, Instrument] = {}
    for instrument in all_instruments().values():
        if instrument.kind != kind:
            continue
        held = newest.get(instrument.id)
        if held is None or _version_key(instrument.version) > _version_key(held.version):
            newest[instrument.id] = instrument
    return sorted(newest.values(), key=lambda i: i.title)


def register(session: Session, instrument: Instrument) -> None:
    """Record the instrument's hash on first use (flushes; part of the caller's transaction). The title recorded
    is the file's own language's: what is stored does not change with the language of whoever used it first."""
    row = session.scalar(select(InstrumentVersion).where(
        InstrumentVersion.instrument_id == instrument.id, InstrumentVersion.version == instrument.version))
    if row is None:
        title = instrument.title_text.in_language(instrument.language)
        session.add(InstrumentVersion(instrument_id=instrument.id, version=instrument.version, kind=instrument.kind,
                                      title=title[:200], content_hash=instrument.content_hash))
        session.flush()
    elif (problem := changed_since_registered(instrument, row.content_hash)) is not None:
        raise InstrumentError(problem)
