"""Sales orders: place (idempotent on the ERP's external_ref), change, cancel, and mark
invoiced when billing says so. Each handler loads the order, calls it, and appends its
events in one transaction; a second writer on the same order is refused by the event store
(ConcurrencyConflict) and its command runs again on the fresh state.

Numbers are unique per org, case-insensitive: given by the ERP or staff, or the org's next
SO-000123. Two orders placed at once may pick the same next number; the unique index
refuses the second, which then takes the one after. A number that was given and is taken
answers 409. Placing an external_ref that exists answers the order it made (created False),
also when two pushes of it race: the loser finds the winner's order.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.chassis.errors import ConcurrencyConflict, DomainError, NotFound, retry_on_conflict
from services.orders.domain.commands import CancelOrder, ChangeOrder, MarkInvoiced, PlaceOrder
from services.orders.domain.sales_order import SalesOrder, auto_number, check_number
from services.orders.projections.sales_orders import sales_orders

ATTEMPTS = 5
MAX_REF = 200


class NumberTaken(DomainError):
    status = 409
    title = "Conflict"


def today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def check_ref(value: str | None, field: str = "external_ref") -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_REF:
        raise DomainError(f"The {field} is 1 to {MAX_REF} characters.", field=field)
    return value.strip()


def by_external_ref(conn, org_id: str, external_ref: str | None) -> str | None:
    if external_ref is None:
        return None
    return conn.execute(select(sales_orders.c.sales_order_id).where(
        sales_orders.c.org_id == org_id, sales_orders.c.external_ref == external_ref)).scalar()


def _number_free(conn, org_id: str, number: str) -> bool:
    return conn.execute(select(sales_orders.c.sales_order_id).where(
        sales_orders.c.org_id == org_id, sales_orders.c.number_key == number.lower())).first() is None


def _next_number(conn, org_id: str) -> str:
    highest = conn.execute(select(func.max(sales_orders.c.number_seq))
                           .where(sales_orders.c.org_id == org_id)).scalar()
    return auto_number((highest or 0) + 1)


def place_in(uow, cmd: PlaceOrder) -> tuple[str, bool]:
    """Place the order in the caller's unit of work (not committed): (order id, created).
    An external_ref that exists answers its order and adds nothing."""
    ref = check_ref(cmd.external_ref)
    given = check_number(cmd.number) if cmd.number is not None else None
    existing = by_external_ref(uow.conn, cmd.org_id, ref)
    if existing:
        return existing, False
    if given and not _number_free(uow.conn, cmd.org_id, given):
        raise NumberTaken(f"Order number {given} is already used.", field="number")
    order = SalesOrder.place(cmd.org_id, cmd.customer_id, given or _next_number(uow.conn, cmd.org_id),
                             cmd.currency, cmd.lines, cmd.ordered_on or today(), cmd.notes, ref)
    uow.add(order)
    return order.id, True


def place_order(rt, cmd: PlaceOrder) -> tuple[str, bool]:
    """(order id, created)."""
    ref = check_ref(cmd.external_ref)
    given = check_number(cmd.number) if cmd.number is not None else None
    for attempt in range(ATTEMPTS):
        try:
            with rt.store.unit_of_work() as uow:
                placed = place_in(uow, cmd)
                uow.commit()
                return placed
        except IntegrityError:
            # another request took the external_ref or the number between our check and write
            with rt.engine.connect() as conn:
                existing = by_external_ref(conn, cmd.org_id, ref)
                if existing:
                    return existing, False
                if given and not _number_free(conn, cmd.org_id, given):
                    raise NumberTaken(f"Order number {given} is already used.", field="number") from None
    raise ConcurrencyConflict("Could not number the order; try again.")


def load_order(uow, org_id: str, order_id: str) -> SalesOrder:
    """The order of this org; any other id (another org's, a shipment's) is a 404."""
    order = uow.load(SalesOrder, order_id, org_id)
    if not order.number:
        raise NotFound(f"No sales order {order_id}.")
    return order


def _on_order(rt, org_id: str, order_id: str, act):
    def run():
        with rt.store.unit_of_work() as uow:
            order = load_order(uow, org_id, order_id)
            result = act(order)
            uow.add(order)
            uow.commit()
            return result
    return retry_on_conflict(run)


def change_order(rt, cmd: ChangeOrder) -> list[str]:
    return _on_order(rt, cmd.org_id, cmd.order_id, lambda order: order.change(cmd.changes))


def cancel_order(rt, cmd: CancelOrder) -> None:
    _on_order(rt, cmd.org_id, cmd.order_id, lambda order: order.cancel(cmd.reason))


def mark_invoiced(rt, cmd: MarkInvoiced) -> list[str]:
    return _on_order(rt, cmd.org_id, cmd.order_id, lambda order: order.invoiced(cmd.invoice_id))


def on_invoice_issued(event, uow) -> None:
    """billing issued an invoice. When it names the sales order it bills (`sales_order_id`:
    see API.md, "Invoiced orders"), the order moves to invoiced, in the consumer's
    transaction. An order of another org, or one we do not know, is left alone: billing may
    bill orders an ERP never pushed here."""
    order_id = (event.data or {}).get("sales_order_id")
    if not order_id:
        return
    try:
        order = load_order(uow, event.org_id, order_id)
    except NotFound:
        return
    if order.invoiced(event.data["invoice_id"]):
        uow.add(order)
