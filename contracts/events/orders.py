"""Events of the orders service: sales orders, shipments, service requests, projects."""
from marshmallow import fields, validate

from contracts.events.base import EventSchema, StrictSchema
from contracts.fields import Count, Currency, Id, MinorUnits, UtcDateTime, choice

ORDER_STATUSES = ("confirmed", "partially_shipped", "shipped", "invoiced", "closed", "cancelled")
DELIVERY_STATUSES = ("packed", "dispatched", "in_transit", "out_for_delivery", "delivered", "exception")
REQUEST_STATUSES = ("open", "in_progress", "on_hold", "resolved", "cancelled")
PROJECT_STATUSES = ("planned", "active", "on_hold", "completed", "cancelled")
TASK_STATUSES = ("todo", "in_progress", "done", "cancelled")
DECIMAL_TEXT = r"^[0-9]{1,10}([.][0-9]{1,4})?$"
ISO_WEEK = r"^[0-9]{4}-W[0-9]{2}$"

# Sales orders and shipments are at v2: v1 (kept under schemas/ as history) was drafted
# before the orders service produced anything and was never published; v2 carries the
# order's lines and amounts, the statuses the portal shows, and the carrier's own time of
# each delivery update, which is what orders the timeline.


def decimal_text(**kwargs) -> fields.String:
    """A non-negative decimal written as text ("2.5", "19"): a JSON number could be read as a float."""
    return fields.String(validate=validate.Regexp(DECIMAL_TEXT, error="Must be a decimal written as text."),
                         **kwargs)


class OrderLine(StrictSchema):
    """One line of a sales order: subtotal = quantity x unit price and tax = subtotal x
    tax_rate / 100, each rounded half away from zero to a minor unit; total = subtotal + tax."""

    description = fields.String(required=True, validate=validate.Length(min=1, max=500))
    sku = fields.String(required=True, allow_none=True, validate=validate.Length(max=100))
    quantity = decimal_text(required=True)
    unit_price_minor = MinorUnits(required=True)
    tax_rate = decimal_text(required=True, metadata={"description": "Percent."})
    subtotal_minor = MinorUnits(required=True)
    tax_minor = MinorUnits(required=True)
    total_minor = MinorUnits(required=True)


class SalesOrderContent(EventSchema):
    """What SalesOrderPlaced and SalesOrderUpdated both carry: the order as it now stands."""

    sales_order_id = Id(required=True)
    customer_id = Id(required=True)
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    status = choice(*ORDER_STATUSES, required=True)
    currency = Currency(required=True)
    lines = fields.List(fields.Nested(OrderLine), required=True, validate=validate.Length(min=1))
    subtotal_minor = MinorUnits(required=True)
    tax_minor = MinorUnits(required=True)
    total_minor = MinorUnits(required=True)
    ordered_on = fields.Date(required=True)
    notes = fields.String(required=True, allow_none=True)
    external_ref = fields.String(required=True, allow_none=True)


class SalesOrderPlaced(SalesOrderContent):
    """A confirmed sales order exists for the customer; `external_ref` is the ERP's id."""

    event_type = "SalesOrderPlaced"
    schema_version = 2
    aggregate_type = "SalesOrder"


class SalesOrderUpdated(SalesOrderContent):
    """A sales order after a change; `changed` names what moved. A status only moves
    forward (confirmed, partially_shipped, shipped, invoiced, closed); `invoice_id` is
    billing's invoice when the change is "invoiced"."""

    event_type = "SalesOrderUpdated"
    schema_version = 2
    aggregate_type = "SalesOrder"

    changed = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    from_status = choice(*ORDER_STATUSES, required=True)
    invoice_id = Id(required=True, allow_none=True)


class SalesOrderCancelled(EventSchema):
    """A sales order will not be delivered (only before it has fully shipped)."""

    event_type = "SalesOrderCancelled"
    aggregate_type = "SalesOrder"

    sales_order_id = Id(required=True)
    customer_id = Id(required=True)
    number = fields.String(required=True)
    reason = fields.String(required=True, allow_none=True)


