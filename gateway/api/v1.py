"""/api/v1: the JSON API for an org's internal systems (ERP, CRM, accounting).

A caller sends its API key (`Authorization: Bearer cpk_...` or `X-Api-Key: cpk_...`). The
`@api(scope)` declaration (gateway/web/access.py) exchanges it at identity for a short-lived internal
token (cached per process) and checks the scope; the view then forwards the call to the
service that owns the data with that token, so the service checks it as it checks anyone's.

No cookie counts here: the Flask session is not opened, the portal's session cookie is never
read, and CSRF and the Origin check do not apply (a browser never sends a key on its own).
Every error is problem+json (RFC 9457), also for an unknown /api/v1 route. Calls are
rate-limited per key, and calls refused for a bad key per client IP.

A new resource is a view that names its scope and forwards, e.g. billing's invoices:

    @bp.get("/invoices")
    @api(scope="invoices")
    def invoices():
        return forward("billing", f"/orgs/{org_path()}/invoices")
"""
from __future__ import annotations

import hashlib
import logging
from urllib.parse import quote

import requests
from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from contracts.oversize import too_large
from contracts.problem import PROBLEM_JSON, problem
from gateway.clients.base import ServiceProblem, ServiceUnavailable
from gateway.web.access import api, forget_api_key, presented_api_key
from gateway.web.context import gateway, link_base, org_id
from gateway.web.files import accepts_batch

log = logging.getLogger("gateway")

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
ROOT = "/api/"                                   # every version answers errors as problem+json
PASSED_TYPES = ("application/json", PROBLEM_JSON)
PASSED_HEADERS = ("X-Next-Cursor", "ETag")       # a list's next page; a resource's version
RETRY_AFTER_S = "30"
BATCH_MAX = 500                                  # invoices in one push, as billing takes them
PUSH_TIMEOUT_S = 120             # a push may wait its turn for the org's invoice numbers (pages: 3 s)
HTTP_DETAILS = {
    400: "The request could not be understood.",
    404: "There is no such API route.",
    405: "This API route does not take that method.",
    413: "The body is larger than this API accepts.",
}


# -- customers and contacts (identity) ----------------------------------------------------
@bp.get("/customers")
@api(scope="customers")
def list_customers():
    return forward("identity", f"/orgs/{org_path()}/customers")


@bp.post("/customers")
@api(scope="customers")
def create_customer():
    return forward("identity", f"/orgs/{org_path()}/customers")


@bp.route("/customers/<customer_id>", methods=["GET", "PUT"])
@api(scope="customers")
def customer(customer_id: str):
    """PUT takes all of the customer's details at once: name, e-mail, billing address lines, tax id."""
    return forward("identity", f"/orgs/{org_path()}/customers/{quote(customer_id, safe='')}")


@bp.route("/customers/<customer_id>/contacts", methods=["GET", "POST"])
@api(scope="customers")
def contacts(customer_id: str):
    return forward("identity", f"/orgs/{org_path()}/customers/{quote(customer_id, safe='')}/contacts")


@bp.post("/contacts/<contact_id>/invitations")
@api(scope="customers")
def invite_contact(contact_id: str):
    """The mailed link always points at this portal's own address, whatever the caller sends."""
    return forward("identity", f"/orgs/{org_path()}/contacts/{quote(contact_id, safe='')}/invitations",
                   body=with_link_base())


# -- invoices (billing) --------------------------------------------------------------------
def _invoice_path(invoice_id: str, action: str = "") -> str:
    return f"/orgs/{org_path()}/invoices/{quote(invoice_id, safe='')}{action}"


@bp.route("/invoices", methods=["GET", "POST"])
@api(scope="invoices")
def invoices():
    """An ERP pushes invoices (idempotent on `external_ref`) and reads them back, drafts too."""
    pushing = request.method == "POST"
    return forward("billing", f"/orgs/{org_path()}/invoices", timeout=PUSH_TIMEOUT_S if pushing else None)


@bp.post("/invoices/batch")
@accepts_batch
@api(scope="invoices")
def push_invoices():
    """Up to 500 invoices in one call, `{"invoices": [...]}`, each as POST /invoices takes it
    (idempotent on `external_ref`): billing appends, numbers and projects them in one
    transaction and answers 200 with a result per item (201, 200 or a 4xx problem). More
    than 500 is a 413, anything but a list of invoices a 422, both before billing is asked."""
    body = json_body()
    items = body.get("invoices")
    if not isinstance(items, list) or not items:
        abort(422, description=f"Send {{\"invoices\": [...]}}: a list of 1 to {BATCH_MAX} invoices.")
    if len(items) > BATCH_MAX:
        abort(413, description=f"A batch takes at most {BATCH_MAX} invoices; send the rest in another.")
    return forward("billing", f"/orgs/{org_path()}/invoices/batch", body=body, timeout=PUSH_TIMEOUT_S)


