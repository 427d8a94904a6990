"""Saved payment methods: a contact keeps a card or bank account on file with the payment
gateway, pays with it in one step, sets a default, removes it.

**What we store.** Only the gateway's token (Stripe `pm_...`, simulated `sim_pm_...`), the
kind (card, bank_account), the brand, the last four digits and the expiry: never a card
or account number (tests/integration/billing/test_payment_methods.py checks the columns; the
tables are in ../tables.py).

**Whose.** A method belongs to one contact of one customer (`org_id, customer_id,
contact_id`): colleagues at the same customer neither see nor use each other's cards. So
the gateway's customer is per contact too: one Stripe Customer per (org, customer, contact),
created on the first setup and kept in `gateway_customers`.

**Adding** (`start_setup`) records a setup (`payment_method_setups`, status open), then asks
the gateway (outside any transaction, STYLE.md 6): the simulated gateway saves at once
("succeeded"); Stripe answers a hosted setup page (Checkout in mode=setup). It finishes
from the verified webhook (`apply_setup_update`) or when the contact comes back
(`complete_setup`, which asks the gateway where the setup stands): whichever comes first
records the method, the other finds the setup done. A setup records at most one method,
and a gateway token is stored once (unique index), so a replay changes nothing.

**Default.** Exactly one non-removed method per contact is the default: held by a partial
unique index (`uq_payment_methods_default`), and set-default clears the old one and marks
the new one in one transaction with the contact's rows locked. The first method saved
becomes the default; removing the default makes the newest remaining one the default.

**Removing** detaches the method at the gateway first, then marks it removed (`removed_at`;
the row stays for the payments that name it). Removing twice is fine. A pending payment
made with it goes on at the gateway. **Replacing** a card is adding the new one and
removing the old one (two steps in the portal; the new one can be made the default).

**Events.** None: the contracts have no fitting event, and a saved card is the contact's
own state rather than a business fact internal systems act on. Payments made with a saved
method record the usual Payment* events with method `saved:<method id>`.
"""
from __future__ import annotations

import logging
import uuid

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from services.billing.adapters.registry import SIMULATED, OnlinePaymentUnavailable
from services.billing.domain.commands import (CompleteMethodSetup, RemoveMethod, SetDefaultMethod,
                                              StartMethodSetup)
from services.billing.domain.payment_gateway import SavedMethod, SetupAnswer, SetupRequest, SetupUpdate
from services.billing.handlers import gateway_alerts
from services.billing.queries.payment_methods import find_setup, mine, setup_view
from services.billing.tables import gateway_customers, payment_methods
from services.billing.tables import payment_method_setups as setups
from services.chassis.errors import DomainError, NotFound, PortalError
from services.chassis.events import utc_now

log = logging.getLogger(__name__)

KINDS = ("card", "bank_account")
TEST_KINDS = ("card_declined",)          # the simulated gateway's saved test card that declines


class GatewayUnavailable(PortalError):
    status = 502
    title = "Bad gateway"


class UnknownSetup(NotFound):
    """A webhook for a setup billing does not know (yet): answered 404, the gateway retries."""



# --- adding -----------------------------------------------------------------------------------

def start_setup(rt, cmd: StartMethodSetup) -> dict:
    org_id, customer_id, contact_id, kind = cmd.org_id, cmd.customer_id, cmd.contact_id, cmd.kind
    return_url, currency, email = cmd.return_url, cmd.currency, cmd.email
    gateways = rt.ports["gateways"]
    try:
        name = cmd.gateway or gateways.default_name(org_id)
    except OnlinePaymentUnavailable as unavailable:
        gateway_alerts.raise_alert(rt, org_id, unavailable)
        raise
    adapter = gateways.adapter(org_id, name)
    if not hasattr(adapter, "start_setup"):
        raise DomainError(f"Payment methods cannot be saved with {name}.", field="gateway")
    if kind not in KINDS and not (kind in TEST_KINDS and name == SIMULATED):
        raise DomainError("Save a card or a bank account.", field="kind")
    customer_ref = _gateway_customer(rt, adapter, org_id, customer_id, contact_id, email)
    setup_id = uuid.uuid4().hex
    now = utc_now()
    with rt.engine.begin() as conn:
        conn.execute(insert(setups).values(setup_id=setup_id, org_id=org_id, customer_id=customer_id,
                                           contact_id=contact_id, gateway=name, kind=kind, status="open",
                                           created_at=now, updated_at=now))
    request = SetupRequest(setup_id=setup_id, org_id=org_id, customer_id=customer_id, contact_id=contact_id,
                           kind=kind, currency=currency.upper(), return_url=return_url,
                           gateway_customer=customer_ref, email=email)
    try:
        answer = adapter.start_setup(request)
    except Exception:  # noqa: BLE001 - any failure of the outside world is a 502 here
        log.exception("gateway %s did not start setup %s", name, setup_id)
        _close(rt, setup_id, "failed")
        raise GatewayUnavailable("The payment service could not be reached; nothing was saved.") from None
    _record(rt, setup_id, answer)
    with rt.engine.connect() as conn:
        return setup_view(conn, find_setup(conn, org_id, customer_id, contact_id, setup_id))


