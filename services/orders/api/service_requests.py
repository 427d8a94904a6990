"""Service requests over HTTP: thin translators from JSON to commands; reads hit the read model.

Staff, API keys (scope "service_requests") and the operator manage an org's requests under
/orgs/<org>/service-requests. Contacts (module "service_requests") read their customer's
under /orgs/<org>/customers/<customer>/service-requests with `view`, and raise one or add an
update with `submit_tickets`: another customer's or org's request answers 404 there.
"""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.orders.api.service_request_schemas import (ListArgs, RaiseIn, RequestIn, RequestOut, RequestPageOut,
                                                         RequestPatch, StaffListArgs, UpdateIn)
from services.orders.domain.commands import ChangeServiceRequest, OpenServiceRequest, PostServiceRequestUpdate
from services.orders.handlers import service_requests as handlers
from services.orders.queries import service_requests as queries

blp = Blueprint("service_requests", __name__,
                description="Service requests: raising, status, priority, assignee, the conversation of updates")

STAFF_KINDS = ("staff", "api_key", "system")
MANAGE = dict(module="service_requests")
VIEW = dict(module="service_requests", permission="view")
SUBMIT = dict(module="service_requests", permission="submit_tickets")


def _detail(org_id: str, request_id: str, customer_id: str | None = None) -> dict:
    with read_only(runtime().engine) as conn:
        return queries.request_detail(conn, org_id, request_id, auth.principal(), customer_id=customer_id)


def _list(org_id: str, args: dict, **extra) -> dict:
    with read_only(runtime().engine) as conn:
        return queries.list_requests(conn, org_id, queries.ListQuery(**{**args, **extra}), auth.principal())


def _open(org_id: str, body: dict):
    caller = auth.principal()
    request_id, created = handlers.open_service_request(runtime(), OpenServiceRequest(
        org_id=org_id, opened_by_kind=caller.kind, opened_by_id=caller.id, **body))
    detail = _detail(org_id, request_id)
    return detail if created else (detail, 200)


def _author_name(given: str | None) -> str | None:
    caller = auth.principal()
    if caller.kind == "contact":
        return caller.name                     # a contact writes in their own name, always
    return given or caller.name


@blp.route("/orgs/<org_id>/service-requests")
class Requests(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(RequestIn)
    @blp.response(201, RequestOut)
    @blp.alt_response(200, schema=RequestOut,
                      description="A request with this external_ref exists already: it is answered unchanged.")
    def post(self, body, org_id):
        """Open a request for a customer (idempotent on `external_ref`)."""
        return _open(org_id, body)

    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(StaffListArgs, location="query")
    @blp.response(200, RequestPageOut)
    def get(self, args, org_id):
        """The org's requests, latest news first; keyset pages (`cursor` from `next_cursor`)."""
        return _list(org_id, args)


@blp.route("/orgs/<org_id>/service-requests/<request_id>")
class RequestById(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.response(200, RequestOut)
    def get(self, org_id, request_id):
        return _detail(org_id, request_id)

    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(RequestPatch)
    @blp.response(200, RequestOut)
    def patch(self, changes, org_id, request_id):
        """Change the status (see API.md for the moves), the priority or the assignee."""
        handlers.change_service_request(runtime(), ChangeServiceRequest(org_id, request_id, changes))
        return _detail(org_id, request_id)


@blp.route("/orgs/<org_id>/service-requests/<request_id>/updates")
class RequestUpdates(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(UpdateIn)
    @blp.response(201, RequestOut)
    def post(self, body, org_id, request_id):
        """Post an update the customer sees (in `author_name`'s name, default the caller's)."""
        handlers.post_service_request_update(runtime(), PostServiceRequestUpdate(
            org_id, request_id, body["text"], auth.principal().kind, _author_name(body["author_name"])))
        return _detail(org_id, request_id)


@blp.route("/orgs/<org_id>/customers/<customer_id>/service-requests")
class CustomerRequests(MethodView):
    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, RequestPageOut)
    def get(self, args, org_id, customer_id):
        """A customer's requests as the portal lists them (`status=open`: not resolved or closed)."""
        return _list(org_id, args, customer_id=customer_id)

    @auth.requires("contact", **SUBMIT)
    @blp.arguments(RaiseIn)
    @blp.response(201, RequestOut)
    def post(self, body, org_id, customer_id):
        """A contact raises a request for their customer."""
        return _open(org_id, {**body, "customer_id": customer_id})


@blp.route("/orgs/<org_id>/customers/<customer_id>/service-requests/<request_id>")
class CustomerRequestById(MethodView):
    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.response(200, RequestOut)
    def get(self, org_id, customer_id, request_id):
        """The request with its conversation of updates, oldest first."""
        return _detail(org_id, request_id, customer_id=customer_id)


@blp.route("/orgs/<org_id>/customers/<customer_id>/service-requests/<request_id>/updates")
class CustomerRequestUpdates(MethodView):
    @auth.requires("contact", **SUBMIT)
    @blp.arguments(UpdateIn)
    @blp.response(201, RequestOut)
    def post(self, body, org_id, customer_id, request_id):
        """The contact adds an update; on a request waiting on them (or resolved) it moves it
        back to in progress."""
        handlers.post_service_request_update(runtime(), PostServiceRequestUpdate(
            org_id, request_id, body["text"], "contact", _author_name(None), customer_id=customer_id))
        return _detail(org_id, request_id, customer_id=customer_id)
