"""The staff console under /console: one module per console page group, named after it,
each with its own blueprint ("console_<module>"). app.py registers BLUEPRINTS in this order."""
from gateway.console import (account, activity, audit, credit_notes, customers, dashboard, documents, domains, emails,
                             gateways, invitations, invoice_lines, invoices, keys, mail, orders, payment_links, payments,
                             projects, reminders, service_requests, settings, setup, staff, statement, tickets, webhooks)

BLUEPRINTS = (dashboard.bp, account.bp, customers.bp, invitations.bp, settings.bp, staff.bp, keys.bp,
              invoice_lines.bp, invoices.bp, payments.bp, credit_notes.bp, payment_links.bp, gateways.bp, statement.bp,
              tickets.bp, mail.bp, emails.bp, webhooks.bp, activity.bp, orders.bp, documents.bp, service_requests.bp,
              projects.bp, reminders.bp, setup.bp, audit.bp, domains.bp)
