"""Unsubscribe links over HTTP (services/notifications/API.md, "Unsubscribe links").

The routes are `@auth.public`, like billing's payment links: the signed token in the path is
the credential (it names org, recipient and topic; unsubscribes.py), and the gateway's public
/unsubscribe/<token> pages are their only caller (notifications is reachable only inside the
cluster). GET only reads; POST applies, idempotently, and only ever unsubscribes. A token
that does not verify with the path's org answers one and the same 404.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.chassis import auth, orgs
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.notifications import staff_mail, unsubscribes
from services.notifications.domain.unsubscribe import describe

blp = Blueprint("unsubscribes", __name__, description="Unsubscribe links of non-essential mail")


class UnsubscribeOut(Schema):
    org_name = fields.String()
    topic = fields.String(metadata={"description": "invoices, tickets, documents (contacts), activity (staff)"})
    topic_label = fields.String(metadata={"description": "the topic in words: \"replies to your tickets\""})
    recipient_kind = fields.String(metadata={"description": "contact, staff or email"})
    unsubscribed = fields.Boolean()


def _answer(conn, org_id: str, recipient: str, topic: str) -> dict:
    return {"org_name": orgs.get(conn, org_id)["name"], "topic": topic, "topic_label": describe(topic),
            "recipient_kind": recipient.split(":", 1)[0],
            "unsubscribed": unsubscribes.is_unsubscribed(conn, org_id, recipient, topic)}


@blp.route("/orgs/<org_id>/unsubscribes/<token>")
class Unsubscribe(MethodView):
    @auth.public
    @blp.response(200, UnsubscribeOut)
    def get(self, org_id, token):
        """What the token would stop, and whether it already has. Changes nothing."""
        with read_only(runtime().engine) as conn:
            return _answer(conn, org_id, *unsubscribes.read_token(conn, org_id, token))

    @auth.public
    @blp.response(200, UnsubscribeOut)
    def post(self, org_id, token):
        """Stop that topic's mail to that recipient (again: no change)."""
        with runtime().engine.begin() as conn:
            recipient, topic = unsubscribes.read_token(conn, org_id, token)
            unsubscribes.unsubscribe(conn, org_id, recipient, topic)
            if recipient.startswith("staff:") and topic == "activity":
                staff_mail.all_off(conn, org_id, recipient.split(":", 1)[1])
            return _answer(conn, org_id, recipient, topic)
