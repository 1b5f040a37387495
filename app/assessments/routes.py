"""Screening and assessment pages. Each handler checks access through app/policy.py before it acts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app import policy
from app.assessments import catalogue, challenges, drafting, queries, screening, services
from app.assessments.forms import (
    ChallengeDecisionForm,
    ChallengeForm,
    DecisionForm,
    ReturnForm,
    screening_form_class,
)
from app.assessments.models import Assessment
from app.assessments.refusals import audited
from app.audit import trail
from app.auth.reauth import requires_recent_auth
from app.db import db, utcnow
from app.errors import Conflict, Invalid, NotAllowed
from app.forms import read_date, show_errors
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.ids import id_arg

bp = Blueprint("assessments", __name__)
__all__ = ["bp", "queries"]  # importing queries registers the subject-page and dashboard panels
case_workers = policy.requires(policy.works_cases)
supervisors = policy.requires(policy.supervises_cases)


_version = drafting.version_of
drafting.register(bp)


# --- screening -------------------------------------------------------------------------------------------


@bp.route("/subjects/<int:subject_id>/screenings/new", methods=["GET", "POST"])
@case_workers
def new_screening(subject_id: int) -> Response | str | tuple[str, int]:
    subject = policy.load_subject(subject_id, policy.can_edit_subject)
    instruments = catalogue.current("screening")
    if not instruments:
        abort(404)
    instrument = instruments[0]
    form = screening_form_class(instrument)()
    none_observed = screening.none_observed_answers(instrument)
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="screening_form")
        form.screened_on.data = utcnow().date().isoformat()
    elif request.form.get("action") == "none_observed" and none_observed is not None:
        # Without JavaScript: the form comes back with every unanswered item "Not observed", nothing saved yet
        # and nothing typed lost.
        trail.record_view(subject.id, object_type="screening_form")
        for code, value in none_observed.items():
            item_field = getattr(form, f"item_{code}")
            item_field.data = item_field.data or value
        flash(_("Every item you had not answered is now “Not observed”. Check them, then save the screening."),
              "info")
        return render_template("assessments/screening_form.html", form=form, subject=subject,
                               instrument=instrument, none_observed=none_observed), 200
    if form.validate_on_submit():
        try:
            values = screening.ScreeningValues(
                instrument_id=instrument.id, instrument_version=instrument.version,
                screened_on=read_date(form, "screened_on", _("The screening was not saved.")),
                occasion=form.occasion.data or "", outcome=form.outcome.data or "",
                rationale=form.rationale.data or "",
                answers={i.code: getattr(form, f"item_{i.code}").data or "" for i in instrument.items()},
                notes={i.code: getattr(form, f"note_{i.code}").data or "" for i in instrument.items()},
            )
            record = screening.record_screening(g.user, subject, values)
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("assessments/screening_form.html", form=form, subject=subject,
                                   instrument=instrument, none_observed=none_observed), 400
        flash(_("Screening saved. The person is now on the assessment-needed list.")
              if record.outcome == "refer_for_assessment" else _("Screening saved."), "success")
        return redirect(url_for("subjects.show", subject_id=subject.id))
    return render_template("assessments/screening_form.html", form=form, subject=subject,
                           instrument=instrument, none_observed=none_observed), 400 if form.errors else 200


@bp.route("/screenings/<int:screening_id>")
@case_workers
def show_screening(screening_id: int) -> str:
    record = policy.load_screening(screening_id)
    screening.record_view(g.user, record)
    return render_template("assessments/screening.html", screening=record,
                           instrument=catalogue.get(record.instrument_id, record.instrument_version))


# --- assessments ------------------------------------------------------------------------------------------


@bp.route("/subjects/<int:subject_id>/assessments", methods=["POST"])
@case_workers
def start(subject_id: int) -> Response:
    subject = policy.load_subject(subject_id, policy.can_edit_subject)
    key = (request.form.get("instrument", ""), request.form.get("instrument_version", ""))
    if not DecisionForm().validate_on_submit():
        abort(400)
    try:
        instrument = catalogue.get(*key)
        existing = services.open_assessment(subject.id, instrument.id)
        assessment = services.start(g.user, subject, instrument)
    except KeyError:
        abort(400)
    except NotAllowed as exc:
        flash(exc.message, "warning")
        return redirect(url_for("subjects.show", subject_id=subject.id))
    if existing is None:
        return redirect(url_for("assessments.edit", assessment_id=assessment.id))
    if policy.can_edit_assessment(g.user, assessment):
        flash(_("You already have a draft of this assessment for this person: here it is."), "info")
        return redirect(url_for("assessments.edit", assessment_id=assessment.id))
    flash(_("%(author)s's assessment of this person with this instrument is in progress (%(status)s): a person has "
            "one at a time.", author=assessment.author.display_name, status=assessment.status_enum.label.lower()),
          "info")
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/discard", methods=["GET", "POST"])
@case_workers
def discard(assessment_id: int) -> Response | str:
    """A confirmation page, then the discard itself (POST)."""
    assessment = policy.load_assessment(assessment_id)
    form = DecisionForm()
    if not policy.can_discard_assessment(g.user, assessment):
        try:
            services.discard(g.user, assessment)
        except NotAllowed as exc:
            policy.record_refusal(302, audited(exc), object_type="assessment", object_id=assessment.id,
                                  subject_id=assessment.subject_id)
            flash(exc.message, "warning")
        return redirect(url_for("assessments.show", assessment_id=assessment.id))
    if form.validate_on_submit():
        subject_id = assessment.subject_id
        services.discard(g.user, assessment)
        flash(_("Draft discarded."), "success")
        return redirect(url_for("subjects.show", subject_id=subject_id))
    services.record_view(g.user, assessment)
    return render_template("assessments/discard.html", assessment=assessment, form=form,
                           instrument=services.instrument_of(assessment))


@bp.route("/assessments/<int:assessment_id>")
@case_workers
def show(assessment_id: int) -> tuple[str, int]:
    assessment = policy.load_assessment(assessment_id)
    services.record_view(g.user, assessment)
    return _assessment_page(assessment)


def _assessment_page(assessment: Assessment, return_form: ReturnForm | None = None,
                     challenge_form: ChallengeForm | None = None,
                     decision_form: tuple[int, ChallengeDecisionForm] | None = None, status: int = 200
                     ) -> tuple[str, int]:
    instrument = services.instrument_of(assessment)
    return_form = return_form or ReturnForm(version=str(assessment.version))
    decision_forms = {c.id: ChallengeDecisionForm(prefix=f"c{c.id}") for c in assessment.challenges}
    if decision_form is not None:
        decision_forms[decision_form[0]] = decision_form[1]
    page = render_template(
        "assessments/show.html", assessment=assessment, instrument=instrument,
        decision_form=DecisionForm(version=str(assessment.version)), return_form=return_form,
        challenge_form=challenge_form or ChallengeForm(), decision_forms=decision_forms,
        can_edit=policy.can_edit_assessment(g.user, assessment),
        can_discard=policy.can_discard_assessment(g.user, assessment),
        can_decide=policy.can_decide_assessment(g.user, assessment),
        can_amend=policy.can_amend_assessment(g.user, assessment),
        open_amendment=services.open_amendment(assessment) if assessment.status == "approved" else None,
        can_challenge=policy.can_record_challenge(g.user, assessment),
        can_decide_challenge=policy.can_decide_challenge(g.user, assessment),
        others=[a for a in queries.subject_assessments(assessment.subject) if a.id != assessment.id],
        completeness=services.completeness_problems(assessment) if assessment.status == "draft" else {},
        since_return=services.changes_since_return(assessment) if assessment.status == "submitted" else None,
    )
    return page, status


@bp.route("/assessments/<int:assessment_id>/approve", methods=["POST"])
@supervisors
@requires_recent_auth(_l("approve the assessment"))
def approve(assessment_id: int) -> Response | tuple[str, int]:
    assessment = policy.load_assessment(assessment_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.approve(g.user, assessment, _version(form))
        except NotAllowed as exc:
            policy.refuse(403, audited(exc), object_type="assessment", object_id=assessment.id,
                          subject_id=assessment.subject_id)
        except Conflict as exc:
            db.session.rollback()
            flash(_("%(problem)s Check it again before approving.", problem=exc.message), "warning")
            return redirect(url_for("assessments.show", assessment_id=assessment.id))
        flash(_("Assessment approved. It can no longer be changed; corrections are made by amending it."), "success")
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/approve/confirm")
@supervisors
def confirm_approval(assessment_id: int) -> str:
    """The countersignature's confirmation: what is about to be locked, and the button that locks it."""
    assessment = policy.load_assessment(assessment_id)
    if not policy.can_decide_assessment(g.user, assessment):
        policy.refuse(403, "only a supervisor of the unit who did not write it approves a submitted assessment",
                      object_type="assessment", object_id=assessment.id, subject_id=assessment.subject_id)
    services.record_view(g.user, assessment)
    instrument = services.instrument_of(assessment)
    return render_template("assessments/confirm_approval.html", assessment=assessment, instrument=instrument,
                           form=DecisionForm(version=str(assessment.version)),
                           rated=sum(1 for r in assessment.ratings if r.rating), items=len(instrument.items()))


