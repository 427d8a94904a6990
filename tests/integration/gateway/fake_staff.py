"""The in-memory identity's staff management (API.md, "Staff"): invitations, roles and
removal with identity's rules (only owners touch owners, an org keeps an active owner,
nobody removes themselves); mixed into FakeIdentity."""
from __future__ import annotations

import secrets

from flask import g


class FakeStaff:
    def init_staff(self) -> None:
        staff = r"/orgs/(?P<org>[^/]+)/staff/(?P<id>[^/]+)"
        self.routes += [("POST", staff + "/invitations", self._invite_staff),
                        ("PUT", staff + "/role", self._change_role),
                        ("POST", staff + "/remove", self._remove_staff)]

    @property
    def caller(self) -> dict:
        """Who calls: identity reads it from the forwarded internal token; here from the view."""
        return (g.get("session_view") or {}).get("principal") or {}

    @property
    def caller_role(self):
        return self.caller.get("role")

    @property
    def caller_id(self):
        return self.caller.get("id")

    def _member(self, org, id):
        login = self.logins.get(id)
        if login is None or login.org_id != org or login.kind != "staff":
            self.problem(404, "No such staff member.")
        return login

    def _staff_out(self, login) -> dict:
        return {"staff_id": login.id, "email": login.email, "name": login.name, "role": login.role,
                "mfa_enabled": login.mfa_enabled, "status": login.status}

    def _owner_rules(self, login, touches_owner: bool):
        caller = self.caller_role
        if touches_owner and caller != "owner":
            self.problem(403, "Only an owner can make, change or remove an owner.")
        owners = [s for s in self.logins.values() if s.org_id == login.org_id and s.kind == "staff"
                  and s.role == "owner" and s.status == "active"]
        if login.role == "owner" and login.status == "active" and len(owners) <= 1:
            self.problem(409, "The organization needs at least one owner: make someone else owner first.")

    def _invite_staff(self, body, org, id):
        login = self._member(org, id)
        if login.status in ("active", "removed"):
            self.problem(409, f"{login.name} is {login.status}: there is nothing to accept.")
        self.invitations = {t: c for t, c in self.invitations.items() if c != id}
        token = secrets.token_urlsafe(24)
        self.invitations[token] = id
        login.status = "invited"
        self.sent_invitations.append({"to": login.email, "link": f"{body['link_base']}/invite/{token}"})
        return self._staff_out(login)

    def _change_role(self, body, org, id):
        login = self._member(org, id)
        if body["role"] != login.role:
            self._owner_rules(login, "owner" in (body["role"], login.role))
            login.role = body["role"]
        return self._staff_out(login)

    def _remove_staff(self, body, org, id):
        login = self._member(org, id)
        if id == self.caller_id:
            self.problem(409, "You cannot remove yourself; ask another owner or admin.")
        self._owner_rules(login, login.role == "owner")
        login.status = "removed"
        for session in self.sessions_of(login):
            del self.sessions[session.token]
        return self._staff_out(login)
