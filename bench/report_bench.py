"""How long a large case's report takes: the ReportLab builder against WeasyPrint rendering the same content from
HTML (the alternative we did not take). Not part of the test run; tests/test_bench_smoke.py runs it once, tiny.

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/report_bench.py [--runs 15] [--no-sar] [--tiny]

The large case of issue 6: 10 assessments of 20 factors each, one intervention with 50 sessions, 100
observations. Timed first as the case summary the issue names (the latest approved assessment factor by factor,
the judgement history of all ten as a chart, the intervention with its engagement chart and sessions, the
observations, challenges), then, on a second line, as the subject-access report, which prints every one of the
ten assessments and the access log as well.
"""

from __future__ import annotations

import argparse
import gc
import html
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports.case_summary import build_case_summary
from reports.charts import ChartPoint, engagement_svg, judgement_history_svg
from reports.model import (
    AccessLine,
    AlertLine,
    AllocationLine,
    AssessmentSection,
    BreakGlassLine,
    CaseSummary,
    ChallengeLine,
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
from reports.subject_access import build_subject_access_report

EVIDENCE = ("Seen passing notes to a man convicted under the terrorism acts; says they were about football. "
            "Wing staff confirm the two work together in the kitchen. ")
LEVELS = ("Low concern", "Moderate concern", "High concern")
Report = TypeVar("Report", CaseSummary, SubjectAccessReport)


@dataclass(frozen=True)
class Size:
    assessments: int = 10
    items: int = 20
    sessions: int = 50
    observations: int = 100
    accesses: int = 50


LARGE = Size()
TINY = Size(assessments=1, items=2, sessions=2, observations=2, accesses=2)
START = date(2023, 1, 2)
AT = datetime(2025, 3, 4, 10, 15, tzinfo=UTC)


def _assessments(size: Size) -> tuple[AssessmentSection, ...]:
    """Every version, newest first (the first is the approved one the case summary prints)."""
    items = tuple(RatedItem(f"Domain {n // 5 + 1}", f"F{n + 1}", f"Factor {n + 1}", ("No evidence", "Some evidence",
                            "Strong evidence")[n % 3], EVIDENCE * (1 + n % 4)) for n in range(size.items))
    newest = size.assessments - 1
    return tuple(AssessmentSection(
        instrument="Structured Concern Guide v1.2", status_notice="Not a validated tool: professional judgement.",
        status="Approved" if v == newest else "Superseded", author="Ayşe Yılmaz", approved_by="Νίκος Παπαδόπουλος",
        approved_on=START + timedelta(days=60 * v), items=items, overall_judgement=LEVELS[v % 3],
        rationale=EVIDENCE * 3, person_view="He says the notes were about football.", shared_with_person=True,
        shared_on=START + timedelta(days=60 * v + 2), review_due=START + timedelta(days=60 * v + 180))
        for v in reversed(range(size.assessments)))


def _intervention(size: Size) -> InterventionSection:
    sessions = tuple(SessionLine(START + timedelta(weeks=w), "Attended", w % 5 + 1, "Talked about work. " * 3,
                                 "Bring the job centre's list.") for w in range(size.sessions))
    return InterventionSection(
        type="Mentoring", provider="Exit Network", owner="Пётр Иванов", status="Active", referred_on=START,
        started_on=START, ended_on=None, attendance=f"100% ({size.sessions} of {size.sessions})",
        goals=(("Build a routine", "Partly met"), ("Find a work placement", None)),
        outcome_summary="Engages well one to one.",
        engagement=tuple(ChartPoint(s.held_on, (s.engagement or 1) - 1, str(s.engagement)) for s in sessions),
        sessions=sessions, factors=("F1 Factor 1", "F2 Factor 2"))


def _header(title: str, purpose: str, recipient: str) -> Header:
    return Header(title, "OFFICIAL-SENSITIVE", "Mary Supervisor", AT, purpose, recipient)


IDENTITY = Identity("W-0001", "Zoë Ødegård", date(1990, 1, 2), "HMP North", "Sentenced", "Łukasz Nowak", "Fraud",
                    date(2020, 5, 6), date(2027, 8, 9), date(2025, 6, 1), ("Escape risk",))


def _observations(size: Size) -> tuple[ObservationLine, ...]:
    return tuple(ObservationLine(START + timedelta(days=n), "Behaviour", "Wing staff", EVIDENCE, "Officer Smith")
                 for n in range(size.observations))


def _challenges() -> tuple[ChallengeLine, ...]:
    return (ChallengeLine(START, "Zoë Ødegård", EVIDENCE, "Upheld", "Re-read."),)


def large_case(size: Size = LARGE) -> CaseSummary:
    """The case summary of the large case (its observations all within the last 90 days, as at their most)."""
    assessments = _assessments(size)
    history = tuple(ChartPoint(a.approved_on or START, LEVELS.index(a.overall_judgement), a.overall_judgement)
                    for a in reversed(assessments))
    return CaseSummary(
        header=_header("Case summary W-0001", "Parole board hearing", "Parole Board"), identity=IDENTITY,
        assessment=assessments[0], judgement_history=history, judgement_levels=LEVELS,
        interventions=(_intervention(size),), observations=_observations(size), challenges=_challenges())


def large_subject_access(size: Size = LARGE) -> SubjectAccessReport:
    """The same case as a subject-access report: every assessment version, and the access log."""
    return SubjectAccessReport(
        header=_header("Subject access report W-0001", "Subject access request", "The person"), identity=IDENTITY,
        movements=(MovementLine(START, "HMP South", "HMP North", "Course", "Remand", "Sentenced", "Officer Lee"),),
        allocations=(AllocationLine(AT, "Łukasz Nowak", "Unallocated", "Mary Supervisor", "Speaks Polish"),),
        screenings=(ScreeningLine(START, "Screening v1", "Concern raised", EVIDENCE, "Officer Lee", "Reception",
                                  tuple(ScreeningAnswer(f"S{n}", f"Indicator {n}", "Observed", EVIDENCE)
                                        for n in range(1, 11))),),
        assessments=_assessments(size), challenges=_challenges(), interventions=(_intervention(size),),
        observations=_observations(size), erasure_requests=(),
        break_glass=(BreakGlassLine(AT, "Ole Breakglass", "Night call", AT + timedelta(hours=1), None, None),),
        alerts=(AlertLine(AT, "Break-glass access", "Ole Breakglass opened the record by break-glass.", None, None,
                          ""),),
        accesses=tuple(AccessLine(datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=n), "Mary Supervisor",
                                  "supervisor", "view", "case summary") for n in range(size.accesses)))


