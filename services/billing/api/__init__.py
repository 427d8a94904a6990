"""billing's HTTP API: flask-smorest blueprints, one module per area, thin translators from
JSON to commands (handlers/) and to reads (queries/); schemas.py holds the shared schemas.
`blueprints()` lists every blueprint the service serves (bootstrap.SPEC takes it from here)."""
from services.billing.api import (comments, credit_notes, documents, gateway_connections, invoice_page, invoices,
                                  payment_links, payment_methods, payments, reminders, returns, statement,
                                  webhooks)
from services.chassis import orgs


def blueprints():
    return [orgs.blueprint("billing"), invoices.blp, payments.blp, comments.blp, credit_notes.blp,
            payment_methods.blp, documents.blp, webhooks.blp, statement.blp, returns.blp, payment_links.blp,
            gateway_connections.blp, invoice_page.blp, reminders.blp]
