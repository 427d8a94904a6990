"""The portal's sales orders and deliveries: the customer's orders (filters by status and date,
search by number, pages by cursor), each order with its lines, amounts, taxes, status and
shipments with their timelines and carrier links, and every shipment of the customer with its
status. Everything comes from orders with the contact's own token, so orders decides what
this customer may see; the gateway checks module and permission first."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.portal.invoices import STATUS_LABELS as INVOICE_LABELS
from gateway.web.access import modules_on, portal
from gateway.web.chat import stream_url
from gateway.web.context import billing, customer_id, org_id, orders
from gateway.web.orders import DELIVERY_LABELS, LIVE_TOPIC, ORDER_LABELS, day_arg

bp = Blueprint("portal_orders", __name__)

PAGE_SIZE = 25
SHOWN_INVOICES = 20         # an order billed in more parts than this lists the first ones
LIST_STATUSES = {"open": _l("Open"), **ORDER_LABELS}
SHIPMENT_FILTERS = {"on_the_way": _l("On the way"), **DELIVERY_LABELS}


def _page(load, filters: dict, cursor: str | None) -> tuple[dict, list[str]]:
    """A page; a stale cursor or dates upside down: the first page, and the reason in words."""
    try:
        return load({**filters, "cursor": cursor, "limit": PAGE_SIZE}), []
    except ServiceProblem as problem:
        if problem.status not in (400, 422):
            raise
        messages = [m for errors in problem.errors.values() for m in errors] or [problem.detail]
        return load({"limit": PAGE_SIZE}), messages


@bp.get("/sales-orders")
@portal(module="sales_orders", permission="view")
def sales_orders():
    args = request.args
    filters = {"status": args.get("status") if args.get("status") in LIST_STATUSES else None,
               "number": (args.get("number") or "").strip()[:40] or None,
               "ordered_from": day_arg(args.get("from")), "ordered_to": day_arg(args.get("to"))}
    cursor = (args.get("cursor") or "")[:400] or None
    page, messages = _page(lambda q: orders().orders(org_id(), customer_id(), q), filters, cursor)
    query = {k: v for k, v in {"status": filters["status"], "number": filters["number"],
                               "from": filters["ordered_from"], "to": filters["ordered_to"]}.items() if v}
    next_url = url_for("portal_orders.sales_orders", cursor=page["next_cursor"], **query) if page.get("next_cursor") else None
    return render_template("portal/orders/orders.html", page=page, filters=filters, query=query, cursor=cursor,
                           next_url=next_url, messages=messages, status_labels=LIST_STATUSES,
                           order_labels=ORDER_LABELS)


@bp.get("/sales-orders/<order_id>")
@portal(module="sales_orders", permission="view")
def sales_order(order_id: str):
    order = orders().order(org_id(), customer_id(), order_id)
    return render_template("portal/orders/order.html", order=order, order_labels=ORDER_LABELS,
                           delivery_labels=DELIVERY_LABELS, live=_live(), invoices=_invoices(order),
                           invoice_labels=INVOICE_LABELS)


def _invoices(order: dict) -> list[dict] | None:
    """The invoices billing raised for the order (orders learnt their ids from InvoiceIssued),
    read from billing with the contact's own token; None when this contact may not open
    invoices, so the page says the order was billed without showing them."""
    if "invoices" not in modules_on():
        return None
    found = []
    for invoice_id in (order.get("invoice_ids") or [])[:SHOWN_INVOICES]:
        try:
            found.append(billing().invoice(org_id(), customer_id(), invoice_id))
        except ServiceProblem as problem:
            if problem.status != 404:            # voided away or never this customer's: left out
                raise
    return found


@bp.get("/deliveries")
@portal(module="deliveries", permission="view")
def deliveries():
    args = request.args
    filters = {"status": args.get("status") if args.get("status") in SHIPMENT_FILTERS else None}
    cursor = (args.get("cursor") or "")[:400] or None
    page, messages = _page(lambda q: orders().shipments(org_id(), customer_id(), q), filters, cursor)
    query = {k: v for k, v in filters.items() if v}
    next_url = url_for("portal_orders.deliveries", cursor=page["next_cursor"], **query) if page.get("next_cursor") else None
    return render_template("portal/orders/deliveries.html", page=page, filters=filters, query=query, cursor=cursor,
                           next_url=next_url, messages=messages, filter_labels=SHIPMENT_FILTERS,
                           may_open_orders="sales_orders" in modules_on(),
                           delivery_labels=DELIVERY_LABELS, live=_live())


def _live() -> dict:
    """What a page that shows shipments needs to follow their status live: a stream with a
    grant for this customer's deliveries (gateway/live), and where to renew it."""
    return {"stream_url": stream_url([LIVE_TOPIC.format(customer_id=customer_id())]),
            "renew_url": url_for("portal_orders.live_deliveries")}


@bp.get("/deliveries/live")
@portal(module="deliveries", permission="view")
def live_deliveries():
    """A fresh stream URL when the grant runs out (static/deliveries.js): the session is
    checked again here, so a signed-out person stops receiving."""
    return jsonify(stream_url=_live()["stream_url"])
