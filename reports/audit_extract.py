"""The audit extract, as PDF (the filters applied, then the events) and as CSV (one row per event)."""

from __future__ import annotations

import csv
import io
from datetime import UTC

from reportlab.platypus import Flowable

from reports import language, styles
from reports.case_summary import heading
from reports.language import gettext as _
from reports.model import AuditExtract, AuditLine
from reports.pdf import EMPTY, data_table, export_details, facts_table, literal, render, utc_text

CSV_COLUMNS = ("id", "at", "actor", "role", "action", "object", "subject_id", "details")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); tab and carriage
# return are on OWASP's list too, as some spreadsheets strip them before looking.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def build_audit_extract_pdf(data: AuditExtract) -> bytes:
    """The audit extract as PDF bytes (landscape, for the width of an event): the same data, the same bytes."""
    return render(data.header, lambda width: audit_extract_story(data, width), geometry=styles.LANDSCAPE)


def cut_notice(limit: int) -> str:
    """What an extract cut at `limit` events says, in the PDF, the CSV and on the page (in the request's
    language: the CSV's columns and codes stay as they are, but this row is a note for its reader)."""
    return str(_("Incomplete: this extract holds only the first %(limit)s of more events that match these filters "
             "(oldest first). Narrow the filters (a shorter date range, one user, one action) and export again "
             "for the rest.", limit=language.number(limit)))


def audit_extract_story(data: AuditExtract, width: float) -> list[Flowable]:
    story: list[Flowable] = [*export_details(data.header, width)]
    if data.cut_at is not None:
        story.append(literal(cut_notice(data.cut_at), styles.NOTICE_TEXT))
    story += heading(_("Filters applied"))
    story.append(facts_table(list(data.filters), width) if data.filters
                 else literal(_("None: every event."), styles.EMPTY))
    count = len(data.events)
    if data.cut_at is not None:
        story += heading(_("Events (the first %(count)s of more)", count=language.number(count)))
        story.append(literal(cut_notice(data.cut_at), styles.NOTICE_TEXT))
    else:
        story += heading(_("Events (%(count)s)", count=language.number(count)))
    if not data.events:
        story.append(literal(_("No event matches these filters."), styles.EMPTY))
        return story
    story.append(data_table(
        [_("ID"), _("When (UTC)"), _("Actor"), _("Role"), _("Action"), _("Object"), _("Subject"), _("Details")],
        [(str(e.id), utc_text(e.at).removesuffix(" UTC"), e.actor, e.role, e.action, e.object,
          str(e.subject_id) if e.subject_id is not None else EMPTY, e.details) for e in data.events],
        # Role and object wide enough for their codes ("probation_officer", "conference_discussion 12") unbroken.
        [0.5, 1.5, 1.3, 1.3, 1.4, 1.8, 0.7, 3.2], width))
    return story


def audit_extract_csv(data: AuditExtract) -> bytes:
    """The events as CSV: UTF-8 with a byte-order mark (so spreadsheets read the names right), a header row,
    one row per event, and every cell a spreadsheet would run as a formula prefixed with a single quote.

    An extract cut short ends with one more row whose first cell says so (cut_notice): the last thing a
    reader scrolls to, and a row no program would take for an event, as its id is not a number."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for event in data.events:
        writer.writerow([csv_cell(value) for value in csv_row(event)])
    if data.cut_at is not None:
        writer.writerow([cut_notice(data.cut_at)] + [""] * (len(CSV_COLUMNS) - 1))
    return out.getvalue().encode("utf-8-sig")


def csv_row(event: AuditLine) -> tuple[str, ...]:
    aware = event.at if event.at.tzinfo is not None else event.at.replace(tzinfo=UTC)
    at = aware.astimezone(UTC).isoformat()
    subject = str(event.subject_id) if event.subject_id is not None else ""
    return (str(event.id), at, event.actor, event.role, event.action, event.object, subject, event.details)


def csv_cell(value: str) -> str:
    """The value, with a leading single quote when a spreadsheet would take it for a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
