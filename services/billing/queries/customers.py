"""Customers from billing's copy (projections/customers.py), for documents and pages."""
from __future__ import annotations

from sqlalchemy import select

from services.billing.projections.customers import customer_details, known_customers
from services.chassis import customers


def names(conn, org_id: str, customer_ids) -> dict[str, str]:
    return customers.names(conn, known_customers, org_id, customer_ids)


def bill_to(conn, org_id: str, customer_id: str) -> dict:
    """What a document prints for its customer: `customer_name`, `customer_address` (lines)
    and `customer_tax_id`; a name of None while identity's event is on its way (the document
    then shows a dash: never the internal id)."""
    row = conn.execute(
        select(known_customers.c.name, customer_details.c.address, customer_details.c.tax_id)
        .select_from(known_customers.outerjoin(customer_details,
                                               customer_details.c.customer_id == known_customers.c.customer_id))
        .where(known_customers.c.org_id == org_id, known_customers.c.customer_id == customer_id)).first()
    if row is None:
        return {"customer_name": None, "customer_address": [], "customer_tax_id": None}
    return {"customer_name": row.name, "customer_address": list(row.address or []), "customer_tax_id": row.tax_id}
