"""The console's "Payments: connect Stripe / PayPal" page (owners and admins): the org's own
accounts at the payment gateways, kept by billing (services/billing/handlers/gateway_connections.py) with
their secrets encrypted. A saved secret is never shown again, only "set, ends in …1234";
leaving a secret field blank keeps the stored one. "Test connection" has billing call the
gateway with the stored keys and shows what it said; "Disconnect" removes the org's keys
(the deployment's own account, if any, serves it again); one gateway can be the org's
default. The page shows the webhook address to give the gateway."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import Length, Optional

from gateway.clients.base import ServiceProblem
from gateway.web.access import MANAGERS, console
from gateway.web.context import billing, org_id
from gateway.web.forms import apply_problem

bp = Blueprint("console_gateways", __name__, url_prefix="/console")
NAMES = {"stripe": "Stripe", "paypal": "PayPal"}


def _text(label: str, secret: bool = False, **kw):
    field = PasswordField if secret else StringField
    return field(label, validators=[Optional(), Length(max=500)],
                 render_kw={"autocomplete": "off", "spellcheck": "false", **kw})


class StripeForm(FlaskForm):
    secret_key = _text(_l("Secret key (sk_… or rk_…)"), secret=True)
    webhook_secret = _text(_l("Webhook signing secret (whsec_…)"), secret=True)
    publishable_key = _text(_l("Publishable key (pk_…)"))
    default = BooleanField(_l("Use Stripe for the portal's payments"))


class PayPalForm(FlaskForm):
    client_id = _text(_l("Client id"))
    client_secret = _text(_l("Client secret"), secret=True)
    webhook_id = _text(_l("Webhook id"))
    default = BooleanField(_l("Use PayPal for the portal's payments"))


FORMS = {"stripe": StripeForm, "paypal": PayPalForm}


def _known(name: str) -> None:
    if name not in NAMES:
        abort(404)


def _page(forms: dict, messages: dict, status: int = 200):
    found = billing().gateway_connections(org_id())
    connected = {c["gateway"]: c for c in found["items"]}
    for name, form in forms.items():                   # a fresh form shows what is stored (never a secret)
        if not form.is_submitted() and name in connected:
            for field in ("publishable_key", "client_id", "webhook_id"):
                if field in form._fields:
                    form[field].data = connected[name].get(field)
            form.default.data = connected[name]["default"]
    hooks = {name: url_for("public_webhooks.receive", name=name, _external=True) for name in NAMES}
    return render_template("console/gateways/gateways.html", forms=forms, messages=messages, names=NAMES,
                           connected=connected, found=found, hooks=hooks, org_id=org_id()), status


@bp.get("/payment-gateways")
@console(roles=MANAGERS)
def gateways():
    return _page({name: FORMS[name](formdata=None) for name in NAMES}, {})


@bp.post("/payment-gateways/<name>")
@console(roles=MANAGERS)
def save(name: str):
    _known(name)
    form = FORMS[name]()
    forms = {n: (form if n == name else FORMS[n](formdata=None)) for n in NAMES}
    if not form.validate_on_submit():
        return _page(forms, {name: [_("Please check the fields below.")]}, 400)
    body = {k: v for k, v in form.data.items() if k != "csrf_token"}
    try:
        billing().put_gateway_connection(org_id(), name, body)
    except ServiceProblem as problem:
        if problem.status not in (400, 409, 422):
            raise
        return _page(forms, {name: apply_problem(form, problem)}, problem.status if problem.status != 400 else 422)
    flash(_("%(gateway)s is connected. Test the connection to be sure the keys work.", gateway=NAMES[name]), "success")
    return redirect(url_for("console_gateways.gateways"))


@bp.post("/payment-gateways/<name>/test")
@console(roles=MANAGERS)
def try_connection(name: str):
    _known(name)
    try:
        result = billing().test_gateway_connection(org_id(), name)
    except ServiceProblem as problem:
        if problem.status != 404:
            raise
        flash(_("%(gateway)s is not connected yet: save its keys first.", gateway=NAMES[name]), "error")
    else:
        flash(result["detail"], "success" if result["ok"] else "error")
    return redirect(url_for("console_gateways.gateways"))


@bp.post("/payment-gateways/<name>/disconnect")
@console(roles=MANAGERS)
def disconnect(name: str):
    _known(name)
    try:
        billing().delete_gateway_connection(org_id(), name)
    except ServiceProblem as problem:
        if problem.status != 404:
            raise
        flash(_("%(gateway)s was not connected.", gateway=NAMES[name]), "error")
    else:
        flash(_("%(gateway)s is disconnected: its keys were deleted.", gateway=NAMES[name]), "success")
    return redirect(url_for("console_gateways.gateways"))
