"""Gather a conference's minutes for reports/conference_minutes.py, as the downloader may see them."""

from __future__ import annotations

from app import policy
from app.auth.models import User
from app.conferences import holdings
from app.conferences.models import Conference
from app.exports.gather import header
from app.i18n import day
from app.i18n import gettext as _
from reports import model
from reports.conference_minutes import build_conference_minutes


def gather(user: User, conference: Conference, purpose: str, recipient: str,
           marking: str) -> tuple[model.ConferenceMinutes, list[int]]:
    """The minutes, and the ids of the people they name. A person the downloader may no longer see (moved to
    another unit since) is "a person in another unit", with nothing else about them."""
    people = []
    shown = []
    for d in conference.discussions:
        visible = policy.can_view_discussion(user, d)
        people.append(holdings.discussion_line(d, withheld=not visible))
        if visible:
            shown.append(d.subject_id)
    head = header(_("Minutes: %(kind)s, %(unit)s, %(date)s", kind=conference.kind_label, unit=conference.unit.name,
                    date=day(conference.held_on)),
                  user, purpose, recipient, marking)
    return model.ConferenceMinutes(
        header=head, unit=conference.unit.name, held_on=conference.held_on, kind=conference.kind_label,
        chair=conference.chair.display_name, attendees=holdings.attendee_lines(conference.attendees),
        people=tuple(people)), shown


def build(data: model.ConferenceMinutes) -> bytes:
    return build_conference_minutes(data)
