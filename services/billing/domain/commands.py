"""Commands: what someone asks billing to do (imperative names)."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CreateInvoice:
    org_id: str
    customer_id: str
    currency: str
    lines: list
    due_date: str | None = None
    notes: str | None = None
    number: str | None = None           # None: billing numbers it when it is issued
    external_ref: str | None = None     # the ERP's id: pushing it again answers the same invoice
    issue: bool = False                 # issue at once instead of keeping a draft
    sales_order_id: str | None = None   # the orders service's order this invoice bills


@dataclass(frozen=True)
class CreateInvoices:
    """Many invoices of one org at once (an ERP's batch, up to MAX_BATCH): each item as
    CreateInvoice takes it, each answered on its own."""
    org_id: str
    invoices: tuple = ()                # of CreateInvoice, all of this org


@dataclass(frozen=True)
class UpdateInvoice:
    org_id: str
    invoice_id: str
    changes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class IssueInvoice:
    org_id: str
    invoice_id: str
    number: str | None = None


@dataclass(frozen=True)
class VoidInvoice:
    org_id: str
    invoice_id: str
    reason: str | None = None


@dataclass(frozen=True)
class DiscardDraft:
    org_id: str
    invoice_id: str


@dataclass(frozen=True)
class RecordInvoiceView:
    org_id: str
    invoice_id: str
    contact_id: str


@dataclass(frozen=True)
class StartPayment:
    """A contact pays one or more of their customer's invoices online."""
    org_id: str
    customer_id: str
    invoices: tuple                     # ((invoice_id, amount_minor or None for the amount due), ...)
    method: str                         # "card", "bank_debit", ... (the gateway's methods)
    return_url: str = ""
    gateway: str | None = None          # None: the org's default gateway
    email: str | None = None
    contact_id: str | None = None       # who pays: a "saved:<id>" method must be theirs
    payer_email: str | None = None      # a payment link's payer: PaymentInitiated's payer_email
    payer_name: str | None = None       # and payer_name


@dataclass(frozen=True)
class RecordOfflinePayment:
    """Staff record money that came outside any gateway (bank transfer, cash, cheque)."""
    org_id: str
    customer_id: str
    invoices: tuple
    method: str
    reference: str | None = None        # the bank's or cheque's reference


@dataclass(frozen=True)
class RefundPayment:
    org_id: str
    payment_id: str
    amount_minor: int
    reason: str | None = None
    request_id: str | None = None       # the same request again makes no second refund (handlers/refunds.py)
    reopen_invoice: bool = False        # staff reverse the payment: its invoices owe the amount again


@dataclass(frozen=True)
class SimulateOutcome:
    """Staff settle or fail a pending payment of the simulated gateway (demos, tests)."""
    org_id: str
    payment_id: str
    outcome: str                        # "settled" or "failed"


@dataclass(frozen=True)
class IssueCreditNote:
    """Staff credit a customer: priced lines, or a plain amount (one line)."""
    org_id: str
    customer_id: str
    currency: str
    lines: list | None = None
    amount_minor: int | None = None
    description: str | None = None      # the line of a plain amount ("Credit" if none)
    invoice_id: str | None = None       # issued against this invoice
    reason: str | None = None
    external_ref: str | None = None     # the ERP's id: pushing it again answers the same note


@dataclass(frozen=True)
class ApplyCredit:
    org_id: str
    credit_note_id: str
    invoice_id: str
    amount_minor: int


@dataclass(frozen=True)
class RefundCredit:
    """Credit paid back to the customer out of band (recorded, nothing is sent)."""
    org_id: str
    credit_note_id: str
    amount_minor: int
    reason: str | None = None
    request_id: str | None = None       # the caller's: sent again, it records no second refund


@dataclass(frozen=True)
class PostComment:
    org_id: str
    invoice_id: str
    text: str
    author_kind: str                    # contact | staff
    author_id: str
    author_name: str | None = None
    visible_to_customer: bool = True
    customer_id: str | None = None      # contacts: their customer (another's invoice is a 404)


@dataclass(frozen=True)
class ForwardInvoice:
    org_id: str
    customer_id: str
    invoice_id: str
    contact_id: str
    email: str
    message: str | None = None
    contact_name: str | None = None



@dataclass(frozen=True)
class ConnectGateway:
    """An org's owners connect (or change) its own account at a gateway."""
    org_id: str
    gateway: str                        # "stripe" or "paypal"
    values: dict                        # the fields typed (blank secrets keep the stored ones), `default`
    actor: str | None = None


@dataclass(frozen=True)
class DisconnectGateway:
    org_id: str
    gateway: str


@dataclass(frozen=True)
class CheckGatewayConnection:
    """Call the gateway with the org's stored keys and record whether it took them."""
    org_id: str
    gateway: str


@dataclass(frozen=True)
class StartMethodSetup:
    """A contact saves a card or bank account with the gateway (payment methods)."""
    org_id: str
    customer_id: str
    contact_id: str
    kind: str                           # "card", "bank_account" ("card_declined": the simulated test card)
    return_url: str = ""
    currency: str = "EUR"               # chooses the bank debit scheme (Stripe)
    gateway: str | None = None          # None: the org's default gateway
    email: str | None = None


@dataclass(frozen=True)
class CompleteMethodSetup:
    """The contact is back from the gateway's setup page."""
    org_id: str
    customer_id: str
    contact_id: str
    setup_id: str


@dataclass(frozen=True)
class SetDefaultMethod:
    org_id: str
    customer_id: str
    contact_id: str
    method_id: str


@dataclass(frozen=True)
class RemoveMethod:
    org_id: str
    customer_id: str
    contact_id: str
    method_id: str


@dataclass(frozen=True)
class CreatePaymentLink:
    """Staff (or an API key) make an invoice's public payment link, or rotate it."""
    org_id: str
    invoice_id: str
    rotate: bool = False                # revoke the live link and make a new one
    days: int | None = None             # None: the org's payment_link_days, else 30
    actor: tuple = ("system", None)     # (kind, id) of who made it


@dataclass(frozen=True)
class PayByLink:
    """Whoever holds a payment link's token pays the invoice's amount due."""
    org_id: str
    token: str
    method: str
    email: str | None = None            # where the payer wants the receipt
    return_url: str = ""
    gateway: str | None = None
    name: str | None = None             # whom the receipt greets (the customer's name when not given)


@dataclass(frozen=True)
class CancelLinkPayment:
    """The payer came back through the gateway's cancel URL."""
    org_id: str
    token: str
    payment_id: str


@dataclass(frozen=True)
class ReturnFromGateway:
    """The customer is back from a gateway's hosted page (its return or cancel URL)."""
    org_id: str
    customer_id: str
    gateway: str                        # "paypal" or "stripe"
    reference: str | None               # the gateway's reference (PayPal's order id, Stripe's session)
    cancelled: bool = False
    payment_id: str | None = None       # Stripe's cancel URL names billing's payment id instead
