"""Payments, the application service: start one at a gateway, apply what the gateway says
later, record money that came offline, and drive the simulated gateway (refunds:
handlers/refunds.py).

Never a gateway call inside a database transaction (STYLE.md 6): a payment is recorded
(PaymentInitiated, the invoices locked) and committed, then the gateway is asked, then
its answer is recorded in a second transaction. A crash in between leaves an initiated
payment whose gateway call is retried when the customer clicks Pay again (below).

**The duplicate-payment guard.** While an invoice has an initiated or pending payment, it
has a row in `invoice_payment_locks` (primary key: the invoice id), inserted by the
projection of PaymentInitiated in the transaction that records it and deleted with
PaymentSettled or PaymentFailed. Before that, the invoices' rows are read FOR UPDATE
(PostgreSQL; SQLite serialises writers), so concurrent requests take turns and the later
ones see the lock and are refused with a 409 naming the invoice and the blocking payment;
should two ever slip past the check, the primary key refuses the second commit, which is
retried and then refused the same way. A bulk payment with one blocked invoice is refused
as a whole, naming that invoice.

**Pay again while initiated (resume).** When the customer's own payment for exactly these
invoices, amounts, method and gateway is still only initiated (a hosted checkout left
open, a gateway that could not be reached), Pay answers that same payment again (200, not
201): the gateway is asked again with the same payment id, its idempotency key, so it
resumes the same checkout and never charges twice. A different request while a payment is
initiated is refused like a pending one; the gateway fails an abandoned checkout when it
expires, and paying is open again.

**Saved methods** (method "saved:<id>", handlers/payment_methods.py): only the paying contact's own,
non-removed method (else 404 / 422); the payment goes to that method's gateway in one step
(no redirect) and answers settled, pending (a bank account) or failed, so the guard above
applies as to any other payment.

**Updates** (`apply_update`) come from verified webhooks or the simulated gateway. Each
gateway event id is applied once (`gateway_events`, written in the same transaction as
the effect); statuses only move forward (domain/payment.py), so a late "pending" after
"settled" is recorded as seen and changes nothing.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import replace

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from services.billing.adapters.registry import SIMULATED, OnlinePaymentUnavailable
from services.billing.adapters.simulated import SimulationRefused
from services.billing.domain.commands import RecordOfflinePayment, SimulateOutcome, StartPayment
from services.billing.domain.payment import Payable, Payment, allocate, InvoiceNotPayable
from services.billing.domain.payment_gateway import GatewayAnswer, GatewayUpdate, PaymentRequest
from services.billing.domain.payment_guard import in_progress
from services.billing.handlers import gateway_alerts, refunds
from services.billing.projections.invoices import invoices
from services.billing.projections.payments import invoice_payment_locks, payments
from services.billing.queries.payment_methods import usable
from services.billing.tables import gateway_events, payment_gateway_refs
from services.chassis import orgs
from services.chassis.db import upsert_insert
from services.chassis.errors import ConcurrencyConflict, DomainError, NotFound, PortalError, retry_on_conflict
from services.chassis.events import utc_now

log = logging.getLogger(__name__)

ATTEMPTS = 5
# What an org that billing has not heard of yet allows: the strictest (full amount, one invoice).
DEFAULT_SETTINGS = {"partial_payments": False, "bulk_payments": False}


class GatewayUnavailable(PortalError):
    status = 502
    title = "Bad gateway"


class UnknownPayment(NotFound):
    """A gateway update for a payment billing does not know (yet): the webhook is answered
    so that the gateway delivers it again later."""



# --- starting a payment ---------------------------------------------------------------------

def start_payment(rt, cmd: StartPayment) -> tuple[str, bool]:
    """(payment id, created). Records the payment, asks the gateway, records its answer.
    False for `created` when the customer's own initiated payment was resumed."""
    gateways = rt.ports["gateways"]
    saved = _saved_method(rt, cmd)
    try:
        name = saved.gateway if saved is not None else cmd.gateway or gateways.default_name(cmd.org_id)
    except OnlinePaymentUnavailable as unavailable:
        gateway_alerts.raise_alert(rt, cmd.org_id, unavailable)
        raise
    gateway = gateways.adapter(cmd.org_id, name)
    known = gateways.methods(gateway)
    if saved is None and known is not None and cmd.method not in known:
        raise DomainError(f"Pay with one of: {', '.join(known)}.", field="method")
    payment_id, created = _open(rt, cmd, name)
    with rt.engine.connect() as conn:
        request = _request(conn, cmd.org_id, payment_id, cmd.return_url, cmd.email)
    if saved is not None:
        request = replace(request, saved_token=saved.gateway_token, gateway_customer=saved.gateway_customer)
    _ask_gateway(rt, cmd.org_id, gateway, request)
    return payment_id, created


