"""The console's invoices: every invoice of the org (drafts too) with filters and cursor
pages; a new invoice (save as draft or issue at once); and each invoice's page with its
lines, totals, payments (with the gateway's reference) and history, and what staff do to
it: issue, change the due date or notes, void, discard a draft, download the PDF, record
money received offline, refund (owners and admins).

billing decides every rule with the staff member's own token; its refusals (409, 422) come
back as sentences: on the form's fields when creating, as a flash message for the one-button
actions, which all answer with a redirect to the invoice (post/redirect/get)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date
from decimal import Decimal

from babel.numbers import get_currency_precision
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.console import invoice_lines
from gateway.console.forms import (EditForm, InvoiceForm, OFFLINE_METHODS, OfflinePaymentForm, RefundForm,
                                   StaffCommentForm, VoidForm, form_errors, readable)
from gateway.web.access import MANAGERS, console
from gateway.web.context import billing, identity, org_id, principal
from gateway.web.files import pdf_answer
from gateway.web.forms import PAY_METHODS
from gateway.web.labels import INVOICE_STATUS
from gateway.web.money import to_minor
from gateway.web.payments import PAYMENT_LABELS, with_reversals
from gateway.web.refusals import flash_refusal

bp = Blueprint("console_invoices", __name__, url_prefix="/console")

STATUS_LABELS = INVOICE_STATUS
EVENT_LABELS = {"issued": _l("Issued"), "updated": _l("Changed"), "voided": _l("Voided"),
                "viewed": _l("Viewed by the customer"), "payment_initiated": _l("Payment started"),
                "payment_pending": _l("Payment processing"), "payment_settled": _l("Payment received"),
                "payment_failed": _l("Payment failed"), "payment_refunded": _l("Refunded (the invoice stays paid)"),
                "payment_reversed": _l("Payment reversed (the invoice is reopened)")}
ACTOR_LABELS = {"staff": _l("staff"), "contact": _l("the customer"), "api_key": _l("an API key"),
                "system": _l("the system")}
METHOD_LABELS = {**PAY_METHODS, "card_declined": _l("Card"), **OFFLINE_METHODS}
PAGE_SIZE = 50
CUSTOMER_CHOICES = 100          # identity's largest page: the select offers the first 100 by name
EDITABLE = ("draft", "sent", "partially_paid", "overdue")
REFUNDABLE = ("settled", "refunded")


# -- helpers ---------------------------------------------------------------------------
def _customers(wanted: set[str] | None = None) -> dict[str, dict]:
    """The org's customers by id (the first page by name), plus any `wanted` one beyond it."""
    found, _next = identity().find_customers(org_id(), None, None, CUSTOMER_CHOICES)
    customers = {c["customer_id"]: c for c in found}
    for customer_id in (wanted or set()) - set(customers):
        try:
            customers[customer_id] = identity().get_customer(org_id(), customer_id)
        except ServiceProblem as problem:
            if problem.status not in (400, 404, 422):
                raise
    return customers


def _sentence(problem: ServiceProblem) -> str:
    """A refusal in words: billing's detail, or its field messages when the detail is only
    "Invalid input: amount_minor."."""
    messages = [readable(m) for errors in problem.errors.values() for m in errors]
    if problem.detail.startswith("Invalid input") and messages:
        return " ".join(dict.fromkeys(messages))
    return problem.detail


def _act(invoice_id: str, action, done) -> Response:
    """Run one action on the invoice: flash what happened (or billing's refusal), back to it.
    Another org's invoice or payment stays a 404 page; a dead session signs in again."""
    try:
        result = action()
    except ServiceProblem as problem:
        if problem.status in (401, 404):
            raise
        flash(_sentence(problem), "error")
    else:
        flash(done(result) if callable(done) else done, "success")
    return redirect(url_for("console_invoices.invoice", invoice_id=invoice_id))


def _saved(invoice: dict) -> str:
    """Whole sentences per case (a translation never joins a name to a fragment)."""
    if invoice.get("number"):
        return _("Invoice %(number)s was saved.", number=invoice["number"])
    return _("The draft was saved.")


def _voided(invoice: dict) -> str:
    if invoice.get("number"):
        return _("Invoice %(number)s is void: nothing is due on it any more.", number=invoice["number"])
    return _("The draft is void: nothing is due on it any more.")


