"""Events of the notifications service: e-mails and outbound webhook deliveries.

Bodies are not published (they may hold links with tokens), nor webhook URLs (they often
embed a secret); the ids are enough to look a message up.
"""
from marshmallow import fields, validate

from contracts.events.base import EventSchema
from contracts.fields import Count, Id


class EmailSent(EventSchema):
    """The mail server accepted an e-mail; `template` names what it was (e.g. "invoice_issued")."""

    event_type = "EmailSent"
    aggregate_type = "Email"

    email_id = Id(required=True)
    template = fields.String(required=True, validate=validate.Length(min=1))
    recipient = fields.Email(required=True)
    customer_id = Id(required=True, allow_none=True)
    contact_id = Id(required=True, allow_none=True)
    provider_message_id = fields.String(required=True, allow_none=True)


class EmailFailed(EventSchema):
    """An e-mail could not be sent; `permanent` means no more retries will happen."""

    event_type = "EmailFailed"
    aggregate_type = "Email"

    email_id = Id(required=True)
    template = fields.String(required=True, validate=validate.Length(min=1))
    recipient = fields.Email(required=True)
    customer_id = Id(required=True, allow_none=True)
    contact_id = Id(required=True, allow_none=True)
    reason = fields.String(required=True)
    attempts = Count(minimum=1, required=True)
    permanent = fields.Boolean(required=True)


class WebhookDelivered(EventSchema):
    """An event was delivered to an internal system's webhook (2xx answer)."""

    event_type = "WebhookDelivered"
    aggregate_type = "WebhookDelivery"

    delivery_id = Id(required=True)
    webhook_id = Id(required=True)
    delivered_event_id = fields.UUID(required=True)
    delivered_event_type = fields.String(required=True)
    status_code = fields.Integer(required=True, strict=True, validate=validate.Range(min=100, max=599))
    attempts = Count(minimum=1, required=True)
    duration_ms = Count(required=True)


class WebhookFailed(EventSchema):
    """A delivery was given up after its last retry; the internal system never said 2xx."""

    event_type = "WebhookFailed"
    aggregate_type = "WebhookDelivery"

    delivery_id = Id(required=True)
    webhook_id = Id(required=True)
    delivered_event_id = fields.UUID(required=True)
    delivered_event_type = fields.String(required=True)
    status_code = fields.Integer(required=True, strict=True, allow_none=True,
                                 validate=validate.Range(min=100, max=599))
    attempts = Count(minimum=1, required=True)
    error = fields.String(required=True, validate=validate.Length(max=500))


class WebhookRegistered(EventSchema):
    """Staff subscribed an internal system's URL to event types. Only the URL's host is
    published: the URL may embed a secret, and the signing secret stays private."""

    event_type = "WebhookRegistered"
    aggregate_type = "Webhook"

    webhook_id = Id(required=True)
    host = fields.String(required=True, validate=validate.Length(min=1, max=253))
    event_types = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


class WebhookDisabled(EventSchema):
    """A webhook stopped receiving deliveries: by staff, or after repeated failures."""

    event_type = "WebhookDisabled"
    aggregate_type = "Webhook"

    webhook_id = Id(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class WebhookEnabled(EventSchema):
    """Staff switched a disabled webhook back on; deliveries resume."""

    event_type = "WebhookEnabled"
    aggregate_type = "Webhook"

    webhook_id = Id(required=True)


class WebhookDeleted(EventSchema):
    """Staff removed a webhook: nothing more is delivered to it; its delivery log stays."""

    event_type = "WebhookDeleted"
    aggregate_type = "Webhook"

    webhook_id = Id(required=True)


class EmailTemplateChanged(EventSchema):
    """Staff changed an org's e-mail template for one kind of mail and language."""

    event_type = "EmailTemplateChanged"
    aggregate_type = "EmailTemplate"

    kind = fields.String(required=True, validate=validate.Length(min=1, max=60))
    locale = fields.String(required=True, validate=validate.Regexp(r"^[a-z]{2}(-[A-Z]{2})?$"))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=300))
    text = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    html = fields.String(required=True, allow_none=True, validate=validate.Length(max=50000))


class EmailTemplateReset(EventSchema):
    """Staff went back to the default template for one kind of mail and language."""

    event_type = "EmailTemplateReset"
    aggregate_type = "EmailTemplate"

    kind = fields.String(required=True, validate=validate.Length(min=1, max=60))
    locale = fields.String(required=True, validate=validate.Regexp(r"^[a-z]{2}(-[A-Z]{2})?$"))
