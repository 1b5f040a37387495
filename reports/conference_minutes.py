"""The minutes of a case conference: the meeting, who attended or sent apologies, and for each person discussed
what was presented, the discussion, the decision with its rationale, dissent by name and the actions agreed.

Printed on the same marked, numbered, watermarked pages as the case summary, and deterministic like it; the
subject-access report prints a person's part of a conference with the same functions."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable

from reports import styles
from reports.case_summary import heading, none_recorded
from reports.language import gettext as _
from reports.model import ActionLine, AttendeeLine, ConferenceMinutes, DiscussionLine
from reports.pdf import EMPTY, data_table, date_text, export_details, facts_table, literal, paragraphs, render


def build_conference_minutes(data: ConferenceMinutes) -> bytes:
    """The minutes as PDF bytes: the same ConferenceMinutes always gives the same bytes."""
    return render(data.header, lambda width: minutes_story(data, width))


def minutes_story(data: ConferenceMinutes, width: float) -> list[Flowable]:
    story: list[Flowable] = [*export_details(data.header, width)]
    story += heading(_("The conference"))
    story.append(facts_table([(_("Kind"), data.kind), (_("Date"), date_text(data.held_on)), (_("Unit"), data.unit),
                              (_("Chair"), data.chair)], width))
    story += heading(_("Attendees"))
    story.append(attendees_table(data.attendees, width))
    story += heading(_("People discussed"))
    if not data.people:
        story.append(literal(none_recorded(), styles.EMPTY))
    for number, person in enumerate(data.people, start=1):
        story += heading(_("%(number)s. %(person)s", number=number, person=person.person), styles.H2)
        story += discussion_body(person, width)
    return story


def attendees_table(attendees: Sequence[AttendeeLine], width: float) -> Flowable:
    if not attendees:
        return literal(none_recorded(), styles.EMPTY)
    return data_table([_("Name"), _("Agency"), _("Role"), _("Attendance")],
                      [(a.name, a.agency or EMPTY, a.role or EMPTY, a.attendance) for a in attendees],
                      [2.2, 2.4, 2, 1.4], width)


def discussion_body(d: DiscussionLine, width: float) -> list[Flowable]:
    """One person's part: nothing but a line when the reader may not see them."""
    if d.withheld:
        return [literal(_("Discussed at this conference; the record is outside your units."), styles.EMPTY)]
    story: list[Flowable] = [*heading(_("What was presented"), styles.H3), *paragraphs(d.presented)]
    story += [*heading(_("Discussion"), styles.H3), *paragraphs(d.notes)]
    story += [*heading(_("Decision"), styles.H3), literal(d.decision)]
    story += [*heading(_("Rationale"), styles.H3), *paragraphs(d.rationale)]
    story += heading(_("Dissent"), styles.H3)
    story.append(data_table([_("Attendee"), _("Their view")], list(d.dissents), [1, 3], width) if d.dissents
                 else literal(_("None recorded."), styles.EMPTY))
    story += heading(_("Actions"), styles.H3)
    story.append(actions_table(d.actions, width))
    return story


def actions_table(actions: Sequence[ActionLine], width: float) -> Flowable:
    if not actions:
        return literal(_("No actions agreed."), styles.EMPTY)
    return data_table([_("Action"), _("Owner"), _("Due"), _("Status"), _("Note")],
                      [(a.description, a.owner, date_text(a.due_on), a.status, a.note or EMPTY) for a in actions],
                      [3, 1.5, 1.1, 1, 2.4], width)
