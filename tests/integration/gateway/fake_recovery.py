"""The in-memory identity's password resets and self sign-ups (API.md, "Password reset by
e-mail" and "Self sign-up"), mixed into FakeIdentity and kept in a file of their own so that
fake_identity.py stays small. The same answers as identity: one 202 body whatever the address,
404 for a link that is not valid any more, 409 when the address got an account meanwhile.

What the mails would carry lands in `sent_mails` ({"kind", "to", "link"})."""
from __future__ import annotations

import secrets

RESET_SENT = ("If an account uses this address, we have sent it a link to choose a new password. "
              "The link works for 30 minutes.")
SIGNUP_SENT = "Check your e-mail: we have sent a link to confirm your address. It works for 24 hours."
MAILS_PER_HOUR = 3
SIGNUP_PERMISSIONS = ("view", "download", "pay", "submit_tickets")


class FakeRecovery:
    def init_recovery(self) -> None:
        self.resets: dict[str, str] = {}          # token -> login id
        self.signups: dict[str, dict] = {}        # token -> the pending sign-up
        self.sent_mails: list[dict] = []
        self.mails_per_address: dict[str, int] = {}
        org = r"/orgs/(?P<org>[^/]+)"
        self.routes += [
            ("POST", org + "/password-resets", self._request_reset),
            ("POST", org + "/password-resets/lookup", self._lookup_reset),
            ("POST", org + "/password-resets/accept", self._accept_reset),
            ("POST", org + "/signups", self._sign_up),
            ("POST", org + "/signups/verify", self._verify_sign_up),
        ]

    # -- helpers -----------------------------------------------------------------------------
    def _mail_allowed(self, org: str, email: str) -> bool:
        key = f"{org}:{email}"
        self.mails_per_address[key] = self.mails_per_address.get(key, 0) + 1
        return self.mails_per_address[key] <= MAILS_PER_HOUR

    def _login_by_address(self, org: str, kind: str, email: str):
        return next((login for login in self.logins.values()
                     if login.org_id == org and login.kind == kind and login.email == email), None)

    def _mail_reset(self, login, link_base: str) -> None:
        self.resets = {t: i for t, i in self.resets.items() if i != login.id}      # older links die
        token = secrets.token_urlsafe(24)
        self.resets[token] = login.id
        self.sent_mails.append({"kind": "password_reset", "to": login.email, "link": f"{link_base}/reset/{token}"})

    def _new_password(self, password) -> None:
        if len(password or "") < 12:
            self.problem(422, "Please choose a stronger password.",
                         {"json": {"password": ["Use at least 12 characters."]}})

    def _reset_login(self, org: str, token):
        login = self.logins.get(self.resets.get(token or "", ""))
        if login is None or login.org_id != org or login.status != "active":
            self.problem(404, "This reset link is not valid any more.")
        return login

    def _signup_open(self, org: str) -> dict:
        found = self._org(org)
        if not found["settings"].get("self_signup"):
            self.problem(404, "Sign-up is not open for this portal.")
        return found

    # -- API.md ------------------------------------------------------------------------------
    def _request_reset(self, body, org):
        self._org(org)
        email = body["email"].strip().lower()
        allowed = self._mail_allowed(org, email)
        login = self._login_by_address(org, body.get("kind", "contact"), email)
        if allowed and login is not None and login.status == "active":
            self._mail_reset(login, body["link_base"])
        return {"message": RESET_SENT}

    def _lookup_reset(self, body, org):
        login = self._reset_login(org, body.get("token"))
        return {"email": login.email, "kind": login.kind}

    def _accept_reset(self, body, org):
        login = self._reset_login(org, body.get("token"))
        self._new_password(body.get("password"))
        del self.resets[body["token"]]
        login.password = body["password"]
        for session in self.sessions_of(login):
            del self.sessions[session.token]
        self.failed_sign_ins.pop(f"{org}:{login.email}", None)
        session = self._new_session(login, ip=body.get("ip"), user_agent=body.get("user_agent"))
        return self._view(session, with_token=True)

    def _sign_up(self, body, org):
        self._signup_open(org)
        if "@" not in body.get("email", ""):
            self.problem(422, "Invalid input: email.", {"json": {"email": ["Not a valid email address."]}})
        self._new_password(body.get("password"))
        email = body["email"].strip().lower()
        if not self._mail_allowed(org, email):
            return {"message": SIGNUP_SENT}
        owner = self._login_by_address(org, "contact", email)
        if owner is not None:
            if owner.status == "active":
                self._mail_reset(owner, body["link_base"])
            return {"message": SIGNUP_SENT}
        self.signups = {t: s for t, s in self.signups.items() if (s["org_id"], s["email"]) != (org, email)}
        token = secrets.token_urlsafe(24)
        self.signups[token] = {"org_id": org, "email": email, "name": body["name"],
                               "company": body.get("company"), "password": body["password"]}
        self.sent_mails.append({"kind": "email_verification", "to": email,
                                "link": f"{body['link_base']}/verify/{token}"})
        return {"message": SIGNUP_SENT}

    def _verify_sign_up(self, body, org):
        found = self._signup_open(org)
        pending = self.signups.get(body.get("token") or "")
        if pending is None or pending["org_id"] != org:
            self.problem(404, "This link is not valid any more.")
        if self._login_by_address(org, "contact", pending["email"]) is not None:
            self.problem(409, "This e-mail address already has an account here. Sign in, or use "
                              "\"Forgot your password?\" on the sign-in page.")
        del self.signups[body["token"]]
        customer = self.add_customer(found, pending["company"] or pending["name"], pending["email"])
        login = self.add_contact(found, customer, pending["email"], pending["name"], password=pending["password"],
                                 permissions=SIGNUP_PERMISSIONS)
        session = self._new_session(login, ip=body.get("ip"), user_agent=body.get("user_agent"))
        return self._view(session, with_token=True)
