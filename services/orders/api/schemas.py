"""orders's request and answer bodies (services/orders/API.md). The bounds here are the
body's own (a runaway field is refused before it reaches a rule); the rules themselves
(a quantity above 0, a status that moves forward) are the domain's, which names the field."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.orders.domain.sales_order import STATUSES
from services.orders.domain.shipment import FIRST
from services.orders.domain.shipment import STATUSES as DELIVERY_STATUSES

TEXT = 5000


class LineIn(Schema):
    description = fields.String(required=True, validate=validate.Length(max=TEXT))
    sku = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    quantity = fields.Raw(required=True, metadata={"description": "A decimal as text (\"2.5\"), more than 0."})
    unit_price_minor = fields.Integer(required=True, strict=True, validate=validate.Range(min=0),
                                      metadata={"description": "Integer minor units of the currency."})
    tax_rate = fields.Raw(load_default="0", metadata={"description": "Percent, as text (\"19\")."})


class OrderIn(Schema):
    customer_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    currency = fields.String(required=True, validate=validate.Length(equal=3))
    lines = fields.List(fields.Nested(LineIn), required=True, validate=validate.Length(min=1, max=500))
    ordered_on = fields.Date(load_default=None, metadata={"description": "Default: today (UTC)."})
    number = fields.String(load_default=None, validate=validate.Length(max=40),
                           metadata={"description": "Default: the org's next SO-000123."})
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TEXT))
    external_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                                 metadata={"description": "The ERP's id: pushing it again answers the same order."})


class OrderPatch(Schema):
    lines = fields.List(fields.Nested(LineIn), validate=validate.Length(min=1, max=500))
    ordered_on = fields.Date()
    notes = fields.String(allow_none=True, validate=validate.Length(max=TEXT))
    status = fields.String(validate=validate.OneOf([s for s in STATUSES if s != "cancelled"]),
                           metadata={"description": "Moves only forward; cancel with /cancel."})
    invoice_id = fields.String(validate=validate.Length(min=1, max=200),
                               metadata={"description": "billing's invoice, with status invoiced."})

    @validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one of lines, ordered_on, notes, status.", "_schema")


class CancelIn(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ShipmentIn(Schema):
    carrier = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    tracking_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    tracking_url = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    expected_on = fields.Date(load_default=None, allow_none=True)
    status = fields.String(load_default="dispatched", validate=validate.OneOf(FIRST))
    reported_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                       metadata={"description": "When it was packed or handed over; default now."})
    completes_order = fields.Boolean(load_default=True,
                                     metadata={"description": "false: more shipments follow (partially shipped)."})
    external_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class DeliveryIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(DELIVERY_STATUSES))
    reported_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                       metadata={"description": "The carrier's time of the status; default now."})
    detail = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    location = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    update_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                               metadata={"description": "The carrier's event id: a repeat is applied once."})


class ListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf((*STATUSES, "open")))
    number = fields.String(load_default=None, validate=validate.Length(max=40))
    ordered_from = fields.Date(load_default=None)
    ordered_to = fields.Date(load_default=None)
    cursor = fields.String(load_default=None, validate=validate.Length(max=400))
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        if data.get("ordered_from") and data.get("ordered_to") and data["ordered_to"] < data["ordered_from"]:
            raise ValidationError("The end date is before the start date.", "ordered_to")


class StaffListArgs(ListArgs):
    customer_id = fields.String(load_default=None, validate=validate.Length(max=64))


class ShipmentListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf((*DELIVERY_STATUSES, "on_the_way")))
    cursor = fields.String(load_default=None, validate=validate.Length(max=400))
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class LineOut(Schema):
    description = fields.String()
    sku = fields.String(allow_none=True)
    quantity = fields.String()
    unit_price_minor = fields.Integer()
    tax_rate = fields.String()
    subtotal_minor = fields.Integer()
    tax_minor = fields.Integer()
    total_minor = fields.Integer()


class TaxOut(Schema):
    rate = fields.String()
    taxable_minor = fields.Integer()
    tax_minor = fields.Integer()


class StepOut(Schema):
    status = fields.String()
    reported_at = fields.String()
    detail = fields.String(allow_none=True)
    location = fields.String(allow_none=True)


class ShipmentOut(Schema):
    shipment_id = fields.String()
    sales_order_id = fields.String()
    customer_id = fields.String()
    order_number = fields.String()
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    tracking_url = fields.String(allow_none=True)
    expected_on = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "The current status (see API.md on late reports)."})
    status_at = fields.String()
    timeline = fields.List(fields.Nested(StepOut), metadata={"description": "By the carrier's time, oldest first."})
    external_ref = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()


class OrderSummaryOut(Schema):
    sales_order_id = fields.String()
    customer_id = fields.String()
    number = fields.String()
    status = fields.String()
    currency = fields.String()
    subtotal_minor = fields.Integer()
    tax_minor = fields.Integer()
    total_minor = fields.Integer()
    ordered_on = fields.String()
    external_ref = fields.String(allow_none=True)
    placed_at = fields.String()
    updated_at = fields.String()


class OrderOut(OrderSummaryOut):
    lines = fields.List(fields.Nested(LineOut))
    taxes = fields.List(fields.Nested(TaxOut))
    notes = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    invoice_ids = fields.List(fields.String())
    shipments = fields.List(fields.Nested(ShipmentOut))


class OrderPageOut(Schema):
    items = fields.List(fields.Nested(OrderSummaryOut))
    next_cursor = fields.String(allow_none=True)


class ShipmentPageOut(Schema):
    items = fields.List(fields.Nested(ShipmentOut))
    next_cursor = fields.String(allow_none=True)


class SummaryOut(Schema):
    open_orders = fields.Integer()
    shipments_on_the_way = fields.Integer()
