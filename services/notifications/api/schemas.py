"""notifications' request and answer bodies (services/notifications/API.md)."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.notifications.domain.activity_kinds import ACTIVITY_KINDS, MODES
from services.notifications.domain.audit import AREAS
from services.notifications.domain.mail_kinds import KINDS


# -- the activity feed --------------------------------------------------------------------------
class FeedArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    before = fields.Integer(load_default=None, metadata={"description": "id to page back from"})


class ActivityOut(Schema):
    id = fields.Integer()
    event_id = fields.String()
    service = fields.String()
    type = fields.String()
    aggregate_type = fields.String()
    aggregate_id = fields.String()
    actor_kind = fields.String()
    occurred_at = fields.String()
    subject = fields.String(allow_none=True, metadata={"description": "The number or title of what it is about."})
    customer_id = fields.String(allow_none=True)
    actor_name = fields.String(allow_none=True, metadata={"description": "Who acted, by name, when known."})


# -- the audit log -------------------------------------------------------------------------------
class AuditFilterArgs(Schema):
    area = fields.String(load_default=None, validate=validate.OneOf(AREAS))
    actor = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                          metadata={"description": "the id of the person or API key who acted"})
    since = fields.Date(load_default=None, metadata={"description": "from this day on (UTC)"})
    until = fields.Date(load_default=None, metadata={"description": "up to and including this day (UTC)"})
    q = fields.String(load_default=None, validate=validate.Length(max=200),
                      metadata={"description": "words in what was done, its subject or the actor's name"})

    @validates_schema
    def _range(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise ValidationError("The end of the range comes before its start.", field_name="until")


class AuditArgs(AuditFilterArgs):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    after = fields.String(load_default=None, validate=validate.Length(max=500),
                          metadata={"description": "the previous page's next_cursor"})


class AuditEntryOut(Schema):
    event_id = fields.String()
    at = fields.String(metadata={"description": "when it happened: the event's occurred_at (UTC)"})
    area = fields.String(metadata={"description": ", ".join(AREAS)})
    what = fields.String(metadata={"description": "a plain sentence"})
    subject = fields.String(allow_none=True, metadata={"description": "the name of the thing changed"})
    subject_id = fields.String(allow_none=True)
    type = fields.String(metadata={"description": "the event's type"})
    service = fields.String()
    actor_kind = fields.String()
    actor_id = fields.String(allow_none=True)
    actor_name = fields.String(allow_none=True, metadata={"description": "who acted, by name, when known"})


class AuditPageOut(Schema):
    items = fields.List(fields.Nested(AuditEntryOut))
    next_cursor = fields.String(allow_none=True, metadata={"description": "null on the last page"})


class AuditActorOut(Schema):
    id = fields.String()
    kind = fields.String()
    name = fields.String(allow_none=True)


class UnreadOut(Schema):
    unread = fields.Integer(metadata={"description": "feed entries after the caller's marker"})
    last_read_id = fields.Integer(metadata={"description": "the highest activity id the caller has read (0: none)"})


class ReadIn(Schema):
    up_to = fields.Integer(load_default=None, validate=validate.Range(min=1),
                           metadata={"description": "mark read up to this activity id (default: all)"})


class EventTypeOut(Schema):
    type = fields.String()
    service = fields.String()


PreferencesSchema = Schema.from_dict(
    {kind: fields.String(validate=validate.OneOf(MODES)) for kind in ACTIVITY_KINDS},
    name="ActivityMailPreferences")


# -- webhooks ------------------------------------------------------------------------------------
class WebhookIn(Schema):
    url = fields.String(required=True, validate=validate.Length(min=8, max=2000))
    event_types = fields.List(fields.String(validate=validate.Length(max=100)), required=True,
                              validate=validate.Length(min=1, max=100))


class WebhookOut(Schema):
    webhook_id = fields.String()
    url = fields.String()
    event_types = fields.List(fields.String())
    active = fields.Boolean()
    disabled_reason = fields.String(allow_none=True)


class WebhookCreated(WebhookOut):
    secret = fields.String(metadata={"description": "Shown once: sign-check deliveries with it."})


class DeliveryOut(Schema):
    delivery_id = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.String()
    finished_at = fields.String(allow_none=True)
    next_attempt_at = fields.String(allow_none=True, metadata={"description": "the next retry, while pending"})


# -- e-mail --------------------------------------------------------------------------------------
class EmailIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(sorted(KINDS)))
    to = fields.Email(required=True)
    name = fields.String(load_default=None, validate=validate.Length(max=200))
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    idempotency_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    # None: the recipient chose none (the org's default language, else English)
    locale = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[a-z]{2}(-[A-Z]{2})?$"))
    customer_id = fields.String(load_default=None)
    contact_id = fields.String(load_default=None)


STATUSES = ("pending", "sent", "failed", "unconfirmed", "unsubscribed")


class EmailListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class EmailOut(Schema):
    email_id = fields.String()
    kind = fields.String()
    recipient = fields.String()
    recipient_name = fields.String(allow_none=True)
    subject = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.String()
    sent_at = fields.String(allow_none=True)


class EmailDetailOut(EmailOut):
    text = fields.String(allow_none=True, metadata={"description": "null when `redacted`"})
    html = fields.String(allow_none=True, metadata={"description": "null when `redacted`; show it only sandboxed"})
    redacted = fields.Boolean(metadata={"description": "the mail carries a one-time link meant for its "
                                                       "recipient alone (invitation, password reset, verification)"})


class TemplateIn(Schema):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=300))
    text = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    html = fields.String(load_default=None, validate=validate.Length(max=50000))


class DraftIn(Schema):
    subject = fields.String(load_default=None, validate=validate.Length(max=300))
    text = fields.String(load_default=None, validate=validate.Length(max=20000))
    html = fields.String(load_default=None, validate=validate.Length(max=50000))


class TemplateOut(Schema):
    kind = fields.String()
    locale = fields.String()
    subject = fields.String()
    text = fields.String()
    html = fields.String(allow_none=True)
    custom = fields.Boolean()
    placeholders = fields.List(fields.String())


class RenderedOut(Schema):
    subject = fields.String()
    text = fields.String()
    html = fields.String()


# -- unsubscribe links ---------------------------------------------------------------------------
class UnsubscribeOut(Schema):
    org_name = fields.String()
    topic = fields.String(metadata={"description": "invoices, tickets, documents (contacts), activity (staff)"})
    topic_label = fields.String(metadata={"description": "the topic in words: \"replies to your tickets\""})
    recipient_kind = fields.String(metadata={"description": "contact, staff or email"})
    unsubscribed = fields.Boolean()
