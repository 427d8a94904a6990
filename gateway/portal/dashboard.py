"""The portal's home page: what the customer owes (balance due, overdue amount and count, the
next due date, "Pay all overdue"), the last payments, tickets with a reply not yet read, open
orders, shipments on the way and projects in progress, and a tile per module the contact may
open. Each part comes from its own service and only where the contact may see that module;
a service that cannot answer leaves its part out, and the home page still opens."""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, render_template

from gateway.clients.base import quietly
from gateway.portal import projects
from gateway.portal.bulk_payments import bulk_form_for
from gateway.portal.payments import payment_words
from gateway.portal.tickets import support
from gateway.web.access import nav_modules, portal
from gateway.web.context import billing, customer_id, org_id, orders, principal

bp = Blueprint("portal_dashboard", __name__)

LAST_PAYMENTS = 3


@bp.get("/")
@portal()
def dashboard():
    modules = nav_modules()
    money = _money(modules)
    return render_template("portal/dashboard/dashboard.html", person=principal(), modules=modules, money=money,
                           pay_all=bulk_form_for() if money and money["overdue_by_currency"] else None,
                           may_pay="pay" in (principal().get("permissions") or []),
                           last_payments=_last_payments(modules), unread_tickets=_unread_tickets(modules),
                           orders_summary=_orders_summary(modules), projects_in_progress=projects.in_progress(modules),
                           **payment_words())


def _money(modules: list[str]) -> dict | None:
    """billing's account summary, with the overdue invoices grouped by currency (one "Pay all
    overdue" per currency: a payment is in one currency)."""
    if "invoices" not in modules:
        return None
    summary = quietly(lambda: billing().account_summary(org_id(), customer_id()))
    if summary is None:
        return None
    overdue = sorted(summary.get("overdue_to_pay") or [], key=lambda i: i["currency"])
    summary["overdue_by_currency"] = {currency: list(items) for currency, items in
                                      groupby(overdue, key=lambda i: i["currency"])}
    return summary


def _last_payments(modules: list[str]) -> list[dict] | None:
    if "payments" not in modules:
        return None
    page = quietly(lambda: billing().customer_payments(org_id(), customer_id(), {"limit": LAST_PAYMENTS}))
    return None if page is None else page["items"]


def _unread_tickets(modules: list[str]) -> int | None:
    if "tickets" not in modules:
        return None
    return quietly(lambda: support().unread())


def _orders_summary(modules: list[str]) -> dict | None:
    """Open orders and shipments on the way, where the contact may see sales orders."""
    if "sales_orders" not in modules:
        return None
    summary = quietly(lambda: orders().summary(org_id(), customer_id()))
    if summary is not None and "deliveries" not in modules:
        summary.pop("shipments_on_the_way", None)
    return summary