def _saved_method(rt, cmd: StartPayment):
    """The stored method a "saved:<id>" payment uses, checked before anything is recorded."""
    if not cmd.method.startswith("saved:"):
        return None
    with rt.engine.connect() as conn:
        row = usable(conn, cmd.org_id, cmd.customer_id, cmd.contact_id, cmd.method)
    if cmd.gateway and cmd.gateway != row.gateway:
        raise DomainError(f"This saved method belongs to {row.gateway}, not {cmd.gateway}.", field="gateway")
    return row


def _open(rt, cmd: StartPayment, gateway_name: str) -> tuple[str, bool]:
    ids = [invoice_id for invoice_id, _ in cmd.invoices]
    for attempt in range(ATTEMPTS):
        try:
            with rt.store.unit_of_work() as uow:
                found = _payables(uow.conn, cmd.org_id, ids)
                _ensure_customers(found, ids, cmd.customer_id)
                blocking = _blocking(uow.conn, ids)
                if blocking:
                    return _resume_or_refuse(uow.conn, cmd, gateway_name, found, blocking), False
                settings = _settings(uow.conn, cmd.org_id)
                allocations, currency = allocate(list(found.values()), list(cmd.invoices), cmd.customer_id,
                                                 bool(settings.get("partial_payments")),
                                                 bool(settings.get("bulk_payments")))
                payment = Payment.start(cmd.org_id, cmd.customer_id, allocations, currency, gateway_name,
                                        cmd.method, payer_email=cmd.payer_email, payer_name=cmd.payer_name)
                uow.add(payment)
                uow.commit()
                return payment.id, True
        except IntegrityError:
            # Another payment locked one of these invoices between our check and our commit:
            # look again, and this time see it.
            if attempt == ATTEMPTS - 1:
                raise ConcurrencyConflict("Too many payments at once for these invoices; try again.") from None
    raise AssertionError("unreachable")


def _resume_or_refuse(conn, cmd: StartPayment, gateway_name: str, found: dict, blocking: dict) -> str:
    locked = {lock.payment_id for lock in blocking.values()}
    first = next(invoice_id for invoice_id, _ in cmd.invoices if invoice_id in blocking)
    row = conn.execute(select(payments).where(payments.c.payment_id == blocking[first].payment_id)).first()
    asked = {invoice_id: amount if amount is not None else found[invoice_id].amount_due_minor
             for invoice_id, amount in cmd.invoices}
    mine = {a["invoice_id"]: a["amount_minor"] for a in row.allocations}
    if (len(locked) == 1 and row.status == "initiated" and row.customer_id == cmd.customer_id
            and mine == asked and row.method == cmd.method and row.gateway == gateway_name):
        return row.payment_id
    raise in_progress(found[first], row)


def _ask_gateway(rt, org_id: str, gateway, request: PaymentRequest) -> None:
    try:
        answer = gateway.start(request)
    except Exception:  # noqa: BLE001 - any failure of the outside world is a 502 here
        log.exception("payment gateway %s did not answer for %s", gateway.name, request.payment_id)
        raise GatewayUnavailable("The payment service could not be reached; please try again.",
                                 payment_id=request.payment_id) from None
    apply_answer(rt, org_id, request.payment_id, gateway.name, answer)


