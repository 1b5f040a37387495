"""The PDF and CSV builders of reports/: what they print, that user text prints literally and completely, that
every page is marked, numbered and watermarked, that the same data gives the same bytes, and that the package
stays free of Flask and the database. Sample data is built here, by hand, not from the app."""

from __future__ import annotations

import ast
import csv
import io
import subprocess
import sys
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import arabic_reshaper  # type: ignore[import-untyped]
import pytest
from pypdf import PageObject, PdfReader

from reports import charts, rtl
from reports.audit_extract import audit_extract_csv, build_audit_extract_pdf
from reports.case_summary import build_case_summary
from reports.charts import ChartPoint
from reports.fonts import FontsMissing, register_fonts
from reports.model import (
    AccessLine,
    AlertLine,
    AllocationLine,
    AssessmentSection,
    AuditExtract,
    AuditLine,
    BreakGlassLine,
    CaseSummary,
    ChallengeLine,
    ErasureLine,
    Header,
    Identity,
    InterventionSection,
    MovementLine,
    ObservationLine,
    RatedItem,
    ScreeningAnswer,
    ScreeningLine,
    SessionLine,
    SubjectAccessReport,
)
from reports.pdf import data_table, render
from reports.subject_access import build_subject_access_report

ROOT = Path(__file__).resolve().parents[1]
REQUESTER = "Watermark Requester"
MARKING = "OFFICIAL-SENSITIVE"
JUDGEMENT_LEVELS = ("Low concern", "Moderate concern", "High concern")
# A name in every script used in the Council of Europe's member states that the brief names.
NAMES = ("Zoë Ødegård", "Łukasz", "Пётр Иванов", "Νίκος Παπαδόπουλος", "Ayşe Yılmaz", "ليلى حداد")
ARABIC = "ليلى حداد"


# --- sample data ---------------------------------------------------------------------------------------------

def header(**changes: Any) -> Header:
    base = Header(title="Case summary W-0001", marking=MARKING, generated_by=REQUESTER,
                  generated_at=datetime(2025, 3, 4, 10, 15, tzinfo=UTC), purpose="Parole board hearing",
                  recipient="Parole Board for England and Wales")
    return replace(base, **changes)


def identity(**changes: Any) -> Identity:
    base = Identity(reference="W-0001", full_name="Zoë Ødegård", date_of_birth=date(1990, 1, 2), unit="HMP North",
                    custody_status="Sentenced", case_owner="Łukasz Nowak", index_offence="Fraud",
                    sentence_date=date(2020, 5, 6), release_date=date(2027, 8, 9), next_review_due=date(2025, 6, 1),
                    alerts=("Escape risk",))
    return replace(base, **changes)


def item(code: str, evidence: str = "Attends Friday prayers; no contact with the group.", **changes: Any) -> RatedItem:
    base = RatedItem(domain="Engagement", code=code, title=f"Factor {code}", rating="Some evidence",
                     evidence=evidence)
    return replace(base, **changes)


def assessment(**changes: Any) -> AssessmentSection:
    base = AssessmentSection(
        instrument="Structured Concern Guide v1.2", status_notice="Not a validated tool: professional judgement.",
        status="Approved", author="Ayşe Yılmaz", approved_by="Νίκος Παπαδόπουλος", approved_on=date(2025, 1, 10),
        items=(item("E1"), item("E2"), item("C1", domain="Capability", rating="No evidence")),
        overall_judgement="Moderate concern", rationale="Contact with a known recruiter in 2024.",
        person_view="He says the contact was about football.", shared_with_person=True, shared_on=date(2025, 1, 12),
        review_due=date(2025, 7, 10))
    return replace(base, **changes)


def intervention(**changes: Any) -> InterventionSection:
    start = date(2024, 9, 2)
    base = InterventionSection(
        type="Mentoring", provider="Exit Network", owner="Пётр Иванов", status="Active", referred_on=date(2024, 8, 1),
        started_on=start, ended_on=None, attendance="67% (2 of 3)",
        goals=(("Build a routine outside the wing", "Partly met"), ("Find a work placement", None)),
        outcome_summary="Engages well one to one.",
        engagement=tuple(ChartPoint(start + timedelta(weeks=w), w % 5, str(w % 5 + 1)) for w in range(3)),
        sessions=tuple(SessionLine(start + timedelta(weeks=w), "Attended" if w != 1 else "Did not attend",
                                   None if w == 1 else w % 5 + 1, f"Session note {w}") for w in range(3)))
    return replace(base, **changes)


