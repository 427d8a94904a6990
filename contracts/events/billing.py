"""Events of the billing service: invoices, payments, credit notes, payment links, comments.

Every amount is integer minor units next to its ISO 4217 currency. No card data, gateway
secret or payment-link token ever appears here: `gateway_reference` is the gateway's own
public id for the payment (a PaymentIntent or PayPal order id).
"""
from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.events.base import EventSchema, StrictSchema
from contracts.fields import Currency, Id, MinorUnits, UtcDateTime, choice

GATEWAYS = ("stripe", "paypal", "simulated", "offline")
DECIMAL_TEXT = r"^[0-9]{1,10}([.][0-9]{1,4})?$"


def decimal_text(**kwargs) -> fields.String:
    """A non-negative decimal written as text ("2.5", "20"): a JSON number could be read as a float."""
    return fields.String(validate=validate.Regexp(DECIMAL_TEXT, error="Must be a decimal written as text."),
                         **kwargs)


class InvoiceLine(StrictSchema):
    """One invoice line and its amounts, each rounded half away from zero to a minor unit:
    subtotal = quantity x unit price; discount (a percent of the subtotal, or a fixed amount);
    net = subtotal - discount; tax = net x tax_rate / 100; total = net + tax."""

    description = fields.String(required=True, validate=validate.Length(min=1, max=500))
    quantity = decimal_text(required=True)
    unit_price_minor = MinorUnits(required=True)
    tax_rate = decimal_text(required=True, metadata={"description": "Percent."})
    discount_percent = decimal_text(required=True, allow_none=True)
    discount_fixed_minor = MinorUnits(required=True, allow_none=True)
    subtotal_minor = MinorUnits(required=True)
    discount_minor = MinorUnits(required=True)
    net_minor = MinorUnits(required=True)
    tax_minor = MinorUnits(required=True)
    total_minor = MinorUnits(required=True)


class Allocation(StrictSchema):
    """The part of a payment that goes to one invoice."""

    invoice_id = Id(required=True)
    amount_minor = MinorUnits(required=True)


class PaymentBase(EventSchema):
    """What every payment event carries; one payment may cover several invoices (bulk)."""

    payment_id = Id(required=True)
    customer_id = Id(required=True)
    allocations = fields.List(fields.Nested(Allocation), required=True, validate=validate.Length(min=1))
    amount_minor = MinorUnits(required=True)
    currency = Currency(required=True)
    gateway = choice(*GATEWAYS, required=True)

    @validates_schema
    def allocations_add_up(self, data, **kwargs):
        if "allocations" in data and "amount_minor" in data:
            if sum(a["amount_minor"] for a in data["allocations"]) != data["amount_minor"]:
                raise ValidationError("Allocations must add up to amount_minor.", "allocations")


class InvoiceIssued(EventSchema):
    """An invoice is final and visible to the customer; `external_ref` is the ERP's id."""

    event_type = "InvoiceIssued"
    aggregate_type = "Invoice"

    invoice_id = Id(required=True)
    customer_id = Id(required=True)
    number = fields.String(required=True, validate=validate.Length(min=1))
    currency = Currency(required=True)
    total_minor = MinorUnits(required=True)
    tax_minor = MinorUnits(required=True)
    due_date = fields.Date(required=True, allow_none=True)
    issued_at = UtcDateTime(required=True)
    external_ref = fields.String(required=True, allow_none=True)
    # Added after v1 (optional, so compatible): the content, so the invoice can be rebuilt
    # from its events and an ERP sees what was billed.
    lines = fields.List(fields.Nested(InvoiceLine))
    subtotal_minor = MinorUnits()
    discount_minor = MinorUnits()
    notes = fields.String(allow_none=True)
    # Added later (optional): the orders service's sales order this invoice bills, which
    # orders then shows as invoiced; null when it bills no order.
    sales_order_id = Id(allow_none=True)


class InvoiceUpdated(EventSchema):
    """An issued invoice changed; the values after the change, `changed` names what moved."""

    event_type = "InvoiceUpdated"
    aggregate_type = "Invoice"

    invoice_id = Id(required=True)
    customer_id = Id(required=True)
    changed = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    currency = Currency(required=True)
    total_minor = MinorUnits(required=True)
    tax_minor = MinorUnits(required=True)
    amount_due_minor = MinorUnits(required=True)
    due_date = fields.Date(required=True, allow_none=True)
    # Added after v1 (optional): the content after the change.
    lines = fields.List(fields.Nested(InvoiceLine))
    subtotal_minor = MinorUnits()
    discount_minor = MinorUnits()
    notes = fields.String(allow_none=True)


class InvoiceVoided(EventSchema):
    """An invoice was cancelled and is no longer payable."""

    event_type = "InvoiceVoided"
    aggregate_type = "Invoice"

    invoice_id = Id(required=True)
    customer_id = Id(required=True)
    reason = fields.String(required=True, allow_none=True)


