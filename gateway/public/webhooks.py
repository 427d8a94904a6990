"""The public doors for the payment gateways' webhooks: POST /webhooks/stripe and
/webhooks/paypal on the org's own host. The gateway adds nothing and checks nothing but
size: it hands the raw body and the signature headers to billing unchanged, because
billing verifies the signature over exactly those bytes (services/billing/api/webhooks.py).
No cookie, no CSRF (the signature is the authentication), answers as billing gave them.
An org the operator suspended still gets them: money that moved must be recorded."""
from __future__ import annotations

from flask import Blueprint, Response, request

from gateway.clients.base import ServiceUnavailable
from gateway.web.access import public
from gateway.web.context import gateway, org_id

bp = Blueprint("public_webhooks", __name__)
GATEWAYS = ("stripe", "paypal")
SIGNATURE_HEADERS = ("Stripe-Signature", "Paypal-Transmission-Id", "Paypal-Transmission-Time",
                     "Paypal-Transmission-Sig", "Paypal-Cert-Url", "Paypal-Auth-Algo", "Content-Type")


@bp.post("/webhooks/<name>")
@public
def receive(name: str):
    if name not in GATEWAYS:
        return Response(status=404)
    headers = {h: request.headers[h] for h in SIGNATURE_HEADERS if h in request.headers}
    try:
        answer = gateway().services["billing"].request("POST", f"/webhooks/{name}/{org_id(suspended_ok=True)}",
                                                       data=request.get_data(cache=False), headers=headers)
    except Exception as exc:  # noqa: BLE001 - the gateway retries a 503 later
        raise ServiceUnavailable(f"billing unreachable for a {name} webhook: {exc.__class__.__name__}") from exc
    return Response(answer.content, status=answer.status_code,
                    mimetype=answer.headers.get("Content-Type", "application/json"))


def init_webhooks(app) -> None:
    app.extensions["csrf"].exempt(bp)
