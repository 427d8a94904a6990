"""The words people read for the gateway's codes: modules, permissions, switches, roles,
API scopes, payment states. One place, so the portal and the console say the same."""
from __future__ import annotations

from contracts.words import INVOICE_STATUS

# an invoice's status: the same words on the PDF and in mails (contracts/words.py)
CUSTOMER_INVOICE_LABELS = {k: v for k, v in INVOICE_STATUS.items() if k != "draft"}    # contacts never see drafts

MODULE_LABELS = {
    "invoices": "Invoices", "payments": "Payments", "credit_notes": "Credit notes",
    "sales_orders": "Sales orders", "deliveries": "Deliveries", "service_requests": "Service requests",
    "projects": "Projects", "timesheets": "Timesheets", "tickets": "Tickets", "documents": "Documents",
    "quotes": "Quotes", "reviews": "Reviews",
}
PERMISSION_LABELS = {
    "view": "View", "download": "Download", "pay": "Pay", "submit_tickets": "Submit tickets",
    "upload": "Upload", "approve": "Approve", "forward": "Forward",
}
SWITCH_LABELS = {
    "portal_enabled": "The portal is open to customers",
    "mfa_required": "Customers must use two-step verification",
    "self_signup": "Customers may sign up themselves",
    "forward_documents": "Customers may forward documents",
    "bulk_payments": "Customers may pay several invoices at once",
    "partial_payments": "Customers may pay part of an invoice",
    "share_tickets": "Contacts of a customer see each other's tickets",
    "customer_uploads": "Customers may upload files (contacts with the upload permission)",
    "test_mode": "Test mode: payments are simulated and no money moves (every page and e-mail says so)",
}
SCOPE_LABELS = {"customers": "Customers and contacts", **MODULE_LABELS}
