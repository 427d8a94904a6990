"""identity's API for staff and contacts: the staff console's calls, invitations, profiles."""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.web import runtime
from services.identity.api.schemas import (AcceptIn, ContactIn, ContactOut, CustomerIn, CustomerModulesIn,
                                           CustomerOut, InvitationOut,
                                           InviteIn, PermissionsIn, ProfileIn, ProfileOut, SessionOut, StaffIn,
                                           StaffOut, TokenIn)
from services.identity.domain.commands import (AcceptInvitation, AddContact, AddStaff, ChangePermissions,
                                               ChooseCustomerModules, ResetMfa, SendInvitation, UpdateCustomer,
                                               UpdateProfile)
from services.identity.domain.staff import MANAGERS
from services.identity.handlers import customers, invitations, mfa, people
from services.identity.queries import directory, profiles
from services.identity.queries.invitations import lookup_invitation

blp = Blueprint("people", __name__, description="Staff, contacts, invitations and profiles")


@blp.route("/orgs/<org_id>/staff")
class Staff(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(StaffIn)
    @blp.response(201, StaffOut)
    def post(self, body, org_id):
        caller = auth.principal()
        if body["role"] == "owner" and caller.kind == "staff" and caller.role != "owner":
            raise auth.Forbidden("Only an owner can add an owner.")
        staff_id = people.add_staff(runtime(), AddStaff(org_id, **body))
        return directory.staff_member(runtime(), org_id, staff_id)

    @auth.requires("staff", "system")
    @blp.response(200, StaffOut(many=True))
    def get(self, org_id):
        return directory.all_staff(runtime(), org_id)


@blp.route("/orgs/<org_id>/customers/<customer_id>")
class CustomerById(MethodView):
    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.response(200, CustomerOut)
    def get(self, org_id, customer_id):
        return directory.customer(runtime(), org_id, customer_id)

    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.arguments(CustomerIn)
    @blp.response(200, CustomerOut)
    def put(self, body, org_id, customer_id):
        """All of the customer's details (name, billing e-mail, address, tax id) at once."""
        customers.update_customer(runtime(), UpdateCustomer(org_id, customer_id, **body))
        return directory.customer(runtime(), org_id, customer_id)


@blp.route("/orgs/<org_id>/customers/<customer_id>/modules")
class CustomerModules(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(CustomerModulesIn)
    @blp.response(200, CustomerOut)
    def put(self, body, org_id, customer_id):
        """The modules the customer's contacts may use within the org's (null: all of the org's).
        Staff managers only: an API key could otherwise give back what it does not hold."""
        customers.choose_modules(runtime(), ChooseCustomerModules(org_id, customer_id, body["modules"]))
        return directory.customer(runtime(), org_id, customer_id)


def _grantable() -> tuple | None:
    """What the caller may grant a contact: an API key only the modules it holds (its scopes)."""
    caller = auth.principal()
    return tuple(caller.modules) if caller.kind == "api_key" else None


@blp.route("/orgs/<org_id>/customers/<customer_id>/contacts")
class Contacts(MethodView):
    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.arguments(ContactIn)
    @blp.response(201, ContactOut)
    def post(self, body, org_id, customer_id):
        contact_id = people.add_contact(runtime(), AddContact(org_id, customer_id, **body, grantable=_grantable()))
        return directory.contact(runtime(), org_id, contact_id)

    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.response(200, ContactOut(many=True))
    def get(self, org_id, customer_id):
        return directory.contacts_of(runtime(), org_id, customer_id)


@blp.route("/orgs/<org_id>/contacts/<contact_id>")
class ContactById(MethodView):
    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.response(200, ContactOut)
    def get(self, org_id, contact_id):
        return directory.contact(runtime(), org_id, contact_id)


@blp.route("/orgs/<org_id>/contacts/<contact_id>/invitations")
class Invitations(MethodView):
    @auth.requires("staff", "api_key", "system", module="customers")
    @blp.arguments(InviteIn)
    @blp.response(202, ContactOut)
    def post(self, body, org_id, contact_id):
        """Send (or send again) the invitation mail; an earlier link stops working."""
        invitations.invite(runtime(), SendInvitation(org_id, contact_id, body["link_base"], body["inviter"],
                                                     grantable=_grantable()))
        return directory.contact(runtime(), org_id, contact_id)


@blp.route("/orgs/<org_id>/contacts/<contact_id>/permissions")
class Permissions(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(PermissionsIn)
    @blp.response(200, ContactOut)
    def put(self, body, org_id, contact_id):
        people.change_permissions(runtime(), ChangePermissions(org_id, contact_id, body["permissions"],
                                                               body["modules"]))
        return directory.contact(runtime(), org_id, contact_id)


@blp.route("/orgs/<org_id>/contacts/<contact_id>/mfa/reset")
class MfaReset(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(200, ContactOut)
    def post(self, org_id, contact_id):
        directory.contact(runtime(), org_id, contact_id)
        mfa.reset(runtime(), ResetMfa(org_id, contact_id))
        return directory.contact(runtime(), org_id, contact_id)


@blp.route("/orgs/<org_id>/invitations/lookup")
class InvitationLookup(MethodView):
    @auth.public
    @blp.arguments(TokenIn)
    @blp.response(200, InvitationOut)
    def post(self, body, org_id):
        return lookup_invitation(runtime(), org_id, body["token"])


@blp.route("/orgs/<org_id>/invitations/accept")
class InvitationAccept(MethodView):
    @auth.public
    @blp.arguments(AcceptIn)
    @blp.response(201, SessionOut)
    def post(self, body, org_id):
        """Set a password and sign in; the link then stops working."""
        return invitations.accept_invitation(runtime(), AcceptInvitation(org_id, **body))


@blp.route("/orgs/<org_id>/logins/<user_id>/profile")
class Profile(MethodView):
    @auth.requires("contact", "staff", self_param="user_id")
    @blp.response(200, ProfileOut)
    def get(self, org_id, user_id):
        return profiles.profile(runtime(), org_id, user_id)

    @auth.requires("contact", "staff", self_param="user_id")
    @blp.arguments(ProfileIn)
    @blp.response(200, ProfileOut)
    def patch(self, changes, org_id, user_id):
        if auth.principal().kind == "staff" and auth.principal().id != user_id:
            raise auth.Forbidden("Staff may change their own profile only.")
        return people.update_profile(runtime(), UpdateProfile(org_id, user_id, changes))