# -- the list --------------------------------------------------------------------------
@bp.get("/invoices")
@console()
def invoices():
    args = request.args
    filters = {"status": args.get("status") if args.get("status") in STATUS_LABELS else None,
               "customer_id": (args.get("customer_id") or "").strip()[:64] or None,
               "number": (args.get("number") or "").strip()[:40] or None}
    cursor = (args.get("cursor") or "")[:1000] or None
    messages: list[str] = []
    try:
        page = billing().staff_invoices(org_id(), {**filters, "cursor": cursor, "limit": PAGE_SIZE})
    except ServiceProblem as problem:             # a page link from before: start again
        if problem.status not in (400, 422):
            raise
        messages, cursor = [_sentence(problem)], None
        page = billing().staff_invoices(org_id(), {**filters, "limit": PAGE_SIZE})
    wanted = {i["customer_id"] for i in page["items"]} | ({filters["customer_id"]} if filters["customer_id"] else set())
    customers = _customers(wanted)
    query = {k: v for k, v in filters.items() if v}
    next_url = url_for("console_invoices.invoices", cursor=page["next_cursor"], **query) if page.get("next_cursor") else None
    return render_template("console/invoices/invoices.html", page=page, filters=filters, query=query, cursor=cursor,
                           next_url=next_url, messages=messages, customers=customers, status_labels=STATUS_LABELS)


def offer_customers(form, chosen: str) -> dict:
    """A new invoice's or order's customer field: the one the page was opened for (or the
    form sent), by name; answers the customers it named."""
    customers = _customers({chosen} if chosen else set())
    form.customer_id.choices = [("", _("Choose a customer")), *((c["customer_id"], c["name"]) for c in
                                                            sorted(customers.values(), key=lambda c: c["name"]))]
    return customers


# -- a new invoice ---------------------------------------------------------------------
@bp.route("/invoices/new", methods=["GET", "POST"])
@console()
def new_invoice():
    form = InvoiceForm()
    chosen = (request.values.get("customer_id") or "").strip()[:64]
    customers = offer_customers(form, chosen)
    messages: list[str] = []
    status = 200
    if request.method == "POST" and invoice_lines.change_rows(form):
        pass                                   # Add a line / Remove: the form again, as typed
    elif form.validate_on_submit():
        issue = request.form.get("intent") == "issue"
        try:
            invoice = billing().create_invoice(org_id(), form.body(issue))
        except ServiceProblem as problem:
            if problem.status not in (400, 409, 422):
                raise
            messages = form.apply_problem(problem)
            status = problem.status if problem.status in (409, 422) else 400
        else:
            flash(_("Invoice %(number)s issued.", number=invoice["number"]) if issue and invoice.get("number")
                  else _("Draft saved. Issue it when it is ready."), "success")
            return redirect(url_for("console_invoices.invoice", invoice_id=invoice["invoice_id"]))
    elif request.method == "POST":
        messages, status = form.line_messages(), 400
    elif chosen:
        form.customer_id.data = chosen
    return render_template("console/invoices/invoice_new.html", form=form, messages=messages,
                           total=invoice_lines.running_total(form) if form.is_submitted() else None), status


# -- one invoice -----------------------------------------------------------------------
@bp.get("/invoices/<invoice_id>")
@console()
def invoice(invoice_id: str):
    found = billing().staff_invoice(org_id(), invoice_id)
    found["timeline"] = with_reversals(found.get("timeline") or [])
    payments = billing().invoice_payments(org_id(), invoice_id)["items"] if found["status"] != "draft" else []
    customer = _customers({found["customer_id"]}).get(found["customer_id"])
    edit_form = EditForm(formdata=None, data={"due_date": _date(found.get("due_date")), "notes": found.get("notes")})
    may_refund = principal().get("role") in MANAGERS          # and record money received
    offline_form = OfflinePaymentForm(formdata=None) if may_refund else None
    if offline_form:
        offline_form.amount.data = _decimal(found["amount_due_minor"], found["currency"])
    refund_forms = {}
    for p in payments:
        left = p["amount_minor"] - (p.get("refunded_minor") or 0)
        if may_refund and p["status"] in REFUNDABLE and left > 0:
            form = RefundForm(prefix=f"r-{p['payment_id']}", formdata=None)
            form.amount.data, form.request.data = _decimal(left, p["currency"]), secrets.token_urlsafe(16)
            refund_forms[p["payment_id"]] = form
    comments = billing().staff_comments(org_id(), invoice_id) if found["status"] != "draft" else []
    payment_link = billing().payment_link(org_id(), invoice_id) if found["status"] != "draft" else None
    return render_template("console/invoices/invoice.html", invoice=found, payments=payments, customer=customer,
                           comments=comments, comment_form=StaffCommentForm(formdata=None), payment_link=payment_link,
                           edit_form=edit_form if found["status"] in EDITABLE else None,
                           void_form=VoidForm(formdata=None), offline_form=offline_form, refund_forms=refund_forms,
                           status_labels=STATUS_LABELS, event_labels=EVENT_LABELS, actor_labels=ACTOR_LABELS,
                           payment_labels=PAYMENT_LABELS, methods=METHOD_LABELS)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _decimal(minor: int, currency: str) -> str:
    """12050 EUR -> "120.50": what an amount field shows (and `to_minor` reads back)."""
    digits = get_currency_precision(currency)
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"