def _gateway_customer(rt, adapter, org_id, customer_id, contact_id, email) -> str | None:
    """The gateway's customer of this contact (created once), for gateways that have them."""
    if not hasattr(adapter, "create_customer"):
        return None
    c = gateway_customers.c
    key = (c.org_id == org_id) & (c.gateway == adapter.name) & (c.customer_id == customer_id) & \
        (c.contact_id == contact_id)
    with rt.engine.connect() as conn:
        found = conn.execute(select(c.gateway_customer).where(key)).scalar()
    if found:
        return found
    try:
        created = adapter.create_customer(org_id, customer_id, contact_id, email)
    except Exception:  # noqa: BLE001
        log.exception("gateway %s did not create a customer", adapter.name)
        raise GatewayUnavailable("The payment service could not be reached; nothing was saved.") from None
    try:
        with rt.engine.begin() as conn:
            conn.execute(insert(gateway_customers).values(org_id=org_id, gateway=adapter.name, customer_id=customer_id,
                                                          contact_id=contact_id, gateway_customer=created,
                                                          created_at=utc_now()))
    except IntegrityError:          # created at the same moment (the gateway's idempotency gave the same one)
        with rt.engine.connect() as conn:
            return conn.execute(select(c.gateway_customer).where(key)).scalar()
    return created


def complete_setup(rt, cmd: CompleteMethodSetup) -> dict:
    """The contact is back from the gateway's page: ask where the setup stands, record it."""
    org_id, customer_id, contact_id, setup_id = cmd.org_id, cmd.customer_id, cmd.contact_id, cmd.setup_id
    with rt.engine.connect() as conn:
        row = find_setup(conn, org_id, customer_id, contact_id, setup_id)
    if row.status == "open" and row.reference:
        adapter = rt.ports["gateways"].adapter(org_id, row.gateway)
        try:
            answer = adapter.read_setup(row.reference)
        except Exception:  # noqa: BLE001
            log.exception("gateway %s did not answer for setup %s", row.gateway, setup_id)
            raise GatewayUnavailable("The payment service could not be reached; please try again.") from None
        _record(rt, setup_id, answer)
    with rt.engine.connect() as conn:
        return setup_view(conn, find_setup(conn, org_id, customer_id, contact_id, setup_id))


def apply_setup_update(rt, org_id: str, update_: SetupUpdate, gateway: str) -> str:
    """A verified webhook: "applied" (the method was recorded) or "unchanged" (done before)."""
    c = setups.c
    with rt.engine.connect() as conn:
        setup_id = None
        if update_.setup_id:
            setup_id = conn.execute(select(c.setup_id).where(c.setup_id == update_.setup_id, c.org_id == org_id,
                                                             c.gateway == gateway)).scalar()
        if setup_id is None:
            setup_id = conn.execute(select(c.setup_id).where(c.reference == update_.answer.reference,
                                                             c.org_id == org_id, c.gateway == gateway)).scalar()
    if setup_id is None:
        raise UnknownSetup("No payment method setup with this reference (yet).")
    return "applied" if _record(rt, setup_id, update_.answer) else "unchanged"


def _record(rt, setup_id: str, answer: SetupAnswer) -> bool:
    """Record what the gateway says of a setup, once: True when it changed the setup."""
    for attempt in range(3):
        try:
            with rt.engine.begin() as conn:
                return _record_in(conn, setup_id, answer)
        except IntegrityError:
            if attempt == 2:      # a default set by another request each time: give up loudly
                raise
    return False


