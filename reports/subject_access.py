"""The subject-access report: everything held about one person, including who consulted or changed the
record and when. Printed with the case summary's sections, so a part reads the same in both reports."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable, PageBreak

from reports import styles
from reports.case_summary import (
    NONE_RECORDED,
    assessment_body,
    challenges_table,
    heading,
    identity_section,
    interventions_body,
    observations_table,
)
from reports.model import AccessLine, AssessmentSection, MovementLine, ScreeningLine, SubjectAccessReport
from reports.pdf import data_table, date_text, export_details, literal, render, utc_text


def build_subject_access_report(data: SubjectAccessReport) -> bytes:
    """The subject-access report as PDF bytes: the same data always gives the same bytes."""
    return render(data.header, lambda width: subject_access_story(data, width))


def subject_access_story(data: SubjectAccessReport, width: float) -> list[Flowable]:
    story: list[Flowable] = [*export_details(data.header, width)]
    story += identity_section(data.identity, width)
    story += heading("Movements")
    story.append(movements_table(data.movements, width))
    story += heading("Screenings")
    story.append(screenings_table(data.screenings, width))
    story += heading("Assessments (every version, newest first)")
    story += assessments_body(data.assessments, width)
    story += heading("Challenges")
    story.append(challenges_table(data.challenges, width))
    story += heading("Interventions")
    story += interventions_body(data.interventions, width)
    story += heading("Observations")
    story.append(observations_table(data.observations, width))
    story.append(PageBreak())
    story += heading("Who consulted or changed the record")
    story.append(accesses_table(data.accesses, width))
    return story


def assessments_body(assessments: Sequence[AssessmentSection], width: float) -> list[Flowable]:
    if not assessments:
        return [literal(NONE_RECORDED, styles.EMPTY)]
    story: list[Flowable] = []
    count = len(assessments)
    for number, a in enumerate(assessments, start=1):
        story += heading(f"Assessment {number} of {count}: {a.instrument} ({a.status})", styles.H2)
        story += assessment_body(a, width)
    return story


def movements_table(movements: Sequence[MovementLine], width: float) -> Flowable:
    if not movements:
        return literal(NONE_RECORDED, styles.EMPTY)
    return data_table(["Moved on", "From", "To", "Reason"],
                      [(date_text(m.moved_on), m.from_unit, m.to_unit, m.reason) for m in movements],
                      [1.1, 1.6, 1.6, 4], width)


def screenings_table(screenings: Sequence[ScreeningLine], width: float) -> Flowable:
    if not screenings:
        return literal(NONE_RECORDED, styles.EMPTY)
    return data_table(["Screened on", "Instrument", "Outcome", "Rationale", "Author"],
                      [(date_text(s.screened_on), s.instrument, s.outcome, s.rationale, s.author)
                       for s in screenings],
                      [1.1, 1.6, 1.2, 4, 1.4], width)


def accesses_table(accesses: Sequence[AccessLine], width: float) -> Flowable:
    if not accesses:
        return literal("No consultation or change recorded.", styles.EMPTY)
    return data_table(["When", "Who", "Role", "Action", "What"],
                      [(utc_text(a.at), a.who, a.role, a.action, a.what) for a in accesses],
                      [1.5, 1.6, 1.1, 1, 3], width)
