"""orders's HTTP API: flask-smorest blueprints, one module per area (orders.py, shipments.py),
and schemas.py. bootstrap takes the list from blueprints()."""
from services.chassis import orgs
from services.orders.api import orders, projects, service_requests, shipments, timesheets


def blueprints() -> list:
    return [orgs.blueprint("orders"), orders.blp, shipments.blp, service_requests.blp, projects.blp, timesheets.blp]