def observation(text: str = "Calm on the wing; helped a new arrival.", **changes: Any) -> ObservationLine:
    base = ObservationLine(observed_on=date(2025, 2, 20), category="Behaviour", source="Wing staff", text=text,
                           recorded_by="Officer Smith")
    return replace(base, **changes)


def challenge(**changes: Any) -> ChallengeLine:
    base = ChallengeLine(raised_on=date(2025, 1, 20), raised_by="Zoë Ødegård", grounds="The contact was innocent.",
                         outcome=None, outcome_reason="")
    return replace(base, **changes)


def case_summary(**changes: Any) -> CaseSummary:
    base = CaseSummary(
        header=header(), identity=identity(), assessment=assessment(),
        judgement_history=(ChartPoint(date(2024, 3, 1), 2, "High concern"),
                           ChartPoint(date(2025, 1, 10), 1, "Moderate concern")),
        judgement_levels=JUDGEMENT_LEVELS, interventions=(intervention(),), observations=(observation(),),
        challenges=(challenge(),))
    return replace(base, **changes)


def subject_access(**changes: Any) -> SubjectAccessReport:
    base = SubjectAccessReport(
        header=header(title="Subject access report W-0001", purpose="Subject access request", recipient="The person"),
        identity=identity(),
        movements=(MovementLine(date(2023, 4, 5), "HMP South", "HMP North", "Transfer for a course",
                                "Remand", "Sentenced", "Officer Moves"),),
        allocations=(AllocationLine(datetime(2023, 4, 6, 8, 0, tzinfo=UTC), "Łukasz Nowak", "Unallocated",
                                    "Mary Supervisor", "Speaks Polish with him"),),
        screenings=(ScreeningLine(date(2023, 4, 20), "Screening v1", "Concern raised", "Letters found.",
                                  "Officer Lee", occasion="Reception from HMP South", answers=(
                                      ScreeningAnswer("S1", "Possesses extremist material", "Observed",
                                                      "Two leaflets under the mattress"),
                                      ScreeningAnswer("S2", "Seeks to recruit others", "Not observed", ""))),),
        assessments=(assessment(return_comment="Evidence for E2 is hearsay: cite the source.",
                                returned_by="Mary Supervisor", returned_on=date(2025, 1, 8)),
                     assessment(status="Superseded", overall_judgement="High concern")),
        challenges=(challenge(outcome="Upheld", outcome_reason="Evidence re-read."),),
        interventions=(intervention(), intervention(
            type="Education", status="Withdrawn", end_reason="Moved to a wing without classes",
            factors=("E1 Grievance", "C1 Skills"),
            sessions=(SessionLine(date(2024, 9, 9), "Attended", 4, "Maths test", "Book the next level"),))),
        observations=(observation(), observation("Second observation")),
        erasure_requests=(ErasureLine(datetime(2025, 2, 10, 11, 0, tzinfo=UTC), "Mary Supervisor", "Cancelled",
                                      "Retention period for remand ended; cancelled as he was sentenced"),),
        break_glass=(BreakGlassLine(datetime(2025, 2, 2, 14, 5, tzinfo=UTC), "Ole Breakglass",
                                    "Night call about a cell fire", datetime(2025, 2, 2, 15, 5, tzinfo=UTC),
                                    "Mary Supervisor", datetime(2025, 2, 3, 9, 0, tzinfo=UTC)),),
        alerts=(AlertLine(datetime(2025, 2, 2, 14, 5, tzinfo=UTC), "Break-glass access",
                          "Ole Breakglass opened the record by break-glass.", "Mary Supervisor",
                          datetime(2025, 2, 3, 9, 5, tzinfo=UTC), "Checked with the night manager."),),
        accesses=(AccessLine(datetime(2025, 2, 1, 9, 30, tzinfo=UTC), "Mary Supervisor", "supervisor", "view",
                             "case summary"),
                  AccessLine(datetime(2025, 2, 2, 14, 5, tzinfo=UTC), "Ole Breakglass", "officer", "break_glass",
                             "subject W-0001")))
    return replace(base, **changes)


def audit_event(id: int = 1, **changes: Any) -> AuditLine:
    base = AuditLine(id=id, at=datetime(2025, 2, 1, 9, 30, tzinfo=UTC), actor="Mary Supervisor", role="supervisor",
                     action="view", object="subject 12", subject_id=12, details="case page")
    return replace(base, **changes)


def audit_extract(**changes: Any) -> AuditExtract:
    base = AuditExtract(header=header(title="Audit extract", purpose="Quarterly review", recipient="Internal use"),
                        filters=(("User", "Mary Supervisor"), ("From", "2025-02-01")),
                        events=(audit_event(1), audit_event(2, action="export", details="case summary")))
    return replace(base, **changes)


