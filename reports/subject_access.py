"""The subject-access report: everything held about one person, including who consulted or changed the
record and when. Printed with the case summary's sections, so a part reads the same in both reports."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable, PageBreak

from reports import styles
from reports.case_summary import (
    affiliations_table,
    assessment_body,
    challenges_table,
    heading,
    identity_section,
    interventions_body,
    links_table,
    none_recorded,
    observations_table,
    skills_table,
    targeted_table,
)
from reports.conference_minutes import attendees_table, discussion_body
from reports.language import gettext as _
from reports.model import (
    AccessLine,
    AlertLine,
    AllocationLine,
    AssessmentSection,
    BreakGlassLine,
    ConferenceDecisionLine,
    DisclosureLine,
    DisclosureRequestLine,
    ErasureLine,
    HandoverLine,
    KeepApartOverrideLine,
    MovementLine,
    ScreeningLine,
    SubjectAccessReport,
)
from reports.pdf import EMPTY, data_table, date_text, export_details, facts_table, literal, paragraphs, render, utc_text


def build_subject_access_report(data: SubjectAccessReport) -> bytes:
    """The subject-access report as PDF bytes: the same data always gives the same bytes."""
    return render(data.header, lambda width: subject_access_story(data, width))


def subject_access_story(data: SubjectAccessReport, width: float) -> list[Flowable]:
    story: list[Flowable] = [*export_details(data.header, width)]
    story += identity_section(data.identity, width)
    story += heading(_("Movements"))
    story.append(movements_table(data.movements, width))
    story += heading(_("Case owners"))
    story.append(allocations_table(data.allocations, width))
    story += heading(_("Handovers between units"))
    story += handovers_body(data.handovers, width)
    story += heading(_("Screenings"))
    story += screenings_body(data.screenings, width)
    story += heading(_("Assessments (every version, newest first)"))
    story += assessments_body(data.assessments, width)
    story += heading(_("Challenges"))
    story.append(challenges_table(data.challenges, width))
    story += heading(_("Interventions"))
    story += interventions_body(data.interventions, width)
    story += heading(_("Observations"))
    story.append(observations_table(data.observations, width))
    story += heading(_("Affiliations with groups"))
    story.append(affiliations_table(data.affiliations, width))
    story += heading(_("Skills of concern"))
    story.append(skills_table(data.skills, width))
    story += heading(_("Case conferences"))
    story += conferences_body(data.conferences, width)
    story += heading(_("Links with other people"))
    story.append(links_table(data.person_links, width))
    story += heading(_("Targeted for recruitment"))
    story.append(targeted_table(data.recruitment_targets, width))
    story += heading(_("Requests to erase the record"))
    story.append(erasure_table(data.erasure_requests, width))
    story += heading(_("Information shared with or received from other agencies"))
    story.append(disclosures_table(data.disclosures, width))
    story += heading(_("Requests for information received from other agencies"))
    story.append(disclosure_requests_table(data.disclosure_requests, width))
    story.append(PageBreak())
    story += heading(_("Access from outside the record's unit (break-glass)"))
    story.append(break_glass_table(data.break_glass, width))
    story += heading(_("Alerts raised to supervisors about the record"))
    story.append(alerts_table(data.alerts, width))
    story += heading(_("Moves confirmed over a keep-apart"))
    story.append(keep_apart_overrides_table(data.keep_apart_overrides, width))
    story += heading(_("Who consulted or changed the record"))
    story.append(accesses_table(data.accesses, width))
    return story


def assessments_body(assessments: Sequence[AssessmentSection], width: float) -> list[Flowable]:
    if not assessments:
        return [literal(none_recorded(), styles.EMPTY)]
    story: list[Flowable] = []
    count = len(assessments)
    for number, a in enumerate(assessments, start=1):
        story += heading(_("Assessment %(number)s of %(count)s: %(instrument)s (%(status)s)", number=number,
                           count=count, instrument=a.instrument, status=a.status), styles.H2)
        story += assessment_body(a, width)
        for number_returned, r in enumerate(a.returns, start=1):
            story += heading(_("Returned to the author (%(number)s of %(count)s)", number=number_returned,
                               count=len(a.returns)), styles.H3)
            story.append(facts_table([(_("Returned by"), r.returned_by), (_("Returned on"), date_text(r.returned_on)),
                                      (_("Comment"), r.comment)], width))
        if a.return_comment and not a.returns:
            story += heading(_("Returned to the author"), styles.H3)
            story.append(facts_table([(_("Returned by"), a.returned_by or EMPTY),
                                      (_("Returned on"), date_text(a.returned_on)),
                                      (_("Comment"), a.return_comment)], width))
    return story


def conferences_body(conferences: Sequence[ConferenceDecisionLine], width: float) -> list[Flowable]:
    """Each conference that discussed the person: the meeting and its attendees by name as recorded, then the
    person's own part (other people discussed there are not theirs to see)."""
    if not conferences:
        return [literal(none_recorded(), styles.EMPTY)]
    story: list[Flowable] = []
    for c in conferences:
        story += heading(_("%(kind)s on %(date)s", kind=c.kind, date=date_text(c.held_on)), styles.H2)
        story.append(facts_table([(_("Unit"), c.unit), (_("Chair"), c.chair)], width))
        story += heading(_("Attendees"), styles.H3)
        story.append(attendees_table(c.attendees, width))
        story += discussion_body(c.discussion, width)
    return story


