"""Pages for links between people, their confirmation across units, recruitment attempts and the "targeted for
recruitment" list. Each handler checks access through app/policy.py before it acts."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app import policy
from app.audit import trail
from app.connections import link_queries, links, recruitment
from app.connections.link_forms import DecideLinkForm, EndLinkForm, LinkForm, RecruitmentForm, ReviewTargetForm
from app.db import db, utcnow
from app.errors import Conflict, Invalid, NotAllowed
from app.forms import SelectChoice, read_dates, show_errors
from app.i18n import gettext as _
from app.ids import form_id
from app.subjects.models import Subject

bp = Blueprint("links", __name__)
case_workers = policy.requires(policy.works_cases)
supervisors = policy.requires(policy.supervises_cases)


def _version(text: str | None) -> int:
    return form_id(text) or 0


def _grading(form: LinkForm) -> tuple[links.Grading, dict[str, list[str]]]:
    """The grading typed, and the date fields that could not be read as dates."""
    dates, problems = read_dates(form, "learnt_on", "review_on")
    return links.Grading(form.evidence.data or "", form.source.data or "", dates["learnt_on"],
                         dates["review_on"], form.source_grade.data or "", form.intelligence_grade.data or "",
                         form.handling_code.data or ""), problems


def _merge(problems: dict[str, list[str]], exc: Invalid) -> Invalid:
    """A date that could not be read wins over the service's "enter the date" for the same field."""
    return Invalid(exc.message, field_errors={**exc.field_errors, **problems})


def _people_choices(people: list[Subject]) -> list[SelectChoice]:
    return [SelectChoice("", _("Choose a person of your units or caseload"))] + [
        SelectChoice(str(s.id), f"{s.full_name} ({s.reference})") for s in people]


# --- links ------------------------------------------------------------------------------------------------


@bp.route("/subjects/<int:subject_id>/links/new", methods=["GET", "POST"])
@case_workers
def new_link(subject_id: int) -> Response | str | tuple[str, int]:
    subject = policy.load_subject(subject_id, policy.can_edit_subject)
    form = LinkForm()
    people = [s for s in recruitment.visible_people(g.user) if s.id != subject.id]
    form.other_id.choices = _people_choices(people)
    if not form.is_submitted():
        # The list of people to choose from names them: the form's view names them too.
        trail.record_view([subject.id, *(s.id for s in people)], object_type="link_form", object_id=subject.id)
        form.learnt_on.data = utcnow().date().isoformat()
    if form.validate_on_submit():
        grading, problems = _grading(form)
        values = links.LinkValues(kind=form.kind.data or "", grading=grading, other_id=form_id(form.other_id.data),
                                  other_reference=form.other_reference.data or "",
                                  keep_apart_level=form.keep_apart_level.data or None)
        try:
            if problems:
                raise Invalid(_("The link was not saved."), field_errors=problems)
            link = links.record_link(g.user, subject, values)
        except Invalid as exc:
            show_errors(form, _merge(problems, exc))
            return render_template("connections/links_form.html", form=form, subject=subject), 400
        if link is None:
            flash(str(links.PENDING_MESSAGE), "info")
        else:
            flash(_("%(kind)s link recorded.", kind=link.kind_label), "success")
        return redirect(url_for("subjects.show", subject_id=subject.id, _anchor="links"))
    return render_template("connections/links_form.html", form=form, subject=subject), 400 if form.errors else 200


@bp.route("/links/<int:link_id>/end", methods=["GET", "POST"])
@case_workers
def end_link(link_id: int) -> Response | str | tuple[str, int]:
    link = policy.load_link(link_id, policy.can_end_link)
    side = link.subject if policy.in_scope(g.user, link.subject) else link.other
    row = next(r for r in link_queries.link_rows(g.user, side) if r.link.id == link.id)
    form = EndLinkForm()
    if not form.is_submitted():
        trail.record_view([side.id, *link_queries.seen(g.user, [row.link.subject, row.link.other])],
                          object_type="person_link", object_id=link.id)
        form.version.data = str(link.version)
    if form.validate_on_submit():
        try:
            links.end_link(g.user, link, form.reason.data or "", _version(form.version.data))
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("connections/links_end.html", form=form, row=row, side=side), 400
        except Conflict as exc:
            db.session.rollback()
            flash(exc.message, "warning")
            return redirect(url_for("subjects.show", subject_id=side.id, _anchor="links"))
        flash(_("Link ended; it stays in the history."), "success")
        return redirect(url_for("subjects.show", subject_id=side.id, _anchor="links"))
    return render_template("connections/links_end.html", form=form, row=row, side=side), 400 if form.errors else 200


@bp.route("/links/awaiting")
@supervisors
def awaiting() -> str:
    """Links to people of the supervisor's units, recorded from another unit, that wait for confirmation."""
    pending = link_queries.awaiting_confirmation(g.user)
    trail.record_view([link.other_id for link in pending] + link_queries.seen(g.user, [p.subject for p in pending]),
                      object_type="links_awaiting")
    rows = [(link, link_queries.relation(link, link.other), policy.describe_linked_person(g.user, link.subject))
            for link in pending]
    return render_template("connections/links_awaiting.html", rows=rows)