class ReminderSent(EventSchema):
    """A payment reminder for an unpaid invoice was due by the org's schedule and is sent
    (notifications mails the customer's contacts); each step of the schedule at most once
    per invoice. `days_from_due` is the step: -3 three days before the due date, 0 on it,
    7 a week after."""

    event_type = "ReminderSent"
    aggregate_type = "Invoice"

    invoice_id = Id(required=True)
    customer_id = Id(required=True)
    number = fields.String(required=True, validate=validate.Length(min=1))
    currency = Currency(required=True)
    amount_due_minor = MinorUnits(required=True)
    due_date = fields.Date(required=True)
    days_from_due = fields.Integer(required=True, strict=True, validate=validate.Range(min=-60, max=365))


class InvoiceViewed(EventSchema):
    """A contact opened an invoice in the portal (the business is told what customers do)."""

    event_type = "InvoiceViewed"
    aggregate_type = "Invoice"

    invoice_id = Id(required=True)
    customer_id = Id(required=True)
    contact_id = Id(required=True)


class InvoiceForwarded(EventSchema):
    """A contact forwarded an invoice by e-mail, e.g. to their accounts payable."""

    event_type = "InvoiceForwarded"
    aggregate_type = "Invoice"

    invoice_id = Id(required=True)
    customer_id = Id(required=True)
    contact_id = Id(required=True)
    recipient_email = fields.Email(required=True)
    # Added after v1 (optional): what the mail to the recipient needs. It carries a link
    # (`portal_path` on the org's portal host), never the invoice: the recipient signs in as a
    # contact of the customer to open it; forwarding grants nothing.
    invoice_number = fields.String(validate=validate.Length(min=1, max=40))
    contact_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    message = fields.String(allow_none=True, validate=validate.Length(max=1000),
                            metadata={"description": "Plain text from the contact, for the mail."})
    portal_path = fields.String(validate=validate.Length(min=1, max=300),
                                metadata={"description": "The invoice's page, e.g. /invoices/<id>."})
    currency = Currency()
    total_minor = MinorUnits()
    amount_due_minor = MinorUnits()
    due_date = fields.Date(allow_none=True)


class PaymentInitiated(PaymentBase):
    """A payment was started; nothing is owed or paid yet."""

    event_type = "PaymentInitiated"
    aggregate_type = "Payment"

    # Added after v1 (optional): how the customer pays ("card", "bank_debit"; offline:
    # "bank_transfer", "cash", "cheque"), never card data.
    method = fields.String(validate=validate.Length(min=1, max=40))
    # Added after v1 (optional): where the receipt goes when no contact paid. Set only for a
    # payment made through a payment link (no one is signed in there: its payer is the link,
    # the actor is the system) whose payer typed an address; absent otherwise.
    payer_email = fields.Email(validate=validate.Length(max=254), metadata={
        "description": "Personal data: the address a payment-link payer typed for the receipt "
                       "(and a failure notice). Only on payments made through a payment link, "
                       "whose payer is not a signed-in contact."})
    # Added after v1 (optional), beside `payer_email` only: whom that mail greets (the name the
    # payer typed, else the invoice's customer's). Never the link's page: its path is the link's
    # token, and no token travels in an event.
    payer_name = fields.String(validate=validate.Length(min=1, max=200), metadata={
        "description": "Personal data: whom the receipt mail of a payment-link payer greets."})


class PaymentPending(PaymentBase):
    """The gateway accepted the payment but has not settled it (e.g. a bank debit)."""

    event_type = "PaymentPending"
    aggregate_type = "Payment"

    gateway_reference = fields.String(required=True, allow_none=True)


class PaymentSettled(PaymentBase):
    """The money arrived: the allocated invoices are paid by these amounts."""

    event_type = "PaymentSettled"
    aggregate_type = "Payment"

    gateway_reference = fields.String(required=True, allow_none=True)
    after_failure = fields.Boolean(metadata={
        "description": "True when billing had recorded the payment as failed first (a cancel or an expiry "
                       "that raced the customer paying); the invoices still owed it, so it pays them."})


class PaymentReceivedAfterFailure(PaymentBase):
    """The gateway took money for a payment billing had already failed, and its invoices no
    longer owe it (paid another way meanwhile): nothing is applied to them; staff refund the
    customer or apply the money by hand. Never silently dropped."""

    event_type = "PaymentReceivedAfterFailure"
    aggregate_type = "Payment"

    gateway_reference = fields.String(required=True, allow_none=True)


class PaymentFailed(PaymentBase):
    """The payment did not go through; `reason` is a short code, `message` for people."""

    event_type = "PaymentFailed"
    aggregate_type = "Payment"

    gateway_reference = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True)
    message = fields.String(required=True, allow_none=True)


