"""Case conference pages. Each handler loads its records through app/policy.py (a conference of another unit is
the same 404 as one that does not exist), calls a service, and re-renders the form with what was typed when
the service refuses it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, make_response, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app import policy
from app.audit import trail
from app.auth.models import User
from app.auth.reauth import requires_recent_auth
from app.conferences import decisions, minutes, queries, services
from app.conferences.forms import (
    ActionForm,
    AttendeeForm,
    CloseActionForm,
    ConferenceForm,
    DecisionForm,
    DiscussForm,
    DissentForm,
)
from app.conferences.models import (
    ActionStatus,
    Attendance,
    Conference,
    ConferenceAction,
    ConferenceAttendee,
    Discussion,
)
from app.db import db, utcnow
from app.errors import Conflict, Invalid, NotAllowed
from app.exports import services as exports
from app.exports.forms import ExportForm
from app.forms import SelectChoice, read_date, show_errors
from app.i18n import day
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.ids import form_id

bp = Blueprint("conferences", __name__)
case_workers = policy.requires(policy.works_cases)

Page = tuple[str, int]


def _refuse(exc: NotAllowed, object_type: str, object_id: int, subject_id: int | None = None) -> None:
    policy.refuse(403, exc.message, object_type=object_type, object_id=object_id, subject_id=subject_id)


# --- the list and the meeting ---------------------------------------------------------------------------


@bp.route("/conferences")
@case_workers
def index() -> str:
    """The conferences of the user's units; counts only, so the list shows nobody."""
    return render_template("conferences/index.html", rows=queries.unit_conferences(g.user), today=utcnow().date())


def _meeting_form(form: ConferenceForm, unit_id: int | None) -> ConferenceForm:
    form.unit.choices = [SelectChoice("", _("Choose the unit"))] + [
        SelectChoice(str(u.id), u.name) for u in sorted(g.user.units, key=lambda u: u.name)]
    # Before a unit is chosen, the case workers of all the user's units, each once.
    units = [unit_id] if unit_id is not None else [u.id for u in g.user.units]
    chairs = {u.id: u for unit in units for u in services.case_workers_of(unit)}
    form.chair.choices = [SelectChoice("", _("Choose the chair"))] + [
        SelectChoice(str(u.id), _user_choice(u)) for u in chairs.values()]
    return form


def _user_choice(user: User) -> str:
    return str(_("%(name)s (%(role)s)", name=user.display_name, role=user.role_enum.label))


def _meeting(form: ConferenceForm, not_done: str) -> services.Meeting:
    return services.Meeting(unit_id=form_id(form.unit.data), held_on=read_date(form, "held_on", not_done),
                            kind=form.kind.data or "", chair_id=form_id(form.chair.data))


@bp.route("/conferences/new", methods=["GET", "POST"])
@case_workers
def hold() -> Response | Page:
    form = ConferenceForm()
    if not form.is_submitted():
        form.held_on.data = utcnow().date().isoformat()
        form.chair.data = str(g.user.id)
        if len(g.user.units) == 1:
            form.unit.data = str(g.user.units[0].id)
    _meeting_form(form, form_id(form.unit.data))
    if form.validate_on_submit():
        try:
            conference = services.hold(g.user, _meeting(form, _("The conference was not saved.")))
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("conferences/form.html", form=form, conference=None), 400
        flash(_("%(kind)s of %(date)s recorded. Add the attendees and the people discussed.",
                kind=conference.kind_label, date=day(conference.held_on)), "success")
        return redirect(url_for("conferences.show", conference_id=conference.id))
    return render_template("conferences/form.html", form=form, conference=None), 400 if form.errors else 200


def _page(conference: Conference, *, attendee_form: AttendeeForm | None = None,
          discuss_form: DiscussForm | None = None, status: int = 200) -> Page:
    """The conference: its attendees and its people, named only where the viewer may see them (the view event
    names those shown)."""
    visible = {d.id: policy.can_view_discussion(g.user, d) for d in conference.discussions}
    trail.record_view([d.subject_id for d in conference.discussions if visible[d.id]], object_type="conference",
                      object_id=conference.id)
    attendee_form = attendee_form or AttendeeForm(formdata=None)
    attendee_form.user.choices = [SelectChoice("", _("An outside participant (give the name and agency below)"))] + [
        SelectChoice(str(u.id), _user_choice(u))
        for u in services.case_workers_of(conference.unit_id)
        if all(a.user_id != u.id for a in conference.attendees)]
    return render_template(
        "conferences/show.html", conference=conference, visible=visible, label=decisions.label,
        today=utcnow().date(), attendee_form=attendee_form, discuss_form=discuss_form or DiscussForm(formdata=None),
        remove_form=DiscussForm(formdata=None), can_edit=policy.can_edit_conference(g.user, conference),
    ), status


