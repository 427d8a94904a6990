"""An in-memory identity that honours services/identity/API.md, for the gateway's tests.

It subclasses the real `IdentityClient` and replaces only its transport (`_call`): every
method of the client runs as in production (paths, bodies, translation of 401/404 into
None), and the fake answers each API.md path from its state, raising `ServiceProblem`
exactly where identity answers problem+json. A fake that subclasses the port cannot
drift from its interface; a path the client sends that API.md does not list fails loudly.
"""
from __future__ import annotations

import os

import re
import secrets
import time
import uuid
from dataclasses import dataclass, field

import pyotp

from gateway.clients.base import ServiceProblem, ServiceUnavailable
from gateway.clients.identity import IdentityClient
from services.chassis import auth
from tests.integration.gateway.fake_branding import FakeBranding
from tests.integration.gateway.fake_domains import FakeDomains
from tests.integration.gateway.fake_invitations import FakeInvitations
from tests.integration.gateway.fake_staff import FakeStaff
from tests.integration.gateway.fake_recovery import FakeRecovery

MODULES_DEFAULT = ["invoices", "payments", "tickets", "documents"]
MODULES_ALL = ["invoices", "payments", "credit_notes", "sales_orders", "deliveries", "service_requests",
               "projects", "timesheets", "tickets", "documents", "quotes", "reviews"]


@dataclass
class Login:
    id: str
    org_id: str
    kind: str                       # contact | staff
    email: str
    name: str
    password: str | None
    role: str | None = None         # staff
    customer_id: str | None = None  # contacts
    permissions: list = field(default_factory=list)
    status: str = "active"
    totp_secret: str | None = None
    pending_secret: str | None = None
    used_codes: set = field(default_factory=set)
    recovery_codes: set = field(default_factory=set)
    profile: dict = field(default_factory=dict)
    modules: list = field(default_factory=lambda: list(MODULES_ALL))   # contacts: the ones given to them

    @property
    def mfa_enabled(self) -> bool:
        return self.totp_secret is not None


@dataclass
class Session:
    token: str
    login_id: str
    org_id: str
    state: str = "password_ok"
    ip: str | None = None
    user_agent: str | None = None
    wrong_codes: int = 0


