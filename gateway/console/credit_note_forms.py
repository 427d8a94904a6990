"""The console's forms for credit notes (Flask-WTF, CSRF on): issue a note for a customer (a
plain amount with its description, optionally against one of its invoices), apply its credit
to an open invoice, record a refund made from it.

Amounts are typed as decimals ("120.50") and sent as minor units of the note's currency
(`to_minor`). Quick, readable checks here; billing decides the rest, and its refusal comes back
on the field it names (`put_problem`): billing's `amount_minor` is the form's `amount`, and a
note's `lines` (more than the invoice's total, nothing to credit) is its amount too."""
from __future__ import annotations

from babel.numbers import get_currency_precision, is_currency
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from gateway.clients.base import ServiceProblem
from gateway.console.forms import AMOUNT_HINT, NUMBER, readable
from gateway.web.forms import REQUIRED
from gateway.web.money import to_minor

# billing's field names -> the form's
FIELDS = {"amount_minor": "amount", "lines": "amount", "description": "description", "currency": "currency",
          "invoice_id": "invoice_id", "customer_id": "customer_id", "reason": "reason"}
AMOUNT = dict(validators=[DataRequired(REQUIRED), Regexp(NUMBER, message=AMOUNT_HINT)],
              render_kw={"inputmode": "decimal", "autocomplete": "off"})


class CreditAmount(FlaskForm):
    """An amount in `currency` (set by the page: the note's, or the one typed beside it)."""
    amount = StringField(_l("Amount"), **AMOUNT)

    def minor(self, currency: str) -> int | None:
        """The amount in minor units; None (and a message on the field) when it is not one."""
        minor = to_minor(self.amount.data, currency) if is_currency(currency) else None
        if not minor:
            digits = get_currency_precision(currency) if is_currency(currency) else 2
            self.amount.errors = [*self.amount.errors,
                                  _("Give an amount of %(currency)s above 0, with at most %(digits)s decimals.",
                                    currency=currency, digits=digits)]
        return minor or None


class IssueForm(CreditAmount):
    customer_id = SelectField(_l("Customer"), validators=[DataRequired(_l("Choose a customer."))], choices=[])
    invoice_id = SelectField(_l("Against invoice (optional)"), choices=[], validate_choice=True)
    currency = StringField(_l("Currency"), default="EUR", validators=[
        DataRequired(REQUIRED), Regexp(r"^\s*[A-Za-z]{3}\s*$", message=_l("Give a three-letter code such as EUR."))],
        render_kw={"maxlength": "3", "autocomplete": "off", "spellcheck": "false"})
    amount = StringField(_l("Amount to credit"), **AMOUNT)
    description = StringField(_l("Description (the note's line)"), default="Credit",
                              validators=[DataRequired(REQUIRED), Length(max=500)])
    reason = TextAreaField(_l("Reason (the customer sees it)"), validators=[Optional(), Length(max=1000)])

    def code(self) -> str:
        return (self.currency.data or "").strip().upper()

    def body(self, amount_minor: int) -> dict:
        return {"customer_id": self.customer_id.data, "currency": self.code(), "amount_minor": amount_minor,
                "description": self.description.data.strip(), "invoice_id": self.invoice_id.data or None,
                "reason": (self.reason.data or "").strip() or None}


class ApplyForm(CreditAmount):
    invoice_id = SelectField(_l("Invoice"), validators=[DataRequired(_l("Choose an invoice."))], choices=[])
    amount = StringField(_l("Amount to apply"), **AMOUNT)


class CreditRefundForm(CreditAmount):
    """`request` is made when the form is shown: sent again (a double click, the browser
    resubmitting), it names the same refund and billing records one (as RefundForm does)."""
    request = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])
    amount = StringField(_l("Amount paid back"), **AMOUNT)
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Say why the money was paid back.")), Length(max=500)])


def put_problem(form: FlaskForm, problem: ServiceProblem) -> list[str]:
    """billing's refusal on the fields it names; answers what names no field of the form, for
    the top of the page."""
    messages: list[str] = []
    named = {name: errors for name, errors in problem.errors.items()}
    field = problem.extra.get("field")
    if not named and isinstance(field, str):
        named = {field: [problem.detail]}
    for name, errors in named.items():
        key = FIELDS.get(name)
        errors = [readable(e) for e in errors]
        if key in form._fields:
            form[key].errors = [*form[key].errors, *errors]
        else:
            messages.extend(errors)
    if not named:
        messages.append(problem.detail)
    return messages