@bp.route("/assessments/<int:assessment_id>/return", methods=["POST"])
@supervisors
@requires_recent_auth(_l("return the assessment to its author"))
def return_to_author(assessment_id: int) -> Response | tuple[str, int]:
    assessment = policy.load_assessment(assessment_id)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            services.return_to_author(g.user, assessment, form.comment.data or "", _version(form))
        except NotAllowed as exc:
            policy.refuse(403, audited(exc), object_type="assessment", object_id=assessment.id,
                          subject_id=assessment.subject_id)
        except Invalid as exc:
            show_errors(form, exc)
            return _assessment_page(assessment, return_form=form, status=400)
        except Conflict as exc:
            db.session.rollback()
            flash(exc.message, "warning")
            return redirect(url_for("assessments.show", assessment_id=assessment.id))
        flash(_("Assessment returned to its author with your comment."), "success")
    elif form.errors:  # a field the form refused (a control character): the comment is kept, the error shown
        return _assessment_page(assessment, return_form=form, status=400)
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/amend", methods=["POST"])
@case_workers
def amend(assessment_id: int) -> Response:
    assessment = policy.load_assessment(assessment_id)
    if DecisionForm().validate_on_submit():
        try:
            draft = services.amend(g.user, assessment)
        except NotAllowed as exc:
            flash(exc.message, "warning")
            return redirect(url_for("assessments.show", assessment_id=assessment.id))
        return redirect(url_for("assessments.edit" if draft.author_id == g.user.id else "assessments.show",
                                assessment_id=draft.id))
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/compare")
@case_workers
def compare(assessment_id: int) -> str:
    left = policy.load_assessment(assessment_id)
    other = id_arg("with")
    if other is None:
        abort(404)
    right = policy.load_assessment(other)
    if right.subject_id != left.subject_id:
        abort(404)
    # Both versions are shown side by side: each is a consultation of its own.
    services.record_view(g.user, left, compared_with=right)
    services.record_view(g.user, right, compared_with=left)
    return render_template("assessments/compare.html", left=left, right=right, rows=services.compare(left, right),
                           left_instrument=services.instrument_of(left),
                           right_instrument=services.instrument_of(right))


