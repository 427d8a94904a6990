"""E-mail: queue (for other services), log, resend, templates per org."""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth, orgs
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.notifications.api.schemas import (DraftIn, EmailDetailOut, EmailIn, EmailListArgs, EmailOut,
                                                RenderedOut, TemplateIn, TemplateOut)
from services.notifications.domain.commands import ChangeTemplate, QueueEmail, ResendEmail, ResetTemplate
from services.notifications.domain.email_template import kind_of
from services.notifications.domain.mail_kinds import KINDS, ONE_TIME_LINK_KINDS
from services.notifications.handlers import mail
from services.notifications.queries import emails, templates

MANAGERS = ("owner", "admin")

mail_blp = Blueprint("email", __name__, description="E-mail: sending, log, templates per org")

# Mails whose link is a credential for their recipient alone: staff may see that they were
# sent, never what they said (an admin reading a contact's reset link could take the account).


@mail_blp.route("/orgs/<org_id>/emails")
class Emails(MethodView):
    @auth.requires("staff", "system")
    @mail_blp.arguments(EmailIn)
    @mail_blp.response(202, EmailOut)
    def post(self, body, org_id):
        """Queue a mail (for other services: invitations, resets, receipts ...).
        The same idempotency key queues it once."""
        email_id, _ = mail.queue_email(runtime(), QueueEmail(org_id, **body))
        with read_only(runtime().engine) as conn:
            return emails.one(conn, org_id, email_id)

    @auth.requires("staff", "system")
    @mail_blp.arguments(EmailListArgs, location="query")
    @mail_blp.response(200, EmailOut(many=True))
    def get(self, args, org_id):
        """The org's mails, newest first; `status` filters (pending includes those being sent)."""
        with read_only(runtime().engine) as conn:
            return [r._mapping for r in emails.listing(conn, org_id, **args)]


@mail_blp.route("/orgs/<org_id>/emails/<email_id>")
class EmailView(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @mail_blp.response(200, EmailDetailOut)
    def get(self, org_id, email_id):
        """One mail as it was sent (owners and admins). A mail carrying a one-time link for its
        recipient alone (invitation, password reset, verification) answers without its text."""
        with read_only(runtime().engine) as conn:
            row = dict(emails.one(conn, org_id, email_id))
        redacted = row["kind"] in ONE_TIME_LINK_KINDS
        return {**row, "redacted": redacted, "text": None if redacted else row["text_body"],
                "html": None if redacted else row["html_body"]}


@mail_blp.route("/orgs/<org_id>/emails/<email_id>/resend")
class Resend(MethodView):
    @auth.requires("staff", "system")
    @mail_blp.response(200, EmailOut)
    def post(self, org_id, email_id):
        mail.resend_email(runtime(), ResendEmail(org_id, email_id))
        with read_only(runtime().engine) as conn:
            return emails.one(conn, org_id, email_id)


def _template_out(conn, org_id, kind, locale):
    return {**templates.wording(conn, org_id, kind, locale), "kind": kind,
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
        mail.change_template(runtime(), ChangeTemplate(org_id, kind, locale, **body))
        with read_only(runtime().engine) as conn:
            return _template_out(conn, org_id, kind, locale)

    @auth.requires("staff", "system", roles=MANAGERS)
    @mail_blp.response(200, TemplateOut)
    def delete(self, org_id, kind, locale):
        """Back to the default wording."""
        mail.reset_template(runtime(), ResetTemplate(org_id, kind, locale))
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
            return templates.preview(conn, org_id, kind, locale, draft)
