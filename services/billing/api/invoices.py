"""billing's HTTP API: thin translators from JSON to commands; reads hit the read model.

Staff, API keys (scope "invoices") and the operator manage an org's invoices under
/orgs/<org>/invoices. Contacts read their customer's invoices under
/orgs/<org>/customers/<customer>/invoices (module "invoices", permission "view"): another
customer's or org's invoice, and any draft, answers 404 there.
"""
from datetime import datetime, timezone

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from contracts.problem import problem

from services.billing.api.schemas import (CustomerListArgs, CustomerPageOut, InvoiceBatchIn, InvoiceBatchOut,
                                          InvoiceIn, InvoiceOut, InvoicePatch, IssueIn, PriceIn, PriceOut,
                                          StaffInvoiceOut, StaffListArgs, StaffPageOut, VoidIn)
from services.billing.domain import money
from services.billing.domain.invoice import price_lines
from services.billing.domain.commands import (CreateInvoice, CreateInvoices, DiscardDraft, IssueInvoice,
                                              RecordInvoiceView, UpdateInvoice, VoidInvoice)
from services.billing.handlers import invoices as handlers
from services.billing.queries import invoices as queries
from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.errors import problem_of
from services.chassis.web import accepts_body, runtime

blp = Blueprint("invoices", __name__, description="Invoices: drafts, issuing, updates, voids, the portal's list")

MANAGE = dict(module="invoices")
BATCH_BYTES = 16 * 1024 * 1024        # a batch's body (500 invoices); other requests keep 1 MiB
STAFF_KINDS = ("staff", "api_key", "system")
VIEW = dict(module="invoices", permission="view")


def today():
    """Overdue is decided on the UTC calendar day."""
    return datetime.now(timezone.utc).date()


def _staff_detail(org_id, invoice_id):
    with read_only(runtime().engine) as conn:
        return queries.invoice_detail(conn, org_id, invoice_id, today(), for_customer=False)


