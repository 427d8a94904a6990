"""What orders can be asked to do, as the API builds it from a request: one frozen
dataclass per command, imperative names, one handler each (bootstrap.COMMAND_HANDLERS)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlaceOrder:
    org_id: str
    customer_id: str
    currency: str
    lines: list
    ordered_on: str | None = None           # None: today (UTC)
    number: str | None = None               # None: the org's next SO-000123
    notes: str | None = None
    external_ref: str | None = None         # the ERP's id: placing it again answers the same order


@dataclass(frozen=True)
class ChangeOrder:
    org_id: str
    order_id: str
    changes: dict = field(default_factory=dict)   # lines, notes, ordered_on, status, invoice_id


@dataclass(frozen=True)
class CancelOrder:
    org_id: str
    order_id: str
    reason: str | None = None


@dataclass(frozen=True)
class AddShipment:
    org_id: str
    order_id: str
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    expected_on: str | None = None
    status: str = "dispatched"              # packed | dispatched
    reported_at: str | None = None          # None: now
    completes_order: bool = True
    external_ref: str | None = None


@dataclass(frozen=True)
class ReportDelivery:
    org_id: str
    shipment_id: str
    status: str
    reported_at: str | None = None          # the carrier's time; None: now
    detail: str | None = None
    location: str | None = None
    update_ref: str | None = None           # the carrier's event id: a repeat is applied once


@dataclass(frozen=True)
class MarkInvoiced:
    """billing raised an invoice for an order (from billing's InvoiceIssued, see handlers/invoices.py)."""
    org_id: str
    order_id: str
    invoice_id: str


@dataclass(frozen=True)
class OpenServiceRequest:
    org_id: str
    customer_id: str
    subject: str
    description: str
    priority: str = "normal"
    category: str | None = None
    opened_by_kind: str = "system"          # contact | staff | api_key | system
    opened_by_id: str | None = None
    external_ref: str | None = None         # the ERP's id: opening it again answers the same request


@dataclass(frozen=True)
class ChangeServiceRequest:
    org_id: str
    service_request_id: str
    changes: dict = field(default_factory=dict)   # status, priority, assignee_id + assignee_name


@dataclass(frozen=True)
class PostServiceRequestUpdate:
    org_id: str
    service_request_id: str
    text: str
    author_kind: str                        # contact | staff | api_key | system
    author_name: str | None = None
    customer_id: str | None = None          # a contact's: another customer's request is a 404


# --- projects and timesheets (handlers/projects.py, handlers/timesheets.py) ------------------

@dataclass(frozen=True)
class CreateProject:
    org_id: str
    customer_id: str
    name: str
    status: str | None = None               # None: planned
    starts_on: str | None = None
    ends_on: str | None = None
    description: str | None = None
    milestones: list = field(default_factory=list)   # {name, due_on, reached_on}
    tasks: list = field(default_factory=list)        # {title, status, starts_on, due_on, assignee}
    external_ref: str | None = None         # the ERP's id: creating it again answers the same project


@dataclass(frozen=True)
class ChangeProject:
    org_id: str
    project_id: str
    changes: dict = field(default_factory=dict)      # name, status, starts_on, ends_on, description


@dataclass(frozen=True)
class AddTask:
    org_id: str
    project_id: str
    title: str
    status: str | None = None
    starts_on: str | None = None
    due_on: str | None = None
    assignee: str | None = None
    external_ref: str | None = None


@dataclass(frozen=True)
class ChangeTask:
    org_id: str
    project_id: str
    task_id: str
    changes: dict = field(default_factory=dict)      # title, status, starts_on, due_on, assignee


@dataclass(frozen=True)
class AddMilestone:
    org_id: str
    project_id: str
    name: str
    due_on: str | None = None
    reached_on: str | None = None


@dataclass(frozen=True)
class ChangeMilestone:
    org_id: str
    project_id: str
    milestone_id: str
    changes: dict = field(default_factory=dict)      # name, due_on, reached_on


@dataclass(frozen=True)
class LogTime:
    org_id: str
    project_id: str
    person: str
    work_date: str
    hours: object                           # decimal text or number
    billable: bool = True
    task_id: str | None = None
    note: str | None = None
    external_ref: str | None = None


@dataclass(frozen=True)
class DecideWeek:
    org_id: str
    customer_id: str
    week: str
    approve: bool
    comment: str | None = None
    contact_id: str | None = None
    contact_name: str | None = None