class ShipmentDispatched(EventSchema):
    """A shipment of a sales order was handed to a carrier (or packed for it): the first event
    of the shipment's stream, with what lets the customer follow it. `status` is its first
    status (packed or dispatched), `reported_at` when the warehouse or carrier says it was."""

    event_type = "ShipmentDispatched"
    schema_version = 2
    aggregate_type = "Shipment"

    shipment_id = Id(required=True)
    sales_order_id = Id(required=True)
    customer_id = Id(required=True)
    order_number = fields.String(required=True)
    carrier = fields.String(required=True, allow_none=True)
    tracking_number = fields.String(required=True, allow_none=True)
    tracking_url = fields.Url(required=True, allow_none=True, schemes={"https", "http"})
    expected_on = fields.Date(required=True, allow_none=True)
    status = choice("packed", "dispatched", required=True)
    reported_at = UtcDateTime(required=True)
    external_ref = fields.String(required=True, allow_none=True)


class DeliveryStatusChanged(EventSchema):
    """A carrier reported a status for a shipment. Reports may arrive late and out of order:
    `reported_at` is the carrier's time of the status (the timeline is ordered by it) and
    `current_status` the shipment's status after this report (the latest by the carrier's
    time; a later stage is never undone by an earlier one that arrives late)."""

    event_type = "DeliveryStatusChanged"
    schema_version = 2
    aggregate_type = "Shipment"

    shipment_id = Id(required=True)
    sales_order_id = Id(required=True)
    customer_id = Id(required=True)
    status = choice(*DELIVERY_STATUSES, required=True)
    reported_at = UtcDateTime(required=True)
    current_status = choice(*DELIVERY_STATUSES, required=True)
    detail = fields.String(required=True, allow_none=True)
    location = fields.String(required=True, allow_none=True)
    update_ref = fields.String(required=True, allow_none=True)


# Service requests are at v2: v1 (kept under schemas/ as history) was drafted before orders
# produced any and was never published; v2 carries the number, the conversation's updates,
# priority and assignee, and the statuses the portal shows (services/orders/API.md).
SERVICE_REQUEST_STATUSES = ("new", "in_progress", "waiting_on_customer", "resolved", "closed")
SERVICE_REQUEST_PRIORITIES = ("low", "normal", "high", "urgent")
AUTHOR_KINDS = ("contact", "staff", "api_key", "system")


class ServiceRequestOpened(EventSchema):
    """A customer asked for a service (a repair, an installation, a visit), in the portal, or
    staff or the ERP raised one for them; `external_ref` is the ERP's id. It starts `new`."""

    event_type = "ServiceRequestOpened"
    schema_version = 2
    aggregate_type = "ServiceRequest"

    service_request_id = Id(required=True)
    customer_id = Id(required=True)
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1))
    status = choice("new", required=True)
    priority = choice(*SERVICE_REQUEST_PRIORITIES, required=True)
    category = fields.String(required=True, allow_none=True)
    opened_by_kind = choice(*AUTHOR_KINDS, required=True)
    opened_by_id = Id(required=True, allow_none=True)
    external_ref = fields.String(required=True, allow_none=True)


class ServiceRequestUpdated(EventSchema):
    """A service request after a change; `changed` names what moved: status, priority,
    assignee, update (a message of the conversation: `update_id`, `text`, `author_kind`,
    `author_name`, all null when the change is not one)."""

    event_type = "ServiceRequestUpdated"
    schema_version = 2
    aggregate_type = "ServiceRequest"

    service_request_id = Id(required=True)
    customer_id = Id(required=True)
    number = fields.String(required=True)
    changed = fields.List(choice("status", "priority", "assignee", "update"), required=True,
                          validate=validate.Length(min=1))
    status = choice(*SERVICE_REQUEST_STATUSES, required=True)
    from_status = choice(*SERVICE_REQUEST_STATUSES, required=True)
    priority = choice(*SERVICE_REQUEST_PRIORITIES, required=True)
    assignee_id = Id(required=True, allow_none=True)
    assignee_name = fields.String(required=True, allow_none=True)
    update_id = Id(required=True, allow_none=True)
    text = fields.String(required=True, allow_none=True)
    author_kind = choice(*AUTHOR_KINDS, required=True, allow_none=True)
    author_name = fields.String(required=True, allow_none=True)


