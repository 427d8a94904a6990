"""identity's API for people who cannot sign in yet: password reset by e-mail and self
sign-up. The gateway calls these before anyone is signed in, so they are public (inside the
cluster); what protects them is the secret link, single use, and the answers that never say
whether an address has an account."""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.web import runtime
from services.identity.api.schemas import (ResetAcceptIn, ResetOut, ResetRequestIn, SentOut, SessionOut, SignUpIn,
                                           TokenIn, VerifyIn)
from services.identity.domain.commands import AcceptPasswordReset, RequestPasswordReset, StartSignUp, VerifySignUp
from services.identity.handlers import recovery, signup
from services.identity.queries.recovery import lookup_reset

blp = Blueprint("recovery", __name__, description="Password reset by e-mail, self sign-up")

RESET_SENT = ("If an account uses this address, we have sent it a link to choose a new password. "
              f"The link works for {recovery.RESET_MINUTES} minutes.")
SIGNUP_SENT = ("Check your e-mail: we have sent a link to confirm your address. "
               f"It works for {signup.SIGNUP_HOURS} hours.")


@blp.route("/orgs/<org_id>/password-resets")
class PasswordResets(MethodView):
    @auth.public
    @blp.arguments(ResetRequestIn)
    @blp.response(202, SentOut)
    def post(self, body, org_id):
        """Mail a reset link to an active login; the same answer for any address."""
        recovery.request_reset(runtime(), RequestPasswordReset(org_id, **body))
        return {"message": RESET_SENT}


@blp.route("/orgs/<org_id>/password-resets/lookup")
class PasswordResetLookup(MethodView):
    @auth.public
    @blp.arguments(TokenIn)
    @blp.response(200, ResetOut)
    def post(self, body, org_id):
        return lookup_reset(runtime(), org_id, body["token"])


@blp.route("/orgs/<org_id>/password-resets/accept")
class PasswordResetAccept(MethodView):
    @auth.public
    @blp.arguments(ResetAcceptIn)
    @blp.response(201, SessionOut)
    def post(self, body, org_id):
        """Set the new password; every session of the login ends and a new one starts."""
        return recovery.accept_reset(runtime(), AcceptPasswordReset(org_id, **body))


@blp.route("/orgs/<org_id>/signups")
class SignUps(MethodView):
    @auth.public
    @blp.arguments(SignUpIn)
    @blp.response(202, SentOut)
    def post(self, body, org_id):
        """Where the org allows it: mail a link that confirms the address (nothing exists before)."""
        signup.start_signup(runtime(), StartSignUp(org_id, **body))
        return {"message": SIGNUP_SENT}


@blp.route("/orgs/<org_id>/signups/verify")
class SignUpVerify(MethodView):
    @auth.public
    @blp.arguments(VerifyIn)
    @blp.response(201, SessionOut)
    def post(self, body, org_id):
        """Create the customer, its contact and a session; the link then stops working."""
        return signup.verify_signup(runtime(), VerifySignUp(org_id, **body))
