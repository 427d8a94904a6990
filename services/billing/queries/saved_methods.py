"""How a payment was paid, in words people recognise: the saved method behind "saved:<id>"."""
from __future__ import annotations

from sqlalchemy import select

from services.billing.tables import payment_methods


def with_saved_methods(conn, items: list[dict]) -> list[dict]:
    """Each payment made with a saved method ("saved:<id>") gets `saved_method`: its kind,
    brand and last four digits, so people read "Visa •••• 4242", never an id. Also for a
    method removed since."""
    ids = sorted({i["method"][6:] for i in items if (i.get("method") or "").startswith("saved:")})
    found = {}
    if ids:
        found = {r.method_id: {"kind": r.kind, "brand": r.brand, "last4": r.last4} for r in conn.execute(
            select(payment_methods.c.method_id, payment_methods.c.kind, payment_methods.c.brand,
                   payment_methods.c.last4).where(payment_methods.c.method_id.in_(ids)))}
    for item in items:
        method = item.get("method") or ""
        item["saved_method"] = found.get(method[6:]) if method.startswith("saved:") else None
    return items
