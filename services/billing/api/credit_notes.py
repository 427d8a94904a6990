"""billing's credit notes API. Staff, API keys (scope "credit_notes") and the operator issue
notes, apply their credit to invoices and record refunds made from them under
/orgs/<org>/credit-notes. Contacts read their customer's notes under
/orgs/<org>/customers/<customer>/credit-notes (module "credit_notes", permission "view";
the PDF "download"): another customer's or org's note answers 404 there. Thin translators:
JSON -> command -> handlers/credit_notes.py; reads hit the read models (queries/credit_notes.py).
"""
from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.billing.adapters import pdf
from services.billing.api.documents import PDF_ANSWER, UNSAFE, LocaleArgs, logo_and_fonts, org_of
from services.billing.api.schemas import CURRENCY, LineIn, LineOut, TaxOut
from services.billing.domain.commands import ApplyCredit, IssueCreditNote, RefundCredit
from services.billing.domain.credit_note import STATUSES
from services.billing.domain.invoice import MAX_LINES
from services.billing.handlers import credit_notes
from services.billing.queries import credit_notes as credit_queries
from services.billing.queries.customers import bill_to
from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime

blp = Blueprint("credit_notes", __name__,
                description="Credit notes: issue, apply to invoices, refund; the portal's list and PDF")

STAFF_KINDS = ("staff", "api_key", "system")
MANAGE = dict(module="credit_notes")
VIEW = dict(module="credit_notes", permission="view")
DOWNLOAD = dict(module="credit_notes", permission="download")
AMOUNT = validate.Range(min=1, max=10**15)


# --- what it takes and gives ----------------------------------------------------------------

class CreditNoteIn(Schema):
    customer_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    currency = fields.String(required=True, validate=CURRENCY)
    lines = fields.List(fields.Nested(LineIn), load_default=None, validate=validate.Length(min=1, max=MAX_LINES),
                        metadata={"description": "Priced like invoice lines; or give `amount_minor`."})
    amount_minor = fields.Integer(strict=True, load_default=None, validate=AMOUNT,
                                  metadata={"description": "A plain amount (one line, no tax); or give `lines`."})
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=500),
                                metadata={"description": "The line of a plain amount (default \"Credit\")."})
    invoice_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64),
                               metadata={"description": "Issue it against this invoice of the customer."})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    external_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))


class ApplyIn(Schema):
    invoice_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount_minor = fields.Integer(strict=True, required=True, validate=AMOUNT)


class CreditRefundIn(Schema):
    amount_minor = fields.Integer(strict=True, required=True, validate=AMOUNT)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    request_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=8, max=100),
                               metadata={"description": "Sent again (a retry, a double click), it records no "
                                                        "second refund and answers the note."})


