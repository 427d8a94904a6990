"""billing's own tables that are not projections: state written by the handlers and the
adapters themselves, never emptied by `rebuild-projections` (the read models fed by events
live with their projections in projections/). One MetaData for the whole service: Alembic
(migrations/env.py) and SPEC.metadata take it from here.

- Payments at the gateways: `payment_gateway_refs` (the gateway's reference and checkout URL
  of each online payment, known before any event carries it), `gateway_events` (gateway
  event ids already applied) and `refund_requests` (refunds asked of the gateway and not yet
  recorded): handlers/payments.py.
- Saved payment methods: `payment_methods`, `payment_method_setups`, `gateway_customers`
  (handlers/payment_methods.py).
- Payment links: `payment_links`, `payment_link_payments` (handlers/payment_links.py).
- Each org's own gateway accounts: `gateway_connections` (handlers/gateway_connections.py,
  read by adapters/registry.py).
- The simulated gateway's own books: `simulated_gateway_payments`, `simulated_gateway_methods`
  (adapters/simulated.py; in billing's database only because the embedded default has no other).
- Invoice numbers: `invoice_numbers`, each org's counter (handlers/numbers.py).
"""
from sqlalchemy import (JSON, BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text,
                        text)

metadata = MetaData()
Money = BigInteger

ACTIVE_DEFAULT = "is_default AND removed_at IS NULL"

# --- payments at the gateways (handlers/payments.py) -------------------------------------------

payment_gateway_refs = Table(
    "payment_gateway_refs", metadata,
    Column("payment_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("gateway", String(20), nullable=False),
    Column("reference", String(200), nullable=False),
    Column("redirect_url", Text),
    Column("updated_at", String(40), nullable=False),
    Index("uq_payment_gateway_refs_reference", "gateway", "reference", unique=True),
)

gateway_events = Table(
    "gateway_events", metadata,
    Column("event_id", String(200), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("payment_id", String(64)),
    Column("status", String(20), nullable=False),
    Column("outcome", String(20), nullable=False),       # applied, unchanged
    Column("processed_at", String(40), nullable=False),
)

refund_requests = Table(
    "refund_requests", metadata,
    Column("refund_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("payment_id", String(64), nullable=False, index=True),
    Column("amount_minor", Money, nullable=False),
    Column("reason", Text),
    Column("status", String(20), nullable=False),        # requested, done, failed
    Column("gateway_refund_id", String(200)),
    Column("created_at", String(40), nullable=False),
    Column("reopens_invoice", Boolean, nullable=False),  # staff reverse the payment: the invoices owe it again
)


# --- saved payment methods (handlers/payment_methods.py) ------------------------------------

payment_methods = Table(
    "payment_methods", metadata,
    Column("method_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("contact_id", String(200), nullable=False),
    Column("gateway", String(20), nullable=False),
    Column("gateway_token", String(200), nullable=False),
    Column("gateway_customer", String(200)),
    Column("kind", String(20), nullable=False),
    Column("brand", String(40)),
    Column("last4", String(4), nullable=False),
    Column("exp_month", Integer),
    Column("exp_year", Integer),
    Column("is_default", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("removed_at", String(40)),
    Index("uq_payment_methods_token", "gateway", "gateway_token", unique=True),
    Index("ix_payment_methods_contact", "org_id", "customer_id", "contact_id", "created_at"),
    Index("uq_payment_methods_default", "org_id", "customer_id", "contact_id", unique=True,
          postgresql_where=text(ACTIVE_DEFAULT), sqlite_where=text(ACTIVE_DEFAULT)),
)

payment_method_setups = Table(
    "payment_method_setups", metadata,
    Column("setup_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("contact_id", String(200), nullable=False),
    Column("gateway", String(20), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("reference", String(200)),
    Column("redirect_url", Text),
    Column("status", String(20), nullable=False),           # open, succeeded, failed
    Column("method_id", String(64)),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("ix_payment_method_setups_reference", "gateway", "reference"),
)

gateway_customers = Table(
    "gateway_customers", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("gateway", String(20), primary_key=True),
    Column("customer_id", String(64), primary_key=True),
    Column("contact_id", String(200), primary_key=True),
    Column("gateway_customer", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
)


# --- payment links (handlers/payment_links.py) ----------------------------------------------

payment_links = Table(
    "payment_links", metadata,
    Column("payment_link_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("invoice_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
    Column("created_by_kind", String(20), nullable=False),
    Column("created_by_id", String(200)),
    Index("uq_payment_links_live", "org_id", "invoice_id", unique=True,
          postgresql_where=text("revoked_at IS NULL"), sqlite_where=text("revoked_at IS NULL")),
)

payment_link_payments = Table(
    "payment_link_payments", metadata,
    Column("payment_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("payment_link_id", String(64), nullable=False, index=True),
    Column("invoice_id", String(64), nullable=False),
    Column("payer_email", String(320)),
    Column("started_at", String(40), nullable=False),
)


# --- each org's own gateway accounts (handlers/gateway_connections.py) ----------------------

gateway_connections = Table(
    "gateway_connections", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("gateway", String(20), primary_key=True),
    Column("public", JSON, nullable=False),         # {"publishable_key": ...} / {"client_id", "webhook_id"}
    Column("secrets", JSON, nullable=False),        # {name: Fernet token}: never the plaintext
    Column("hints", JSON, nullable=False),          # {name: last four characters}
    Column("is_default", Boolean, nullable=False),
    Column("last_test_at", String(40)),
    Column("last_test_ok", Boolean),
    Column("last_test_detail", String(500)),
    Column("updated_at", String(40), nullable=False),
    Column("updated_by", String(200)),
)


# --- the simulated gateway's own books (adapters/simulated.py) ------------------------------

simulated_gateway_payments = Table(
    "simulated_gateway_payments", metadata,
    Column("reference", String(64), primary_key=True),
    Column("payment_id", String(64), nullable=False, unique=True),
    Column("org_id", String(64), nullable=False),
    Column("method", String(40), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),         # pending settled failed refunded
    Column("refunded_minor", BigInteger, nullable=False),
    Column("refunds", JSON, nullable=False),              # idempotency key -> refund id
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

simulated_gateway_methods = Table(
    "simulated_gateway_methods", metadata,
    Column("token", String(64), primary_key=True),
    Column("setup_id", String(64), nullable=False, unique=True),
    Column("org_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("outcome", String(20), nullable=False),        # the method it pays as: card, card_declined, bank_debit
    Column("brand", String(40)),
    Column("last4", String(4), nullable=False),
    Column("exp_month", Integer),
    Column("exp_year", Integer),
    Column("created_at", String(40), nullable=False),
    Column("detached_at", String(40)),
)


# --- payment reminders (handlers/reminders.py): each org's schedule, customers left out ----

reminder_schedules = Table(
    "reminder_schedules", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("days", JSON, nullable=False),            # steps in days from the due date: [-3, 0, 7, 14]
    Column("updated_at", String(40), nullable=False),
    Column("updated_by", String(200)),
)

reminder_optouts = Table(
    "reminder_optouts", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("customer_id", String(64), primary_key=True),
    Column("updated_at", String(40), nullable=False),
    Column("updated_by", String(200)),
)


# --- invoice numbers (handlers/numbers.py) ----------------------------------------------------

# Each org's last INV-nnnnnn: the row is updated in the transaction that appends the invoices
# it numbers (a row lock on PostgreSQL, SQLite's write lock), so a rollback gives the numbers back.
invoice_numbers = Table(
    "invoice_numbers", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)
