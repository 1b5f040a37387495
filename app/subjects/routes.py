"""Subject pages: the unit list and search, the record hub, create/edit, transfer, allocation,
caseload and break-glass. Each handler checks access through app/policy.py before it acts."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from app import policy
from app.audit import trail
from app.auth.models import Unit, User
from app.db import db
from app.errors import Conflict, Invalid, NotAllowed
from app.forms import ConfirmForm, SelectChoice, read_dates, show_errors
from app.i18n import day_from_iso
from app.i18n import gettext as _
from app.ids import form_id, id_arg
from app.registry import WorkItem, registry
from app.subjects import handover, moves, queries, services, work
from app.subjects.forms import (
    AllocateForm,
    BreakGlassForm,
    ConfirmMoveForm,
    HandoverNoteForm,
    LocationForm,
    SubjectForm,
    decisions_from,
    work_rows_form,
)
from app.subjects.models import AlertCode, CustodyStatus, OffenceCategory, Subject
from app.text import describe, refused_character

bp = Blueprint("subjects", __name__)
case_workers = policy.requires(policy.works_cases)
supervisors = policy.requires(policy.supervises_cases)


def load_supervised_subject(subject_id: int, rule: Callable[[User, Subject], bool], action: str) -> Subject:
    """A subject in scope (else 404) that `rule` lets the user act on as supervisor (else 403)."""
    subject = policy.load_subject(subject_id, policy.can_edit_subject)
    if not rule(g.user, subject):
        policy.refuse(403, f"{action} needs a supervisor of the person's unit", object_type="subject",
                      object_id=subject.id, subject_id=subject.id)
    return subject


# --- list, search, caseload ------------------------------------------------------------------------


def _filters_from_request() -> queries.ListFilters:
    args = request.args
    owner = args.get("owner", "")
    q = args.get("q", "")[:100]
    refused = refused_character(q)
    if refused is not None:
        abort(400, description=_("Search again without %(character)s: Waypoint does not accept it.",
                                 character=describe(refused)))
    return queries.ListFilters(
        q=q,
        unit_id=id_arg("unit_id"),
        status=args.get("status", "") if args.get("status") in {s.value for s in CustodyStatus} else "",
        review=args.get("review", "") if args.get("review") in {"overdue", "due_soon", "none"} else "",
        owner=owner if owner in {"", "me", "unallocated"} else str(id_arg("owner")),
        alert=args.get("alert", "") if args.get("alert") in {a.value for a in AlertCode} else "",
    )


@bp.route("/subjects")
@case_workers
def index() -> str:
    filters = _filters_from_request()
    page = queries.list_subjects(g.user, filters, request.args.get("after"))
    trail.record_view((s.id for s in page.rows), object_type="subject_list")
    if filters.q:
        services.record_search(page.rows)
    owners = db.session.scalars(
        select(User).join(User.units).where(Unit.id.in_(sorted(g.user.unit_ids)), User.is_active.is_(True),
                                            User.role.in_(sorted(policy.CASE_ROLES)))
        .distinct().order_by(User.display_name)
    ).all()
    return render_template("subjects/index.html", page=page, filters=filters, owners=owners,
                           statuses=list(CustodyStatus), alerts=list(AlertCode), units=g.user.units)


@bp.route("/caseload")
@case_workers
def caseload() -> str:
    subjects = queries.caseload(g.user)
    trail.record_view((s.id for s in subjects), object_type="caseload")
    return render_template("subjects/caseload.html", subjects=subjects)


# --- the record hub ----------------------------------------------------------------------------------


@bp.route("/subjects/<int:subject_id>")
@case_workers
def show(subject_id: int) -> str:
    subject = policy.load_subject(subject_id, options=(joinedload(Subject.alerts),))
    via = None if policy.in_scope(g.user, subject) else policy.active_break_glass(g.user, subject)
    registry().read_first(g.user, subject.id)
    services.record_view(g.user, subject, via)
    panels = registry().panels_for_subject(g.user, subject)
    # A section that shows other people (links between people, say) names them too.
    trail.record_view({i for panel in panels for i in panel.subject_ids} - {subject.id},
                      object_type="subject_page", object_id=subject.id)
    return render_template(
        "subjects/show.html", subject=subject, via=via, timeline=registry().timeline(subject),
        can_edit=policy.can_edit_subject(g.user, subject), can_transfer=policy.can_transfer(g.user, subject),
        can_change_location=policy.can_change_location(g.user, subject),
        can_allocate=policy.can_allocate(g.user, subject), can_erase=policy.can_erase(g.user, subject),
        break_glass=queries.unit_break_glass_for_subject(subject) if policy.supervises(g.user, subject) else [],
        panels=panels,
    )


# --- create and edit ---------------------------------------------------------------------------------


def _values(form: SubjectForm) -> tuple[services.SubjectValues, dict[str, list[str]]]:
    """The typed values, and the date fields that could not be read as dates."""
    dates, errors = read_dates(form, "date_of_birth", "sentence_date", "release_date", "next_review_due")
    values = services.SubjectValues(
        reference=form.reference.data or "", given_name=form.given_name.data or "",
        family_name=form.family_name.data or "", status=form.status.data or "",
        index_offence_category=form.index_offence_category.data or "",
        alert_codes=[a for a in form.alerts.data or [] if a],
        **dates,
    )
    return values, errors


def _merge(date_errors: dict[str, list[str]], exc: Invalid) -> Invalid:
    merged = {**exc.field_errors}
    for name, problems in date_errors.items():
        merged[name] = problems  # "not a date" says more than "enter a date"
    return Invalid(exc.message, field_errors=merged)


@bp.route("/subjects/new", methods=["GET", "POST"])
@case_workers
def create() -> Response | str | tuple[str, int]:
    form = SubjectForm()
    form.unit.choices = [SelectChoice(str(u.id), u.name) for u in g.user.units]
    if not form.is_submitted() and len(g.user.units) == 1:
        form.unit.data = str(g.user.units[0].id)
    if form.validate_on_submit():
        values, date_errors = _values(form)
        unit_id = form_id(form.unit.data) or 0
        try:
            if date_errors:  # a date that is not a date must not be saved as "no date"
                raise Invalid(_("The record was not saved."), field_errors=services.validate(values.normalised()))
            subject = services.create_subject(g.user, unit_id, values)
        except Invalid as exc:
            show_errors(form, _merge(date_errors, exc))
            return render_template("subjects/form.html", form=form, subject=None), 400
        except NotAllowed as exc:
            # A unit the form did not offer (a forged form, or one left open while the user left the unit):
            # refused and on the record, with the page the refusal always had. Nothing was written before it.
            # The trail keeps the English text; the page shows it in the user's language.
            policy.record_refusal(403, exc.message, object_type="unit", object_id=unit_id)
            message = _("You can add people only to your own units.")
            return render_template("errors/error.html", status=403, message=message), 403
        flash(_("Record for %(name)s created.", name=subject.full_name), "success")
        return redirect(url_for("subjects.show", subject_id=subject.id))
    return render_template("subjects/form.html", form=form, subject=None), 400 if form.errors else 200


@bp.route("/subjects/<int:subject_id>/edit", methods=["GET", "POST"])
@case_workers
def edit(subject_id: int) -> Response | str | tuple[str, int]:
    subject = policy.load_subject(subject_id, policy.can_edit_subject)
    form = SubjectForm()
    del form.unit  # a move between units is a transfer, recorded as such
    if not form.is_submitted():
        services.record_view(g.user, subject)  # the form shows the whole record
        current = services.snapshot(subject)
        for name in services.EDITABLE_FIELDS:
            if name != "alerts":
                getattr(form, name).data = current[name] or ""
        form.alerts.data = current["alerts"]
        form.version.data = str(subject.version)
    if form.validate_on_submit():
        values, date_errors = _values(form)
        loaded_version = form_id(form.version.data) or 0
        try:
            if date_errors:
                raise Invalid(_("The record was not saved."),
                              field_errors=services.validate(values.normalised(), subject_id=subject.id))
            services.update_subject(g.user, subject, values, loaded_version)
        except Invalid as exc:
            show_errors(form, _merge(date_errors, exc))
            return render_template("subjects/form.html", form=form, subject=subject), 400
        except Conflict as exc:
            db.session.rollback()
            db.session.refresh(subject)
            services.record_view(g.user, subject)  # the conflict page shows the record as saved now
            return _conflict_page(subject, form, values, loaded_version, exc), 409
        flash(_("Changes saved."), "success")
        return redirect(url_for("subjects.show", subject_id=subject.id))
    return render_template("subjects/form.html", form=form, subject=subject), 400 if form.errors else 200


def _conflict_page(subject: Subject, form: SubjectForm, values: services.SubjectValues, loaded_version: int,
                   exc: Conflict) -> str:
    """Nothing is overwritten: show what is saved now beside what the user typed, keep their text in the
    form, and let them save again deliberately against the current version."""
    saved = services.snapshot(subject)
    mine = services.as_fields(values.normalised())
    rows = [(form[name].label.text, _shown(name, saved[name]), _shown(name, mine[name]), saved[name] != mine[name])
            for name in services.EDITABLE_FIELDS]
    meanwhile = [{**c, "fields": [form[f].label.text if f in form else f for f in c["fields"]]}
                 for c in services.changes_since(subject, loaded_version)]
    form.version.data = str(subject.version)
    form.form_errors.append(exc.message)
    return render_template("subjects/conflict.html", subject=subject, form=form, rows=rows, meanwhile=meanwhile)


def _shown(name: str, value: object) -> str:
    """A field's value (as `services.as_fields` gives it) as the conflict page shows it: labels for codes,
    dates in the reader's language, "—" for none."""
    if value is None or value == "" or value == []:
        return "—"
    labels: dict[str, type[CustodyStatus] | type[OffenceCategory] | type[AlertCode]] = {
        "status": CustodyStatus, "index_offence_category": OffenceCategory, "alerts": AlertCode}
    if name in labels:
        codes = value if isinstance(value, list) else [value]
        return str(_(", ")).join(_code_label(labels[name], str(code)) for code in codes)
    if name in {"date_of_birth", "sentence_date", "release_date", "next_review_due"}:
        return day_from_iso(value)
    return str(value)