@bp.route("/conferences/<int:conference_id>")
@case_workers
def show(conference_id: int) -> Page:
    return _page(policy.load_conference(conference_id))


@bp.route("/conferences/<int:conference_id>/edit", methods=["GET", "POST"])
@case_workers
def edit(conference_id: int) -> Response | Page:
    conference = policy.load_conference(conference_id)
    if not policy.can_edit_conference(g.user, conference):
        policy.refuse(403, "changing a conference needs its chair, recorder or a supervisor of the unit",
                      object_type="conference", object_id=conference.id)
    form = ConferenceForm()
    if not form.is_submitted():
        form.held_on.data = conference.held_on.isoformat()
        form.kind.data, form.chair.data = conference.kind, str(conference.chair_id)
        form.version.data = str(conference.version)
    form.unit.data = str(conference.unit_id)
    _meeting_form(form, conference.unit_id)
    if form.validate_on_submit():
        try:
            services.amend(g.user, conference, _meeting(form, _("The conference was not changed.")),
                           form_id(form.version.data) or 0)
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("conferences/form.html", form=form, conference=conference), 400
        except Conflict as exc:
            db.session.rollback()
            db.session.refresh(conference)
            form.version.data = str(conference.version)
            form.form_errors.append(_("%(problem)s What you typed is kept below; check and save again.",
                                      problem=exc.message))
            return render_template("conferences/form.html", form=form, conference=conference), 409
        flash(_("Conference changed."), "success")
        return redirect(url_for("conferences.show", conference_id=conference.id))
    return render_template("conferences/form.html", form=form, conference=conference), 400 if form.errors else 200


@bp.route("/conferences/<int:conference_id>/attendees", methods=["POST"])
@case_workers
def add_attendee(conference_id: int) -> Response | Page:
    conference = policy.load_conference(conference_id)
    form = AttendeeForm()
    if form.validate_on_submit():
        try:
            attendee = services.add_attendee(g.user, conference, services.Attendee(
                user_id=form_id(form.user.data), name=form.name.data or "", agency=form.agency.data or "",
                role=form.role.data or "", attendance=form.attendance.data or ""))
        except NotAllowed as exc:
            _refuse(exc, "conference", conference.id)
        except Invalid as exc:
            show_errors(form, exc)
            return _page(conference, attendee_form=form, status=400)
        flash(_("%(name)s added to the attendees.", name=attendee.name), "success")
        return redirect(url_for("conferences.show", conference_id=conference.id, _anchor="attendees"))
    return _page(conference, attendee_form=form, status=400)


@bp.route("/conferences/<int:conference_id>/attendees/<int:attendee_id>/remove", methods=["POST"])
@case_workers
def remove_attendee(conference_id: int, attendee_id: int) -> Response:
    conference = policy.load_conference(conference_id)
    attendee = policy.load(ConferenceAttendee, attendee_id, lambda _u, a: a.conference_id == conference.id,
                           "conference_attendee")
    form = DiscussForm()
    if form.validate_on_submit():
        try:
            name = attendee.name
            services.remove_attendee(g.user, conference, attendee)
        except NotAllowed as exc:
            _refuse(exc, "conference", conference.id)
        except Invalid as exc:
            flash(exc.message, "warning")
        else:
            flash(_("%(name)s removed from the attendees.", name=name), "success")
    return redirect(url_for("conferences.show", conference_id=conference.id, _anchor="attendees"))


@bp.route("/conferences/<int:conference_id>/people", methods=["POST"])
@case_workers
def add_person(conference_id: int) -> Response | Page:
    conference = policy.load_conference(conference_id)
    form = DiscussForm()
    if form.validate_on_submit():
        try:
            discussion = services.discuss(g.user, conference, form.reference.data or "")
        except NotAllowed as exc:
            _refuse(exc, "conference", conference.id)
        except Invalid as exc:
            show_errors(form, exc)
            return _page(conference, discuss_form=form, status=400)
        return redirect(url_for("conferences.discussion", conference_id=conference.id, discussion_id=discussion.id))
    return _page(conference, discuss_form=form, status=400)


