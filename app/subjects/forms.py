"""Subject forms. They carry values only; the services check every rule in one pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField

from app.auth.models import User
from app.forms import DateField, SelectChoice, WaypointForm
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.ids import form_id
from app.registry import WorkItem
from app.subjects.handover import Decision, owner_field, reason_field
from app.subjects.models import (
    ALERT_LABELS,
    OFFENCE_LABELS,
    STATUS_LABELS,
    AlertCode,
    CustodyStatus,
    OffenceCategory,
)
from app.subjects.work import key

STATUS_CHOICES = [SelectChoice("", _l("Choose a status"))] + [
    SelectChoice(s.value, STATUS_LABELS[s]) for s in CustodyStatus
]
OFFENCE_CHOICES = [SelectChoice("", _l("Choose a category"))] + [
    SelectChoice(c.value, OFFENCE_LABELS[c]) for c in OffenceCategory
]
ALERT_CHOICES = [SelectChoice(a.value, ALERT_LABELS[a]) for a in AlertCode]


class SubjectForm(WaypointForm):
    reference = StringField(_l("Reference number"), render_kw={"autocomplete": "off", "spellcheck": "false"})
    given_name = StringField(_l("Given name(s)"), render_kw={"autocomplete": "off"})
    family_name = StringField(_l("Family name"), render_kw={"autocomplete": "off"})
    date_of_birth = DateField(_l("Date of birth"))
    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    status = SelectField(_l("Custody or supervision status"), choices=STATUS_CHOICES, validate_choice=False)
    index_offence_category = SelectField(_l("Index offence category"), choices=OFFENCE_CHOICES,
                                         validate_choice=False)
    sentence_date = DateField(_l("Sentence date"))
    release_date = DateField(_l("Release date"))
    next_review_due = DateField(_l("Next review due"))
    alerts = SelectMultipleField(_l("Alerts"), choices=ALERT_CHOICES, validate_choice=False)
    version = HiddenField()


class ConfirmMoveForm(WaypointForm):
    """What a move that meets a keep-apart needs from a supervisor; the page shows it only after warning them.
    `warned_move` carries back which move the warning was about, so a confirmation never covers another."""

    warned_move = HiddenField()
    confirm_move = BooleanField(_l("I confirm that this move goes ahead despite the keep-apart"))
    move_reason = TextAreaField(_l("Why the move must go ahead"), render_kw={"rows": 2})


class LocationForm(ConfirmMoveForm):
    wing = StringField(_l("Wing"), render_kw={"autocomplete": "off", "maxlength": 40})
    landing = StringField(_l("Landing"), render_kw={"autocomplete": "off", "maxlength": 40})
    cell = StringField(_l("Cell"), render_kw={"autocomplete": "off", "maxlength": 40})
    version = HiddenField()


class TransferForm(ConfirmMoveForm):
    to_unit = SelectField(_l("Move to unit"), choices=[], validate_choice=False)
    to_status = SelectField(_l("Status after the move"), choices=STATUS_CHOICES, validate_choice=False)
    moved_on = DateField(_l("Date of the move"))
    release_date = DateField(_l("Release date (only for a release on licence)"))
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3})


class AllocateForm(WaypointForm):
    owner = SelectField(_l("Case owner"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Note (optional)"), render_kw={"rows": 2})


class BreakGlassForm(WaypointForm):
    reference = StringField(_l("Exact reference number"), render_kw={"autocomplete": "off", "spellcheck": "false"})
    reason = TextAreaField(_l("Why you need this record now"), render_kw={"rows": 3})


# --- handover and reassignment: one row per open piece of work -------------------------------------------------

END_CHOICE = "end"


def work_rows_form(base: type[WaypointForm], items: Sequence[WorkItem], owners: Sequence[User],
                   keep_label: Callable[[WorkItem], str], can_end: Callable[[WorkItem], bool]) -> WaypointForm:
    """`base` with, for each item, a choice of its new owner among `owners` (or keeping it, or ending it where its
    kind can end) and the reason it ends. The fields are declared on a subclass so that every text field gets the
    base form's checks."""
    fields: dict[str, Any] = {}
    for item in items:
        choices = [SelectChoice("", keep_label(item))] + [
            SelectChoice(str(u.id), _("%(name)s (%(role)s)", name=u.display_name, role=u.role_enum.label))
            for u in owners if u.id != item.owner_id]
        if can_end(item):
            choices.append(SelectChoice(END_CHOICE, _("End it, with the reason below")))
        fields[owner_field(item)] = SelectField(item.title, choices=choices, validate_choice=False)
        fields[reason_field(item)] = StringField(_l("Reason it ends (only when ending it)"))
    form_class = type(f"{base.__name__}WithWork", (base,), fields)
    return cast(WaypointForm, form_class())


def decisions_from(form: WaypointForm, items: Sequence[WorkItem]) -> dict[str, Decision]:
    """The decision taken on each row that asks for a change: a new owner's id, or ending it with its reason."""
    decisions: dict[str, Decision] = {}
    for item in items:
        choice = form[owner_field(item)].data or ""
        if choice == END_CHOICE:
            decisions[key(item)] = Decision(end_reason=form[reason_field(item)].data or "")
        elif (owner_id := form_id(choice)) is not None:
            decisions[key(item)] = Decision(owner_id=owner_id)
    return decisions


class HandoverNoteForm(TransferForm):
    handover_note = TextAreaField(_l("Note for the receiving team (optional)"), render_kw={"rows": 4})


class ReassignWorkForm(WaypointForm):
    """The bulk reassignment of a departed user's work: its rows are added by `work_rows_form`."""