class Milestone(StrictSchema):
    """A milestone of a project: reached_on is null until it is reached."""

    milestone_id = Id(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    due_on = fields.Date(required=True, allow_none=True)
    reached_on = fields.Date(required=True, allow_none=True)


class ProjectContent(EventSchema):
    """What a project is after the event (v2: v1 was drafted before orders produced any project
    and was never published; v2 carries the status, dates, milestones and the ERP's id)."""

    project_id = Id(required=True)
    customer_id = Id(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    status = choice(*PROJECT_STATUSES, required=True)
    starts_on = fields.Date(required=True, allow_none=True)
    ends_on = fields.Date(required=True, allow_none=True)
    description = fields.String(required=True, allow_none=True)
    milestones = fields.List(fields.Nested(Milestone), required=True)
    external_ref = fields.String(required=True, allow_none=True)


class ProjectCreated(ProjectContent):
    """A project the customer can follow in the portal."""

    event_type = "ProjectCreated"
    schema_version = 2
    aggregate_type = "Project"


class ProjectUpdated(ProjectContent):
    """A project after the change; `changed` names the fields that moved (name, status,
    starts_on, ends_on, description, milestones)."""

    event_type = "ProjectUpdated"
    schema_version = 2
    aggregate_type = "Project"

    changed = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


class TaskUpdated(EventSchema):
    """A task of a project after it was created or changed (tasks live inside the project
    aggregate); `created` tells the first. `assignee` is a display name, never an id."""

    event_type = "TaskUpdated"
    schema_version = 2
    aggregate_type = "Project"

    task_id = Id(required=True)
    project_id = Id(required=True)
    customer_id = Id(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    status = choice(*TASK_STATUSES, required=True)
    starts_on = fields.Date(required=True, allow_none=True)
    due_on = fields.Date(required=True, allow_none=True)
    assignee = fields.String(required=True, allow_none=True)
    position = Count(required=True)
    created = fields.Boolean(required=True)
    external_ref = fields.String(required=True, allow_none=True)


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
    """Time was booked on a customer's project (v2: the stream is the customer's ISO week, the
    person is a display name, and the entry keeps the ERP's id). `minutes` is whole minutes."""

    event_type = "TimesheetLogged"
    schema_version = 2
    aggregate_type = "TimesheetWeek"

    entry_id = Id(required=True)
    project_id = Id(required=True)
    customer_id = Id(required=True)
    task_id = Id(required=True, allow_none=True)
    person = fields.String(required=True, validate=validate.Length(min=1, max=200))
    work_date = fields.Date(required=True)
    week = fields.String(required=True, validate=validate.Regexp(ISO_WEEK), metadata={"description": "ISO week, 2026-W48."})
    minutes = Count(minimum=1, required=True)
    billable = fields.Boolean(required=True)
    note = fields.String(required=True, allow_none=True)
    external_ref = fields.String(required=True, allow_none=True)


class TimesheetWeekDecided(EventSchema):
    """The customer's decision on a week's billable hours, as they were when deciding."""

    aggregate_type = "TimesheetWeek"

    customer_id = Id(required=True)
    week = fields.String(required=True, validate=validate.Regexp(ISO_WEEK))
    billable_minutes = Count(required=True)
    entries = Count(required=True, metadata={"description": "How many entries the week held."})
    comment = fields.String(required=True, allow_none=True)
    contact_id = Id(required=True, allow_none=True)
    contact_name = fields.String(required=True, allow_none=True)


class TimesheetWeekApproved(TimesheetWeekDecided):
    """The customer approved a week's billable hours."""

    event_type = "TimesheetWeekApproved"


class TimesheetWeekDisputed(TimesheetWeekDecided):
    """The customer disputed a week's billable hours; `comment` says why."""

    event_type = "TimesheetWeekDisputed"
