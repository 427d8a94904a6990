"""documents's MetaData, on which every table of the service is declared (Alembic's
migrations/env.py reads it), and the tables that are not a projection's: written by the
handlers in the same transaction as the events they go with, and kept when read models are
rebuilt.

- `decision_evidence`: what proves a decision later (who, when, from which address and
  browser, the exact version's SHA-256). Kept out of the events on purpose: an address and
  a browser are personal data, and events travel to every subscriber.
- `document_views`: who opened a document's page, first and last time and how often.
- `people`: the display names of the contacts and staff who acted, as their tokens named
  them, so staff read "Sam Buyer downloaded it", not an id.
"""
from sqlalchemy import Column, Integer, MetaData, String, Table, Text

metadata = MetaData()

decision_evidence = Table(
    "decision_evidence", metadata,
    Column("document_id", String(64), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("decision", String(20), nullable=False),      # accepted | declined | signed
    Column("version", Integer, nullable=False),
    Column("document_sha256", String(64), nullable=False),
    Column("contact_id", String(200), nullable=False),
    Column("contact_name", String(200)),
    Column("signer_name", String(200)),
    Column("comment", Text),
    Column("ip", String(64)),
    Column("user_agent", String(500)),
    Column("at", String(40), nullable=False),
)

document_views = Table(
    "document_views", metadata,
    Column("document_id", String(64), primary_key=True),
    Column("contact_id", String(200), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("first_at", String(40), nullable=False),
    Column("last_at", String(40), nullable=False),
    Column("count", Integer, nullable=False),
)

people = Table(
    "people", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("person_id", String(200), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(200), nullable=False),
)
