"""notifications' HTTP API for the staff console: each staff member's unread count and
"mark read" on the activity feed, their activity mail preferences, and the event types a
webhook may subscribe to."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from contracts.catalogue import CATALOGUE
from services.chassis import auth, orgs
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.notifications import feed, staff_mail
from services.notifications.domain.activity_kinds import ACTIVITY_KINDS, MODES
from services.notifications.webhooks import KNOWN_TYPES

feed_blp = Blueprint("activity_reads", __name__, description="Each staff member's read marker on the feed")


class UnreadOut(Schema):
    unread = fields.Integer(metadata={"description": "feed entries after the caller's marker"})
    last_read_id = fields.Integer(metadata={"description": "the highest activity id the caller has read (0: none)"})


class ReadIn(Schema):
    up_to = fields.Integer(load_default=None, validate=validate.Range(min=1),
                           metadata={"description": "mark read up to this activity id (default: all)"})


class EventTypeOut(Schema):
    type = fields.String()
    service = fields.String()


@feed_blp.route("/orgs/<org_id>/activity/unread")
class Unread(MethodView):
    @auth.requires("staff")
    @feed_blp.response(200, UnreadOut)
    def get(self, org_id):
        """The caller's own unread count (the staff id comes from the internal token)."""
        with read_only(runtime().engine) as conn:
            orgs.get(conn, org_id)
            return feed.unread(conn, org_id, auth.principal().id)


@feed_blp.route("/orgs/<org_id>/activity/read")
class MarkRead(MethodView):
    @auth.requires("staff")
    @feed_blp.arguments(ReadIn)
    @feed_blp.response(200, UnreadOut)
    def post(self, body, org_id):
        """Mark the feed read for the caller; the marker never moves back."""
        staff_id = auth.principal().id
        with runtime().engine.begin() as conn:
            orgs.get(conn, org_id)
            feed.mark_read(conn, org_id, staff_id, body["up_to"])
        with read_only(runtime().engine) as conn:
            return feed.unread(conn, org_id, staff_id)


@feed_blp.route("/orgs/<org_id>/webhook-event-types")
class EventTypes(MethodView):
    @auth.requires("staff", "system")
    @feed_blp.response(200, EventTypeOut(many=True))
    def get(self, org_id):
        """The catalogue's event types a webhook may subscribe to (or "*" for all)."""
        return [{"type": t, "service": CATALOGUE[t].service} for t in sorted(KNOWN_TYPES)]


PreferencesSchema = Schema.from_dict(
    {kind: fields.String(validate=validate.OneOf(MODES)) for kind in ACTIVITY_KINDS},
    name="ActivityMailPreferences")


@feed_blp.route("/orgs/<org_id>/activity/preferences")
class Preferences(MethodView):
    @auth.requires("staff")
    @feed_blp.response(200, PreferencesSchema)
    def get(self, org_id):
        """The caller's choice per kind of activity: off (default), immediate or daily."""
        with read_only(runtime().engine) as conn:
            orgs.get(conn, org_id)
            return staff_mail.preferences(conn, org_id, auth.principal().id)

    @auth.requires("staff")
    @feed_blp.arguments(PreferencesSchema)
    @feed_blp.response(200, PreferencesSchema)
    def put(self, body, org_id):
        """Change some or all kinds; the kinds not sent keep their choice."""
        staff_id = auth.principal().id
        with runtime().engine.begin() as conn:
            staff_mail.set_preferences(conn, org_id, staff_id, body)
        with read_only(runtime().engine) as conn:
            return staff_mail.preferences(conn, org_id, staff_id)
