"""The gateway's forms (Flask-WTF): what people type, checked just enough to give a
quick, readable answer; identity decides the rest and its problems come back here
through `apply_problem`, attached to the field they are about."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, ColorField, EmailField, HiddenField, IntegerField, PasswordField, RadioField,
                     SelectChoice, SelectField, SelectMultipleField, StringField)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from gateway.access import (API_SCOPES, MODULE_LABELS, MODULES, PERMISSION_LABELS, PERMISSIONS, SCOPE_LABELS,
                            SWITCH_LABELS, SWITCHES)
from gateway.identity import ServiceProblem

LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español",
             "it": "Italiano", "nl": "Nederlands", "pt": "Português"}
NOTIFY = (("invoices", "New invoices"), ("payments", "Payments"), ("tickets", "Ticket replies"),
          ("documents", "Shared documents"), ("orders", "Orders and deliveries"))
REQUIRED = "Please fill this in."
DEFAULT_BRAND = "#1d4ed8"            # portal.css's own --brand


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (each with its own label) in place of a multi-select."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SignInForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(REQUIRED), Length(max=254)],
                       render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField("Password", validators=[DataRequired(REQUIRED), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


class CodeForm(FlaskForm):
    code = StringField("Code from your authenticator app", validators=[
        DataRequired(REQUIRED), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="Enter the 6 digits your app shows.")],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "7"})


class RecoveryForm(FlaskForm):
    code = StringField("Recovery code", validators=[DataRequired(REQUIRED), Length(max=64)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})


class EnrolForm(CodeForm):
    # The pending secret and its QR code travel back with the form so that a mistyped
    # code shows the same QR code again (the person has already scanned it).
    secret = HiddenField(validators=[Optional(), Regexp(r"^[A-Z2-7]{16,128}=*$")])
    qr = HiddenField(validators=[Optional(), Length(max=200_000), Regexp(r"^[A-Za-z0-9+/]+=*$")])


class InviteForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(REQUIRED), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    repeat = PasswordField("Repeat the new password", validators=[
        DataRequired(REQUIRED), EqualTo("password", message="The two passwords are not the same.")],
        render_kw={"autocomplete": "new-password"})


class ResetRequestForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(REQUIRED), Length(max=254)],
                       render_kw={"autocomplete": "username", "spellcheck": "false"})


class NewPasswordForm(InviteForm):
    """A new password from a reset link: the same two fields as accepting an invitation."""


class SignUpForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(REQUIRED), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    company = StringField("Company (optional)", validators=[Optional(), Length(max=200)],
                          render_kw={"autocomplete": "organization"})
    email = EmailField("E-mail", validators=[DataRequired(REQUIRED), Length(max=254)],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})
    password = PasswordField("Password", validators=[DataRequired(REQUIRED), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    repeat = PasswordField("Repeat the password", validators=[
        DataRequired(REQUIRED), EqualTo("password", message="The two passwords are not the same.")],
        render_kw={"autocomplete": "new-password"})


class ConfirmForm(FlaskForm):
    """A button and its CSRF token: confirming an address is a POST, never the GET that
    mail scanners make when they prefetch links."""


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(REQUIRED)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password", validators=[DataRequired(REQUIRED), Length(max=1024)],
                                 render_kw={"autocomplete": "new-password"})
    repeat = PasswordField("Repeat the new password", validators=[
        DataRequired(REQUIRED), EqualTo("new_password", message="The two passwords are not the same.")],
        render_kw={"autocomplete": "new-password"})


class ProfileForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(REQUIRED), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    phone = StringField("Phone", validators=[Optional(), Length(max=50)],
                        render_kw={"autocomplete": "tel", "type": "tel"})
    language = SelectField("Language", choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
                           validate_choice=False)
    line1 = StringField("Address", validators=[Optional(), Length(max=200)],
                        render_kw={"autocomplete": "address-line1"})
    line2 = StringField("Address, second line", validators=[Optional(), Length(max=200)],
                        render_kw={"autocomplete": "address-line2"})
    city = StringField("City", validators=[Optional(), Length(max=100)],
                       render_kw={"autocomplete": "address-level2"})
    postcode = StringField("Postcode", validators=[Optional(), Length(max=20)],
                           render_kw={"autocomplete": "postal-code"})
    country = StringField("Country", validators=[Optional(), Length(max=100)],
                          render_kw={"autocomplete": "country-name"})
    notify_invoices = BooleanField(NOTIFY[0][1])
    notify_payments = BooleanField(NOTIFY[1][1])
    notify_tickets = BooleanField(NOTIFY[2][1])
    notify_documents = BooleanField(NOTIFY[3][1])
    notify_orders = BooleanField(NOTIFY[4][1])

    ADDRESS = ("line1", "line2", "city", "postcode", "country")

    def fill(self, profile: dict) -> None:
        self.name.data = profile.get("name") or ""
        self.phone.data = profile.get("phone") or ""
        self.language.data = profile.get("language") or "en"
        if self.language.data not in LANGUAGES:
            self.language.choices = [*self.language.choices, SelectChoice(self.language.data)]
        address = profile.get("address") or {}
        for key in self.ADDRESS:
            self[key].data = address.get(key) or ""
        notify = profile.get("notify") or {}
        for key, _label in NOTIFY:
            self[f"notify_{key}"].data = bool(notify.get(key))

    def changes(self) -> dict:
        return {"name": self.name.data.strip(), "phone": (self.phone.data or "").strip(),
                "language": self.language.data,
                "address": {key: (self[key].data or "").strip() for key in self.ADDRESS},
                "notify": {key: bool(self[f"notify_{key}"].data) for key, _label in NOTIFY}}


ROLE_LABELS = {"owner": "Owner", "admin": "Admin", "agent": "Agent"}


class StaffForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(REQUIRED), Length(max=254)])
    role = SelectField("Role", choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()], default="agent")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()])


class CustomerForm(FlaskForm):
    name = StringField("Customer name", validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField("Billing e-mail", validators=[DataRequired(REQUIRED), Length(max=254)])


class PermissionsForm(FlaskForm):
    permissions = MultiCheckboxField("Permissions",
                                     choices=[SelectChoice(p, PERMISSION_LABELS[p]) for p in PERMISSIONS])


class ContactForm(PermissionsForm):
    name = StringField("Name", validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(REQUIRED), Length(max=254)])


class SettingsForm(FlaskForm):
    modules = MultiCheckboxField("Modules customers see",
                                 choices=[SelectChoice(m, MODULE_LABELS[m]) for m in MODULES])
    brand_colour = ColorField("Brand colour", validators=[Optional()], default=DEFAULT_BRAND)
    ticket_reopen_days = IntegerField("Days a customer may reopen a resolved ticket", default=14, validators=[
        Optional(), NumberRange(0, 365, "Give a whole number of days from 0 to 365.")],
        render_kw={"min": "0", "max": "365"})
    review_period_days = IntegerField("Days between two service reviews of one contact", default=30, validators=[
        Optional(), NumberRange(1, 365, "Give a whole number of days from 1 to 365.")],
        render_kw={"min": "1", "max": "365"})

    def fill(self, org_settings: dict) -> None:
        for key in SWITCHES:
            self[key].data = bool(org_settings.get(key))
        self.ticket_reopen_days.data = org_settings.get("ticket_reopen_days", 14)
        self.review_period_days.data = org_settings.get("review_period_days", 30)
        self.modules.data = [m for m in MODULES if m in (org_settings.get("modules") or [])]
        self.brand_colour.data = org_settings.get("brand_colour") or DEFAULT_BRAND

    def changes(self, org_settings: dict) -> dict:
        changes = {**{key: bool(self[key].data) for key in SWITCHES},
                   "modules": [m for m in MODULES if m in (self.modules.data or [])]}
        for key in ("ticket_reopen_days", "review_period_days"):
            if self[key].data is not None:
                changes[key] = self[key].data
        colour = (self.brand_colour.data or DEFAULT_BRAND).lower()
        if colour != (org_settings.get("brand_colour") or DEFAULT_BRAND):
            changes["brand_colour"] = colour
        return changes


class LogoForm(FlaskForm):
    logo = FileField("Logo", validators=[FileRequired("Choose an image file.")],
                     render_kw={"accept": "image/png,image/jpeg,image/webp"})


for _switch in SWITCHES:
    setattr(SettingsForm, _switch, BooleanField(SWITCH_LABELS[_switch]))


class ApiKeyForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(REQUIRED), Length(max=100)],
                       render_kw={"autocomplete": "off"})
    # Checked here, not with DataRequired: that puts `required` on every checkbox, and a
    # browser would then refuse the form unless all of them are ticked.
    scopes = MultiCheckboxField("What the key may reach",
                                choices=[SelectChoice(s, SCOPE_LABELS[s]) for s in API_SCOPES])

    def validate_scopes(self, field):
        if not field.data:
            raise ValidationError("Choose at least one thing the key may reach.")


FIELD_ALIASES = {"address.line1": "line1", "address.line2": "line2", "address.city": "city",
                 "address.postcode": "postcode", "address.country": "country", "code": "code"}


def apply_problem(form: FlaskForm | None, problem: ServiceProblem) -> list[str]:
    """Puts identity's field errors on the form's fields; answers the sentences to show
    above the form (the problem's detail, and any error that names no field of the form)."""
    messages = [problem_sentence(problem)]
    for name, errors in problem.errors.items():
        key = FIELD_ALIASES.get(name, name)
        if name.startswith("notify."):
            key = "notify_" + name.split(".", 1)[1]
        if form is not None and key in form._fields and key != "csrf_token":
            form[key].errors = [*form[key].errors, *errors]
        else:
            messages.extend(errors)
    return messages


def problem_sentence(problem: ServiceProblem) -> str:
    sentence = problem.detail
    attempts = problem.extra.get("attempts_left")
    if isinstance(attempts, int) and attempts >= 0:
        sentence += f" {attempts} attempt{'s' if attempts != 1 else ''} left."
    retry = problem.extra.get("retry_after")
    if isinstance(retry, (int, float)) and retry > 0:
        minutes = int((retry + 59) // 60)
        sentence += (f" Please try again in {int(retry)} seconds." if retry < 120
                     else f" Please try again in {minutes} minutes.")
    return sentence


PAY_METHODS = {"card": "Card", "bank_debit": "Bank debit (takes a few working days to clear)"}


class PayForm(FlaskForm):
    method = RadioField("How would you like to pay?", choices=[SelectChoice(k, v) for k, v in PAY_METHODS.items()],
                        default="card", validators=[DataRequired("Choose how to pay.")])
    amount = StringField("Amount to pay now", validators=[Optional(), Length(max=20),
                                                          Regexp(r"^\d+([.,]\d{1,3})?$", message="Give an amount like 120.50.")],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