class FakeIdentity(FakeStaff, FakeBranding, FakeDomains, FakeRecovery, FakeInvitations, IdentityClient):
    MAX_WRONG_CODES = 5

    def __init__(self):
        super().__init__(http=None)
        self.orgs: dict[str, dict] = {}
        self.logins: dict[str, Login] = {}
        self.customers: dict[str, dict] = {}
        self.sessions: dict[str, Session] = {}
        self.invitations: dict[str, str] = {}      # token -> contact id
        self.sent_invitations: list[dict] = []     # what the mail would carry
        self.down = False
        self.resolves = 0
        self.failed_sign_ins: dict[str, int] = {}
        self.routes = [
            ("GET", r"/orgs/by-host/(?P<host>[^/]+)", self._org_by_host),
            ("PATCH", r"/orgs/(?P<org>[^/]+)/settings", self._change_settings),
            ("POST", r"/orgs/(?P<org>[^/]+)/sessions", self._sign_in),
            ("POST", r"/orgs/(?P<org>[^/]+)/sessions/resolve", self._resolve),
            ("POST", r"/orgs/(?P<org>[^/]+)/sessions/end", self._end),
            ("POST", r"/orgs/(?P<org>[^/]+)/sessions/mfa", self._mfa),
            ("POST", r"/orgs/(?P<org>[^/]+)/sessions/recovery", self._recovery),
            ("POST", r"/orgs/(?P<org>[^/]+)/logins/(?P<id>[^/]+)/sessions/revoke", self._revoke),
            ("POST", r"/orgs/(?P<org>[^/]+)/mfa/enrolment", self._start_enrolment),
            ("POST", r"/orgs/(?P<org>[^/]+)/mfa/enrolment/confirm", self._confirm_enrolment),
            ("POST", r"/orgs/(?P<org>[^/]+)/contacts/(?P<id>[^/]+)/invitations", self._invite),
            ("POST", r"/orgs/(?P<org>[^/]+)/invitations/lookup", self._lookup),
            ("POST", r"/orgs/(?P<org>[^/]+)/invitations/accept", self._accept),
            ("POST", r"/orgs/(?P<org>[^/]+)/password/change", self._change_password),
            ("GET", r"/orgs/(?P<org>[^/]+)/logins/(?P<id>[^/]+)/profile", self._get_profile),
            ("PATCH", r"/orgs/(?P<org>[^/]+)/logins/(?P<id>[^/]+)/profile", self._update_profile),
            ("POST", r"/orgs/(?P<org>[^/]+)/staff", self._create_staff),
            ("GET", r"/orgs/(?P<org>[^/]+)/staff", self._list_staff),
            ("POST", r"/orgs/(?P<org>[^/]+)/customers", self._create_customer),
            ("GET", r"/orgs/(?P<org>[^/]+)/customers", self._list_customers),
            ("GET", r"/orgs/(?P<org>[^/]+)/customers/(?P<id>[^/]+)", self._get_customer),
            ("PUT", r"/orgs/(?P<org>[^/]+)/customers/(?P<id>[^/]+)", self._update_customer),
            ("PUT", r"/orgs/(?P<org>[^/]+)/customers/(?P<id>[^/]+)/modules", self._set_customer_modules),
            ("GET", r"/orgs/(?P<org>[^/]+)/contact-counts", self._contact_counts),
            ("POST", r"/orgs/(?P<org>[^/]+)/customers/(?P<id>[^/]+)/contacts", self._create_contact),
            ("GET", r"/orgs/(?P<org>[^/]+)/customers/(?P<id>[^/]+)/contacts", self._list_contacts),
            ("GET", r"/orgs/(?P<org>[^/]+)/contacts/(?P<id>[^/]+)", self._get_contact),
            ("PUT", r"/orgs/(?P<org>[^/]+)/contacts/(?P<id>[^/]+)/permissions", self._set_permissions),
            ("POST", r"/orgs/(?P<org>[^/]+)/contacts/(?P<id>[^/]+)/mfa/reset", self._reset_mfa),
        ]
        self.init_recovery()                       # password resets and sign-ups: fake_recovery.py
        self.init_branding()                       # brand colour and logo: fake_branding.py
        self.init_staff()                          # staff invitations, roles, removal: fake_staff.py
        self.init_invitations()                    # bulk, the list, resending: fake_invitations.py
        self.init_domains()                        # custom domains and their TXT records: fake_domains.py

    # -- transport ------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict | None = None, params: dict | None = None,
              timeout: float | None = None):
        if self.down:
            raise ServiceUnavailable("identity unreachable: ConnectionError")
        for route_method, pattern, handler in self.routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return handler(dict(body or {}), **match.groupdict())
        raise AssertionError(f"{method} {path} is not in API.md")

    def healthy(self) -> bool:
        return not self.down

    @staticmethod
    def problem(status: int, detail: str, errors: dict | None = None, **extra):
        """Raise what the client makes of identity's problem+json answer."""
        body = {"type": "about:blank", "title": "Problem", "status": status, "detail": detail, **extra}
        if errors:
            body["errors"] = errors
        raise ServiceProblem.from_body(status, body)

    # -- seeding --------------------------------------------------------------------------
    def add_org(self, host: str, name: str, **settings) -> dict:
        org_id = str(uuid.uuid4())
        base = {"portal_enabled": True, "mfa_required": False, "self_signup": False,
                "forward_documents": True, "bulk_payments": True, "partial_payments": False,
                "customer_uploads": True, "upload_limit_mb": 25,
                "modules": list(MODULES_DEFAULT)}
        org = {"org_id": org_id, "name": name, "slug": host.split(".")[0], "host": host,
               "settings": {**base, **settings}}
        self.orgs[org_id] = org
        return org

    def add_customer(self, org: dict, name: str = "Globex Ltd", email: str = "ap@globex.test") -> dict:
        customer = {"customer_id": str(uuid.uuid4()), "org_id": org["org_id"], "name": name, "email": email}
        self.customers[customer["customer_id"]] = customer
        return customer

    def add_contact(self, org: dict, customer: dict, email: str = "ann@globex.test", name: str = "Ann Example",
                    password: str | None = "correct horse battery", permissions=("view",), mfa: bool = False,
                    status: str = "active") -> Login:
        login = Login(str(uuid.uuid4()), org["org_id"], "contact", email, name, password,
                      customer_id=customer["customer_id"], permissions=list(permissions), status=status)
        if mfa:
            login.totp_secret = pyotp.random_base32()
        self.logins[login.id] = login
        return login

    def add_staff(self, org: dict, email: str = "sam@acme.test", name: str = "Sam Staff", role: str = "owner",
                  password: str = "staff password 123", mfa: bool = True) -> Login:
        login = Login(str(uuid.uuid4()), org["org_id"], "staff", email, name, password, role=role)
        if mfa:
            login.totp_secret = pyotp.random_base32()
        self.logins[login.id] = login
        return login

    def code_for(self, login: Login) -> str:
        return pyotp.TOTP(login.totp_secret).now()

    # -- helpers ---------------------------------------------------------------------------
    def _org(self, org: str) -> dict:
        if org not in self.orgs:
            self.problem(404, "No such organization.")
        return self.orgs[org]

    def _login(self, org: str, login_id: str) -> Login:
        login = self.logins.get(login_id)
        if login is None or login.org_id != org:
            self.problem(404, "Not found.")
        return login

    def _session(self, org: str, token) -> Session:
        session = self.sessions.get(token or "")
        if session is None or session.org_id != org:
            self.problem(401, "Please sign in again.")
        return session

    def _next(self, session: Session) -> str | None:
        login = self.logins[session.login_id]
        if session.state == "mfa_ok":
            return None
        if login.mfa_enabled:
            return "mfa"
        if login.kind == "staff" or self.orgs[session.org_id]["settings"]["mfa_required"]:
            return "enrol"
        return None

    def _view(self, session: Session, with_token: bool = False) -> dict:
        login = self.logins[session.login_id]
        principal = {"kind": login.kind, "id": login.id, "org_id": login.org_id, "email": login.email,
                     "name": login.name, "language": login.profile.get("language", "en"),
                     "permissions": list(login.permissions), "mfa_enabled": login.mfa_enabled}
        if login.kind == "contact":
            principal.update(customer_id=login.customer_id,
                             customer_name=self.customers[login.customer_id]["name"],
                             modules=self.modules_of(login))
        else:
            principal["role"] = login.role
        view = {"state": session.state, "next": self._next(session),
                "expires_at": "2030-01-01T00:00:00+00:00", "idle_expires_at": "2030-01-01T00:00:00+00:00",
                "principal": principal}
        if with_token:
            view["token"] = session.token
        if view["next"] is None:                    # as identity: only a session past every step
            view["internal_token"] = self.internal_token(login)
        return view

    def modules_of(self, login: Login) -> list:
        """As identity: the modules the org, the contact's customer (where narrowed) and they hold."""
        org_modules = self.orgs[login.org_id]["settings"].get("modules") or []
        narrowed = self.customers[login.customer_id].get("modules")
        return [m for m in org_modules if m in login.modules and (narrowed is None or m in narrowed)]

    def internal_token(self, login: Login) -> str:
        """Signed with the test run's key, as identity signs it: services behind the gateway
        (billing in process, see billing_backend.py) check it for real."""
        caller = auth.Principal(
            kind=login.kind, id=login.id, org_id=login.org_id, customer_id=login.customer_id,
            permissions=frozenset(login.permissions if login.kind == "contact" else ()),
            modules=frozenset(self.modules_of(login)) if login.kind == "contact" else frozenset(),
            role=login.role, mfa=login.mfa_enabled, name=login.name)
        return auth.sign(os.environ["INTERNAL_TOKEN_PRIVATE_KEY"], caller, ttl_s=3600)

    def _new_session(self, login: Login, state: str = "password_ok", ip=None, user_agent=None) -> Session:
        session = Session(secrets.token_urlsafe(32), login.id, login.org_id, state, ip, user_agent)
        self.sessions[session.token] = session
        return session

    def _rotate(self, session: Session, state: str) -> Session:
        del self.sessions[session.token]
        fresh = self._new_session(self.logins[session.login_id], state, session.ip, session.user_agent)
        return fresh

    def _check_totp(self, login: Login, secret: str, code: str) -> bool:
        if code in login.used_codes or not pyotp.TOTP(secret).verify(code, valid_window=1):
            return False
        login.used_codes.add(code)
        return True

    def _wrong_code(self, session: Session):
        session.wrong_codes += 1
        left = self.MAX_WRONG_CODES - session.wrong_codes
        if left <= 0:
            del self.sessions[session.token]
            self.problem(401, "Too many wrong codes. Please sign in again.")
        self.problem(422, "That code is not right.", attempts_left=left)

    def _contact_out(self, login: Login) -> dict:
        return {"contact_id": login.id, "customer_id": login.customer_id, "email": login.email, "name": login.name,
                "status": login.status, "permissions": list(login.permissions), "mfa_enabled": login.mfa_enabled,
                "modules": list(login.modules)}

    def sessions_of(self, login: Login) -> list[Session]:
        return [s for s in self.sessions.values() if s.login_id == login.id]

    # -- API.md ----------------------------------------------------------------------------
    def _org_by_host(self, body, host):
        for org in self.orgs.values():
            if org["host"] == host.lower():
                return org
        self.problem(404, "No such organization.")

    def _change_settings(self, body, org):
        current = self._org(org)
        unknown = set(body.get("modules") or []) - set(
            ["invoices", "payments", "credit_notes", "sales_orders", "deliveries", "service_requests",
             "projects", "timesheets", "tickets", "documents", "quotes", "reviews"])
        if unknown:
            self.problem(422, "Please check what you entered.", {"json": {"modules": ["Not a module."]}})
        current["settings"] = {**current["settings"], **body}
        return current

    def _sign_in(self, body, org):
        self._org(org)
        key = f"{org}:{body['email'].lower()}"
        if self.failed_sign_ins.get(key, 0) >= 5:
            self.problem(429, "Too many failed sign-ins.", retry_after=300)
        for login in self.logins.values():
            if (login.org_id == org and login.kind == body["kind"] and login.email == body["email"].lower()
                    and login.password and login.password == body["password"] and login.status == "active"):
                session = self._new_session(login, ip=body.get("ip"), user_agent=body.get("user_agent"))
                return self._view(session, with_token=True)
        self.failed_sign_ins[key] = self.failed_sign_ins.get(key, 0) + 1
        self.problem(401, "The e-mail or password is not right.")

    def _resolve(self, body, org):
        self.resolves += 1
        return self._view(self._session(org, body.get("token")))

    def _end(self, body, org):
        self.sessions.pop(body.get("token") or "", None)
        return None

    def _mfa(self, body, org):
        session = self._session(org, body.get("token"))
        login = self.logins[session.login_id]
        if not login.mfa_enabled or not self._check_totp(login, login.totp_secret, body.get("code", "")):
            self._wrong_code(session)
        return self._view(self._rotate(session, "mfa_ok"), with_token=True)

    def _recovery(self, body, org):
        session = self._session(org, body.get("token"))
        login = self.logins[session.login_id]
        code = body.get("code", "")
        if code not in login.recovery_codes:
            self._wrong_code(session)
        login.recovery_codes.discard(code)
        return self._view(self._rotate(session, "mfa_ok"), with_token=True)

    def _revoke(self, body, org, id):
        login = self._login(org, id)
        for session in self.sessions_of(login):
            if session.token != body.get("except_token"):
                del self.sessions[session.token]
        return None

    def _start_enrolment(self, body, org):
        session = self._session(org, body.get("token"))
        login = self.logins[session.login_id]
        if self._next(session) == "mfa":
            self.problem(403, "Enter a code from your app first.")
        login.pending_secret = pyotp.random_base32()
        uri = pyotp.TOTP(login.pending_secret).provisioning_uri(name=login.email, issuer_name="Portal")
        svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
        return {"secret": login.pending_secret, "otpauth_uri": uri, "qr_svg": svg}

    def _confirm_enrolment(self, body, org):
        session = self._session(org, body.get("token"))
        login = self.logins[session.login_id]
        if not login.pending_secret or not self._check_totp(login, login.pending_secret, body.get("code", "")):
            self._wrong_code(session)
        login.totp_secret, login.pending_secret = login.pending_secret, None
        login.recovery_codes = {secrets.token_hex(5) for _ in range(10)}
        view = self._view(self._rotate(session, "mfa_ok"), with_token=True)
        return {**view, "recovery_codes": sorted(login.recovery_codes)}

    def _invite(self, body, org, id):
        login = self._login(org, id)
        self.invitations = {t: c for t, c in self.invitations.items() if c != id}   # the old link dies
        token = secrets.token_urlsafe(24)
        self.invitations[token] = id
        if login.status == "created":
            login.status = "invited"
        self.invited_at[id] = time.time()
        self.sent_invitations.append({"to": login.email, "link": f"{body['link_base']}/invite/{token}"})
        return self._contact_out(login)

    def _invitation(self, org, token) -> Login:
        contact_id = self.invitations.get(token or "")
        if contact_id is None or self.logins[contact_id].org_id != org:
            self.problem(404, "This invitation link is not valid any more.")
        return self.logins[contact_id]

    def _lookup(self, body, org):
        login = self._invitation(org, body.get("token"))
        customer = self.customers.get(login.customer_id) or {}
        return {"email": login.email, "name": login.name, "customer_name": customer.get("name"),
                "kind": login.kind}

    def _accept(self, body, org):
        login = self._invitation(org, body.get("token"))
        if len(body.get("password") or "") < 12:
            self.problem(422, "Please choose a stronger password.",
                         {"json": {"password": ["Use at least 12 characters."]}})
        del self.invitations[body["token"]]
        login.password, login.status = body["password"], "active"
        self.accepted_at[login.id] = time.time()
        session = self._new_session(login, ip=body.get("ip"), user_agent=body.get("user_agent"))
        return self._view(session, with_token=True)

    def _change_password(self, body, org):
        session = self._session(org, body.get("token"))
        login = self.logins[session.login_id]
        if body.get("current_password") != login.password:
            self.problem(422, "Please check what you entered.",
                         {"json": {"current_password": ["That is not your current password."]}})
        if len(body.get("new_password") or "") < 12:
            self.problem(422, "Please choose a stronger password.",
                         {"json": {"new_password": ["Use at least 12 characters."]}})
        login.password = body["new_password"]
        for other in self.sessions_of(login):
            if other.token != session.token:
                del self.sessions[other.token]
        return self._view(self._rotate(session, session.state), with_token=True)

    def _profile_out(self, login: Login) -> dict:
        return {"name": login.name, "email": login.email, "phone": login.profile.get("phone", ""),
                "language": login.profile.get("language", "en"), "address": login.profile.get("address", {}),
                "notify": login.profile.get("notify", {})}

    def _get_profile(self, body, org, id):
        return self._profile_out(self._login(org, id))

    def _update_profile(self, body, org, id):
        login = self._login(org, id)
        if "phone" in body and body["phone"] and not re.fullmatch(r"[0-9 +()-]{3,30}", body["phone"]):
            self.problem(422, "Please check what you entered.", {"json": {"phone": ["Not a phone number."]}})
        login.name = body.get("name", login.name)
        login.profile.update({k: body[k] for k in ("phone", "language", "address", "notify") if k in body})
        return self._profile_out(login)

    def _create_staff(self, body, org):
        if body["role"] == "owner" and self.caller_role not in (None, "owner"):
            self.problem(403, "Only an owner can add an owner.")
        login = self.add_staff(self._org(org), body["email"], body["name"], body["role"], body.get("password"),
                               mfa=False)
        if not body.get("password"):
            login.status = "created"
        return self._staff_out(login)

    def _list_staff(self, body, org):
        return [self._staff_out(s) for s in self.logins.values() if s.org_id == org and s.kind == "staff"]

    def _create_customer(self, body, org):
        if "@" not in body.get("email", ""):
            self.problem(422, "Please check what you entered.", {"json": {"email": ["Not a valid email address."]}})
        customer = self.add_customer(self._org(org), body["name"], body["email"])
        customer.update(address=list(body.get("address") or []), tax_id=body.get("tax_id"))
        return customer

    def _update_customer(self, body, org, id):
        customer = self._get_customer({}, org, id)
        if "@" not in body.get("email", ""):
            self.problem(422, "Please check what you entered.", {"json": {"email": ["Not a valid email address."]}})
        if len(body.get("tax_id") or "") > 50:
            self.problem(422, "A tax id has at most 50 characters.",
                         {"json": {"tax_id": ["A tax id has at most 50 characters."]}}, field="tax_id")
        customer.update(name=body["name"], email=body["email"], address=list(body.get("address") or []),
                        tax_id=body.get("tax_id"))
        return customer

    def _list_customers(self, body, org):
        return [c for c in self.customers.values() if c["org_id"] == org]

    def find_customers(self, org, q=None, after=None, limit=50):
        """As identity: by (name, id), `q` in name or e-mail, the next page's cursor."""
        if self.down:
            raise ServiceUnavailable("identity unreachable: ConnectionError")
        found = [c for c in self._list_customers({}, org) if not q or q.lower() in (c["name"] + " " + c["email"]).lower()]
        return self.name_page(found, "customer_id", after, limit)

    @staticmethod
    def name_page(rows: list[dict], key: str, after: str | None, limit: int) -> tuple[list, str | None]:
        """As identity pages by name: sorted by (name, id), after the cursor, the next one."""
        rows = sorted(rows, key=lambda r: (r["name"], r[key]))
        if after:
            rows = [r for r in rows if (r["name"], r[key]) > tuple(after.split("|", 1))]
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (f"{rows[-1]['name']}|{rows[-1][key]}" if more else None)

    def _get_customer(self, body, org, id):
        customer = self.customers.get(id)
        if customer is None or customer["org_id"] != org:
            self.problem(404, "No such customer.")
        return customer

    def _create_contact(self, body, org, id):
        customer = self._get_customer({}, org, id)
        if any(l.email == body["email"].lower() and l.org_id == org for l in self.logins.values()):
            self.problem(409, "A person with this e-mail address already has access.")
        login = self.add_contact(self._org(org), customer, body["email"].lower(), body["name"], password=None,
                                 permissions=body.get("permissions", []), status="created")
        return self._contact_out(login)

    def _list_contacts(self, body, org, id):
        self._get_customer({}, org, id)
        return [self._contact_out(l) for l in self.logins.values()
                if l.kind == "contact" and l.customer_id == id]

    def _get_contact(self, body, org, id):
        return self._contact_out(self._login(org, id))

    def _set_permissions(self, body, org, id):
        login = self._login(org, id)
        login.permissions = list(body["permissions"])
        if body.get("modules") is not None:
            login.modules = list(body["modules"])
        return self._contact_out(login)

    def _contact_counts(self, body, org):
        counts = {"created": 0, "invited": 0, "active": 0, "disabled": 0}
        for login in self.logins.values():
            if login.kind == "contact" and login.org_id == org:
                counts[login.status] = counts.get(login.status, 0) + 1
        return counts

    def _set_customer_modules(self, body, org, id):
        customer = self._get_customer({}, org, id)
        customer["modules"] = None if body["modules"] is None else list(body["modules"])
        return customer

    def _reset_mfa(self, body, org, id):
        login = self._login(org, id)
        login.totp_secret, login.used_codes, login.recovery_codes = None, set(), set()
        return self._contact_out(login)
