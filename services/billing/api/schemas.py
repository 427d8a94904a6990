"""What billing's HTTP API takes and gives (marshmallow); the rules themselves live in the
domain, which names the field that broke one. Unknown fields are refused (422)."""
from marshmallow import Schema, fields, validate

from contracts.problem import ProblemSchema

from services.billing.domain.invoice import CUSTOMER_STATUSES, MAX_BATCH, MAX_LINES, STORED_STATUSES
from services.billing.queries.invoices import DEFAULT_SORT, SORTS

CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="Must be an ISO 4217 code (three upper-case letters).")


def minor(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=0), **kwargs)


class LineIn(Schema):
    description = fields.String(required=True, validate=validate.Length(min=1, max=500))
    quantity = fields.Decimal(required=True, metadata={"description": "Up to 4 decimals; text or number."})
    unit_price_minor = minor(required=True)
    tax_rate = fields.Decimal(load_default=0, metadata={"description": "Percent, up to 4 decimals."})
    discount_percent = fields.Decimal(load_default=None, allow_none=True,
                                      metadata={"description": "Percent of the line, up to 2 decimals."})
    discount_fixed_minor = minor(load_default=None, allow_none=True)


class InvoiceIn(Schema):
    customer_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    currency = fields.String(required=True, validate=CURRENCY)
    lines = fields.List(fields.Nested(LineIn), required=True, validate=validate.Length(min=1, max=MAX_LINES))
    due_date = fields.Date(load_default=None, allow_none=True)
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    number = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    external_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    issue = fields.Boolean(load_default=False, metadata={"description": "Issue at once (else a draft)."})
    sales_order_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64),
                                   metadata={"description": "The orders service's sales order this invoice "
                                                            "bills: issuing it moves that order to invoiced."})


class PriceIn(Schema):
    currency = fields.String(required=True, validate=CURRENCY)
    lines = fields.List(fields.Nested(LineIn), required=True, validate=validate.Length(min=1, max=MAX_LINES))


class InvoicePatch(Schema):
    lines = fields.List(fields.Nested(LineIn), validate=validate.Length(min=1, max=MAX_LINES))
    due_date = fields.Date(allow_none=True)
    notes = fields.String(allow_none=True, validate=validate.Length(max=5000))
    currency = fields.String(validate=CURRENCY, metadata={"description": "Drafts only."})
    number = fields.String(allow_none=True, validate=validate.Length(min=1, max=40),
                           metadata={"description": "Drafts only."})


class IssueIn(Schema):
    number = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))