def apply_answer(rt, org_id: str, payment_id: str, gateway_name: str, answer: GatewayAnswer) -> bool:
    """Record what starting the payment gave: the gateway's reference and checkout URL, and
    the status (only forward). Returns whether the status moved."""
    def run():
        with rt.store.unit_of_work() as uow:
            try:
                _save_reference(uow.conn, org_id, payment_id, gateway_name, answer.reference, answer.redirect_url)
            except IntegrityError:
                # A resumed request saved the same reference at the same moment: PostgreSQL's
                # ON CONFLICT covers the payment id only, so the (gateway, reference) index
                # refuses ours. Run again: the row is there now and the update path takes it.
                raise ConcurrencyConflict("The payment's reference was being saved twice.") from None
            payment = uow.load(Payment, payment_id, org_id)
            moved = _advance(payment, answer.status, answer.reference, answer.failure_reason,
                             answer.failure_message)
            uow.add(payment)
            uow.commit()
            return moved
    return retry_on_conflict(run)


# --- what the gateway says later -----------------------------------------------------------

def apply_update(rt, org_id: str, update_: GatewayUpdate, gateway: str | None = None) -> str:
    """Apply a verified gateway update once: "applied" (the payment moved), "unchanged"
    (seen, but not forward: late, repeated or stale), or "duplicate" (this event id was
    applied before). UnknownPayment when neither the payment id nor the reference is known.

    For "refunded", `amount_minor` is the total refunded at the gateway so far (Stripe's
    `amount_refunded`); billing records the part it has not recorded or asked for itself."""
    def run():
        with rt.store.unit_of_work() as uow:
            payment_id = _find(uow.conn, org_id, update_, gateway)
            if not _first_time(uow.conn, org_id, update_, payment_id):
                return "duplicate"
            payment = uow.load(Payment, payment_id, org_id)
            if update_.status == "refunded":
                moved = _refunded_at_gateway(uow.conn, payment, update_)
            elif update_.status == "settled" and _mismatch(payment, update_):
                log.warning("gateway settled %s with %s %s, not %s %s: left for reconciliation", payment_id,
                            update_.amount_minor, update_.currency, payment.amount_minor, payment.currency)
                moved = False
            elif update_.status == "settled" and payment.status == "failed":
                moved = payment.settle_after_failure(update_.reference, _still_owed(uow.conn, payment))
                if moved:
                    log.error("payment %s was failed here but settled at the gateway: %s", payment_id,
                              "applied to its invoices" if payment.status == "settled" else "left for staff")
            else:
                moved = _advance(payment, update_.status, update_.reference, update_.failure_reason,
                                 update_.failure_message)
            uow.conn.execute(update(gateway_events).where(gateway_events.c.event_id == update_.event_id)
                             .values(outcome="applied" if moved else "unchanged"))
            uow.add(payment)
            uow.commit()
            return "applied" if moved else "unchanged"
    return retry_on_conflict(run)


def _advance(payment: Payment, status: str, reference: str | None, reason: str | None,
             message: str | None) -> bool:
    if status == "pending":
        return payment.mark_pending(reference)
    if status == "settled":
        return payment.settle(reference)
    if status == "failed":
        return payment.fail(reason, message, reference)
    return False                                  # "initiated": the customer has yet to act


def _still_owed(conn, payment: Payment) -> bool:
    """Do the invoices of a failed payment still owe what it pays, with no other payment
    holding them? Then money that arrived after all can pay them as planned."""
    ids = [a["invoice_id"] for a in payment.allocations]
    due = dict(conn.execute(select(invoices.c.invoice_id, invoices.c.amount_due_minor).where(
        invoices.c.org_id == payment.org_id, invoices.c.invoice_id.in_(ids))).all())
    held = conn.execute(select(func.count()).select_from(invoice_payment_locks).where(
        invoice_payment_locks.c.invoice_id.in_(ids))).scalar()
    return not held and all(due.get(a["invoice_id"], 0) >= a["amount_minor"] for a in payment.allocations)