def _code_label(enum: type[CustodyStatus] | type[OffenceCategory] | type[AlertCode], code: str) -> str:
    try:
        return enum(code).label
    except ValueError:
        return code


# --- transfer, allocation ----------------------------------------------------------------------------


@bp.route("/subjects/<int:subject_id>/transfer", methods=["GET", "POST"])
@supervisors
def transfer(subject_id: int) -> Response | str | tuple[str, int]:
    subject = load_supervised_subject(subject_id, policy.can_transfer, "transfer")
    to_unit = _handover_unit()
    items = work.open_work(subject)
    form = _transfer_form(subject, items, to_unit)
    units = db.session.scalars(select(Unit).order_by(Unit.name))
    form.to_unit.choices = [SelectChoice("", _("Choose a unit"))] + [
        SelectChoice(str(u.id), _("%(unit)s (%(kind)s)", unit=u.name, kind=u.kind_label)) for u in units
    ]
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="transfer_form")
    if form.validate_on_submit():
        try:
            dates, problems = read_dates(form, "moved_on", "release_date")
            if problems:
                raise Invalid(_("The transfer was not recorded."), field_errors=problems)
            move = handover.Move(form_id(form.to_unit.data) or 0, form.to_status.data or "", dates["moved_on"],
                                 form.reason.data or "", dates["release_date"], _confirmation(form))
            movement, _handover = handover.transfer_with_handover(g.user, subject, move, decisions_from(form, items),
                                                          form.handover_note.data or "")
        except moves.MoveNeedsConfirmation as exc:
            db.session.rollback()
            show_errors(form, exc)
            form.warned_move.data = exc.warned_move
            return _transfer_page(form, subject, items, to_unit, 409, conflicts=exc.conflicts,
                                  can_confirm=exc.can_confirm)
        except Invalid as exc:
            db.session.rollback()  # a refused handover may follow a move already flushed: none of it stays
            show_errors(form, exc)
            return _transfer_page(form, subject, items, to_unit, 400)
        flash(_("Transfer to %(unit)s recorded.", unit=movement.to_unit.name), "success")
        if policy.can_view_subject(g.user, subject):
            return redirect(url_for("subjects.show", subject_id=subject.id))
        return redirect(url_for("subjects.index"))
    return _transfer_page(form, subject, items, to_unit, 400 if form.errors else 200)


