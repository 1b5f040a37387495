"""Subject forms. They carry values only; the services check every rule in one pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField

from app.auth.models import User
from app.forms import DateField, SelectChoice, WaypointForm
from app.ids import form_id
from app.registry import WorkItem
from app.subjects.handover import Decision, owner_field, reason_field
from app.subjects.models import AlertCode, CustodyStatus, OffenceCategory
from app.subjects.work import key

STATUS_CHOICES = [SelectChoice("", "Choose a status")] + [SelectChoice(s.value, s.label) for s in CustodyStatus]
OFFENCE_CHOICES = [SelectChoice("", "Choose a category")] + [
    SelectChoice(c.value, c.label) for c in OffenceCategory
]
ALERT_CHOICES = [SelectChoice(a.value, a.label) for a in AlertCode]


class SubjectForm(WaypointForm):
    reference = StringField("Reference number", render_kw={"autocomplete": "off", "spellcheck": "false"})
    given_name = StringField("Given name(s)", render_kw={"autocomplete": "off"})
    family_name = StringField("Family name", render_kw={"autocomplete": "off"})
    date_of_birth = DateField("Date of birth")
    unit = SelectField("Unit", choices=[], validate_choice=False)
    status = SelectField("Custody or supervision status", choices=STATUS_CHOICES, validate_choice=False)
    index_offence_category = SelectField("Index offence category", choices=OFFENCE_CHOICES, validate_choice=False)
    sentence_date = DateField("Sentence date")
    release_date = DateField("Release date")
    next_review_due = DateField("Next review due")
    alerts = SelectMultipleField("Alerts", choices=ALERT_CHOICES, validate_choice=False)
    version = HiddenField()


class ConfirmMoveForm(WaypointForm):
    """What a move that meets a keep-apart needs from a supervisor; the page shows it only after warning them.
    `warned_move` carries back which move the warning was about, so a confirmation never covers another."""

    warned_move = HiddenField()
    confirm_move = BooleanField("I confirm that this move goes ahead despite the keep-apart")
    move_reason = TextAreaField("Why the move must go ahead", render_kw={"rows": 2})


class LocationForm(ConfirmMoveForm):
    wing = StringField("Wing", render_kw={"autocomplete": "off", "maxlength": 40})
    landing = StringField("Landing", render_kw={"autocomplete": "off", "maxlength": 40})
    cell = StringField("Cell", render_kw={"autocomplete": "off", "maxlength": 40})
    version = HiddenField()


class TransferForm(ConfirmMoveForm):
    to_unit = SelectField("Move to unit", choices=[], validate_choice=False)
    to_status = SelectField("Status after the move", choices=STATUS_CHOICES, validate_choice=False)
    moved_on = DateField("Date of the move")
    release_date = DateField("Release date (only for a release on licence)")
    reason = TextAreaField("Reason", render_kw={"rows": 3})


class AllocateForm(WaypointForm):
    owner = SelectField("Case owner", choices=[], validate_choice=False)
    note = TextAreaField("Note (optional)", render_kw={"rows": 2})


class BreakGlassForm(WaypointForm):
    reference = StringField("Exact reference number", render_kw={"autocomplete": "off", "spellcheck": "false"})
    reason = TextAreaField("Why you need this record now", render_kw={"rows": 3})


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
            SelectChoice(str(u.id), f"{u.display_name} ({u.role_enum.label})") for u in owners if u.id != item.owner_id]
        if can_end(item):
            choices.append(SelectChoice(END_CHOICE, "End it, with the reason below"))
        fields[owner_field(item)] = SelectField(item.title, choices=choices, validate_choice=False)
        fields[reason_field(item)] = StringField("Reason it ends (only when ending it)")
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
    handover_note = TextAreaField("Note for the receiving team (optional)", render_kw={"rows": 4})


class ReassignWorkForm(WaypointForm):
    """The bulk reassignment of a departed user's work: its rows are added by `work_rows_form`."""
