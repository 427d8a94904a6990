"""notifications' read models of its own events (Webhook, EmailTemplate), kept in step in
the append's transaction and rebuilt from them by `rebuild-projections`; their tables live
with them, on tables.metadata. The tables other services' events feed are in tables.py."""
from services.notifications.projections.email_templates import EmailTemplates
from services.notifications.projections.webhooks import Webhooks


def all_projections():
    return [Webhooks(), EmailTemplates()]
