"""The console's statement of account of one customer: what the customer sees in the
portal (gateway/portal/statement.py), for any staff member, with links to the console's invoices and
the PDF. The customer is read from identity first, so another org's customer id is a 404
before billing is asked anything."""
from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _

from gateway.web.access import console
from gateway.web.context import identity, org_id
from gateway.web.statement import AGEING, KIND_LABELS, load, pdf

bp = Blueprint("console_statement", __name__, url_prefix="/console")


@bp.get("/customers/<customer_id>/statement")
@console()
def statement(customer_id: str):
    customer = identity().get_customer(org_id(), customer_id)
    found, messages, pdf_query = load(customer_id)
    return render_template("console/statement/statement.html", customer=customer, statement=found, messages=messages,
                           kind_labels=KIND_LABELS, ageing=AGEING,
                           form_action=url_for("console_statement.statement", customer_id=customer_id),
                           may_download=True,
                           pdf_url=url_for("console_statement.statement_pdf", customer_id=customer_id, **pdf_query),
                           invoice_endpoint="console_invoices.invoice", credit_note_endpoint=None,
                           balance_hint=_("A positive balance is what the customer owes; a negative one is in "
                                          "the customer's favour."),
                           nothing_yet=_("This customer has no invoices, payments or credit notes yet."))


@bp.get("/customers/<customer_id>/statement.pdf")
@console()
def statement_pdf(customer_id: str):
    identity().get_customer(org_id(), customer_id)
    return pdf(customer_id, lambda **query: url_for("console_statement.statement", customer_id=customer_id, **query))
