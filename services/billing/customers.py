"""billing's copy of the customers' names and billing e-mails (services/chassis/customers.py),
so a PDF or a console page names the customer without a call."""
from __future__ import annotations

from services.billing.projections import metadata
from services.chassis import customers

known_customers = customers.directory(metadata)
on_customer_created = customers.recorder(known_customers)


def names(conn, org_id: str, customer_ids) -> dict[str, str]:
    return customers.names(conn, known_customers, org_id, customer_ids)
