"""Payment links over HTTP (services/billing/API.md, "Payment links").

Staff, API keys (scope "invoices") and the operator make an invoice's link (idempotent;
`rotate` replaces it) and see whether it has a live one. The token's routes are
`@auth.public`, like the gateways' webhooks: the token itself is what lets the caller in,
and the gateway's public /pay/<token> pages are their only caller (billing is reachable
only inside the cluster). An unknown, expired or rotated token answers one and the same 404.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.billing.domain.commands import CancelLinkPayment, CreatePaymentLink, PayByLink
from services.billing.domain.payment_link import MAX_DAYS, page_path
from services.billing.api.documents import PDF_ANSWER, LocaleArgs, receipt_pdf
from services.billing.handlers import payment_links
from services.billing.queries import payment_links as link_queries
from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime

blp = Blueprint("payment_links", __name__, description="Payment links: pay one invoice without signing in")

STAFF_KINDS = ("staff", "api_key", "system")
MANAGE = dict(module="invoices")


class LinkIn(Schema):
    rotate = fields.Boolean(load_default=False, metadata={
        "description": "true: revoke the live link (its address stops working) and make a new one."})
    expires_in_days = fields.Integer(load_default=None, allow_none=True, strict=True,
                                     validate=validate.Range(min=1, max=MAX_DAYS), metadata={
                                         "description": "Default: the org's `payment_link_days`, else 30."})
    link_base = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300), metadata={
        "description": "The portal's address (https://host); the gateway sets it."})


class LinkOut(Schema):
    payment_link_id = fields.String()
    invoice_id = fields.String()
    customer_id = fields.String()
    created_at = fields.String()
    expires_at = fields.String()
    created = fields.Boolean(metadata={"description": "true: made by this request (the address is in `url`)."})
    path = fields.String(allow_none=True, metadata={"description": "/pay/<token>, only when `created`."})
    url = fields.String(allow_none=True, metadata={"description": "link_base + path, only when `created`."})


class LinkInvoiceOut(Schema):
    number = fields.String(allow_none=True)
    currency = fields.String()
    total_minor = fields.Integer()
    amount_paid_minor = fields.Integer()
    amount_due_minor = fields.Integer()
    due_date = fields.String(allow_none=True)
    issued_at = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "sent, partially_paid, overdue, paid, void"})


class ReceivedOut(Schema):
    payment_id = fields.String()
    amount_minor = fields.Integer()
    currency = fields.String()
    settled_at = fields.String(allow_none=True)


class SummaryOut(Schema):
    payment_link_id = fields.String()
    expires_at = fields.String()
    org_name = fields.String(allow_none=True)
    invoice = fields.Nested(LinkInvoiceOut)
    nothing_to_pay = fields.Boolean(metadata={"description": "true: void or paid in full."})
    payment_in_progress = fields.String(allow_none=True, metadata={
        "description": "The guard's sentence while a payment of the invoice is in flight, else null."})
    received = fields.List(fields.Nested(ReceivedOut), metadata={
        "description": "The payments made through this link that were received, oldest first: each has "
                       "a receipt (…/payments/<payment_id>/receipt.pdf)."})


class LinkPayIn(Schema):
    # A plain method of the gateway ("card", "bank_debit"): never a contact's saved method.
    method = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z_]{1,40}$", error="Choose how to pay: card or bank debit."))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254), metadata={
        "description": "Where the payer wants the receipt (given to the gateway)."})
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200), metadata={
        "description": "Whom the receipt mail greets; the invoice's customer's name when not given."})
    return_url = fields.Url(load_default=None, allow_none=True, require_tld=False, schemes={"http", "https"},
                            validate=validate.Length(max=2000), metadata={
                                "description": "Where a hosted checkout sends the payer back (the link's page)."})


class LinkPaymentOut(Schema):
    payment_id = fields.String()
    status = fields.String()
    method = fields.String(allow_none=True)
    currency = fields.String()
    amount_minor = fields.Integer()
    failure_message = fields.String(allow_none=True)
    initiated_at = fields.String()
    settled_at = fields.String(allow_none=True)
    invoice_number = fields.String(allow_none=True)
    redirect_url = fields.String(allow_none=True)


@blp.route("/orgs/<org_id>/invoices/<invoice_id>/payment-link")
class InvoiceLink(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.response(200, LinkOut)
    def get(self, org_id, invoice_id):
        """The invoice's live link (without its address: that is shown once), or 404."""
        with read_only(runtime().engine) as conn:
            return {**link_queries.live_link(conn, org_id, invoice_id), "created": False, "path": None, "url": None}

    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(LinkIn)
    @blp.response(201, LinkOut)
    @blp.alt_response(200, schema=LinkOut, description="The invoice already has a live link: it is answered "
                                                        "(without its address), not doubled.")
    def post(self, body, org_id, invoice_id):
        """Make the invoice's payment link (PaymentLinkCreated), or answer its live one."""
        caller = auth.principal()
        link, token = payment_links.create_link(runtime(), CreatePaymentLink(
            org_id, invoice_id, rotate=body["rotate"], days=body["expires_in_days"], actor=(caller.kind, caller.id)))
        if token is None:
            return {**link, "created": False, "path": None, "url": None}, 200
        path = page_path(token)
        url = body["link_base"].rstrip("/") + path if body["link_base"] else None
        return {**link, "created": True, "path": path, "url": url}