@bp.route("/invoices/<invoice_id>", methods=["GET", "PATCH"])
@api(scope="invoices")
def invoice(invoice_id: str):
    return forward("billing", _invoice_path(invoice_id))


@bp.post("/invoices/<invoice_id>/issue")
@api(scope="invoices")
def issue_invoice(invoice_id: str):
    return forward("billing", _invoice_path(invoice_id, "/issue"), body=request.get_json(silent=True) or {})


@bp.post("/invoices/<invoice_id>/void")
@api(scope="invoices")
def void_invoice(invoice_id: str):
    return forward("billing", _invoice_path(invoice_id, "/void"), body=request.get_json(silent=True) or {})


@bp.post("/invoices/<invoice_id>/payment-link")
@api(scope="invoices")
def payment_link(invoice_id: str):
    """The invoice's public payment link (201 with its `url`, shown once; 200 for the live one,
    without it; `rotate: true` replaces it). The address is always this portal's own."""
    return forward("billing", _invoice_path(invoice_id, "/payment-link"), body=with_link_base())


def with_link_base() -> dict:
    """The caller's JSON object (or none) with `link_base` set to this portal's own address:
    links the services mail or hand out never point where a caller said."""
    body = request.get_json(silent=True)
    body = {k: v for k, v in (body if isinstance(body, dict) else {}).items() if k != "link_base"}
    return {**body, "link_base": link_base()}


# -- forwarding ---------------------------------------------------------------------------
def org_path() -> str:
    return quote(org_id(), safe="")


