"""identity's API for orgs, their portal settings and customers: thin translators from JSON
to commands; reads hit read models."""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.web import runtime
from services.identity.api.schemas import (ContactCountsOut, CustomerIn, CustomerOut, CustomerQuery, OrganizationIn,
                                           OrganizationOut, SettingsIn)
from services.identity.domain.commands import ChangePortalSettings, CreateCustomer, CreateOrganization
from services.identity.domain.staff import MANAGERS
from services.identity.handlers import customers, orgs
from services.identity.queries import directory

blp = Blueprint("identity", __name__, description="Organizations, portal settings, customers")


@blp.route("/orgs")
class Organizations(MethodView):
    @auth.requires("system")
    @blp.arguments(OrganizationIn)
    @blp.response(201, OrganizationOut)
    def post(self, body):
        org_id = orgs.create_organization(runtime(), CreateOrganization(**body))
        return directory.organization(runtime(), org_id=org_id)


@blp.route("/orgs/<org_id>")
class OrganizationById(MethodView):
    @auth.public
    @blp.response(200, OrganizationOut)
    def get(self, org_id):
        return directory.organization(runtime(), org_id=org_id)


@blp.route("/orgs/by-host/<host>")
class OrganizationByHost(MethodView):
    @auth.public
    @blp.response(200, OrganizationOut)
    def get(self, host):
        return directory.organization(runtime(), host=host.lower())


@blp.route("/orgs/<org_id>/settings")
class PortalSettings(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(SettingsIn)
    @blp.response(200, OrganizationOut)
    def patch(self, changes, org_id):
        orgs.change_portal_settings(runtime(), ChangePortalSettings(org_id, changes))
        return directory.organization(runtime(), org_id=org_id)


@blp.route("/orgs/<org_id>/customers")
class Customers(MethodView):
    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.arguments(CustomerIn)
    @blp.response(201, CustomerOut)
    def post(self, body, org_id):
        customer_id = customers.create_customer(runtime(), CreateCustomer(org_id, **body))
        return directory.customer(runtime(), org_id, customer_id)

    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.arguments(CustomerQuery, location="query")
    @blp.response(200, CustomerOut(many=True))
    def get(self, query, org_id):
        """By name, `limit` at a time; `X-Next-Cursor` (when more follow) goes in `after`."""
        rows, after = directory.customers_page(runtime(), org_id, query["q"], query["after"], query["limit"])
        return rows, 200, ({"X-Next-Cursor": after} if after else {})


@blp.route("/orgs/<org_id>/contact-counts")
class ContactCounts(MethodView):
    @auth.requires("staff", "system")
    @blp.response(200, ContactCountsOut)
    def get(self, org_id):
        """How many contacts are not invited yet, invited, active and disabled."""
        return directory.contact_counts(runtime(), org_id)
