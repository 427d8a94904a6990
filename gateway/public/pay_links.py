"""Paying through a payment link, without signing in: /pay/<token> on the org's own host.

The page is public (`@public`, like the sign-in and sign-up pages) and branded like every
page of the org (base.html). It shows the one invoice behind the token in brief (number,
amount due, due date, status: never another invoice, never contact data) and a Pay form
(CSRF, the portal's methods). Paying goes through billing's link routes, so the portal's
duplicate-payment guard and gateways apply as they are: an invoice with a payment in flight
shows the guard's sentence instead of the form. Then the payment's status page updates live
(htmx polls a public fragment keyed by the token and the payment id, as the portal's does).

A token that is unknown, expired or replaced by a newer link is one readable 404 page: it
never says which. POSTs are rate-limited per client IP (GATEWAY_RATELIMIT_PAY_LINK). The
links work whether or not the org's portal is open: paying an invoice needs no account.

Once the invoice is paid the page says so, with when and how much was received through the
link, and offers each such payment's receipt (/pay/<token>/payments/<id>/receipt.pdf:
billing answers it only for a payment made through this very link). The receipt mail to a
link payer points here (the payer may have no account).

Once a payment settles, where the org allows self sign-up, the page offers "Create a portal
account": a plain link to /signup, prefilled with nothing. That is safe because sign-up
keeps its own checks: the address is proven by mail before anything exists, and a sign-up
makes a new customer, never joining the invoice's customer (services/identity/handlers/signup.py),
so holding a payment link gives no way into anyone's account.
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from gateway.clients.base import ServiceProblem, ServiceUnavailable
from gateway.web.access import public
from gateway.web.context import MAX_TOKEN_LENGTH, billing, current_session, org_id, settings
from gateway.web.forms import PAY_METHODS
from gateway.web.labels import CUSTOMER_INVOICE_LABELS
from gateway.web.payments import IN_PROGRESS, PAYMENT_LABELS, STATUS_TEXT, start_payment
from gateway.web.security import rate_limited

bp = Blueprint("public_pay_links", __name__)
STATUS_LABELS = CUSTOMER_INVOICE_LABELS


class PayByLinkForm(FlaskForm):
    """The public Pay form on /pay/<token> (CSRF, the portal's methods). The console's link
    buttons are one-button forms (macros.button_form) with the CSRF token alone."""
    method = RadioField(_l("How would you like to pay?"), choices=[SelectChoice(k, v) for k, v in PAY_METHODS.items()],
                        default="card", validators=[DataRequired(_l("Choose how to pay."))])
    email = EmailField(_l("Your e-mail for the receipt (optional)"),
                       validators=[Optional(), Length(max=254),
                                   Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                          message=_l("Give an address like name@example.com."))],
                       render_kw={"autocomplete": "email"})
    name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=200)],
                       render_kw={"autocomplete": "name"})


@bp.post("/pay/<token>/payments/<payment_id>/cancel")
@rate_limited("pay_link")
@public
def cancel(token: str, payment_id: str):
    """The payer confirms the cancel (Stripe's cancel URL only shows the question: a GET that
    anyone holding the link could send must not stop a payment). Billing fails the payment
    at once (closing the checkout first), so paying again another way is not refused while
    it runs out; one the gateway says was paid a moment before stands."""
    if len(token) > MAX_TOKEN_LENGTH:
        return _invalid()
    back = url_for("public_pay_links.link", token=token)
    try:
        found = billing().cancel_link_payment(org_id(), token, payment_id[:64])
    except ServiceProblem as problem:
        if problem.status not in (400, 404, 422):
            raise
        return redirect(back)
    if found.get("status") in ("settled", "pending"):
        flash(_("Your payment went through before it could be cancelled."), "success")
        return redirect(url_for("public_pay_links.payment", token=token, payment_id=payment_id[:64]))
    flash(_("Payment cancelled. Nothing was charged; you can pay again."), "success")
    return redirect(back)


def _invalid():
    return render_template("public/pay_links/link_invalid.html"), 404


def _gone(problem: ServiceProblem) -> bool:
    return problem.status == 404


@bp.get("/pay/<token>")
@public
def link(token: str):
    if len(token) > MAX_TOKEN_LENGTH:
        return _invalid()
    try:
        found = billing().link_summary(org_id(), token)
    except ServiceProblem as problem:
        if _gone(problem):
            return _invalid()
        raise
    if request.args.get("checkout") == "cancel" and request.args.get("payment"):   # Stripe's cancel URL
        payment_id = request.args["payment"][:64]
        return render_template("parts/cancel_payment.html", hidden={},
                               action=url_for("public_pay_links.cancel", token=token, payment_id=payment_id),
                               back=url_for("public_pay_links.link", token=token))
    form = PayByLinkForm(formdata=None)
    return render_template("public/pay_links/link.html", summary=found, invoice=found["invoice"], form=form, token=token,
                           status_labels=STATUS_LABELS)


@bp.post("/pay/<token>")
@rate_limited("pay_link")
@public
def pay(token: str):
    if len(token) > MAX_TOKEN_LENGTH:
        return _invalid()
    back = url_for("public_pay_links.link", token=token)
    form = PayByLinkForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    email = (form.email.data or "").strip() or None
    name = (form.name.data or "").strip() or None
    try:
        return start_payment(lambda: billing().pay_by_link(org_id(), token, form.method.data, email,
                                                           return_url=url_for("public_pay_links.link", token=token,
                                                                              _external=True), name=name),
                             back, "public/pay_links/redirect.html",
                             lambda payment: url_for("public_pay_links.payment", token=token,
                                                     payment_id=payment["payment_id"]),
                             token=token)
    except ServiceProblem as problem:
        if _gone(problem):
            return _invalid()
        raise


@bp.get("/pay/<token>/payments/<payment_id>")
@public
def payment(token: str, payment_id: str):
    found = _payment(token, payment_id)
    if found is None:
        return _invalid()
    return render_template("public/pay_links/payment.html", payment=found, token=token, **_words())


@bp.get("/pay/<token>/payments/<payment_id>/receipt.pdf")
@public
def receipt(token: str, payment_id: str):
    """The receipt of this link's own payment, once received (billing checks it is this link's:
    any other payment, the customer's in the portal included, is the link's 404 page)."""
    if len(token) > MAX_TOKEN_LENGTH:
        return _invalid()
    try:
        pdf, disposition = billing().link_receipt_pdf(org_id(), token, payment_id[:64])
    except ServiceProblem as problem:
        if _gone(problem):
            return _invalid()
        raise
    if not pdf.startswith(b"%PDF-"):
        raise ServiceUnavailable("billing answered something that is not a PDF")
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": disposition})


@bp.get("/pay/<token>/payments/<payment_id>/status")
@public
def payment_status(token: str, payment_id: str):
    """The fragment htmx swaps in: it asks again every two seconds while in progress."""
    found = _payment(token, payment_id)
    if found is None:
        return _invalid()
    return render_template("public/pay_links/_status.html", payment=found, token=token, **_words())


def _payment(token: str, payment_id: str) -> dict | None:
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        return billing().link_payment(org_id(), token, payment_id)
    except ServiceProblem as problem:
        if _gone(problem):
            return None
        raise


def _words() -> dict:
    org = settings()
    return {"status_text": STATUS_TEXT, "in_progress": IN_PROGRESS, "methods": PAY_METHODS,
            "payment_labels": PAYMENT_LABELS,
            "offer_signup": bool(org.get("self_signup") and org.get("portal_enabled")) and current_session() is None}
