"""The disclosure register of a supervisor's units, as PDF (landscape table) and as CSV (one row per entry)."""

from __future__ import annotations

import csv
import io
from dataclasses import astuple

from reportlab.platypus import Flowable

from reports import language, styles
from reports.audit_extract import csv_cell
from reports.case_summary import heading
from reports.language import gettext as _
from reports.model import DisclosureRegister, RegisterLine
from reports.pdf import data_table, date_text, export_details, facts_table, literal, render

CSV_COLUMNS = ("entry", "date", "kind", "person", "agency", "country", "legal_basis", "purpose", "what", "status")


def build_register_pdf(data: DisclosureRegister) -> bytes:
    return render(data.header, lambda width: register_story(data, width), geometry=styles.LANDSCAPE)


def register_story(data: DisclosureRegister, width: float) -> list[Flowable]:
    story: list[Flowable] = [*export_details(data.header, width)]
    story.append(facts_table([(_("Units"), language.comma().join(data.units))], width))
    story += heading(_("Entries (%(count)s)", count=language.number(len(data.lines))))
    if not data.lines:
        story.append(literal(_("The register has no entry."), styles.EMPTY))
        return story
    story.append(data_table(
        [_("Entry"), _("Date"), _("Kind"), _("Person"), _("Agency"), _("Legal basis"), _("Purpose or request"),
         _("What"), _("Status")],
        [(line.entry, date_text(line.at), line.kind, line.person, f"{line.agency} ({line.country})",
          line.legal_basis, line.purpose, line.what, line.status) for line in data.lines],
        [0.6, 1.0, 1.3, 1.0, 1.8, 1.8, 2.2, 1.6, 1.4], width))
    return story


def register_csv(lines: tuple[RegisterLine, ...]) -> bytes:
    """UTF-8 with a byte-order mark, a header row, formula-like cells quoted (as the audit extract's)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow([csv_cell(str(value)) for value in astuple(line)])
    return out.getvalue().encode("utf-8-sig")