def movements_table(movements: Sequence[MovementLine], width: float) -> Flowable:
    if not movements:
        return literal(none_recorded(), styles.EMPTY)

    def place(unit: str, status: str) -> str:
        return f"{unit} ({status})" if status else unit

    return data_table([_("Moved on"), _("From"), _("To"), _("Reason"), _("Recorded by")],
                      [(date_text(m.moved_on), place(m.from_unit, m.from_status), place(m.to_unit, m.to_status),
                        m.reason, m.recorded_by or EMPTY) for m in movements],
                      [1.1, 1.8, 1.8, 3, 1.3], width)


def allocations_table(allocations: Sequence[AllocationLine], width: float) -> Flowable:
    if not allocations:
        return literal(_("No change of case owner recorded."), styles.EMPTY)
    return data_table([_("When"), _("Case owner"), _("Before"), _("Allocated by"), _("Note")],
                      [(utc_text(a.allocated_at), a.owner, a.previous_owner, a.allocated_by, a.note or EMPTY)
                       for a in allocations],
                      [1.5, 1.5, 1.5, 1.5, 3], width)


def handovers_body(handovers: Sequence[HandoverLine], width: float) -> list[Flowable]:
    if not handovers:
        return [literal(_("No handover recorded."), styles.EMPTY)]
    story: list[Flowable] = []
    for h in handovers:
        story.append(facts_table([(_("Written"), utc_text(h.created_at)), (_("From"), h.from_unit),
                                  (_("To"), h.to_unit),
                                  (_("By"), h.created_by), (_("Note for the receiving team"), h.note or EMPTY),
                                  (_("Acknowledged"), h.acknowledged or _("Not yet"))], width))
        if h.items:
            story.append(data_table([_("Work"), _("Outcome"), _("Owner before"), _("Owner after"), _("Reason ended")],
                                    [(t, o, before, after, reason or EMPTY) for t, o, before, after, reason in h.items],
                                    [3, 1.6, 1.4, 1.4, 1.6], width))
    return story


def screenings_body(screenings: Sequence[ScreeningLine], width: float) -> list[Flowable]:
    """Each screening: when, why (the occasion), with what, by whom, the outcome and its rationale, then
    every item's answer with the screener's note."""
    if not screenings:
        return [literal(none_recorded(), styles.EMPTY)]
    story: list[Flowable] = []
    for s in screenings:
        story += heading(_("Screening on %(date)s: %(outcome)s", date=date_text(s.screened_on), outcome=s.outcome),
                         styles.H2)
        story.append(facts_table([(_("Instrument"), s.instrument), (_("Occasion"), s.occasion or EMPTY),
                                  (_("Screened by"), s.author), (_("Outcome"), s.outcome)], width))
        story += [*heading(_("Rationale"), styles.H3), *paragraphs(s.rationale)]
        if s.answers:
            story += heading(_("Answers"), styles.H3)
            story.append(data_table([_("Item"), _("Question"), _("Answer"), _("Note")],
                                    [(a.code, a.question, a.answer, a.note or EMPTY) for a in s.answers],
                                    [0.7, 3.4, 1.6, 3.3], width))
    return story


