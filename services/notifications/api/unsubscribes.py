"""Unsubscribe links over HTTP (services/notifications/API.md, "Unsubscribe links").

The routes are `@auth.public`, like billing's payment links: the signed token in the path is
the credential (it names org, recipient and topic; handlers/unsubscribes.py), and the
gateway's public /unsubscribe/<token> pages are their only caller (notifications is reachable
only inside the cluster). GET only reads; POST applies, idempotently, and only ever unsubscribes. A token
that does not verify with the path's org answers one and the same 404.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth, orgs
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.notifications.api.schemas import UnsubscribeOut
from services.notifications.domain import commands
from services.notifications.domain.unsubscribe import describe
from services.notifications.handlers import unsubscribes
from services.notifications.queries.unsubscribes import is_unsubscribed, read_token

blp = Blueprint("unsubscribes", __name__, description="Unsubscribe links of non-essential mail")


def _answer(conn, org_id: str, recipient: str, topic: str) -> dict:
    return {"org_name": orgs.get(conn, org_id)["name"], "topic": topic, "topic_label": describe(topic),
            "recipient_kind": recipient.split(":", 1)[0],
            "unsubscribed": is_unsubscribed(conn, org_id, recipient, topic)}


@blp.route("/orgs/<org_id>/unsubscribes/<token>")
class Unsubscribe(MethodView):
    @auth.public
    @blp.response(200, UnsubscribeOut)
    def get(self, org_id, token):
        """What the token would stop, and whether it already has. Changes nothing."""
        with read_only(runtime().engine) as conn:
            return _answer(conn, org_id, *read_token(conn, org_id, token))

    @auth.public
    @blp.response(200, UnsubscribeOut)
    def post(self, org_id, token):
        """Stop that topic's mail to that recipient (again: no change)."""
        recipient, topic = unsubscribes.apply_unsubscribe(runtime(), commands.Unsubscribe(org_id, token))
        with read_only(runtime().engine) as conn:
            return _answer(conn, org_id, recipient, topic)