class VoidIn(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class CustomerListArgs(Schema):
    status = fields.String(validate=validate.OneOf(CUSTOMER_STATUSES))
    number = fields.String(validate=validate.Length(min=1, max=40))
    match = fields.String(load_default="contains", validate=validate.OneOf(("contains", "prefix")))
    issued_from = fields.Date()
    issued_to = fields.Date()
    sort = fields.String(load_default=DEFAULT_SORT, validate=validate.OneOf(SORTS))
    cursor = fields.String(validate=validate.Length(max=1000))
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class StaffListArgs(CustomerListArgs):
    customer_id = fields.String(validate=validate.Length(min=1, max=64))
    status = fields.String(validate=validate.OneOf(sorted(set(CUSTOMER_STATUSES) | set(STORED_STATUSES))))


class LineOut(Schema):
    description = fields.String()
    quantity = fields.String()
    unit_price_minor = fields.Integer()
    tax_rate = fields.String()
    discount_percent = fields.String(allow_none=True)
    discount_fixed_minor = fields.Integer(allow_none=True)
    subtotal_minor = fields.Integer()
    discount_minor = fields.Integer()
    net_minor = fields.Integer()
    tax_minor = fields.Integer()
    total_minor = fields.Integer()


class TaxOut(Schema):
    rate = fields.String()
    taxable_minor = fields.Integer()
    tax_minor = fields.Integer()


class PriceOut(Schema):
    currency = fields.String()
    subtotal_minor = fields.Integer()
    discount_minor = fields.Integer()
    tax_minor = fields.Integer()
    total_minor = fields.Integer()
    lines = fields.List(fields.Nested(LineOut))
    taxes = fields.List(fields.Nested(TaxOut))


class TimelineOut(Schema):
    event = fields.String(metadata={"description": "issued, updated, voided, viewed"})
    at = fields.String()
    actor_kind = fields.String(allow_none=True)
    actor_id = fields.String(allow_none=True)
    changed = fields.List(fields.String())
    reason = fields.String(allow_none=True)
    number = fields.String()
    contact_id = fields.String()
    payment_id = fields.String(metadata={"description": "payment_* entries"})
    amount_minor = fields.Integer(metadata={"description": "payment_*: the amount for this invoice"})
    reopens_invoice = fields.Boolean(metadata={"description": "payment_refunded: true when the payment was "
                                                              "reversed and the invoice owes the amount again"})
    credit_note_id = fields.String(metadata={"description": "credit_applied: the credit note (number: its number)"})
    comment_id = fields.String(metadata={"description": "comment entries (customers: visible ones only)"})
    internal = fields.Boolean(metadata={"description": "comment entries, staff answers"})
    recipient_email = fields.String(metadata={"description": "forwarded entries, staff answers"})


class SavedMethodOut(Schema):
    kind = fields.String()
    brand = fields.String(allow_none=True)
    last4 = fields.String()


class InvoicePaymentOut(Schema):
    """One payment in an invoice's history: what it pays (or tries to pay) towards it."""

    payment_id = fields.String()
    amount_minor = fields.Integer()
    refunded_minor = fields.Integer(metadata={"description": "Every refund of this payment off this invoice."})
    reopened_minor = fields.Integer(metadata={"description": "The part of refunded_minor the invoice owes "
                                                             "again (the payment was reversed)."})
    status = fields.String(metadata={"description": "initiated, pending, settled, failed, refunded (some or all "
                                                    "of it: compare refunded_minor with amount_minor)"})
    method = fields.String(allow_none=True)
    saved_method = fields.Nested(SavedMethodOut, allow_none=True)
    gateway = fields.String()
    currency = fields.String()
    initiated_at = fields.String()
    settled_at = fields.String(allow_none=True)
    failed_at = fields.String(allow_none=True)
    failure_reason = fields.String(allow_none=True)


class InvoiceSummaryOut(Schema):
    """What a customer sees in the list (never a draft, never the ERP's id)."""

    invoice_id = fields.String()
    customer_id = fields.String()
    number = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "sent, partially_paid, paid, overdue, void (draft: staff)"})
    currency = fields.String()
    total_minor = fields.Integer()
    tax_minor = fields.Integer()
    amount_paid_minor = fields.Integer()
    amount_due_minor = fields.Integer()
    issued_at = fields.String(allow_none=True)
    due_date = fields.String(allow_none=True)
    payment_in_progress = fields.Boolean(metadata={"description": "A payment for it is being processed: "
                                                                  "it cannot be paid again until that one ends."})


class InvoiceOut(InvoiceSummaryOut):
    sales_order_id = fields.String(allow_none=True)
    subtotal_minor = fields.Integer()
    discount_minor = fields.Integer()
    refunded_minor = fields.Integer(metadata={
        "description": "Money paid on this invoice and given back without reopening it: the invoice stays "
                       "paid and is worth that much less to the customer. Reversed payments are not in it: "
                       "they lower amount_paid_minor instead."})
    notes = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(LineOut))
    taxes = fields.List(fields.Nested(TaxOut))
    payments = fields.List(fields.Nested(InvoicePaymentOut))
    timeline = fields.List(fields.Nested(TimelineOut))


class StaffSummaryOut(InvoiceSummaryOut):
    external_ref = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()


class StaffInvoiceOut(InvoiceOut, StaffSummaryOut):
    pass


class CustomerPageOut(Schema):
    items = fields.List(fields.Nested(InvoiceSummaryOut))
    next_cursor = fields.String(allow_none=True, metadata={"description": "null on the last page"})


class StaffPageOut(Schema):
    items = fields.List(fields.Nested(StaffSummaryOut))
    next_cursor = fields.String(allow_none=True)


class InvoiceBatchIn(Schema):
    invoices = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1), metadata={
        "description": f"1 to {MAX_BATCH} invoices, each as POST /orgs/{{org}}/invoices takes it (more: 413). "
                       "Each is checked on its own: a bad one is answered with its problem, the rest go in."})


class PushedOut(Schema):
    index = fields.Integer(metadata={"description": "The item's place in `invoices`, from 0."})
    status = fields.Integer(metadata={"description": "201 made now; 200 its external_ref was pushed before (or "
                                                     "earlier in this batch): that invoice, unchanged; 4xx refused, "
                                                     "see `problem` (nothing of it was stored)."})
    external_ref = fields.String(allow_none=True)
    invoice = fields.Nested(StaffSummaryOut, metadata={"description": "With 201 and 200."})
    problem = fields.Nested(ProblemSchema, metadata={"description": "With 4xx: problem details, `errors` "
                                                                    "naming the item's fields."})


