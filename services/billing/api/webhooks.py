"""Webhooks from the payment gateways: POST /webhooks/stripe/<org_id> and /webhooks/paypal/<org_id>.

Stripe and PayPal cannot carry our internal tokens, so these routes are `@auth.public`: the
gateway's signature over the raw body is the authentication, checked by the adapter
(parse_webhook) before anything is read or applied. What answers what:

- 400 problem+json: the signature, timestamp or body does not check out (WebhookRefused).
  Nothing is applied; the reason is logged, not told to the caller.
- 200 `{"received": true, "applied": false}`: a verified event billing does not act on, so the
  gateway stops retrying it.
- 200 `{"received": true, "applied": true, "outcome": ...}`: the GatewayUpdate went to
  services.billing.handlers.payments.apply_update(rt, org_id, update, gateway=<name>), which applies it
  idempotently by event id and only forward in the status order ("applied", "unchanged",
  "duplicate"); it owns what the org in the path may touch. A payment it does not know
  (yet) is its 404, and the gateway delivers again later.
- 404 problem+json: this gateway is not set up for the org.
- anything else (the gateway's API unreachable while tracing an event, the database down): a
  5xx, and the gateway delivers again later (Stripe for 3 days, PayPal 25 times over 3 days).

Outside the cluster these paths must be routed through the gateway's public edge to billing
unchanged (raw body and headers), since billing itself is reachable only inside it.
"""
from __future__ import annotations

import logging

from flask import jsonify, request
from flask_smorest import Blueprint

from services.billing.adapters.registry import GatewayNotAvailable
from services.billing.domain.payment_gateway import SetupUpdate, WebhookRefused
from services.billing.handlers import payment_methods, payments
from services.chassis import auth
from services.chassis.errors import NotFound, PortalError
from services.chassis.web import runtime

log = logging.getLogger(__name__)

blp = Blueprint("gateway_webhooks", __name__,
                description="Signed webhooks from Stripe and PayPal (public: the signature authenticates)")


class WebhookNotAccepted(PortalError):
    status = 400
    title = "Webhook refused"


def gateway_for(rt, org_id: str, name: str):
    """The adapter that verifies `name`'s webhooks for this org, or None where it is not set up."""
    try:
        return rt.ports["gateways"].adapter(org_id, name)
    except GatewayNotAvailable:
        return None


def _receive(name: str, org_id: str):
    rt = runtime()
    gateway = gateway_for(rt, org_id, name)
    if gateway is None:
        raise NotFound(f"{name} payments are not set up here.")
    body = request.get_data(cache=False)          # the raw bytes: the signature covers exactly these
    try:
        update = gateway.parse_webhook(body, dict(request.headers))
    except WebhookRefused as exc:
        log.warning("%s webhook for org %s refused: %s", name, org_id, exc)
        raise WebhookNotAccepted("The webhook's signature, timestamp or body did not check out.") from None
    if update is None:
        return jsonify(received=True, applied=False)
    if isinstance(update, SetupUpdate):          # a saved payment method (handlers/payment_methods.py)
        return jsonify(received=True, applied=True,
                       outcome=payment_methods.apply_setup_update(rt, org_id, update, name))
    outcome = payments.apply_update(rt, org_id, update, gateway=name)
    return jsonify(received=True, applied=True, outcome=outcome if isinstance(outcome, str) else None)


@blp.route("/webhooks/stripe/<org_id>", methods=["POST"])
@auth.public
def stripe_webhook(org_id):
    """A Stripe event, verified by its Stripe-Signature header."""
    return _receive("stripe", org_id)


@blp.route("/webhooks/paypal/<org_id>", methods=["POST"])
@auth.public
def paypal_webhook(org_id):
    """A PayPal event, verified through PayPal's verify-webhook-signature API."""
    return _receive("paypal", org_id)
