"""The roll import: a unit's list of people, as CSV, checked row by row and added as subject records.

Rows are matched on reference. A person already on record (in any unit) is never changed by an import:
a row that agrees with the record counts as unchanged, one that does not is reported with the fields
that differ, so that someone decides (nothing is silently changed). Every row is checked before anything
is written. The whole import is one `import` audit event, not one event per row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.audit import trail
from app.auth.models import Unit
from app.db import db, utcnow
from app.errors import Invalid
from app.i18n import gettext as _
from app.i18n import number
from app.subjects import services
from app.subjects.models import AlertCode, CustodyStatus, OffenceCategory, Subject
from app.subjects.services import SubjectValues
from app.text import describe, refused_character

COLUMNS = ("reference", "given_name", "family_name", "date_of_birth", "status", "index_offence_category",
           "sentence_date", "release_date", "next_review_due", "alerts")
REQUIRED_COLUMNS = COLUMNS[:6]
DATE_COLUMNS = ("date_of_birth", "sentence_date", "release_date", "next_review_due")
ALERT_SEPARATOR = ";"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What each coded column accepts, named in the error so that the file can be fixed without the manual.
CODES: dict[str, type[StrEnum]] = {
    "status": CustodyStatus, "index_offence_category": OffenceCategory, "alerts": AlertCode,
}
_READ_CHUNK = 64 * 1024
_LINE_END = re.compile(rb"\r\n?|\n")
_UTF8_CONTINUATION = bytes(range(0x80, 0xC0))  # the bytes that do not start a character
_LOOKUP_BATCH = 500  # references per IN (...) query, well under every driver's parameter limit
_FLUSH_BATCH = 1000  # new records per flush, so that a big roll does not sit in memory unflushed


@dataclass
class RollRow:
    line: int  # the file's line where the row starts; the header is line 1
    cells: list[str]


@dataclass
class Roll:
    """A parsed CSV file: the header as written, its column names (lower case), the non-blank rows."""

    header: list[str]
    columns: list[str]
    rows: list[RollRow]
    bom: bool = False

    def cell(self, row: RollRow, name: str) -> str:
        if name not in self.columns:  # an optional column left out of the file
            return ""
        index = self.columns.index(name)
        return row.cells[index].strip() if index < len(row.cells) else ""


def read_file(path: Path, *, max_bytes: int, max_line_chars: int) -> bytes:
    """The file's bytes, read in chunks and never more than `max_bytes` of them: Invalid, in one line, as soon
    as the file is larger than that or a line longer than `max_line_chars` characters (so /dev/zero or a
    file without line breaks is refused after its first chunk)."""
    too_large = Invalid(_("The file is larger than %(size)s, the most an import reads. Split it into smaller files.",
                          size=_size(max_bytes)))
    if path.is_file() and path.stat().st_size > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    total, line, length, after_cr = 0, 1, 0, False

    def count(part: bytes) -> None:
        nonlocal length
        length += len(part.translate(None, _UTF8_CONTINUATION))
        if length > max_line_chars:
            raise Invalid(_("Line %(line)s is longer than %(limit)s characters, the most a row may be. Check that "
                            "this is the roll file, saved as CSV.", line=line, limit=number(max_line_chars)))

    with path.open("rb") as stream:
        while chunk := stream.read(_READ_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise too_large
            # Lines end as the csv module ends them: CR LF, LF, or CR alone (Excel's "CSV (Macintosh)").
            position = 1 if after_cr and chunk.startswith(b"\n") else 0
            for end in _LINE_END.finditer(chunk, position):
                count(chunk[position : end.start()])
                line, length, position = line + 1, 0, end.end()
            count(chunk[position:])
            after_cr = chunk.endswith(b"\r")
            chunks.append(chunk)
    return b"".join(chunks)


def _size(n: int) -> str:
    if n >= 2**20:
        return str(_("%(size)s MB", size=number(round(n / 2**20, 1))))
    return str(_("%(size)s bytes", size=number(n)))


def read_roll(data: bytes) -> Roll:
    """Parse the file (UTF-8, with or without BOM). Raises Invalid naming what is wrong with the file
    as a whole: its encoding, CSV syntax, or unknown, missing or repeated columns."""
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Invalid(_("The file is not UTF-8 text (line %(line)s). Save it as CSV UTF-8 and try again.",
                        line=line)) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[RollRow] = []
    header: list[str] | None = None
    try:
        line = reader.line_num + 1
        for cells in reader:
            if header is None:
                header = cells
            elif any(c.strip() for c in cells):
                rows.append(RollRow(line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise Invalid(_("The file is not readable as CSV at line %(line)s: %(problem)s.", line=reader.line_num,
                        problem=exc)) from None
    if not header or not any(c.strip() for c in header):
        raise Invalid(_("The file has no header line. The first line must name the columns: %(columns)s.",
                        columns=",".join(COLUMNS)))
    columns = [c.strip().lower() for c in header]
    _check_columns(columns)
    return Roll(header=header, columns=columns, rows=rows, bom=bom)


def _check_columns(columns: list[str]) -> None:
    problems = []
    unknown = [c or "(blank)" for c in columns if c not in COLUMNS]
    if unknown:
        problems.append(_("unknown column(s): %(columns)s", columns=", ".join(unknown)))
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        problems.append(_("missing column(s): %(columns)s", columns=", ".join(missing)))
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        problems.append(_("repeated column(s): %(columns)s", columns=", ".join(repeated)))
    if not problems:
        return
    message = _("The header line does not match: %(problems)s. Expected the columns %(columns)s (the last four "
                "may be left out).", problems="; ".join(problems), columns=",".join(COLUMNS))
    if len(columns) == 1 and ";" in columns[0]:
        message = _("%(message)s The file seems to be separated by semicolons; separate the columns with commas.",
                    message=message)
    raise Invalid(message)


@dataclass
class Rejection:
    line: int
    reference: str
    reasons: list[str]
    cells: list[str]


@dataclass
class Difference:
    """A row whose reference is on record with other details: reported, never applied."""

    line: int
    reference: str
    fields: list[str]


@dataclass
class ImportResult:
    created: int = 0
    unchanged: int = 0
    different: list[Difference] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    partial: bool = False

    @property
    def written(self) -> bool:
        """Whether the valid rows were added (always with --partial; otherwise only if none was rejected)."""
        return self.partial or not self.rejected

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "unchanged": self.unchanged, "different": len(self.different),
                "rejected": len(self.rejected)}


@dataclass
class _Checked:
    row: RollRow
    values: SubjectValues
    reasons: list[str]


def import_roll(unit: Unit, roll: Roll, *, file_name: str, partial: bool = False, today: date | None = None,
                progress: Callable[[int], None] | None = None) -> ImportResult:
    """Add the roll's new people to `unit`, as `create_subject` would but under one audit event.

    Every row is checked first (services.validate(), date syntax, references repeated in the file).
    Without `partial`, a single rejected row means nothing is added and nothing audited; with it, the
    valid rows are added. People already on record are never changed. Flushes, never commits.
    `progress(n)` is called as rows are checked.
    """
    today = today or utcnow().date()
    on_record = _subjects_by_reference(_references(roll))
    checked: list[_Checked] = []
    for row in roll.rows:
        checked.append(_check_row(roll, row, on_record, today))
        if progress is not None:
            progress(1)
    _reject_repeated_references(checked)

    result = ImportResult(partial=partial)
    new: list[SubjectValues] = []
    for item in checked:
        reference = item.values.reference
        existing = on_record.get(reference)
        if item.reasons:
            result.rejected.append(Rejection(item.row.line, reference, item.reasons, item.row.cells))
        elif existing is None:
            new.append(item.values)
        else:
            differing = _differing_fields(existing, unit, item.values)
            if differing:
                result.different.append(Difference(item.row.line, reference, differing))
            else:
                result.unchanged += 1
    if not result.written:
        return result
    for start in range(0, len(new), _FLUSH_BATCH):
        for values in new[start : start + _FLUSH_BATCH]:
            services.add_subject(unit.id, values)
        db.session.flush()
    result.created = len(new)
    trail.record("import", object_type="subject_import",
                 details={"file": file_name, "unit": unit.code, **result.counts(), "partial": partial})
    return result


def _references(roll: Roll) -> set[str]:
    # a reference with a control character is rejected with its row, and never sent to the database (NUL
    # is an error on PostgreSQL)
    return {ref for row in roll.rows if (ref := roll.cell(row, "reference").upper()) and not refused_character(ref)}


def _subjects_by_reference(references: Iterable[str]) -> dict[str, Subject]:
    wanted = sorted(references)
    found: dict[str, Subject] = {}
    for start in range(0, len(wanted), _LOOKUP_BATCH):
        batch = wanted[start : start + _LOOKUP_BATCH]
        query = select(Subject).where(Subject.reference.in_(batch)).options(selectinload(Subject.alerts))
        found.update((s.reference, s) for s in db.session.scalars(query))
    return found


def _check_row(roll: Roll, row: RollRow, on_record: dict[str, Subject], today: date) -> _Checked:
    if len(row.cells) != len(roll.columns):
        values = SubjectValues(roll.cell(row, "reference").upper(), "", "", None, "", "")
        return _Checked(row, values, [_("the row has %(cells)s cells, the header %(columns)s",
                                        cells=len(row.cells), columns=len(roll.columns))])
    refused = [_("%(column)s contains %(character)s", column=name, character=describe(char)) for name in roll.columns
               if (char := refused_character(roll.cell(row, name))) is not None]
    if refused:  # the rest of such a row is not checked: the file needs fixing first
        return _Checked(row, SubjectValues(roll.cell(row, "reference").upper(), "", "", None, "", ""), refused)
    dates: dict[str, date | None] = {}
    errors: dict[str, list[str]] = {}
    for name in DATE_COLUMNS:
        dates[name], problem = _parse_date(roll.cell(row, name))
        if problem:
            errors[name] = [problem]
    values = SubjectValues(
        reference=roll.cell(row, "reference"),
        given_name=roll.cell(row, "given_name"),
        family_name=roll.cell(row, "family_name"),
        date_of_birth=dates["date_of_birth"],
        status=roll.cell(row, "status").lower(),
        index_offence_category=roll.cell(row, "index_offence_category").lower(),
        sentence_date=dates["sentence_date"],
        release_date=dates["release_date"],
        next_review_due=dates["next_review_due"],
        alert_codes=[c.strip().lower() for c in roll.cell(row, "alerts").split(ALERT_SEPARATOR) if c.strip()],
    ).normalised()
    existing = on_record.get(values.reference)
    found = services.validate(values, subject_id=existing.id if existing else None, today=today)
    # A date that could not be read is reported as such, not as the "enter a date" it became.
    for name, messages in found.items():
        errors.setdefault(name, messages)
    reasons = [_reason(name, " ".join(messages).rstrip("."), values)
               for name, messages in sorted(errors.items(), key=lambda e: _column_order(e[0]))]
    return _Checked(row, values, reasons)


def _parse_date(text: str) -> tuple[date | None, str | None]:
    if not text:
        return None, None
    # date.fromisoformat alone would also take 20240110 and week dates: only YYYY-MM-DD is meant.
    if ISO_DATE.match(text):
        try:
            return date.fromisoformat(text), None
        except ValueError:
            pass
    return None, _("Write a real date as YYYY-MM-DD, for example 1990-04-27.")


def _reason(name: str, problem: str, values: SubjectValues) -> str:
    """One column's problem on a row, with the codes a coded column accepts (the column names and codes are
    the file's own, never translated)."""
    codes = CODES.get(name)
    if codes is None:
        return str(_("%(column)s: %(problem)s", column=name, problem=problem))
    accepted = ", ".join(c.value for c in codes)
    if name == "alerts":
        unknown = ", ".join(sorted(set(values.alert_codes) - {c.value for c in codes}))
        return str(_("%(column)s: %(problem)s (unknown: %(unknown)s, expected codes from %(codes)s, separated by "
                     "'%(separator)s')", column=name, problem=problem, unknown=unknown, codes=accepted,
                     separator=ALERT_SEPARATOR))
    return str(_("%(column)s: %(problem)s (got '%(value)s', expected one of %(codes)s)", column=name,
                 problem=problem, value=getattr(values, name), codes=accepted))