def json_body() -> dict:
    if not request.is_json:
        abort(415, description="Send a JSON object with `Content-Type: application/json`.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="The body must be a JSON object.")
    return body


# -- sales orders and shipments (orders) ---------------------------------------------------
@bp.route("/sales-orders", methods=["GET", "POST"])
@api(scope="sales_orders")
def sales_orders():
    """An ERP pushes orders (idempotent on external_ref) and lists them."""
    return forward("orders", f"/orgs/{org_path()}/sales-orders")


@bp.route("/sales-orders/<order_id>", methods=["GET", "PATCH"])
@api(scope="sales_orders")
def sales_order(order_id: str):
    return forward("orders", f"/orgs/{org_path()}/sales-orders/{quote(order_id, safe='')}")


@bp.post("/sales-orders/<order_id>/cancel")
@api(scope="sales_orders")
def cancel_sales_order(order_id: str):
    return forward("orders", f"/orgs/{org_path()}/sales-orders/{quote(order_id, safe='')}/cancel")


@bp.post("/sales-orders/<order_id>/shipments")
@api(scope="sales_orders")
def add_shipment(order_id: str):
    """A shipment of the order (idempotent on external_ref)."""
    return forward("orders", f"/orgs/{org_path()}/sales-orders/{quote(order_id, safe='')}/shipments")


@bp.get("/shipments/<shipment_id>")
@api(scope="sales_orders")
def shipment(shipment_id: str):
    return forward("orders", f"/orgs/{org_path()}/shipments/{quote(shipment_id, safe='')}")


@bp.post("/shipments/<shipment_id>/status")
@api(scope="sales_orders")
def delivery_status(shipment_id: str):
    """A carrier's delivery report: applied once per update_ref, placed by the carrier's time."""
    return forward("orders", f"/orgs/{org_path()}/shipments/{quote(shipment_id, safe='')}/status")

def forward(service: str, path: str, body: dict | None = None, timeout: float | None = None) -> Response:
    """Sends this request (method, query, JSON body) on to `service` with the key's internal
    token, and answers with the service's status and JSON body: its problems (400, 404, 409,
    422 ...) pass through as they are. The service down or failing (5xx), or not answering
    within `timeout` (the client's own, 3 s, by default), is a 503 problem."""
    if body is None and request.method in ("POST", "PUT", "PATCH"):
        body = json_body()
    return passed_on(service, call(service, path, json=body, **({"timeout": timeout} if timeout else {})))


def call(service: str, path: str, **kwargs) -> requests.Response:
    """This request's method and query sent to `service` with the key's internal token, and
    `kwargs` for requests (`json=`, or `data=` and `files=`; `stream=True`). The service
    unreachable or failing (5xx), or refusing the token itself: ServiceUnavailable."""
    headers = {"Authorization": f"Bearer {g.api_grant['internal_token']}", "Accept": "application/json"}
    query = list(request.args.items(multi=True))
    try:
        answer = gateway().services[service].request(request.method, path, params=query, headers=headers, **kwargs)
    except requests.RequestException as exc:
        raise ServiceUnavailable(f"{service} unreachable: {exc.__class__.__name__}") from exc
    if answer.status_code == 401:                # the token itself was refused: get a new one next time
        answer.close()
        forget_api_key(g.api_grant["key_id"])
        raise ServiceUnavailable(f"{service} refused the internal token of API key {g.api_grant['key_id']}")
    if answer.status_code >= 500:
        answer.close()
        raise ServiceUnavailable(f"{service} answered {answer.status_code}")
    return answer


def passed_on(service: str, answer: requests.Response) -> Response:
    """The service's JSON answer as ours: its status, body and the headers callers use."""
    kind = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if answer.content and kind not in PASSED_TYPES:
        raise ServiceUnavailable(f"{service} answered {kind or 'no content type'}, not JSON")
    passed = {name: answer.headers[name] for name in PASSED_HEADERS if name in answer.headers}
    return Response(answer.content, status=answer.status_code, mimetype=kind or "application/json",
                    headers=passed)


# -- errors: always problem+json ------------------------------------------------------------
def is_api_request() -> bool:
    return request.path.startswith(ROOT)


def problem_response(exc: Exception) -> Response:
    """The problem+json answer for any error on /api/ (also from the app's own handlers,
    for a route that does not exist)."""
    own = isinstance(exc, HTTPException) and exc.description != type(exc).description   # ours, not werkzeug's
    if isinstance(exc, HTTPException):
        status, title = exc.code or 500, exc.name
        detail = exc.description if own else HTTP_DETAILS.get(status, exc.description)
    elif isinstance(exc, ServiceProblem):        # identity's answer to the key exchange
        status = exc.status if 400 <= exc.status < 500 else 503
        title, detail = HTTP_STATUS_CODES.get(status, "Problem"), exc.detail
    elif isinstance(exc, ServiceUnavailable):
        log.warning("API: a service is unavailable: %s", exc)
        status, title = 503, "Service Unavailable"
        detail = "A service behind this API cannot be reached. Try again later."
    else:
        log.error("API: unexpected error (%s)", exc.__class__.__name__, exc_info=exc)
        status, title, detail = 500, "Internal Server Error", "Something went wrong on our side."
    if isinstance(exc, HTTPException) and status == 429:
        detail = f"Too many requests ({exc.description}). Slow down and try again."
    named = None
    if status == 413 and not own:                     # refused unread: name the field that was too long
        detail, named = too_large(request.environ, request.max_content_length or 0)
    response = jsonify(problem(status, title, detail, **({"errors": {"json": named}} if named else {})))
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    if status == 401:
        response.headers["WWW-Authenticate"] = getattr(exc, "challenge", 'Bearer realm="api"')
    if status == 403 and isinstance(exc, HTTPException):
        response.headers["WWW-Authenticate"] = 'Bearer realm="api", error="insufficient_scope"'
    if status == 503:
        response.headers["Retry-After"] = RETRY_AFTER_S
    if isinstance(exc, HTTPException) and status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


@bp.errorhandler(Exception)
def api_error(exc: Exception):
    return problem_response(exc)


# -- wiring ---------------------------------------------------------------------------------
class NoSessionOnApi(SecureCookieSessionInterface):
    """The gateway's state cookie (CSRF token, flash messages) is neither read nor written on
    /api/: Flask gets its null session there."""

    def open_session(self, app, request):
        if request.path.startswith(ROOT):
            return None
        return super().open_session(app, request)


def _limit_key() -> str:
    """Whose budget a call spends: its key's (by hash, never the key), else the client IP's."""
    key = presented_api_key()
    return "key:" + hashlib.sha256(key.encode()).hexdigest() if key else "ip:" + (get_remote_address() or "")


def init_api(app: Flask, limiter: Limiter) -> None:
    """After the blueprints, CSRF and the limiter: exempt /api/v1 from CSRF and the session
    cookie, and put its rate limits on every view (one budget per key across the API)."""
    app.extensions["csrf"].exempt(bp)
    app.session_interface = NoSessionOnApi()
    per_key = limiter.shared_limit(lambda: current_app.config["GATEWAY_RATELIMIT_API"], scope="api",
                                   key_func=_limit_key)
    refused = limiter.shared_limit(lambda: current_app.config["GATEWAY_RATELIMIT_API_REFUSED"],
                                   scope="api-refused", key_func=get_remote_address,
                                   deduct_when=lambda response: response.status_code == 401)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith(bp.name + "."):
            app.view_functions[endpoint] = per_key(refused(view))
