"""The case summary: identity and status, review dates, the latest approved assessment factor by factor, the
judgement history chart, interventions with their engagement charts, recent observations and challenges.

The sections are plain functions of the model's parts, so the subject-access report prints the same parts the
same way. Every piece of user text goes through reports.pdf's escaping flowables.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import CondPageBreak, Flowable
from reportlab.platypus.flowables import KeepTogether

from reports import charts, styles
from reports.charts import ChartPoint
from reports.language import gettext as _
from reports.model import (
    AffiliationLine,
    AssessmentSection,
    CaseSummary,
    ChallengeLine,
    Identity,
    InterventionSection,
    LinkLine,
    ObservationLine,
    SkillLine,
    TargetedLine,
)
from reports.pdf import (
    EMPTY,
    data_table,
    date_text,
    export_details,
    facts_table,
    joined,
    literal,
    paragraphs,
    render,
)


def none_recorded() -> str:
    return str(_("None recorded."))


ITEM_ROOM = 48  # points: an item's line and its first lines of evidence
HEADING_ROOM = 50  # points: what must fit below a heading on the same page


def build_case_summary(data: CaseSummary) -> bytes:
    """The case summary as PDF bytes: the same CaseSummary always gives the same bytes."""
    return render(data.header, lambda width: case_summary_story(data, width))


def case_summary_story(data: CaseSummary, width: float) -> list[Flowable]:
    story: list[Flowable] = [*export_details(data.header, width)]
    story += identity_section(data.identity, width)
    story += review_dates_section(data, width)
    story += heading(_("Latest approved assessment"))
    if data.assessment is None:
        story.append(literal(_("No approved assessment."), styles.EMPTY))
    else:
        story += assessment_body(data.assessment, width)
    story += chart(_("Judgement history"), styles.H1, data.judgement_history, data.judgement_levels, width,
                   empty=_("No approved overall judgement yet."), engagement=False)
    story += section(_("Interventions"), interventions_body(data.interventions, width), width)
    if data.affiliations or data.skills:  # when there are neither, the review dates say so in one line
        story += section(_("Groups and skills of concern"),
                         groups_and_skills_body(data.affiliations, data.skills, width), width)
    story += section(_("Observations in the last 90 days"), [observations_table(data.observations, width)], width)
    story += section(_("Challenges"), [challenges_table(data.challenges, width)], width)
    if data.links or data.targeted:  # a person with no connections keeps the one-page summary
        story += section(_("Links with other people"), links_body(data.links, data.targeted, width), width)
    return story


def section(text: str, body: list[Flowable], width: float) -> list[Flowable]:
    """A heading and what it heads. The heading asks for room for a few lines of its body (HEADING_ROOM), or for
    the whole body when that is shorter — a section with nothing recorded is one line, a short table a few: asking
    for more sent a short last section to a page of its own, one line on its last page."""
    style = styles.H1
    if len(body) == 1:
        _, height = body[0].wrap(width, HEADING_ROOM * 100)
        room = min(HEADING_ROOM, height + body[0].getSpaceBefore())
        return [CondPageBreak(style.leading + style.spaceBefore + room), literal(text, style), *body]
    return [*heading(text), *body]


def heading(text: str, style: ParagraphStyle = styles.H1) -> list[Flowable]:
    """A heading that never ends a page: it starts a new one unless there is room for it and a few lines of
    what follows. (CondPageBreak rather than keepWithNext, which lays out the next flowable twice.)"""
    return [CondPageBreak(style.leading + style.spaceBefore + HEADING_ROOM), literal(text, style)]


def identity_section(identity: Identity, width: float) -> list[Flowable]:
    return [
        *heading(_("Identity and status")),
        facts_table([
            (_("Reference"), identity.reference),
            (_("Name"), identity.full_name),
            (_("Date of birth"), date_text(identity.date_of_birth)),
            # Where in the unit on the same row: a row of its own sent a summary with nothing else to page two.
            (_("Unit"), _("%(unit)s, %(location)s", unit=identity.unit, location=identity.location)
             if identity.location else identity.unit),
            (_("Custody status"), identity.custody_status),
            (_("Case owner"), identity.case_owner),
            (_("Index offence"), identity.index_offence),
            (_("Sentence date"), date_text(identity.sentence_date)),
            (_("Release date"), date_text(identity.release_date)),
            (_("Alerts"), joined(identity.alerts) if identity.alerts else _("None")),
        ], width),
    ]


def review_dates_section(data: CaseSummary, width: float) -> list[Flowable]:
    assessment_review = data.assessment.review_due if data.assessment is not None else None
    return [
        *heading(_("Review dates")),
        facts_table([
            (_("Next case review"), date_text(data.identity.next_review_due, _("Not set"))),
            (_("Assessment review due"), date_text(assessment_review, _("Not set"))),
            (_("Next affiliation review"), affiliation_review(data)),
        ], width),
    ]


def affiliation_review(data: CaseSummary) -> str:
    """The earliest review date of the current affiliations, or what stands in for it."""
    due = [a.review_on for a in data.affiliations if a.review_on is not None]
    if due:
        return date_text(min(due))
    if data.affiliations:
        return str(_("Not set"))
    if data.skills:
        return str(_("No affiliation with a group"))
    return str(_("No affiliation with a group and no skill of concern recorded"))


def assessment_body(a: AssessmentSection, width: float) -> list[Flowable]:
    """One assessment: who made and approved it, each item with its rating and evidence (grouped by domain, in
    the instrument's order), the overall judgement with its rationale, and the person's own view."""
    shared = _("Yes, on %(date)s", date=date_text(a.shared_on)) if a.shared_with_person else _("No")
    story: list[Flowable] = [
        facts_table([
            (_("Instrument"), a.instrument),
            (_("Status"), a.status),
            (_("Author"), a.author),
            (_("Approved by"), a.approved_by or EMPTY),
            (_("Approved on"), date_text(a.approved_on)),
            (_("Review due"), date_text(a.review_due, _("Not set"))),
            (_("Shared with the person"), shared),
        ], width),
    ]
    if a.status_notice:
        story.append(literal(a.status_notice, styles.NOTICE_TEXT))
    if not a.items:
        story.append(literal(_("No items rated."), styles.EMPTY))
    for domain, items in groupby(a.items, key=lambda item: item.domain):
        story += heading(domain, styles.H3)
        for item in items:
            # An item's line never ends a page; a long evidence text still starts right below it.
            story.append(CondPageBreak(ITEM_ROOM))
            # One style for the whole line: a paragraph without <b> runs is much quicker to lay out.
            story.append(literal(_("%(code)s %(title)s — rating: %(rating)s", code=item.code, title=item.title,
                                   rating=item.rating), styles.ITEM))
            story += paragraphs(item.evidence, styles.EVIDENCE, empty=_("No evidence recorded."))
    story += [*heading(_("Overall judgement"), styles.H3), literal(a.overall_judgement or EMPTY)]
    story += [*heading(_("Rationale"), styles.H3), *paragraphs(a.rationale)]
    story += [*heading(_("The person's view"), styles.H3), *paragraphs(a.person_view, empty=_("Not recorded."))]
    return story


def chart(title: str, style: ParagraphStyle, points: Sequence[ChartPoint], levels: Sequence[str], width: float,
          *, empty: str, engagement: bool, marks: Sequence[charts.AxisMark] = ()) -> list[Flowable]:
    """A heading, the chart drawn from reports.charts' shared layout, and its points and marks as text (readable
    without it). The chart is never split: the heading asks for room for it too, so that a chart that does not
    fit takes its heading to the next page instead of leaving it over a blank at the foot of this one."""
    drawing = (charts.engagement_drawing(list(points), max_width=width, marks=tuple(marks)) if engagement
               else charts.judgement_history_drawing(list(points), list(levels), max_width=width))
    if drawing is None:
        return [*heading(title, style), literal(empty, styles.EMPTY)]
    layout = charts.layout_points(list(points), list(levels), marks=tuple(marks), average_same_day=engagement)
    room = style.leading + style.spaceBefore + drawing.height + 2 * styles.CAPTION.leading
    return [CondPageBreak(room), literal(title, style),
            KeepTogether([drawing, literal(charts.text_alternative(layout), styles.CAPTION)])]


def interventions_body(interventions: Sequence[InterventionSection], width: float) -> list[Flowable]:
    if not interventions:
        return [literal(none_recorded(), styles.EMPTY)]
    story: list[Flowable] = []
    for iv in interventions:
        story += intervention_section(iv, width)
    return story


def intervention_section(iv: InterventionSection, width: float) -> list[Flowable]:
    """One intervention: its facts, goals with their outcomes, the engagement chart and the sessions."""
    story: list[Flowable] = [
        *heading(f"{iv.type} — {iv.provider}", styles.H2),
        facts_table([
            (_("Owner"), iv.owner),
            (_("Status"), iv.status),
            (_("Referred on"), date_text(iv.referred_on)),
            (_("Started on"), date_text(iv.started_on)),
            (_("Ended on"), date_text(iv.ended_on)),
            *([(_("Reason for ending"), iv.end_reason)] if iv.end_reason else []),
            (_("Attendance"), iv.attendance),
            (_("Factors addressed"), joined(iv.factors) if iv.factors else _("None linked")),
        ], width),
        *heading(_("Goals and outcomes"), styles.H3),
    ]
    if iv.goals:
        story.append(data_table([_("Goal"), _("Outcome")],
                                [(goal, outcome or _("Not yet assessed")) for goal, outcome in iv.goals],
                                [3, 1], width))
    else:
        story.append(literal(none_recorded(), styles.EMPTY))
    story += [*heading(_("Outcome summary"), styles.H3), *paragraphs(iv.outcome_summary)]
    story += chart(_("Engagement over time"), styles.H3, iv.engagement, (), width, empty=_("No session rated yet."),
                   engagement=True, marks=iv.absences)
    if iv.sessions:
        story += heading(_("Sessions"), styles.H3)
        story.append(data_table(
            [_("Date"), _("Attendance"), _("Engagement"), _("Notes"), _("Next steps")],
            [(date_text(s.held_on), s.attendance, str(s.engagement) if s.engagement is not None else EMPTY,
              s.notes, s.next_steps) for s in iv.sessions],
            [1.1, 1.3, 1.1, 3.6, 2.4], width))
    return story


def observations_table(observations: Sequence[ObservationLine], width: float) -> Flowable:
    if not observations:
        return literal(none_recorded(), styles.EMPTY)
    return data_table(
        [_("Date"), _("Category"), _("Source"), _("Observation"), _("Recorded by")],
        [(date_text(o.observed_on), o.category, o.source, o.text, o.recorded_by) for o in observations],
        [1.1, 1.2, 1.2, 4.5, 1.4], width)


def challenges_table(challenges: Sequence[ChallengeLine], width: float) -> Flowable:
    if not challenges:
        return literal(none_recorded(), styles.EMPTY)
    return data_table(
        [_("Raised on"), _("Raised by"), _("Grounds"), _("Outcome"), _("Reason")],
        [(date_text(c.raised_on), c.raised_by, c.grounds,
          _("%(outcome)s, %(date)s by %(name)s", outcome=c.outcome, date=date_text(c.decided_on), name=c.decided_by)
          if c.outcome and c.decided_by and c.decided_on
          else c.outcome or _("Undecided"), c.outcome_reason)
         for c in challenges],
        [1.1, 1.3, 3, 1.2, 3], width)



def groups_and_skills_body(affiliations: Sequence[AffiliationLine], skills: Sequence[SkillLine],
                           width: float) -> list[Flowable]:
    """Current ties to groups and skills of concern."""
    return [*heading(_("Affiliations with groups"), styles.H2), affiliations_table(affiliations, width),
            *heading(_("Skills of concern"), styles.H2), skills_table(skills, width)]


def affiliations_table(affiliations: Sequence[AffiliationLine], width: float) -> Flowable:
    """Each tie to a group with its grading, evidence and source; an ended one says when and why."""
    if not affiliations:
        return literal(none_recorded(), styles.EMPTY)
    return data_table(
        [_("Group"), _("Role"), _("Grading"), _("Evidence and source"), _("Learnt"), _("Review"), _("Status")],
        [(a.group, a.role, a.grading, a.evidence + "\n"
          + _("Source: %(source)s. Recorded by %(name)s.", source=a.source, name=a.recorded_by),
          date_text(a.learnt_on), date_text(a.review_on, _("Not set")), a.ended or _("Current"))
         for a in affiliations],
        [1.6, 1, 0.8, 3.2, 1, 1, 1.4], width)


def skills_table(skills: Sequence[SkillLine], width: float) -> Flowable:
    if not skills:
        return literal(none_recorded(), styles.EMPTY)
    return data_table(
        [_("Skill"), _("Evidence"), _("Learnt"), _("Recorded by"), _("Status")],
        [(s.skill, s.evidence, date_text(s.learnt_on), s.recorded_by, s.ended or _("Current")) for s in skills],
        [1.6, 4, 1.1, 1.4, 1.9], width)


def links_table(links: Sequence[LinkLine], width: float) -> Flowable:
    if not links:
        return literal(none_recorded(), styles.EMPTY)
    return data_table(
        [_("Link"), _("With"), _("Status"), _("Grading"), _("Learnt"), _("Evidence and source"), _("Recorded by")],
        [(ln.relation, ln.other, f"{ln.status}. {ln.ended}".strip() if ln.ended else ln.status, ln.grading,
          _("%(learnt)s, review %(review)s", learnt=date_text(ln.learnt_on), review=date_text(ln.review_on))
          if ln.review_on else date_text(ln.learnt_on),
          _("%(evidence)s (source: %(source)s)", evidence=ln.evidence, source=ln.source) if ln.evidence
          else _("Held by the other person's unit."),
          ln.recorded_by) for ln in links],
        [1.3, 1.6, 1.3, 0.8, 1.2, 3, 1.2], width)


def links_body(links: Sequence[LinkLine], targeted: Sequence[TargetedLine], width: float) -> list[Flowable]:
    """The person's links, then, only when they were, the recruitment attempts that targeted them (an empty
    summary stays one line a section)."""
    body = [links_table(links, width)]
    if targeted:
        body += [*heading(_("Targeted for recruitment"), styles.H2), targeted_table(targeted, width)]
    return body


def targeted_table(targeted: Sequence[TargetedLine], width: float) -> Flowable:
    if not targeted:
        return literal(none_recorded(), styles.EMPTY)
    return data_table([_("Observed"), _("By"), _("Group"), _("Reviewed")],
                      [(date_text(t.observed_on), t.recruiter, t.group, t.reviewed or _("Not yet")) for t in targeted],
                      [1.2, 2.4, 2.2, 3.6], width)
