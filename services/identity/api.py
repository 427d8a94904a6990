"""identity's HTTP API: thin translators from JSON to commands; reads hit read models."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.errors import NotFound
from services.chassis.web import runtime
from services.identity import directory, handlers
from services.identity.domain.commands import ChangePortalSettings, CreateCustomer, CreateOrganization
from services.identity.domain.organization import MODULES
from services.identity.domain.staff import MANAGERS
from services.identity.projections import customers, organizations

blp = Blueprint("identity", __name__, description="Organizations, portal settings, customers")


class OrganizationIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    slug = fields.String(required=True, validate=validate.Length(min=1, max=50))
    host = fields.String(load_default=None, validate=validate.Length(max=255))


class SettingsIn(Schema):
    portal_enabled = fields.Boolean()
    mfa_required = fields.Boolean()
    self_signup = fields.Boolean()
    forward_documents = fields.Boolean()
    bulk_payments = fields.Boolean()
    partial_payments = fields.Boolean()
    share_tickets = fields.Boolean()
    ticket_reopen_days = fields.Integer(strict=True)
    review_period_days = fields.Integer(strict=True)
    brand_colour = fields.String(allow_none=True, validate=validate.Length(max=20))
    modules = fields.List(fields.String(validate=validate.OneOf(MODULES)))


class OrganizationOut(Schema):
    org_id = fields.String()
    name = fields.String()
    slug = fields.String()
    host = fields.String(allow_none=True)
    settings = fields.Dict()


class CustomerIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True)


class CustomerQuery(Schema):
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    after = fields.String(load_default=None, validate=validate.Length(max=600))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


class CustomerOut(Schema):
    customer_id = fields.String()
    org_id = fields.String()
    name = fields.String()
    email = fields.String()


def _org(conn, **where) -> dict:
    query = select(organizations)
    for column, value in where.items():
        query = query.where(organizations.c[column] == value)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound("No such organization.")
    return row._mapping


@blp.route("/orgs")
class Organizations(MethodView):
    @auth.requires("system")
    @blp.arguments(OrganizationIn)
    @blp.response(201, OrganizationOut)
    def post(self, body):
        org_id = handlers.create_organization(CreateOrganization(**body), runtime().store)
        with read_only(runtime().engine) as conn:
            return _org(conn, org_id=org_id)


@blp.route("/orgs/<org_id>")
class OrganizationById(MethodView):
    @auth.public
    @blp.response(200, OrganizationOut)
    def get(self, org_id):
        with read_only(runtime().engine) as conn:
            return _org(conn, org_id=org_id)


@blp.route("/orgs/by-host/<host>")
class OrganizationByHost(MethodView):
    @auth.public
    @blp.response(200, OrganizationOut)
    def get(self, host):
        with read_only(runtime().engine) as conn:
            return _org(conn, host=host.lower())


@blp.route("/orgs/<org_id>/settings")
class PortalSettings(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(SettingsIn)
    @blp.response(200, OrganizationOut)
    def patch(self, changes, org_id):
        handlers.change_portal_settings(ChangePortalSettings(org_id, changes), runtime().store)
        with read_only(runtime().engine) as conn:
            return _org(conn, org_id=org_id)


@blp.route("/orgs/<org_id>/customers")
class Customers(MethodView):
    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.arguments(CustomerIn)
    @blp.response(201, CustomerOut)
    def post(self, body, org_id):
        customer_id = handlers.create_customer(CreateCustomer(org_id, **body), runtime().store)
        with read_only(runtime().engine) as conn:
            return conn.execute(select(customers).where(customers.c.customer_id == customer_id)).one()._mapping

    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.arguments(CustomerQuery, location="query")
    @blp.response(200, CustomerOut(many=True))
    def get(self, query, org_id):
        """By name, `limit` at a time; `X-Next-Cursor` (when more follow) goes in `after`."""
        with read_only(runtime().engine) as conn:
            rows, after = directory.customers_page(conn, org_id, query["q"], query["after"], query["limit"])
        return rows, 200, ({"X-Next-Cursor": after} if after else {})
