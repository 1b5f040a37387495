from __future__ import annotations

import wtforms
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from app.auth.models import Role, UnitKind

# SelectChoice is new in WTForms 3.3 and missing from its type stubs.
SelectChoice = wtforms.SelectChoice  # type: ignore[attr-defined]

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]
KIND_CHOICES = [SelectChoice(k.value, k.label) for k in UnitKind]


class UserDetailsForm(FlaskForm):
    display_name = StringField("Full name", validators=[DataRequired("Enter the person's name."), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired("Choose a role.")])
    units = SelectMultipleField("Units", choices=[], validate_choice=False)


class NewUserForm(UserDetailsForm):
    username = StringField("Username", validators=[DataRequired("Enter a username."), Length(max=64)])
    password = PasswordField("Initial password", validators=[DataRequired("Enter an initial password.")])


class EditUserForm(UserDetailsForm):
    version = HiddenField()


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField("Temporary password", validators=[DataRequired("Enter a temporary password.")])


class ConfirmForm(FlaskForm):
    """A button that changes state: CSRF-protected, nothing else."""


class UnitForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired("Enter a code."), Length(max=32)])
    name = StringField("Name", validators=[DataRequired("Enter the unit's name."), Length(max=200)])
    kind = SelectField("Kind", choices=KIND_CHOICES)


class EditUnitForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the unit's name."), Length(max=200)])
    kind = SelectField("Kind", choices=KIND_CHOICES)
