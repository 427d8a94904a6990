"""billing's read models, kept in step with its events in the append's transaction, each
module with its tables: invoices.py, paid.py (what pays an invoice), payments.py,
credit_notes.py, conversation.py (comments and forwards), reminders.py (reminders sent), customers.py (names, from
identity's events). Tables that are not projections: ../tables.py."""
from services.billing.projections.conversation import Conversation
from services.billing.projections.credit_notes import CreditNoteList
from services.billing.projections.invoices import InvoiceList, InvoiceViews
from services.billing.projections.payments import PaymentList
from services.billing.projections.reminders import ReminderList


def all_projections():
    """In the order they run in an append's transaction."""
    return [InvoiceList(), InvoiceViews(), PaymentList(), CreditNoteList(), Conversation(), ReminderList()]
