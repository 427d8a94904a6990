"""notifications' HTTP API for e-mail: queue (for other services), log, resend, templates per org."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from services.chassis import auth, orgs
from services.chassis.db import read_only
from services.chassis.errors import NotFound
from services.chassis.web import runtime
from services.notifications import mail
from services.notifications.domain.email_template import kind_of
from services.notifications.domain.mail_kinds import KINDS
from services.notifications.projections import emails

MANAGERS = ("owner", "admin")

mail_blp = Blueprint("email", __name__, description="E-mail: sending, log, templates per org")


class EmailIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(sorted(KINDS)))
    to = fields.Email(required=True)
    name = fields.String(load_default=None, validate=validate.Length(max=200))
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    idempotency_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    locale = fields.String(load_default="en", validate=validate.Regexp(r"^[a-z]{2}(-[A-Z]{2})?$"))
    customer_id = fields.String(load_default=None)
    contact_id = fields.String(load_default=None)


STATUSES = ("pending", "sent", "failed", "unconfirmed", "unsubscribed")


class EmailListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class EmailOut(Schema):
    email_id = fields.String()
    kind = fields.String()
    recipient = fields.String()
    recipient_name = fields.String(allow_none=True)
    subject = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.String()
    sent_at = fields.String(allow_none=True)


class EmailDetailOut(EmailOut):
    text = fields.String(allow_none=True, metadata={"description": "null when `redacted`"})
    html = fields.String(allow_none=True, metadata={"description": "null when `redacted`; show it only sandboxed"})
    redacted = fields.Boolean(metadata={"description": "the mail carries a one-time link meant for its "
                                                       "recipient alone (invitation, password reset, verification)"})


# Mails whose link is a credential for their recipient alone: staff may see that they were
# sent, never what they said (an admin reading a contact's reset link could take the account).
ONE_TIME_LINK_KINDS = ("invitation", "password_reset", "email_verification")


class TemplateIn(Schema):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=300))
    text = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    html = fields.String(load_default=None, validate=validate.Length(max=50000))


class DraftIn(Schema):
    subject = fields.String(load_default=None, validate=validate.Length(max=300))
    text = fields.String(load_default=None, validate=validate.Length(max=20000))
    html = fields.String(load_default=None, validate=validate.Length(max=50000))


class TemplateOut(Schema):
    kind = fields.String()
    locale = fields.String()
    subject = fields.String()
    text = fields.String()
    html = fields.String(allow_none=True)
    custom = fields.Boolean()
    placeholders = fields.List(fields.String())


class RenderedOut(Schema):
    subject = fields.String()
    text = fields.String()
    html = fields.String()


def _email(conn, org_id: str, email_id: str):
    row = conn.execute(select(emails).where(emails.c.org_id == org_id,
                                            emails.c.email_id == email_id)).first()
    if row is None:
        raise NotFound("No such e-mail.")
    return row._mapping


@mail_blp.route("/orgs/<org_id>/emails")
class Emails(MethodView):
    @auth.requires("staff", "system")
    @mail_blp.arguments(EmailIn)
    @mail_blp.response(202, EmailOut)
    def post(self, body, org_id):
        """Queue a mail (for other services: invitations, resets, receipts ...).
        The same idempotency key queues it once."""
        email_id, _ = mail.enqueue(runtime().store, org_id, **body)
        with read_only(runtime().engine) as conn:
            return _email(conn, org_id, email_id)

    @auth.requires("staff", "system")
    @mail_blp.arguments(EmailListArgs, location="query")
    @mail_blp.response(200, EmailOut(many=True))
    def get(self, args, org_id):
        """The org's mails, newest first; `status` filters (pending includes those being sent)."""
        with read_only(runtime().engine) as conn:
            return [r._mapping for r in mail.listing(conn, org_id, **args)]


@mail_blp.route("/orgs/<org_id>/emails/<email_id>")
class EmailView(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @mail_blp.response(200, EmailDetailOut)
    def get(self, org_id, email_id):
        """One mail as it was sent (owners and admins). A mail carrying a one-time link for its
        recipient alone (invitation, password reset, verification) answers without its text."""
        with read_only(runtime().engine) as conn:
            row = dict(_email(conn, org_id, email_id))
        redacted = row["kind"] in ONE_TIME_LINK_KINDS
        return {**row, "redacted": redacted, "text": None if redacted else row["text_body"],
                "html": None if redacted else row["html_body"]}


@mail_blp.route("/orgs/<org_id>/emails/<email_id>/resend")
class Resend(MethodView):
    @auth.requires("staff", "system")
    @mail_blp.response(200, EmailOut)
    def post(self, org_id, email_id):
        mail.resend(runtime().store, org_id, email_id)
        with read_only(runtime().engine) as conn:
            return _email(conn, org_id, email_id)


def _template_out(conn, org_id, kind, locale):
    return {**mail.wording(conn, org_id, kind, locale), "kind": kind,
            "placeholders": sorted(KINDS[kind].allowed)}


@mail_blp.route("/orgs/<org_id>/email-templates")
class Templates(MethodView):
    @auth.requires("staff", "system")
    @mail_blp.response(200, TemplateOut(many=True))
    def get(self, org_id):
        with read_only(runtime().engine) as conn:
            orgs.get(conn, org_id)
            return [_template_out(conn, org_id, kind, "en") for kind in sorted(KINDS)]


@mail_blp.route("/orgs/<org_id>/email-templates/<kind>/<locale>")
class Template(MethodView):
    @auth.requires("staff", "system")
    @mail_blp.response(200, TemplateOut)
    def get(self, org_id, kind, locale):
        kind_of(kind)
        with read_only(runtime().engine) as conn:
            orgs.get(conn, org_id)
            return _template_out(conn, org_id, kind, locale)

    @auth.requires("staff", "system", roles=MANAGERS)
    @mail_blp.arguments(TemplateIn)
    @mail_blp.response(200, TemplateOut)
    def put(self, body, org_id, kind, locale):
        mail.change_template(runtime().store, org_id, kind, locale, **body)
        with read_only(runtime().engine) as conn:
            return _template_out(conn, org_id, kind, locale)

    @auth.requires("staff", "system", roles=MANAGERS)
    @mail_blp.response(200, TemplateOut)
    def delete(self, org_id, kind, locale):
        """Back to the default wording."""
        mail.reset_template(runtime().store, org_id, kind, locale)
        with read_only(runtime().engine) as conn:
            return _template_out(conn, org_id, kind, locale)


@mail_blp.route("/orgs/<org_id>/email-templates/<kind>/<locale>/preview")
class Preview(MethodView):
    @auth.requires("staff", "system")
    @mail_blp.arguments(DraftIn)
    @mail_blp.response(200, RenderedOut)
    def post(self, draft, org_id, kind, locale):
        """A draft (or the current template) filled in with sample data."""
        kind_of(kind)
        with read_only(runtime().engine) as conn:
            return mail.preview(conn, org_id, kind, locale, draft)
