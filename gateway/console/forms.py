"""The console's forms (Flask-WTF).

Staff, customers and contacts, portal settings and API keys: quick checks; identity
decides the rest and its problems come back at their fields (`apply_problem`).

Invoices: a new invoice with a fixed number of line rows (so it works without JavaScript;
empty rows are ignored), and the small forms on an invoice's page.

Amounts are typed as decimals ("120.50") and sent as integer minor units with the
currency's own precision (Babel). billing decides the rest; its field errors come back
through `InvoiceForm.apply_problem`, which puts `lines.2.quantity` on the row the person
typed it in (billing counts only the rows that were sent).

Notifications (Flask-WTF, CSRF on): an e-mail template's wording, and a new webhook. Quick,
readable checks here; notifications decides the rest (an unknown placeholder, a URL that is
not https) and its problems come back at the field they are about; and a staff member's
choice of activity mail per kind."""
from __future__ import annotations

from babel.numbers import get_currency_precision, is_currency
from flask import request
from flask_babel import get_locale, gettext as _, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, ColorField, DateField, EmailField, Form, HiddenField, IntegerField, RadioField,
                     SelectChoice, SelectField, StringField, TextAreaField)
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional, Regexp,
                                ValidationError)

from gateway.clients.base import ServiceProblem
from gateway.web.access import API_SCOPES, MODULES, PERMISSIONS, SWITCHES
from gateway.web.event_labels import ALL_EVENTS, event_groups
from gateway.web.forms import MultiCheckboxField, REQUIRED, problem_sentence
from gateway.web.i18n import LOCALES
from gateway.web.labels import MODULE_LABELS, PERMISSION_LABELS, SCOPE_LABELS, SWITCH_LABELS
from gateway.web.money import decimal_text, to_minor

DEFAULT_BRAND = "#1d4ed8"            # portal.css's own --brand


# -- staff, customers, settings, API keys ----------------------------------------------------
ROLE_LABELS = {"owner": _l("Owner"), "admin": _l("Admin"), "agent": _l("Agent")}


class StaffForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    role = SelectField(_l("Role"), choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()], default="agent")


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()])


ADDRESS_LINES = 6                    # identity's limit (services/identity/domain/postal.py)
ADDRESS_HINT = _l("One line each, as it prints on invoices (at most %(lines)s lines).", lines=ADDRESS_LINES)


def address_lines(text: str | None) -> list[str]:
    """A textarea's address as identity takes it: its non-blank lines, trimmed."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def at_most_address_lines(form, field) -> None:
    if len(address_lines(field.data)) > ADDRESS_LINES:
        raise ValidationError(_("An address has at most %(lines)s lines.", lines=ADDRESS_LINES))


def address_field(label: str) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=1300), at_most_address_lines],
                         description=ADDRESS_HINT, render_kw={"rows": "4", "autocomplete": "off"})


def tax_id_field(label: str) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=50)], render_kw={"autocomplete": "off"})


class CustomerForm(FlaskForm):
    """A new customer, or a customer's details on its page (the billing address and tax id
    print under "Bill to" on its invoices)."""
    name = StringField(_l("Customer name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("Billing e-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    address = address_field(_l("Billing address"))
    tax_id = tax_id_field(_l("Tax ID (VAT number)"))

    def fill(self, customer: dict) -> None:
        self.name.data, self.email.data = customer.get("name"), customer.get("email")
        self.address.data = "\n".join(customer.get("address") or [])
        self.tax_id.data = customer.get("tax_id") or ""

    def details(self) -> dict:
        return {"name": self.name.data.strip(), "email": self.email.data.strip(),
                "address": address_lines(self.address.data), "tax_id": (self.tax_id.data or "").strip() or None}


class PermissionsForm(FlaskForm):
    permissions = MultiCheckboxField(_l("Permissions"),
                                     choices=[SelectChoice(p, PERMISSION_LABELS[p]) for p in PERMISSIONS])


class ModulesForm(FlaskForm):
    """Modules to tick among the org's own (the choices are set per request: `offer`). The page
    sends `offered` with the boxes, so a form without them (an older page, a hand-made post)
    leaves the modules as they are rather than taking them all away."""
    modules = MultiCheckboxField(_l("Modules"), choices=[])
    offered = HiddenField()

    def left_out(self) -> bool:
        return self.offered.data != "1"

    def offer(self, org_modules: list[str], chosen: list[str] | None) -> "ModulesForm":
        """The org's modules as choices, ticked where `chosen` holds them (None: all of them)."""
        self.modules.choices = [SelectChoice(m, MODULE_LABELS[m]) for m in MODULES if m in org_modules]
        if self.modules.data is None or not self.is_submitted():
            self.modules.data = [m for m in org_modules if chosen is None or m in chosen]
        return self

    def narrowed(self, org_modules: list[str]) -> list[str] | None:
        """What was ticked, or None when every module of the org was: nothing narrowed, so a
        module the org switches on later is theirs too."""
        ticked = [m for m in MODULES if m in (self.modules.data or [])]
        return None if set(ticked) >= set(org_modules) else ticked


