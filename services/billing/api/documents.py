"""billing's documents as branded PDFs: invoices for the portal and for staff, and receipts.

A contact downloads their customer's issued invoices with the module "invoices" and the
permission "download"; the invoice is read exactly as the detail view reads it
(queries/invoices.invoice_detail), so another customer's or org's invoice and any draft are a 404.
Staff, API keys (scope "invoices") and the operator download any invoice of the org, a draft
watermarked DRAFT. The logo is fetched from identity after the read, outside any
transaction, and a logo that cannot be had never fails the download. The PDF's font folder
is the PDF_FONT_DIR setting (adapters/pdf.py). The credit note and statement PDFs use the
helpers here (`org_of`, `logo_and_fonts`, `LocaleArgs`).

Every PDF route takes an optional `locale` query parameter (en, de, fr, ar; anything else is
English): the document's words, money and dates in the reader's language, Arabic right to
left. The gateway asks for the page's language.
"""
from __future__ import annotations

import re

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, post_load

from services.billing.adapters import pdf
from services.billing.api.invoices import STAFF_KINDS, today
from services.billing.queries import invoices as queries
from services.billing.queries import payments as payment_queries
from services.billing.queries.customers import bill_to
from services.chassis import auth, orgs
from services.chassis.db import read_only
from services.chassis.errors import NotFound
from services.chassis.web import runtime

blp = Blueprint("documents", __name__, description="Documents: invoices as branded PDFs")

DOWNLOAD = dict(module="invoices", permission="download")
PDF_ANSWER = dict(content_type="application/pdf", schema={"type": "string", "format": "binary"})
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class LocaleArgs(Schema):
    """The reader's language. Not validated: a language billing has no words for (or none
    at all) gets the English document, never an error for a download."""
    locale = fields.String(load_default="en", metadata={
        "description": "The document's language: en (default), de, fr or ar (right to left); anything "
                       "else is English.", "enum": list(pdf.LOCALES)})

    @post_load
    def known(self, data: dict, **_kwargs) -> dict:
        data["locale"] = pdf.locale_of(data.get("locale"))
        return data


def org_of(conn, org_id: str) -> dict:
    """billing's copy of the org; before identity's OrganizationCreated has arrived, the
    document still renders, unbranded, under the org's id."""
    try:
        return orgs.get(conn, org_id)
    except NotFound:
        return {"org_id": org_id, "name": org_id, "settings": {}}


def logo_and_fonts(rt, org_id: str, org: dict) -> dict:
    """What a render takes besides the document: the org's logo (fetched from identity, outside
    any transaction) and the font folder (PDF_FONT_DIR)."""
    return {"logo": rt.ports["logos"].get(org_id, (org.get("settings") or {}).get("logo")),
            "font_dir": rt.config.setting("PDF_FONT_DIR") or None}


def _invoice_pdf(org_id: str, invoice_id: str, for_customer: bool, customer_id: str | None = None,
                 locale: str = "en") -> Response:
    rt = runtime()
    with read_only(rt.engine) as conn:
        invoice = queries.invoice_detail(conn, org_id, invoice_id, today(), for_customer=for_customer,
                                         customer_id=customer_id, caller=auth.principal())
        invoice.update(bill_to(conn, org_id, invoice["customer_id"]))
        org = org_of(conn, org_id)
    body = pdf.render_invoice(invoice, org, **logo_and_fonts(rt, org_id, org), locale=locale)
    name = UNSAFE.sub("-", invoice["number"] or f"draft-{invoice_id}").strip("-.") or "invoice"
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})


@blp.route("/orgs/<org_id>/customers/<customer_id>/invoices/<invoice_id>/pdf")
class CustomerInvoicePdf(MethodView):
    @auth.requires("contact", "staff", "system", **DOWNLOAD)
    @blp.arguments(LocaleArgs, location="query")
    @blp.response(200, description="The invoice as a branded PDF (attachment <number>.pdf).", **PDF_ANSWER)
    def get(self, args, org_id, customer_id, invoice_id):
        """The invoice as the customer's PDF; 404 for a draft, another customer's or org's invoice."""
        return _invoice_pdf(org_id, invoice_id, for_customer=True, customer_id=customer_id, locale=args["locale"])


@blp.route("/orgs/<org_id>/invoices/<invoice_id>/pdf")
class InvoicePdf(MethodView):
    @auth.requires(*STAFF_KINDS, module="invoices")
    @blp.arguments(LocaleArgs, location="query")
    @blp.response(200, description="The invoice as a branded PDF; a draft is watermarked DRAFT.", **PDF_ANSWER)
    def get(self, args, org_id, invoice_id):
        """Any invoice of the org as a PDF, drafts included."""
        return _invoice_pdf(org_id, invoice_id, for_customer=False, locale=args["locale"])


@blp.route("/orgs/<org_id>/customers/<customer_id>/payments/<payment_id>/receipt.pdf")
class CustomerReceiptPdf(MethodView):
    @auth.requires("contact", "staff", "system", **DOWNLOAD)
    @blp.arguments(LocaleArgs, location="query")
    @blp.response(200, description="The payment's receipt as a branded PDF.", **PDF_ANSWER)
    def get(self, args, org_id, customer_id, payment_id):
        """A settled (or refunded) payment's receipt; 404 for another customer's or org's
        payment and for one that has not settled: only money received has a receipt."""
        return receipt_pdf(org_id, customer_id, payment_id, auth.principal(), args["locale"])


def receipt_pdf(org_id: str, customer_id: str, payment_id: str, caller: auth.Principal | None,
                locale: str = "en") -> Response:
    """The customer's payment's receipt (also a payment link's own payment's: api/payment_links.py)."""
    rt = runtime()
    with read_only(rt.engine) as conn:
        payment = payment_queries.payment_detail(conn, org_id, payment_id, for_customer=True,
                                                 customer_id=customer_id, caller=caller)
        if payment["status"] not in ("settled", "refunded"):
            raise NotFound("This payment has no receipt: it has not been received.")
        invoices = [queries.invoice_detail(conn, org_id, a["invoice_id"], today(), for_customer=True,
                                           customer_id=customer_id, caller=caller)
                    for a in payment["allocations"]]
        org = org_of(conn, org_id)
        payment.update(bill_to(conn, org_id, customer_id))
    body = pdf.render_receipt({**payment, "receipt_number": "R-" + payment_id[:8].upper()}, invoices, org,
                              **logo_and_fonts(rt, org_id, org), locale=locale)
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="receipt-{payment_id[:8]}.pdf"'})
