"""The portal's home page, and a "coming soon" page for each module that has no pages yet."""
from __future__ import annotations

from flask import Blueprint, render_template

from gateway.web.access import MODULES, module_path, nav_modules, portal
from gateway.web.context import principal
from gateway.web.labels import MODULE_LABELS

bp = Blueprint("portal_dashboard", __name__)


@bp.get("/")
@portal()
def dashboard():
    return render_template("portal/dashboard/dashboard.html", person=principal(), modules=nav_modules())


def _module_page(module: str):
    def page():
        return render_template("portal/dashboard/coming_soon.html", module=module, label=MODULE_LABELS[module])
    page.__name__ = page.__qualname__ = f"module_{module}"
    return page


BUILT = ("invoices", "credit_notes", "tickets", "reviews")   # modules with pages of their own (invoices.py,
#                                                             credit_notes.py, tickets.py, reviews.py)
for _module in (m for m in MODULES if m not in BUILT):
    bp.add_url_rule(module_path(_module), endpoint=_module,
                    view_func=portal(module=_module, permission="view")(_module_page(_module)))
