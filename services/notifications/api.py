"""notifications' HTTP API: the staff activity feed and outbound webhooks."""
from datetime import datetime, timezone

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from services.chassis import auth, orgs
from services.chassis.db import read_only
from services.chassis.errors import NotFound
from services.chassis.web import runtime
from services.notifications import webhooks as hooks
from services.notifications.api_feed import feed_blp
from services.notifications.api_mail import mail_blp
from services.notifications.api_unsubscribe import blp as unsubscribe_blp
from services.notifications.projections import activity, webhook_targets, webhooks

MANAGERS = ("owner", "admin")      # may change what the org sends and to where

blp = Blueprint("activity", __name__, description="Staff activity feed")
wh = Blueprint("webhooks", __name__, description="Outbound webhooks for internal systems")


class FeedArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    before = fields.Integer(load_default=None, metadata={"description": "id to page back from"})


class ActivityOut(Schema):
    id = fields.Integer()
    event_id = fields.String()
    service = fields.String()
    type = fields.String()
    aggregate_type = fields.String()
    aggregate_id = fields.String()
    actor_kind = fields.String()
    occurred_at = fields.String()


@blp.route("/orgs/<org_id>/activity")
class Feed(MethodView):
    @auth.requires("staff", "system")
    @blp.arguments(FeedArgs, location="query")
    @blp.response(200, ActivityOut(many=True))
    def get(self, args, org_id):
        query = select(activity).where(activity.c.org_id == org_id)
        if args["before"]:
            query = query.where(activity.c.id < args["before"])
        with read_only(runtime().engine) as conn:
            return [r._mapping for r in conn.execute(
                query.order_by(activity.c.id.desc()).limit(args["limit"]))]


class WebhookIn(Schema):
    url = fields.String(required=True, validate=validate.Length(min=8, max=2000))
    event_types = fields.List(fields.String(validate=validate.Length(max=100)), required=True,
                              validate=validate.Length(min=1, max=100))


class WebhookOut(Schema):
    webhook_id = fields.String()
    url = fields.String()
    event_types = fields.List(fields.String())
    active = fields.Boolean()
    disabled_reason = fields.String(allow_none=True)


class WebhookCreated(WebhookOut):
    secret = fields.String(metadata={"description": "Shown once: sign-check deliveries with it."})


class DeliveryOut(Schema):
    delivery_id = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.String()
    finished_at = fields.String(allow_none=True)
    next_attempt_at = fields.String(allow_none=True, metadata={"description": "the next retry, while pending"})


def _listing():
    return select(webhooks, webhook_targets.c.url).join(
        webhook_targets, webhook_targets.c.webhook_id == webhooks.c.webhook_id)


def _webhook(conn, org_id: str, webhook_id: str):
    row = conn.execute(_listing().where(webhooks.c.org_id == org_id,
                                        webhooks.c.webhook_id == webhook_id)).first()
    if row is None:
        raise NotFound("No such webhook.")
    return row._mapping


@wh.route("/orgs/<org_id>/webhooks")
class Webhooks(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @wh.arguments(WebhookIn)
    @wh.response(201, WebhookCreated)
    def post(self, body, org_id):
        webhook_id, secret = hooks.register(runtime().store, org_id, body["url"], body["event_types"],
                                            hooks.WebhookSettings.from_env())
        with read_only(runtime().engine) as conn:
            return {**_webhook(conn, org_id, webhook_id), "secret": secret}

    @auth.requires("staff", "system")
    @wh.response(200, WebhookOut(many=True))
    def get(self, org_id):
        with read_only(runtime().engine) as conn:
            return [r._mapping for r in conn.execute(
                _listing().where(webhooks.c.org_id == org_id).order_by(webhook_targets.c.url))]


@wh.route("/orgs/<org_id>/webhooks/<webhook_id>")
class WebhookOne(MethodView):
    @auth.requires("staff", "system")
    @wh.response(200, WebhookOut)
    def get(self, org_id, webhook_id):
        with read_only(runtime().engine) as conn:
            return _webhook(conn, org_id, webhook_id)

    @auth.requires("staff", "system", roles=MANAGERS)
    @wh.response(204)
    def delete(self, org_id, webhook_id):
        """No more deliveries; the URL and signing secret are forgotten."""
        hooks.delete_webhook(runtime().store, org_id, webhook_id)


@wh.route("/orgs/<org_id>/webhooks/<webhook_id>/<any(enable, disable):action>")
class WebhookSwitch(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @wh.response(200, WebhookOut)
    def post(self, org_id, webhook_id, action):
        hooks.set_active(runtime().store, org_id, webhook_id, action == "enable")
        with read_only(runtime().engine) as conn:
            return _webhook(conn, org_id, webhook_id)


@wh.route("/orgs/<org_id>/webhooks/<webhook_id>/deliveries")
class Deliveries(MethodView):
    @auth.requires("staff", "system")
    @wh.response(200, DeliveryOut(many=True))
    def get(self, org_id, webhook_id):
        with read_only(runtime().engine) as conn:
            _webhook(conn, org_id, webhook_id)
            return [{**r._mapping, "next_attempt_at": _moment(r.next_attempt_at) if r.status == "pending" else None}
                    for r in hooks.deliveries_of(conn, org_id, webhook_id)]


def _moment(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")


def blueprints():
    return [orgs.blueprint("notifications"), blp, wh, mail_blp, feed_blp, unsubscribe_blp]