# --- reading the output --------------------------------------------------------------------------------------

def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def text(pdf: bytes) -> str:
    """All the pages' text, with runs of white space (a cell's line breaks) as one space."""
    return " ".join(" ".join(pages(pdf)).split())


def rotated_text(page: PageObject) -> list[str]:
    """The text drawn at an angle on a page (the watermark)."""
    found: list[str] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip() and (abs(cm[1]) > 0.1 or abs(tm[1]) > 0.1):
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return found


def embedded_font_names(pdf: bytes) -> set[str]:
    """BaseFont of every font that carries an embedded TrueType program (/FontFile2)."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                names.add(str(font["/BaseFont"]))
    return names


def long_case() -> CaseSummary:
    """Enough content for several pages."""
    items = tuple(item(f"E{n}", evidence=f"Evidence for factor {n}. " * 40) for n in range(12))
    return case_summary(assessment=assessment(items=items), observations=tuple(observation() for _ in range(30)))


BUILDERS = {
    "case summary": lambda: build_case_summary(long_case()),
    "subject access": lambda: build_subject_access_report(subject_access()),
    "audit extract": lambda: build_audit_extract_pdf(audit_extract(events=tuple(audit_event(n) for n in range(80)))),
}


# --- content --------------------------------------------------------------------------------------------------

def test_case_summary_prints_identity_assessment_interventions_observations_and_challenges() -> None:
    printed = text(build_case_summary(case_summary()))
    for expected in ("W-0001", "Zoë Ødegård", "1990-01-02", "HMP North", "Sentenced", "Łukasz Nowak", "Fraud",
                     "Escape risk", "Structured Concern Guide v1.2", "Not a validated tool", "E1 Factor E1",
                     "Some evidence", "Attends Friday prayers", "C1 Factor C1", "No evidence", "Moderate concern",
                     "Contact with a known recruiter", "He says the contact was about football", "Yes, on 2025-01-12",
                     "Judgement history", "2024-03-01: High concern", "Mentoring", "Exit Network", "Active",
                     "67% (2 of 3)", "Build a routine outside the wing", "Partly met", "Not yet assessed",
                     "Engages well one to one", "Engagement over time", "Session note 2", "Did not attend",
                     "Calm on the wing", "Officer Smith", "Next case review", "2025-06-01", "2025-07-10",
                     "The contact was innocent.", "Undecided"):
        assert expected in printed, expected


def test_first_page_states_purpose_recipient_requester_and_time() -> None:
    first = pages(build_case_summary(case_summary()))[0]
    assert "Parole board hearing" in first
    assert "Parole Board for England and Wales" in first
    assert f"Generated by {REQUESTER} on 2025-03-04 10:15 UTC" in first


def test_case_summary_without_assessment_interventions_or_observations_says_so() -> None:
    printed = text(build_case_summary(case_summary(assessment=None, judgement_history=(), interventions=(),
                                                   observations=(), challenges=())))
    assert "No approved assessment." in printed
    assert "No approved overall judgement yet." in printed
    assert printed.count("None recorded.") == 3
    assert "No affiliation with a group and no skill of concern recorded" in " ".join(printed.split())


def test_subject_access_report_prints_everything_held_and_the_access_log() -> None:
    printed = text(build_subject_access_report(subject_access()))
    for expected in ("Subject access request", "The person", "HMP South", "Transfer for a course", "Screening v1",
                     "Letters found.", "Assessment 1 of 2", "Assessment 2 of 2", "Superseded", "High concern",
                     "Upheld", "Evidence re-read.", "Mentoring", "Second observation",
                     "Who consulted or changed the record", "2025-02-01 09:30 UTC", "Mary Supervisor",
                     "Ole Breakglass", "break_glass", "case summary"):
        assert expected in printed, expected


def test_subject_access_report_prints_what_each_record_holds_beyond_the_case_summary() -> None:
    printed = text(build_subject_access_report(subject_access()))
    for expected in (
        # movements with the status change and who recorded them; case owners with their notes
        "HMP South (Remand)", "HMP North (Sentenced)", "Officer Moves",
        "Case owners", "2023-04-06 08:00 UTC", "Speaks Polish with him",
        # the screening's occasion, every answer and its note
        "Reception from HMP South", "Possesses extremist material", "Observed", "Two leaflets under the mattress",
        "Seeks to recruit others", "Not observed",
        # the supervisor's return comment
        "Returned to the author", "Evidence for E2 is hearsay: cite the source.", "2025-01-08",
        # the intervention's end reason, linked factors and a session's next steps
        "Withdrawn", "Moved to a wing without classes", "E1 Grievance; C1 Skills", "Book the next level",
        # a request to erase the record
        "Requests to erase the record", "Cancelled", "Retention period for remand ended",
        # break-glass access with its reason and review
        "break-glass", "Night call about a cell fire", "2025-02-02 15:05 UTC", "2025-02-03 09:00 UTC",
        # the alert raised about it, and its acknowledgement
        "Alerts raised to supervisors about the record", "Ole Breakglass opened the record by break-glass.",
        "2025-02-03 09:05 UTC", "Checked with the night manager.",
    ):
        assert expected in printed, expected


def test_subject_access_report_without_allocations_or_break_glass_says_so() -> None:
    printed = text(build_subject_access_report(subject_access(allocations=(), break_glass=(), alerts=())))
    assert "No change of case owner recorded." in printed
    assert "No break-glass access recorded." in printed
    assert "No alert raised about the record." in printed


def test_audit_extract_pdf_prints_filters_and_events() -> None:
    printed = text(build_audit_extract_pdf(audit_extract()))
    for expected in ("Filters applied", "User", "From", "2025-02-01", "Events (2)", "Mary Supervisor", "subject 12",
                     "export", "case summary", "Quarterly review", "Internal use"):
        assert expected in printed, expected


def test_audit_extract_cut_short_says_so_in_the_pdf() -> None:
    printed = text(build_audit_extract_pdf(audit_extract(events=(audit_event(1), audit_event(2)), cut_at=2)))
    assert "Events (the first 2 of more)" in printed
    assert printed.count("Incomplete: this extract holds only the first 2 of more events that match these "
                         "filters (oldest first). Narrow the filters") == 2  # on the first page and above the events
    assert "Incomplete" not in text(build_audit_extract_pdf(audit_extract()))


def test_audit_extract_cut_short_says_so_in_the_last_csv_row() -> None:
    rows = read_csv(audit_extract_csv(audit_extract(events=(audit_event(1), audit_event(2)), cut_at=2)))
    assert [row[0] for row in rows[1:3]] == ["1", "2"]
    assert rows[3][0].startswith("Incomplete: this extract holds only the first 2 of more events")
    assert "Narrow the filters" in rows[3][0] and rows[3][1:] == [""] * 7
    assert len(rows) == 4
    assert len(read_csv(audit_extract_csv(audit_extract()))) == 3  # no such row when complete


def test_audit_extract_pdf_without_filters_or_events_says_so() -> None:
    printed = text(build_audit_extract_pdf(audit_extract(filters=(), events=())))
    assert "None: every event." in printed
    assert "No event matches these filters." in printed


# --- text safe and complete ----------------------------------------------------------------------------------

MARKUP = ("<b>not bold</b>", "Tom & Jerry", "<script>alert(1)</script>", "a &amp; b", "<para>x</para>")


def test_user_markup_prints_literally() -> None:
    hostile = " ".join(MARKUP)
    data = case_summary(
        header=header(purpose=hostile), identity=identity(full_name=hostile),
        assessment=assessment(items=(item("E1", evidence=hostile, title=hostile),), person_view=hostile),
        observations=(observation(hostile),), challenges=(challenge(grounds=hostile),))
    printed = text(build_case_summary(data))
    for fragment in MARKUP:
        assert printed.count(fragment) >= 6, fragment


def test_user_markup_prints_literally_in_the_subject_access_and_audit_reports() -> None:
    hostile = " ".join(MARKUP)
    sar = text(build_subject_access_report(subject_access(
        accesses=(AccessLine(datetime(2025, 1, 1, tzinfo=UTC), hostile, "officer", "view", hostile),))))
    extract = text(build_audit_extract_pdf(audit_extract(filters=(("Text", hostile),),
                                                         events=(audit_event(details=hostile),))))
    for fragment in MARKUP:
        assert fragment in sar and fragment in extract, fragment


def test_control_characters_and_tabs_do_not_break_the_layout() -> None:
    noisy = "before\x00\x07\x1b[31m\x0c\tafter\r\nnext line\x7f"
    data = case_summary(assessment=assessment(items=(item("E1", evidence=noisy),)),
                        observations=(observation(noisy),))
    printed = text(build_case_summary(data))
    assert "before[31m after" in printed
    assert "next line" in printed


def test_names_in_european_scripts_print_with_the_embedded_dejavu_font() -> None:
    data = case_summary(
        header=header(generated_by=NAMES[4]),
        identity=identity(full_name=NAMES[0], case_owner=NAMES[1]),
        assessment=assessment(author=NAMES[2], approved_by=NAMES[3]),
        observations=tuple(observation(f"Visited by {name}", recorded_by=name) for name in NAMES))
    pdf = build_case_summary(data)
    printed = text(pdf)
    for name in NAMES[:-1]:
        assert name in printed, name
    assert joined(ARABIC) in printed  # joined and in reading order: see the Arabic tests below
    fonts = embedded_font_names(pdf)
    assert fonts and all("DejaVuSans" in name for name in fonts)
    assert any(name.endswith("+DejaVuSans-Bold") for name in fonts)


def joined(text: str) -> str:
    """Arabic text as the reports draw it, but in logical order: each letter in its joined presentation
    form (initial, medial, final). That is how pypdf reads it back: it takes a right-to-left run, drawn in
    display order, back to front, so a run drawn in the right order comes out in the order it was typed (and
    one drawn in typed order, as ReportLab alone would, comes out reversed)."""
    return str(arabic_reshaper.reshape(text))


def as_typed(extracted: str) -> str:
    """The text as typed, from text read out of the PDF: presentation forms normalised to letters."""
    return unicodedata.normalize("NFKC", extracted)


def test_an_arabic_name_prints_joined_and_in_reading_order_wherever_it_appears() -> None:
    data = case_summary(header=header(generated_by=ARABIC), identity=identity(full_name=ARABIC),
                        observations=(observation(f"Visited by {ARABIC} on Sunday"),))
    pdf = build_case_summary(data)
    printed = text(pdf)
    name = joined(ARABIC)
    assert "\ufedf" in name and "\ufeaa" in name  # initial lam, final dal: joined, not isolated letters
    assert as_typed(name) == ARABIC
    assert ARABIC not in printed and ARABIC[::-1] not in printed and as_typed(name[::-1]) not in printed
    assert printed.count(name) >= 3  # the name in the facts table, the footer of each page, the observation
    # A left-to-right line keeps its order around the name. (pypdf moves the space that ends a right-to-left
    # run along with it, so spaces are left out of the comparison.)
    unspaced = printed.replace(" ", "")
    assert f"Visitedby{name}onSunday".replace(" ", "") in unspaced
    assert f"Generatedby{name}on2025-03-0410:15UTC".replace(" ", "") in pages(pdf)[0].replace(" ", "")
    for page in PdfReader(io.BytesIO(pdf)).pages:
        assert [as_typed(t) for t in rotated_text(page)] == [ARABIC]  # the watermark


def test_a_long_arabic_text_wraps_with_its_lines_in_reading_order() -> None:
    sentence = "رأى الضابط الرجل في الساحة وتحدث معه عن عائلته وعن عمله في المطبخ. "
    evidence = (sentence * 12).strip()
    texts = pages(build_case_summary(case_summary(assessment=assessment(items=(item("E1", evidence=evidence),)))))
    lines = [line.strip() for page in texts for line in page.split("\n") if rtl.has_rtl(line)]
    assert len(lines) > 3  # it wrapped
    # Each line is put in display order after the text is broken into lines: read back line after line
    # (each in typed order, see joined()), they give the text as written, joined.
    assert " ".join(lines) == joined(evidence)
    assert as_typed(" ".join(lines)) == evidence


def test_left_to_right_text_is_untouched() -> None:
    for value in (*NAMES[:-1], "Tom & Jerry", "<b>x</b>", ""):
        assert rtl.display_line(value) == value and rtl.shaped(value) == value


def test_ten_thousand_character_evidence_splits_across_pages() -> None:
    evidence = "EVIDENCE-START " + "The person described the meeting at length. " * 230 + "EVIDENCE-END"
    assert len(evidence) >= 10_000
    unbroken = "x" * 10_000
    data = case_summary(assessment=assessment(items=(item("E1", evidence=evidence), item("E2", evidence=unbroken))))
    texts = pages(build_case_summary(data))
    start = next(n for n, page in enumerate(texts) if "EVIDENCE-START" in page)
    end = next(n for n, page in enumerate(texts) if "EVIDENCE-END" in page)
    assert end > start
    assert "".join(texts).replace("\n", "").count("x" * 100) >= 90  # the unbroken word printed, wrapped


def test_ten_thousand_character_table_cell_splits_across_pages() -> None:
    text_ = "CELL-START " + "Seen talking with the new arrivals on the landing. " * 200 + "CELL-END"
    data = subject_access(observations=(observation(text_),), accesses=(
        AccessLine(datetime(2025, 1, 1, tzinfo=UTC), "Mary Supervisor", "supervisor", "view", text_),))
    texts = pages(build_subject_access_report(data))
    starts = [n for n, page in enumerate(texts) if "CELL-START" in page]
    ends = [n for n, page in enumerate(texts) if "CELL-END" in page]
    assert len(starts) == len(ends) == 2
    assert all(end > start for start, end in zip(starts, ends, strict=True))


def test_a_case_summary_with_nothing_recorded_but_the_person_fits_one_page() -> None:
    # Each empty section is one line; its heading used to ask for room for a table and send the last one,
    # "Challenges: None recorded.", to a page of its own.
    printed = pages(build_case_summary(case_summary(assessment=None, judgement_history=(), interventions=(),
                                                    observations=(), challenges=())))
    assert len(printed) == 1
    assert "Challenges" in printed[0] and "None recorded." in printed[0]


def test_a_chart_heading_stays_on_the_page_of_its_chart() -> None:
    # A chart is never split, so a chart that did not fit below its heading moved to the next page alone and
    # left the heading at the foot of the page above, over a blank. Goals of every count walk the chart down
    # the page, through every place it can fall.
    for goals in range(0, 40):
        iv = intervention(goals=tuple((f"Goal number {n}", None) for n in range(goals)))
        printed = pages(build_case_summary(case_summary(assessment=None, judgement_history=(), interventions=(iv,),
                                                        observations=(), challenges=())))
        heading_page = next(n for n, page in enumerate(printed) if "Engagement over time" in page)
        caption_page = next(n for n, page in enumerate(printed) if "2024-09-02: 1" in page)
        assert heading_page == caption_page, goals


def test_a_short_last_section_asks_only_for_its_own_room_below_its_heading() -> None:
    # "Challenges" with one row used to ask for HEADING_ROOM under its heading, more than the row needs, and
    # went to a page of its own: one line on the last page. A long section still asks for HEADING_ROOM.
    from reportlab.platypus import CondPageBreak

    from reports import styles
    from reports.case_summary import HEADING_ROOM, challenges_table, section
    width = styles.PORTRAIT.frame_width
    heading_room = styles.H1.leading + styles.H1.spaceBefore
    short = section("Challenges", [challenges_table((challenge(),), width)], width)[0]
    many = tuple(challenge(grounds="The contact was innocent. " * 20) for _ in range(12))
    long = section("Challenges", [challenges_table(many, width)], width)[0]
    assert isinstance(short, CondPageBreak) and isinstance(long, CondPageBreak)
    assert heading_room < short.height < heading_room + HEADING_ROOM
    assert long.height == heading_room + HEADING_ROOM


def test_a_table_cell_ending_just_past_a_page_still_prints() -> None:
    # ReportLab moves a table to the next page rather than leave under SPLIT_IN_ROW points of a row on one side;
    # a table already moved there failed the layout (no PDF at all). One page's worth of lengths covers every
    # place the cell can end on its last page.
    for repeats in range(40, 86):
        text_ = "CELL-START " + "Seen talking with the new arrivals on the landing. " * repeats + "CELL-END"
        data = render(header(), lambda width, t=text_: [data_table(
            ["When", "Who", "Role", "Action", "What"], [("2025-01-01", "Mary", "supervisor", "view", t)],
            [1.5, 1.6, 1.1, 1, 3], width)])
        printed = text(data)
        assert "CELL-START" in printed and "CELL-END" in printed, repeats


# --- every page ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("report", BUILDERS)
def test_every_page_is_numbered_and_marked_top_and_bottom(report: str) -> None:
    texts = pages(BUILDERS[report]())
    total = len(texts)
    assert total > 1
    for number, page in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in page
        assert page.count(MARKING) >= 2  # the top and the bottom band
        assert f"Generated by {REQUESTER} on 2025-03-04 10:15 UTC" in page


@pytest.mark.parametrize("report", BUILDERS)
def test_every_page_carries_the_requester_watermark(report: str) -> None:
    pdf = BUILDERS[report]()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        assert rotated_text(page) == [REQUESTER]
        states = page["/Resources"]["/ExtGState"].values()
        assert any(float(state.get_object().get("/ca", 1)) < 0.5 for state in states)  # translucent


# --- determinism -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("report", BUILDERS)
def test_same_data_gives_identical_bytes(report: str) -> None:
    assert BUILDERS[report]() == BUILDERS[report]()


def test_same_data_gives_identical_csv() -> None:
    assert audit_extract_csv(audit_extract()) == audit_extract_csv(audit_extract())


def test_creation_date_is_the_export_time() -> None:
    info = PdfReader(io.BytesIO(build_case_summary(case_summary()))).metadata
    assert info is not None
    assert info["/CreationDate"] == "D:20250304101500+00'00'"
    assert info.title == "Case summary W-0001"
    assert info.author == REQUESTER


# --- charts ---------------------------------------------------------------------------------------------------

def test_pdf_chart_is_drawn_from_the_layout_the_svg_uses() -> None:
    points = [ChartPoint(date(2024, 1, 1), 0, "Low concern"), ChartPoint(date(2024, 6, 1), 2, "High concern")]
    layout = charts.layout_points(points, list(JUDGEMENT_LEVELS))
    drawing = charts.judgement_history_drawing(points, list(JUDGEMENT_LEVELS))
    assert drawing is not None
    circles = [(s.cx, s.cy) for s in drawing.contents[0].contents if type(s).__name__ == "Circle"]
    assert circles == [(p.x, layout.height - p.y) for p in layout.points]
    svg = charts.judgement_history_svg(points, list(JUDGEMENT_LEVELS))
    assert all(f'cx="{p.x}" cy="{p.y}"' in svg for p in layout.points)
    assert charts.judgement_history_drawing([], list(JUDGEMENT_LEVELS)) is None


def test_pdf_chart_scales_to_the_frame() -> None:
    points = [ChartPoint(date(2024, 1, 1), 1, "2"), ChartPoint(date(2024, 2, 1), 3, "4")]
    drawing = charts.engagement_drawing(points, max_width=320)
    assert drawing is not None
    assert (drawing.width, drawing.height) == (320, 100)


def test_the_last_date_label_fits_inside_the_chart() -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from reports import styles

    register_fonts()
    points = [ChartPoint(date(2024, 1, 1), 1, "2"), ChartPoint(date(2024, 12, 31), 3, "4")]
    layout = charts.layout_points(points, ["1", "2", "3", "4", "5"], 640, 200)
    (first_x, first), (last_x, last) = charts.date_labels(layout)
    for x, day in ((first_x, first), (last_x, last)):
        half = stringWidth(day.isoformat(), styles.CHART_FONT, styles.CHART_FONT_SIZE) / 2
        assert 0 <= x - half and x + half <= layout.width, day  # centred on its point, wholly inside
    svg = charts.engagement_svg(points, ident="t")
    assert f'<text x="{last_x}" y="{layout.bottom + 20}"' in svg and "2024-12-31</text>" in svg


def test_two_sessions_on_one_day_are_one_point_at_their_average_naming_both() -> None:
    day = date(2024, 3, 4)
    points = [ChartPoint(date(2024, 3, 1), 2, "3"), ChartPoint(day, 1, "2"), ChartPoint(day, 3, "4")]
    layout = charts.layout_points(points, ["1", "2", "3", "4", "5"], 640, 200, average_same_day=True)
    assert [p.point.when for p in layout.points] == [date(2024, 3, 1), day]  # no vertical stroke on one day
    assert layout.points[1].level == 2 and layout.points[1].y == layout.level_y(2)
    assert layout.points[1].point.label == "2 and 4 (2 on the same day, drawn at their average)"
    svg = charts.engagement_svg(points, ident="t")
    assert svg.count("<circle") == 2 and 'data-level="2"' in svg
    assert "2024-03-04: 2 and 4 (2 on the same day, drawn at their average)" in svg
    # judgements keep a point each: an amendment approved on the day of the version it supersedes replaces it
    judgements = charts.layout_points(points, ["1", "2", "3", "4", "5"], 640, 200)
    assert [p.level for p in judgements.points] == [2, 1, 3]


def test_missed_and_cancelled_sessions_are_marked_on_the_axis_with_a_legend_and_in_the_text() -> None:
    from xml.etree import ElementTree

    ns = "{http://www.w3.org/2000/svg}"
    points = [ChartPoint(date(2024, 3, 1), 2, "3"), ChartPoint(date(2024, 3, 22), 3, "4")]
    marks = [charts.AxisMark(date(2024, 3, 8), "missed", "missed, without an acceptable reason"),
             charts.AxisMark(date(2024, 3, 15), "cancelled", "cancelled by the provider"),
             charts.AxisMark(date(2024, 3, 29), "missed", "missed, with an acceptable reason")]
    layout = charts.layout_points(points, ["1", "2", "3", "4", "5"], 640, 200, marks)
    svg = ElementTree.fromstring(charts.engagement_svg(points, ident="t", marks=marks))
    drawn = {(m.get("data-date"), m.get("data-mark")) for m in svg if m.get("data-mark")}
    assert drawn == {("2024-03-08", "missed"), ("2024-03-15", "cancelled"), ("2024-03-29", "missed")}
    assert len(svg.findall(f"{ns}circle")) == 2  # the marks are not rated sessions' dots
    # on the time axis, in date order with the points, the last date being the last missed session's
    xs = sorted([(p.point.when, p.x) for p in layout.points] + [(m.mark.when, m.x) for m in layout.marks])
    assert [x for _, x in xs] == sorted(x for _, x in xs) and xs[-1][1] == layout.right
    assert [(x, d) for x, d in charts.date_labels(layout)][-1] == (layout.right, date(2024, 3, 29))
    legend = " ".join(t.text or "" for t in svg.iter(f"{ns}text"))
    assert "rated session" in legend and "missed session" in legend and "cancelled session" in legend
    desc = svg.find(f"{ns}desc")
    assert desc is not None and desc.text == (
        "2024-03-01: 3; 2024-03-08: missed, without an acceptable reason; 2024-03-15: cancelled by the provider; "
        "2024-03-22: 4; 2024-03-29: missed, with an acceptable reason")
    drawing = charts.engagement_drawing(points, marks=marks)
    assert drawing is not None
    shapes = [type(s).__name__ for s in drawing.contents[0].contents]
    assert shapes.count("Polygon") == 2  # the cancelled session's square and its legend's
    pdf = text(build_case_summary(case_summary(interventions=(intervention(
        engagement=tuple(points), absences=tuple(marks)),))))
    assert "2024-03-15: cancelled by the provider" in pdf and "missed session" in pdf


def test_no_table_heading_breaks_inside_a_word() -> None:
    page = pages(build_case_summary(case_summary()))[-1]
    assert "Date\nAttendance\nEngagement\nNotes\nNext steps" in page  # was "Engageme" / "nt"
    for report in (build_case_summary(case_summary()), build_subject_access_report(subject_access())):
        for line in "\n".join(pages(report)).split("\n"):
            assert line.strip() not in ("nt", "ment", "ement"), line


def test_charts_are_vector_graphics_not_images() -> None:
    reader = PdfReader(io.BytesIO(build_case_summary(case_summary())))
    for page in reader.pages:
        assert "/XObject" not in page["/Resources"]
    assert "2024-03-01: High concern" in text(build_case_summary(case_summary()))


# --- CSV ------------------------------------------------------------------------------------------------------

def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))


def test_csv_has_a_bom_a_header_row_and_one_row_per_event() -> None:
    rows = read_csv(audit_extract_csv(audit_extract(events=(
        audit_event(1), audit_event(2, subject_id=None, actor="Zoë Ødegård, \"quoted\"\nsecond line")))))
    assert rows[0] == ["id", "at", "actor", "role", "action", "object", "subject_id", "details"]
    assert rows[1] == ["1", "2025-02-01T09:30:00+00:00", "Mary Supervisor", "supervisor", "view", "subject 12", "12",
                       "case page"]
    assert rows[2][2] == "Zoë Ødegård, \"quoted\"\nsecond line"
    assert rows[2][6] == ""
    assert len(rows) == 3


def test_csv_without_events_is_just_the_header() -> None:
    assert len(read_csv(audit_extract_csv(audit_extract(events=())))) == 1


@pytest.mark.parametrize("formula", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_neutralises_spreadsheet_formulas(formula: str) -> None:
    rows = read_csv(audit_extract_csv(audit_extract(events=(audit_event(actor=formula, details=formula),))))
    assert rows[1][2] == "'" + formula
    assert rows[1][7] == "'" + formula


def test_csv_leaves_ordinary_text_alone() -> None:
    rows = read_csv(audit_extract_csv(audit_extract(events=(audit_event(details="a=b, c-d; e@f"),))))
    assert rows[1][7] == "a=b, c-d; e@f"


# --- purity and fonts ------------------------------------------------------------------------------------------

FORBIDDEN = ("flask", "sqlalchemy", "app", "werkzeug", "psycopg", "alembic")


def test_reports_import_neither_flask_nor_the_database() -> None:
    code = ("import sys, reports, reports.model, reports.charts, reports.pdf, reports.case_summary, "
            "reports.subject_access, reports.audit_extract\n"
            f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
            "print(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_no_module_in_reports_names_flask_or_the_database() -> None:
    for path in sorted((ROOT / "reports").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            assert not [m for m in modules if m.split(".")[0] in FORBIDDEN], path.name


def test_missing_fonts_name_the_package_to_install(tmp_path: Path) -> None:
    with pytest.raises(FontsMissing, match="fonts-dejavu-core"):
        register_fonts(tmp_path)


def test_font_directory_can_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYPOINT_FONT_DIR", str(tmp_path))
    with pytest.raises(FontsMissing, match=f"DejaVuSans.ttf.*{tmp_path}.*WAYPOINT_FONT_DIR"):
        register_fonts()
