"""notifications' HTTP API (services/notifications/API.md): the activity feed and each
staff member's marker and mail preferences (activity.py), outbound webhooks (webhooks.py),
e-mail and its templates (mail.py), unsubscribe links (unsubscribes.py), the audit log
(audit.py); bodies in
schemas.py. Each view builds a command (domain/commands.py), hands it to its handler, and
answers from the reads (queries/)."""
from services.chassis import orgs
from services.notifications.api.activity import blp as activity_blp, feed_blp
from services.notifications.api.audit import blp as audit_blp
from services.notifications.api.mail import mail_blp
from services.notifications.api.unsubscribes import blp as unsubscribe_blp
from services.notifications.api.webhooks import wh


def blueprints() -> list:
    return [orgs.blueprint("notifications"), activity_blp, wh, mail_blp, feed_blp, unsubscribe_blp, audit_blp]
