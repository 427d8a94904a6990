"""Reads for the payment pages, straight from the read models: lists and the detail.

Lists are newest first and keyset-paginated like the invoice lists (invoices.py): the
cursor holds the last row's (initiated_at, payment_id) and the next page starts strictly
after it; each filter has an index ending in (initiated_at, payment_id), and a list for
one invoice walks `payment_allocations` by its own index.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import literal, select, tuple_

from services.billing.projections.invoices import invoices
from services.billing.projections.paid import payment_allocations
from services.billing.projections.payments import invoice_payment_locks, payments
from services.billing.queries.invoices import decode_cursor, encode_cursor
from services.billing.queries.saved_methods import with_saved_methods
from services.billing.tables import payment_gateway_refs
from services.chassis import auth
from services.chassis.errors import NotFound

SORT = "-initiated_at"          # the one order of payment lists, named in the cursor


@dataclass(frozen=True)
class PaymentQuery:
    customer_id: str | None = None
    status: str | None = None
    gateway: str | None = None
    invoice_id: str | None = None
    cursor: str | None = None
    limit: int = 25


def list_payments(conn, org_id: str, q: PaymentQuery, for_customer: bool,
                  caller: auth.Principal | None = None) -> dict:
    """One page: {"items": [...], "next_cursor": str | None}."""
    p, a = payments.c, payment_allocations.c
    query = auth.scoped(select(payments).where(p.org_id == org_id), payments, caller)
    if q.invoice_id is not None:
        query = query.join(payment_allocations, a.payment_id == p.payment_id).where(a.invoice_id == q.invoice_id)
        key, ident = a.initiated_at, a.payment_id
    else:
        key, ident = p.initiated_at, p.payment_id
    for column, value in ((p.customer_id, q.customer_id), (p.status, q.status), (p.gateway, q.gateway)):
        if value is not None:
            query = query.where(column == value)
    if q.cursor:
        value, after_id = decode_cursor(q.cursor, SORT)
        query = query.where(tuple_(key, ident) < tuple_(literal(value), literal(after_id)))
    rows = conn.execute(query.order_by(key.desc(), ident.desc()).limit(q.limit + 1)).all()
    page = rows[:q.limit]
    numbers, reopened = _numbers(conn, page), _reopened(conn, page)
    items = with_saved_methods(conn, [view(r._mapping, numbers, reopened, for_customer) for r in page])
    last = page[-1] if len(rows) > q.limit else None
    return {"items": items, "next_cursor": encode_cursor(SORT, last.initiated_at, last.payment_id) if last else None}


def payment_detail(conn, org_id: str, payment_id: str, for_customer: bool, customer_id: str | None = None,
                   caller: auth.Principal | None = None) -> dict:
    """One payment; 404 for another org's or customer's. Staff see the gateway reference,
    the customer the checkout URL while the payment waits for them."""
    p = payments.c
    query = auth.scoped(select(payments).where(p.org_id == org_id, p.payment_id == payment_id), payments, caller)
    if customer_id is not None:
        query = query.where(p.customer_id == customer_id)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound("No such payment.")
    ref = conn.execute(select(payment_gateway_refs.c.reference, payment_gateway_refs.c.redirect_url)
                       .where(payment_gateway_refs.c.payment_id == payment_id)).first()
    detail = with_saved_methods(conn, [view(row._mapping, _numbers(conn, [row]), _reopened(conn, [row]),
                                            for_customer)])[0]
    detail["redirect_url"] = ref.redirect_url if ref is not None and row.status == "initiated" else None
    if not for_customer:
        detail["gateway_reference"] = row.gateway_reference or (ref.reference if ref is not None else None)
    return detail


def view(row, numbers: dict, reopened: dict, for_customer: bool) -> dict:
    """A payment as the API answers it; `reopened_minor`: the part of its refunds its invoices
    owe again (a reversed payment); the rest went back and left them paid."""
    item = {k: row[k] for k in (
        "payment_id", "customer_id", "status", "gateway", "method", "currency", "amount_minor",
        "refunded_minor", "failure_reason", "failure_message", "initiated_at", "pending_at", "settled_at",
        "failed_at", "refunded_at", "updated_at")}
    item["allocations"] = [{"invoice_id": a["invoice_id"], "number": numbers.get(a["invoice_id"]),
                            "amount_minor": a["amount_minor"], "refunded_minor": a["refunded_minor"],
                            "reopened_minor": reopened.get((row["payment_id"], a["invoice_id"]), 0)}
                           for a in row["allocations"]]
    item["reopened_minor"] = sum(a["reopened_minor"] for a in item["allocations"])
    if not for_customer:
        item["gateway_reference"] = row["gateway_reference"]
    return item


def _numbers(conn, rows) -> dict:
    ids = sorted({a["invoice_id"] for r in rows for a in r.allocations})
    if not ids:
        return {}
    return dict(conn.execute(select(invoices.c.invoice_id, invoices.c.number)
                             .where(invoices.c.invoice_id.in_(ids))).all())


def _reopened(conn, rows) -> dict:
    """(payment id, invoice id) -> the part of its refunds the invoice owes again, for refunded rows."""
    ids = sorted({r.payment_id for r in rows if r.refunded_minor})
    if not ids:
        return {}
    a = payment_allocations.c
    return {(r.payment_id, r.invoice_id): int(r.reopened_minor) for r in conn.execute(
        select(a.payment_id, a.invoice_id, a.reopened_minor).where(a.payment_id.in_(ids)))}


def in_flight_payment(conn, invoice_id: str) -> str | None:
    """The payment holding the invoice's lock, if any (for the invoice and credit commands)."""
    return conn.execute(select(invoice_payment_locks.c.payment_id)
                        .where(invoice_payment_locks.c.invoice_id == invoice_id)).scalar()
