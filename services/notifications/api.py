"""notifications' HTTP API: the staff activity feed."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from services.chassis import orgs
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.notifications.projections import activity

blp = Blueprint("activity", __name__, description="Staff activity feed")


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
    @blp.arguments(FeedArgs, location="query")
    @blp.response(200, ActivityOut(many=True))
    def get(self, args, org_id):
        query = select(activity).where(activity.c.org_id == org_id)
        if args["before"]:
            query = query.where(activity.c.id < args["before"])
        with read_only(runtime().engine) as conn:
            return [r._mapping for r in conn.execute(
                query.order_by(activity.c.id.desc()).limit(args["limit"]))]


def blueprints():
    return [orgs.blueprint("notifications"), blp]
