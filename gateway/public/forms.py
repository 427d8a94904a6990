"""The forms of the public pages (Flask-WTF): sign-in, the MFA step and enrolment,
invitations, password reset and sign-up. identity decides the rest; its problems come
back through `apply_problem` (gateway/web/forms.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from gateway.web.forms import REQUIRED


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)],
                       render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


class CodeForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"), validators=[
        DataRequired(REQUIRED), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Enter the 6 digits your app shows."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "7"})


class RecoveryForm(FlaskForm):
    code = StringField(_l("Recovery code"), validators=[DataRequired(REQUIRED), Length(max=64)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})


class EnrolForm(CodeForm):
    # The pending secret and its QR code travel back with the form so that a mistyped
    # code shows the same QR code again (the person has already scanned it).
    secret = HiddenField(validators=[Optional(), Regexp(r"^[A-Z2-7]{16,128}=*$")])
    qr = HiddenField(validators=[Optional(), Length(max=200_000), Regexp(r"^[A-Za-z0-9+/]+=*$")])


class InviteForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(REQUIRED), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(REQUIRED), EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"})


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)],
                       render_kw={"autocomplete": "username", "spellcheck": "false"})


class NewPasswordForm(InviteForm):
    """A new password from a reset link: the same two fields as accepting an invitation."""


class SignUpForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    company = StringField(_l("Company (optional)"), validators=[Optional(), Length(max=200)],
                          render_kw={"autocomplete": "organization"})
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(REQUIRED), EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"})


class ConfirmForm(FlaskForm):
    """A button and its CSRF token: confirming an address is a POST, never the GET that
    mail scanners make when they prefetch links."""