def _column_order(name: str) -> int:
    return COLUMNS.index(name) if name in COLUMNS else len(COLUMNS)


def _reject_repeated_references(checked: list[_Checked]) -> None:
    """Every row of a reference that appears more than once: which of them is right is for a person."""
    lines: dict[str, list[int]] = {}
    for item in checked:
        if item.values.reference:
            lines.setdefault(item.values.reference, []).append(item.row.line)
    for item in checked:
        others = [n for n in lines.get(item.values.reference, []) if n != item.row.line]
        if others:
            item.reasons.insert(0, _("reference: %(reference)s is also on line %(lines)s of this file",
                                     reference=item.values.reference, lines=", ".join(str(n) for n in others)))


def _differing_fields(existing: Subject, unit: Unit, values: SubjectValues) -> list[str]:
    differing = list(trail.changes(services.snapshot(existing), services.as_fields(values)))
    if existing.unit_id != unit.id:
        differing.append(_("unit (on record in %(unit)s)", unit=existing.unit.code))
    return sorted(differing, key=_column_order)


def rejected_csv(roll: Roll, result: ImportResult) -> str:
    """The rejected rows as CSV: the file's own columns, as written, plus an `error` column."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*roll.header, "error"])
    width = len(roll.header)
    for rejection in result.rejected:
        cells = (rejection.cells + [""] * width)[:width]
        writer.writerow([*cells, "; ".join(rejection.reasons)])
    return out.getvalue()
