"""The console's forms for sales orders and shipments (Flask-WTF, CSRF on). A new order has
the invoice form's fixed line rows (it works without JavaScript; empty rows are left out)
and its way of putting orders' field errors back on the row they came from; the shipment and
delivery forms are small. orders decides every rule; quick, readable checks here."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional, URL

from gateway.console.forms import InvoiceForm
from gateway.web.forms import REQUIRED
from gateway.web.money import decimal_text, to_minor
from gateway.web.orders import DELIVERY_LABELS, FIRST_STATUSES, ORDER_LABELS

FORWARD = ("partially_shipped", "shipped", "invoiced", "closed")
TIME_HINT = _l("Leave empty for now.")


class OrderForm(InvoiceForm):
    """A new confirmed order: the invoice form's customer, currency, notes and line rows, with
    the order's date in place of a due date (discounts are not asked for)."""
    start_rows = 5                  # a fixed number of rows: the order form has no Add a line
    due_date = None
    ordered_on = DateField(_l("Order date (optional: today)"), validators=[Optional()])
    number = StringField(_l("Order number (optional: the next SO-000123)"), validators=[Optional(), Length(max=40)])

    def body(self, issue: bool = False) -> dict:
        code = self.code()
        lines = [{"description": self.lines[row].description.data.strip(),
                  "quantity": decimal_text(self.lines[row].quantity.data),
                  "unit_price_minor": to_minor(self.lines[row].unit_price.data, code),
                  "tax_rate": decimal_text(self.lines[row].tax_rate.data) or "0"} for row in self.filled_rows()]
        return {"customer_id": self.customer_id.data, "currency": code, "lines": lines,
                "ordered_on": self.ordered_on.data.isoformat() if self.ordered_on.data else None,
                "number": (self.number.data or "").strip() or None, "notes": (self.notes.data or "").strip() or None}


class ShipmentForm(FlaskForm):
    carrier = StringField(_l("Carrier"), validators=[DataRequired(REQUIRED), Length(max=200)])
    tracking_number = StringField(_l("Tracking number"), validators=[Optional(), Length(max=200)])
    tracking_url = URLField(_l("Tracking link (optional)"), validators=[Optional(), URL(message=_l("Give a web address.")),
                                                                   Length(max=2000)])
    expected_on = DateField(_l("Expected on (optional)"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=[SelectChoice(s, DELIVERY_LABELS[s]) for s in FIRST_STATUSES],
                         default="dispatched")
    completes_order = BooleanField(_l("This shipment completes the order"), default=True)

    def body(self) -> dict:
        return {"carrier": self.carrier.data.strip(), "tracking_number": (self.tracking_number.data or "").strip() or None,
                "tracking_url": (self.tracking_url.data or "").strip() or None,
                "expected_on": self.expected_on.data.isoformat() if self.expected_on.data else None,
                "status": self.status.data, "completes_order": bool(self.completes_order.data)}


class DeliveryForm(FlaskForm):
    status = SelectField(_l("New status"), choices=[SelectChoice(k, v) for k, v in DELIVERY_LABELS.items()])
    reported_at = StringField(_l("When (the carrier's time, e.g. 2026-12-01T09:30Z)"),
                              validators=[Optional(), Length(max=40)])
    location = StringField(_l("Where (optional)"), validators=[Optional(), Length(max=200)])
    detail = TextAreaField(_l("Detail (optional)"), validators=[Optional(), Length(max=2000)])

    def body(self) -> dict:
        return {"status": self.status.data, "reported_at": (self.reported_at.data or "").strip() or None,
                "location": (self.location.data or "").strip() or None,
                "detail": (self.detail.data or "").strip() or None}


class OrderStatusForm(FlaskForm):
    status = SelectField(_l("Move the order to"), choices=[SelectChoice(s, ORDER_LABELS[s]) for s in FORWARD])


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason (the customer sees it)"), validators=[Optional(), Length(max=500)])
