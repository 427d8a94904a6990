"""The service requests' request and answer bodies (services/orders/API.md). The bounds here
are the body's own; the rules (a status move, an empty text, a description's length) are the
domain's, which names the field."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.orders.domain.service_request import PRIORITIES, STATUSES

TEXT = 50_000       # the domain's limits are lower and say so in words, naming the field


class RaiseIn(Schema):
    """What a contact gives when raising a request in the portal."""
    subject = fields.String(required=True, validate=validate.Length(max=TEXT))
    description = fields.String(required=True, validate=validate.Length(max=TEXT))
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    category = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TEXT))


class RequestIn(RaiseIn):
    """What staff or the ERP give: for which customer, and the ERP's id."""
    customer_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    external_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                                 metadata={"description": "The ERP's id: pushing it again answers the same request."})


class RequestPatch(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    assignee_id = fields.String(allow_none=True, validate=validate.Length(max=64),
                                metadata={"description": "A staff member's id; null: nobody."})
    assignee_name = fields.String(allow_none=True, validate=validate.Length(max=TEXT),
                                  metadata={"description": "Their display name, which the customer sees."})

    @validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one of status, priority, assignee_id.", "_schema")


class UpdateIn(Schema):
    text = fields.String(required=True, validate=validate.Length(max=TEXT))
    author_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TEXT),
                                metadata={"description": "Staff and API keys: the name the customer sees "
                                                         "(default: the caller's own)."})


class ListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf((*STATUSES, "open")))
    priority = fields.String(load_default=None, validate=validate.OneOf(PRIORITIES))
    cursor = fields.String(load_default=None, validate=validate.Length(max=400))
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class StaffListArgs(ListArgs):
    customer_id = fields.String(load_default=None, validate=validate.Length(max=64))
    assignee_id = fields.String(load_default=None, validate=validate.Length(max=64))


class UpdateOut(Schema):
    update_id = fields.String()
    text = fields.String()
    author_kind = fields.String(metadata={"description": "contact, staff, api_key or system."})
    author_name = fields.String(allow_none=True)
    posted_at = fields.String()


class RequestSummaryOut(Schema):
    service_request_id = fields.String()
    customer_id = fields.String()
    number = fields.String()
    subject = fields.String()
    status = fields.String()
    priority = fields.String()
    category = fields.String(allow_none=True)
    assignee_id = fields.String(allow_none=True)
    assignee_name = fields.String(allow_none=True)
    update_count = fields.Integer()
    external_ref = fields.String(allow_none=True)
    opened_at = fields.String()
    updated_at = fields.String()


class RequestOut(RequestSummaryOut):
    description = fields.String()
    opened_by_kind = fields.String()
    opened_by_id = fields.String(allow_none=True)
    updates = fields.List(fields.Nested(UpdateOut), metadata={"description": "Oldest first."})


class RequestPageOut(Schema):
    items = fields.List(fields.Nested(RequestSummaryOut))
    next_cursor = fields.String(allow_none=True)
