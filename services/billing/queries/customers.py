"""Customers' names from billing's copy (projections/customers.py), for documents and pages."""
from __future__ import annotations

from services.billing.projections.customers import known_customers
from services.chassis import customers


def names(conn, org_id: str, customer_ids) -> dict[str, str]:
    return customers.names(conn, known_customers, org_id, customer_ids)
