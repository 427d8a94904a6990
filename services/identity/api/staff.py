"""identity's API for managing the org's staff: invite, change role, remove (owners and
admins; only owners touch owners, and the org always keeps an active owner)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.web import runtime
from services.identity.api.schemas import InviteIn, RoleIn, StaffOut
from services.identity.domain.commands import ChangeStaffRole, RemoveStaff, SendInvitation
from services.identity.domain.staff import MANAGERS, OwnersOnly, StaffConflict
from services.identity.handlers import invitations, team
from services.identity.queries.directory import staff_member

blp = Blueprint("staff", __name__, description="The org's staff: invitations, roles, removal")


def _caller_role() -> str:
    caller = auth.principal()
    return "owner" if caller.kind == "system" else caller.role


@blp.route("/orgs/<org_id>/staff/<staff_id>/invitations")
class StaffInvitations(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(InviteIn)
    @blp.response(202, StaffOut)
    def post(self, body, org_id, staff_id):
        """Send (or send again) the invitation mail; an earlier link stops working."""
        if staff_member(runtime(), org_id, staff_id)["role"] == "owner" and _caller_role() != "owner":
            raise OwnersOnly("Only an owner can invite an owner.")
        invitations.invite(runtime(), SendInvitation(org_id, staff_id, body["link_base"], body["inviter"],
                                                     kind="staff"))
        return staff_member(runtime(), org_id, staff_id)


@blp.route("/orgs/<org_id>/staff/<staff_id>/role")
class StaffRole(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(RoleIn)
    @blp.response(200, StaffOut)
    def put(self, body, org_id, staff_id):
        team.change_role(runtime(), ChangeStaffRole(org_id, staff_id, body["role"], _caller_role()))
        return staff_member(runtime(), org_id, staff_id)


@blp.route("/orgs/<org_id>/staff/<staff_id>/remove")
class StaffRemoval(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(200, StaffOut)
    def post(self, org_id, staff_id):
        """The member can no longer sign in; their sessions end at once."""
        if auth.principal().id == staff_id:
            raise StaffConflict("You cannot remove yourself; ask another owner or admin.")
        team.remove(runtime(), RemoveStaff(org_id, staff_id, _caller_role()))
        return staff_member(runtime(), org_id, staff_id)
