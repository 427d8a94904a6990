"""orders's read models, kept in step with its events in the append's transaction: the sales
orders (sales_orders.py) and the shipments with their timelines (shipments.py)."""
from services.orders.projections.sales_orders import SalesOrderList
from services.orders.projections.service_requests import ServiceRequestList
from services.orders.projections.shipments import ShipmentList
from services.orders.projections.projects import ProjectList
from services.orders.projections.timesheets import TimesheetList


def all_projections() -> list:
    return [SalesOrderList(), ShipmentList(), ServiceRequestList(), ProjectList(), TimesheetList()]
