"""The portal's home page, and a "coming soon" page for each module that has no pages yet."""
from __future__ import annotations

from flask import Blueprint, render_template

from gateway.clients.base import ServiceProblem, ServiceUnavailable
from gateway.portal import projects
from gateway.web.access import MODULES, module_path, nav_modules, portal
from gateway.web.context import customer_id, org_id, orders, principal
from gateway.web.labels import MODULE_LABELS

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


def _module_page(module: str):
    def page():
        return render_template("portal/dashboard/coming_soon.html", module=module, label=MODULE_LABELS[module])
    page.__name__ = page.__qualname__ = f"module_{module}"
    return page


# modules with pages of their own (invoices.py, credit_notes.py, tickets.py, reviews.py, orders.py, documents.py,
# service_requests.py, projects.py, timesheets.py)
BUILT = ("invoices", "credit_notes", "tickets", "reviews", "sales_orders", "deliveries", "documents", "quotes",
         "service_requests", "projects", "timesheets")
for _module in (m for m in MODULES if m not in BUILT):
    bp.add_url_rule(module_path(_module), endpoint=_module,
                    view_func=portal(module=_module, permission="view")(_module_page(_module)))
