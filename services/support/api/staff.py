"""Tickets as staff see them: the inbox, raising on a customer's behalf, replies and internal
notes, status, closing, assignment, merging duplicates, read marks, canned replies, and the
reviews page. API keys (scope "tickets") may read the inbox and tickets and raise tickets,
so an internal system can mirror them."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.events import utc_now
from services.chassis.web import runtime
from services.support.api.common import detail, posted, since, viewer
from services.support.api.schemas import (AssignIn, CannedIn, CannedOut, CloseIn, MergeIn, MessageIn, NoteOut,
                                          ReviewsOut, SeenIn, StaffListArgs, StaffMessageOut, StaffNewMessagesOut,
                                          StaffTicketDetailOut, StaffTicketIn, StaffTicketPageOut, StatusIn,
                                          UnreadOut, SinceArgs)
from services.support.domain.commands import (AddCannedReply, AddNote, AssignTicket, CloseTicket, DeleteCannedReply,
                                              MarkSeen, MergeTicket, PostMessage, RaiseTicket, SetStatus)
from services.support.domain.viewer import Viewer
from services.support.handlers import canned_replies, tickets
from services.support.queries import canned_replies as canned_queries, reviews as review_queries, tickets as tq

blp = Blueprint("staff_tickets", __name__, description="Tickets, as staff see them")

READ = ("staff", "api_key")
TICKETS = dict(module="tickets")


def _staff_viewer() -> Viewer:
    """API keys read as staff do (their id marks nothing as read: they are not people)."""
    me = viewer()
    return me if me.kind == "staff" else Viewer("staff", f"key-{me.id}", me.org_id, name=me.name)


@blp.route("/orgs/<org_id>/tickets")
class Inbox(MethodView):
    @auth.requires(*READ, **TICKETS)
    @blp.arguments(StaffListArgs, location="query")
    @blp.response(200, StaffTicketPageOut)
    def get(self, args, org_id):
        """The org's tickets, newest activity first; filter by status ("active": not resolved
        or closed), priority, customer, assignee ("none": unassigned) and text."""
        with read_only(runtime().engine) as conn:
            return tq.listing(conn, _staff_viewer(), status=args["status"], priority=args["priority"],
                              customer_id=args["customer_id"], assignee_id=args["assignee_id"], q=args["q"],
                              cursor=args["cursor"], limit=args["limit"])

    @auth.requires(*READ, **TICKETS)
    @blp.arguments(StaffTicketIn)
    @blp.response(201, StaffTicketDetailOut)
    def post(self, body, org_id):
        """Raise a ticket for a customer (and, maybe, one of its contacts)."""
        me = _staff_viewer()
        ticket_id = tickets.raise_ticket(runtime(), RaiseTicket(
            org_id, body["customer_id"], body["subject"], body["description"], body["priority"],
            body["category"], raised_by="staff", author_id=me.id, author_name=me.name,
            contact_id=body["contact_id"]))
        return detail(ticket_id, me)


@blp.route("/orgs/<org_id>/tickets/unread")
class StaffUnread(MethodView):
    @auth.requires("staff")
    @blp.response(200, UnreadOut)
    def get(self, org_id):
        """Tickets with a customer's message this staff member has not read."""
        with read_only(runtime().engine) as conn:
            return {"tickets": tq.unread_total(conn, viewer())}


@blp.route("/orgs/<org_id>/tickets/<ticket_id>")
class StaffTicket(MethodView):
    @auth.requires(*READ, **TICKETS)
    @blp.response(200, StaffTicketDetailOut)
    def get(self, org_id, ticket_id):
        """The ticket, its conversation, its internal notes and its timeline."""
        return detail(ticket_id, _staff_viewer())


@blp.route("/orgs/<org_id>/tickets/<ticket_id>/messages")
class StaffMessages(MethodView):
    @auth.requires(*READ, **TICKETS)
    @blp.arguments(SinceArgs, location="query")
    @blp.response(200, StaffNewMessagesOut)
    def get(self, args, org_id, ticket_id):
        """Messages after `after`, with the read mark and the status (a live page catching up)."""
        return since(ticket_id, _staff_viewer(), args["after"])

    @auth.requires("staff")
    @blp.arguments(MessageIn)
    @blp.response(201, StaffMessageOut)
    def post(self, body, org_id, ticket_id):
        """Reply to the customer (TicketMessagePosted; they see it at once and are mailed)."""
        return posted(ticket_id, tickets.post_message(runtime(), PostMessage(viewer(), ticket_id, body["body"])))