def _mismatch(payment: Payment, update_: GatewayUpdate) -> bool:
    return ((update_.amount_minor is not None and update_.amount_minor != payment.amount_minor)
            or (update_.currency is not None and update_.currency.upper() != payment.currency))


def _refunded_at_gateway(conn, payment: Payment, update_: GatewayUpdate) -> bool:
    if payment.status not in ("settled", "refunded"):
        return False
    total = update_.amount_minor if update_.amount_minor is not None else payment.amount_minor
    asked = refunds.in_flight(conn, payment.id)
    missing = min(total - payment.refunded_minor - asked, payment.refundable_minor)
    if missing <= 0:
        return False
    refund_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"gateway-refund:{update_.event_id}"))
    # money sent back from the gateway's own dashboard: a refund, not a reversal; the invoices stay paid
    return payment.refund(refund_id, missing, "Refunded at the payment gateway", reopens_invoice=False)


def _find(conn, org_id: str, update_: GatewayUpdate, gateway: str | None) -> str:
    if update_.payment_id:
        found = conn.execute(select(payments.c.payment_id).where(
            payments.c.payment_id == update_.payment_id, payments.c.org_id == org_id)).scalar()
        if found:
            return found
    refs = payment_gateway_refs.c
    query = select(refs.payment_id).where(refs.reference == update_.reference, refs.org_id == org_id)
    if gateway:
        query = query.where(refs.gateway == gateway)
    found = conn.execute(query).scalar()
    if found is None:
        raise UnknownPayment("No payment with this reference (yet).")
    return found


def _first_time(conn, org_id: str, update_: GatewayUpdate, payment_id: str) -> bool:
    ins = upsert_insert(conn, gateway_events)
    inserted = conn.execute(ins.values(
        event_id=update_.event_id, org_id=org_id, payment_id=payment_id, status=update_.status,
        outcome="unchanged", processed_at=utc_now())
        .on_conflict_do_nothing(index_elements=["event_id"]).returning(gateway_events.c.event_id)).first()
    return inserted is not None


# --- staff: offline payments, the simulated gateway -----------------------------------------

def record_offline(rt, cmd: RecordOfflinePayment) -> str:
    """Money that came outside any gateway, settled at once. Staff may record part of an
    invoice and several invoices whatever the org's portal settings (those are about what
    customers may do online); an invoice with a payment in flight is refused (409) as
    online payments are."""
    ids = [invoice_id for invoice_id, _ in cmd.invoices]
    for attempt in range(ATTEMPTS):
        try:
            with rt.store.unit_of_work() as uow:
                found = _payables(uow.conn, cmd.org_id, ids)
                _ensure_customers(found, ids, cmd.customer_id)
                blocking = _blocking(uow.conn, ids)
                if blocking:
                    first = next(i for i in ids if i in blocking)
                    row = uow.conn.execute(select(payments).where(
                        payments.c.payment_id == blocking[first].payment_id)).first()
                    raise in_progress(found[first], row)
                allocations, currency = allocate(list(found.values()), list(cmd.invoices), cmd.customer_id,
                                                 partial_allowed=True, bulk_allowed=True)
                payment = Payment.start(cmd.org_id, cmd.customer_id, allocations, currency, "offline", cmd.method)
                payment.settle((cmd.reference or "").strip() or None)
                uow.add(payment)
                uow.commit()
                return payment.id
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise ConcurrencyConflict("Too many payments at once for these invoices; try again.") from None
    raise AssertionError("unreachable")


