"""The console's credit notes: every note of the org (by status and customer; cursor pages),
issuing one for a customer (a plain amount, optionally against one of its invoices; the
invoice page's "Issue credit note" opens it for that invoice), and each note's page with its
lines, what it was applied to, the refunds made from it and its PDF, where staff apply its
credit to an open invoice of the same customer and currency and record money paid back.

Issuing, applying and refunding move money, so they are for owners and admins, as recording
a payment and refunding one are on the invoice page; agents see the notes. billing decides
every rule with the staff member's own token: its refusal (409, 422) comes back on the field
it names with the page shown again (a 404 for the invoice field too: "no such invoice for this
customer"); another org's note is billing's 404, the 404 page."""
from __future__ import annotations

import hashlib
import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.console.credit_note_forms import ApplyForm, CreditRefundForm, IssueForm, put_problem
from gateway.console.invoices import _customers, _decimal, offer_customers
from gateway.console.lists import cursor_page, next_url
from gateway.web.access import MANAGERS, console
from gateway.web.context import billing, org_id, principal
from gateway.web.files import pdf_answer
from gateway.web.filters import money

bp = Blueprint("console_credit_notes", __name__, url_prefix="/console")

STATUS_LABELS = {"open": _l("Open"), "partially_used": _l("Partly used"), "used": _l("Used")}
OPEN_INVOICES = ("sent", "partially_paid", "overdue")
PAGE_SIZE = 50
INVOICE_CHOICES = 100          # billing's largest page: a customer's newest 100 invoices are offered


def _refused(problem: ServiceProblem) -> bool:
    """A refusal to show on the form; anything else (another org's note, a dead session,
    billing down) is raised and becomes its own page."""
    return problem.status in (400, 409, 422) or (problem.status == 404 and problem.extra.get("field") == "invoice_id")


def _invoices_of(customer_id: str) -> list[dict]:
    """The customer's newest issued invoices (drafts were never sent)."""
    page = billing().staff_invoices(org_id(), {"customer_id": customer_id, "limit": INVOICE_CHOICES})
    return [i for i in page["items"] if i["status"] != "draft"]


def _label(invoice: dict) -> str:
    return _("%(number)s · %(amount)s due", number=invoice["number"],
             amount=money(invoice["amount_due_minor"], invoice["currency"]))


# -- the list --------------------------------------------------------------------------
@bp.get("/credit-notes")
@console()
def credit_notes():
    args = request.args
    filters = {"status": args.get("status") if args.get("status") in STATUS_LABELS else None,
               "customer_id": (args.get("customer_id") or "").strip()[:64] or None}
    page, cursor, messages = cursor_page(lambda query: billing().staff_credit_notes(org_id(), query), filters,
                                         (args.get("cursor") or "")[:1000] or None, PAGE_SIZE)
    wanted = {n["customer_id"] for n in page["items"]} | ({filters["customer_id"]} if filters["customer_id"] else set())
    query = {k: v for k, v in filters.items() if v}
    return render_template("console/credit_notes/credit_notes.html", page=page, filters=filters, query=query,
                           cursor=cursor, next_url=next_url("console_credit_notes.credit_notes", page, query),
                           messages=messages, customers=_customers(wanted), status_labels=STATUS_LABELS)


# -- a new note ------------------------------------------------------------------------
@bp.route("/credit-notes/new", methods=["GET", "POST"])
@console(roles=MANAGERS)
def new_credit_note():
    """Without a customer, the page asks for one first (no script: the invoices offered are
    that customer's); from an invoice's page, customer, invoice and currency come filled in."""
    form = IssueForm()
    chosen = (request.values.get("customer_id") or "").strip()[:64]
    against = (request.values.get("invoice_id") or "").strip()[:64]
    offer_customers(form, chosen)
    invoices = _invoices_of(chosen) if chosen else []
    form.invoice_id.choices = [("", _("None: a credit on the account")),
                               *((i["invoice_id"], _label(i)) for i in invoices)]
    messages: list[str] = []
    status = 200
    if request.method == "POST":
        amount = form.minor(form.code()) if form.validate_on_submit() else None
        if amount:
            try:
                note = billing().issue_credit_note(org_id(), form.body(amount))
            except ServiceProblem as problem:
                if not _refused(problem):
                    raise
                messages, status = put_problem(form, problem), 422
            else:
                flash(_("Credit note %(number)s issued: the customer can see it now.", number=note["number"]), "success")
                return redirect(url_for("console_credit_notes.credit_note", credit_note_id=note["credit_note_id"]))
        else:
            status = 400
    elif chosen:
        form.customer_id.data = chosen
        invoice = next((i for i in invoices if i["invoice_id"] == against), None)
        if invoice:
            form.invoice_id.data, form.currency.data = invoice["invoice_id"], invoice["currency"]
        elif invoices:
            form.currency.data = invoices[0]["currency"]
    return render_template("console/credit_notes/credit_note_new.html", form=form, chosen=chosen,
                           messages=messages), status