@blp.route("/orgs/<org_id>/payment-links/<token>")
class LinkSummary(MethodView):
    @auth.public
    @blp.response(200, SummaryOut)
    def get(self, org_id, token):
        """The invoice in brief, for whoever holds the link's token (404 otherwise)."""
        with read_only(runtime().engine) as conn:
            return link_queries.summary(conn, org_id, token)


@blp.route("/orgs/<org_id>/payment-links/<token>/payments")
class LinkPayments(MethodView):
    @auth.public
    @blp.arguments(LinkPayIn)
    @blp.response(201, LinkPaymentOut)
    @blp.alt_response(200, schema=LinkPaymentOut, description="An initiated payment for the invoice was resumed.")
    @blp.alt_response(409, description="A payment of the invoice is in progress (the duplicate-payment guard).")
    def post(self, body, org_id, token):
        """Pay the invoice's amount due through the link (the org's default gateway)."""
        rt = runtime()
        payment_id, created = payment_links.pay(rt, PayByLink(org_id, token, body["method"], body["email"],
                                                              body["return_url"] or "", name=body["name"]))
        with read_only(rt.engine) as conn:
            detail = link_queries.link_payment(conn, org_id, token, payment_id)
        return detail if created else (detail, 200)


@blp.route("/orgs/<org_id>/payment-links/<token>/payments/<payment_id>/cancel")
class LinkPaymentCancel(MethodView):
    @auth.public
    @blp.response(200, LinkPaymentOut)
    def post(self, org_id, token, payment_id):
        """The payer left the gateway's page through its cancel URL: a payment of this link still
        initiated is failed ("cancelled"), so the invoice can be paid again at once."""
        return payment_links.cancel_payment(runtime(), CancelLinkPayment(org_id, token, payment_id))


@blp.route("/orgs/<org_id>/payment-links/<token>/payments/<payment_id>/receipt.pdf")
class LinkPaymentReceipt(MethodView):
    @auth.public
    @blp.arguments(LocaleArgs, location="query")
    @blp.response(200, description="The payment's receipt as a branded PDF.", **PDF_ANSWER)
    def get(self, args, org_id, token, payment_id):
        """The receipt of a payment made through this link, once received; any other payment
        (another link's, the customer's own in the portal, another org's) is a 404."""
        with read_only(runtime().engine) as conn:
            link_queries.link_payment(conn, org_id, token, payment_id)       # 404 unless this link's
            customer_id = link_queries.by_token(conn, org_id, token, link_queries.now_utc()).customer_id
        # Nobody is signed in: the link is the caller, reading as its customer within its org.
        as_link = auth.Principal(kind="contact", id="payment-link", org_id=org_id, customer_id=customer_id)
        return receipt_pdf(org_id, customer_id, payment_id, as_link, args["locale"])


@blp.route("/orgs/<org_id>/payment-links/<token>/payments/<payment_id>")
class LinkPaymentById(MethodView):
    @auth.public
    @blp.response(200, LinkPaymentOut)
    def get(self, org_id, token, payment_id):
        """A payment started through this link (its live status); any other is a 404."""
        with read_only(runtime().engine) as conn:
            return link_queries.link_payment(conn, org_id, token, payment_id)


class PayerReceiptArgs(LocaleArgs):
    email = fields.Email(required=True, validate=validate.Length(max=254))


@blp.route("/orgs/<org_id>/payments/<payment_id>/payer-receipt.pdf")
class PayerReceipt(MethodView):
    @auth.public
    @blp.arguments(PayerReceiptArgs, location="query")
    @blp.response(200, description="The payment's receipt as a branded PDF.", **PDF_ANSWER)
    def get(self, args, org_id, payment_id):
        """The receipt of a payment made through a payment link, for whoever knows the payment
        (its receipt mail names it) and the address its payer typed: the mail links here, as no
        link token travels in an event. Anything else, a wrong address included, is one 404."""
        with read_only(runtime().engine) as conn:
            customer_id = link_queries.payer_of(conn, org_id, payment_id, args["email"])
        as_link = auth.Principal(kind="contact", id="payment-link", org_id=org_id, customer_id=customer_id)
        return receipt_pdf(org_id, customer_id, payment_id, as_link, args["locale"])
