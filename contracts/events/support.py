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
    # Added after v1 (optional): who raised it and where it lives, for mails and feeds.
    raised_by = choice("contact", "staff")
    author_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    portal_path = fields.String(validate=validate.Length(min=1, max=300),
                                metadata={"description": "The ticket's page in the portal, e.g. /tickets/<id>."})


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
    # Added after v1 (optional). `seq`: the message's place in the ticket's conversation
    # (1, 2, 3 ...), the order both sides show. Staff-internal notes are never this event:
    # they are TicketNoteAdded.
    seq = fields.Integer(strict=True, validate=validate.Range(min=1))
    author_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    number = fields.String(validate=validate.Length(min=1, max=40))
    subject = fields.String(validate=validate.Length(min=1, max=200))
    excerpt = fields.String(validate=validate.Length(min=1, max=200),
                            metadata={"description": "The start of the body on one line, for a mail's preview."})
    portal_path = fields.String(validate=validate.Length(min=1, max=300))


class TicketStatusChanged(EventSchema):
    """A ticket moved from one status to another."""

    event_type = "TicketStatusChanged"
    aggregate_type = "Ticket"

    ticket_id = Id(required=True)
    customer_id = Id(required=True)
    from_status = choice(*TICKET_STATUSES, required=True)
    to_status = choice(*TICKET_STATUSES, required=True)
    # Added after v1 (optional): why, in a word ("reopened", "customer_replied", "merged" ...).
    reason = fields.String(allow_none=True, validate=validate.Length(max=40))


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
    # Added after v1 (optional): the contact's name, for staff's reviews page.
    contact_name = fields.String(allow_none=True, validate=validate.Length(max=200))


class TicketNoteAdded(EventSchema):
    """A staff-internal note on a ticket. Customers never see it: not in the portal, its API
    or a mail. Internal systems reading the topic do."""

    event_type = "TicketNoteAdded"
    aggregate_type = "Ticket"

    note_id = Id(required=True)
    ticket_id = Id(required=True)
    customer_id = Id(required=True)
    author_id = Id(required=True)
    author_name = fields.String(required=True, allow_none=True, validate=validate.Length(max=200))
    body = fields.String(required=True)


class TicketRead(EventSchema):
    """A contact or a staff member has read a ticket's conversation up to `seq` (a mark that
    only moves forward; one stream per ticket and reader). The other side's open page shows
    "Seen" from it."""

    event_type = "TicketRead"
    aggregate_type = "TicketReadMark"

    ticket_id = Id(required=True)
    customer_id = Id(required=True)
    reader_kind = choice("contact", "staff", required=True)
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class TicketAssigned(EventSchema):
    """A ticket was given to a staff member (`assignee_id` null: unassigned)."""

    event_type = "TicketAssigned"
    aggregate_type = "Ticket"

    ticket_id = Id(required=True)
    customer_id = Id(required=True)
    assignee_id = Id(required=True, allow_none=True)
    assignee_name = fields.String(required=True, allow_none=True, validate=validate.Length(max=200))


class TicketMerged(EventSchema):
    """A duplicate ticket was merged into another of the same customer and closed; its
    conversation stays where it was, and points to `into_ticket_id`."""

    event_type = "TicketMerged"
    aggregate_type = "Ticket"

    ticket_id = Id(required=True)
    customer_id = Id(required=True)
    into_ticket_id = Id(required=True)
    into_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
