from __future__ import annotations

from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.forms import WaypointForm
from app.i18n import lazy_gettext as _l


class LoginForm(WaypointForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter your username.")), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=1024)])


class ChangePasswordForm(WaypointForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password."))])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(_l("Enter a new password."))])
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Repeat the new password.")),
                    EqualTo("new_password", _l("The two passwords differ."))],
    )


CODE_INPUT = {"inputmode": "numeric", "spellcheck": "false", "maxlength": "9"}


class CodeForm(WaypointForm):
    """The 6-digit code of an authenticator app (sign-in and enrolment)."""

    code = StringField(_l("Code"),
                       validators=[DataRequired(_l("Enter the 6-digit code from your app.")), Length(max=16)],
                       render_kw=CODE_INPUT)


class ReauthForm(WaypointForm):
    """Confirm who you are before a sensitive action. The code is required when the user has one: the route
    says so, since the form does not know the user."""

    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=1024)])
    code = StringField(_l("Code"), validators=[Length(max=16)], render_kw=CODE_INPUT)


class LanguageForm(WaypointForm):
    """The language a user reads Waypoint in; "" is the service's default. The route fills the choices from
    the languages the installation offers."""

    language = SelectField(_l("Language"), choices=[], validate_choice=True)
