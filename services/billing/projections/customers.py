"""billing's copy of the customers' names and billing e-mails (services/chassis/customers.py),
so a PDF or a console page names the customer without a call. Fed by identity's
CustomerCreated (bootstrap.EVENT_HANDLERS); read by queries/customers.py."""
from __future__ import annotations

from services.billing.tables import metadata
from services.chassis import customers

known_customers = customers.directory(metadata)
on_customer_created = customers.recorder(known_customers)
