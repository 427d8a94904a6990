"""The words people read for the gateway's codes: modules, permissions, switches, roles,
API scopes, payment states. One place, so the portal and the console say the same."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# an invoice's status: the same words as on the PDF and in mails (contracts/words.py INVOICE_STATUS),
# marked here so the pages say them in the reader's language
INVOICE_STATUS = {"draft": _l("Draft"), "sent": _l("Unpaid"), "partially_paid": _l("Partly paid"),
                  "overdue": _l("Overdue"), "paid": _l("Paid"), "void": _l("Void")}
CUSTOMER_INVOICE_LABELS = {k: v for k, v in INVOICE_STATUS.items() if k != "draft"}    # contacts never see drafts

MODULE_LABELS = {
    "invoices": _l("Invoices"), "payments": _l("Payments"), "credit_notes": _l("Credit notes"),
    "sales_orders": _l("Sales orders"), "deliveries": _l("Deliveries"), "service_requests": _l("Service requests"),
    "projects": _l("Projects"), "timesheets": _l("Timesheets"), "tickets": _l("Tickets"), "documents": _l("Documents"),
    "quotes": _l("Quotes"), "reviews": _l("Reviews"),
}
PERMISSION_LABELS = {
    "view": _l("View"), "download": _l("Download"), "pay": _l("Pay"), "submit_tickets": _l("Submit tickets"),
    "upload": _l("Upload"), "approve": _l("Approve"), "forward": _l("Forward"),
}
SWITCH_LABELS = {
    "portal_enabled": _l("The portal is open to customers"),
    "mfa_required": _l("Customers must use two-step verification"),
    "self_signup": _l("Customers may sign up themselves"),
    "forward_documents": _l("Customers may forward documents"),
    "bulk_payments": _l("Customers may pay several invoices at once"),
    "partial_payments": _l("Customers may pay part of an invoice"),
    "share_tickets": _l("Contacts of a customer see each other's tickets"),
    "customer_uploads": _l("Customers may upload files (contacts with the upload permission)"),
    "test_mode": _l("Test mode: payments are simulated and no money moves (every page and e-mail says so)"),
}
SCOPE_LABELS = {"customers": _l("Customers and contacts"), **MODULE_LABELS}