# -- one note --------------------------------------------------------------------------
@bp.get("/credit-notes/<credit_note_id>")
@console()
def credit_note(credit_note_id: str):
    return _page(billing().staff_credit_note(org_id(), credit_note_id))


def _open_invoices(note: dict) -> list[dict]:
    """What the note's credit may pay: the customer's invoices in its currency with money due."""
    return [i for i in _invoices_of(note["customer_id"]) if i["status"] in OPEN_INVOICES
            and i["currency"] == note["currency"] and i["amount_due_minor"] > 0]


def _page(note: dict, apply_form: ApplyForm | None = None, refund_form: CreditRefundForm | None = None,
          messages: list[str] | None = None, status: int = 200):
    """The note's page; a refused form is shown again with its words on its fields."""
    may_act = principal().get("role") in MANAGERS and note["remaining_minor"] > 0
    invoices = _open_invoices(note) if may_act else []
    if may_act and invoices:
        if apply_form is None:
            apply_form = ApplyForm(formdata=None)
            first = next((i for i in invoices if i["invoice_id"] == note.get("invoice_id")), invoices[0])
            apply_form.invoice_id.data = first["invoice_id"]
            apply_form.amount.data = _decimal(min(note["remaining_minor"], first["amount_due_minor"]),
                                              note["currency"])
        apply_form.invoice_id.choices = [(i["invoice_id"], _label(i)) for i in invoices]
    else:
        apply_form = None
    if may_act and refund_form is None:
        refund_form = CreditRefundForm(formdata=None)
        refund_form.amount.data = _decimal(note["remaining_minor"], note["currency"])
        refund_form.request.data = secrets.token_urlsafe(16)
    customer = _customers({note["customer_id"]}).get(note["customer_id"])
    return render_template("console/credit_notes/credit_note.html", note=note, customer=customer,
                           apply_form=apply_form, refund_form=refund_form if may_act else None,
                           messages=messages or [], status_labels=STATUS_LABELS), status


@bp.get("/credit-notes/<credit_note_id>/pdf")
@console()
def credit_note_pdf(credit_note_id: str):
    return pdf_answer(*billing().staff_credit_note_pdf(org_id(), credit_note_id))


def _act(note: dict, form, action, done: str, **forms):
    """Send the page's form: on success back to the note (post/redirect/get) with `done`; a
    refusal shows the page again with billing's words at their field."""
    amount = form.minor(note["currency"]) if form.validate_on_submit() else None
    if amount:
        try:
            action(amount)
        except ServiceProblem as problem:
            if not _refused(problem):
                raise
            return _page(note, messages=put_problem(form, problem), status=422, **forms)
        flash(done, "success")
        return redirect(url_for("console_credit_notes.credit_note", credit_note_id=note["credit_note_id"]))
    return _page(note, messages=[_("Please check the form below.")], status=400, **forms)


@bp.post("/credit-notes/<credit_note_id>/apply")
@console(roles=MANAGERS)
def apply(credit_note_id: str):
    note = billing().staff_credit_note(org_id(), credit_note_id)
    form = ApplyForm()
    form.invoice_id.choices = [(i["invoice_id"], _label(i)) for i in _open_invoices(note)]
    return _act(note, form, lambda amount: billing().apply_credit(org_id(), credit_note_id, form.invoice_id.data,
                                                                  amount),
                _("Credit applied: the invoice's amount due is lower now."), apply_form=form)


@bp.post("/credit-notes/<credit_note_id>/refund")
@console(roles=MANAGERS)
def refund(credit_note_id: str):
    note = billing().staff_credit_note(org_id(), credit_note_id)
    form = CreditRefundForm()

    def record(amount: int):
        request_id = hashlib.sha256(f"{credit_note_id}|{form.request.data}|{amount}".encode()).hexdigest()[:40]
        billing().refund_credit(org_id(), credit_note_id, amount, form.reason.data.strip(), request_id)
    return _act(note, form, record, _("Refund recorded."), refund_form=form)
