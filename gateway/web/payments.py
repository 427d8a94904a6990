"""Paying, as the portal and the public payment links share it: a payment's states in words,
and starting a payment at billing and handing the person over to the payment gateway's own
page (we never see a card), or straight to the payment's status page when nothing is left
to do there."""
from __future__ import annotations

from typing import Callable

from flask import redirect, render_template
from flask_babel import gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.web.forms import PAY_METHOD_NAMES
from gateway.web.refusals import refused

IN_PROGRESS = ("initiated", "pending")
STATUS_TEXT = {
    "initiated": _l("Waiting for you to finish at the payment page."),
    "pending": _l("Accepted by your bank and being processed. This can take a few working days."),
    "settled": _l("Paid. Thank you!"),
    "failed": _l("This payment did not go through."),
    "refunded": _l("This payment was refunded."),
    "received_late": _l("The money arrived after this payment had been stopped; we will refund it or "
                                       "contact you about it."),
}
PAYMENT_LABELS = {"initiated": _l("Not finished"), "pending": _l("Processing"), "settled": _l("Paid"), "failed": _l("Failed"),
                  "refunded": _l("Refunded"), "received_late": _l("Received late: to refund")}
# (a payment only partly refunded reads "Partly refunded (€85.00 of €585.00)": parts/payments.html)


def with_reversals(timeline: list[dict]) -> list[dict]:
    """An invoice's history with each refund that reopened it (staff reversed the payment: the
    customer owes it again) as its own event, "payment_reversed", apart from a refund that
    gave money back and left the invoice paid ("payment_refunded")."""
    return [{**e, "event": "payment_reversed"} if e.get("event") == "payment_refunded" and e.get("reopens_invoice")
            else e for e in timeline]


def start_payment(start: Callable[[], dict], back: str, hand_over: str, status_url: Callable[[dict], str],
                  **context):
    """Calls `start` (billing's answer: {payment_id, status, redirect_url ...}). billing's refusal
    (e.g. "A payment for INV-000123 is still being processed ...") is flashed on `back`; a
    payment to finish at the gateway renders `hand_over` (a page that sends the browser on);
    anything else goes to the payment's status page, `status_url(payment)`."""
    try:
        payment = start()
    except ServiceProblem as problem:
        return refused(problem, back)
    if payment.get("redirect_url"):
        return render_template(hand_over, payment=payment, **context)
    return redirect(status_url(payment))


def short(method: dict) -> str:
    """"Visa •••• 4242", "Stripe Test Bank •••• 6789"."""
    brand = (method.get("brand") or "").strip()
    name = brand.title() if brand else (_("Card") if method.get("kind") == "card" else _("Bank account"))
    return f"{name} •••• {method.get('last4')}"


def paid_with(payment: dict) -> str:
    """"Card", "Bank debit", "Visa •••• 4242" (a saved method), never "saved:<id>"."""
    method = payment.get("method") or ""
    if payment.get("saved_method"):
        return short(payment["saved_method"])
    if method.startswith("saved:"):
        return _("A saved payment method")
    return str(PAY_METHOD_NAMES.get(method, method.replace("_", " ").capitalize() or "—"))   # no form hint