# The handover section of the transfer form: one row per open piece of work, with the receiving unit's case
# workers to choose from once the unit is chosen (the first submission refuses items left without access and
# shows the choices).


def _handover_unit() -> Unit | None:
    """The receiving unit the form was submitted with, if any."""
    unit_id = form_id(request.form.get("to_unit")) if request.method == "POST" else None
    return db.session.get(Unit, unit_id) if unit_id is not None else None


def _transfer_form(subject: Subject, items: list[WorkItem], to_unit: Unit | None) -> HandoverNoteForm:
    owners = work.owners_in(to_unit.id) if to_unit is not None and to_unit.id != subject.unit_id else []

    def keep_label(item: WorkItem) -> str:
        owner = db.session.get(User, item.owner_id) if item.owner_id is not None else None
        return str(_("Keep with %(name)s", name=owner.display_name) if owner is not None else _("Leave unowned"))

    form = work_rows_form(HandoverNoteForm, items, owners, keep_label,
                          lambda item: registry().work_kind(item.kind).end is not None)
    return cast(HandoverNoteForm, form)


def _transfer_page(form: HandoverNoteForm, subject: Subject, items: list[WorkItem], to_unit: Unit | None,
                   status: int, **warning: object) -> tuple[str, int]:
    """The transfer form with its handover rows and, after a move met a keep-apart, the warning (`conflicts`,
    `can_confirm`)."""
    rows = [(item, form[handover.owner_field(item)], form[handover.reason_field(item)]) for item in items]
    return render_template("subjects/transfer.html", form=form, subject=subject, handover_rows=rows,
                           to_unit=to_unit if to_unit is not None and to_unit.id != subject.unit_id else None,
                           **warning), status


