"""A contact's saved payment methods as the portal lists them, and the stored method behind a
"saved:<id>" payment (handlers/payment_methods.py says what is stored and whose it is)."""
from __future__ import annotations

from sqlalchemy import select

from services.billing.tables import payment_method_setups as setups
from services.billing.tables import payment_methods
from services.chassis.errors import DomainError, NotFound

SAVED = "saved:"


def _view(row) -> dict:
    return {"method_id": row.method_id, "gateway": row.gateway, "kind": row.kind, "brand": row.brand,
            "last4": row.last4, "exp_month": row.exp_month, "exp_year": row.exp_year,
            "is_default": bool(row.is_default), "created_at": row.created_at}


def mine(org_id: str, customer_id: str, contact_id: str):
    c = payment_methods.c
    return (c.org_id == org_id) & (c.customer_id == customer_id) & (c.contact_id == contact_id)


def list_methods(conn, org_id: str, customer_id: str, contact_id: str) -> list[dict]:
    """The contact's methods, the default first, then newest first."""
    c = payment_methods.c
    rows = conn.execute(select(payment_methods).where(mine(org_id, customer_id, contact_id), c.removed_at.is_(None))
                        .order_by(c.is_default.desc(), c.created_at.desc(), c.method_id)).all()
    return [_view(r) for r in rows]


def usable(conn, org_id: str, customer_id: str, contact_id: str | None, method: str):
    """The stored row behind method "saved:<id>": the contact's own (else 404) and not
    removed (else 422)."""
    method_id = method[len(SAVED):]
    row = conn.execute(select(payment_methods).where(
        payment_methods.c.method_id == method_id, mine(org_id, customer_id, contact_id or ""))).first()
    if row is None:
        raise NotFound("No such saved payment method.", field="method")
    if row.removed_at is not None:
        raise DomainError("This payment method was removed; choose another one.", field="method")
    return row


def find_setup(conn, org_id: str, customer_id: str, contact_id: str, setup_id: str):
    c = setups.c
    row = conn.execute(select(setups).where(c.setup_id == setup_id, c.org_id == org_id, c.customer_id == customer_id,
                                            c.contact_id == contact_id)).first()
    if row is None:
        raise NotFound("No such payment method setup.")
    return row


def setup_view(conn, row) -> dict:
    method = None
    if row.method_id:
        found = conn.execute(select(payment_methods).where(payment_methods.c.method_id == row.method_id)).first()
        method = _view(found) if found is not None else None
    return {"setup_id": row.setup_id, "gateway": row.gateway, "kind": row.kind, "status": row.status,
            "redirect_url": row.redirect_url if row.status == "open" else None, "method": method}