# --- a person discussed ----------------------------------------------------------------------------------


def _discussion_page(discussion: Discussion, *, decision_form: DecisionForm | None = None,
                     dissent_form: DissentForm | None = None, action_form: ActionForm | None = None,
                     status: int = 200) -> Page:
    trail.record_view(discussion.subject_id, object_type="conference_discussion", object_id=discussion.id)
    if decision_form is None:
        decision_form = DecisionForm(formdata=None, presented=discussion.presented, notes=discussion.notes,
                                     decision=discussion.decision or "", rationale=discussion.rationale,
                                     version=str(discussion.version))
    decision_form.decision.choices = [SelectChoice(code, text) for code, text in decisions.offered().items()]
    dissent_form = dissent_form or DissentForm(formdata=None)
    dissent_form.attendee.choices = [SelectChoice("", _("Choose the attendee"))] + [
        SelectChoice(str(a.id), a.described) for a in discussion.conference.attendees
        if a.attendance == Attendance.ATTENDED]
    action_form = action_form or ActionForm(formdata=None)
    action_form.owner.choices = [SelectChoice("", _("Choose the owner"))] + [
        SelectChoice(str(u.id), _user_choice(u))
        for u in services.action_owners(discussion.subject)]
    can_edit = policy.can_edit_discussion(g.user, discussion)
    return render_template(
        "conferences/discussion.html", discussion=discussion, conference=discussion.conference,
        label=decisions.label, today=utcnow().date(), can_edit=can_edit, decision_form=decision_form,
        dissent_form=dissent_form, action_form=action_form), status


@bp.route("/conferences/<int:conference_id>/people/<int:discussion_id>", methods=["GET", "POST"])
@case_workers
def discussion(conference_id: int, discussion_id: int) -> Response | Page:
    conference = policy.load_conference(conference_id)
    found = policy.load_discussion(conference, discussion_id)
    form = DecisionForm()
    if not form.is_submitted():
        return _discussion_page(found)
    if form.validate_on_submit():
        try:
            services.record_decision(g.user, found, services.Decision(
                presented=form.presented.data or "", notes=form.notes.data or "", decision=form.decision.data or "",
                rationale=form.rationale.data or ""), form_id(form.version.data) or 0)
        except NotAllowed as exc:
            _refuse(exc, "conference_discussion", found.id, found.subject_id)
        except Invalid as exc:
            show_errors(form, exc)
            return _discussion_page(found, decision_form=form, status=400)
        except Conflict as exc:
            db.session.rollback()
            db.session.refresh(found)
            form.version.data = str(found.version)
            form.form_errors.append(_("%(problem)s What you typed is kept below; check and save again.",
                                      problem=exc.message))
            return _discussion_page(found, decision_form=form, status=409)
        flash(_("Discussion and decision saved.") if found.decision else _("Discussion saved; no decision yet."),
              "success")
        return redirect(url_for("conferences.discussion", conference_id=conference.id, discussion_id=found.id))
    return _discussion_page(found, decision_form=form, status=400)


@bp.route("/conferences/<int:conference_id>/people/<int:discussion_id>/dissent", methods=["POST"])
@case_workers
def add_dissent(conference_id: int, discussion_id: int) -> Response | Page:
    found = policy.load_discussion(policy.load_conference(conference_id), discussion_id)
    form = DissentForm()
    if form.validate_on_submit():
        try:
            services.record_dissent(g.user, found, form_id(form.attendee.data), form.view.data or "")
        except NotAllowed as exc:
            _refuse(exc, "conference_discussion", found.id, found.subject_id)
        except Invalid as exc:
            show_errors(form, exc)
            return _discussion_page(found, dissent_form=form, status=400)
        flash(_("Dissent recorded."), "success")
        return redirect(url_for("conferences.discussion", conference_id=conference_id, discussion_id=found.id,
                                _anchor="dissent"))
    return _discussion_page(found, dissent_form=form, status=400)


