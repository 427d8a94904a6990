"""A payment-link payer's receipt, from the link in their receipt mail (/receipts/<payment id>):
nobody is signed in and no link token travels in an event, so the mail names the payment and
the page asks for the address the payer typed when paying; billing gives the receipt PDF only
for that payment and that address, and one "not found" for anything else. POSTs are rate
limited per client like the payment link's own."""
from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Length, Regexp

from gateway.clients.base import ServiceProblem, ServiceUnavailable
from gateway.web.access import public
from gateway.web.context import billing, org_id
from gateway.web.security import rate_limited

bp = Blueprint("public_receipts", __name__)
NOT_FOUND = _l("We found no receipt for this payment and address. Type the address you gave when you paid, "
                "or ask the company for your receipt.")


class ReceiptForm(FlaskForm):
    email = EmailField(_l("The e-mail address you gave when you paid"), validators=[
        DataRequired(_l("Type the address you gave when you paid.")), Length(max=254),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Give an address like name@example.com."))], render_kw={"autocomplete": "email"})


@bp.route("/receipts/<payment_id>", methods=["GET", "POST"])
@rate_limited("pay_link")
@public
def receipt(payment_id: str):
    form = ReceiptForm()
    message = None
    if form.validate_on_submit():
        try:
            pdf, disposition = billing().payer_receipt_pdf(org_id(), payment_id[:64], form.email.data.strip())
        except ServiceProblem as problem:
            if problem.status not in (400, 404, 422):
                raise
            message = NOT_FOUND
        else:
            if not pdf.startswith(b"%PDF-"):
                raise ServiceUnavailable("billing answered something that is not a PDF")
            return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": disposition})
    status = 404 if message else 422 if form.errors else 200
    return render_template("public/receipts/receipt.html", form=form, message=message), status