def simulate_outcome(rt, cmd: SimulateOutcome) -> str:
    """Settle or fail a pending payment of the simulated gateway, as its webhook would."""
    with rt.engine.connect() as conn:
        row = conn.execute(select(payments.c.gateway, payments.c.status).where(
            payments.c.payment_id == cmd.payment_id, payments.c.org_id == cmd.org_id)).first()
        reference = conn.execute(select(payment_gateway_refs.c.reference).where(
            payment_gateway_refs.c.payment_id == cmd.payment_id)).scalar()
    if row is None:
        raise NotFound("No such payment.")
    if row.gateway != SIMULATED:
        raise ConcurrencyConflict("Only payments through the simulated gateway can be settled or failed by hand.")
    if row.status not in ("initiated", "pending") or reference is None:
        raise ConcurrencyConflict(f"This payment is {row.status}, not pending.")
    gateway = rt.ports["gateways"].adapter(cmd.org_id, SIMULATED)
    try:
        update_ = gateway.simulate(reference, cmd.outcome)
    except SimulationRefused as exc:
        raise ConcurrencyConflict(str(exc)) from None
    return apply_update(rt, cmd.org_id, update_, gateway=SIMULATED)


# --- reading what the commands need ----------------------------------------------------------

def _payables(conn, org_id: str, ids: list[str]) -> dict[str, Payable]:
    """The org's invoices of the request, their rows locked (in id order) for the transaction."""
    c = invoices.c
    rows = conn.execute(select(c.invoice_id, c.customer_id, c.number, c.currency, c.status, c.amount_due_minor)
                        .where(c.org_id == org_id, c.invoice_id.in_(sorted(set(ids))))
                        .order_by(c.invoice_id).with_for_update()).all()
    return {r.invoice_id: Payable(r.invoice_id, r.customer_id, r.number, r.currency, r.status, r.amount_due_minor)
            for r in rows}


def _ensure_customers(found: dict[str, Payable], ids: list[str], customer_id: str) -> None:
    """Another customer's invoice, another org's or a draft: not found, before anything else
    is said about it (not even that it is being paid)."""
    for invoice_id in ids:
        invoice = found.get(invoice_id)
        if invoice is None or invoice.customer_id != customer_id or invoice.status == "draft":
            raise InvoiceNotPayable(f"No such invoice: {invoice_id}.", status=404, invoice_id=invoice_id)


def _blocking(conn, ids: list[str]) -> dict:
    rows = conn.execute(select(invoice_payment_locks).where(invoice_payment_locks.c.invoice_id.in_(ids))).all()
    return {r.invoice_id: r for r in rows}


def _settings(conn, org_id: str) -> dict:
    return {**DEFAULT_SETTINGS, **orgs.settings(conn, org_id)}


def _save_reference(conn, org_id: str, payment_id: str, gateway: str, reference: str,
                    redirect_url: str | None) -> None:
    ins = upsert_insert(conn, payment_gateway_refs)
    values = {"reference": reference, "redirect_url": redirect_url, "updated_at": utc_now()}
    conn.execute(ins.values(payment_id=payment_id, org_id=org_id, gateway=gateway, **values)
                 .on_conflict_do_update(index_elements=["payment_id"], set_=values))


def _request(conn, org_id: str, payment_id: str, return_url: str, email: str | None) -> PaymentRequest:
    row = conn.execute(select(payments).where(payments.c.payment_id == payment_id)).one()
    ids = [a["invoice_id"] for a in row.allocations]
    numbers = dict(conn.execute(select(invoices.c.invoice_id, invoices.c.number)
                                .where(invoices.c.invoice_id.in_(ids))).all())
    description = f"Invoice {numbers.get(ids[0]) or ids[0]}" if len(ids) == 1 else f"{len(ids)} invoices"
    return PaymentRequest(payment_id=payment_id, org_id=org_id, customer_id=row.customer_id,
                          amount_minor=row.amount_minor, currency=row.currency, method=row.method or "",
                          description=description, return_url=return_url or "", email=email,
                          metadata={"payment_id": payment_id, "org_id": org_id,
                                    "invoices": ",".join(numbers.get(i) or i for i in ids)[:500]})