class ContactAccessForm(PermissionsForm, ModulesForm):
    """A contact's permissions and, within the org's and their customer's, their modules."""


class ContactForm(PermissionsForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])


class SettingsForm(FlaskForm):
    modules = MultiCheckboxField(_l("Modules customers see"),
                                 choices=[SelectChoice(m, MODULE_LABELS[m]) for m in MODULES])
    brand_colour = ColorField(_l("Brand colour"), validators=[Optional()], default=DEFAULT_BRAND)
    ticket_reopen_days = IntegerField(_l("Days a customer may reopen a resolved ticket"), default=14, validators=[
        Optional(), NumberRange(0, 365, _l("Give a whole number of days from 0 to 365."))],
        render_kw={"min": "0", "max": "365"})
    review_period_days = IntegerField(_l("Days between two service reviews of one contact"), default=30, validators=[
        Optional(), NumberRange(1, 365, _l("Give a whole number of days from 1 to 365."))],
        render_kw={"min": "1", "max": "365"})
    upload_limit_mb = IntegerField(_l("Largest file a customer may upload, in MB"), default=25, validators=[
        Optional(), NumberRange(1, 100, _l("Give a whole number of MB from 1 to 100."))],
        render_kw={"min": "1", "max": "100"})
    seller_address = address_field(_l("Your address"))
    seller_tax_id = tax_id_field(_l("Your tax ID (VAT number)"))
    # The pages' language for a visitor whose browser asks for none the portal offers; each
    # language is named in itself, so whoever reads the list finds their own.
    default_language = SelectField(_l("Default language"), choices=[SelectChoice(k, v) for k, v in LOCALES.items()],
                                   default="en")

    def fill(self, org_settings: dict) -> None:
        for key in SWITCHES:
            self[key].data = bool(org_settings.get(key))
        self.ticket_reopen_days.data = org_settings.get("ticket_reopen_days", 14)
        self.review_period_days.data = org_settings.get("review_period_days", 30)
        self.upload_limit_mb.data = org_settings.get("upload_limit_mb", 25)
        self.modules.data = [m for m in MODULES if m in (org_settings.get("modules") or [])]
        self.brand_colour.data = org_settings.get("brand_colour") or DEFAULT_BRAND
        self.seller_address.data = "\n".join(org_settings.get("seller_address") or [])
        self.seller_tax_id.data = org_settings.get("seller_tax_id") or ""
        self.default_language.data = org_settings.get("default_language") or "en"

    def changes(self, org_settings: dict) -> dict:
        changes = {**{key: bool(self[key].data) for key in SWITCHES},
                   "modules": [m for m in MODULES if m in (self.modules.data or [])]}
        for key in ("ticket_reopen_days", "review_period_days", "upload_limit_mb"):
            if self[key].data is not None:
                changes[key] = self[key].data
        address, tax_id = address_lines(self.seller_address.data), (self.seller_tax_id.data or "").strip() or None
        if address != (org_settings.get("seller_address") or []):
            changes["seller_address"] = address
        if tax_id != org_settings.get("seller_tax_id"):
            changes["seller_tax_id"] = tax_id
        if self.default_language.data != (org_settings.get("default_language") or "en"):
            changes["default_language"] = self.default_language.data
        colour = (self.brand_colour.data or DEFAULT_BRAND).lower()
        if colour != (org_settings.get("brand_colour") or DEFAULT_BRAND):
            changes["brand_colour"] = colour
        return changes


class LogoForm(FlaskForm):
    logo = FileField(_l("Logo"), validators=[FileRequired(_l("Choose an image file."))],
                     render_kw={"accept": "image/png,image/jpeg,image/webp"})


