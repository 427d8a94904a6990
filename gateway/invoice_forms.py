"""The console's invoice forms: a new invoice with a fixed number of line rows (so it works
without JavaScript; empty rows are ignored), and the small forms on an invoice's page.

Amounts are typed as decimals ("120.50") and sent as integer minor units with the
currency's own precision (Babel). billing decides the rest; its field errors come back
through `InvoiceForm.apply_problem`, which puts `lines.2.quantity` on the row the person
typed it in (billing counts only the rows that were sent)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision, is_currency
from flask import request
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, Form, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from gateway.forms import REQUIRED, problem_sentence
from gateway.identity import ServiceProblem

LINE_ROWS = 5
NUMBER = r"^\s*\d{1,12}([.,]\d+)?\s*$"
AMOUNT_HINT = "Give an amount like 120.50."
OFFLINE_METHODS = {"bank_transfer": "Bank transfer", "cash": "Cash", "cheque": "Cheque"}
# billing's field names -> the form's, and marshmallow's terse words -> sentences
LINE_FIELDS = {"description": "description", "quantity": "quantity", "unit_price_minor": "unit_price",
               "tax_rate": "tax_rate", "discount_percent": "discount_percent",
               "discount_fixed_minor": "discount_percent"}
PLAIN_WORDS = {"Not a valid number.": "Enter a number like 2 or 2.5.",
               "Not a valid decimal.": "Enter a number like 2 or 2.5.",
               "Not a valid integer.": "Enter a whole number.",
               "Missing data for required field.": REQUIRED,
               "Field may not be null.": REQUIRED,
               "Not a valid date.": "Enter a date like 2026-12-31."}


def decimal_text(text: str | None) -> str | None:
    """"2,5 " -> "2.5"; None for an empty field."""
    text = (text or "").strip().replace(",", ".")
    return text or None


def to_minor(text: str | None, currency: str) -> int | None:
    """"120,5" in EUR -> 12050, "5000" in JPY -> 5000; None when it is not an amount of this
    currency (more decimals than the currency has, or not a number)."""
    try:
        amount = Decimal(decimal_text(text) or "x")
    except InvalidOperation:
        return None
    minor = amount.scaleb(get_currency_precision(currency))
    return int(minor) if minor >= 0 and minor == minor.to_integral_value() else None


def readable(message: str) -> str:
    return PLAIN_WORDS.get(message, message)


class LineForm(Form):
    """One line row; all of it empty means "no line here"."""
    description = StringField("Description", validators=[Optional(), Length(max=500)])
    quantity = StringField("Quantity", validators=[Optional(), Regexp(NUMBER, message="Enter a number like 2 or 2.5.")],
                           render_kw={"inputmode": "decimal", "autocomplete": "off"})
    unit_price = StringField("Unit price", validators=[Optional(), Regexp(NUMBER, message=AMOUNT_HINT)],
                             render_kw={"inputmode": "decimal", "autocomplete": "off"})
    tax_rate = StringField("Tax rate (%)", validators=[Optional(), Regexp(NUMBER, message="Enter a percentage like 20.")],
                           render_kw={"inputmode": "decimal", "autocomplete": "off"})
    discount_percent = StringField("Discount (%, optional)",
                                   validators=[Optional(), Regexp(NUMBER, message="Enter a percentage like 10.")],
                                   render_kw={"inputmode": "decimal", "autocomplete": "off"})

    def is_empty(self) -> bool:
        return not any((field.data or "").strip() for field in self)


class InvoiceForm(FlaskForm):
    customer_id = SelectField("Customer", validators=[DataRequired("Choose a customer.")], choices=[])
    currency = StringField("Currency", default="EUR", validators=[
        DataRequired(REQUIRED), Regexp(r"^\s*[A-Za-z]{3}\s*$", message="Give a three-letter code such as EUR.")],
        render_kw={"maxlength": "3", "autocomplete": "off", "spellcheck": "false"})
    due_date = DateField("Due date (optional)", validators=[Optional()])
    notes = TextAreaField("Notes for the customer (optional)", validators=[Optional(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Plain forms with the prefix "lines-N" (fields "lines-2-quantity"), not a FieldList:
        # a FieldList renumbers rows when some are missing from the post.
        formdata = request.form if self.is_submitted() else None
        self.lines = [LineForm(formdata, prefix=f"lines-{i}") for i in range(LINE_ROWS)]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        valid = all([line.validate() for line in self.lines]) and valid
        code = self.code()
        if not self.currency.errors and not is_currency(code):
            self.currency.errors = [*self.currency.errors, f"{code} is not a currency we know: use a code such as EUR."]
            valid = False
        rows = self.filled_rows()
        if not rows:
            first = self.lines[0].description
            first.errors = [*first.errors, "An invoice needs at least one line."]
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
                                          f"{code} amounts have {digits} decimal{'s' if digits != 1 else ''} at most."]
                valid = False
        return valid

    def line_messages(self) -> list[str]:
        """The rows' own errors as sentences for the top of the form ("Line 3: ...")."""
        return [f"Line {row + 1}, {field.label.text.lower()}: {error}" for row, line in enumerate(self.lines)
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
                messages.extend(f"Line {row + 1}: {e}" for e in errors)
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
    due_date = DateField("Due date", validators=[Optional()])
    notes = TextAreaField("Notes for the customer", validators=[Optional(), Length(max=5000)])


class VoidForm(FlaskForm):
    reason = StringField("Reason (kept in the invoice's history)", validators=[Optional(), Length(max=500)])


class OfflinePaymentForm(FlaskForm):
    method = SelectField("Paid by", choices=[SelectChoice(k, v) for k, v in OFFLINE_METHODS.items()],
                         default="bank_transfer")
    amount = StringField("Amount received", validators=[DataRequired(REQUIRED), Regexp(NUMBER, message=AMOUNT_HINT)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    reference = StringField("Reference (optional: the bank's or cheque's)", validators=[Optional(), Length(max=200)],
                            render_kw={"autocomplete": "off"})


class RefundForm(FlaskForm):
    amount = StringField("Amount to refund", validators=[DataRequired(REQUIRED), Regexp(NUMBER, message=AMOUNT_HINT)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    reason = StringField("Reason (optional)", validators=[Optional(), Length(max=500)])


def form_errors(form: FlaskForm) -> str:
    """A refused small form as one sentence for a flash message: "Amount received: ..."."""
    return " ".join(f"{form[name].label.text}: {error}" for name, errors in form.errors.items()
                    for error in (errors if isinstance(errors, list) else [str(errors)]))


class StaffCommentForm(FlaskForm):
    text = TextAreaField("Comment", validators=[DataRequired("Write the comment first."), Length(max=5000)])
    show_in_portal = BooleanField("Show to the customer in the portal (they get an e-mail)")
