"""The customer back from a payment gateway's own page (the return and cancel URLs the
portal gives with every payment, `return_url_for`): GET /payments/return.

- PayPal sends the buyer back with `token=<order id>`: billing captures the approved order
  (idempotently: a reload, or PayPal's webhook first, doubles nothing) and the payment's
  status page follows.
- `checkout=cancel`: a page asks "Cancel this payment?"; only its button (a POST with CSRF)
  has billing fail the payment ("cancelled"; the invoice can be paid again), unless the
  gateway says it was paid a moment before, which then stands. A GET never cancels: a link
  someone else sends must not stop a payment.
- Stripe sends `session_id`; billing only finds the payment (its webhooks say the rest).
- Anything else (an old bookmark): a page that says there is nothing to finish, with a link back.
`back` is where the customer started (a path of this portal, nothing else: web.context.local_path)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.web.access import portal
from gateway.web.context import billing, customer_id, local_path, org_id

bp = Blueprint("portal_payment_return", __name__)
NOT_FOUND = _l("We could not find this payment. Check your invoice before paying again.")


def return_url_for(back: str) -> str:
    """The return URL a payment is started with: this page, remembering where the customer was."""
    return url_for("portal_payment_return.returned", back=back, _external=True)


def _back(values=None) -> str:
    back = local_path((values if values is not None else request.args).get("back"))
    return back if back and len(back) <= 500 else url_for("portal_invoices.invoices")


def _ask_to_cancel(gateway: str, reference: str | None, payment_id: str | None):
    hidden = {"gateway": gateway, "reference": reference or "", "payment": payment_id or "", "back": _back()}
    return render_template("parts/cancel_payment.html", action=url_for("portal_payment_return.cancel"),
                           hidden=hidden, back=_back())


@bp.get("/payments/return")
@portal(module="invoices", permission="pay")
def returned():
    args = request.args
    cancelled = args.get("checkout") == "cancel"
    found = [(name, (args.get(key) or "")[:255]) for name, key in (("paypal", "token"), ("stripe", "session_id"))
             if args.get(key)]
    if not found and cancelled and args.get("payment"):          # Stripe's cancel URL: billing's payment id
        return _ask_to_cancel("stripe", None, (args.get("payment") or "")[:64])
    if not found:
        if cancelled:
            flash(_("Payment cancelled. Nothing was charged."), "success")
            return redirect(_back())
        return render_template("portal/payment_return/payment_return.html", back=_back())
    gateway, reference = found[0]
    if cancelled:
        return _ask_to_cancel(gateway, reference, None)
    try:
        payment = billing().payment_returned(org_id(), customer_id(), gateway, reference, False)
    except ServiceProblem as problem:
        if problem.status in (400, 404, 422):
            flash(str(NOT_FOUND), "error")
            return redirect(_back())
        raise
    return redirect(url_for("portal_payments.payment", payment_id=payment["payment_id"]))


@bp.post("/payments/return/cancel")
@portal(module="invoices", permission="pay")
def cancel():
    form = request.form
    gateway = form.get("gateway") if form.get("gateway") in ("stripe", "paypal") else "stripe"
    reference, payment_id = (form.get("reference") or "")[:255] or None, (form.get("payment") or "")[:64] or None
    back = _back(form)
    if not reference and not payment_id:
        return redirect(back)
    try:
        payment = billing().payment_returned(org_id(), customer_id(), gateway, reference, True,
                                             payment_id=payment_id)
    except ServiceProblem as problem:
        if problem.status not in (400, 404, 422):
            raise
        flash(str(NOT_FOUND), "error")
        return redirect(back)
    if payment.get("status") in ("settled", "pending"):
        flash(_("Your payment went through before it could be cancelled."), "success")
        return redirect(url_for("portal_payments.payment", payment_id=payment["payment_id"]))
    flash(_("Payment cancelled. Nothing was charged; you can pay again."), "success")
    return redirect(back)
