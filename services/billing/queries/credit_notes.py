"""Reads for the credit note pages, straight from the read models: lists and the detail.

Lists are keyset-paginated newest first, like invoices (invoices.py): the cursor holds the
last row's (issued_at, credit_note_id) and the next page starts strictly after it, using
`ix_credit_notes_customer` / `ix_credit_notes_org`.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import literal, select, tuple_

from services.billing.domain.money import tax_breakdown
from services.billing.projections.credit_notes import credit_notes, credit_refunds
from services.billing.projections.invoices import invoices
from services.billing.projections.paid import credit_applications
from services.billing.queries.invoices import decode_cursor, encode_cursor
from services.chassis import auth
from services.chassis.errors import NotFound

SORT = "-issued_at"
SUMMARY = [credit_notes.c[name] for name in (
    "credit_note_id", "customer_id", "number", "status", "currency", "invoice_id", "total_minor",
    "applied_minor", "refunded_minor", "remaining_minor", "issued_at")]
STAFF_ONLY = ("external_ref", "updated_at")


@dataclass(frozen=True)
class CreditQuery:
    customer_id: str | None = None
    status: str | None = None
    invoice_id: str | None = None
    cursor: str | None = None
    limit: int = 25


def list_credit_notes(conn, org_id: str, q: CreditQuery, for_customer: bool,
                      caller: auth.Principal | None = None) -> dict:
    """One page, newest first: {"items": [...], "next_cursor": str | None}."""
    c = credit_notes.c
    columns = SUMMARY if for_customer else SUMMARY + [c[name] for name in STAFF_ONLY]
    query = auth.scoped(select(*columns).where(c.org_id == org_id), credit_notes, caller)
    if q.customer_id is not None:
        query = query.where(c.customer_id == q.customer_id)
    if q.status:
        query = query.where(c.status == q.status)
    if q.invoice_id:
        query = query.where(c.invoice_id == q.invoice_id)
    if q.cursor:
        value, after_id = decode_cursor(q.cursor, SORT)
        query = query.where(tuple_(c.issued_at, c.credit_note_id) < tuple_(literal(value), literal(after_id)))
    rows = conn.execute(query.order_by(c.issued_at.desc(), c.credit_note_id.desc()).limit(q.limit + 1)).all()
    items = [dict(r._mapping) for r in rows[:q.limit]]
    _name_invoices(conn, items)
    more = len(rows) > q.limit
    last = rows[q.limit - 1] if more else None
    return {"items": items, "next_cursor": encode_cursor(SORT, last.issued_at, last.credit_note_id) if more else None}


def credit_note_detail(conn, org_id: str, credit_note_id: str, for_customer: bool,
                       customer_id: str | None = None, caller: auth.Principal | None = None) -> dict:
    """The note with its lines, the invoices it was applied to and the refunds made from it;
    404 for another org's or customer's note."""
    c = credit_notes.c
    query = auth.scoped(select(credit_notes).where(c.org_id == org_id, c.credit_note_id == credit_note_id),
                        credit_notes, caller)
    if customer_id is not None:
        query = query.where(c.customer_id == customer_id)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound("No such credit note.")
    detail = dict(row._mapping)
    detail.pop("number_seq")
    detail.pop("org_id")
    if for_customer:
        for name in STAFF_ONLY:
            detail.pop(name)
    detail["taxes"] = tax_breakdown(row.lines)
    _name_invoices(conn, [detail])
    a, i = credit_applications.c, invoices.c
    detail["applications"] = [dict(r._mapping) for r in conn.execute(
        select(a.invoice_id, i.number.label("invoice_number"), a.amount_minor, a.applied_at)
        .join(invoices, i.invoice_id == a.invoice_id).where(a.credit_note_id == credit_note_id)
        .order_by(a.applied_at, a.application_id)).all()]
    r = credit_refunds.c
    detail["refunds"] = [dict(x._mapping) for x in conn.execute(
        select(r.refund_id, r.amount_minor, r.reason, r.refunded_at).where(r.credit_note_id == credit_note_id)
        .order_by(r.refunded_at, r.refund_id)).all()]
    return detail


def _name_invoices(conn, items: list[dict]) -> None:
    """The number of the invoice each note was issued against."""
    ids = {item["invoice_id"] for item in items if item.get("invoice_id")}
    numbers = dict(conn.execute(select(invoices.c.invoice_id, invoices.c.number)
                                .where(invoices.c.invoice_id.in_(ids))).all()) if ids else {}
    for item in items:
        item["invoice_number"] = numbers.get(item.get("invoice_id"))
