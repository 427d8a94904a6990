"""The new-invoice form's lines as staff type them: "Add a line" and "Remove" (plain form
posts that re-show the form with what was typed; htmx swaps only the lines), and the running
total, priced by billing exactly as the invoice will be (POST /console/invoices/total, which
htmx asks again while staff type)."""
from __future__ import annotations

from babel.numbers import is_currency
from flask import Blueprint, render_template, request

from gateway.clients.base import ServiceProblem
from gateway.console.forms import InvoiceForm
from gateway.web.access import console
from gateway.web.context import billing, org_id
from gateway.web.money import decimal_text, to_minor

bp = Blueprint("console_invoice_lines", __name__, url_prefix="/console")


def change_rows(form: InvoiceForm) -> bool:
    """Apply the form's Add a line / Remove button, if one was pressed; True when it was."""
    if request.form.get("intent") == "add_line":
        form.add_row()
        return True
    removed = request.form.get("remove")
    if removed is not None and removed.isdigit() and int(removed) < len(form.lines):
        form.remove_row(int(removed))
        return True
    return False


def running_total(form: InvoiceForm) -> dict | None:
    """billing's price of the rows filled in completely (description, quantity, unit price),
    or None while there is none or one is not a valid line yet."""
    code = form.code()
    if not is_currency(code):
        return None
    lines = []
    for line in form.lines:
        quantity, price = decimal_text(line.quantity.data), to_minor(line.unit_price.data or "", code)
        if not (line.description.data or "").strip() or not quantity or price is None:
            continue
        entry = {"description": line.description.data.strip()[:500], "quantity": quantity,
                 "unit_price_minor": price, "tax_rate": decimal_text(line.tax_rate.data) or "0"}
        if decimal_text(line.discount_percent.data):
            entry["discount_percent"] = decimal_text(line.discount_percent.data)
        lines.append(entry)
    if not lines:
        return None
    try:
        return billing().price_lines(org_id(), {"currency": code, "lines": lines})
    except ServiceProblem as problem:
        if problem.status not in (400, 422):
            raise
        return None


@bp.post("/invoices/total")
@console()
def total():
    """The running total's fragment for the form as it is now (nothing is saved)."""
    form = InvoiceForm()
    return render_template("console/invoices/_total.html", total=running_total(form))