for _switch in SWITCHES:
    setattr(SettingsForm, _switch, BooleanField(SWITCH_LABELS[_switch]))


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=100)],
                       render_kw={"autocomplete": "off"})
    # Checked here, not with DataRequired: that puts `required` on every checkbox, and a
    # browser would then refuse the form unless all of them are ticked.
    scopes = MultiCheckboxField(_l("What the key may reach"),
                                choices=[SelectChoice(s, SCOPE_LABELS[s]) for s in API_SCOPES])

    def validate_scopes(self, field):
        if not field.data:
            raise ValidationError(_("Choose at least one thing the key may reach."))


# -- invoices ------------------------------------------------------------------------------------
LINE_ROWS = 3                   # the rows a new invoice starts with; "Add a line" adds one
MOST_ROWS = 100                 # the rows one form may post
NUMBER = r"^\s*\d{1,12}([.,]\d+)?\s*$"
AMOUNT_HINT = _l("Give an amount like 120.50.")
OFFLINE_METHODS = {"bank_transfer": _l("Bank transfer"), "cash": _l("Cash"), "cheque": _l("Cheque")}
# billing's field names -> the form's, and marshmallow's terse words -> sentences
LINE_FIELDS = {"description": "description", "quantity": "quantity", "unit_price_minor": "unit_price",
               "tax_rate": "tax_rate", "discount_percent": "discount_percent",
               "discount_fixed_minor": "discount_percent"}
PLAIN_WORDS = {"Not a valid number.": _l("Enter a number like 2 or 2.5."),
               "Not a valid decimal.": _l("Enter a number like 2 or 2.5."),
               "Not a valid integer.": _l("Enter a whole number."),
               "Missing data for required field.": REQUIRED,
               "Field may not be null.": REQUIRED,
               "Not a valid date.": _l("Enter a date like 2026-12-31.")}


def _in_sentence(label) -> str:
    """A field's label inside an English sentence starts lower-case ("Line 2, unit price: ...");
    other languages keep their words as they are (a German noun keeps its capital)."""
    return str(label).lower() if get_locale() is None or get_locale().language == "en" else str(label)


def readable(message: str) -> str:
    return str(PLAIN_WORDS.get(message, message))


class LineForm(Form):
    """One line row; all of it empty means "no line here"."""
    description = StringField(_l("Description"), validators=[Optional(), Length(max=500)])
    quantity = StringField(_l("Quantity"), validators=[Optional(), Regexp(NUMBER, message=_l("Enter a number like 2 or 2.5."))],
                           render_kw={"inputmode": "decimal", "autocomplete": "off"})
    unit_price = StringField(_l("Unit price"), validators=[Optional(), Regexp(NUMBER, message=AMOUNT_HINT)],
                             render_kw={"inputmode": "decimal", "autocomplete": "off"})
    tax_rate = StringField(_l("Tax rate (%)"), validators=[Optional(), Regexp(NUMBER, message=_l("Enter a percentage like 20."))],
                           render_kw={"inputmode": "decimal", "autocomplete": "off"})
    discount_percent = StringField(_l("Discount (%, optional)"),
                                   validators=[Optional(), Regexp(NUMBER, message=_l("Enter a percentage like 10."))],
                                   render_kw={"inputmode": "decimal", "autocomplete": "off"})

    def is_empty(self) -> bool:
        return not any((field.data or "").strip() for field in self)


