"""identity's API for staff and contacts: the staff console's calls, invitations, profiles."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.errors import NotFound
from services.chassis.web import runtime
from services.identity import mfa, people
from services.identity.api import CustomerOut
from services.identity.api_sessions import SETTINGS, SessionOut, TokenIn
from services.identity.domain.contact import ADDRESS_FIELDS, LANGUAGES, MODULES, NOTICES, PERMISSIONS
from services.identity.domain.staff import MANAGERS, ROLES
from services.identity.projections import contacts, customers, staff

blp = Blueprint("people", __name__, description="Staff, contacts, invitations and profiles")


class StaffIn(Schema):
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(load_default="agent", validate=validate.OneOf(ROLES))
    password = fields.String(load_default=None, validate=validate.Length(max=4000))


class StaffOut(Schema):
    staff_id = fields.String()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    mfa_enabled = fields.Boolean()
    status = fields.String()


class ContactIn(Schema):
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    permissions = fields.List(fields.String(validate=validate.OneOf(PERMISSIONS)), load_default=["view"])


class ContactOut(Schema):
    contact_id = fields.String()
    customer_id = fields.String()
    email = fields.String()
    name = fields.String()
    status = fields.String()
    permissions = fields.List(fields.String())
    modules = fields.List(fields.String())
    mfa_enabled = fields.Boolean()


class InviteIn(Schema):
    link_base = fields.Url(required=True, require_tld=False)
    inviter = fields.String(load_default=None, validate=validate.Length(max=200))


class PermissionsIn(Schema):
    permissions = fields.List(fields.String(validate=validate.OneOf(PERMISSIONS)), required=True)
    modules = fields.List(fields.String(validate=validate.OneOf(MODULES)), load_default=None)


class AcceptIn(TokenIn):
    password = fields.String(required=True, validate=validate.Length(max=4000))
    ip = fields.String(load_default=None, validate=validate.Length(max=64))
    user_agent = fields.String(load_default=None, validate=validate.Length(max=1000))


class InvitationOut(Schema):
    email = fields.String()
    name = fields.String()
    customer_name = fields.String(allow_none=True)
    kind = fields.String()


Address = Schema.from_dict({name: fields.String(validate=validate.Length(max=200))
                            for name in ADDRESS_FIELDS}, name="Address")
Notify = Schema.from_dict({name: fields.Boolean() for name in NOTICES}, name="Notify")


class ProfileIn(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    phone = fields.String(allow_none=True, validate=validate.Length(max=50))
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    address = fields.Nested(Address)
    notify = fields.Nested(Notify)


class ProfileOut(Schema):
    name = fields.String()
    phone = fields.String(allow_none=True)
    language = fields.String()
    address = fields.Dict()
    notify = fields.Dict()


def _one(conn, table, key, value, org_id, what):
    row = conn.execute(select(table).where(table.c[key] == value, table.c.org_id == org_id)).first()
    if row is None:
        raise NotFound(f"No such {what}.")
    return row._mapping


@blp.route("/orgs/<org_id>/staff")
class Staff(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(StaffIn)
    @blp.response(201, StaffOut)
    def post(self, body, org_id):
        caller = auth.principal()
        if body["role"] == "owner" and caller.kind == "staff" and caller.role != "owner":
            raise auth.Forbidden("Only an owner can add an owner.")
        staff_id = people.add_staff(runtime(), org_id, **body)
        with read_only(runtime().engine) as conn:
            return _one(conn, staff, "staff_id", staff_id, org_id, "staff member")

    @auth.requires("staff", "system")
    @blp.response(200, StaffOut(many=True))
    def get(self, org_id):
        with read_only(runtime().engine) as conn:
            return [r._mapping for r in conn.execute(
                select(staff).where(staff.c.org_id == org_id).order_by(staff.c.name))]


@blp.route("/orgs/<org_id>/customers/<customer_id>")
class CustomerById(MethodView):
    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.response(200, CustomerOut)
    def get(self, org_id, customer_id):
        with read_only(runtime().engine) as conn:
            return _one(conn, customers, "customer_id", customer_id, org_id, "customer")


@blp.route("/orgs/<org_id>/customers/<customer_id>/contacts")
class Contacts(MethodView):
    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.arguments(ContactIn)
    @blp.response(201, ContactOut)
    def post(self, body, org_id, customer_id):
        contact_id = people.add_contact(runtime(), org_id, customer_id, **body)
        with read_only(runtime().engine) as conn:
            return _one(conn, contacts, "contact_id", contact_id, org_id, "contact")

    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.response(200, ContactOut(many=True))
    def get(self, org_id, customer_id):
        with read_only(runtime().engine) as conn:
            _one(conn, customers, "customer_id", customer_id, org_id, "customer")
            return [r._mapping for r in conn.execute(
                select(contacts).where(contacts.c.customer_id == customer_id, contacts.c.org_id == org_id)
                .order_by(contacts.c.name))]


@blp.route("/orgs/<org_id>/contacts/<contact_id>")
class ContactById(MethodView):
    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.response(200, ContactOut)
    def get(self, org_id, contact_id):
        with read_only(runtime().engine) as conn:
            return _one(conn, contacts, "contact_id", contact_id, org_id, "contact")


@blp.route("/orgs/<org_id>/contacts/<contact_id>/invitations")
class Invitations(MethodView):
    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.arguments(InviteIn)
    @blp.response(202, ContactOut)
    def post(self, body, org_id, contact_id):
        """Send (or send again) the invitation mail; an earlier link stops working."""
        people.invite(runtime(), org_id, contact_id, body["link_base"], body["inviter"])
        with read_only(runtime().engine) as conn:
            return _one(conn, contacts, "contact_id", contact_id, org_id, "contact")


@blp.route("/orgs/<org_id>/contacts/<contact_id>/permissions")
class Permissions(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(PermissionsIn)
    @blp.response(200, ContactOut)
    def put(self, body, org_id, contact_id):
        people.change_permissions(runtime(), org_id, contact_id, body["permissions"], body["modules"])
        with read_only(runtime().engine) as conn:
            return _one(conn, contacts, "contact_id", contact_id, org_id, "contact")


@blp.route("/orgs/<org_id>/contacts/<contact_id>/mfa/reset")
class MfaReset(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(200, ContactOut)
    def post(self, org_id, contact_id):
        with read_only(runtime().engine) as conn:
            _one(conn, contacts, "contact_id", contact_id, org_id, "contact")
        mfa.reset(runtime(), org_id, contact_id)
        with read_only(runtime().engine) as conn:
            return _one(conn, contacts, "contact_id", contact_id, org_id, "contact")


@blp.route("/orgs/<org_id>/invitations/lookup")
class InvitationLookup(MethodView):
    @auth.public
    @blp.arguments(TokenIn)
    @blp.response(200, InvitationOut)
    def post(self, body, org_id):
        return people.lookup_invitation(runtime(), org_id, body["token"])


@blp.route("/orgs/<org_id>/invitations/accept")
class InvitationAccept(MethodView):
    @auth.public
    @blp.arguments(AcceptIn)
    @blp.response(201, SessionOut)
    def post(self, body, org_id):
        """Set a password and sign in; the link then stops working."""
        return people.accept_invitation(runtime(), org_id, body["token"], body["password"], body["ip"],
                                        body["user_agent"], SETTINGS)


@blp.route("/orgs/<org_id>/logins/<user_id>/profile")
class Profile(MethodView):
    @auth.requires("contact", "staff", self_param="user_id")
    @blp.response(200, ProfileOut)
    def get(self, org_id, user_id):
        return people.profile(runtime(), org_id, user_id)

    @auth.requires("contact", "staff", self_param="user_id")
    @blp.arguments(ProfileIn)
    @blp.response(200, ProfileOut)
    def patch(self, changes, org_id, user_id):
        if auth.principal().kind == "staff" and auth.principal().id != user_id:
            raise auth.Forbidden("Staff may change their own profile only.")
        return people.update_profile(runtime(), org_id, user_id, changes)