# --- the same content as HTML, for WeasyPrint -----------------------------------------------------------------

CSS = """
@page { size: A4; margin: 30mm 18mm 30mm 18mm;
  @top-center { content: "%(marking)s"; color: #842029; font-weight: bold; }
  @bottom-center { content: "%(marking)s"; color: #842029; font-weight: bold; }
  @bottom-left { content: "Generated by %(by)s on %(at)s"; font-size: 8pt; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; } }
body { font-family: "DejaVu Sans"; font-size: 9.5pt; color: #212529; }
h1 { font-size: 13pt; color: #0d6efd; } h2 { font-size: 11pt; } h3 { font-size: 9.5pt; }
table { width: 100%%; border-collapse: collapse; font-size: 8.5pt; } thead { display: table-header-group; }
td, th { border-bottom: 0.4pt solid #dee2e6; vertical-align: top; text-align: left; padding: 2pt 3pt; }
.notice { background: #fff3cd; padding: 4pt; }
.watermark { position: fixed; top: 45%%; left: 10%%; transform: rotate(-55deg); font-size: 60pt; opacity: 0.13; }
"""


def _table(headings: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _facts(rows: list[tuple[str, str]]) -> str:
    return _table(["", ""], [list(row) for row in rows])


def _d(value: date | None) -> str:
    return value.isoformat() if value is not None else "—"


def _opening(h: Header) -> str:
    e = html.escape
    return (f"<html><head><style>{CSS % {'marking': h.marking, 'by': h.generated_by, 'at': h.generated_at}}"
            f"</style></head><body><div class='watermark'>{e(h.generated_by)}</div><h1>{e(h.title)}</h1>"
            + _facts([("Purpose", h.purpose), ("Recipient", h.recipient), ("Generated by", h.generated_by),
                      ("Protective marking", h.marking)]))


def _identity(i: Identity) -> str:
    return "<h1>Identity and status</h1>" + _facts([
        ("Reference", i.reference), ("Name", i.full_name), ("Date of birth", _d(i.date_of_birth)), ("Unit", i.unit),
        ("Custody status", i.custody_status), ("Case owner", i.case_owner), ("Index offence", i.index_offence),
        ("Sentence date", _d(i.sentence_date)), ("Release date", _d(i.release_date)),
        ("Alerts", "; ".join(i.alerts))])


def _assessment(a: AssessmentSection) -> str:
    e = html.escape
    parts = [_facts([("Instrument", a.instrument), ("Status", a.status), ("Author", a.author),
                     ("Approved by", a.approved_by or "—"), ("Approved on", _d(a.approved_on)),
                     ("Review due", _d(a.review_due)), ("Shared with the person", _d(a.shared_on))]),
             f"<p class='notice'>{e(a.status_notice)}</p>"]
    for item in a.items:
        parts.append(f"<p><b>{e(item.code)} {e(item.title)} — rating: {e(item.rating)}</b></p>"
                     f"<p style='margin-left: 10pt'>{e(item.evidence)}</p>")
    parts.append(f"<h3>Overall judgement</h3><p>{e(a.overall_judgement)}</p><h3>Rationale</h3>"
                 f"<p>{e(a.rationale)}</p><h3>The person's view</h3><p>{e(a.person_view)}</p>")
    return "".join(parts)


def _interventions(interventions: tuple[InterventionSection, ...]) -> str:
    e = html.escape
    parts = ["<h1>Interventions</h1>"]
    for n, iv in enumerate(interventions):
        parts.append(f"<h2>{e(iv.type)} — {e(iv.provider)}</h2>")
        parts.append(_facts([("Owner", iv.owner), ("Status", iv.status), ("Referred on", _d(iv.referred_on)),
                             ("Started on", _d(iv.started_on)), ("Ended on", _d(iv.ended_on)),
                             ("Attendance", iv.attendance), ("Factors addressed", "; ".join(iv.factors))]))
        parts.append(_table(["Goal", "Outcome"], [[g, o or "Not yet assessed"] for g, o in iv.goals]))
        parts.append(f"<h3>Outcome summary</h3><p>{e(iv.outcome_summary)}</p>")
        parts.append(engagement_svg(list(iv.engagement), ident=f"eng{n}"))
        parts.append(_table(["Date", "Attendance", "Engagement", "Notes", "Next steps"],
                            [[_d(s.held_on), s.attendance, str(s.engagement), s.notes, s.next_steps]
                             for s in iv.sessions]))
    return "".join(parts)


def _observations_html(title: str, observations: tuple[ObservationLine, ...]) -> str:
    return f"<h1>{title}</h1>" + _table(["Date", "Category", "Source", "Observation", "Recorded by"],
                                        [[_d(o.observed_on), o.category, o.source, o.text, o.recorded_by]
                                         for o in observations])


def _challenges_html(challenges: tuple[ChallengeLine, ...]) -> str:
    return "<h1>Challenges</h1>" + _table(["Raised on", "Raised by", "Grounds", "Outcome", "Reason"],
                                          [[_d(c.raised_on), c.raised_by, c.grounds, c.outcome or "Undecided",
                                            c.outcome_reason] for c in challenges])


def case_html(data: CaseSummary) -> str:
    """The case summary's content, section for section, as one HTML page for WeasyPrint."""
    parts = [_opening(data.header), _identity(data.identity),
             "<h1>Review dates</h1>",
             _facts([("Next case review", _d(data.identity.next_review_due)),
                     ("Assessment review due", _d(data.assessment.review_due if data.assessment else None))]),
             "<h1>Latest approved assessment</h1>",
             _assessment(data.assessment) if data.assessment else "<p>No approved assessment.</p>",
             "<h1>Judgement history</h1>",
             judgement_history_svg(list(data.judgement_history), list(data.judgement_levels)),
             _interventions(data.interventions),
             _observations_html("Observations in the last 90 days", data.observations),
             _challenges_html(data.challenges), "</body></html>"]
    return "".join(parts)


def subject_access_html(data: SubjectAccessReport) -> str:
    """The subject-access report's content, section for section, as one HTML page for WeasyPrint."""
    e = html.escape
    parts = [_opening(data.header), _identity(data.identity), "<h1>Movements</h1>",
             _table(["Moved on", "From", "To", "Reason", "Recorded by"],
                    [[_d(m.moved_on), f"{m.from_unit} ({m.from_status})", f"{m.to_unit} ({m.to_status})", m.reason,
                      m.recorded_by] for m in data.movements]),
             "<h1>Case owners</h1>",
             _table(["When", "Case owner", "Before", "Allocated by", "Note"],
                    [[a.allocated_at.isoformat(), a.owner, a.previous_owner, a.allocated_by, a.note]
                     for a in data.allocations]),
             "<h1>Screenings</h1>"]
    for s in data.screenings:
        parts.append(f"<h2>Screening on {_d(s.screened_on)}: {e(s.outcome)}</h2>")
        parts.append(_facts([("Instrument", s.instrument), ("Occasion", s.occasion), ("Screened by", s.author),
                             ("Outcome", s.outcome)]))
        parts.append(f"<h3>Rationale</h3><p>{e(s.rationale)}</p>")
        parts.append(_table(["Item", "Question", "Answer", "Note"],
                            [[a.code, a.question, a.answer, a.note] for a in s.answers]))
    parts.append("<h1>Assessments (every version, newest first)</h1>")
    for n, a in enumerate(data.assessments, start=1):
        parts.append(f"<h2>Assessment {n} of {len(data.assessments)}: {e(a.instrument)} ({e(a.status)})</h2>")
        parts.append(_assessment(a))
    parts += [_challenges_html(data.challenges), _interventions(data.interventions),
              _observations_html("Observations", data.observations),
              "<h1>Requests to erase the record</h1>",
              _table(["When", "Requested by", "Status", "Reason"],
                     [[r.requested_at.isoformat(), r.requested_by, r.status, r.reason] for r in data.erasure_requests]),
              "<h1>Access from outside the record's unit (break-glass)</h1>",
              _table(["When", "Who", "Reason given", "Until", "Reviewed"],
                     [[b.granted_at.isoformat(), b.who, b.reason, b.expires_at.isoformat(), b.reviewed_by or "Not yet"]
                      for b in data.break_glass]),
              "<h1>Who consulted or changed the record</h1>",
              _table(["When", "Who", "Role", "Action", "What"],
                     [[a.at.isoformat(), a.who, a.role, a.action, a.what] for a in data.accesses]),
              "</body></html>"]
    return "".join(parts)


def build_weasyprint(data: CaseSummary) -> bytes:
    return _weasyprint(case_html(data))


def build_weasyprint_subject_access(data: SubjectAccessReport) -> bytes:
    return _weasyprint(subject_access_html(data))


def _weasyprint(page: str) -> bytes:
    from weasyprint import HTML  # a bench dependency only (bench/requirements.txt)

    pdf: bytes = HTML(string=page).write_pdf()
    return pdf


def build_reportlab(data: CaseSummary) -> bytes:
    return build_case_summary(data)


def build_reportlab_subject_access(data: SubjectAccessReport) -> bytes:
    return build_subject_access_report(data)


def timings(build: Callable[[Report], bytes], data: Report, runs: int) -> list[float]:
    build(data)  # warm up: imports, font parsing
    seconds = []
    for _ in range(runs):
        # Each run starts without the previous runs' garbage (WeasyPrint's in particular, when the ReportLab
        # line of the next report follows it): a collection inside the timed part would bill one builder
        # for the other's objects.
        gc.collect()
        started = time.perf_counter()
        build(data)
        seconds.append(time.perf_counter() - started)
    return seconds


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def machine() -> str:
    """nproc, the CPU model, Python, ReportLab and whether its C accelerator is in use."""
    import platform

    import reportlab
    from reportlab.lib import rl_accel

    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), model)
    accel = "with rl_accel" if not rl_accel._py_funcs else "WITHOUT rl_accel (pure Python)"
    return (f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
            f"ReportLab {reportlab.Version} {accel}")


