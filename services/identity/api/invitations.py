"""identity's API for inviting many contacts at once, the invitations list and resending
(the console's invitations pages). Single invitations are people.py's."""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.web import runtime
from services.identity.api.schemas import (BulkInviteIn, BulkInviteOut, ContactOut, InvitationQuery,
                                           InvitationRowOut, InviteIn)
from services.identity.domain.commands import InviteMany, ResendInvitation
from services.identity.domain.staff import MANAGERS
from services.identity.handlers import bulk_invitations, invitations
from services.identity.queries import directory
from services.identity.queries.invitations import invitations_page

blp = Blueprint("invitations", __name__, description="Bulk invitations, the invitations list, resending")


@blp.route("/orgs/<org_id>/invitations/bulk")
class BulkInvitations(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(BulkInviteIn)
    @blp.response(200, BulkInviteOut)
    def post(self, body, org_id):
        """Invite every item that can be (with `dry_run`, only say what would happen): a result
        per item, in order. Idempotent per (customer, e-mail)."""
        directory.organization(runtime(), org_id=org_id)           # 404 for an unknown org
        results = bulk_invitations.invite_many(runtime(), InviteMany(
            org_id, tuple(body["items"]), body["link_base"], body["inviter"], body["dry_run"]))
        counts: dict[str, int] = {}
        for result in results:
            counts[result["outcome"]] = counts.get(result["outcome"], 0) + 1
        return {"items": results, "counts": counts}


@blp.route("/orgs/<org_id>/invitations")
class InvitationList(MethodView):
    @auth.requires("staff", "system")
    @blp.arguments(InvitationQuery, location="query")
    @blp.response(200, InvitationRowOut(many=True))
    def get(self, query, org_id):
        """Contacts by name with their invitation's status; `X-Next-Cursor` goes in `after`."""
        rows, after = invitations_page(runtime(), org_id, query["status"], query["q"], query["after"],
                                       query["limit"])
        return rows, 200, ({"X-Next-Cursor": after} if after else {})


@blp.route("/orgs/<org_id>/contacts/<contact_id>/invitations/resend")
class Resend(MethodView):
    @auth.requires("staff", "system")
    @blp.arguments(InviteIn)
    @blp.response(202, ContactOut)
    def post(self, body, org_id, contact_id):
        """A fresh link for a contact who has not accepted yet; the old link dies. 429 with
        `retry_after` within a minute of the last invitation, or after 5 in a day."""
        invitations.resend(runtime(), ResendInvitation(org_id, contact_id, body["link_base"], body["inviter"]))
        return directory.contact(runtime(), org_id, contact_id)
