"""support's MetaData, on which every table of the service is declared (Alembic's
migrations/env.py reads it), and the tables that are not projections (state, not rebuilt
from events):

- `ticket_reads`: how far each reader has read a ticket: the "seen" marks and unread counts.
- `review_marks`: when a contact last reviewed, so one review per period holds under
  concurrent requests (handlers/reviews.py).
- `canned_replies`: staff's reply snippets.
- `known_customers`: support's copy of the customers' names (services/chassis/customers.py),
  fed by identity's CustomerCreated, so the staff inbox names each ticket's customer
  without a call.
"""
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

from services.chassis import customers

metadata = MetaData()

ticket_reads = Table(
    "ticket_reads", metadata,
    Column("ticket_id", String(64), primary_key=True),
    Column("reader", String(220), primary_key=True),          # "contact:<id>" or "staff:<id>"
    Column("org_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
)

review_marks = Table(
    "review_marks", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("contact_id", String(200), primary_key=True),
    Column("subject", String(80), primary_key=True),          # "service" or "ticket:<id>"
    Column("submitted_at", String(40), nullable=False),
)

canned_replies = Table(
    "canned_replies", metadata,
    Column("reply_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("title", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Index("ix_canned_replies_org", "org_id", "title"),
)

known_customers = customers.directory(metadata)
