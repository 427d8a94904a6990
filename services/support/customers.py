"""support's copy of the customers' names (services/chassis/customers.py), so the staff
inbox names each ticket's customer without a call."""
from __future__ import annotations

from services.chassis import customers
from services.support.projections import metadata

known_customers = customers.directory(metadata)
on_customer_created = customers.recorder(known_customers)


def names(conn, org_id: str, customer_ids) -> dict[str, str]:
    return customers.names(conn, known_customers, org_id, customer_ids)
