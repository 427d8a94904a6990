"""The Payment aggregate: money for one or more invoices of one customer, in one currency.

A payment is split into allocations (invoice, amount in minor units) that add up to its
amount. Its status only moves forward:

    initiated -> pending -> settled | failed        settled -> refunded (in parts)

`initiated`: started, the customer may still have to act at the gateway (nothing owed or
paid yet). `pending`: the gateway took it but the money has not arrived (a bank debit).
`settled`: the money arrived, the allocated invoices are paid by their amounts. `failed`:
it did not go through; final. `refunded`: some or all of it went back (`refunded_minor`
says how much; never more than was paid).

Gateways deliver outcomes late, twice and out of order, so a transition that is not
forward changes nothing and says so (returns False): a "pending" after "settled", a
"failed" after "settled", a second "settled". An adapter reports "failed" only for a
payment that is final at the gateway (e.g. a cancelled PaymentIntent), not for a card
attempt the customer may retry. Still, a "settled" can follow a "failed" billing decided
itself (a cancel or an expiry racing the customer paying): the money was taken, so it is
never dropped (`settle_after_failure`): it pays the invoices where they still owe it, and
is otherwise recorded as received for staff to refund (PaymentReceivedAfterFailure).

A refund comes off the allocations last first (the last invoice of a bulk payment is
refunded first), never more than what is left of each. A refund gives money back; by
default it does not make the customer owe it again: the invoices stay paid, the amount
given back lowers what they were worth to the customer (like a credit note paid out), as
Stripe keeps a refunded invoice "paid". Only when staff say so (`reopens_invoice`: the
payment is reversed, e.g. a bounced cheque or a chargeback settled against the customer)
do the invoices' amounts paid go down by the amounts PaymentRefunded names, so they owe
them again. A PaymentRefunded recorded before refunds said which (no `reopens_invoice`)
reopened its invoices, as every refund did then: it is read so, and old data stays as it was.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError
from services.billing.domain import money

STATUSES = ("initiated", "pending", "settled", "failed", "refunded")
IN_FLIGHT = ("initiated", "pending")          # an invoice with such a payment takes no new one
ONLINE_GATEWAYS = ("simulated", "stripe", "paypal")
OFFLINE = "offline"
OFFLINE_METHODS = ("bank_transfer", "cash", "cheque")
MAX_INVOICES = 100


@dataclass(frozen=True)
class Payable:
    """What a payment needs to know of an invoice (read by the handler, checked here)."""
    invoice_id: str
    customer_id: str
    number: str | None
    currency: str
    status: str                 # the stored status: draft sent partially_paid paid void
    amount_due_minor: int


def allocate(invoices: list[Payable], asked: list[tuple[str, int | None]], customer_id: str,
             partial_allowed: bool, bulk_allowed: bool) -> tuple[list[dict], str]:
    """The allocations of a new payment, and its currency.

    `asked`: (invoice id, amount or None) in the customer's order; None means the amount
    due. A smaller positive amount needs `partial_allowed`, several invoices
    `bulk_allowed`. Every invoice must be the customer's, issued, not void, not paid, and
    all in one currency. An invoice that is not the customer's (or a draft) is named as
    not found, like the API answers it."""
    if not asked:
        raise DomainError("Choose at least one invoice to pay.", field="invoices")
    if len(asked) > MAX_INVOICES:
        raise DomainError(f"A payment covers at most {MAX_INVOICES} invoices.", field="invoices")
    ids = [invoice_id for invoice_id, _ in asked]
    if len(set(ids)) != len(ids):
        raise DomainError("Each invoice may appear only once in a payment.", field="invoices")
    if len(asked) > 1 and not bulk_allowed:
        raise DomainError("Invoices are paid one at a time here.", field="invoices")
    by_id = {i.invoice_id: i for i in invoices}
    allocations, currencies = [], set()
    for invoice_id, amount in asked:
        invoice = by_id.get(invoice_id)
        if invoice is None or invoice.customer_id != customer_id or invoice.status == "draft":
            raise InvoiceNotPayable(f"No such invoice: {invoice_id}.", status=404, invoice_id=invoice_id)
        name = invoice.number or invoice.invoice_id
        if invoice.status == "void":
            raise InvoiceNotPayable(f"{name} is void and cannot be paid.", invoice_id=invoice_id)
        if invoice.amount_due_minor <= 0:
            raise InvoiceNotPayable(f"{name} is already paid.", invoice_id=invoice_id)
        if amount is None:
            amount = invoice.amount_due_minor
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise DomainError(f"The amount for {name} must be a positive whole number of minor units.",
                              field="invoices")
        if amount > invoice.amount_due_minor:
            raise DomainError(f"The amount for {name} is more than the {invoice.amount_due_minor} due.",
                              field="invoices")
        if amount < invoice.amount_due_minor and not partial_allowed:
            raise DomainError(f"{name} can only be paid in full ({invoice.amount_due_minor} due).",
                              field="invoices")
        currencies.add(invoice.currency)
        allocations.append({"invoice_id": invoice_id, "amount_minor": amount})
    if len(currencies) > 1:
        raise DomainError("All invoices of one payment must be in the same currency.", field="invoices")
    return allocations, currencies.pop()


class InvoiceNotPayable(DomainError):
    """An invoice of the request cannot take this payment (422; 404 when it is not the customer's)."""

    def __init__(self, detail: str, status: int = 422, **extensions):
        super().__init__(detail, **extensions)
        self.status = status
        self.title = "Not found" if status == 404 else "Rule broken"


class Payment(Aggregate):
    aggregate_type = "Payment"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.customer_id = ""
        self.allocations: list[dict] = []
        self.amount_minor = 0
        self.currency = ""
        self.gateway = ""
        self.method: str | None = None
        self.status = ""
        self.gateway_reference: str | None = None
        self.refunded_minor = 0
        self.refunded_by_invoice: dict[str, int] = {}
        self.reopened_by_invoice: dict[str, int] = {}     # the part of the refunds the invoices owe again
        self.refund_ids: set[str] = set()
        self.failure_reason: str | None = None
        self.failure_message: str | None = None
        self.received_after_failure = False

    # --- what it is ---------------------------------------------------------------------

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT

    @property
    def refundable_minor(self) -> int:
        """What can still go back: all of it once settled, less what went back already."""
        return self.amount_minor - self.refunded_minor if self.status in ("settled", "refunded") else 0

    def paid_by_invoice(self) -> dict[str, int]:
        """What this payment pays towards each invoice now (nothing unless settled): its
        allocation, less the refunds that reopened the invoice. A refund that did not reopen
        it leaves it paid."""
        if self.status not in ("settled", "refunded"):
            return {a["invoice_id"]: 0 for a in self.allocations}
        return {a["invoice_id"]: a["amount_minor"] - self.reopened_by_invoice.get(a["invoice_id"], 0)
                for a in self.allocations}

    # --- commands -----------------------------------------------------------------------

    @classmethod
    def start(cls, org_id: str, customer_id: str, allocations: list[dict], currency: str,
              gateway: str, method: str, payment_id: str | None = None,
              payer_email: str | None = None, payer_name: str | None = None) -> "Payment":
        if gateway not in ONLINE_GATEWAYS + (OFFLINE,):
            raise DomainError(f"Unknown payment gateway {gateway!r}.", field="gateway")
        if not isinstance(method, str) or not 1 <= len(method) <= 40:
            raise DomainError("A payment needs a method.", field="method")
        if gateway == OFFLINE and method not in OFFLINE_METHODS:
            raise DomainError(f"An offline payment is one of {', '.join(OFFLINE_METHODS)}.", field="method")
        money.exponent(currency)
        if not allocations or len(allocations) > MAX_INVOICES:
            raise DomainError(f"A payment covers 1 to {MAX_INVOICES} invoices.", field="invoices")
        ids = [a["invoice_id"] for a in allocations]
        if len(set(ids)) != len(ids):
            raise DomainError("Each invoice may appear only once in a payment.", field="invoices")
        for a in allocations:
            amount = a["amount_minor"]
            if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= money.MAX_MINOR:
                raise DomainError("Each invoice's amount must be a positive whole number of minor units.",
                                  field="invoices")
        payment = cls(payment_id or str(uuid.uuid4()), org_id)
        payment.record("PaymentInitiated", {
            "payment_id": payment.id, "customer_id": customer_id,
            "allocations": [{"invoice_id": a["invoice_id"], "amount_minor": a["amount_minor"]}
                            for a in allocations],
            "amount_minor": sum(a["amount_minor"] for a in allocations), "currency": currency,
            "gateway": gateway, "method": method, **_payer(payer_email, payer_name)})
        return payment

    def mark_pending(self, reference: str | None = None) -> bool:
        """The gateway took it, the money is on its way. Only from initiated."""
        if self.status != "initiated":
            return False
        self.record("PaymentPending", {**self._base(), "gateway_reference": reference or self.gateway_reference})
        return True

    def settle(self, reference: str | None = None) -> bool:
        """The money arrived. From initiated or pending; anything else changes nothing."""
        if self.status not in IN_FLIGHT:
            return False
        self.record("PaymentSettled", {**self._base(), "gateway_reference": reference or self.gateway_reference})
        return True

    def settle_after_failure(self, reference: str | None, still_owed: bool) -> bool:
        """The money arrived after this payment was failed. `still_owed`: its invoices still owe
        what it pays and no other payment holds them, so it settles as any payment would;
        otherwise it is recorded as received, for staff. Once only."""
        if self.status != "failed" or self.received_after_failure:
            return False
        data = {**self._base(), "gateway_reference": reference or self.gateway_reference}
        if still_owed:
            self.record("PaymentSettled", {**data, "after_failure": True})
        else:
            self.record("PaymentReceivedAfterFailure", data)
        return True

    def fail(self, reason: str | None, message: str | None = None, reference: str | None = None) -> bool:
        """It did not go through. From initiated or pending; anything else changes nothing."""
        if self.status not in IN_FLIGHT:
            return False
        reason = (reason or "failed")[:100]
        self.record("PaymentFailed", {**self._base(), "gateway_reference": reference or self.gateway_reference,
                                      "reason": reason, "message": (message or None) and message[:500]})
        return True

    def refund(self, refund_id: str, amount_minor: int, reason: str | None = None,
               gateway_refund_id: str | None = None, reopens_invoice: bool = False) -> bool:
        """Give back part or all of a settled payment. The same refund id twice changes nothing.
        `reopens_invoice`: staff reverse the payment, so its invoices owe the amount again;
        otherwise they stay paid."""
        if refund_id in self.refund_ids:
            return False
        if self.status not in ("settled", "refunded"):
            raise DomainError("Only a settled payment can be refunded.", code="not_settled")
        if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
            raise DomainError("A refund is a positive whole number of minor units.", field="amount_minor")
        if amount_minor > self.refundable_minor:
            raise DomainError(f"At most {self.refundable_minor} can still be refunded.", field="amount_minor")
        if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
            raise DomainError("The reason is text of at most 500 characters.", field="reason")
        if not isinstance(reopens_invoice, bool):
            raise DomainError("Say whether the refund reopens the invoice (true or false).", field="reopen_invoice")
        self.record("PaymentRefunded", {
            "payment_id": self.id, "refund_id": refund_id, "customer_id": self.customer_id,
            "amount_minor": amount_minor, "currency": self.currency, "gateway": self.gateway,
            "gateway_reference": self.gateway_reference, "reason": (reason or "").strip() or None,
            "allocations": self.refund_split(amount_minor), "gateway_refund_id": gateway_refund_id,
            "reopens_invoice": reopens_invoice})
        return True

    def refund_split(self, amount_minor: int) -> list[dict]:
        """Which invoices a refund comes off: the last allocation first."""
        left, split = amount_minor, []
        for a in reversed(self.allocations):
            room = a["amount_minor"] - self.refunded_by_invoice.get(a["invoice_id"], 0)
            take = min(room, left)
            if take > 0:
                split.append({"invoice_id": a["invoice_id"], "amount_minor": take})
                left -= take
        return split

    def _base(self) -> dict:
        return {"payment_id": self.id, "customer_id": self.customer_id, "allocations": self.allocations,
                "amount_minor": self.amount_minor, "currency": self.currency, "gateway": self.gateway}

    # --- folding events -------------------------------------------------------------------

    def when_PaymentInitiated(self, d: dict) -> None:
        self.customer_id, self.currency, self.gateway = d["customer_id"], d["currency"], d["gateway"]
        self.allocations = [dict(a) for a in d["allocations"]]
        self.amount_minor, self.method, self.status = d["amount_minor"], d.get("method"), "initiated"

    def when_PaymentPending(self, d: dict) -> None:
        self.status = "pending"
        self.gateway_reference = d["gateway_reference"] or self.gateway_reference

    def when_PaymentSettled(self, d: dict) -> None:
        self.status = "settled"
        self.gateway_reference = d["gateway_reference"] or self.gateway_reference

    def when_PaymentFailed(self, d: dict) -> None:
        self.status = "failed"
        self.gateway_reference = d["gateway_reference"] or self.gateway_reference
        self.failure_reason, self.failure_message = d["reason"], d["message"]

    def when_PaymentReceivedAfterFailure(self, d: dict) -> None:
        self.received_after_failure = True
        self.gateway_reference = d["gateway_reference"] or self.gateway_reference

    def when_PaymentRefunded(self, d: dict) -> None:
        self.status = "refunded"
        self.refund_ids.add(d["refund_id"])
        self.refunded_minor += d["amount_minor"]
        reopens = owed_again(d)
        for a in d.get("allocations") or self.refund_split(d["amount_minor"]):
            self.refunded_by_invoice[a["invoice_id"]] = self.refunded_by_invoice.get(a["invoice_id"], 0) \
                + a["amount_minor"]
            if reopens:
                self.reopened_by_invoice[a["invoice_id"]] = self.reopened_by_invoice.get(a["invoice_id"], 0) \
                    + a["amount_minor"]


def owed_again(refunded: dict) -> bool:
    """Whether a PaymentRefunded's invoices owe its amount again. One recorded before the
    choice existed says nothing, and reopened them then: so it still does."""
    return refunded.get("reopens_invoice", True)



def _payer(email: str | None, name: str | None) -> dict:
    """A payment-link payer's receipt mail: where it goes and whom it greets; nothing at all
    when they gave no address (no mail goes)."""
    if not email:
        return {}
    return {"payer_email": email, **({"payer_name": name[:200]} if name else {})}