@bp.get("/invoices/<invoice_id>/pdf")
@console()
def invoice_pdf(invoice_id: str):
    return pdf_answer(*billing().staff_invoice_pdf(org_id(), invoice_id))


@bp.post("/invoices/<invoice_id>/issue")
@console()
def issue(invoice_id: str):
    return _act(invoice_id, lambda: billing().issue_invoice(org_id(), invoice_id),
                lambda invoice: _("Invoice %(number)s issued: the customer can see it now.", number=invoice["number"]))


@bp.post("/invoices/<invoice_id>/edit")
@console()
def edit(invoice_id: str):
    form = EditForm()
    if not form.validate():
        flash(form_errors(form), "error")
        return redirect(url_for("console_invoices.invoice", invoice_id=invoice_id))
    changes = {"due_date": form.due_date.data.isoformat() if form.due_date.data else None,
               "notes": (form.notes.data or "").strip() or None}
    return _act(invoice_id, lambda: billing().update_invoice(org_id(), invoice_id, changes),
                _saved)


@bp.post("/invoices/<invoice_id>/void")
@console()
def void(invoice_id: str):
    form = VoidForm()
    if not form.validate():
        flash(form_errors(form), "error")
        return redirect(url_for("console_invoices.invoice", invoice_id=invoice_id))
    reason = (form.reason.data or "").strip() or None
    return _act(invoice_id, lambda: billing().void_invoice(org_id(), invoice_id, reason),
                _voided)


@bp.post("/invoices/<invoice_id>/discard")
@console()
def discard(invoice_id: str):
    try:
        billing().discard_draft(org_id(), invoice_id)
    except ServiceProblem as problem:
        if problem.status in (401, 404):
            raise
        flash(_sentence(problem), "error")
        return redirect(url_for("console_invoices.invoice", invoice_id=invoice_id))
    flash(_("The draft was discarded."), "success")
    return redirect(url_for("console_invoices.invoices"))


@bp.post("/invoices/<invoice_id>/payments")
@console(roles=MANAGERS)
def record_payment(invoice_id: str):
    found = billing().staff_invoice(org_id(), invoice_id)
    form = OfflinePaymentForm()
    amount = to_minor(form.amount.data, found["currency"]) if form.validate() else None
    if not amount:
        flash(form_errors(form) or _("%(label)s: give an amount of %(currency)s above 0.", label=form.amount.label.text,
                                     currency=found["currency"]),
              "error")
        return redirect(url_for("console_invoices.invoice", invoice_id=invoice_id))
    reference = (form.reference.data or "").strip() or None
    return _act(invoice_id, lambda: billing().record_offline_payment(
        org_id(), found["customer_id"], [{"invoice_id": invoice_id, "amount_minor": amount}], form.method.data,
        reference), _("The payment was recorded."))


@bp.post("/invoices/<invoice_id>/payments/<payment_id>/refund")
@console(roles=MANAGERS)
def refund(invoice_id: str, payment_id: str):
    payment = billing().staff_payment(org_id(), payment_id)
    if invoice_id not in {a["invoice_id"] for a in payment.get("allocations") or []}:
        abort(404)                                  # a payment of another invoice: not from this page
    form = RefundForm(prefix=f"r-{payment_id}")
    amount = to_minor(form.amount.data, payment["currency"]) if form.validate() else None
    if not amount:
        flash(form_errors(form) or _("%(label)s: give an amount of %(currency)s above 0.", label=form.amount.label.text,
                                     currency=payment["currency"]),
              "error")
        return redirect(url_for("console_invoices.invoice", invoice_id=invoice_id))
    reason = (form.reason.data or "").strip() or None
    request_id = hashlib.sha256(f"{payment_id}|{form.request.data}|{amount}".encode()).hexdigest()[:40]
    reopen = bool(form.reopen_invoice.data)
    done = (_("The refund was recorded.") if payment.get("gateway") == "offline"
            else _("The refund was sent through the payment gateway."))
    done += " " + (_("The invoice is reopened: the customer owes this amount again.") if reopen
                   else _("The invoice stays paid."))
    return _act(invoice_id, lambda: billing().refund(org_id(), payment_id, amount, reason, request_id, reopen), done)


@bp.post("/invoices/<invoice_id>/comments")
@console()
def comment(invoice_id: str):
    """An internal note by default; shown in the portal (and mailed) only when ticked."""
    form = StaffCommentForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    else:
        try:
            billing().post_staff_comment(org_id(), invoice_id, form.text.data, form.show_in_portal.data)
        except ServiceProblem as problem:
            flash_refusal(problem)
        else:
            flash(_("Comment shown to the customer.") if form.show_in_portal.data else _("Internal note saved."), "success")
    return redirect(url_for("console_invoices.invoice", invoice_id=invoice_id) + "#comments")