# --- location within the unit, and moves that meet a keep-apart ------------------------------------------


def _confirmation(form: ConfirmMoveForm) -> moves.Confirmation:
    return moves.Confirmation(bool(form.confirm_move.data), form.move_reason.data or "", form.warned_move.data or "")


def _warned(form: ConfirmMoveForm, exc: moves.MoveNeedsConfirmation, template: str, **context: object) -> str:
    """The form again, as typed, with what the move meets and (for a supervisor) the confirmation to give."""
    show_errors(form, exc)
    form.warned_move.data = exc.warned_move
    return render_template(template, form=form, conflicts=exc.conflicts, can_confirm=exc.can_confirm, **context)


@bp.route("/subjects/<int:subject_id>/location", methods=["GET", "POST"])
@case_workers
def location(subject_id: int) -> Response | str | tuple[str, int]:
    subject = policy.load_subject(subject_id, policy.can_edit_subject)
    if not policy.can_change_location(g.user, subject):
        policy.refuse(403, "a location is kept for people in a prison", object_type="subject",
                      object_id=subject.id, subject_id=subject.id)
    form = LocationForm()
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="location_form")
        form.wing.data, form.landing.data, form.cell.data = subject.wing, subject.landing, subject.cell
        form.version.data = str(subject.version)
    if form.validate_on_submit():
        typed = moves.Location(form.wing.data, form.landing.data, form.cell.data)
        try:
            moves.change_location(g.user, subject, typed, form_id(form.version.data) or 0, _confirmation(form))
        except moves.MoveNeedsConfirmation as exc:
            return _warned(form, exc, "subjects/location.html", subject=subject), 409
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("subjects/location.html", form=form, subject=subject), 400
        except Conflict as exc:
            db.session.rollback()
            db.session.refresh(subject)
            trail.record_view(subject.id, object_type="location_form")
            form.version.data = str(subject.version)
            form.form_errors.append(_("%(problem)s Now: %(location)s.", problem=exc.message,
                                      location=subject.location_label or _("no location recorded")))
            return render_template("subjects/location.html", form=form, subject=subject), 409
        flash(_("Location of %(name)s saved: %(location)s.", name=subject.full_name,
                location=subject.location_label or _("none recorded")), "success")
        return redirect(url_for("subjects.show", subject_id=subject.id))
    return render_template("subjects/location.html", form=form, subject=subject), 400 if form.errors else 200


