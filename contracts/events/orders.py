"""Events of the orders service: sales orders, shipments, service requests, projects."""
from marshmallow import fields, validate

from contracts.events.base import EventSchema
from contracts.fields import Count, Currency, Id, MinorUnits, choice

ORDER_STATUSES = ("confirmed", "in_progress", "partially_shipped", "shipped", "delivered", "cancelled")
DELIVERY_STATUSES = ("in_transit", "out_for_delivery", "delivered", "failed", "returned")
REQUEST_STATUSES = ("open", "in_progress", "on_hold", "resolved", "cancelled")
PROJECT_STATUSES = ("planned", "active", "on_hold", "completed", "cancelled")
TASK_STATUSES = ("todo", "in_progress", "done", "cancelled")


class SalesOrderPlaced(EventSchema):
    """A sales order exists for the customer; `external_ref` is the ERP's id."""

    event_type = "SalesOrderPlaced"
    aggregate_type = "SalesOrder"

    sales_order_id = Id(required=True)
    customer_id = Id(required=True)
    number = fields.String(required=True, validate=validate.Length(min=1))
    status = choice(*ORDER_STATUSES, required=True)
    currency = Currency(required=True)
    total_minor = MinorUnits(required=True)
    external_ref = fields.String(required=True, allow_none=True)


class SalesOrderUpdated(EventSchema):
    """A sales order after the change; `changed` names the fields that moved."""

    event_type = "SalesOrderUpdated"
    aggregate_type = "SalesOrder"

    sales_order_id = Id(required=True)
    customer_id = Id(required=True)
    changed = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    status = choice(*ORDER_STATUSES, required=True)
    currency = Currency(required=True)
    total_minor = MinorUnits(required=True)


class ShipmentDispatched(EventSchema):
    """Goods left the warehouse; tracking details let the customer follow them."""

    event_type = "ShipmentDispatched"
    aggregate_type = "Shipment"

    shipment_id = Id(required=True)
    sales_order_id = Id(required=True)
    customer_id = Id(required=True)
    carrier = fields.String(required=True, allow_none=True)
    tracking_number = fields.String(required=True, allow_none=True)
    tracking_url = fields.Url(required=True, allow_none=True)
    expected_on = fields.Date(required=True, allow_none=True)


class DeliveryStatusChanged(EventSchema):
    """The carrier reported a new status for a shipment."""

    event_type = "DeliveryStatusChanged"
    aggregate_type = "Shipment"

    shipment_id = Id(required=True)
    sales_order_id = Id(required=True)
    customer_id = Id(required=True)
    status = choice(*DELIVERY_STATUSES, required=True)
    detail = fields.String(required=True, allow_none=True)


class ServiceRequestOpened(EventSchema):
    """A customer asked for a service (a repair, an installation, a visit)."""

    event_type = "ServiceRequestOpened"
    aggregate_type = "ServiceRequest"

    service_request_id = Id(required=True)
    customer_id = Id(required=True)
    contact_id = Id(required=True, allow_none=True)
    title = fields.String(required=True, validate=validate.Length(min=1))
    category = fields.String(required=True, allow_none=True)


class ServiceRequestUpdated(EventSchema):
    """A service request after the change; `changed` names the fields that moved."""

    event_type = "ServiceRequestUpdated"
    aggregate_type = "ServiceRequest"

    service_request_id = Id(required=True)
    customer_id = Id(required=True)
    changed = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    status = choice(*REQUEST_STATUSES, required=True)


class ProjectCreated(EventSchema):
    """A project the customer can follow in the portal."""

    event_type = "ProjectCreated"
    aggregate_type = "Project"

    project_id = Id(required=True)
    customer_id = Id(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1))
    starts_on = fields.Date(required=True, allow_none=True)
    ends_on = fields.Date(required=True, allow_none=True)


class ProjectUpdated(EventSchema):
    """A project after the change; `changed` names the fields that moved."""

    event_type = "ProjectUpdated"
    aggregate_type = "Project"

    project_id = Id(required=True)
    customer_id = Id(required=True)
    changed = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    name = fields.String(required=True)
    status = choice(*PROJECT_STATUSES, required=True)
    ends_on = fields.Date(required=True, allow_none=True)


class TaskUpdated(EventSchema):
    """A task of a project was created or changed (tasks live inside the project aggregate)."""

    event_type = "TaskUpdated"
    aggregate_type = "Project"

    task_id = Id(required=True)
    project_id = Id(required=True)
    customer_id = Id(required=True)
    title = fields.String(required=True)
    status = choice(*TASK_STATUSES, required=True)
    due_on = fields.Date(required=True, allow_none=True)


class MilestoneReached(EventSchema):
    """A project milestone was reached (often a billing trigger for the ERP)."""

    event_type = "MilestoneReached"
    aggregate_type = "Project"

    milestone_id = Id(required=True)
    project_id = Id(required=True)
    customer_id = Id(required=True)
    name = fields.String(required=True)
    reached_on = fields.Date(required=True)


class TimesheetLogged(EventSchema):
    """Time was booked on a project; `minutes` is whole minutes, `billable` for invoicing."""

    event_type = "TimesheetLogged"
    aggregate_type = "Project"

    entry_id = Id(required=True)
    project_id = Id(required=True)
    customer_id = Id(required=True)
    task_id = Id(required=True, allow_none=True)
    staff_id = Id(required=True)
    work_date = fields.Date(required=True)
    minutes = Count(minimum=1, required=True)
    billable = fields.Boolean(required=True)
    description = fields.String(required=True, allow_none=True)
