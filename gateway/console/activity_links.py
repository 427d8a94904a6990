"""Where an activity entry leads in the console: the page of the thing it is about, by its
aggregate (an invoice's page for an invoice's events, the ticket's for a ticket's ...), or
None where the console has no page for it."""
from __future__ import annotations

from flask import url_for

PAGES = {"Invoice": ("console_invoices.invoice", "invoice_id"),
         "CreditNote": ("console_credit_notes.credit_note", "credit_note_id"),
         "Ticket": ("console_tickets.ticket", "ticket_id"),
         "SalesOrder": ("console_orders.sales_order", "order_id"),
         "ServiceRequest": ("console_service_requests.service_request", "request_id"),
         "Project": ("console_projects.project", "project_id"),
         "Document": ("console_documents.document", "document_id"),
         "Customer": ("console_customers.customer", "customer_id")}
LISTS = {"Payment": "console_payments.payments", "Webhook": "console_webhooks.webhooks",
         "Review": "console_tickets.reviews"}


def link_of(item: dict) -> str | None:
    page = PAGES.get(item.get("aggregate_type"))
    if page is not None:
        endpoint, arg = page
        return url_for(endpoint, **{arg: item["aggregate_id"]})
    listing = LISTS.get(item.get("aggregate_type"))
    return url_for(listing) if listing else None
