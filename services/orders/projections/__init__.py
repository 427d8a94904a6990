"""orders's read models, kept in step with its events in the append's transaction: the sales
orders (sales_orders.py) and the shipments with their timelines (shipments.py)."""
from services.orders.projections.sales_orders import SalesOrderList
from services.orders.projections.service_requests import ServiceRequestList
from services.orders.projections.shipments import ShipmentList


def all_projections() -> list:
    return [SalesOrderList(), ShipmentList(), ServiceRequestList()]
