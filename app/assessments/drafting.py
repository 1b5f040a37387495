"""Writing a draft assessment: its task list, a page per section, the check-your-answers page and the
submission, and the autosave behind them. Only the author edits a draft (policy.can_edit_assessment); every
page that shows what is written records a view.

The pages are registered on the assessments blueprint by `register`, called from routes.py.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app import policy
from app.assessments import services, tasks
from app.assessments.forms import DecisionForm, assessment_form_class
from app.assessments.models import Assessment
from app.assessments.refusals import audited
from app.db import db
from app.errors import Conflict, Invalid, NotAllowed
from app.forms import read_dates, show_errors
from app.i18n import gettext as _
from app.ids import form_id
from instruments.loader import Instrument

case_workers = policy.requires(policy.works_cases)


def version_of(form: FlaskForm) -> int:
    """The version counter the user's page was made from (0 when the form has none)."""
    return form_id(form.version.data) or 0


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/assessments/<int:assessment_id>/edit", view_func=edit, methods=["GET", "POST"])
    bp.add_url_rule("/assessments/<int:assessment_id>/edit/<section>", view_func=edit_section,
                    methods=["GET", "POST"])
    bp.add_url_rule("/assessments/<int:assessment_id>/check", view_func=check)
    bp.add_url_rule("/assessments/<int:assessment_id>/submit", view_func=submit, methods=["POST"])
    bp.add_url_rule("/assessments/<int:assessment_id>/autosave", view_func=autosave, methods=["POST"])


def _saved(assessment: Assessment) -> services.AssessmentInput:
    """What is saved now, as the input of a save: a section's page changes only its own fields."""
    return services.AssessmentInput(
        ratings={r.item_code: r.rating for r in assessment.ratings},
        evidence={r.item_code: r.evidence for r in assessment.ratings},
        overall_judgement=assessment.overall_judgement, rationale=assessment.rationale,
        person_view=assessment.person_view, shared_with_person=assessment.shared_with_person,
        shared_on=assessment.shared_on, review_due=assessment.review_due,
    )


def _input(form: FlaskForm, assessment: Assessment) -> tuple[services.AssessmentInput, dict[str, list[str]]]:
    """The saved assessment with the fields this form holds (all of them, or one section's) as typed."""
    data = _saved(assessment)
    names = {f.name for f in form}
    for item in services.instrument_of(assessment).items():
        if f"rating_{item.code}" in names:
            data.ratings[item.code] = form[f"rating_{item.code}"].data or ""
            data.evidence[item.code] = form[f"evidence_{item.code}"].data or ""
    dates, errors = read_dates(form, *(n for n in ("shared_on", "review_due") if n in names))
    if "overall_judgement" in names:
        data.overall_judgement = form.overall_judgement.data or ""
        data.rationale = form.rationale.data or ""
        data.person_view = form.person_view.data or ""
        data.shared_with_person = bool(form.shared_with_person.data)
        data.shared_on, data.review_due = dates["shared_on"], dates["review_due"]
    return data, errors


def _fill(form: FlaskForm, assessment: Assessment) -> None:
    names = {f.name for f in form}
    for rating in assessment.ratings:
        if f"rating_{rating.item_code}" in names:
            form[f"rating_{rating.item_code}"].data = rating.rating
            form[f"evidence_{rating.item_code}"].data = rating.evidence
    if "overall_judgement" in names:
        form.overall_judgement.data = assessment.overall_judgement
        form.rationale.data = assessment.rationale
        form.person_view.data = assessment.person_view
        form.shared_with_person.data = assessment.shared_with_person
        form.shared_on.data = assessment.shared_on.isoformat() if assessment.shared_on else ""
        form.review_due.data = assessment.review_due.isoformat() if assessment.review_due else ""
    form.version.data = str(assessment.version)


def _editable(assessment: Assessment) -> Response | None:
    """None when the user may edit the draft; otherwise the way to the read-only page (the user may read it,
    so this is still a refusal, and on the record)."""
    if policy.can_edit_assessment(g.user, assessment):
        return None
    _record_edit_refused(302, assessment)
    if assessment.locked:
        flash(_("An approved assessment cannot be changed. Use “Amend” to make a new version."), "warning")
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