@bp.route("/links/<int:link_id>/decide", methods=["GET", "POST"])
@supervisors
def decide(link_id: int) -> Response | str | tuple[str, int]:
    link = policy.load_link(link_id, policy.can_confirm_link)
    form = DecideLinkForm()
    author_side = policy.describe_linked_person(g.user, link.subject)
    page = {"link": link, "relation": link_queries.relation(link, link.other), "author_side": author_side}
    if not form.is_submitted():
        trail.record_view([link.other_id, *link_queries.seen(g.user, [link.subject])], object_type="person_link",
                          object_id=link.id)
        form.version.data = str(link.version)
    if form.validate_on_submit():
        try:
            if form.decision.data not in ("confirm", "refuse"):
                raise Invalid(_("Nothing was decided."),
                              field_errors={"decision": [_("Confirm the link or refuse it.")]})
            links.decide_pending_link(g.user, link, form.decision.data == "confirm", form.reason.data or "",
                                      _version(form.version.data))
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("connections/links_decide.html", form=form, **page), 400
        except Conflict as exc:
            db.session.rollback()
            flash(exc.message, "warning")
            return redirect(url_for("links.awaiting"))
        flash(_("Link confirmed.") if link.status == "active" else _("Link refused."), "success")
        return redirect(url_for("links.awaiting"))
    return render_template("connections/links_decide.html", form=form, **page), 400 if form.errors else 200


# --- recruitment ------------------------------------------------------------------------------------------


def _recruitment_form(recruiter: Subject, targets: list[Subject]) -> RecruitmentForm:
    form = RecruitmentForm()
    form.target_ids.choices = [SelectChoice(str(s.id), f"{s.full_name} ({s.reference})") for s in targets]
    form.group_id.choices = [SelectChoice("", _("Not known"))] + [
        SelectChoice(str(gr.id), f"{gr.name} ({gr.kind_label})") for gr in recruitment.active_groups()]
    return form


@bp.route("/subjects/<int:subject_id>/recruitment/new", methods=["GET", "POST"])
@case_workers
def record_recruitment(subject_id: int) -> Response | str | tuple[str, int]:
    """The recruitment attempt's form. The observation page sends one here (POST, 307) with what was typed:
    without `step` it only opens, prefilled, to name the targets."""
    recruiter = policy.load_subject(subject_id, policy.can_edit_subject)
    targets = recruitment.target_choices(g.user, recruiter)
    form = _recruitment_form(recruiter, targets)
    if not form.is_submitted() or request.form.get("step") != "targets":
        trail.record_view([recruiter.id, *(s.id for s in targets)], object_type="recruitment_form",
                          object_id=recruiter.id)
        form.step.data = "targets"
        form.observed_on.data = form.observed_on.data or utcnow().date().isoformat()
        return render_template("connections/recruitment_form.html", form=form, subject=recruiter)
    if form.validate_on_submit():
        dates, problems = read_dates(form, "observed_on", "review_on")
        values = recruitment.RecruitmentValues(
            observed_on=dates["observed_on"], review_on=dates["review_on"], source=form.source.data or "",
            text=form.text.data or "", source_grade=form.source_grade.data or "",
            intelligence_grade=form.intelligence_grade.data or "", handling_code=form.handling_code.data or "",
            group_id=form_id(form.group_id.data),
            target_ids=[i for t in form.target_ids.data or [] if (i := form_id(t)) is not None],
            target_references=(form.target_references.data or "").splitlines())
        try:
            if problems:
                raise Invalid(_("The recruitment attempt was not saved."), field_errors=problems)
            recruitment.record_recruitment_attempt(g.user, recruiter, values)
        except Invalid as exc:
            show_errors(form, _merge(problems, exc))
            return render_template("connections/recruitment_form.html", form=form, subject=recruiter), 400
        except NotAllowed as exc:
            policy.refuse(403, exc.message, object_type="subject", object_id=recruiter.id, subject_id=recruiter.id)
        flash(_("Recruitment attempt recorded. The people targeted are on their unit's “targeted for recruitment” "
                "list."), "success")
        return redirect(url_for("subjects.show", subject_id=recruiter.id, _anchor="links"))
    return render_template("connections/recruitment_form.html", form=form, subject=recruiter), 400


@bp.route("/recruitment/targeted")
@case_workers
def targeted() -> str:
    """The "targeted for recruitment" list: the people whose case owner or unit supervisor the user is."""
    rows = recruitment.targeted_list(g.user)
    trail.record_view([t.target_id for t in rows] + link_queries.seen(g.user, [t.observation.subject for t in rows]),
                      object_type="targeted_for_recruitment")
    shown = [(t, policy.describe_linked_person(g.user, t.observation.subject)) for t in rows]
    return render_template("connections/recruitment_targeted.html", rows=shown)


@bp.route("/recruitment/targets/<int:target_id>/review", methods=["GET", "POST"])
@case_workers
def review_target(target_id: int) -> Response | str | tuple[str, int]:
    target = policy.load_recruitment_target(target_id)
    form = ReviewTargetForm()
    recruiter = policy.describe_linked_person(g.user, target.observation.subject)
    if not form.is_submitted():
        trail.record_view([target.target_id, *link_queries.seen(g.user, [target.observation.subject])],
                          object_type="recruitment_target", object_id=target.id)
    if form.validate_on_submit():
        try:
            recruitment.review_target(g.user, target, form.note.data or "")
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("connections/recruitment_review.html", form=form, target=target,
                                   recruiter=recruiter), 400
        flash(_("Reviewed: %(name)s is off the targeted list.", name=target.target.full_name), "success")
        return redirect(url_for("links.targeted"))
    return render_template("connections/recruitment_review.html", form=form, target=target, recruiter=recruiter), \
        400 if form.errors else 200
