"""The portal's invoice page in one read: the invoice, the payment in flight for it, the
conversation under it and the contact's saved payment methods, so that the gateway asks
billing once per page instead of up to four times (issue 13). Each part is what its own
endpoint answers (api/invoices.py, api/payments.py, api/comments.py, api/payment_methods.py),
with the same rules: another customer's or org's invoice, and a draft, answer 404;
`payment_methods` only for a contact with the permission "pay" (else null).
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.billing.api.comments import CommentOut, listed_comments
from services.billing.api.invoices import VIEW, contact_invoice
from services.billing.api.payment_methods import MethodListOut, listed_methods
from services.billing.api.payments import customer_detail
from services.billing.api.schemas import InvoiceOut, PaymentOut
from services.chassis import auth
from services.chassis.errors import NotFound

blp = Blueprint("invoice_page", __name__, description="The portal's invoice page in one read")

IN_FLIGHT = ("initiated", "pending")


class InvoicePageOut(Schema):
    invoice = fields.Nested(InvoiceOut)
    payment_in_progress = fields.Nested(PaymentOut, allow_none=True, metadata={
        "description": "The invoice's initiated or pending payment, with where to continue it"})
    comments = fields.List(fields.Nested(CommentOut))
    payment_methods = fields.Nested(MethodListOut, allow_none=True)


@blp.route("/orgs/<org_id>/customers/<customer_id>/invoices/<invoice_id>/page")
class InvoicePage(MethodView):
    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.response(200, InvoicePageOut)
    def get(self, org_id, customer_id, invoice_id):
        """The invoice, its payment in flight, its conversation and the contact's saved methods."""
        invoice = contact_invoice(org_id, customer_id, invoice_id)
        caller = auth.principal()
        return {"invoice": invoice,
                "payment_in_progress": _in_flight(org_id, customer_id, invoice),
                "comments": listed_comments(org_id, invoice_id, True, customer_id)["items"],
                "payment_methods": (listed_methods(org_id, customer_id)
                                    if caller.kind == "contact" and "pay" in caller.permissions else None)}


def _in_flight(org_id, customer_id, invoice) -> dict | None:
    busy = next((p for p in invoice.get("payments") or [] if p["status"] in IN_FLIGHT), None)
    if busy is None:
        return None
    try:
        return customer_detail(org_id, customer_id, busy["payment_id"])
    except NotFound:
        return None
