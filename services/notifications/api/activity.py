"""The staff activity feed: the org's feed (blueprint "activity"), and for the staff
console (blueprint "activity_reads") each staff member's unread count and "mark read",
their activity mail preferences, and the event types a webhook may subscribe to."""
from flask.views import MethodView
from flask_smorest import Blueprint

from contracts.catalogue import CATALOGUE
from services.chassis import auth, orgs
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.notifications.api.schemas import ActivityOut, EventTypeOut, FeedArgs, PreferencesSchema, ReadIn, UnreadOut
from services.notifications.domain.commands import MarkFeedRead, SetMailPreferences
from services.notifications.handlers import feed, staff_mail
from services.notifications.handlers.webhooks import KNOWN_TYPES
from services.notifications.queries import feed as feed_queries, staff_mail as staff_mail_queries

blp = Blueprint("activity", __name__, description="Staff activity feed")
feed_blp = Blueprint("activity_reads", __name__, description="Each staff member's read marker on the feed")


@blp.route("/orgs/<org_id>/activity")
class Feed(MethodView):
    @auth.requires("staff", "system")
    @blp.arguments(FeedArgs, location="query")
    @blp.response(200, ActivityOut(many=True))
    def get(self, args, org_id):
        with read_only(runtime().engine) as conn:
            return feed_queries.listing(conn, org_id, args["limit"], args["before"])


@feed_blp.route("/orgs/<org_id>/activity/unread")
class Unread(MethodView):
    @auth.requires("staff")
    @feed_blp.response(200, UnreadOut)
    def get(self, org_id):
        """The caller's own unread count (the staff id comes from the internal token)."""
        with read_only(runtime().engine) as conn:
            orgs.get(conn, org_id)
            return feed_queries.unread(conn, org_id, auth.principal().id)


@feed_blp.route("/orgs/<org_id>/activity/read")
class MarkRead(MethodView):
    @auth.requires("staff")
    @feed_blp.arguments(ReadIn)
    @feed_blp.response(200, UnreadOut)
    def post(self, body, org_id):
        """Mark the feed read for the caller; the marker never moves back."""
        staff_id = auth.principal().id
        feed.mark_feed_read(runtime(), MarkFeedRead(org_id, staff_id, body["up_to"]))
        with read_only(runtime().engine) as conn:
            return feed_queries.unread(conn, org_id, staff_id)


@feed_blp.route("/orgs/<org_id>/webhook-event-types")
class EventTypes(MethodView):
    @auth.requires("staff", "system")
    @feed_blp.response(200, EventTypeOut(many=True))
    def get(self, org_id):
        """The catalogue's event types a webhook may subscribe to (or "*" for all)."""
        return [{"type": t, "service": CATALOGUE[t].service} for t in sorted(KNOWN_TYPES)]


@feed_blp.route("/orgs/<org_id>/activity/preferences")
class Preferences(MethodView):
    @auth.requires("staff")
    @feed_blp.response(200, PreferencesSchema)
    def get(self, org_id):
        """The caller's choice per kind of activity: off (default), immediate or daily."""
        with read_only(runtime().engine) as conn:
            orgs.get(conn, org_id)
            return staff_mail_queries.preferences(conn, org_id, auth.principal().id)

    @auth.requires("staff")
    @feed_blp.arguments(PreferencesSchema)
    @feed_blp.response(200, PreferencesSchema)
    def put(self, body, org_id):
        """Change some or all kinds; the kinds not sent keep their choice."""
        staff_id = auth.principal().id
        staff_mail.set_mail_preferences(runtime(), SetMailPreferences(org_id, staff_id, body))
        with read_only(runtime().engine) as conn:
            return staff_mail_queries.preferences(conn, org_id, staff_id)
