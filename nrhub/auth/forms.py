"""Forms of the auth area: login, password reset, profile and password change."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from nrhub.auth.passwords import MIN_PASSWORD_LENGTH
from nrhub.forms import Form

LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]


def new_password_fields(label: Any = None) -> tuple[PasswordField, PasswordField]:
    """A new password (12 characters at least) and its confirmation, in this order."""
    password = PasswordField(
        label or _l("Mot de passe (12 caractères minimum)"),
        validators=[
            DataRequired(_l("Choisissez un mot de passe.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1024,
                message=_l("Le mot de passe doit comporter au moins 12 caractères."),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(_l("Confirmez le mot de passe.")),
            EqualTo("password", _l("Les deux mots de passe ne sont pas identiques.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


def email_field(label: Any) -> EmailField:
    return EmailField(
        label,
        validators=[
            DataRequired(_l("Indiquez une adresse e-mail.")),
            Email(_l("Adresse e-mail invalide.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "username"},
    )


class LoginForm(Form):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(_l("Indiquez votre adresse e-mail.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Indiquez votre mot de passe.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ForgotPasswordForm(Form):
    email = email_field(_l("Adresse e-mail de votre compte"))


class ResetPasswordForm(Form):
    password, password_confirm = new_password_fields(
        _l("Nouveau mot de passe (12 caractères minimum)")
    )


class ProfileForm(Form):
    name = StringField(
        _l("Prénom et nom"),
        validators=[DataRequired(_l("Indiquez vos prénom et nom.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    locale = SelectField(_l("Langue de l'interface"), choices=LANGUAGE_CHOICES, default="fr")


class PasswordChangeForm(Form):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(_l("Indiquez votre mot de passe actuel.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    password, password_confirm = new_password_fields(
        _l("Nouveau mot de passe (12 caractères minimum)")
    )
