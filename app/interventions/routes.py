"""Intervention, session and observation pages. Each handler checks access through app/policy.py."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app import policy
from app.assessments.refusals import audited
from app.assessments.services import instrument_of
from app.audit import trail
from app.db import db, utcnow
from app.errors import Conflict, Invalid, NotAllowed
from app.forms import SelectChoice, read_date, show_errors
from app.i18n import day
from app.i18n import gettext as _
from app.ids import form_id
from app.interventions import queries, services, work
from app.interventions.forms import (
    ObservationForm,
    ReassignOwnerForm,
    ReferralForm,
    SessionForm,
    TransitionForm,
    close_form_class,
)
from app.interventions.models import TRANSITIONS, Attendance, GoalOutcome, Intervention, InterventionStatus
from app.registry import registry
from app.subjects.services import eligible_owners
from app.subjects.work import owners_in
from reports.charts import engagement_svg

bp = Blueprint("interventions", __name__)
case_workers = policy.requires(policy.works_cases)
supervisors = policy.requires(policy.supervises_cases)


def _version(text: str | None) -> int:
    return form_id(text) or 0


@bp.route("/subjects/<int:subject_id>/interventions/new", methods=["GET", "POST"])
@case_workers
def refer(subject_id: int) -> Response | str | tuple[str, int]:
    subject = policy.load_subject(subject_id, policy.can_edit_subject)
    form = ReferralForm()
    form.owner.choices = [SelectChoice("", _("Choose the owner"))] + [
        SelectChoice(str(u.id), _("%(name)s (%(role)s)", name=u.display_name, role=u.role_enum.label))
        for u in eligible_owners(subject)]
    assessment = services.latest_approved_assessment(subject)
    instrument = instrument_of(assessment) if assessment else None
    form.item_codes.choices = [SelectChoice(i.code, f"{i.code} {i.title}") for i in instrument.items()] \
        if instrument else []
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="referral_form")
        form.owner.data = str(g.user.id)
        form.referred_on.data = utcnow().date().isoformat()
    if form.validate_on_submit():
        owner = form.owner.data or ""
        try:
            referral = services.Referral(
                type=form.type.data or "", provider=form.provider.data or "",
                owner_id=form_id(owner),
                referred_on=read_date(form, "referred_on", _("The referral was not saved.")),
                goals=(form.goals.data or "").splitlines(), item_codes=[c for c in form.item_codes.data or [] if c])
            intervention = services.refer(g.user, subject, referral)
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("interventions/refer.html", form=form, subject=subject,
                                   assessment=assessment), 400
        flash(_("Referral to %(type)s recorded.", type=intervention.type_label), "success")
        return redirect(url_for("interventions.show", intervention_id=intervention.id))
    return render_template("interventions/refer.html", form=form, subject=subject, assessment=assessment), \
        400 if form.errors else 200


def _transition_form(intervention: Intervention) -> TransitionForm:
    form = TransitionForm(version=str(intervention.version))
    form.to_status.choices = [SelectChoice(s, InterventionStatus(s).label)
                              for s in TRANSITIONS[intervention.status] if s != InterventionStatus.COMPLETED]
    return form


def _page(intervention: Intervention, transition_form: TransitionForm | None = None, status: int = 200
          ) -> tuple[str, int]:
    instrument = None
    if intervention.assessment_id:
        from app.assessments.models import Assessment

        assessment = db.session.get(Assessment, intervention.assessment_id)
        instrument = instrument_of(assessment) if assessment else None
    return render_template(
        "interventions/show.html", intervention=intervention, instrument=instrument,
        rate=queries.attendance_rate(intervention.sessions),
        mean_engagement=queries.mean_engagement(intervention.sessions),
        chart=engagement_svg(queries.engagement_points(intervention), ident=f"eng-{intervention.id}",
                             marks=queries.engagement_marks(intervention)),
        transition_form=transition_form or _transition_form(intervention),
        can_manage=policy.can_manage_intervention(g.user, intervention),
        can_record=policy.can_record_session(g.user, intervention),
        can_reassign=policy.can_reassign_intervention(g.user, intervention),
        goal_labels={o.value: o.label for o in GoalOutcome},
    ), status


@bp.route("/interventions/<int:intervention_id>/owner", methods=["GET", "POST"])
@supervisors
def reassign(intervention_id: int) -> Response | tuple[str, int]:
    """A supervisor of the person's unit gives an open intervention a new owner among its case workers."""
    intervention = policy.load_intervention(intervention_id)
    if not policy.can_reassign_intervention(g.user, intervention):
        policy.refuse(403, "changing the owner needs a supervisor of the person's unit and an open intervention",
                      object_type="intervention", object_id=intervention.id, subject_id=intervention.subject_id)
    form = ReassignOwnerForm()
    form.owner.choices = [SelectChoice("", _("Choose the new owner"))] + [
        SelectChoice(str(u.id), _("%(name)s (%(role)s)", name=u.display_name, role=u.role_enum.label))
        for u in owners_in(intervention.subject.unit_id) if u.id != intervention.owner_id]
    if not form.is_submitted():
        services.record_view(g.user, intervention)
        form.version.data = str(intervention.version)
    if form.validate_on_submit():
        try:
            work.reassign_owner(g.user, intervention, form_id(form.owner.data), _version(form.version.data))
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("interventions/reassign.html", form=form, intervention=intervention), 400
        except Conflict as exc:
            db.session.rollback()
            flash(exc.message, "warning")
            return redirect(url_for("interventions.show", intervention_id=intervention.id))
        flash(_("%(name)s now owns this intervention.", name=intervention.owner.display_name), "success")
        return redirect(url_for("interventions.show", intervention_id=intervention.id))
    return render_template("interventions/reassign.html", form=form, intervention=intervention), \
        400 if form.errors else 200