@blp.route("/orgs/<org_id>/tickets/<ticket_id>/notes")
class StaffNotes(MethodView):
    @auth.requires("staff")
    @blp.arguments(MessageIn)
    @blp.response(201, NoteOut)
    def post(self, body, org_id, ticket_id):
        """An internal note (TicketNoteAdded): staff only, never shown to the customer."""
        data = tickets.add_note(runtime(), AddNote(viewer(), ticket_id, body["body"]))
        return {**data, "added_at": utc_now()}


def _command(ticket_id: str, handler, command_class, **fields) -> dict:
    """Run a staff command on the ticket (the caller acting), answer the ticket as it is now."""
    handler(runtime(), command_class(viewer(), ticket_id, **fields))
    return detail(ticket_id)


@blp.route("/orgs/<org_id>/tickets/<ticket_id>/status")
class StaffStatus(MethodView):
    @auth.requires("staff")
    @blp.arguments(StatusIn)
    @blp.response(200, StaffTicketDetailOut)
    def post(self, body, org_id, ticket_id):
        """Move the ticket: open, in_progress, waiting_on_customer or resolved."""
        return _command(ticket_id, tickets.set_status, SetStatus, status=body["status"])


@blp.route("/orgs/<org_id>/tickets/<ticket_id>/close")
class StaffClose(MethodView):
    @auth.requires("staff")
    @blp.arguments(CloseIn)
    @blp.response(200, StaffTicketDetailOut)
    def post(self, body, org_id, ticket_id):
        """Close the ticket with a resolution (TicketClosed). A closed ticket takes nothing more."""
        return _command(ticket_id, tickets.close_ticket, CloseTicket, resolution=body["resolution"])


@blp.route("/orgs/<org_id>/tickets/<ticket_id>/assign")
class StaffAssign(MethodView):
    @auth.requires("staff")
    @blp.arguments(AssignIn)
    @blp.response(200, StaffTicketDetailOut)
    def post(self, body, org_id, ticket_id):
        """Give the ticket to a staff member (`assignee_id` null: unassign)."""
        return _command(ticket_id, tickets.assign_ticket, AssignTicket, assignee_id=body["assignee_id"],
                        assignee_name=body["assignee_name"])


@blp.route("/orgs/<org_id>/tickets/<ticket_id>/merge")
class StaffMerge(MethodView):
    @auth.requires("staff")
    @blp.arguments(MergeIn)
    @blp.response(200, StaffTicketDetailOut)
    def post(self, body, org_id, ticket_id):
        """Close this ticket as a duplicate of another of the same customer."""
        return _command(ticket_id, tickets.merge_ticket, MergeTicket, into_ticket_id=body["into_ticket_id"])


@blp.route("/orgs/<org_id>/tickets/<ticket_id>/seen")
class StaffSeen(MethodView):
    @auth.requires("staff")
    @blp.arguments(SeenIn)
    @blp.response(200, SeenIn)
    def post(self, body, org_id, ticket_id):
        return {"seq": tickets.mark_seen(runtime(), MarkSeen(viewer(), ticket_id, body["seq"]))}


@blp.route("/orgs/<org_id>/canned-replies")
class CannedReplies(MethodView):
    @auth.requires("staff")
    @blp.response(200, CannedOut(many=True))
    def get(self, org_id):
        with read_only(runtime().engine) as conn:
            return canned_queries.listing(conn, org_id)

    @auth.requires("staff")
    @blp.arguments(CannedIn)
    @blp.response(201, CannedOut)
    def post(self, body, org_id):
        return canned_replies.add_canned_reply(runtime(), AddCannedReply(org_id, body["title"], body["body"]))


@blp.route("/orgs/<org_id>/canned-replies/<reply_id>")
class CannedReply(MethodView):
    @auth.requires("staff")
    @blp.response(204)
    def delete(self, org_id, reply_id):
        canned_replies.delete_canned_reply(runtime(), DeleteCannedReply(org_id, reply_id))


@blp.route("/orgs/<org_id>/reviews")
class StaffReviews(MethodView):
    @auth.requires("staff", "api_key", module="reviews")
    @blp.response(200, ReviewsOut)
    def get(self, org_id):
        """Reviews, newest first, with the average per month (UTC) and overall."""
        with read_only(runtime().engine) as conn:
            return review_queries.staff_view(conn, org_id)