class InvoiceForm(FlaskForm):
    customer_id = SelectField(_l("Customer"), validators=[DataRequired(_l("Choose a customer."))], choices=[])
    currency = StringField(_l("Currency"), default="EUR", validators=[
        DataRequired(REQUIRED), Regexp(r"^\s*[A-Za-z]{3}\s*$", message=_l("Give a three-letter code such as EUR."))],
        render_kw={"maxlength": "3", "autocomplete": "off", "spellcheck": "false"})
    due_date = DateField(_l("Due date (optional)"), validators=[Optional()])
    notes = TextAreaField(_l("Notes for the customer (optional)"), validators=[Optional(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Plain forms with the prefix "lines-N" (fields "lines-2-quantity"), not a FieldList:
        # a FieldList renumbers rows when some are missing from the post. How many rows the
        # page had travels in `rows` (Add a line / Remove change it).
        formdata = request.form if self.is_submitted() else None
        self.lines = [LineForm(formdata, prefix=f"lines-{i}") for i in range(self._rows(formdata))]

    def _rows(self, formdata) -> int:
        try:
            asked = int((formdata or {}).get("rows") or self.start_rows)
        except ValueError:
            asked = self.start_rows
        return max(1, min(asked, MOST_ROWS))

    start_rows = LINE_ROWS

    def add_row(self) -> None:
        if len(self.lines) < MOST_ROWS:
            self.lines.append(LineForm(None, prefix=f"lines-{len(self.lines)}"))

    def remove_row(self, row: int) -> None:
        """Drop a row; the rows after it move up, with what was typed in them."""
        kept = [line.data for i, line in enumerate(self.lines) if i != row] or [{}]
        self.lines = [LineForm(None, prefix=f"lines-{i}", data=data) for i, data in enumerate(kept)]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        valid = all([line.validate() for line in self.lines]) and valid
        code = self.code()
        if not self.currency.errors and not is_currency(code):
            self.currency.errors = [*self.currency.errors, _("%(code)s is not a currency we know: use a code such as EUR.", code=code)]
            valid = False
        rows = self.filled_rows()
        if not rows:
            first = self.lines[0].description
            first.errors = [*first.errors, _("An invoice needs at least one line.")]
            return False
        for row in rows:
            line = self.lines[row]
            for name in ("description", "quantity", "unit_price"):
                if not (line[name].data or "").strip():
                    line[name].errors = [*line[name].errors, REQUIRED]
                    valid = False
            if (not self.currency.errors and not line.unit_price.errors and line.unit_price.data
                    and to_minor(line.unit_price.data, code) is None):
                digits = get_currency_precision(code)
                line.unit_price.errors = [*line.unit_price.errors,
                                          ngettext("%(code)s amounts have %(num)s decimal at most.",
                                                   "%(code)s amounts have %(num)s decimals at most.", digits, code=code)]
                valid = False
        return valid

    def line_messages(self) -> list[str]:
        """The rows' own errors as sentences for the top of the form ("Line 3: ...")."""
        return [_("Line %(number)s, %(field)s: %(error)s", number=row + 1, field=_in_sentence(field.label.text), error=error)
                for row, line in enumerate(self.lines)
                for field in line for error in field.errors]

    def code(self) -> str:
        return (self.currency.data or "").strip().upper()

    def filled_rows(self) -> list[int]:
        return [i for i, line in enumerate(self.lines) if not line.is_empty()]

    def body(self, issue: bool) -> dict:
        """What billing's POST /invoices takes (only the filled rows, in their order)."""
        code = self.code()
        lines = []
        for row in self.filled_rows():
            line = self.lines[row]
            entry = {"description": line.description.data.strip(), "quantity": decimal_text(line.quantity.data),
                     "unit_price_minor": to_minor(line.unit_price.data, code),
                     "tax_rate": decimal_text(line.tax_rate.data) or "0"}
            if decimal_text(line.discount_percent.data):
                entry["discount_percent"] = decimal_text(line.discount_percent.data)
            lines.append(entry)
        return {"customer_id": self.customer_id.data, "currency": code, "lines": lines,
                "due_date": self.due_date.data.isoformat() if self.due_date.data else None,
                "notes": (self.notes.data or "").strip() or None, "issue": issue}

    def apply_problem(self, problem: ServiceProblem) -> list[str]:
        """billing's field errors onto their fields (a line's onto the row it came from);
        answers the sentences for the top of the form."""
        rows = self.filled_rows()
        messages: list[str] = []
        line_problems = False
        for name, errors in problem.errors.items():
            errors = [readable(e) for e in errors]
            parts = name.split(".")
            if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
                row = rows[int(parts[1])]
                field = self.lines[row][LINE_FIELDS.get(parts[2], "description")]
                field.errors = [*field.errors, *errors]
                messages.extend(_("Line %(number)s: %(error)s", number=row + 1, error=e) for e in errors)
                line_problems = True
            elif name in self._fields and name not in ("csrf_token", "lines"):
                self[name].errors = [*self[name].errors, *errors]
            else:
                messages.extend(errors)
        field = problem.extra.get("field")
        if not problem.errors and isinstance(field, str) and field in self._fields and field != "lines":
            self[field].errors = [*self[field].errors, problem.detail]
        if not line_problems:             # billing's own "Line 2: ..." counts the rows sent, not the rows shown
            messages.insert(0, problem_sentence(problem))
        return list(dict.fromkeys(messages))


class EditForm(FlaskForm):
    """What may change on an issued invoice here: due date and notes."""
    due_date = DateField(_l("Due date"), validators=[Optional()])
    notes = TextAreaField(_l("Notes for the customer"), validators=[Optional(), Length(max=5000)])


class VoidForm(FlaskForm):
    reason = StringField(_l("Reason (kept in the invoice's history)"), validators=[Optional(), Length(max=500)])


class OfflinePaymentForm(FlaskForm):
    method = SelectField(_l("Paid by"), choices=[SelectChoice(k, v) for k, v in OFFLINE_METHODS.items()],
                         default="bank_transfer")
    amount = StringField(_l("Amount received"), validators=[DataRequired(REQUIRED), Regexp(NUMBER, message=AMOUNT_HINT)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    reference = StringField(_l("Reference (optional: the bank's or cheque's)"), validators=[Optional(), Length(max=200)],
                            render_kw={"autocomplete": "off"})


class RefundForm(FlaskForm):
    """`request` is made when the form is shown: sent again (a double click, a retry after a
    timeout, the browser resubmitting) it names the same refund, and billing makes one.
    A refund gives money back and the invoice stays paid; `reopen_invoice` (unticked unless
    staff tick it) reverses the payment instead: the customer owes the amount again."""
    request = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])
    amount = StringField(_l("Amount to refund"), validators=[DataRequired(REQUIRED), Regexp(NUMBER, message=AMOUNT_HINT)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=500)])
    reopen_invoice = BooleanField(_l("Reverse the payment instead: reopen the invoice, so the customer owes "
                                     "this amount again"))


def form_errors(form: FlaskForm) -> str:
    """A refused small form as one sentence for a flash message: "Amount received: ..."."""
    return " ".join(f"{form[name].label.text}: {error}" for name, errors in form.errors.items()
                    for error in (errors if isinstance(errors, list) else [str(errors)]))


class StaffCommentForm(FlaskForm):
    text = TextAreaField(_l("Comment"), validators=[DataRequired(_l("Write the comment first.")), Length(max=5000)])
    show_in_portal = BooleanField(_l("Show to the customer in the portal (they get an e-mail)"))


# -- notifications: e-mail templates, webhooks, activity mail ---------------------------------


class TemplateForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(REQUIRED), Length(max=300)],
                          render_kw={"autocomplete": "off", "spellcheck": "true"})
    text = TextAreaField(_l("Text body"), validators=[DataRequired(REQUIRED), Length(max=20000)],
                         render_kw={"rows": "12"})
    html = TextAreaField(_l("HTML body (optional)"), validators=[Optional(), Length(max=50000)],
                         render_kw={"rows": "8", "spellcheck": "false"})