@case_workers
def edit(assessment_id: int) -> Response | str | tuple[str, int]:
    """The draft's task list (GET); a POST of the whole form (every section at once) saves or submits it."""
    assessment = policy.load_assessment(assessment_id)
    refused = _editable(assessment)
    if refused is not None:
        return refused
    if request.method == "GET":
        services.record_view(g.user, assessment)  # the states say what is written and what is missing
        return _task_list_page(assessment)
    form = assessment_form_class(services.instrument_of(assessment))()
    if form.validate_on_submit():
        submitting = request.form.get("action") == "submit"
        failed = _save(form, assessment, lambda status: _form_page(form, assessment, status), submitting)
        if failed is not None:
            return failed
        if submitting:
            flash(_("Assessment submitted for countersignature."), "success")
            return redirect(url_for("assessments.show", assessment_id=assessment.id))
        flash(_("Draft saved."), "success")
        return redirect(url_for("assessments.edit", assessment_id=assessment.id))
    return _form_page(form, assessment, 400 if form.errors else 200)


@case_workers
def edit_section(assessment_id: int, section: str) -> Response | str | tuple[str, int]:
    """One domain of the instrument (or the overall judgement) on its page. Its buttons save before they
    move on, so nothing typed is lost between pages; fields of other sections are left as saved."""
    assessment = policy.load_assessment(assessment_id)
    refused = _editable(assessment)
    if refused is not None:
        return refused
    instrument = services.instrument_of(assessment)
    try:
        current = tasks.section(instrument, section)
    except KeyError:
        abort(404)
    form = assessment_form_class(instrument, current.code)()
    if not form.is_submitted():
        services.record_view(g.user, assessment)  # the page shows this section's ratings and evidence
        _fill(form, assessment)
    if form.validate_on_submit():
        failed = _save(form, assessment, lambda status: _section_page(form, assessment, current, status))
        if failed is not None:
            return failed
        flash(_("Draft saved."), "success")
        action = request.form.get("action")
        if action == "continue":
            following = _following(instrument, current)
            if following is None:
                return redirect(url_for("assessments.check", assessment_id=assessment.id))
            return redirect(url_for("assessments.edit_section", assessment_id=assessment.id,
                                    section=following.code))
        if action == "tasks":
            return redirect(url_for("assessments.edit", assessment_id=assessment.id))
        return redirect(url_for("assessments.edit_section", assessment_id=assessment.id, section=current.code))
    return _section_page(form, assessment, current, 400 if form.errors else 200)


def _following(instrument: Instrument, current: tasks.Section) -> tasks.Section | None:
    codes = [s.code for s in tasks.sections(instrument)]
    index = codes.index(current.code) + 1
    return tasks.sections(instrument)[index] if index < len(codes) else None


def _save(form: FlaskForm, assessment: Assessment, page: Callable[[int], tuple[str, int]],
          submitting: bool = False) -> tuple[str, int] | None:
    """Save what the form holds (and submit it when asked). None when done; otherwise the form's page again,
    with what was typed, saying what went wrong."""
    data, date_errors = _input(form, assessment)
    try:
        if date_errors:
            raise Invalid(_("The draft was not saved."), field_errors=date_errors)
        services.save_draft(g.user, assessment, data, version_of(form))
        if submitting:
            services.submit(g.user, assessment, assessment.version)
    except Invalid as exc:
        if submitting and not date_errors:
            # The draft itself was saved: nothing typed is lost; only the submission was refused.
            form.version.data = str(assessment.version)
            flash(_("Your draft was saved, but it cannot be submitted yet."), "warning")
        show_errors(form, exc)
        return page(400)
    except NotAllowed as exc:
        # Only the submission is refused (an accreditation that lapsed while the draft was open): the
        # draft itself was saved and this response commits it, with the refusal on the record.
        policy.record_refusal(403, audited(exc), object_type="assessment", object_id=assessment.id,
                              subject_id=assessment.subject_id)
        form.version.data = str(assessment.version)
        flash(_("Your draft was saved, but it cannot be submitted: the reason is given below."), "warning")
        return page(403)
    except Conflict as exc:
        db.session.rollback()
        db.session.refresh(assessment)
        form.form_errors.append(_("%(problem)s Your text is still below and was not saved. Open the assessment in "
                                  "a new tab to see the saved version, then save again here to keep yours.",
                                  problem=exc.message))
        form.version.data = str(assessment.version)
        return page(409)
    return None


def _record_edit_refused(status: int, assessment: Assessment) -> None:
    """Audit a refused edit or autosave of an assessment the user may read (the response commits it)."""
    policy.record_refusal(status, "editing needs the author, a draft and the person in scope",
                          object_type="assessment", object_id=assessment.id, subject_id=assessment.subject_id)


def _problem(instrument: Instrument) -> str | None:
    """Why the user may not submit this instrument, in their language (None when they may)."""
    problem = services.accreditation_problem(g.user, instrument)
    return None if problem is None else str(problem)


def _form_page(form: FlaskForm, assessment: Assessment, status: int) -> tuple[str, int]:
    instrument = services.instrument_of(assessment)
    return render_template("assessments/form.html", form=form, assessment=assessment, instrument=instrument,
                           accreditation_problem=_problem(instrument)), status