class InvoiceBatchOut(Schema):
    created = fields.Integer()
    existing = fields.Integer()
    refused = fields.Integer()
    results = fields.List(fields.Nested(PushedOut), metadata={"description": "One per item, in order."})


# --- payments ----------------------------------------------------------------------------

PAYMENT_STATUSES = ("initiated", "pending", "settled", "failed", "refunded", "received_late")
METHOD = validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$|^saved:[A-Za-z0-9_-]{1,100}$",
                         error="A method is a name such as card or bank_debit.")


class AllocationIn(Schema):
    invoice_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount_minor = fields.Integer(strict=True, load_default=None, allow_none=True,
                                  validate=validate.Range(min=1, max=10**15),
                                  metadata={"description": "Leave out to pay the amount due."})


class PaymentIn(Schema):
    invoices = fields.List(fields.Nested(AllocationIn), required=True, validate=validate.Length(min=1, max=100))
    method = fields.String(required=True, validate=METHOD,
                           metadata={"description": "simulated gateway: card, card_declined, bank_debit"})
    return_url = fields.Url(load_default=None, allow_none=True, require_tld=False, schemes={"http", "https"},
                            validate=validate.Length(max=2000))
    gateway = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=20),
                            metadata={"description": "Leave out for the org's default gateway."})


class OfflinePaymentIn(Schema):
    customer_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    invoices = fields.List(fields.Nested(AllocationIn), required=True, validate=validate.Length(min=1, max=100))
    method = fields.String(required=True, validate=validate.OneOf(("bank_transfer", "cash", "cheque")))
    reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200),
                              metadata={"description": "The bank's or cheque's reference."})


class RefundIn(Schema):
    amount_minor = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=10**15))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    request_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=8, max=100),
                               metadata={"description": "Names the request: sent again (a retry, a double "
                                                        "click) it makes no second refund."})
    reopen_invoice = fields.Boolean(load_default=False, metadata={
        "description": "false (default): money goes back and the invoices stay paid. true: the payment is "
                       "reversed, the invoices' amounts paid go down and the customer owes the amount again."})


class SimulateIn(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(("settled", "failed")))


class PaymentListArgs(Schema):
    status = fields.String(validate=validate.OneOf(PAYMENT_STATUSES))
    invoice_id = fields.String(validate=validate.Length(min=1, max=64))
    cursor = fields.String(validate=validate.Length(max=1000))
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class StaffPaymentListArgs(PaymentListArgs):
    customer_id = fields.String(validate=validate.Length(min=1, max=64))
    gateway = fields.String(validate=validate.Length(min=1, max=20))


class PaymentAllocationOut(Schema):
    invoice_id = fields.String()
    number = fields.String(allow_none=True)
    amount_minor = fields.Integer()
    refunded_minor = fields.Integer()
    reopened_minor = fields.Integer(metadata={"description": "The part of refunded_minor this invoice owes again."})


class PaymentOut(Schema):
    payment_id = fields.String()
    customer_id = fields.String()
    status = fields.String(metadata={"description": "initiated, pending, settled, failed, refunded (some or all "
                                                    "of it: refunded_minor says how much)"})
    gateway = fields.String()
    method = fields.String(allow_none=True)
    saved_method = fields.Nested(SavedMethodOut, allow_none=True,
                                 metadata={"description": "For a method \"saved:<id>\": what it is, to name it."})
    currency = fields.String()
    amount_minor = fields.Integer()
    refunded_minor = fields.Integer(metadata={"description": "What went back to the customer so far; less "
                                                            "than amount_minor: partly refunded."})
    reopened_minor = fields.Integer(metadata={
        "description": "The part of refunded_minor its invoices owe again (staff reversed the payment); the rest "
                       "went back and left them paid."})
    allocations = fields.List(fields.Nested(PaymentAllocationOut))
    failure_reason = fields.String(allow_none=True)
    failure_message = fields.String(allow_none=True)
    redirect_url = fields.String(allow_none=True, metadata={"description": "Where the customer must go "
                                                            "to finish (initiated payments), else null."})
    initiated_at = fields.String()
    pending_at = fields.String(allow_none=True)
    settled_at = fields.String(allow_none=True)
    failed_at = fields.String(allow_none=True)
    refunded_at = fields.String(allow_none=True)
    updated_at = fields.String()


class StaffPaymentOut(PaymentOut):
    gateway_reference = fields.String(allow_none=True)


class PaymentPageOut(Schema):
    items = fields.List(fields.Nested(PaymentOut))
    next_cursor = fields.String(allow_none=True)


class StaffPaymentPageOut(Schema):
    items = fields.List(fields.Nested(StaffPaymentOut))
    next_cursor = fields.String(allow_none=True)
