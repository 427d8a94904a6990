"""/api/v1/service-requests (scope "service_requests"): an ERP or a field-service system opens
requests for customers (idempotent on `external_ref`), lists and reads them with their
updates, changes status, priority and assignee, and posts updates the customer reads.

The routes are v1's (its blueprint: the same key check, rate limits and problem+json errors;
gateway/api/__init__.py imports this module), forwarded to orders as they came, like the
sales orders' routes in v1.py."""
from __future__ import annotations

from urllib.parse import quote

from gateway.api.v1 import bp, forward, org_path
from gateway.web.access import api


def _requests(request_id: str | None = None, action: str = "") -> str:
    path = f"/orgs/{org_path()}/service-requests"
    return (path + f"/{quote(request_id, safe='')}" if request_id is not None else path) + action


@bp.route("/service-requests", methods=["GET", "POST"])
@api(scope="service_requests")
def service_requests():
    """Open a request (idempotent on external_ref) or list the org's."""
    return forward("orders", _requests())


@bp.route("/service-requests/<request_id>", methods=["GET", "PATCH"])
@api(scope="service_requests")
def service_request(request_id: str):
    """A request with its updates; PATCH its status, priority or assignee."""
    return forward("orders", _requests(request_id))


@bp.post("/service-requests/<request_id>/updates")
@api(scope="service_requests")
def service_request_update(request_id: str):
    """An update the customer reads (and is mailed about)."""
    return forward("orders", _requests(request_id, "/updates"))
