"""Outbound webhooks for internal systems: register (the secret shown once), list, switch
on and off, delete, and each one's delivery log. "Managers" (owner, admin) change them."""
from datetime import datetime, timezone

from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.notifications.api.schemas import DeliveryOut, WebhookCreated, WebhookIn, WebhookOut
from services.notifications.domain.commands import DeleteWebhook, RegisterWebhook, SetWebhookActive
from services.notifications.handlers import webhooks as hooks
from services.notifications.queries import webhooks as hook_queries

MANAGERS = ("owner", "admin")      # may change what the org sends and to where

wh = Blueprint("webhooks", __name__, description="Outbound webhooks for internal systems")


@wh.route("/orgs/<org_id>/webhooks")
class Webhooks(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @wh.arguments(WebhookIn)
    @wh.response(201, WebhookCreated)
    def post(self, body, org_id):
        webhook_id, secret = hooks.register_webhook(runtime(), RegisterWebhook(org_id, body["url"],
                                                                               body["event_types"]))
        with read_only(runtime().engine) as conn:
            return {**hook_queries.one(conn, org_id, webhook_id), "secret": secret}

    @auth.requires("staff", "system")
    @wh.response(200, WebhookOut(many=True))
    def get(self, org_id):
        with read_only(runtime().engine) as conn:
            return hook_queries.listing(conn, org_id)


@wh.route("/orgs/<org_id>/webhooks/<webhook_id>")
class WebhookOne(MethodView):
    @auth.requires("staff", "system")
    @wh.response(200, WebhookOut)
    def get(self, org_id, webhook_id):
        with read_only(runtime().engine) as conn:
            return hook_queries.one(conn, org_id, webhook_id)

    @auth.requires("staff", "system", roles=MANAGERS)
    @wh.response(204)
    def delete(self, org_id, webhook_id):
        """No more deliveries; the URL and signing secret are forgotten."""
        hooks.delete_webhook(runtime(), DeleteWebhook(org_id, webhook_id))


@wh.route("/orgs/<org_id>/webhooks/<webhook_id>/<any(enable, disable):action>")
class WebhookSwitch(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @wh.response(200, WebhookOut)
    def post(self, org_id, webhook_id, action):
        hooks.set_webhook_active(runtime(), SetWebhookActive(org_id, webhook_id, action == "enable"))
        with read_only(runtime().engine) as conn:
            return hook_queries.one(conn, org_id, webhook_id)


@wh.route("/orgs/<org_id>/webhooks/<webhook_id>/deliveries")
class Deliveries(MethodView):
    @auth.requires("staff", "system")
    @wh.response(200, DeliveryOut(many=True))
    def get(self, org_id, webhook_id):
        with read_only(runtime().engine) as conn:
            hook_queries.one(conn, org_id, webhook_id)
            return [{**r, "next_attempt_at": _moment(r["next_attempt_at"]) if r["status"] == "pending" else None}
                    for r in hook_queries.deliveries_of(conn, org_id, webhook_id)]


def _moment(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")