@bp.route("/interventions/<int:intervention_id>")
@case_workers
def show(intervention_id: int) -> tuple[str, int]:
    intervention = policy.load_intervention(intervention_id)
    services.record_view(g.user, intervention)
    return _page(intervention)


@bp.route("/interventions/<int:intervention_id>/status", methods=["POST"])
@case_workers
def transition(intervention_id: int) -> Response | tuple[str, int]:
    intervention = policy.load_intervention(intervention_id)
    form = _transition_form(intervention)
    if form.validate_on_submit():
        try:
            on = read_date(form, "on", _("The status was not changed."))
            services.transition(g.user, intervention, form.to_status.data or "", on, form.reason.data or "",
                                _version(form.version.data))
        except NotAllowed as exc:
            policy.refuse(403, audited(exc), object_type="intervention", object_id=intervention.id,
                          subject_id=intervention.subject_id)
        except Invalid as exc:
            show_errors(form, exc)
            return _page(intervention, form, 400)
        except Conflict as exc:
            db.session.rollback()
            flash(exc.message, "warning")
            return redirect(url_for("interventions.show", intervention_id=intervention.id))
        flash(_("Status changed to %(status)s.", status=intervention.status_label.lower()), "success")
    elif form.errors:  # a field the form refused (a control character): shown with what was typed
        return _page(intervention, form, 400)
    return redirect(url_for("interventions.show", intervention_id=intervention.id))


@bp.route("/interventions/<int:intervention_id>/sessions/new", methods=["GET", "POST"])
@case_workers
def record_session(intervention_id: int) -> Response | str | tuple[str, int]:
    intervention = policy.load_intervention(intervention_id)
    if not policy.can_record_session(g.user, intervention):
        flash(_("Sessions are recorded while the intervention is active."), "warning")
        return redirect(url_for("interventions.show", intervention_id=intervention.id))
    form = SessionForm()
    if not form.is_submitted():
        services.record_view(g.user, intervention)  # the form names the person and the intervention
        suggestion = services.suggested_session(intervention)
        form.held_on.data = suggestion.held_on.isoformat() if suggestion.held_on else ""
        form.attendance.data = suggestion.attendance
        # "Not rated" goes with an absence only: beside a suggested attendance it would contradict it, and
        # saving the two together fails, so an attended session starts with no rating chosen.
        form.engagement.data = None if Attendance(suggestion.attendance).present else ""
    if form.validate_on_submit():
        engagement = form.engagement.data or ""
        try:
            held_on = read_date(form, "held_on", _("The session was not saved."))
            values = services.SessionValues(held_on=held_on, attendance=form.attendance.data or "",
                                            engagement=form_id(engagement),
                                            notes=form.notes.data or "", next_steps=form.next_steps.data or "")
            services.record_session(g.user, intervention, values)
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("interventions/session.html", form=form, intervention=intervention), 400
        flash(_("Session of %(day)s saved.", day=day(held_on)), "success")
        if request.form.get("next") == "another":
            return redirect(url_for("interventions.record_session", intervention_id=intervention.id))
        return redirect(url_for("interventions.show", intervention_id=intervention.id))
    return render_template("interventions/session.html", form=form, intervention=intervention), \
        400 if form.errors else 200


