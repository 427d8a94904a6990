"""Paying in the portal: the payment history (module "payments"), the Pay form on an invoice, the hand-over to the payment gateway's
own page (we never see a card), and the payment's status shown live until it settles or
fails (htmx polls a small fragment; without JavaScript a link checks again). A payment
still in progress for an invoice blocks a second one: billing refuses it and the page
says why, in billing's words."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from gateway.clients.base import ServiceProblem
from gateway.portal.payment_methods import offer_saved
from gateway.portal.payment_return import return_url_for
from gateway.web.access import modules_on, portal
from gateway.web.chat import stream_url
from gateway.web.context import billing, customer_id, org_id, principal, settings
from gateway.web.files import pdf_answer
from gateway.web.forms import PAY_METHODS
from gateway.web.money import to_minor
from gateway.web.payments import IN_PROGRESS, PAYMENT_LABELS, STATUS_TEXT, start_payment

bp = Blueprint("portal_payments", __name__)
PAGE_SIZE = 25


class PayForm(FlaskForm):
    method = RadioField(_l("How would you like to pay?"), choices=[SelectChoice(k, v) for k, v in PAY_METHODS.items()],
                        default="card", validators=[DataRequired(_l("Choose how to pay."))])
    amount = StringField(_l("Amount to pay now"), validators=[Optional(), Length(max=20),
                                                          Regexp(r"^\d+([.,]\d{1,3})?$", message=_l("Give an amount like 120.50."))],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})


@bp.post("/invoices/<invoice_id>/pay")
@portal(module="invoices", permission="pay")
def pay(invoice_id: str):
    invoice = billing().invoice(org_id(), customer_id(), invoice_id)
    back = url_for("portal_invoices.invoice", invoice_id=invoice_id)
    form = PayForm()
    offer_saved(form)                               # "Pay with Visa •••• 4242": one step, no redirect
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    chosen = {"invoice_id": invoice_id}
    if form.amount.data and settings().get("partial_payments"):
        amount = to_minor(form.amount.data, invoice["currency"])
        if not amount:                              # not an amount of this currency, or nothing
            flash(_("Give an amount like 120.50."), "error")
            return redirect(back)
        chosen["amount_minor"] = amount
    return start_payment(lambda: billing().pay(org_id(), customer_id(), [chosen], form.method.data,
                                               return_url=return_url_for(back)),
                         back, "portal/payments/pay_redirect.html",
                         lambda payment: url_for("portal_payments.payment", payment_id=payment["payment_id"]))


@bp.get("/payments")
@portal(module="payments", permission="view")
def payments():
    """The customer's payment history, newest first: what was paid when, for which invoices,
    how, its status (refunds included), and a receipt for each paid one."""
    status = request.args.get("status") if request.args.get("status") in PAYMENT_LABELS else None
    cursor = (request.args.get("cursor") or "")[:1000] or None
    messages: list[str] = []
    try:
        page = billing().customer_payments(org_id(), customer_id(), {"status": status, "cursor": cursor,
                                                                     "limit": PAGE_SIZE})
    except ServiceProblem as problem:             # a page link from before
        if problem.status not in (400, 422):
            raise
        messages, cursor = [problem.detail], None
        page = billing().customer_payments(org_id(), customer_id(), {"status": status, "limit": PAGE_SIZE})
    next_url = url_for("portal_payments.payments", status=status, cursor=page["next_cursor"]) \
        if page.get("next_cursor") else None
    return render_template("portal/payments/payments.html", page=page, status=status, cursor=cursor,
                           next_url=next_url, messages=messages, invoices_on="invoices" in modules_on(),
                           **payment_words())


@bp.get("/payments/<payment_id>")
@portal(module="invoices", permission="view")
def payment(payment_id: str):
    found = billing().payment(org_id(), customer_id(), payment_id)
    return render_template("portal/payments/payment.html", payment=found, **payment_words())


@bp.get("/payments/<payment_id>/status")
@portal(module="invoices", permission="view")
def payment_status(payment_id: str):
    """The status fragment htmx swaps in: when the live channel says the payment moved
    (static/payments.js), else every ten seconds while it is in progress."""
    found = billing().payment(org_id(), customer_id(), payment_id)
    return render_template("portal/payments/_payment_status.html", payment=found, **payment_words())


@bp.get("/payments/<payment_id>/live")
@portal(module="invoices", permission="view")
def payment_live(payment_id: str):
    """A fresh stream URL for a payment's page when its grant runs out (static/payments.js):
    the session, and that the payment is this customer's, are checked again here."""
    billing().payment(org_id(), customer_id(), payment_id)
    return jsonify(stream_url=payment_stream(payment_id))


def payment_stream(payment_id: str) -> str:
    """The live stream a page showing this payment in progress follows (gateway/live)."""
    return stream_url([f"payment:{payment_id}"])


@bp.get("/payments/<payment_id>/receipt.pdf")
@portal(module="invoices", permission="download")
def receipt(payment_id: str):
    return pdf_answer(*billing().receipt_pdf(org_id(), customer_id(), payment_id))


def payment_words() -> dict:
    """What the payment templates need to put a payment in words."""
    may = set(principal().get("permissions") or [])
    return {"status_text": STATUS_TEXT, "in_progress": IN_PROGRESS, "methods": PAY_METHODS,
            "payment_labels": PAYMENT_LABELS, "may_download": "download" in may, "payment_stream": payment_stream}


def pay_form_for(invoice: dict, methods: dict | None = None) -> PayForm | None:
    """The Pay form an invoice page shows, or None when there is nothing this contact can pay.
    `methods`: the contact's saved methods as billing listed them with the page."""
    may = set(principal().get("permissions") or [])
    if "pay" not in may or invoice.get("status") in ("paid", "void") or not invoice.get("amount_due_minor"):
        return None
    form = PayForm(formdata=None)
    offer_saved(form, methods)
    default = next((choice.value for choice in form.method.choices[len(PAY_METHODS):]), None)
    if default:                                     # the default saved method comes first: chosen already
        form.method.data = default
    return form