class CreditListArgs(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    cursor = fields.String(validate=validate.Length(max=1000))
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class StaffCreditListArgs(CreditListArgs):
    customer_id = fields.String(validate=validate.Length(min=1, max=64))
    invoice_id = fields.String(validate=validate.Length(min=1, max=64))


class ApplicationOut(Schema):
    invoice_id = fields.String()
    invoice_number = fields.String(allow_none=True)
    amount_minor = fields.Integer()
    applied_at = fields.String()


class CreditRefundOut(Schema):
    refund_id = fields.String()
    amount_minor = fields.Integer()
    reason = fields.String(allow_none=True)
    refunded_at = fields.String()


class CreditNoteSummaryOut(Schema):
    credit_note_id = fields.String()
    customer_id = fields.String()
    number = fields.String()
    status = fields.String(metadata={"description": "open, partially_used, used (nothing left)"})
    currency = fields.String()
    invoice_id = fields.String(allow_none=True)
    invoice_number = fields.String(allow_none=True)
    total_minor = fields.Integer()
    applied_minor = fields.Integer()
    refunded_minor = fields.Integer()
    remaining_minor = fields.Integer()
    issued_at = fields.String()


class CreditNoteOut(CreditNoteSummaryOut):
    reason = fields.String(allow_none=True)
    subtotal_minor = fields.Integer()
    discount_minor = fields.Integer()
    tax_minor = fields.Integer()
    lines = fields.List(fields.Nested(LineOut))
    taxes = fields.List(fields.Nested(TaxOut))
    applications = fields.List(fields.Nested(ApplicationOut))
    refunds = fields.List(fields.Nested(CreditRefundOut))


class StaffCreditNoteSummaryOut(CreditNoteSummaryOut):
    external_ref = fields.String(allow_none=True)
    updated_at = fields.String()


class StaffCreditNoteOut(CreditNoteOut, StaffCreditNoteSummaryOut):
    pass


class CreditPageOut(Schema):
    items = fields.List(fields.Nested(CreditNoteSummaryOut))
    next_cursor = fields.String(allow_none=True, metadata={"description": "null on the last page"})


class StaffCreditPageOut(Schema):
    items = fields.List(fields.Nested(StaffCreditNoteSummaryOut))
    next_cursor = fields.String(allow_none=True)


# --- staff, API keys, the operator ----------------------------------------------------------

def _staff_detail(org_id: str, credit_note_id: str) -> dict:
    with read_only(runtime().engine) as conn:
        return credit_queries.credit_note_detail(conn, org_id, credit_note_id, for_customer=False)


@blp.route("/orgs/<org_id>/credit-notes")
class CreditNotes(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(CreditNoteIn)
    @blp.response(201, StaffCreditNoteOut)
    @blp.alt_response(200, schema=StaffCreditNoteOut,
                      description="A credit note with this external_ref exists already: it is answered unchanged.")
    def post(self, body, org_id):
        """Issue a credit note (numbered CN-000001 per org), optionally against an invoice."""
        credit_note_id, created = credit_notes.issue_credit_note(runtime(), IssueCreditNote(org_id=org_id, **body))
        detail = _staff_detail(org_id, credit_note_id)
        return detail if created else (detail, 200)

    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(StaffCreditListArgs, location="query")
    @blp.response(200, StaffCreditPageOut)
    def get(self, args, org_id):
        """The org's credit notes, newest first; keyset-paginated (`cursor` from `next_cursor`)."""
        with read_only(runtime().engine) as conn:
            return credit_queries.list_credit_notes(conn, org_id, credit_queries.CreditQuery(**args),
                                                    for_customer=False)


@blp.route("/orgs/<org_id>/credit-notes/<credit_note_id>")
class CreditNoteById(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.response(200, StaffCreditNoteOut)
    def get(self, org_id, credit_note_id):
        return _staff_detail(org_id, credit_note_id)


@blp.route("/orgs/<org_id>/credit-notes/<credit_note_id>/apply")
class ApplyView(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(ApplyIn)
    @blp.response(200, StaffCreditNoteOut)
    @blp.alt_response(409, description="The invoice has a payment in progress (`payment_id` names it).")
    def post(self, body, org_id, credit_note_id):
        """Use credit to pay an invoice of the same customer and currency: at most what the
        note has left and what the invoice has due."""
        credit_notes.apply_credit(runtime(), ApplyCredit(org_id, credit_note_id, body["invoice_id"],
                                                         body["amount_minor"]))
        return _staff_detail(org_id, credit_note_id)


@blp.route("/orgs/<org_id>/credit-notes/<credit_note_id>/refund")
class CreditRefundView(MethodView):
    @auth.requires(*STAFF_KINDS, roles=("owner", "admin"), **MANAGE)
    @blp.arguments(CreditRefundIn)
    @blp.response(200, StaffCreditNoteOut)
    def post(self, body, org_id, credit_note_id):
        """Record credit paid back to the customer out of band (owners and admins)."""
        credit_notes.refund_credit(runtime(), RefundCredit(org_id, credit_note_id, body["amount_minor"],
                                                           body["reason"], body["request_id"]))
        return _staff_detail(org_id, credit_note_id)


@blp.route("/orgs/<org_id>/credit-notes/<credit_note_id>/pdf")
class CreditNotePdf(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(LocaleArgs, location="query")
    @blp.response(200, description="The credit note as a branded PDF (attachment <number>.pdf).", **PDF_ANSWER)
    def get(self, args, org_id, credit_note_id):
        return _pdf(org_id, credit_note_id, for_customer=False, locale=args["locale"])


# --- contacts: the portal -------------------------------------------------------------------

@blp.route("/orgs/<org_id>/customers/<customer_id>/credit-notes")
class CustomerCreditNotes(MethodView):
    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.arguments(CreditListArgs, location="query")
    @blp.response(200, CreditPageOut)
    def get(self, args, org_id, customer_id):
        """The customer's credit notes, newest first, keyset-paginated."""
        query = credit_queries.CreditQuery(customer_id=customer_id, **args)
        with read_only(runtime().engine) as conn:
            return credit_queries.list_credit_notes(conn, org_id, query, for_customer=True, caller=auth.principal())


@blp.route("/orgs/<org_id>/customers/<customer_id>/credit-notes/<credit_note_id>")
class CustomerCreditNoteById(MethodView):
    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.response(200, CreditNoteOut)
    def get(self, org_id, customer_id, credit_note_id):
        """The note with its lines, the invoices it was applied to and the refunds made from it."""
        with read_only(runtime().engine) as conn:
            return credit_queries.credit_note_detail(conn, org_id, credit_note_id, for_customer=True,
                                                     customer_id=customer_id, caller=auth.principal())


@blp.route("/orgs/<org_id>/customers/<customer_id>/credit-notes/<credit_note_id>/pdf")
class CustomerCreditNotePdf(MethodView):
    @auth.requires("contact", "staff", "system", **DOWNLOAD)
    @blp.arguments(LocaleArgs, location="query")
    @blp.response(200, description="The credit note as a branded PDF (attachment <number>.pdf).", **PDF_ANSWER)
    def get(self, args, org_id, customer_id, credit_note_id):
        return _pdf(org_id, credit_note_id, for_customer=True, customer_id=customer_id, locale=args["locale"])


def _pdf(org_id: str, credit_note_id: str, for_customer: bool, customer_id: str | None = None,
         locale: str = "en") -> Response:
    """Read, then fetch the logo outside any transaction (a logo that cannot be had never
    fails the download), then render."""
    rt = runtime()
    with read_only(rt.engine) as conn:
        note = credit_queries.credit_note_detail(conn, org_id, credit_note_id, for_customer=for_customer,
                                                 customer_id=customer_id, caller=auth.principal())
        note.update(bill_to(conn, org_id, note["customer_id"]))
        org = org_of(conn, org_id)
    name = UNSAFE.sub("-", note["number"]).strip("-.") or "credit-note"
    body = pdf.render_credit_note(note, org, **logo_and_fonts(rt, org_id, org), locale=locale)
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})
