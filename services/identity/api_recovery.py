"""identity's API for people who cannot sign in yet: password reset by e-mail and self
sign-up. The gateway calls these before anyone is signed in, so they are public (inside the
cluster); what protects them is the secret link, single use, and the answers that never say
whether an address has an account."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.chassis import auth
from services.chassis.web import runtime
from services.identity import recovery, signup
from services.identity.api_sessions import SETTINGS, SessionOut, TokenIn

blp = Blueprint("recovery", __name__, description="Password reset by e-mail, self sign-up")

RESET_SENT = ("If an account uses this address, we have sent it a link to choose a new password. "
              f"The link works for {recovery.RESET_MINUTES} minutes.")
SIGNUP_SENT = ("Check your e-mail: we have sent a link to confirm your address. "
               f"It works for {signup.SIGNUP_HOURS} hours.")


class ResetRequestIn(Schema):
    kind = fields.String(load_default="contact", validate=validate.OneOf(["contact", "staff"]))
    email = fields.String(required=True, validate=validate.Length(min=1, max=320))
    link_base = fields.Url(required=True, require_tld=False)
    ip = fields.String(load_default=None, validate=validate.Length(max=64))


class ResetAcceptIn(TokenIn):
    password = fields.String(required=True, validate=validate.Length(max=4000))
    ip = fields.String(load_default=None, validate=validate.Length(max=64))
    user_agent = fields.String(load_default=None, validate=validate.Length(max=1000))


class ResetOut(Schema):
    email = fields.String()
    kind = fields.String()


class SentOut(Schema):
    message = fields.String()


class SignUpIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    company = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    email = fields.Email(required=True, validate=validate.Length(max=320))
    password = fields.String(required=True, validate=validate.Length(max=4000))
    link_base = fields.Url(required=True, require_tld=False)
    ip = fields.String(load_default=None, validate=validate.Length(max=64))


class VerifyIn(TokenIn):
    ip = fields.String(load_default=None, validate=validate.Length(max=64))
    user_agent = fields.String(load_default=None, validate=validate.Length(max=1000))


@blp.route("/orgs/<org_id>/password-resets")
class PasswordResets(MethodView):
    @auth.public
    @blp.arguments(ResetRequestIn)
    @blp.response(202, SentOut)
    def post(self, body, org_id):
        """Mail a reset link to an active login; the same answer for any address."""
        recovery.request_reset(runtime(), org_id, body["kind"], body["email"], body["link_base"], body["ip"])
        return {"message": RESET_SENT}


@blp.route("/orgs/<org_id>/password-resets/lookup")
class PasswordResetLookup(MethodView):
    @auth.public
    @blp.arguments(TokenIn)
    @blp.response(200, ResetOut)
    def post(self, body, org_id):
        return recovery.lookup_reset(runtime(), org_id, body["token"])


@blp.route("/orgs/<org_id>/password-resets/accept")
class PasswordResetAccept(MethodView):
    @auth.public
    @blp.arguments(ResetAcceptIn)
    @blp.response(201, SessionOut)
    def post(self, body, org_id):
        """Set the new password; every session of the login ends and a new one starts."""
        return recovery.accept_reset(runtime(), org_id, body["token"], body["password"], body["ip"],
                                     body["user_agent"], SETTINGS)


@blp.route("/orgs/<org_id>/signups")
class SignUps(MethodView):
    @auth.public
    @blp.arguments(SignUpIn)
    @blp.response(202, SentOut)
    def post(self, body, org_id):
        """Where the org allows it: mail a link that confirms the address (nothing exists before)."""
        signup.start_signup(runtime(), org_id, body["name"], body["company"], body["email"], body["password"],
                            body["link_base"], body["ip"])
        return {"message": SIGNUP_SENT}


@blp.route("/orgs/<org_id>/signups/verify")
class SignUpVerify(MethodView):
    @auth.public
    @blp.arguments(VerifyIn)
    @blp.response(201, SessionOut)
    def post(self, body, org_id):
        """Create the customer, its contact and a session; the link then stops working."""
        return signup.verify_signup(runtime(), org_id, body["token"], body["ip"], body["user_agent"], SETTINGS)