class WebhookForm(FlaskForm):
    url = StringField(_l("URL"), validators=[DataRequired(REQUIRED), Length(min=8, max=2000)],
                      render_kw={"autocomplete": "off", "spellcheck": "false", "inputmode": "url",
                                 "placeholder": "https://"})
    # Checked here, not with DataRequired (that would make a browser require every box).
    event_types = MultiCheckboxField(_l("Events to send"), choices=[])

    def set_catalogue(self, types: list[dict]) -> "WebhookForm":
        """The catalogue's types, grouped by area in plain words (`groups`, for the page);
        each checkbox's value stays the raw type."""
        self.groups = event_groups([t["type"] for t in types])
        self.event_types.choices = [SelectChoice(ALL_EVENTS, _l("All events, and those added later")),
                                    *(SelectChoice(t, words[:1].upper() + words[1:])
                                      for _area, pairs in self.groups for t, words in pairs)]
        return self

    def validate_event_types(self, field):
        if not field.data:
            raise ValidationError(_("Choose at least one event."))


ACTIVITY_KIND_LABELS = {"payments": _l("Payments"), "comments": _l("Comments"),
                        "approvals": _l("Quotes and agreements decided"), "uploads": _l("Documents uploaded"),
                        "tickets": _l("New tickets"), "reviews": _l("Reviews")}
MAIL_MODES = {"off": _l("No e-mail"), "immediate": _l("An e-mail each time"), "daily": _l("A daily digest")}


class ActivityMailForm(FlaskForm):
    """One choice per kind of activity (fields added below, one per kind)."""


for _kind, _label in ACTIVITY_KIND_LABELS.items():
    setattr(ActivityMailForm, _kind, RadioField(_label, default="off", validators=[InputRequired(_l("Choose one."))],
                                                choices=[SelectChoice(k, v) for k, v in MAIL_MODES.items()]))