def erasure_table(requests: Sequence[ErasureLine], width: float) -> Flowable:
    if not requests:
        return literal(none_recorded(), styles.EMPTY)
    return data_table([_("When"), _("Requested by"), _("Status"), _("Reason")],
                      [(utc_text(r.requested_at), r.requested_by, r.status, r.reason) for r in requests],
                      [1.5, 1.6, 1.1, 4.5], width)


def disclosures_table(lines: Sequence[DisclosureLine], width: float) -> Flowable:
    if not lines:
        return literal(none_recorded(), styles.EMPTY)
    return data_table([_("When"), _("Direction"), _("Agency"), _("Legal basis"), _("Purpose"), _("What")],
                      [(utc_text(d.at), d.direction, f"{d.agency} ({d.country})", d.legal_basis, d.purpose, d.what)
                       for d in lines],
                      [1.4, 1, 1.7, 1.7, 2, 1.6], width)


def disclosure_requests_table(lines: Sequence[DisclosureRequestLine], width: float) -> Flowable:
    if not lines:
        return literal(none_recorded(), styles.EMPTY)
    return data_table([_("Received"), _("From"), _("Legal basis claimed"), _("Asked for"), _("Decision"),
                       _("Answered")],
                      [(date_text(r.received_on), f"{r.agency} ({r.country})", r.legal_basis, r.asked_for,
                        r.decision, date_text(r.responded_on)) for r in lines],
                      [1.2, 1.7, 1.7, 2.4, 1.2, 1.2], width)


def break_glass_table(accesses: Sequence[BreakGlassLine], width: float) -> Flowable:
    if not accesses:
        return literal(_("No break-glass access recorded."), styles.EMPTY)
    return data_table([_("When"), _("Who"), _("Reason given"), _("Until"), _("Reviewed")],
                      [(utc_text(b.granted_at), b.who, b.reason, utc_text(b.expires_at),
                        f"{b.reviewed_by or EMPTY}, {utc_text(b.reviewed_at)}" if b.reviewed_at else _("Not yet"))
                       for b in accesses],
                      [1.5, 1.5, 3.5, 1.5, 1.8], width)


def alerts_table(alerts: Sequence[AlertLine], width: float) -> Flowable:
    if not alerts:
        return literal(_("No alert raised about the record."), styles.EMPTY)
    return data_table([_("Raised"), _("Alert"), _("Summary"), _("Acknowledged"), _("Note")],
                      [(utc_text(a.raised_at), a.kind, a.summary,
                        f"{a.acknowledged_by or EMPTY}, {utc_text(a.acknowledged_at)}" if a.acknowledged_at
                        else _("Not yet"), a.note)
                       for a in alerts],
                      [1.5, 1.3, 3, 1.6, 2], width)


def accesses_table(accesses: Sequence[AccessLine], width: float) -> Flowable:
    if not accesses:
        return literal(_("No consultation or change recorded."), styles.EMPTY)
    return data_table([_("When"), _("Who"), _("Role"), _("Action"), _("What")],
                      [(utc_text(a.at), a.who, a.role, a.action, a.what) for a in accesses],
                      [1.5, 1.6, 1.1, 1, 3], width)


def keep_apart_overrides_table(overrides: Sequence[KeepApartOverrideLine], width: float) -> Flowable:
    if not overrides:
        return literal(_("No move confirmed over a keep-apart."), styles.EMPTY)
    return data_table([_("When"), _("Move"), _("Keep-apart level"), _("Confirmed by"), _("Reason")],
                      [(utc_text(o.confirmed_at), o.move, o.level, o.confirmed_by, o.reason) for o in overrides],
                      [1.5, 1.4, 1.8, 1.6, 3.3], width)
