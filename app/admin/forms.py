"""Admin forms. They only carry values: every rule (required fields, formats, the password policy) is
checked by the services in one pass, so that the error summary lists every problem at once."""

from __future__ import annotations

from wtforms import HiddenField, PasswordField, SelectField, SelectMultipleField, StringField

from app.auth.models import ROLE_LABELS, UNIT_KIND_LABELS, Role, UnitKind
from app.forms import ConfirmForm, SelectChoice, WaypointForm
from app.i18n import lazy_gettext as _l

ROLE_CHOICES = [SelectChoice(r.value, ROLE_LABELS[r]) for r in Role]
KIND_CHOICES = [SelectChoice(k.value, UNIT_KIND_LABELS[k]) for k in UnitKind]


class UserDetailsForm(WaypointForm):
    display_name = StringField(_l("Full name"))
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validate_choice=False)
    units = SelectMultipleField(_l("Units"), choices=[], validate_choice=False)


class NewUserForm(UserDetailsForm):
    username = StringField(_l("Username"))
    password = PasswordField(_l("Initial password"))


class EditUserForm(UserDetailsForm):
    version = HiddenField()


class ResetPasswordForm(WaypointForm):
    new_password = PasswordField(_l("Temporary password"))


class UnitForm(WaypointForm):
    code = StringField(_l("Code"))
    name = StringField(_l("Name"))
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, validate_choice=False)


class EditUnitForm(WaypointForm):
    name = StringField(_l("Name"))
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, validate_choice=False)


__all__ = ["ConfirmForm", "EditUnitForm", "EditUserForm", "NewUserForm", "ResetPasswordForm", "UnitForm"]
