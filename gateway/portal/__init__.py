"""The customer portal: one module per portal module, named after it, each with its own
blueprint ("portal_<module>"). app.py registers BLUEPRINTS in this order."""
from gateway.portal import (account, bulk_payments, comments, credit_notes, dashboard, documents, invoices, orders,
                            payment_methods, payment_return, payments, projects, reviews, service_requests, statement,
                            tickets, timesheets)

BLUEPRINTS = (dashboard.bp, account.bp, invoices.bp, payments.bp, bulk_payments.bp, payment_return.bp,
              payment_methods.bp, comments.bp, credit_notes.bp, statement.bp, tickets.bp, reviews.bp,
              orders.bp, documents.bp, service_requests.bp, projects.bp, timesheets.bp)