class PaymentRefunded(EventSchema):
    """Part or all of a settled payment went back to the customer."""

    event_type = "PaymentRefunded"
    aggregate_type = "Payment"

    payment_id = Id(required=True)
    refund_id = Id(required=True)
    customer_id = Id(required=True)
    amount_minor = MinorUnits(required=True)
    currency = Currency(required=True)
    gateway = choice(*GATEWAYS, required=True)
    gateway_reference = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    # Added after v1 (optional): which invoices the refund comes off (they add up to
    # amount_minor; when it reopens them, their amounts paid go down by these), and the
    # gateway's own id of the refund.
    allocations = fields.List(fields.Nested(Allocation), validate=validate.Length(min=1))
    gateway_refund_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=200))
    # Added after v1 (optional; billing sets it on every refund since): whether the invoices
    # owe the refunded amount again.
    reopens_invoice = fields.Boolean(metadata={
        "description": "false: money went back and the invoices stay paid (what they were worth to the "
                       "customer is lower by the refund). true: staff reversed the payment, the invoices' "
                       "amounts paid go down by the allocations and the customer owes them again. Absent "
                       "(refunds recorded before this field): true, as every refund reopened its invoices then."})

    @validates_schema
    def allocations_add_up(self, data, **kwargs):
        if "allocations" in data and "amount_minor" in data:
            if sum(a["amount_minor"] for a in data["allocations"]) != data["amount_minor"]:
                raise ValidationError("Allocations must add up to amount_minor.", "allocations")


class CreditNoteIssued(EventSchema):
    """A credit note was issued, optionally against an invoice."""

    event_type = "CreditNoteIssued"
    aggregate_type = "CreditNote"

    credit_note_id = Id(required=True)
    customer_id = Id(required=True)
    number = fields.String(required=True, validate=validate.Length(min=1))
    currency = Currency(required=True)
    total_minor = MinorUnits(required=True)
    invoice_id = Id(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    issued_at = UtcDateTime(required=True)
    external_ref = fields.String(required=True, allow_none=True)
    # Added after v1 (optional): the content, priced like invoice lines (a plain amount is
    # one line), so the note can be rebuilt from its events and an ERP sees what was credited.
    lines = fields.List(fields.Nested(InvoiceLine))
    subtotal_minor = MinorUnits()
    discount_minor = MinorUnits()
    tax_minor = MinorUnits()


class CreditApplied(EventSchema):
    """Credit was used to pay an invoice; `remaining_minor` is what is left on the note."""

    event_type = "CreditApplied"
    aggregate_type = "CreditNote"

    credit_note_id = Id(required=True)
    customer_id = Id(required=True)
    invoice_id = Id(required=True)
    amount_minor = MinorUnits(required=True)
    currency = Currency(required=True)
    remaining_minor = MinorUnits(required=True)


class CreditRefunded(EventSchema):
    """Credit was paid back to the customer instead of being applied."""

    event_type = "CreditRefunded"
    aggregate_type = "CreditNote"

    credit_note_id = Id(required=True)
    customer_id = Id(required=True)
    amount_minor = MinorUnits(required=True)
    currency = Currency(required=True)
    remaining_minor = MinorUnits(required=True)
    # Added after v1 (optional): the refund's own id and why it was made.
    refund_id = Id()
    reason = fields.String(allow_none=True)


class PaymentLinkCreated(EventSchema):
    """A shareable payment link exists; its URL carries a token, so it is not published."""

    event_type = "PaymentLinkCreated"
    aggregate_type = "PaymentLink"

    payment_link_id = Id(required=True)
    customer_id = Id(required=True)
    invoice_ids = fields.List(Id(), required=True, validate=validate.Length(min=1))
    amount_minor = MinorUnits(required=True)
    currency = Currency(required=True)
    expires_at = UtcDateTime(required=True, allow_none=True)


class OnlinePaymentRefused(EventSchema):
    """A customer tried to pay online and the org's payment gateway could not be used (none
    set up, or its stored keys no longer decrypt): nothing was charged and nothing recorded
    as paid, and the customer was told that online payment is unavailable. Staff should
    connect or reconnect the gateway. At most one per org, gateway and hour."""

    event_type = "OnlinePaymentRefused"
    aggregate_type = "GatewayAlert"

    gateway = fields.String(required=True, allow_none=True,
                            metadata={"description": "The gateway the org pays with, or null if none is set up."})
    reason = fields.String(required=True, validate=validate.Length(max=500))
    hour = UtcDateTime(required=True, metadata={"description": "The hour this alert stands for."})


class CommentPosted(EventSchema):
    """Someone commented on an invoice (a question, a dispute, an answer)."""

    event_type = "CommentPosted"
    aggregate_type = "Invoice"

    comment_id = Id(required=True)
    invoice_id = Id(required=True)
    customer_id = Id(required=True)
    author_kind = choice("contact", "staff", required=True)
    author_id = Id(required=True)
    body = fields.String(required=True, validate=validate.Length(min=1))
    # Added after v1 (optional). `visible_to_customer` false: a staff-internal note; its
    # `body` and `excerpt` must never reach the customer (mail, notice, portal). Treat a
    # missing flag as false. Contacts' comments are always visible to their customer.
    visible_to_customer = fields.Boolean()
    invoice_number = fields.String(validate=validate.Length(min=1, max=40))
    author_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    excerpt = fields.String(validate=validate.Length(min=1, max=200),
                            metadata={"description": "The start of the body on one line, for a mail's preview."})
    portal_path = fields.String(validate=validate.Length(min=1, max=300),
                                metadata={"description": "The invoice's page in the portal, e.g. /invoices/<id>."})
