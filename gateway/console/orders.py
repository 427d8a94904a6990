"""The console's sales orders: every order of the org (by customer, status, number; cursor
pages), a new order, and each order's page with its lines and shipments, where staff add a
shipment, post a delivery status the carrier reported by phone or mail, move the order forward
and cancel it.

orders decides every rule with the staff member's own token; its refusals (409, 422) come back
as sentences: on the fields when placing an order, as a flash message for the forms on an
order's page, which all answer with a redirect to the order (post/redirect/get)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gateway.clients.base import ServiceProblem
from gateway.console.forms import form_errors
from gateway.console.invoices import _customers, _sentence, offer_customers   # the same choices and words
from gateway.console.lists import cursor_page, next_url
from gateway.console.order_forms import CancelForm, DeliveryForm, OrderForm, OrderStatusForm, ShipmentForm
from gateway.web.access import console
from gateway.web.context import org_id, orders
from gateway.web.orders import DELIVERY_LABELS, ORDER_LABELS

bp = Blueprint("console_orders", __name__, url_prefix="/console")

PAGE_SIZE = 50


def send_form(form, action, done: str) -> None:
    """Send one of a page's small forms and flash what happened, or the service's refusal in
    words (409, 422); a 401 or 404 (another org's order, shipment or project) is raised, so it
    stays a 404 page. The caller answers with a redirect to its page (post/redirect/get)."""
    if not form.validate_on_submit():
        flash(form_errors(form) or _("Please check what you entered."), "error")
        return
    try:
        action(form)
    except ServiceProblem as problem:
        if problem.status in (401, 404):
            raise
        flash(_sentence(problem), "error")
    else:
        flash(done, "success")


def _act(order_id: str, form, action, done: str):
    """Send one of the order page's forms, back to the order."""
    send_form(form, action, done)
    return redirect(url_for("console_orders.sales_order", order_id=order_id))


@bp.get("/sales-orders")
@console()
def sales_orders():
    args = request.args
    filters = {"status": args.get("status") if args.get("status") in ORDER_LABELS else None,
               "customer_id": (args.get("customer_id") or "").strip()[:64] or None,
               "number": (args.get("number") or "").strip()[:40] or None}
    page, cursor, messages = cursor_page(lambda query: orders().staff_orders(org_id(), query), filters,
                                         (args.get("cursor") or "")[:400] or None, PAGE_SIZE)
    customers = _customers({o["customer_id"] for o in page["items"]})
    query = {k: v for k, v in filters.items() if v}
    return render_template("console/orders/orders.html", page=page, filters=filters, query=query, cursor=cursor,
                           next_url=next_url("console_orders.sales_orders", page, query), messages=messages,
                           customers=customers, order_labels=ORDER_LABELS)


@bp.route("/sales-orders/new", methods=["GET", "POST"])
@console()
def new_order():
    form = OrderForm()
    chosen = (request.values.get("customer_id") or "").strip()[:64]
    customers = offer_customers(form, chosen)
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            order = orders().place_order(org_id(), form.body())
        except ServiceProblem as problem:
            if problem.status not in (400, 409, 422):
                raise
            messages, status = form.apply_problem(problem), (problem.status if problem.status in (409, 422) else 400)
        else:
            flash(_("Order %(number)s placed: the customer can see it now.", number=order["number"]), "success")
            return redirect(url_for("console_orders.sales_order", order_id=order["sales_order_id"]))
    elif request.method == "POST":
        messages, status = form.line_messages(), 400
    elif chosen:
        form.customer_id.data = chosen
    return render_template("console/orders/order_new.html", form=form, messages=messages), status


@bp.get("/sales-orders/<order_id>")
@console()
def sales_order(order_id: str):
    order = orders().staff_order(org_id(), order_id)
    customer = _customers({order["customer_id"]}).get(order["customer_id"])
    delivery_forms = {s["shipment_id"]: DeliveryForm(prefix=f"d-{s['shipment_id']}", formdata=None)
                      for s in order["shipments"]}
    return render_template("console/orders/order.html", order=order, customer=customer,
                           shipment_form=ShipmentForm(formdata=None), delivery_forms=delivery_forms,
                           status_form=OrderStatusForm(formdata=None), cancel_form=CancelForm(formdata=None),
                           order_labels=ORDER_LABELS, delivery_labels=DELIVERY_LABELS)


@bp.post("/sales-orders/<order_id>/shipments")
@console()
def add_shipment(order_id: str):
    return _act(order_id, ShipmentForm(), lambda f: orders().add_shipment(org_id(), order_id, f.body()),
                _("Shipment added: the customer can follow it now."))


@bp.post("/sales-orders/<order_id>/shipments/<shipment_id>/status")
@console()
def delivery_status(order_id: str, shipment_id: str):
    def post(form):
        order = orders().staff_order(org_id(), order_id)
        if shipment_id not in {s["shipment_id"] for s in order["shipments"]}:   # not this order's: nothing sent
            raise ServiceProblem(404, _("No such shipment."))
        orders().report_delivery(org_id(), shipment_id, form.body())
    return _act(order_id, DeliveryForm(prefix=f"d-{shipment_id}"), post, _("Delivery status recorded."))


@bp.post("/sales-orders/<order_id>/status")
@console()
def order_status(order_id: str):
    return _act(order_id, OrderStatusForm(), lambda f: orders().change_order(org_id(), order_id, {"status": f.status.data}),
                _("Order status changed."))


@bp.post("/sales-orders/<order_id>/cancel")
@console()
def cancel(order_id: str):
    return _act(order_id, CancelForm(),
                lambda f: orders().cancel_order(org_id(), order_id, (f.reason.data or "").strip() or None),
                _("Order cancelled."))
