"""The console's payment links: on an invoice's page, "Payment link" makes the invoice's
public link (/pay/<token>, gateway/public/pay_links.py) and shows its address to copy; "New link"
replaces it (the old address stops working at once). Any staff role may, as for the other
invoice actions; billing decides the rules (an issued invoice with something due).

billing keeps only a hash of each link's token, so an address is shown once, when it is
made (like an API key). Asking again while the invoice has a live link says so and offers
"New link" instead of making a second one."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gateway.clients.base import ServiceProblem
from gateway.web.access import console
from gateway.web.context import billing, link_base, org_id
from gateway.web.refusals import flash_refusal

bp = Blueprint("console_payment_links", __name__, url_prefix="/console")


def _make(invoice_id: str, rotate: bool):
    back = url_for("console_invoices.invoice", invoice_id=invoice_id)
    try:
        made = billing().make_payment_link(org_id(), invoice_id, link_base(), rotate=rotate)
    except ServiceProblem as problem:
        flash_refusal(problem, raised=(401, 404))
        return redirect(back + "#payment-link")
    if not made.get("created"):
        flash(_("This invoice already has a payment link. Its address is shown only when it is made: "
                "choose “New link” for an address to send (the old one stops working)."), "error")
        return redirect(back + "#payment-link")
    invoice = billing().staff_invoice(org_id(), invoice_id)
    return render_template("console/payment_links/payment_link.html", made=made, invoice=invoice)


@bp.post("/invoices/<invoice_id>/payment-link")
@console()
def make_link(invoice_id: str):
    return _make(invoice_id, rotate=False)


@bp.post("/invoices/<invoice_id>/payment-link/new")
@console()
def new_link(invoice_id: str):
    return _make(invoice_id, rotate=True)
