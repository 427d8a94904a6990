"""billing's statement of account for one customer: JSON for the portal and the console, and
the same as a branded PDF (queries/statement.py says what is on it and how each amount is dated).

A contact reads its own customer's statement with the module "invoices" and the permission
"view", the PDF with "download"; another customer's id answers 404. Staff, API keys (scope
"invoices") and the operator read any customer's of the org: a customer billing has no
money of answers an empty statement (billing cannot tell it from a customer of another org,
and either way there is nothing to show). Every query is scoped to the org in the path.
The account summary (queries/account.py: balance due, overdue, next due date) is read the
same way, for the portal's home page.
"""
from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.billing.adapters import statement_pdf
from services.billing.api.documents import PDF_ANSWER, UNSAFE, LocaleArgs, logo_and_fonts, org_of
from services.billing.api.invoices import today
from services.billing.api.schemas import CURRENCY
from services.billing.queries import account, statement
from services.billing.queries.customers import bill_to
from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime

blp = Blueprint("statement", __name__,
                description="Statement of account: balances, entries, ageing; as PDF; the account summary")

KINDS = ("contact", "staff", "api_key", "system")
VIEW = dict(module="invoices", permission="view")
DOWNLOAD = dict(module="invoices", permission="download")


class StatementArgs(Schema):
    starts = fields.Date(data_key="from", metadata={"description": "First day (UTC), default: the 1st of "
                                                                   "the month two months ago."})
    ends = fields.Date(data_key="to", metadata={"description": "Last day (UTC), included; default today."})
    currency = fields.String(validate=CURRENCY, metadata={
        "description": "Default: the currency most of the customer's invoices are in."})


class StatementPdfArgs(StatementArgs, LocaleArgs):
    """The statement's range and currency, and the PDF's language."""


class EntryOut(Schema):
    date = fields.String()
    at = fields.String()
    kind = fields.String(validate=validate.OneOf(statement.KINDS))
    reference = fields.String()
    description = fields.String()
    amount_minor = fields.Integer()
    debit_minor = fields.Integer()
    credit_minor = fields.Integer()
    balance_minor = fields.Integer()
    invoice_id = fields.String(allow_none=True)
    payment_id = fields.String(allow_none=True)
    credit_note_id = fields.String(allow_none=True)


class AgeingOut(Schema):
    current = fields.Integer()
    days_1_30 = fields.Integer()
    days_31_60 = fields.Integer()
    days_61_90 = fields.Integer()
    days_over_90 = fields.Integer()
    total = fields.Integer()


class OpenInvoiceOut(Schema):
    invoice_id = fields.String()
    number = fields.String()
    issued_at = fields.String()
    due_date = fields.String(allow_none=True)
    days_overdue = fields.Integer()
    bucket = fields.String()
    amount_due_minor = fields.Integer()


class StatementOut(Schema):
    customer_id = fields.String()
    customer_name = fields.String(allow_none=True)
    currency = fields.String(allow_none=True)
    currencies = fields.List(fields.String())
    starts = fields.String(data_key="from")
    ends = fields.String(data_key="to")
    opening_balance_minor = fields.Integer()
    entries = fields.List(fields.Nested(EntryOut))
    closing_balance_minor = fields.Integer()
    ageing = fields.Nested(AgeingOut)
    open_invoices = fields.List(fields.Nested(OpenInvoiceOut))
    unapplied_credit_minor = fields.Integer()


def _statement(org_id: str, customer_id: str, args: dict) -> tuple[dict, dict]:
    """The statement (dates defaulted) and billing's copy of the org."""
    starts, ends = statement.default_range(today())
    starts, ends = args.get("starts", starts), args.get("ends", ends)
    with read_only(runtime().engine) as conn:
        found = statement.statement(conn, org_id, customer_id, starts, ends, args.get("currency"))
        found.update(bill_to(conn, org_id, customer_id))
        org = org_of(conn, org_id)
    found["starts"], found["ends"] = found.pop("from"), found.pop("to")
    return found, org


@blp.route("/orgs/<org_id>/customers/<customer_id>/statement")
class Statement(MethodView):
    @auth.requires(*KINDS, **VIEW)
    @blp.arguments(StatementArgs, location="query")
    @blp.response(200, StatementOut)
    def get(self, args, org_id, customer_id):
        """Opening balance, every entry with the running balance, closing balance and ageing,
        for `from`..`to` (UTC days, at most two years) in one currency."""
        return _statement(org_id, customer_id, args)[0]


@blp.route("/orgs/<org_id>/customers/<customer_id>/statement.pdf")
class StatementPdf(MethodView):
    @auth.requires(*KINDS, **DOWNLOAD)
    @blp.arguments(StatementPdfArgs, location="query")
    @blp.response(200, description="The statement as a branded PDF (attachment statement-<from>-<to>.pdf).",
                  **PDF_ANSWER)
    def get(self, args, org_id, customer_id):
        """The same statement as a branded A4 PDF."""
        found, org = _statement(org_id, customer_id, args)
        body = statement_pdf.render_statement(found, org, **logo_and_fonts(runtime(), org_id, org),
                                              locale=args["locale"])
        name = UNSAFE.sub("-", f"statement-{found['starts']}-{found['ends']}").strip("-.")
        return Response(body, mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})


class BalanceOut(Schema):
    currency = fields.String()
    open_invoices = fields.Integer()
    balance_due_minor = fields.Integer()
    overdue_minor = fields.Integer()
    overdue_invoices = fields.Integer()
    next_due_date = fields.String(allow_none=True, metadata={"description": "The earliest due date not yet passed."})


class OverdueOut(Schema):
    invoice_id = fields.String()
    number = fields.String(allow_none=True)
    currency = fields.String()
    amount_due_minor = fields.Integer()
    due_date = fields.String(allow_none=True)


class AccountSummaryOut(Schema):
    balances = fields.List(fields.Nested(BalanceOut), metadata={"description": "One per currency, largest first."})
    payments_in_progress = fields.Integer(metadata={"description": "Open invoices with a payment in progress."})
    overdue_to_pay = fields.List(fields.Nested(OverdueOut), metadata={
        "description": "Overdue invoices without a payment in progress, oldest due first (at most 100)."})


@blp.route("/orgs/<org_id>/account-summary")
class OrgAccountSummary(MethodView):
    @auth.requires("staff", "api_key", "system", module="invoices")
    @blp.response(200, AccountSummaryOut)
    def get(self, org_id):
        """The org's receivables for the console's home: what customers owe and what of it is
        overdue, per currency, and the open invoices with a payment in progress."""
        with read_only(runtime().engine) as conn:
            return account.account_summary(conn, org_id, None, today())


@blp.route("/orgs/<org_id>/customers/<customer_id>/account-summary")
class AccountSummary(MethodView):
    @auth.requires(*KINDS, **VIEW)
    @blp.response(200, AccountSummaryOut)
    def get(self, org_id, customer_id):
        """What the portal's home says about money: balance due, overdue (amount and count)
        and the next due date per currency, and the overdue invoices "Pay all overdue" pays."""
        with read_only(runtime().engine) as conn:
            return account.account_summary(conn, org_id, customer_id, today())
