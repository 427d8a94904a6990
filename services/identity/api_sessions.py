"""identity's sign-in API for the gateway: sessions, MFA, enrolment, password change.
Tokens travel in JSON bodies, never in URLs (they would end up in access logs)."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.chassis import auth
from services.chassis.web import runtime
from services.identity import mfa, people, signin
from services.identity.domain.staff import MANAGERS
from services.identity.sessions import SessionSettings
from services.identity.throttle import Limits

blp = Blueprint("sessions", __name__, description="Sign-in, sessions and two-step sign-in")

SETTINGS = SessionSettings.from_env()
LIMITS = Limits()


class SignInIn(Schema):
    kind = fields.String(load_default="contact", validate=validate.OneOf(["contact", "staff"]))
    email = fields.String(required=True, validate=validate.Length(min=1, max=320))
    password = fields.String(required=True, validate=validate.Length(max=4000))
    ip = fields.String(load_default=None, validate=validate.Length(max=64))
    user_agent = fields.String(load_default=None, validate=validate.Length(max=1000))


class TokenIn(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class CodeIn(TokenIn):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))


class RevokeIn(Schema):
    except_token = fields.String(load_default=None, validate=validate.Length(max=200))
    reason = fields.String(load_default="revoked_by_staff",
                           validate=validate.OneOf(["logout", "revoked_by_staff"]))


class PasswordChangeIn(TokenIn):
    current_password = fields.String(required=True, validate=validate.Length(max=4000))
    new_password = fields.String(required=True, validate=validate.Length(max=4000))


class PrincipalOut(Schema):
    kind = fields.String()
    id = fields.String()
    org_id = fields.String()
    customer_id = fields.String()
    customer_name = fields.String()
    role = fields.String()
    email = fields.String()
    name = fields.String()
    language = fields.String()
    permissions = fields.List(fields.String())
    modules = fields.List(fields.String())
    mfa_enabled = fields.Boolean()


class SessionOut(Schema):
    token = fields.String()
    state = fields.String()
    next = fields.String(allow_none=True)
    expires_at = fields.String()
    idle_expires_at = fields.String()
    principal = fields.Nested(PrincipalOut)
    recovery_codes = fields.List(fields.String())
    internal_token = fields.String()


class EnrolmentOut(Schema):
    secret = fields.String()
    otpauth_uri = fields.String()
    qr_svg = fields.String()


@blp.route("/orgs/<org_id>/sessions")
class Sessions(MethodView):
    @auth.public
    @blp.arguments(SignInIn)
    @blp.response(201, SessionOut)
    def post(self, body, org_id):
        """Sign in with e-mail and password."""
        return signin.sign_in(runtime(), org_id, body["kind"], body["email"], body["password"],
                              body["ip"], body["user_agent"], SETTINGS, LIMITS)


@blp.route("/orgs/<org_id>/sessions/resolve")
class Resolve(MethodView):
    @auth.public
    @blp.arguments(TokenIn)
    @blp.response(200, SessionOut)
    def post(self, body, org_id):
        """The session behind a token (counts as activity); 401 when it is over."""
        return signin.resolve(runtime(), org_id, body["token"], SETTINGS)


@blp.route("/orgs/<org_id>/sessions/end")
class End(MethodView):
    @auth.public
    @blp.arguments(TokenIn)
    @blp.response(204)
    def post(self, body, org_id):
        signin.sign_out(runtime(), org_id, body["token"], SETTINGS)


@blp.route("/orgs/<org_id>/sessions/mfa")
class Mfa(MethodView):
    @auth.public
    @blp.arguments(CodeIn)
    @blp.response(200, SessionOut)
    def post(self, body, org_id):
        """A code from the authenticator app; the answer carries a new token."""
        return signin.verify_mfa(runtime(), org_id, body["token"], body["code"], SETTINGS, LIMITS)


@blp.route("/orgs/<org_id>/sessions/recovery")
class Recovery(MethodView):
    @auth.public
    @blp.arguments(CodeIn)
    @blp.response(200, SessionOut)
    def post(self, body, org_id):
        return signin.use_recovery_code(runtime(), org_id, body["token"], body["code"], SETTINGS, LIMITS)


@blp.route("/orgs/<org_id>/logins/<user_id>/sessions/revoke")
class RevokeAll(MethodView):
    @auth.requires("contact", "staff", "system", self_param="user_id")
    @blp.arguments(RevokeIn)
    @blp.response(204)
    def post(self, body, org_id, user_id):
        """End every session of a person (except the one named, for "sign out everywhere else").
        A contact for itself; staff for themselves, and managers for anyone of the org."""
        caller = auth.principal()
        if caller.kind == "staff" and caller.id != user_id and caller.role not in MANAGERS:
            raise auth.Forbidden("Your role may not sign other people out.")
        signin.revoke_all(runtime(), org_id, user_id, body["except_token"], body["reason"])


@blp.route("/orgs/<org_id>/mfa/enrolment")
class Enrolment(MethodView):
    @auth.public
    @blp.arguments(TokenIn)
    @blp.response(200, EnrolmentOut)
    def post(self, body, org_id):
        return mfa.start_enrolment(runtime(), org_id, body["token"], SETTINGS)


@blp.route("/orgs/<org_id>/mfa/enrolment/confirm")
class EnrolmentConfirm(MethodView):
    @auth.public
    @blp.arguments(CodeIn)
    @blp.response(200, SessionOut)
    def post(self, body, org_id):
        """The first code proves the app is set up; the answer lists 10 recovery codes, once."""
        return mfa.confirm_enrolment(runtime(), org_id, body["token"], body["code"], SETTINGS, LIMITS)


@blp.route("/orgs/<org_id>/password/change")
class PasswordChange(MethodView):
    @auth.public
    @blp.arguments(PasswordChangeIn)
    @blp.response(200, SessionOut)
    def post(self, body, org_id):
        """Other sessions end; this one continues under a new token."""
        return people.change_password(runtime(), org_id, body["token"], body["current_password"],
                                      body["new_password"], SETTINGS, LIMITS)
