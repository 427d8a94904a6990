"""identity's CustomerCreated into support's copy of the customers' names
(tables.known_customers), so the staff inbox names each ticket's customer without a call."""
from __future__ import annotations

from services.chassis import customers
from services.support.tables import known_customers

on_customer_created = customers.recorder(known_customers)
