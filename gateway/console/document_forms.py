"""The console's forms for shared documents (Flask-WTF, CSRF on) and the words for their
codes. Sharing takes the customer (chosen as on a new order), a kind, a title, optionally
some of the customer's contacts by e-mail, a quote's terms and the file; a new version
takes a file, a note and, for a quote, new terms; withdrawing asks for a reason and a tick.

documents decides every rule (which files it takes, how large, what a kind may have); the
quick checks here only spare a round trip. Its field names come back on the form's own
(`amount_minor` on the amount, `contact_ids` on the contacts, `file` on the file)."""
from __future__ import annotations

from babel.numbers import is_currency
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from gateway.clients.base import ServiceProblem
from gateway.console.forms import AMOUNT_HINT, NUMBER
from gateway.web.forms import REQUIRED, apply_problem
from gateway.web.money import to_minor

KIND_LABELS = {"contract": _l("Contract"), "quote": _l("Quote"), "agreement": _l("Agreement"), "other": _l("Other"),
               "upload": _l("Customer's upload")}
SHARED_KINDS = ("contract", "quote", "agreement", "other")
STATUS_LABELS = {"shared": _l("Shared"), "accepted": _l("Accepted"), "declined": _l("Declined"), "signed": _l("Signed"),
                 "withdrawn": _l("Withdrawn"), "uploaded": _l("Uploaded")}
ACTIVITY_LABELS = {"shared": _l("Shared"), "version_added": _l("New version"), "withdrawn": _l("Withdrawn"),
                   "downloaded": _l("Downloaded"), "accepted": _l("Accepted"), "declined": _l("Declined"),
                   "signed": _l("Signed"), "forwarded": _l("Forwarded"), "uploaded": _l("Uploaded"), "viewed": _l("Viewed")}
ACTOR_LABELS = {"staff": _l("Staff"), "contact": _l("A contact"), "api_key": _l("An API key"), "system": _l("The system")}
FILE_HINT = _l("PDF, an image, an Office or OpenDocument file, TXT or CSV; at most 100 MB.")
SERVICE_FIELDS = {"amount_minor": "amount", "contact_ids": "contacts"}    # documents' names -> the form's


class QuoteTerms:
    """A quote's amount (typed as a decimal, sent in minor units) and its validity."""

    def amount_minor(self, currency: str | None) -> int | None:
        return to_minor(self.amount.data, currency) if (self.amount.data or "").strip() and currency else None

    def check_amount(self, currency: str | None) -> bool:
        if not (self.amount.data or "").strip() or self.amount.errors:
            return not self.amount.errors
        if not currency:
            self.amount.errors = [*self.amount.errors, _("Give the currency of the amount.")]
        elif self.amount_minor(currency) is None:
            self.amount.errors = [*self.amount.errors, _("This is not an amount in %(currency)s.", currency=currency)]
        return not self.amount.errors


class ShareForm(FlaskForm, QuoteTerms):
    customer_id = SelectField(_l("Customer"), validators=[DataRequired(_l("Choose a customer."))], choices=[])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in SHARED_KINDS], default="contract")
    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), Length(max=200)])
    contacts = StringField(_l("Only these contacts (optional)"), validators=[Optional(), Length(max=2000)],
                           render_kw={"autocomplete": "off", "spellcheck": "false"})
    number = StringField(_l("Number (optional)"), validators=[Optional(), Length(max=40)])
    amount = StringField(_l("Amount (quotes)"), validators=[Optional(), Regexp(NUMBER, message=AMOUNT_HINT)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    currency = StringField(_l("Currency (quotes)"), validators=[
        Optional(), Regexp(r"^\s*[A-Za-z]{3}\s*$", message=_l("Give a three-letter code such as EUR."))],
        render_kw={"maxlength": "3", "autocomplete": "off", "spellcheck": "false"})
    valid_until = DateField(_l("Valid until (quotes, optional)"), validators=[Optional()])
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose the file to share."))])

    def code(self) -> str | None:
        return (self.currency.data or "").strip().upper() or None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        code = self.code()
        if code and not self.currency.errors and not is_currency(code):
            self.currency.errors = [*self.currency.errors,
                                    _("%(code)s is not a currency we know: use a code such as EUR.", code=code)]
            valid = False
        if self.kind.data != "quote":
            for field in (self.amount, self.currency, self.valid_until):
                if field.data and not field.errors:
                    field.errors = [*field.errors, _("Only a quote has this: leave it empty or choose Quote.")]
                    valid = False
        return self.check_amount(code) and valid

    def emails(self) -> list[str]:
        return [e.strip().lower() for e in (self.contacts.data or "").replace(";", ",").split(",") if e.strip()]

    def body(self, contact_ids: list[str] | None) -> dict:
        """What documents' share takes beside the file (unset fields left out)."""
        return {"customer_id": self.customer_id.data, "kind": self.kind.data, "title": self.title.data.strip(),
                "contact_ids": ",".join(contact_ids) if contact_ids else None,
                "number": (self.number.data or "").strip() or None, "currency": self.code(),
                "amount_minor": self.amount_minor(self.code()),
                "valid_until": self.valid_until.data.isoformat() if self.valid_until.data else None}

    def apply_problem(self, problem: ServiceProblem) -> list[str]:
        return apply_problem(self, renamed(problem))


class VersionForm(FlaskForm, QuoteTerms):
    file = FileField(_l("New file"), validators=[FileRequired(_l("Choose the new version's file."))])
    note = TextAreaField(_l("What changed (optional; the customer sees it)"), validators=[Optional(), Length(max=2000)],
                         render_kw={"rows": "2"})
    amount = StringField(_l("New amount (optional)"), validators=[Optional(), Regexp(NUMBER, message=AMOUNT_HINT)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    valid_until = DateField(_l("Valid until (optional)"), validators=[Optional()])

    def __init__(self, *args, currency: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.quote_currency = currency          # the quote's own currency: a new amount is in it

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self.check_amount(self.quote_currency) and valid

    def body(self) -> dict:
        return {"note": (self.note.data or "").strip() or None, "amount_minor": self.amount_minor(self.quote_currency),
                "valid_until": self.valid_until.data.isoformat() if self.valid_until.data else None}


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Reason (kept in the document's activity)"), validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(_l("Yes, withdraw it: the customer can no longer see or download it"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


def renamed(problem: ServiceProblem) -> ServiceProblem:
    """The problem with documents' field names in the form's words."""
    errors = {SERVICE_FIELDS.get(name, name): messages for name, messages in problem.errors.items()}
    return ServiceProblem(problem.status, problem.detail, errors, problem.extra)
