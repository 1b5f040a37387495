"""What the conferences feature holds about a person — their discussions at case conferences with the decision,
dissent and actions — registered with the core (app/registry.py) in `create_app`: erased with the person (the
conference and its other people stay), shown in the subject-access report and on the timeline, the panels of
the person's page and the owner's dashboard, and conference actions as a kind of owned work."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, select

from app.conferences import decisions, queries
from app.conferences.models import ConferenceAction, ConferenceAttendee, ConferenceKind, Discussion, Dissent
from app.db import utcnow
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.registry import (
    REMOVED_TEXT,
    DigestedText,
    Holding,
    Mention,
    PersonRegistry,
    TimelineEntry,
    bulk,
    dated,
    object_id,
)
from app.subjects.models import Subject
from reports import model

OTHER_UNIT = _l("A person in another unit")
DISCUSSED_AT = {ConferenceKind.CASE_REVIEW: _l("Discussed at a case review"),
                ConferenceKind.MULTI_AGENCY_PANEL: _l("Discussed at a multi-agency panel"),
                ConferenceKind.PRE_RELEASE_PLANNING: _l("Discussed at a pre-release planning")}


def attendee_lines(attendees: Iterable[ConferenceAttendee]) -> tuple[model.AttendeeLine, ...]:
    return tuple(model.AttendeeLine(a.name, a.agency, a.role_shown, a.attendance_label) for a in attendees)


def action_status(action: ConferenceAction, today: date) -> str:
    return _("Overdue") if action.overdue_on(today) else action.status_label


def discussion_line(d: Discussion, *, withheld: bool = False) -> model.DiscussionLine:
    """The discussion as a report prints it; `withheld` prints only that a person the reader may not see was
    discussed."""
    if withheld:
        return model.DiscussionLine(person=str(OTHER_UNIT), presented="", notes="", decision="", rationale="",
                                    withheld=True)
    today = utcnow().date()
    return model.DiscussionLine(
        person=f"{d.subject.full_name} ({d.subject.reference})", presented=d.presented, notes=d.notes,
        decision=decisions.label(d.decision), rationale=d.rationale,
        dissents=tuple((x.attendee.name, x.view) for x in d.dissents),
        actions=tuple(model.ActionLine(a.description, a.owner.display_name, a.due_on, action_status(a, today), a.note)
                      for a in d.actions))


def subject_access(subject: Subject) -> dict[str, object]:
    return {"conferences": tuple(
        model.ConferenceDecisionLine(held_on=d.conference.held_on, kind=d.conference.kind_label,
                                     unit=d.conference.unit.name, chair=d.conference.chair.display_name,
                                     attendees=attendee_lines(d.conference.attendees), discussion=discussion_line(d))
        for d in queries.subject_discussions(subject, with_attendees=True))}


def erase(subject: Subject) -> dict[str, int]:
    """Delete the person's discussions with their dissent and actions; the conference, its attendees and its
    other people stay."""
    mine = select(Discussion.id).where(Discussion.subject_id == subject.id)
    counts = {"conference_actions": bulk(delete(ConferenceAction).where(ConferenceAction.discussion_id.in_(mine))),
              "conference_dissents": bulk(delete(Dissent).where(Dissent.discussion_id.in_(mine)))}
    counts["conference_discussions"] = bulk(delete(Discussion).where(Discussion.subject_id == subject.id))
    return counts


def timeline(subject: Subject) -> Iterable[TimelineEntry]:
    for d in queries.subject_discussions(subject):
        c = d.conference
        if d.decision is None:
            yield TimelineEntry(dated(c.held_on, d.added_at), "conference", str(DISCUSSED_AT[ConferenceKind(c.kind)]),
                                _("No decision recorded yet."), c.chair.display_name)
            continue
        yield TimelineEntry(dated(c.held_on, d.decided_at or d.added_at), "conference",
                            _("%(kind)s: %(decision)s", kind=c.kind_label, decision=decisions.label(d.decision)),
                            d.rationale,
                            d.decided_by.display_name if d.decided_by else None)


def register(registry: PersonRegistry) -> None:
    registry.hold(Holding("conferences", ("conference_discussions", "conference_dissents", "conference_actions"),
                          erase=erase, subject_access=subject_access, timeline=timeline))
    registry.subject_panels.append(queries.subject_panel)
    registry.read_sparsely(queries.DISCUSSIONS)
    registry.dashboard_panels.append(queries.dashboard_panel)
    registry.register_work(queries.WORK)
    registry.digested_texts.append(DigestedText("close", "note_sha256", ConferenceAction.note, object_id))
    # A discussion of one person may name another (a co-defendant, a relative on the same landing).
    registry.mentions += [Mention(column, REMOVED_TEXT) for column in (
        Discussion.presented, Discussion.notes, Discussion.rationale, Dissent.view, ConferenceAction.description,
        ConferenceAction.note)]
