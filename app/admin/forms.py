"""Admin forms. They only carry values: every rule (required fields, formats, the password policy) is
checked by the services in one pass, so that the error summary lists every problem at once."""

from __future__ import annotations

from wtforms import HiddenField, PasswordField, SelectField, SelectMultipleField, StringField

from app.auth.models import Role, UnitKind
from app.forms import ConfirmForm, SelectChoice, WaypointForm

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]
KIND_CHOICES = [SelectChoice(k.value, k.label) for k in UnitKind]


class UserDetailsForm(WaypointForm):
    display_name = StringField("Full name")
    role = SelectField("Role", choices=ROLE_CHOICES, validate_choice=False)
    units = SelectMultipleField("Units", choices=[], validate_choice=False)


class NewUserForm(UserDetailsForm):
    username = StringField("Username")
    password = PasswordField("Initial password")


class EditUserForm(UserDetailsForm):
    version = HiddenField()


class ResetPasswordForm(WaypointForm):
    new_password = PasswordField("Temporary password")


class UnitForm(WaypointForm):
    code = StringField("Code")
    name = StringField("Name")
    kind = SelectField("Kind", choices=KIND_CHOICES, validate_choice=False)


class EditUnitForm(WaypointForm):
    name = StringField("Name")
    kind = SelectField("Kind", choices=KIND_CHOICES, validate_choice=False)


__all__ = ["ConfirmForm", "EditUnitForm", "EditUserForm", "NewUserForm", "ResetPasswordForm", "UnitForm"]
