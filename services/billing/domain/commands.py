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
