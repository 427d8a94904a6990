"""The portal's home page. Every module has pages of its own, in the module of its name."""
from __future__ import annotations

from flask import Blueprint, render_template

from gateway.clients.base import ServiceProblem, ServiceUnavailable
from gateway.portal import projects
from gateway.web.access import nav_modules, portal
from gateway.web.context import customer_id, org_id, orders, principal

bp = Blueprint("portal_dashboard", __name__)


@bp.get("/")
@portal()
def dashboard():
    modules = nav_modules()
    return render_template("portal/dashboard/dashboard.html", person=principal(), modules=modules,
                           orders_summary=_orders_summary(modules), projects_in_progress=projects.in_progress(modules))


def _orders_summary(modules: list[str]) -> dict | None:
    """Open orders and shipments on the way, where the contact may see sales orders. The home
    page still opens when orders cannot answer: the figures are then left out."""
    if "sales_orders" not in modules:
        return None
    try:
        summary = orders().summary(org_id(), customer_id())
    except (ServiceProblem, ServiceUnavailable):
        return None
    if "deliveries" not in modules:
        summary.pop("shipments_on_the_way", None)
    return summary