@bp.route("/interventions/<int:intervention_id>/close", methods=["GET", "POST"])
@case_workers
def close(intervention_id: int) -> Response | str | tuple[str, int]:
    intervention = policy.load_intervention(intervention_id)
    if not policy.can_manage_intervention(g.user, intervention):
        policy.refuse(403, "closing needs the owner or a supervisor of the unit", object_type="intervention",
                      object_id=intervention.id, subject_id=intervention.subject_id)
    form = close_form_class([(goal.id, _("Goal %(position)d: %(goal)s", position=goal.position, goal=goal.text))
                             for goal in intervention.goals])()
    if not form.is_submitted():
        services.record_view(g.user, intervention)  # the form shows the person and the intervention's goals
        form.version.data = str(intervention.version)
        form.on.data = utcnow().date().isoformat()
    if form.validate_on_submit():
        outcomes = {goal.id: getattr(form, f"goal_{goal.id}").data or "" for goal in intervention.goals}
        try:
            on = read_date(form, "on", _("The intervention was not closed."))
            services.close(g.user, intervention, on, outcomes, form.summary.data or "", _version(form.version.data))
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("interventions/close.html", form=form, intervention=intervention), 400
        except Conflict as exc:
            db.session.rollback()
            db.session.refresh(intervention)
            form.version.data = str(intervention.version)
            form.form_errors.append(_("%(problem)s Your text is kept below; check the intervention and close it "
                                      "again.", problem=exc.message))
            return render_template("interventions/close.html", form=form, intervention=intervention), 409
        flash(_("Intervention completed with its outcomes."), "success")
        return redirect(url_for("interventions.show", intervention_id=intervention.id))
    return render_template("interventions/close.html", form=form, intervention=intervention), \
        400 if form.errors else 200


@bp.route("/subjects/<int:subject_id>/observations/new", methods=["GET", "POST"])
@case_workers
def observe(subject_id: int) -> Response | str | tuple[str, int]:
    subject = policy.load_subject(subject_id, policy.can_edit_subject)
    form = ObservationForm()
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="observation_form")
        form.observed_on.data = utcnow().date().isoformat()
    if form.validate_on_submit():
        fuller = registry().observation_forms.get(form.category.data or "")
        if fuller is not None:
            # 307 keeps the method and the body: the fuller form opens with what was typed here.
            return redirect(url_for(fuller, subject_id=subject.id), code=307)
        try:
            observed_on = read_date(form, "observed_on", _("The observation was not saved."))
            services.record_observation(g.user, subject, observed_on, form.category.data or "",
                                        form.source.data or "", form.text.data or "")
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("interventions/observe.html", form=form, subject=subject,
                                   fuller=registry().observation_forms), 400
        flash(_("Observation recorded."), "success")
        return redirect(url_for("subjects.show", subject_id=subject.id))
    return render_template("interventions/observe.html", form=form, subject=subject,
                           fuller=registry().observation_forms), 400 if form.errors else 200


@bp.route("/interventions/work")
@case_workers
def work_page() -> str:
    """The whole of the intervention work the dashboard shows the first of: a case worker's own and their
    caseload's, a supervisor's units'. Audited as a view of the people it names."""
    work = queries.caseload_interventions(g.user, of_units=policy.is_supervisor(g.user))
    trail.record_view([i.subject_id for i in work.active] + [s.intervention.subject_id for s in work.missed],
                      object_type="intervention_work")
    return render_template("interventions/work.html", work=work)


@bp.route("/observations")
@supervisors
def unit_observations() -> str:
    """Supervisors: every observation of their units, newest first, a page at a time (`?before=`)."""
    before = request.args.get("before", "")[:40] or None
    page = queries.unit_observations(g.user, before)
    services.record_observations_view(g.user, page.rows, shown_on="unit_observations")
    return render_template("interventions/observations.html", page=page, first_page=before is None,
                           page_size=queries.OBSERVATIONS_PAGE_SIZE)