@bp.route("/subjects/<int:subject_id>/allocate", methods=["GET", "POST"])
@supervisors
def allocate(subject_id: int) -> Response | str | tuple[str, int]:
    subject = load_supervised_subject(subject_id, policy.can_allocate, "allocation")
    form = AllocateForm()
    form.owner.choices = [SelectChoice("", _("Nobody (unallocated)"))] + [
        SelectChoice(str(u.id), _("%(name)s (%(role)s)", name=u.display_name, role=u.role_enum.label))
        for u in services.eligible_owners(subject)
    ]
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="allocation_form")
        form.owner.data = str(subject.case_owner_id or "")
    if form.validate_on_submit():
        owner = form_id(form.owner.data)  # nothing chosen: unallocated; anything but an id: refused
        try:
            services.allocate(g.user, subject, owner, form.note.data or "")
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("subjects/allocate.html", form=form, subject=subject), 400
        flash(_("Case owner updated."), "success")
        return redirect(url_for("subjects.show", subject_id=subject.id))
    return render_template("subjects/allocate.html", form=form, subject=subject), 400 if form.errors else 200


# --- break-glass ---------------------------------------------------------------------------------------


@bp.route("/break-glass", methods=["GET", "POST"])
@case_workers
def break_glass() -> Response | str | tuple[str, int]:
    form = BreakGlassForm()
    if form.validate_on_submit():
        try:
            subject, access = services.break_glass(g.user, form.reference.data or "", form.reason.data or "")
        except services.NoSuchReference as exc:
            # An attempt that opened nothing is on the record too (without the reference typed: the trail
            # outlives any person who may get that reference later), and answers like any invalid form.
            policy.record_refusal(400, "break-glass: no person has exactly this reference")
            show_errors(form, exc)
            return render_template("subjects/break_glass.html", form=form), 400
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("subjects/break_glass.html", form=form), 400
        assert subject is not None  # noqa: S101 - break_glass returns a subject or raises
        if access is None:
            flash(_("This person is in your units or caseload: no break-glass access was needed."), "info")
        else:
            flash(_("Break-glass access opened for one hour. It is recorded and your supervisors will review it."),
                  "warning")
        return redirect(url_for("subjects.show", subject_id=subject.id))
    return render_template("subjects/break_glass.html", form=form), 400 if form.errors else 200


@bp.route("/break-glass/<int:access_id>/review", methods=["POST"])
@supervisors
def review_break_glass(access_id: int) -> Response:
    access = policy.load_break_glass(access_id)
    if ConfirmForm().validate_on_submit():
        services.review_break_glass(g.user, access)
        flash(_("Break-glass access marked as reviewed."), "success")
    return redirect(url_for("main.home"))
