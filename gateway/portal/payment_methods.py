"""The contact's saved payment methods in the portal (/payment-methods): list them (kind,
brand, last 4, expiry, default), add a card or bank account, make one the default, remove
one (after a confirmation step), and pay an invoice with one in one step (the Pay form's
choices come from `saved_choices`).

Who: contacts with the `pay` permission where the org shows invoices, as for paying. With
the simulated gateway a test method is saved at once from a plain form; with Stripe the
contact saves it on Stripe's own page (we never see the number) and comes back here with
`?setup=<id>`, which asks billing to record it (the webhook may have done so already).
Billing's refusals are flashed in its own words. Replacing a card = add the new one, make it
the default, remove the old one.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice

from gateway.clients.base import ServiceProblem
from gateway.web.access import portal
from gateway.web.context import billing, customer_id, org_id, principal, settings
from gateway.web.payments import short
from gateway.web.refusals import refused

bp = Blueprint("portal_payment_methods", __name__)

PAY = dict(module="invoices", permission="pay")
SAID_TO_PERSON = (400, 404, 409, 422)
KINDS = {"card": _l("Card"), "bank_account": _l("Bank account (direct debit)")}
TEST_KINDS = {"card": _l("Test card (Visa ending 4242): payments succeed"),
              "card_declined": _l("Test card (Visa ending 0002): payments are declined"),
              "bank_account": _l("Test bank account (ending 6789): payments stay pending for a few days")}


class AddMethodForm(FlaskForm):
    kind = RadioField(_l("What would you like to save?"), default="card")


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the button is the confirmation."""


def label(method: dict) -> str:
    """"Visa •••• 4242, expires 12/29 (default)" as a person recognises their card."""
    text = short(method)
    if method.get("exp_month") and method.get("exp_year"):
        text = _("%(method)s, expires %(month)02d/%(year)02d", method=text, month=method["exp_month"],
                 year=method["exp_year"] % 100)
    return _("%(method)s (default)", method=text) if method.get("is_default") else text


def saved_choices(listed: dict | None = None) -> list[tuple[str, str]]:
    """The Pay form's one-step choices ("saved:<id>", "Pay with Visa •••• 4242 (default)"),
    default first; none when billing cannot say (paying by card still works). `listed`:
    billing's list when the page has it already (the invoice page's one read)."""
    if "pay" not in (principal().get("permissions") or []):
        return []
    if listed is None:
        try:
            listed = _listed()
        except ServiceProblem:
            return []
    return [(f"saved:{m['method_id']}", _("Pay with %(method)s (default)", method=short(m)) if m["is_default"]
             else _("Pay with %(method)s", method=short(m))) for m in listed.get("items") or []]


def offer_saved(form, listed: dict | None = None) -> None:
    """Add the contact's saved methods to a PayForm's choices, before it is validated or shown."""
    form.method.choices = [*form.method.choices, *(SelectChoice(v, t) for v, t in saved_choices(listed))]


def _listed() -> dict:
    return billing().payment_methods(org_id(), customer_id())


def _add_form(gateway: str) -> AddMethodForm:
    form = AddMethodForm()
    kinds = TEST_KINDS if gateway == "simulated" else KINDS
    form.kind.choices = [SelectChoice(k, v) for k, v in kinds.items()]
    return form


def _back():
    return redirect(url_for("portal_payment_methods.methods"))


def _said(problem: ServiceProblem):
    return refused(problem, url_for("portal_payment_methods.methods"), SAID_TO_PERSON)


@bp.get("/payment-methods")
@portal(**PAY)
def methods():
    setup_id = (request.args.get("setup") or "")[:64]
    if setup_id:                       # back from the gateway's page
        return _returned(setup_id, request.args.get("checkout"))
    found = _listed()
    form = _add_form(found.get("gateway", ""))
    form.process(formdata=None)
    return render_template("portal/payment_methods/payment_methods.html", methods=found["items"], gateway=found.get("gateway"),
                           add_form=form, label=label, short=short, confirm_form=ConfirmForm(formdata=None))


def _returned(setup_id: str, checkout: str | None):
    try:
        setup = billing().complete_payment_method_setup(org_id(), customer_id(), setup_id)
    except ServiceProblem as problem:
        return _said(problem)
    if setup["status"] == "succeeded" and setup.get("method"):
        flash(_("Saved %(method)s.", method=short(setup["method"])), "success")
    elif checkout == "cancel" or setup["status"] == "open":
        flash(_("Nothing was saved."), "error")
    else:
        flash(_("The payment method could not be saved. Please try again."), "error")
    return _back()


@bp.post("/payment-methods")
@portal(**PAY)
def add():
    form = _add_form(_listed().get("gateway", ""))
    if not form.validate_on_submit():
        flash(_("Choose what to save."), "error")
        return _back()
    try:
        setup = billing().add_payment_method(org_id(), customer_id(), form.kind.data,
                                             url_for("portal_payment_methods.methods", _external=True),
                                             (settings().get("currency") or "EUR"))
    except ServiceProblem as problem:
        return _said(problem)
    if setup.get("redirect_url"):
        return redirect(setup["redirect_url"], 303)           # the gateway's own page; it sends them back
    if setup["status"] == "succeeded" and setup.get("method"):
        flash(_("Saved %(method)s.", method=short(setup["method"])), "success")
    else:
        flash(_("The payment method could not be saved. Please try again."), "error")
    return _back()


@bp.post("/payment-methods/<method_id>/default")
@portal(**PAY)
def make_default(method_id: str):
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return _back()
    try:
        found = billing().default_payment_method(org_id(), customer_id(), method_id)["items"]
    except ServiceProblem as problem:
        return _said(problem)
    chosen = next((m for m in found if m["method_id"] == method_id), None)
    flash(_("%(method)s is now your default.", method=short(chosen)) if chosen else _("Done."), "success")
    return _back()


def _one(method_id: str) -> dict | None:
    return next((m for m in _listed()["items"] if m["method_id"] == method_id), None)


@bp.post("/payment-methods/<method_id>/remove")
@portal(**PAY)
def remove(method_id: str):
    """First the question (a page with "Yes, remove it"), then, with `confirm=1`, the removal."""
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return _back()
    method = _one(method_id)
    if method is None:
        flash(_("This payment method is not saved (any more)."), "success")
        return _back()
    if request.form.get("confirm") != "1":
        return render_template("portal/payment_methods/payment_method_remove.html", method=method, label=short,
                               confirm_form=ConfirmForm(formdata=None))
    try:
        billing().remove_payment_method(org_id(), customer_id(), method_id)
    except ServiceProblem as problem:
        return _said(problem)
    flash(_("Removed %(method)s.", method=short(method)), "success")
    return _back()
