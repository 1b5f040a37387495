"""Pages of the groups register, group links, a person's affiliations and skills, and the nexus picture.
Each handler checks access through app/policy.py; every page that shows people audits a view of them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app import policy
from app.audit import trail
from app.connections import affiliations, groups, nexus
from app.connections.group_forms import (
    AffiliationForm,
    EndForm,
    EndLinkForm,
    GroupForm,
    GroupLinkForm,
    SkillForm,
    VersionForm,
)
from app.connections.models import GroupKind, NexusLevel
from app.db import db, utcnow
from app.errors import Conflict, Invalid
from app.forms import SelectChoice, read_date, read_dates, show_errors
from app.i18n import gettext as _
from app.ids import form_id
from app.subjects.models import Subject

bp = Blueprint("connections", __name__)
group_readers = policy.requires(policy.views_groups)
group_keepers = policy.requires(policy.keeps_groups)
case_workers = policy.requires(policy.works_cases)
nexus_readers = policy.requires(policy.views_nexus)

ACTIVE_FILTERS = {"yes": True, "no": False, "all": None}


def _version(text: str | None) -> int:
    return form_id(text) or 0


# --- the register ------------------------------------------------------------------------------------------


@bp.route("/groups")
@group_readers
def groups_index() -> str:
    kind = request.args.get("kind", "")
    kind = kind if kind in {k.value for k in GroupKind} else ""
    active = request.args.get("active", "yes")
    active = active if active in ACTIVE_FILTERS else "yes"
    return render_template("connections/groups_index.html", groups=groups.list_groups(kind, ACTIVE_FILTERS[active]),
                           kind=kind, active=active, kinds=list(GroupKind),
                           can_keep=policy.keeps_groups(g.user))


def _group_values(form: GroupForm) -> groups.GroupValues:
    return groups.GroupValues(name=form.name.data or "", kind=form.kind.data or "", aliases=form.aliases.data or "",
                              description=form.description.data or "")


@bp.route("/groups/new", methods=["GET", "POST"])
@group_keepers
def new_group() -> Response | str | tuple[str, int]:
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = groups.create_group(g.user, _group_values(form))
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("connections/groups_form.html", form=form, group=None), 400
        flash(_("%(group)s added to the register.", group=group.name), "success")
        return redirect(url_for("connections.show_group", group_id=group.id))
    return render_template("connections/groups_form.html", form=form, group=None), 400 if form.errors else 200


@bp.route("/groups/<int:group_id>")
@group_readers
def show_group(group_id: int) -> str:
    group = policy.load_group(group_id)
    members = nexus.group_members(g.user, group)
    trail.record_view((a.subject_id for a in members.shown), object_type="group", object_id=group.id)
    return render_template("connections/groups_show.html", group=group, members=members,
                           links=groups.links_of(group), can_keep=policy.can_keep_group(g.user, group),
                           active_form=VersionForm(version=str(group.version)))


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@group_keepers
def edit_group(group_id: int) -> Response | str | tuple[str, int]:
    group = policy.load_group(group_id)
    form = GroupForm()
    if not form.is_submitted():
        form.name.data, form.kind.data = group.name, group.kind
        form.aliases.data, form.description.data = group.aliases, group.description
        form.version.data = str(group.version)
    if form.validate_on_submit():
        try:
            groups.update_group(g.user, group, _group_values(form), _version(form.version.data))
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("connections/groups_form.html", form=form, group=group), 400
        except Conflict as exc:
            db.session.rollback()
            db.session.refresh(group)
            form.version.data = str(group.version)
            form.form_errors.append(_("%(problem)s What you typed is kept below; the register now holds: name "
                                      "“%(group)s”, kind %(kind)s. Save again to replace it.", problem=exc.message,
                                      group=group.name, kind=group.kind_label.lower()))
            return render_template("connections/groups_form.html", form=form, group=group), 409
        flash(_("Changes saved."), "success")
        return redirect(url_for("connections.show_group", group_id=group.id))
    return render_template("connections/groups_form.html", form=form, group=group), 400 if form.errors else 200


@bp.route("/groups/<int:group_id>/active", methods=["POST"])
@group_keepers
def set_group_active(group_id: int) -> Response:
    group = policy.load_group(group_id)
    form = VersionForm()
    if form.validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            groups.set_group_active(g.user, group, active, _version(form.version.data))
        except Conflict as exc:
            db.session.rollback()
            flash(exc.message, "warning")
        else:
            flash(_("%(group)s is active again.", group=group.name) if active
                  else _("%(group)s is deactivated.", group=group.name), "success")
    return redirect(url_for("connections.show_group", group_id=group.id))


# --- links between groups ------------------------------------------------------------------------------------


@bp.route("/groups/<int:group_id>/links/new", methods=["GET", "POST"])
@group_keepers
def new_group_link(group_id: int) -> Response | str | tuple[str, int]:
    group = policy.load_group(group_id)
    form = GroupLinkForm()
    form.other_group.choices = [SelectChoice("", _("Choose the other group"))] + [
        SelectChoice(str(other.id), f"{other.name} ({other.kind_label})")
        for other in groups.active_groups() if other.id != group.id]
    if not form.is_submitted():
        form.since.data = utcnow().date().isoformat()
    if form.validate_on_submit():
        try:
            since = read_date(form, "since", _("The link was not saved."))
            groups.link_groups(g.user, group, groups.GroupLinkValues(
                other_group_id=form_id(form.other_group.data), level=form.level.data or "",
                cooperation_form=form.cooperation_form.data or "", since=since, evidence=form.evidence.data or "",
                source=form.source.data or ""))
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("connections/groups_link_form.html", form=form, group=group), 400
        flash(_("Link between the groups recorded."), "success")
        return redirect(url_for("connections.show_group", group_id=group.id))
    return render_template("connections/groups_link_form.html", form=form, group=group), \
        400 if form.errors else 200


@bp.route("/group-links/<int:group_link_id>/end", methods=["GET", "POST"])
@group_keepers
def end_group_link(group_link_id: int) -> Response | str | tuple[str, int]:
    link = policy.load_group_link(group_link_id)
    form = EndLinkForm()
    if not form.is_submitted():
        form.on.data = utcnow().date().isoformat()
        form.version.data = str(link.version)
    if form.validate_on_submit():
        try:
            on = read_date(form, "on", _("The link was not ended."))
            groups.end_group_link(g.user, link, on, form.reason.data or "", _version(form.version.data))
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("connections/groups_end_link.html", form=form, link=link), 400
        except Conflict as exc:
            db.session.rollback()
            db.session.refresh(link)
            form.version.data = str(link.version)
            form.form_errors.append(_("%(problem)s Your reason is kept below.", problem=exc.message))
            return render_template("connections/groups_end_link.html", form=form, link=link), 409
        flash(_("The link has ended; it stays in the groups' history."), "success")
        return redirect(url_for("connections.show_group", group_id=link.group_id))
    return render_template("connections/groups_end_link.html", form=form, link=link), 400 if form.errors else 200


# --- a person's affiliations and skills ----------------------------------------------------------------------


def _back_to(subject_id: int) -> Response:
    return redirect(url_for("subjects.show", subject_id=subject_id) + "#groups-and-skills")


@bp.route("/subjects/<int:subject_id>/affiliations/new", methods=["GET", "POST"])
@case_workers
def new_affiliation(subject_id: int) -> Response | str | tuple[str, int]:
    subject = policy.load_subject(subject_id, policy.can_record_affiliation)
    form = AffiliationForm()
    form.group.choices = [SelectChoice("", _("Choose the group"))] + [
        SelectChoice(str(group.id), f"{group.name} ({group.kind_label})") for group in groups.active_groups()]
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="affiliation_form")
        form.learnt_on.data = utcnow().date().isoformat()
    if form.validate_on_submit():
        dates, problems = read_dates(form, "learnt_on", "review_on")
        try:
            if problems:
                raise Invalid(_("The affiliation was not saved."), field_errors=problems)
            affiliations.record_affiliation(g.user, subject, affiliations.AffiliationValues(
                group_id=form_id(form.group.data), role=form.role.data or "", evidence=form.evidence.data or "",
                source=form.source.data or "", learnt_on=dates["learnt_on"], review_on=dates["review_on"],
                source_grade=form.source_grade.data or "", intelligence_grade=form.intelligence_grade.data or "",
                handling_code=form.handling_code.data or ""))
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("connections/groups_affiliation_form.html", form=form, subject=subject), 400
        flash(_("Affiliation recorded."), "success")
        return _back_to(subject.id)
    return render_template("connections/groups_affiliation_form.html", form=form, subject=subject), \
        400 if form.errors else 200


@bp.route("/affiliations/<int:affiliation_id>/end", methods=["GET", "POST"])
@case_workers
def end_affiliation(affiliation_id: int) -> Response | str | tuple[str, int]:
    affiliation = policy.load_affiliation(affiliation_id)
    if not policy.can_end_affiliation(g.user, affiliation):
        policy.refuse(403, "ending an affiliation needs the person in scope", object_type="affiliation",
                      object_id=affiliation.id, subject_id=affiliation.subject_id)
    subject = affiliation.subject
    what = _("%(role)s of %(group)s", role=affiliation.role_label, group=affiliation.group.name)
    form = EndForm()
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="affiliation", object_id=affiliation.id)
        form.version.data = str(affiliation.version)
    if form.validate_on_submit():
        try:
            affiliations.end_affiliation(g.user, affiliation, form.reason.data or "", _version(form.version.data))
        except Invalid as exc:
            show_errors(form, exc)
            return _end_page(form, subject, what, "affiliation"), 400
        except Conflict as exc:
            db.session.rollback()
            db.session.refresh(affiliation)
            form.version.data = str(affiliation.version)
            form.form_errors.append(_("%(problem)s Your reason is kept below.", problem=exc.message))
            return _end_page(form, subject, what, "affiliation"), 409
        flash(_("The affiliation has ended; it stays in the person's history."), "success")
        return _back_to(subject.id)
    return _end_page(form, subject, what, "affiliation"), 400 if form.errors else 200


def _end_page(form: EndForm, subject: Subject, what: str, kind: str) -> str:
    return render_template("connections/groups_end.html", form=form, subject=subject, what=what, kind=kind)


@bp.route("/subjects/<int:subject_id>/skills/new", methods=["GET", "POST"])
@case_workers
def new_skill(subject_id: int) -> Response | str | tuple[str, int]:
    subject = policy.load_subject(subject_id, policy.can_record_affiliation)
    form = SkillForm()
    if not form.is_submitted():
        trail.record_view(subject.id, object_type="skill_form")
        form.learnt_on.data = utcnow().date().isoformat()
    if form.validate_on_submit():
        try:
            learnt_on = read_date(form, "learnt_on", _("The skill was not saved."))
            affiliations.record_skill(g.user, subject, form.skill.data or "", form.evidence.data or "", learnt_on)
        except Invalid as exc:
            show_errors(form, exc)
            return render_template("connections/groups_skill_form.html", form=form, subject=subject), 400
        flash(_("Skill of concern recorded."), "success")
        return _back_to(subject.id)
    return render_template("connections/groups_skill_form.html", form=form, subject=subject), \
        400 if form.errors else 200


@bp.route("/skills/<int:skill_id>/end", methods=["GET", "POST"])
@case_workers
def end_skill(skill_id: int) -> Response | str | tuple[str, int]:
    row = policy.load_person_skill(skill_id)
    if not policy.can_end_person_skill(g.user, row):
        policy.refuse(403, "ending a skill needs the person in scope", object_type="person_skill",
                      object_id=row.id, subject_id=row.subject_id)
    form = EndForm()
    if not form.is_submitted():
        trail.record_view(row.subject_id, object_type="person_skill", object_id=row.id)
    if form.validate_on_submit():
        try:
            affiliations.end_skill(g.user, row, form.reason.data or "")
        except Invalid as exc:
            show_errors(form, exc)
            return _end_page(form, row.subject, row.skill_label, "skill"), 400
        flash(_("The skill has ended; it stays in the person's history."), "success")
        return _back_to(row.subject_id)
    return _end_page(form, row.subject, row.skill_label, "skill"), 400 if form.errors else 200


# --- the nexus picture ----------------------------------------------------------------------------------------


@bp.route("/nexus")
@nexus_readers
def nexus_picture() -> str:
    found = nexus.picture(g.user)
    # Counts only, but each is read from the records of the people behind it.
    trail.record_view(found.counted, object_type="nexus")
    return render_template("connections/groups_nexus.html", picture=found,
                           level_labels={level.value: level.label for level in NexusLevel})


@bp.route("/nexus/people")
@nexus_readers
def nexus_people() -> str:
    behind = nexus.people_behind(g.user, request.args.get("measure", "")[:20], request.args.get("key", "")[:40])
    if behind is None:
        abort(404)
    trail.record_view((s.id for s, _ in behind.people), object_type="nexus_people",
                      details={"measure": request.args.get("measure", "")[:20]})
    return render_template("connections/groups_nexus_people.html", behind=behind)

