"""Comments on invoices and forwarding them, over HTTP (services/billing/API.md, "Comments
and forwarding").

Contacts (module "invoices", permission "view") read and post their customer's visible
comments; staff read every comment (with `internal`) and post internal notes or comments
"shown in the portal". Contacts with the permission "forward" send an invoice's link to
an address, where the org's `forward_documents` switch is on, at most 20 an hour.
Another customer's or org's invoice, and a draft, answer 404 to contacts.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.billing.domain.commands import ForwardInvoice, PostComment
from services.billing.domain.conversation import MAX_MESSAGE
from services.billing.handlers import comments
from services.billing.queries import comments as queries
from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime

blp = Blueprint("comments", __name__, description="Invoice comments and forwarding")

VIEW = dict(module="invoices", permission="view")
FORWARD = dict(module="invoices", permission="forward")
TEXT_LIMIT = 20000          # the body's own bound; the rule (1-5000 after trimming) is the domain's


class CommentIn(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_LIMIT),
                         metadata={"description": "Plain text, 1 to 5000 characters."})


class StaffCommentIn(CommentIn):
    show_in_portal = fields.Boolean(load_default=False, metadata={
        "description": "true: the customer sees it (and is mailed); false: an internal note."})


class CommentOut(Schema):
    comment_id = fields.String()
    invoice_id = fields.String()
    author_kind = fields.String(metadata={"description": "contact or staff"})
    author_name = fields.String(allow_none=True)
    text = fields.String(metadata={"description": "Plain text: show it escaped."})
    posted_at = fields.String()


class StaffCommentOut(CommentOut):
    author_id = fields.String()
    internal = fields.Boolean(metadata={"description": "true: never shown to the customer"})


class CommentListOut(Schema):
    items = fields.List(fields.Nested(CommentOut))


class StaffCommentListOut(Schema):
    items = fields.List(fields.Nested(StaffCommentOut))


class ForwardIn(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    message = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_MESSAGE))


class ForwardOut(Schema):
    invoice_id = fields.String()
    invoice_number = fields.String()
    recipient_email = fields.String()
    message = fields.String(allow_none=True)


def listed_comments(org_id, invoice_id, for_customer, customer_id=None):
    with read_only(runtime().engine) as conn:
        return {"items": queries.comments(conn, org_id, invoice_id, for_customer, customer_id=customer_id,
                                          caller=auth.principal())}


def _one(org_id, comment_id, for_customer):
    with read_only(runtime().engine) as conn:
        return queries.comment(conn, org_id, comment_id, for_customer)


@blp.route("/orgs/<org_id>/customers/<customer_id>/invoices/<invoice_id>/comments")
class CustomerComments(MethodView):
    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.response(200, CommentListOut)
    def get(self, org_id, customer_id, invoice_id):
        """The conversation as the customer sees it (never an internal note), oldest first."""
        return listed_comments(org_id, invoice_id, True, customer_id)

    @auth.requires("contact", **VIEW)
    @blp.arguments(CommentIn)
    @blp.response(201, CommentOut)
    def post(self, body, org_id, customer_id, invoice_id):
        """A contact comments on their customer's invoice (CommentPosted, visible to the customer)."""
        caller = auth.principal()
        comment_id = comments.post_comment(runtime(), PostComment(
            org_id, invoice_id, body["text"], "contact", caller.id, caller.name, visible_to_customer=True,
            customer_id=customer_id))
        return _one(org_id, comment_id, for_customer=True)


@blp.route("/orgs/<org_id>/invoices/<invoice_id>/comments")
class StaffComments(MethodView):
    @auth.requires("staff", "api_key", "system", module="invoices")
    @blp.response(200, StaffCommentListOut)
    def get(self, org_id, invoice_id):
        """Every comment, internal notes included (`internal`), oldest first."""
        return listed_comments(org_id, invoice_id, False)

    @auth.requires("staff")
    @blp.arguments(StaffCommentIn)
    @blp.response(201, StaffCommentOut)
    def post(self, body, org_id, invoice_id):
        """Staff comment: internal (default) or shown in the portal (`show_in_portal`)."""
        caller = auth.principal()
        comment_id = comments.post_comment(runtime(), PostComment(
            org_id, invoice_id, body["text"], "staff", caller.id, caller.name,
            visible_to_customer=body["show_in_portal"]))
        return _one(org_id, comment_id, for_customer=False)


@blp.route("/orgs/<org_id>/customers/<customer_id>/invoices/<invoice_id>/forward")
class ForwardView(MethodView):
    @auth.requires("contact", **FORWARD)
    @blp.arguments(ForwardIn)
    @blp.response(202, ForwardOut)
    def post(self, body, org_id, customer_id, invoice_id):
        """Send the invoice's link to `email` (InvoiceForwarded; notifications mails it). Grants
        nothing: the recipient signs in as a contact of the customer to open it. 403 where the
        org's `forward_documents` is off; 429 past 20 forwards an hour per contact."""
        caller = auth.principal()
        data = comments.forward_invoice(runtime(), ForwardInvoice(
            org_id, customer_id, invoice_id, caller.id, body["email"], body["message"], caller.name))
        return data
