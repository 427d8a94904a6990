"""support's request and answer bodies (services/support/API.md)."""
from marshmallow import Schema, fields, validate

from services.support.domain.ticket import PRIORITIES, STAFF_SETS, STATUSES

BODY_LIMIT = 20_000          # the body's own bound; the rule (1-10,000 after trimming) is the domain's


class TicketIn(Schema):
    subject = fields.String(required=True, validate=validate.Length(max=1000))
    description = fields.String(required=True, validate=validate.Length(max=BODY_LIMIT))
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    category = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class StaffTicketIn(TicketIn):
    customer_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    contact_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200),
                               metadata={"description": "The contact it is for (they see it in the portal)."})


class MessageIn(Schema):
    body = fields.String(required=True, validate=validate.Length(max=BODY_LIMIT),
                         metadata={"description": "Plain text, 1 to 10,000 characters."})


class StatusIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STAFF_SETS))


class CloseIn(Schema):
    resolution = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class AssignIn(Schema):
    assignee_id = fields.String(required=True, allow_none=True, validate=validate.Length(min=1, max=200))
    assignee_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class MergeIn(Schema):
    into_ticket_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class SeenIn(Schema):
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class ListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf((*STATUSES, "active")))
    priority = fields.String(load_default=None, validate=validate.OneOf(PRIORITIES))
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    cursor = fields.String(load_default=None, validate=validate.Length(max=400))
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class StaffListArgs(ListArgs):
    customer_id = fields.String(load_default=None, validate=validate.Length(max=64))
    assignee_id = fields.String(load_default=None, validate=validate.Length(max=200),
                                metadata={"description": "A staff id, or `none` for unassigned."})


class SinceArgs(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0),
                           metadata={"description": "The last `seq` the caller has."})


class MessageOut(Schema):
    message_id = fields.String()
    seq = fields.Integer()
    author_kind = fields.String()
    author_name = fields.String(allow_none=True)
    body = fields.String(metadata={"description": "Plain text: show it escaped."})
    posted_at = fields.String()
    mine = fields.Boolean()


class StaffMessageOut(MessageOut):
    author_id = fields.String()


class TicketOut(Schema):
    ticket_id = fields.String()
    customer_id = fields.String()
    number = fields.String()
    subject = fields.String()
    category = fields.String(allow_none=True)
    priority = fields.String()
    status = fields.String()
    raised_at = fields.String()
    updated_at = fields.String()
    resolved_at = fields.String(allow_none=True)
    closed_at = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    merged_into = fields.String(allow_none=True)
    merged_into_number = fields.String(allow_none=True)
    raised_by_name = fields.String(allow_none=True)
    assignee_name = fields.String(allow_none=True)
    messages = fields.Integer(metadata={"description": "How many messages the conversation has."})
    read_up_to = fields.Integer(metadata={"description": "The caller's own read mark (a message seq)."})
    has_unread = fields.Boolean()


class StaffTicketOut(TicketOut):
    customer_name = fields.String(allow_none=True)
    contact_id = fields.String(allow_none=True)
    assignee_id = fields.String(allow_none=True)
    raised_by = fields.String()


class TimelineOut(Schema):
    event = fields.String()
    at = fields.String()
    from_status = fields.String()
    to_status = fields.String()
    reason = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    assignee_name = fields.String(allow_none=True)
    into_ticket_id = fields.String()
    into_number = fields.String()
    author_name = fields.String(allow_none=True)


class TicketDetailOut(TicketOut):
    messages_list = fields.List(fields.Nested(MessageOut))
    seen_by_other_side = fields.Integer()
    timeline = fields.List(fields.Nested(TimelineOut))


class NoteOut(Schema):
    note_id = fields.String()
    author_id = fields.String()
    author_name = fields.String(allow_none=True)
    body = fields.String()
    added_at = fields.String()


class StaffTicketDetailOut(StaffTicketOut):
    messages_list = fields.List(fields.Nested(StaffMessageOut))
    seen_by_other_side = fields.Integer()
    timeline = fields.List(fields.Nested(TimelineOut))
    notes = fields.List(fields.Nested(NoteOut))


class TicketPageOut(Schema):
    items = fields.List(fields.Nested(TicketOut))
    next_cursor = fields.String(allow_none=True)


class StaffTicketPageOut(Schema):
    items = fields.List(fields.Nested(StaffTicketOut))
    next_cursor = fields.String(allow_none=True)


class NewMessagesOut(Schema):
    items = fields.List(fields.Nested(MessageOut))
    seen_by_other_side = fields.Integer()
    status = fields.String()


class StaffNewMessagesOut(NewMessagesOut):
    items = fields.List(fields.Nested(StaffMessageOut))


class UnreadOut(Schema):
    tickets = fields.Integer(metadata={"description": "Tickets with a message the caller has not read."})


class ReviewIn(Schema):
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=BODY_LIMIT))


class ReviewOut(Schema):
    review_id = fields.String()
    rating = fields.Integer()
    comment = fields.String(allow_none=True)
    subject_type = fields.String(allow_none=True)
    subject_id = fields.String(allow_none=True)


class ReviewTurnOut(Schema):
    reviewed_at = fields.String(allow_none=True, metadata={"description": "The contact's last review of the service."})
    next_review_at = fields.String(allow_none=True, metadata={"description": "From when it may review again."})


class StaffReviewOut(ReviewOut):
    customer_id = fields.String()
    contact_id = fields.String()
    contact_name = fields.String(allow_none=True)
    submitted_at = fields.String()


class MonthOut(Schema):
    month = fields.String()
    count = fields.Integer()
    average = fields.Float()


class ReviewsOut(Schema):
    items = fields.List(fields.Nested(StaffReviewOut))
    months = fields.List(fields.Nested(MonthOut))
    count = fields.Integer()
    average = fields.Float(allow_none=True)


class CannedIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    body = fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class CannedOut(CannedIn):
    reply_id = fields.String()
