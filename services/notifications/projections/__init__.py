"""notifications' read models of its own events (Webhook, EmailTemplate, and their entries
in the audit log), kept in step in the append's transaction and rebuilt from them by
`rebuild-projections`; their tables live with them, on tables.metadata. The tables other
services' events feed are in tables.py, except the audit log's, which both feed (audit.py)."""
from services.notifications.projections.audit import AuditEntries
from services.notifications.projections.email_templates import EmailTemplates
from services.notifications.projections.webhooks import Webhooks


def all_projections():
    return [AuditEntries(), Webhooks(), EmailTemplates()]     # the audit log first: it names a webhook being deleted