@dataclass(frozen=True)
class Line:
    """One report, built by both builders."""

    label: str
    reportlab: Callable[[Any], bytes]
    weasyprint: Callable[[Any], bytes]
    data: CaseSummary | SubjectAccessReport


def median_ms(build: Callable[[Report], bytes], data: Report, runs: int) -> tuple[float, int]:
    """The median over `runs` runs (after one warm-up run) in milliseconds, and the PDF's pages."""
    return statistics.median(timings(build, data, runs)) * 1000, page_count(build(data))


def compare(lines: list[Line], runs: int) -> None:
    """Time every ReportLab build, then every WeasyPrint build (so that no ReportLab run works in a heap that
    WeasyPrint's runs have grown), and print the medians, the pages and the ratio of each report."""
    reportlab = {line.label: median_ms(line.reportlab, line.data, runs) for line in lines}
    weasyprint: dict[str, tuple[float, int]] = {}
    problem = ""
    try:
        weasyprint = {line.label: median_ms(line.weasyprint, line.data, runs) for line in lines}
    except (ImportError, OSError) as error:  # not installed, or its system libraries (Pango) missing
        problem = str(error)
    for line in lines:
        rl, rl_pages = reportlab[line.label]
        print(f"{line.label}, ReportLab:  median {rl:7.1f} ms over {runs} runs, {rl_pages} pages")
        if line.label not in weasyprint:
            print(f"{line.label}, WeasyPrint: not run ({problem})")
            continue
        wp, wp_pages = weasyprint[line.label]
        print(f"{line.label}, WeasyPrint: median {wp:7.1f} ms over {runs} runs, {wp_pages} pages")
        verdict = "met" if wp / rl >= 5 and rl < 150 else "NOT met"
        print(f"{line.label}: ReportLab is {wp / rl:.1f}x faster (target: at least 5x, and a median under 150 ms: "
              f"{verdict})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-sar", action="store_true", help="time only the case summary")
    parser.add_argument("--tiny", action="store_true", help="a tiny case, to check that the script runs")
    args = parser.parse_args(argv)
    size = TINY if args.tiny else LARGE
    print(f"{date.today().isoformat()} on {machine()}")
    lines: list[Line] = [Line("Case summary", build_reportlab, build_weasyprint, large_case(size))]
    if not args.no_sar:
        lines.append(Line("Subject-access report", build_reportlab_subject_access, build_weasyprint_subject_access,
                          large_subject_access(size)))
    compare(lines, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
