"""The customer back from a payment gateway's own page (the return and cancel URLs the
portal gives with every payment, `return_url_for`): GET /payments/return.

- PayPal sends the buyer back with `token=<order id>`: billing captures the approved order
  (idempotently: a reload, or PayPal's webhook first, doubles nothing) and the payment's
  status page follows.
- `checkout=cancel`: billing fails the payment ("cancelled"; the invoice can be paid again)
  and the customer is back where they started, told "Payment cancelled".
- Stripe sends `session_id`; billing only finds the payment (its webhooks say the rest).
- Anything else (an old bookmark): a page that says there is nothing to finish, with a link back.
`back` is where the customer started (a path of this portal, nothing else)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from gateway.clients.base import ServiceProblem
from gateway.web.access import portal
from gateway.web.context import billing, customer_id, org_id

bp = Blueprint("portal_payment_return", __name__)


def return_url_for(back: str) -> str:
    """The return URL a payment is started with: this page, remembering where the customer was."""
    return url_for("portal_payment_return.returned", back=back, _external=True)


def _back() -> str:
    back = request.args.get("back") or ""
    if not back.startswith("/") or back.startswith("//") or "\\" in back or len(back) > 500:
        return url_for("portal_invoices.invoices")
    return back


def _cancelled_by_id(payment_id: str):
    try:
        billing().payment_returned(org_id(), customer_id(), "stripe", None, True, payment_id=payment_id)
    except ServiceProblem as problem:
        if problem.status not in (400, 404, 422):
            raise
    flash("Payment cancelled. Nothing was charged; you can pay again.", "success")
    return redirect(_back())


@bp.get("/payments/return")
@portal(module="invoices", permission="pay")
def returned():
    args = request.args
    cancelled = args.get("checkout") == "cancel"
    found = [(name, (args.get(key) or "")[:255]) for name, key in (("paypal", "token"), ("stripe", "session_id"))
             if args.get(key)]
    if not found and cancelled and args.get("payment"):          # Stripe's cancel URL: billing's payment id
        return _cancelled_by_id((args.get("payment") or "")[:64])
    if not found:
        if cancelled:
            flash("Payment cancelled. Nothing was charged.", "success")
            return redirect(_back())
        return render_template("portal/payment_return/payment_return.html", back=_back())
    gateway, reference = found[0]
    try:
        payment = billing().payment_returned(org_id(), customer_id(), gateway, reference, cancelled)
    except ServiceProblem as problem:
        if problem.status in (400, 404, 422):
            flash("We could not find this payment. Check your invoice before paying again.", "error")
            return redirect(_back())
        raise
    if cancelled:
        flash("Payment cancelled. Nothing was charged; you can pay again.", "success")
        return redirect(_back())
    return redirect(url_for("portal_payments.payment", payment_id=payment["payment_id"]))
