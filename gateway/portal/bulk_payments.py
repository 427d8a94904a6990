"""Paying several invoices at once (bulk payments), where the org allows it and the contact
may pay: the invoices list gets a checkbox per payable invoice and a "Pay selected" button.

Two steps, both plain form posts to /invoices/pay-selected (no JavaScript needed):
1. the chosen invoices come in: they are read from billing (another customer's id is a 404),
   checked to share one currency, and shown with their total and a choice of how to pay;
2. the same post with `confirm` starts one payment for all of them at billing, which
   refuses (in its own words, naming the invoice) an invoice with a payment in progress.
Then it is the same hand-over and status pages as a single payment (payments.py)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice
from wtforms.validators import DataRequired, Optional

from gateway.portal.payment_return import return_url_for
from gateway.web.access import portal
from gateway.web.context import billing, customer_id, org_id, principal, settings
from gateway.web.forms import PAY_METHODS
from gateway.web.payments import start_payment

bp = Blueprint("portal_bulk_payments", __name__)
MAX_SELECTED = 100                       # billing's own limit of invoices in one payment


class BulkPayForm(FlaskForm):
    """The review step's form; the chosen invoices travel as repeated `invoice_id` fields."""
    method = RadioField(_l("How would you like to pay?"), choices=[SelectChoice(k, v) for k, v in PAY_METHODS.items()],
                        default="card", validators=[DataRequired(_l("Choose how to pay."))])
    confirm = HiddenField(validators=[Optional()])


def bulk_enabled() -> bool:
    return bool(settings().get("bulk_payments")) and "pay" in (principal().get("permissions") or [])


def payable(invoice: dict) -> bool:
    return invoice.get("status") != "void" and (invoice.get("amount_due_minor") or 0) > 0


def bulk_form_for() -> BulkPayForm | None:
    """The form the invoices list wraps around its table, or None where bulk paying is off."""
    return BulkPayForm(formdata=None) if bulk_enabled() else None


def _chosen() -> list[str]:
    """The ticked invoices' ids, each once, in the order of the list."""
    return list(dict.fromkeys(i.strip() for i in request.form.getlist("invoice_id") if i.strip()))


@bp.post("/invoices/pay-selected")
@portal(module="invoices", permission="pay")
def pay_selected():
    back = url_for("portal_invoices.invoices")
    if not settings().get("bulk_payments"):
        flash(_("Invoices are paid one at a time here."), "error")
        return redirect(back)
    form = BulkPayForm()
    ids = _chosen()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    if not ids:
        flash(_("Choose at least one invoice to pay."), "error")
        return redirect(back)
    if len(ids) > MAX_SELECTED:
        flash(_("Choose at most %(count)s invoices at once.", count=MAX_SELECTED), "error")
        return redirect(back)
    chosen = [billing().invoice(org_id(), customer_id(), i) for i in ids]     # another customer's: 404
    done = [i.get("number") or i["invoice_id"] for i in chosen if not payable(i)]
    if done:
        flash(_("%(numbers)s cannot be paid (already paid or void).", numbers=", ".join(done)), "error")
        return redirect(back)
    currencies = sorted({i["currency"] for i in chosen})
    if len(currencies) > 1:
        flash(_("The invoices you pay together must all be in the same currency; these are in %(currencies)s. "
                "Pay them in separate payments.", currencies=_(" and ").join(currencies)), "error")
        return redirect(back)
    total = sum(i["amount_due_minor"] for i in chosen)
    if not form.confirm.data:
        return render_template("portal/bulk_payments/pay_selected.html", invoices=chosen, total=total, currency=currencies[0],
                               form=form)
    return start_payment(lambda: billing().pay(org_id(), customer_id(),
                                               [{"invoice_id": i["invoice_id"]} for i in chosen],
                                               form.method.data, return_url=return_url_for(back)),
                         back, "portal/payments/pay_redirect.html",
                         lambda payment: url_for("portal_payments.payment", payment_id=payment["payment_id"]))