@blp.route("/orgs/<org_id>/invoices/price")
class Price(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(PriceIn)
    @blp.response(200, PriceOut)
    def post(self, body, org_id):
        """What these lines come to, priced exactly as an invoice prices them (nothing is
        stored): the console's running total while staff type an invoice."""
        money.exponent(body["currency"])
        lines, totals = price_lines(body["lines"])
        return {"currency": body["currency"], "lines": lines, "taxes": money.tax_breakdown(lines), **totals.as_dict()}


@blp.route("/orgs/<org_id>/invoices")
class Invoices(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(InvoiceIn)
    @blp.response(201, StaffInvoiceOut)
    @blp.alt_response(200, schema=StaffInvoiceOut,
                      description="An invoice with this external_ref exists already: it is answered unchanged.")
    def post(self, body, org_id):
        """Create a draft, or issue at once (`issue`: true)."""
        invoice_id, created = handlers.create_invoice(runtime(), CreateInvoice(org_id=org_id, **body))
        detail = _staff_detail(org_id, invoice_id)
        return detail if created else (detail, 200)

    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(StaffListArgs, location="query")
    @blp.response(200, StaffPageOut)
    def get(self, args, org_id):
        """The org's invoices, drafts included; keyset-paginated (`cursor` from `next_cursor`)."""
        with read_only(runtime().engine) as conn:
            return queries.list_invoices(conn, org_id, queries.ListQuery(**args), today(), for_customer=False)


@blp.route("/orgs/<org_id>/invoices/batch")
class InvoiceBatch(MethodView):
    @accepts_body(BATCH_BYTES)
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(InvoiceBatchIn)
    @blp.response(200, InvoiceBatchOut)
    def post(self, body, org_id):
        """Push up to 500 invoices at once (an ERP's batch), each as the single create takes it,
        in one transaction: checked, numbered, appended and projected together. A result per
        item, in order: 201 made, 200 its external_ref was pushed before (that invoice,
        unchanged), or a 4xx problem naming its fields (that item alone is left out)."""
        items = body["invoices"]
        handlers.ensure_batch_size(len(items))
        results: list[dict] = [{"index": i, "external_ref": _ref_of(item)} for i, item in enumerate(items)]
        commands = []
        for i, item in enumerate(items):
            try:
                commands.append((i, CreateInvoice(org_id=org_id, **ONE_INVOICE.load(item))))
            except ValidationError as exc:
                results[i].update(status=422, problem=_invalid(exc.messages))
        pushed = handlers.create_invoices(runtime(), CreateInvoices(org_id, tuple(c for _, c in commands)))
        made = [p.invoice_id for p in pushed if p.error is None]
        with read_only(runtime().engine) as conn:
            found = queries.summaries(conn, org_id, made, today())
        for (i, _), p in zip(commands, pushed):
            if p.error is not None:
                results[i].update(status=p.error.status, problem=problem_of(p.error))
            else:
                results[i].update(status=201 if p.created else 200, invoice=found[p.invoice_id])
        counts = {"created": 0, "existing": 0, "refused": 0}
        for r in results:
            counts["created" if r["status"] == 201 else "existing" if r["status"] == 200 else "refused"] += 1
        return {**counts, "results": results}


ONE_INVOICE = InvoiceIn()


def _ref_of(item):
    ref = item.get("external_ref") if isinstance(item, dict) else None
    return ref.strip() if isinstance(ref, str) else None


def _invalid(messages) -> dict:
    """A batch item's input errors as the single create answers them (422, `errors.json`)."""
    if not isinstance(messages, dict) or set(messages) == {"_schema"}:
        return problem(422, "Unprocessable Entity", "Each invoice is a JSON object.",
                       errors={"json": {"_schema": ["Each invoice is a JSON object."]}})
    return problem(422, "Unprocessable Entity", f"Invalid input: {', '.join(sorted(messages))}.",
                   errors={"json": messages})


@blp.route("/orgs/<org_id>/invoices/<invoice_id>")
class InvoiceById(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.response(200, StaffInvoiceOut)
    def get(self, org_id, invoice_id):
        return _staff_detail(org_id, invoice_id)

    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(InvoicePatch)
    @blp.response(200, StaffInvoiceOut)
    def patch(self, changes, org_id, invoice_id):
        """Change lines, due date, notes (a draft also currency and number)."""
        handlers.update_invoice(runtime(), UpdateInvoice(org_id, invoice_id, changes))
        return _staff_detail(org_id, invoice_id)

    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.response(204)
    def delete(self, org_id, invoice_id):
        """Discard a draft (an issued invoice is voided instead)."""
        handlers.discard_draft(runtime(), DiscardDraft(org_id, invoice_id))


@blp.route("/orgs/<org_id>/invoices/<invoice_id>/issue")
class IssueView(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(IssueIn)
    @blp.response(200, StaffInvoiceOut)
    def post(self, body, org_id, invoice_id):
        """Issue a draft: final and visible to the customer; numbered INV-000123 unless given."""
        handlers.issue_invoice(runtime(), IssueInvoice(org_id, invoice_id, body["number"]))
        return _staff_detail(org_id, invoice_id)


@blp.route("/orgs/<org_id>/invoices/<invoice_id>/void")
class VoidView(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(VoidIn)
    @blp.response(200, StaffInvoiceOut)
    def post(self, body, org_id, invoice_id):
        """Cancel an issued invoice that has no payment on it."""
        handlers.void_invoice(runtime(), VoidInvoice(org_id, invoice_id, body["reason"]))
        return _staff_detail(org_id, invoice_id)


@blp.route("/orgs/<org_id>/customers/<customer_id>/invoices")
class CustomerInvoices(MethodView):
    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.arguments(CustomerListArgs, location="query")
    @blp.response(200, CustomerPageOut)
    def get(self, args, org_id, customer_id):
        """A customer's invoices as the portal lists them (never a draft)."""
        query = queries.ListQuery(customer_id=customer_id, **args)
        with read_only(runtime().engine) as conn:
            return queries.list_invoices(conn, org_id, query, today(), for_customer=True,
                                         caller=auth.principal())


@blp.route("/orgs/<org_id>/customers/<customer_id>/invoices/<invoice_id>")
class CustomerInvoiceById(MethodView):
    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.response(200, InvoiceOut)
    def get(self, org_id, customer_id, invoice_id):
        """The invoice with lines, taxes, amounts and its timeline. A contact opening it
        records InvoiceViewed, at most once an hour per contact and invoice."""
        return contact_invoice(org_id, customer_id, invoice_id)


def contact_invoice(org_id, customer_id, invoice_id) -> dict:
    """The invoice as its customer sees it; a contact's first look in an hour is recorded."""
    rt, caller = runtime(), auth.principal()
    view = RecordInvoiceView(org_id, invoice_id, caller.id)
    with read_only(rt.engine) as conn:
        detail = queries.invoice_detail(conn, org_id, invoice_id, today(), for_customer=True,
                                        customer_id=customer_id, caller=caller)
        record = caller.kind == "contact" and not handlers.recently_viewed(conn, view)
    if record and handlers.record_view(rt, view):
        with read_only(rt.engine) as conn:
            detail["timeline"] = queries.timeline(conn, invoice_id, for_customer=True)
    return detail
