"""identity's sign-in API for the gateway: sessions, MFA, enrolment, password change.
Tokens travel in JSON bodies, never in URLs (they would end up in access logs)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.web import runtime
from services.identity.api.schemas import (CodeIn, EnrolmentOut, PasswordChangeIn, RevokeIn, SessionOut, SignInIn,
                                           TokenIn)
from services.identity.domain.commands import (ChangePassword, ConfirmMfaEnrolment, ResolveSession, RevokeSessions,
                                               SignIn, SignOut, StartMfaEnrolment, UseRecoveryCode, VerifyMfaCode)
from services.identity.domain.staff import MANAGERS
from services.identity.handlers import mfa, passwords, sessions, signin

blp = Blueprint("sessions", __name__, description="Sign-in, sessions and two-step sign-in")


@blp.route("/orgs/<org_id>/sessions")
class Sessions(MethodView):
    @auth.public
    @blp.arguments(SignInIn)
    @blp.response(201, SessionOut)
    def post(self, body, org_id):
        """Sign in with e-mail and password."""
        return signin.sign_in(runtime(), SignIn(org_id, **body))


@blp.route("/orgs/<org_id>/sessions/resolve")
class Resolve(MethodView):
    @auth.public
    @blp.arguments(TokenIn)
    @blp.response(200, SessionOut)
    def post(self, body, org_id):
        """The session behind a token (counts as activity); 401 when it is over."""
        return sessions.resolve(runtime(), ResolveSession(org_id, body["token"]))


@blp.route("/orgs/<org_id>/sessions/end")
class End(MethodView):
    @auth.public
    @blp.arguments(TokenIn)
    @blp.response(204)
    def post(self, body, org_id):
        sessions.sign_out(runtime(), SignOut(org_id, body["token"]))


@blp.route("/orgs/<org_id>/sessions/mfa")
class Mfa(MethodView):
    @auth.public
    @blp.arguments(CodeIn)
    @blp.response(200, SessionOut)
    def post(self, body, org_id):
        """A code from the authenticator app; the answer carries a new token."""
        return signin.verify_mfa(runtime(), VerifyMfaCode(org_id, body["token"], body["code"]))


@blp.route("/orgs/<org_id>/sessions/recovery")
class Recovery(MethodView):
    @auth.public
    @blp.arguments(CodeIn)
    @blp.response(200, SessionOut)
    def post(self, body, org_id):
        return signin.use_recovery_code(runtime(), UseRecoveryCode(org_id, body["token"], body["code"]))


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
        sessions.revoke_all(runtime(), RevokeSessions(org_id, user_id, body["except_token"], body["reason"]))


@blp.route("/orgs/<org_id>/mfa/enrolment")
class Enrolment(MethodView):
    @auth.public
    @blp.arguments(TokenIn)
    @blp.response(200, EnrolmentOut)
    def post(self, body, org_id):
        return mfa.start_enrolment(runtime(), StartMfaEnrolment(org_id, body["token"]))


@blp.route("/orgs/<org_id>/mfa/enrolment/confirm")
class EnrolmentConfirm(MethodView):
    @auth.public
    @blp.arguments(CodeIn)
    @blp.response(200, SessionOut)
    def post(self, body, org_id):
        """The first code proves the app is set up; the answer lists 10 recovery codes, once."""
        return mfa.confirm_enrolment(runtime(), ConfirmMfaEnrolment(org_id, body["token"], body["code"]))


@blp.route("/orgs/<org_id>/password/change")
class PasswordChange(MethodView):
    @auth.public
    @blp.arguments(PasswordChangeIn)
    @blp.response(200, SessionOut)
    def post(self, body, org_id):
        """Other sessions end; this one continues under a new token."""
        return passwords.change_password(runtime(), ChangePassword(
            org_id, body["token"], body["current_password"], body["new_password"]))