# --- challenges -------------------------------------------------------------------------------------------


@bp.route("/assessments/<int:assessment_id>/challenges", methods=["POST"])
@case_workers
def record_challenge(assessment_id: int) -> Response | tuple[str, int]:
    assessment = policy.load_assessment(assessment_id)
    form = ChallengeForm()
    if form.validate_on_submit():
        try:
            raised_on = read_date(form, "raised_on", _("The challenge was not recorded."))
            challenges.record(g.user, assessment, raised_on, form.raised_by_kind.data or "",
                              form.raised_by_name.data or "", form.grounds.data or "")
        except Invalid as exc:
            show_errors(form, exc)
            return _assessment_page(assessment, challenge_form=form, status=400)
        except NotAllowed as exc:
            policy.refuse(403, audited(exc), object_type="assessment", object_id=assessment.id,
                          subject_id=assessment.subject_id)
        flash(_("Challenge recorded. A supervisor will record the outcome."), "success")
    elif form.errors:
        return _assessment_page(assessment, challenge_form=form, status=400)
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


@bp.route("/challenges/<int:challenge_id>/decision", methods=["POST"])
@supervisors
def decide_challenge(challenge_id: int) -> Response | tuple[str, int]:
    challenge = policy.load_challenge(challenge_id)
    assessment = challenge.assessment
    form = ChallengeDecisionForm(prefix=f"c{challenge.id}")
    if form.validate_on_submit():
        try:
            challenges.decide(g.user, challenge, form.outcome.data or "", form.reason.data or "")
        except Invalid as exc:
            show_errors(form, exc)
            flash(_("The decision was not recorded: %(problems)s", problems=" ".join(
                p for problems in exc.field_errors.values() for p in problems)), "warning")
        except NotAllowed as exc:
            policy.refuse(403, audited(exc), object_type="challenge", object_id=challenge.id,
                          subject_id=assessment.subject_id)
        else:
            flash(_("Outcome of the challenge recorded."), "success")
    elif form.errors:
        return _assessment_page(assessment, decision_form=(challenge.id, form), status=400)
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


@bp.route("/assessments/consistency")
@supervisors
def consistency() -> str:
    """Supervisors: judgements and returns per unit and per assessor, to spot inconsistent practice."""
    labels, by_unit, by_assessor = queries.consistency(g.user)
    return render_template("assessments/consistency.html", labels=labels, by_unit=by_unit, by_assessor=by_assessor)
