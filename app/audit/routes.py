"""Audit review pages (supervisors: their units' people; admins: every event, no case content) and the
chain verification page. Every visit is itself an audit event."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms import Form, StringField

from app import policy
from app.audit import labels, review, trail
from app.audit.models import AuditEvent
from app.db import db
from app.errors import Invalid
from app.forms import ConfirmForm, DateField, read_date_range, show_errors
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.i18n import ngettext
from app.ids import id_arg
from app.registry import registry
from app.text import control_character_problem

bp = Blueprint("audit", __name__, url_prefix="/audit")
reviewers = policy.requires(policy.reviews_audit)


@bp.context_processor
def _labels() -> dict[str, object]:
    """What the review pages name codes with: actions, kinds of object, roles (the stored codes stay codes)."""
    return {"action_label": labels.action_label, "object_label": labels.object_label,
            "role_label": labels.role_label}


class ReviewFilterForm(Form):
    """The filters of the review page: sent with GET, so no CSRF token (nothing changes)."""

    user = StringField(_l("User (username)"), render_kw={"autocomplete": "off"})
    subject = StringField(_l("Person's reference"), render_kw={"autocomplete": "off"})
    action = StringField(_l("Action"), render_kw={"autocomplete": "off", "list": "audit-actions"})
    date_from = DateField(_l("From"))
    date_to = DateField(_l("To (inclusive)"))


def _filters(form: ReviewFilterForm) -> review.AuditFilters:
    """The typed filters; raises Invalid naming each field that cannot be read."""
    date_from, date_to, errors = read_date_range(form, "date_from", "date_to")
    for field in form:
        problem = control_character_problem(field.data)
        if problem:
            errors.setdefault(field.name, []).append(problem)
    action = (form.action.data or "").strip()
    if action and not review.ACTION_PATTERN.fullmatch(action):
        errors["action"] = [_("Enter an action as it is recorded, for example update or login_failed.")]
    if errors:
        raise Invalid(_("The filters could not be used."), field_errors=errors)
    return review.AuditFilters(user=(form.user.data or "").strip()[:64],
                               subject_reference=(form.subject.data or "").strip()[:32],
                               action=action, date_from=date_from, date_to=date_to)


@bp.route("/events")
@reviewers
def events() -> str | tuple[str, int]:
    form = ReviewFilterForm(request.args)
    all_events = policy.can_review_all_audit(g.user)
    try:
        filters = _filters(form)
    except Invalid as exc:
        show_errors(form, exc)
        return render_template("audit/events.html", form=form, page=None, filters=None, all_events=all_events,
                               actions=review.KNOWN_ACTIONS), 400
    before = id_arg("before")
    page = review.events_page(g.user, filters, before)
    audit_details: dict[str, object] = {"filters": page.filters_for_trail(filters)}
    if before is not None:
        audit_details["before"] = before
    shown = {row.event.subject_id for row in page.rows
             if row.subject_reference is not None and row.event.subject_id is not None}
    if page.subject_id is None and shown:  # a list naming people: one event naming them
        trail.record_view(shown, object_type="audit_events", details=audit_details)
    else:  # about the one person the filter named, or about nobody: the visit is recorded all the same
        trail.record("view", object_type="audit_events", subject_id=page.subject_id, details=audit_details)
    return render_template("audit/events.html", form=form, page=page, filters=filters, before=before,
                           all_events=all_events, actions=review.KNOWN_ACTIONS)


@bp.route("/events/<int:event_id>")
@reviewers
def event(event_id: int) -> str:
    found = policy.load_audit_event(event_id)
    trail.record("view", object_type="audit_events", object_id=found.id, subject_id=found.subject_id)
    details_visible = policy.audit_details_visible(g.user, found)
    people = registry().found_people().load([found.subject_id]) if details_visible and found.subject_id else []
    subject = people[0] if people else None
    return render_template(
        "audit/event.html", event=found, details_visible=details_visible, subject=subject,
        details=review.event_details(found) if details_visible else None,
        kept=review.kept_texts(found) if details_visible else [],
        summary=review.details_summary(found.details) if details_visible else "",
        can_extract=policy.can_extract_audit(g.user),
    )


@bp.route("/verification")
@reviewers
def verification() -> str:
    runs = review.latest_verifications()
    first_bad = None
    if runs and runs[0].first_bad_id is not None:
        bad = db.session.get(AuditEvent, runs[0].first_bad_id)
        first_bad = bad if bad is not None and policy.can_view_audit_event(g.user, bad) else None
    trail.record("view", object_type="audit_verifications")
    return render_template("audit/verification.html", runs=runs, first_bad=first_bad, form=ConfirmForm())


@bp.route("/verifications", methods=["POST"])
@reviewers
def run_verification() -> Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    run = review.run_verification(g.user.username).record
    if run.intact:
        flash(ngettext("The audit trail is intact: %(num)d event verified.",
                       "The audit trail is intact: %(num)d events verified.", run.event_count), "success")
    else:
        flash(_("The audit trail is broken at event %(event)s: %(problem)s.", event=run.first_bad_id,
                problem=run.problem), "warning")
    return redirect(url_for("audit.verification"))
