"""Tickets as contacts see them (services/support/API.md; module "tickets": `view` to read,
`submit_tickets` to raise, write, reopen and rate). Everything a contact reads is scoped by
queries/tickets.visible(): another customer's or org's ticket is a 404."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.support.api.common import detail, posted, since, viewer
from services.support.api.schemas import (MessageIn, MessageOut, NewMessagesOut, ListArgs, ReviewIn, ReviewOut,
                                          SeenIn, TicketDetailOut, TicketIn, TicketPageOut, UnreadOut, SinceArgs)
from services.support.domain.commands import MarkSeen, PostMessage, RaiseTicket, ReopenTicket, SubmitReview
from services.support.handlers import reviews, tickets
from services.support.queries import tickets as tq

blp = Blueprint("tickets", __name__, description="Tickets, as contacts see them")

VIEW = dict(module="tickets", permission="view")
SUBMIT = dict(module="tickets", permission="submit_tickets")


@blp.route("/orgs/<org_id>/customers/<customer_id>/tickets")
class CustomerTickets(MethodView):
    @auth.requires("contact", **VIEW)
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, TicketPageOut)
    def get(self, args, org_id, customer_id):
        """The tickets this contact may see, newest activity first, with unread flags."""
        with read_only(runtime().engine) as conn:
            return tq.listing(conn, viewer(), status=args["status"], priority=args["priority"], q=args["q"],
                              cursor=args["cursor"], limit=args["limit"])

    @auth.requires("contact", **SUBMIT)
    @blp.arguments(TicketIn)
    @blp.response(201, TicketDetailOut)
    def post(self, body, org_id, customer_id):
        """Raise a ticket (TicketRaised; the description is its first message)."""
        me = viewer()
        ticket_id = tickets.raise_ticket(runtime(), RaiseTicket(
            org_id, customer_id, body["subject"], body["description"], body["priority"], body["category"],
            raised_by="contact", author_id=me.id, author_name=me.name, contact_id=me.id))
        return detail(ticket_id, me)


@blp.route("/orgs/<org_id>/customers/<customer_id>/tickets/unread")
class CustomerUnread(MethodView):
    @auth.requires("contact", **VIEW)
    @blp.response(200, UnreadOut)
    def get(self, org_id, customer_id):
        """How many of the contact's tickets have a reply they have not read (the nav badge)."""
        with read_only(runtime().engine) as conn:
            return {"tickets": tq.unread_total(conn, viewer())}


@blp.route("/orgs/<org_id>/customers/<customer_id>/tickets/<ticket_id>")
class CustomerTicket(MethodView):
    @auth.requires("contact", **VIEW)
    @blp.response(200, TicketDetailOut)
    def get(self, org_id, customer_id, ticket_id):
        """The ticket, its conversation (oldest first, by `seq`) and its timeline. Never a note."""
        return detail(ticket_id)


@blp.route("/orgs/<org_id>/customers/<customer_id>/tickets/<ticket_id>/messages")
class CustomerMessages(MethodView):
    @auth.requires("contact", **VIEW)
    @blp.arguments(SinceArgs, location="query")
    @blp.response(200, NewMessagesOut)
    def get(self, args, org_id, customer_id, ticket_id):
        """Messages after `after`, with the other side's read mark and the status (a live page catching up)."""
        return since(ticket_id, viewer(), args["after"])

    @auth.requires("contact", **SUBMIT)
    @blp.arguments(MessageIn)
    @blp.response(201, MessageOut)
    def post(self, body, org_id, customer_id, ticket_id):
        """Write in the conversation (TicketMessagePosted). A reply moves a ticket waiting on the
        customer back to open and reopens a resolved one within the org's window (409 after)."""
        return posted(ticket_id, tickets.post_message(runtime(), PostMessage(viewer(), ticket_id, body["body"])))


@blp.route("/orgs/<org_id>/customers/<customer_id>/tickets/<ticket_id>/seen")
class CustomerSeen(MethodView):
    @auth.requires("contact", **VIEW)
    @blp.arguments(SeenIn)
    @blp.response(200, SeenIn)
    def post(self, body, org_id, customer_id, ticket_id):
        """The contact has read up to message `seq` (the mark never moves back)."""
        return {"seq": tickets.mark_seen(runtime(), MarkSeen(viewer(), ticket_id, body["seq"]))}


@blp.route("/orgs/<org_id>/customers/<customer_id>/tickets/<ticket_id>/reopen")
class CustomerReopen(MethodView):
    @auth.requires("contact", **SUBMIT)
    @blp.response(200, TicketDetailOut)
    def post(self, org_id, customer_id, ticket_id):
        """Reopen a resolved ticket within the org's window (`ticket_reopen_days`, default 14)."""
        tickets.reopen_ticket(runtime(), ReopenTicket(viewer(), ticket_id))
        return detail(ticket_id)


@blp.route("/orgs/<org_id>/customers/<customer_id>/tickets/<ticket_id>/rating")
class CustomerRating(MethodView):
    @auth.requires("contact", **SUBMIT)
    @blp.arguments(ReviewIn)
    @blp.response(201, ReviewOut)
    def post(self, body, org_id, customer_id, ticket_id):
        """Rate a resolved ticket's resolution, once (ReviewSubmitted about the ticket)."""
        return reviews.submit_review(runtime(), SubmitReview(viewer(), body["rating"], body["comment"], ticket_id))