def _record_in(conn, setup_id: str, answer: SetupAnswer) -> bool:
    row = conn.execute(select(setups).where(setups.c.setup_id == setup_id).with_for_update()).one()
    if row.status != "open":
        return False
    values = {"reference": answer.reference, "updated_at": utc_now()}
    if answer.status == "open":
        changed = row.reference != answer.reference or row.redirect_url != answer.redirect_url
        conn.execute(update(setups).where(setups.c.setup_id == setup_id)
                     .values(redirect_url=answer.redirect_url, **values))
        return changed
    method_id = None
    if answer.status == "succeeded" and answer.method is not None:
        method_id = _store(conn, row, answer.method, answer.gateway_customer)
    conn.execute(update(setups).where(setups.c.setup_id == setup_id).values(
        status="succeeded" if method_id else "failed", method_id=method_id, **values))
    return True


def _store(conn, setup, method: SavedMethod, gateway_customer: str | None) -> str:
    c = payment_methods.c
    known = conn.execute(select(c.method_id).where(c.gateway == setup.gateway,
                                                   c.gateway_token == method.token)).scalar()
    if known:
        return known
    theirs = mine(setup.org_id, setup.customer_id, setup.contact_id)
    conn.execute(select(c.method_id).where(theirs).with_for_update()).all()         # the contact's rows, in turn
    has_default = conn.execute(select(c.method_id).where(theirs, c.is_default.is_(True),
                                                         c.removed_at.is_(None))).first() is not None
    method_id = uuid.uuid4().hex
    conn.execute(insert(payment_methods).values(
        method_id=method_id, org_id=setup.org_id, customer_id=setup.customer_id, contact_id=setup.contact_id,
        gateway=setup.gateway, gateway_token=method.token, gateway_customer=gateway_customer,
        kind=method.kind, brand=(method.brand or None) and method.brand[:40], last4=str(method.last4)[-4:],
        exp_month=method.exp_month, exp_year=method.exp_year, is_default=not has_default, created_at=utc_now()))
    return method_id


def _close(rt, setup_id: str, status: str) -> None:
    with rt.engine.begin() as conn:
        conn.execute(update(setups).where(setups.c.setup_id == setup_id, setups.c.status == "open")
                     .values(status=status, updated_at=utc_now()))



# --- default, remove ----------------------------------------------------------------------------

def set_default(rt, cmd: SetDefaultMethod) -> None:
    method_id = cmd.method_id
    c = payment_methods.c
    theirs = mine(cmd.org_id, cmd.customer_id, cmd.contact_id)
    for attempt in range(3):
        try:
            with rt.engine.begin() as conn:
                rows = conn.execute(select(c.method_id, c.removed_at).where(theirs).with_for_update()).all()
                target = next((r for r in rows if r.method_id == method_id), None)
                if target is None:
                    raise NotFound("No such saved payment method.")
                if target.removed_at is not None:
                    raise DomainError("This payment method was removed.", field="method_id")
                conn.execute(update(payment_methods).where(theirs, c.is_default.is_(True)).values(is_default=False))
                conn.execute(update(payment_methods).where(c.method_id == method_id).values(is_default=True))
                return
        except IntegrityError:
            if attempt == 2:
                raise


def remove(rt, cmd: RemoveMethod) -> None:
    """Detach at the gateway, then mark removed; the newest remaining becomes the default
    if this one was. Removing a removed method does nothing."""
    org_id, method_id = cmd.org_id, cmd.method_id
    c = payment_methods.c
    theirs = mine(org_id, cmd.customer_id, cmd.contact_id)
    with rt.engine.connect() as conn:
        row = conn.execute(select(payment_methods).where(c.method_id == method_id, theirs)).first()
    if row is None:
        raise NotFound("No such saved payment method.")
    if row.removed_at is not None:
        return
    try:
        rt.ports["gateways"].adapter(org_id, row.gateway).detach(row.gateway_token)
    except Exception:  # noqa: BLE001
        log.exception("gateway %s did not detach method %s", row.gateway, method_id)
        raise GatewayUnavailable("The payment service could not be reached; the method is still saved.") from None
    with rt.engine.begin() as conn:
        conn.execute(select(c.method_id).where(theirs).with_for_update()).all()
        done = conn.execute(update(payment_methods).where(c.method_id == method_id, c.removed_at.is_(None))
                            .values(removed_at=utc_now(), is_default=False))
        if done.rowcount and row.is_default:
            newest = conn.execute(select(c.method_id).where(theirs, c.removed_at.is_(None))
                                  .order_by(c.created_at.desc(), c.method_id.desc()).limit(1)).scalar()
            if newest:
                conn.execute(update(payment_methods).where(c.method_id == newest).values(is_default=True))