def _task_list_page(assessment: Assessment) -> str:
    instrument = services.instrument_of(assessment)
    return render_template("assessments/edit_tasks.html", assessment=assessment, instrument=instrument,
                           tasks=tasks.tasks(assessment), accreditation_problem=_problem(instrument))


def _section_page(form: FlaskForm, assessment: Assessment, current: tasks.Section, status: int
                  ) -> tuple[str, int]:
    instrument = services.instrument_of(assessment)
    return render_template("assessments/edit_section.html", form=form, assessment=assessment,
                           instrument=instrument, section=current, following=_following(instrument, current),
                           required=tasks.required_fields(instrument),
                           accreditation_problem=_problem(instrument)), status


@case_workers
def check(assessment_id: int) -> Response | str | tuple[str, int]:
    """Check your answers: everything written, section by section, and what is still missing, each with a
    link to where it is fixed; the submission is sent from here."""
    assessment = policy.load_assessment(assessment_id)
    refused = _editable(assessment)
    if refused is not None:
        return refused
    services.record_view(g.user, assessment)  # every rating and all the evidence are shown
    return _check_page(assessment, DecisionForm(version=str(assessment.version)))


def _check_page(assessment: Assessment, form: DecisionForm, status: int = 200, refusal: str | None = None,
                incomplete: bool = False) -> tuple[str, int]:
    instrument = services.instrument_of(assessment)
    return render_template("assessments/check.html", assessment=assessment, instrument=instrument, form=form,
                           tasks=tasks.tasks(assessment), incomplete=incomplete, refusal=refusal,
                           accreditation_problem=_problem(instrument)), status


@case_workers
def submit(assessment_id: int) -> Response | str | tuple[str, int]:
    """Send the draft for countersignature from the check page. Refused with the whole list of what is
    missing while anything is."""
    assessment = policy.load_assessment(assessment_id)
    refused = _editable(assessment)
    if refused is not None:
        return refused
    form = DecisionForm()
    if not form.validate_on_submit():  # a form it cannot read: the page comes back, with every answer on it
        services.record_view(g.user, assessment)
        return _check_page(assessment, form, 400)
    try:
        services.submit(g.user, assessment, version_of(form))
    except Invalid:
        services.record_view(g.user, assessment)  # the page shows the whole assessment again
        return _check_page(assessment, DecisionForm(version=str(assessment.version)), 400, incomplete=True)
    except NotAllowed as exc:
        policy.record_refusal(403, audited(exc), object_type="assessment", object_id=assessment.id,
                              subject_id=assessment.subject_id)
        services.record_view(g.user, assessment)
        return _check_page(assessment, DecisionForm(version=str(assessment.version)), 403, refusal=exc.message)
    except Conflict as exc:
        db.session.rollback()
        flash(_("%(problem)s Check the answers again before submitting.", problem=exc.message), "warning")
        return redirect(url_for("assessments.check", assessment_id=assessment.id))
    flash(_("Assessment submitted for countersignature."), "success")
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


@case_workers
def autosave(assessment_id: int) -> tuple[Response, int]:
    """The page's script sends the form here every 30 seconds and when the page is left; `?section=` names
    the section a section's page holds (without it, the whole form)."""
    assessment = policy.load_assessment(assessment_id)
    if not policy.can_edit_assessment(g.user, assessment):
        _record_edit_refused(403, assessment)
        return jsonify(saved=False, message=_("This assessment can no longer be edited.")), 403
    instrument = services.instrument_of(assessment)
    section = request.args.get("section")
    if section is not None and section not in {s.code for s in tasks.sections(instrument)}:
        return jsonify(saved=False, message=_("The form could not be read; use Save draft.")), 400
    form = assessment_form_class(instrument, section)()
    if not form.validate_on_submit():
        refused = next(((f.label.text, f.errors[0]) for f in form if f.errors), None)
        message = _("%(field)s: %(problem)s", field=refused[0], problem=refused[1]) if refused \
            else _("The form could not be read; use Save draft.")
        return jsonify(saved=False, message=message), 400
    data, date_errors = _input(form, assessment)
    if date_errors:
        return jsonify(saved=False, message=_("A date is not valid; fix it and use Save draft.")), 400
    try:
        services.save_draft(g.user, assessment, data, version_of(form))
    except Conflict:
        db.session.rollback()
        return jsonify(saved=False, conflict=True,
                       message=_("Saved elsewhere meanwhile: your text is kept here; use Save draft to keep "
                                 "yours.")), 409
    except Invalid as exc:
        return jsonify(saved=False, message=exc.message), 400
    return jsonify(saved=True, version=assessment.version, at=format_datetime(assessment.updated_at, "HH:mm:ss")), 200
