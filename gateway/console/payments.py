"""The console's payments: every payment of the org with its customer, the invoices it pays
(linked) and its gateway reference, newest first, filtered by status; and, for the built-in simulated gateway, the levers a bank would
pull: settle or fail a pending bank debit (owners and admins)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gateway.clients.base import ServiceProblem
from gateway.console.invoices import _customers
from gateway.web.access import MANAGERS, console
from gateway.web.context import billing as billing_client, org_id
from gateway.web.forms import PAY_METHODS
from gateway.web.payments import PAYMENT_LABELS
from gateway.web.refusals import flash_refusal

bp = Blueprint("console_payments", __name__, url_prefix="/console")


@bp.get("/payments")
@console()
def payments():
    status = request.args.get("status") if request.args.get("status") in PAYMENT_LABELS else None
    cursor = (request.args.get("cursor") or "")[:1000] or None
    try:
        page = billing_client().staff_payments(org_id(), {"status": status, "cursor": cursor, "limit": 50})
    except ServiceProblem as problem:
        if problem.status not in (400, 422):
            raise
        flash(problem.detail, "error")
        page = billing_client().staff_payments(org_id(), {"status": status, "limit": 50})
    customers = _customers({p["customer_id"] for p in page["items"]})
    return render_template("console/payments/payments.html", page=page, status=status, labels=PAYMENT_LABELS,
                           methods=PAY_METHODS, cursor=cursor, customers=customers)


@bp.post("/payments/<payment_id>/simulate")
@console(roles=MANAGERS)
def simulate(payment_id: str):
    outcome = request.form.get("outcome")
    if outcome not in ("settled", "failed"):
        flash(_("Choose whether the payment settled or failed."), "error")
        return redirect(url_for("console_payments.payments"))
    try:
        billing_client().simulate(org_id(), payment_id, outcome)
    except ServiceProblem as problem:
        flash_refusal(problem)
    else:
        flash(_("The payment is now settled.") if outcome == "settled" else _("The payment is now failed."), "success")
    return redirect(url_for("console_payments.payments"))