@bp.route("/conferences/<int:conference_id>/people/<int:discussion_id>/actions", methods=["POST"])
@case_workers
def add_action(conference_id: int, discussion_id: int) -> Response | Page:
    found = policy.load_discussion(policy.load_conference(conference_id), discussion_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            due_on = read_date(form, "due_on", _("The action was not saved."))
            action = services.agree_action(g.user, found, services.NewAction(
                description=form.description.data or "", owner_id=form_id(form.owner.data), due_on=due_on))
        except NotAllowed as exc:
            _refuse(exc, "conference_discussion", found.id, found.subject_id)
        except Invalid as exc:
            show_errors(form, exc)
            return _discussion_page(found, action_form=form, status=400)
        flash(_("Action for %(name)s recorded, due %(date)s.", name=action.owner.display_name,
                date=day(action.due_on)), "success")
        return redirect(url_for("conferences.discussion", conference_id=conference_id, discussion_id=found.id,
                                _anchor="actions"))
    return _discussion_page(found, action_form=form, status=400)


# --- an action ---------------------------------------------------------------------------------------------


def _action_page(action: ConferenceAction, form: CloseActionForm, status: int = 200) -> Page:
    trail.record_view(action.discussion.subject_id, object_type="conference_action", object_id=action.id)
    return render_template("conferences/action.html", action=action, discussion=action.discussion,
                           conference=action.discussion.conference, form=form, today=utcnow().date(),
                           can_close=policy.can_close_action(g.user, action),
                           can_open_discussion=policy.can_view_discussion(g.user, action.discussion)), status


@bp.route("/conference-actions/<int:action_id>", methods=["GET", "POST"])
@case_workers
def action(action_id: int) -> Response | Page:
    found = policy.load_conference_action(action_id)
    form = CloseActionForm()
    if not form.is_submitted():
        form.version.data = str(found.version)
        return _action_page(found, form)
    if form.validate_on_submit():
        try:
            services.close_action(g.user, found, form.outcome.data or "", form.note.data or "",
                                  form_id(form.version.data) or 0)
        except NotAllowed as exc:
            _refuse(exc, "conference_action", found.id, found.discussion.subject_id)
        except Invalid as exc:
            show_errors(form, exc)
            return _action_page(found, form, 400)
        except Conflict as exc:
            db.session.rollback()
            db.session.refresh(found)
            form.version.data = str(found.version)
            form.form_errors.append(_("%(problem)s Your note is kept below.", problem=exc.message))
            return _action_page(found, form, 409)
        flash(_("Action done.") if found.status == ActionStatus.DONE else _("Action cancelled."), "success")
        return redirect(url_for("conferences.action", action_id=found.id))
    return _action_page(found, form, 400)


# --- the minutes ---------------------------------------------------------------------------------------------


@bp.route("/conferences/<int:conference_id>/minutes", methods=["GET", "POST"])
@case_workers
@requires_recent_auth(_l("export the minutes of a conference"))
def export_minutes(conference_id: int) -> Response | Page:
    """The minutes as a PDF: an export like any other, with its purpose and recipient, audited naming the people
    it shows. A person no longer in the downloader's scope is printed as "a person in another unit"."""
    conference = policy.load_conference(conference_id)
    form = ExportForm()
    context: dict[str, Any] = {"form": form, "conference": conference, "title": _("Minutes")}
    if not form.is_submitted():
        trail.record_view([d.subject_id for d in conference.discussions if policy.can_view_discussion(g.user, d)],
                          object_type="export_form", object_id=conference.id, details={"export": "minutes"})
    if form.validate_on_submit():
        request = exports.ExportRequest(form.purpose.data or "", form.recipient.data or "",
                                        bool(form.internal_use.data))
        try:
            exports.check_request(request)
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("conferences/minutes.html", **context), 400
        data, shown = minutes.gather(g.user, conference, request.purpose.strip(), request.recipient_text,
                                     current_app.config["PROTECTIVE_MARKING"])
        exports.record_export(g.user, "conference_minutes", request,
                              extra={"conference_id": conference.id, "subject_ids": shown, "count": len(shown)})
        response = make_response(minutes.build(data))
        response.mimetype = "application/pdf"
        response.headers["Content-Disposition"] = (
            f'attachment; filename="conference-minutes-{conference.held_on.isoformat()}-{conference.id}.pdf"')
        return response
    return render_template("conferences/minutes.html", **context), 400 if form.errors else 200
