"""Events of the support service: tickets, their messages (live chat), reviews."""
from marshmallow import fields, validate

from contracts.events.base import EventSchema
from contracts.fields import Count, Id, choice

TICKET_STATUSES = ("open", "in_progress", "waiting_on_customer", "resolved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")


class TicketRaised(EventSchema):
    """A ticket was opened, by a contact or by staff on a customer's behalf."""

    event_type = "TicketRaised"
    aggregate_type = "Ticket"

    ticket_id = Id(required=True)
    customer_id = Id(required=True)
    contact_id = Id(required=True, allow_none=True)
    number = fields.String(required=True, validate=validate.Length(min=1))
    subject = fields.String(required=True, validate=validate.Length(min=1))
    priority = choice(*PRIORITIES, required=True)
    category = fields.String(required=True, allow_none=True)


class TicketMessagePosted(EventSchema):
    """A message in a ticket's conversation; `attachments` is how many files came with it."""

    event_type = "TicketMessagePosted"
    aggregate_type = "Ticket"

    message_id = Id(required=True)
    ticket_id = Id(required=True)
    customer_id = Id(required=True)
    author_kind = choice("contact", "staff", required=True)
    author_id = Id(required=True)
    body = fields.String(required=True)
    attachments = Count(required=True)


class TicketStatusChanged(EventSchema):
    """A ticket moved from one status to another."""

    event_type = "TicketStatusChanged"
    aggregate_type = "Ticket"

    ticket_id = Id(required=True)
    customer_id = Id(required=True)
    from_status = choice(*TICKET_STATUSES, required=True)
    to_status = choice(*TICKET_STATUSES, required=True)


class TicketClosed(EventSchema):
    """A ticket is done; a review may follow."""

    event_type = "TicketClosed"
    aggregate_type = "Ticket"

    ticket_id = Id(required=True)
    customer_id = Id(required=True)
    resolution = fields.String(required=True, allow_none=True)


class ReviewSubmitted(EventSchema):
    """A contact rated the service, 1 to 5, optionally about one ticket, request or project."""

    event_type = "ReviewSubmitted"
    aggregate_type = "Review"

    review_id = Id(required=True)
    customer_id = Id(required=True)
    contact_id = Id(required=True)
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(required=True, allow_none=True)
    subject_type = choice("ticket", "service_request", "project", "sales_order", required=True, allow_none=True)
    subject_id = Id(required=True, allow_none=True)
