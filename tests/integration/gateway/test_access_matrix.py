"""The access matrix (identity/gateway issue): every portal and console route × every kind of
visitor gets the answer a person should get, and nobody ever sees another customer's data.

- The routes come from `app.url_map`, grouped by their access declaration (gateway/web/access.py),
  so a route added later is in the matrix at once. A URL parameter without a sample value in
  `URL_SAMPLES`, or a POST without a successful form in `SUCCESSFUL_POSTS`, fails its cells
  with a message saying what to add: no route escapes the matrix silently.
- Each cell is its own test, e.g. `test_portal_route[GET /profile-password_only]`.
- A refused request changes nothing: every cell compares identity's state before and after
  (a GET that succeeds changes nothing either).
- One app serves every cell, as one gateway process serves many orgs: each cell gets an org
  of its own on a host of its own, so cells share only the process (and the file runs in
  seconds). The sign-in rate limits are lifted: they are not what this file tests.
"""
from __future__ import annotations

import copy
import io
import itertools
import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from pypdf import PdfReader, PdfWriter

from gateway.console import invitation_import
from gateway.web.access import API, CONSOLE, MODULES, PENDING_MFA, PERMISSIONS, PORTAL, PUBLIC, declaration
from gateway.web.security import RATE_LIMITS
from tests.integration.gateway import billing_backend, payment_methods_backend
from tests.integration.gateway import notifications_backend, orders_backend
from tests.integration.gateway import documents_backend, support_backend
from tests.helpers import tokens
from tests.integration.gateway.conftest import Browser, make_app, text
from tests.integration.gateway.fake_api_keys import FakeApiKeys
from tests.integration.gateway.fake_identity import FakeIdentity, Login
from tests.integration.identity.test_branding import png

COOKIE = "portal"                                   # the session cookie's name with PORTAL_ENV=dev
NO_RATE_LIMITS = {key: "100000 per minute" for key in RATE_LIMITS}
NEW_PASSWORD = "a brand new password 42"

NOT_FOUND = "There is no page at this address."
NO_PERMISSION = "Your account does not have access to this page."
WRONG_ROLE = "Your role does not allow this page."
CLOSED = "The portal is closed"


class MatrixIdentity(FakeApiKeys):
    """The shared fake plus what identity's session view already carries but API.md does not
    list yet: `principal.modules`, the modules a contact may use (their own list ∩ the org's,
    services/identity/queries/sessions.py). A contact has every module unless `contact_modules` says less."""

    def __init__(self):
        super().__init__()
        self.contact_modules: dict[str, list[str]] = {}

    def _view(self, session, with_token: bool = False) -> dict:
        view = super()._view(session, with_token)
        person = view["principal"]
        if person["kind"] == "contact":
            own = self.contact_modules.get(person["id"], list(MODULES))
            person["modules"] = [m for m in self.orgs[person["org_id"]]["settings"]["modules"] if m in own]
        return view


# -- the people of one cell ----------------------------------------------------------------
@dataclass
class Tenant:
    """One org on its own host, with everyone a cell may need. Names carry the org's number,
    so that a page showing another org's person can be told apart."""
    n: int
    fake: MatrixIdentity
    org: dict
    customer: dict
    ann: Login      # the portal's contact: MFA on, may view
    cleo: Login     # a contact without MFA (must enrol where the org requires MFA)
    dora: Login     # the contact the console's contact actions are aimed at: MFA on
    sam: Login      # staff owner, MFA on
    ada: Login      # staff agent, MFA on
    ned: Login      # staff owner who has not set up MFA yet

    @property
    def host(self) -> str:
        return self.org["host"]

    def markers(self) -> list[str]:
        """What would give this org's people away on a page."""
        people = (self.ann, self.cleo, self.dora)
        return [self.customer["name"], *(p.name for p in people), *(p.email for p in people)]


@dataclass
class Stage:
    fake: MatrixIdentity
    app: Flask
    numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def tenant(self, name: str = "Acme Trading") -> Tenant:
        n = next(self.numbers)
        fake = self.fake
        org = fake.add_org(f"org{n}.test", f"{name} {n}", modules=list(MODULES))
        customer = fake.add_customer(org, f"Globex Ltd {n}", f"ap{n}@globex.test")
        documents_backend.know_org(org)                 # uploads on, forwarding on
        return Tenant(
            n=n, fake=fake, org=org, customer=customer, **self._contacts(org, customer, n),
            sam=fake.add_staff(org, f"sam{n}@acme.test", f"Sam Owner {n}", role="owner"),
            ada=fake.add_staff(org, f"ada{n}@acme.test", f"Ada Agent {n}", role="agent"),
            ned=fake.add_staff(org, f"ned{n}@acme.test", f"Ned Owner {n}", role="owner", mfa=False),
        )

    def neighbour(self, t: Tenant, name: str = "Umbrella Corp") -> Tenant:
        """Another customer of `t`'s org, with contacts of its own and `t`'s staff (what one
        customer's contacts must never reach: tests/integration/gateway/test_access_sweep.py)."""
        n = next(self.numbers)
        customer = self.fake.add_customer(t.org, f"{name} {n}", f"ap{n}@umbrella.test")
        return Tenant(n=n, fake=self.fake, org=t.org, customer=customer, **self._contacts(t.org, customer, n),
                      sam=t.sam, ada=t.ada, ned=t.ned)

    def _contacts(self, org: dict, customer: dict, n: int) -> dict[str, Login]:
        fake = self.fake
        return {"ann": fake.add_contact(org, customer, f"ann{n}@globex.test", f"Ann Example {n}", mfa=True),
                "cleo": fake.add_contact(org, customer, f"cleo{n}@globex.test", f"Cleo Example {n}"),
                "dora": fake.add_contact(org, customer, f"dora{n}@globex.test", f"Dora Example {n}", mfa=True)}

    def session(self, tenant: Tenant, login: Login, mfa: bool = True) -> str:
        """A session opened through identity's API as the sign-in pages open it (those pages
        have their own tests): the password, then, with `mfa`, a code from the app if the
        login has MFA. Answers identity's token, what the cookie carries."""
        org = tenant.org["org_id"]
        token = self.fake.sign_in(org, login.kind, login.email, login.password, "192.0.2.1", "matrix")["token"]
        if mfa and login.mfa_enabled:
            token = self.fake.verify_mfa(org, token, self.fake.code_for(login))["token"]
        return token

    def browser(self, tenant: Tenant, token: str | None = None, form: bool = True) -> Browser:
        """A browser on the org's host with `token` in its session cookie (a session of this org,
        or of another one); with `form`, it has seen a form first, so it holds a CSRF token."""
        browser = Browser(self.app, host=tenant.host)
        if form:
            browser.get("/signin")
        if token is not None:
            browser.client.set_cookie(COOKIE, token, domain=tenant.host)
        return browser

    def signed_in(self, tenant: Tenant, login: Login, mfa: bool = True, form: bool = True) -> Browser:
        return self.browser(tenant, self.session(tenant, login, mfa), form)

    def foreign_cookie(self, tenant: Tenant, kind: str, form: bool = True) -> tuple[Browser, Tenant]:
        """A browser on this org's host presenting the cookie of a person signed in at another org,
        who has just used it there (so this process has the session in its cache)."""
        other = self.tenant("Other Co")
        token = self.session(other, other.sam if kind == "staff" else other.ann)
        home = "/console" if kind == "staff" else "/"
        assert self.browser(other, token, form=False).get(home).status_code == 200
        return self.browser(tenant, token, form), other


@pytest.fixture(scope="module")
def stage() -> Stage:
    fake = MatrixIdentity()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BILLING_SECRETS_KEY", "bWF0cml4LW9ubHktZmVybmV0LWtleS0wMDAwMDAwMDA=")  # the console's gateway keys
        env.setenv("BILLING_STRIPE_API_BASE", "http://127.0.0.1:9")          # "Test connection" reaches no Stripe
        yield Stage(fake, make_app(fake, **NO_RATE_LIMITS))


def snapshot(fake: FakeIdentity, *tenants: Tenant) -> dict:
    """identity's state for these orgs: what a refused request must leave as it was."""
    orgs = {t.org["org_id"] for t in tenants}
    logins = [login for login in fake.logins.values() if login.org_id in orgs]
    return {
        "people": {login.id: (login.name, login.email, login.password, list(login.permissions), login.status,
                              login.totp_secret, login.pending_secret, copy.deepcopy(login.profile),
                              sorted(s.token for s in fake.sessions_of(login)))
                   for login in logins},
        "customers": sorted(c["customer_id"] for c in fake.customers.values() if c["org_id"] in orgs),
        "invitations": sorted(t for t, c in fake.invitations.items() if fake.logins[c].org_id in orgs),
        "mails": [m for m in fake.sent_invitations if any(m["to"] == login.email for login in logins)],
        "settings": [copy.deepcopy(t.org["settings"]) for t in tenants],
        "contact_modules": {k: list(v) for k, v in fake.contact_modules.items()},
        "api_keys": sorted((k["key_id"], k["revoked_at"] is None) for k in fake.api_keys.values()
                           if k["org_id"] in orgs),
        "domains": sorted((d["domain"], d["status"]) for d in fake.domains.values() if d["org_id"] in orgs),
    }


# -- the routes ------------------------------------------------------------------------------
# A sample value for every URL parameter, by name. The ids are the cell's own org's: the
# customer of its contacts, and the contact the console's contact actions are aimed at.
URL_SAMPLES: dict[str, Callable[[Tenant], str]] = {
    "token": lambda t: "no-such-invitation-token",
    "customer_id": lambda t: t.customer["customer_id"],
    "contact_id": lambda t: t.dora.id,
    "key_id": lambda t: t.fake.key_of(t.org),
    "staff_id": lambda t: _invited_staff(t).id,
    "invoice_id": lambda t: _invoice(t)["invoice_id"],
    "payment_id": lambda t: _payment(t)["payment_id"],
    "credit_note_id": lambda t: _credit_note(t)["credit_note_id"],
    "name": lambda t: "stripe",                  # a payment gateway's webhook door
    "method_id": lambda t: _saved_method(t)["method_id"],
    "kind": lambda t: "payment_receipt",         # a kind of e-mail (console e-mail templates)
    "step": lambda t: "templates",               # a step of the set-up walk staff mark done
    "locale": lambda t: "en",
    "webhook_id": lambda t: _webhook(t)["webhook_id"],
    "ticket_id": lambda t: _ticket(t)["ticket_id"],
    "reply_id": lambda t: _canned(t)["reply_id"],
    "email_id": lambda t: _failed_mail(t)["email_id"],
    "order_id": lambda t: _order(t)["sales_order_id"],
    "shipment_id": lambda t: _shipment(t)["shipment_id"],
    "document_id": lambda t: _document(t)["document_id"],
    "request_id": lambda t: _service_request(t)["service_request_id"],
    "project_id": lambda t: _project(t)["project_id"],
    "task_id": lambda t: _project(t)["tasks"][1]["task_id"],
    "milestone_id": lambda t: _project(t)["milestones"][0]["milestone_id"],
    "week": lambda t: _logged_week(t),
    "domain": lambda t: _domain(t)["domain"],
}


def _domain(t: Tenant) -> dict:
    """A pending custom domain of the cell's org whose TXT record is already in DNS: Check now
    verifies it."""
    name = f"portal.{t.host}"
    if name not in t.fake.domains:
        added = t.fake.add_domain_of(t.org, name)
        t.fake.txt[added["record"]["name"]] = [added["record"]["value"]]
    return t.fake.domains[name]


def _blank_pdf() -> bytes:
    """A real one-page PDF: the matrix reads every PDF it is answered (readable())."""
    out = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(72, 72)
    writer.write(out)
    return out.getvalue()


MATRIX_PDF = _blank_pdf()


def _document(t: Tenant) -> dict:
    """An agreement shared with the cell's customer and signed (so its certificate exists)."""
    if not hasattr(t, "document"):
        t.document = _signed_agreement(t.org["org_id"], t.customer["customer_id"], t.dora.id)
    return t.document


def _signed_agreement(org_id: str, customer_id: str, contact_id: str) -> dict:
    made = documents_backend.share(org_id, customer_id, MATRIX_PDF, kind="agreement", title="Matrix agreement")
    documents_backend.sign(org_id, customer_id, made["document_id"], contact_id)
    return made


def _open_document(t: Tenant, kind: str) -> dict:
    """A quote or an agreement shared with the cell's customer, not decided yet."""
    key = f"open_{kind}"
    if not hasattr(t, key):
        setattr(t, key, documents_backend.share(t.org["org_id"], t.customer["customer_id"], MATRIX_PDF, kind=kind,
                                                title=f"Matrix {kind}"))
    return getattr(t, key)


def _document_now(t: Tenant, kind: str) -> dict:
    return documents_backend.staff_document(t.org["org_id"], _open_document(t, kind)["document_id"])


def _documents_of(t: Tenant, **query) -> list[dict]:
    return documents_backend.documents_app().test_client().get(
        f"/orgs/{t.org['org_id']}/documents", query_string=query,
        headers=tokens.bearer("staff", t.org["org_id"])).get_json()["items"]


def _shared(t: Tenant) -> dict:
    return next((d for d in _documents_of(t) if d["title"] == f"Matrix contract {t.n}"), {"document_id": "none"})


def _order(t: Tenant) -> dict:
    """A sales order of the cell's customer, in the real orders service behind the gateway."""
    if not hasattr(t, "order"):
        t.order = orders_backend.place(t.org["org_id"], t.customer["customer_id"], number=f"SO-M{t.n}")
    return t.order


def _shipment(t: Tenant) -> dict:
    """A shipment of `_order` (more may follow: the order stays open)."""
    if not hasattr(t, "shipment"):
        t.shipment = orders_backend.ship(t.org["org_id"], _order(t)["sales_order_id"], completes_order=False)
    return t.shipment


def _order_now(t: Tenant) -> dict:
    return orders_backend.staff_order(t.org["org_id"], t.order["sales_order_id"])


def _new_order(t: Tenant) -> dict:
    return next((o for o in orders_backend.staff_orders(t.org["org_id"]) if o["number"] == f"NEW-{t.n}"),
                {"sales_order_id": "none"})


def _service_request(t: Tenant) -> dict:
    """A service request of the cell's customer, opened by staff in the real orders service."""
    if not hasattr(t, "service_request"):
        t.service_request = orders_backend.open_request(t.org["org_id"], t.customer["customer_id"],
                                                        subject=f"SR matrix {t.n}")
    return t.service_request


def _request_now(t: Tenant) -> dict:
    return orders_backend.staff_request(t.org["org_id"], t.service_request["service_request_id"])


def _raised_request(t: Tenant) -> dict:
    return next((r for r in orders_backend.staff_requests(t.org["org_id"]) if r["subject"] == f"Raised {t.n}"),
                {"service_request_id": "none"})


def _project(t: Tenant) -> dict:
    """An active project of the cell's customer with two tasks and a milestone (orders)."""
    if not hasattr(t, "project"):
        t.project = orders_backend.create_project(t.org["org_id"], t.customer["customer_id"], name=f"Project M{t.n}")
    return t.project


def _project_now(t: Tenant) -> dict:
    return orders_backend.staff_project(t.org["org_id"], _project(t)["project_id"])


def _logged_week(t: Tenant) -> str:
    """A week of hours on `_project`, not decided yet."""
    if not hasattr(t, "hours"):
        t.hours = orders_backend.log_time(t.org["org_id"], _project(t)["project_id"])
    return t.hours["week"]


def _week_state(t: Tenant) -> str:
    return next(w["state"] for w in orders_backend.timesheet_weeks(t.org["org_id"]) if w["week"] == t.hours["week"])


def _new_project(t: Tenant) -> dict:
    return next((p for p in orders_backend.staff_projects(t.org["org_id"]) if p["name"] == f"New project {t.n}"),
                {"project_id": "none"})


def _pending_payment(t: Tenant) -> dict:
    """A bank debit of the cell's customer still pending: what the console's levers act on."""
    if not hasattr(t, "pending"):
        debit = billing_backend.issue_invoice(t.org["org_id"], t.customer["customer_id"])
        t.pending = billing_backend.pay_invoice(t.org["org_id"], t.customer["customer_id"], debit["invoice_id"],
                                                method="bank_debit")
    return t.pending


# Where one route needs another sample than its parameter's usual one.
ROUTE_SAMPLES: dict[tuple[str, str], Callable[[Tenant], str]] = {
    ("console_invitations.resend", "contact_id"): lambda t: _waiting_contact(t).id,
    ("console_payments.simulate", "payment_id"): lambda t: _pending_payment(t)["payment_id"],
    ("console_invoices.issue", "invoice_id"): lambda t: _draft(t)["invoice_id"],
    ("portal_payment_methods.make_default", "method_id"): lambda t: _second_method(t)["method_id"],
    ("console_invoices.discard", "invoice_id"): lambda t: _draft(t)["invoice_id"],
    ("console_invoices.refund", "invoice_id"): lambda t: _payment(t)["allocations"][0]["invoice_id"],
    ("console_mail.reset_template", "kind"): lambda t: _custom_template(t),
    ("console_webhooks.enable", "webhook_id"): lambda t: _webhook(t, active=False)["webhook_id"],
    ("portal_tickets.reopen", "ticket_id"): lambda t: _resolved_ticket(t)["ticket_id"],
    ("console_documents.add_version", "document_id"): lambda t: _open_document(t, "contract")["document_id"],
    ("portal_tickets.rate", "ticket_id"): lambda t: _resolved_ticket(t)["ticket_id"],
    ("portal_tickets.seen", "ticket_id"): lambda t: _answered_ticket(t)["ticket_id"],
    ("portal_documents.accept", "document_id"): lambda t: _open_document(t, "quote")["document_id"],
    ("portal_documents.decline", "document_id"): lambda t: _open_document(t, "quote")["document_id"],
    ("portal_documents.sign", "document_id"): lambda t: _open_document(t, "agreement")["document_id"],
}


def _ticket(t: Tenant) -> dict:
    """A ticket Ann of the cell's customer raised, in the real support service behind the gateway."""
    if not hasattr(t, "ticket"):
        t.ticket = support_backend.raised_for(t.org["org_id"], t.customer["customer_id"], t.ann.id)
    return t.ticket


def _resolved_ticket(t: Tenant) -> dict:
    if not hasattr(t, "resolved"):
        t.resolved = support_backend.staff_do(t.org["org_id"], _ticket(t)["ticket_id"], "status", status="resolved")
    return t.ticket


def _answered_ticket(t: Tenant) -> dict:
    """Ann's ticket with a reply from staff (message 2) that she has not read yet."""
    if not hasattr(t, "answered"):
        t.answered = support_backend.staff_says(t.org["org_id"], _ticket(t)["ticket_id"], "An answer")
    return t.ticket


def _second_ticket(t: Tenant) -> dict:
    if not hasattr(t, "second_ticket"):
        t.second_ticket = support_backend.raised_for(t.org["org_id"], t.customer["customer_id"], t.ann.id, "Again")
    return t.second_ticket


def _ticket_now(t: Tenant) -> dict:
    return support_backend.staff_ticket(t.org["org_id"], t.ticket["ticket_id"])


def _said(t: Tenant, type_: str, body: str) -> bool:
    return any(d["body"] == body for d in support_backend.recorded(type_, t.ticket["ticket_id"]))


def _canned(t: Tenant) -> dict:
    if not hasattr(t, "canned"):
        t.canned = support_backend.add_canned(t.org["org_id"], f"Canned {t.n}")
    return t.canned


def _new_ticket_page(t: Tenant, me: Login) -> str:
    made = support_backend.ticket_with_subject(t.org["org_id"], f"Matrix ticket {t.n}")
    return f"/tickets/{made['ticket_id']}" if made else "/tickets/none"


def _webhook(t: Tenant, active: bool = True) -> dict:
    """A webhook of the cell's org in the real notifications service (switched off with `active=False`)."""
    if not hasattr(t, "webhook"):
        t.webhook = notifications_backend.add_webhook(t.org, f"https://erp{t.n}.example.test/hook")
        if not active:
            notifications_backend.switch_webhook(t.org, t.webhook["webhook_id"], False)
    return t.webhook


def _failed_mail(t: Tenant) -> dict:
    """A mail of the cell's org that the sender gave up on: what "Send again" acts on."""
    if not hasattr(t, "failed_mail"):
        t.failed_mail = notifications_backend.queue_mail(t.org, t.ann.email, status="failed")
    return t.failed_mail


def _webhook_state(t: Tenant) -> str:
    found = [h for h in notifications_backend.webhooks(t.org) if h["webhook_id"] == t.webhook["webhook_id"]]
    return ("on" if found[0]["active"] else "off") if found else "gone"


def _custom_template(t: Tenant) -> str:
    """The org's own wording of a payment receipt, which reset takes back to the default."""
    notifications_backend.save_template(t.org, "payment_receipt")
    return "payment_receipt"


def _saved_method(t: Tenant) -> dict:
    """A test card saved by the cell's contact Ann (saved methods are a contact's own)."""
    if not hasattr(t, "saved_method"):
        t.saved_method = payment_methods_backend.save_method(t.org["org_id"], t.customer["customer_id"], t.ann.id)
    return t.saved_method


def _second_method(t: Tenant) -> dict:
    """Ann's second saved method (not the default), after the first."""
    _saved_method(t)
    if not hasattr(t, "second_method"):
        t.second_method = payment_methods_backend.save_method(t.org["org_id"], t.customer["customer_id"], t.ann.id,
                                                              kind="bank_account")
    return t.second_method


def _methods(t: Tenant, me: Login) -> list[dict]:
    return payment_methods_backend.methods_of(t.org["org_id"], t.customer["customer_id"], me.id)


def _draft(t: Tenant) -> dict:
    """A draft invoice of the cell's customer (what the console's issue and discard act on)."""
    if not hasattr(t, "draft"):
        t.draft = billing_backend.issue_invoice(t.org["org_id"], t.customer["customer_id"], issue=False)
    return t.draft


def _invoice_status(t: Tenant, invoice: dict):
    return billing_backend.staff_invoice(t.org["org_id"], invoice["invoice_id"]).get("status")


def _new_draft(t: Tenant) -> dict:
    return next(iter(billing_backend.staff_invoices(t.org["org_id"], status="draft")), {"invoice_id": "none"})


def _payment(t: Tenant) -> dict:
    """A settled payment of the cell's customer, for another invoice than `_invoice`'s."""
    if not hasattr(t, "payment"):
        paid = billing_backend.issue_invoice(t.org["org_id"], t.customer["customer_id"])
        t.payment = billing_backend.pay_invoice(t.org["org_id"], t.customer["customer_id"], paid["invoice_id"])
    return t.payment


def _credit_note(t: Tenant) -> dict:
    """A credit note of the cell's customer, in the real billing service behind the gateway."""
    if not hasattr(t, "credit_note"):
        t.credit_note = billing_backend.issue_credit_note(t.org["org_id"], t.customer["customer_id"])
    return t.credit_note


def _note_now(t: Tenant) -> dict:
    return billing_backend.billing_app().test_client().get(
        f"/orgs/{t.org['org_id']}/credit-notes/{_credit_note(t)['credit_note_id']}",
        headers=tokens.bearer("staff", t.org["org_id"], id="matrix-staff")).get_json()


def _new_note(t: Tenant) -> dict:
    """The credit note the console's form issued (its description names the cell)."""
    answer = billing_backend.billing_app().test_client().get(
        f"/orgs/{t.org['org_id']}/credit-notes", headers=tokens.bearer("staff", t.org["org_id"], id="matrix-staff"))
    return next((n for n in answer.get_json()["items"] if n["total_minor"] == 1234), {"credit_note_id": "none"})


def _invoice(t: Tenant) -> dict:
    """An issued invoice of the cell's customer, in the real billing service behind the gateway."""
    if not hasattr(t, "invoice"):
        t.invoice = billing_backend.issue_invoice(t.org["org_id"], t.customer["customer_id"])
    return t.invoice


def _payment_link(t: Tenant) -> dict | None:
    """The live payment link of the cell's invoice, as staff see it (None: there is none)."""
    answer = billing_backend.billing_app().test_client().get(
        f"/orgs/{t.org['org_id']}/invoices/{t.invoice['invoice_id']}/payment-link",
        headers=tokens.bearer("staff", t.org["org_id"], id="matrix-staff"))
    return answer.get_json() if answer.status_code == 200 else None


def _invited_staff(t: Tenant) -> Login:
    """The staff member the console's staff actions are aimed at: invited, not yet active."""
    if not hasattr(t, "ivy"):
        t.ivy = t.fake.add_staff(t.org, f"ivy{t.n}@acme.test", f"Ivy Invited {t.n}", role="agent",
                                 password=None, mfa=False)
        t.ivy.status = "invited"
    return t.ivy
PARAMETER = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")


@dataclass
class Route:
    method: str
    rule: str
    endpoint: str
    kind: str | None                  # public | portal | pending_mfa | console (None: undeclared)
    rules: dict                       # portal: module, permission; console: roles
    arguments: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"

    def url(self, tenant: Tenant, **others: Tenant | str) -> str:
        """The route's URL with `tenant`'s sample values; a parameter named in `others` gets
        that tenant's sample, or that value, instead (another customer's or org's id among one's own)."""
        def value(name: str) -> str:
            other = others.get(name, tenant)
            return other if isinstance(other, str) else self.sample(name, other)
        return PARAMETER.sub(lambda m: value(m.group(1)), self.rule)

    def sample(self, name: str, tenant: Tenant) -> str:
        if name not in URL_SAMPLES:
            pytest.fail(f"{self}: the access matrix has no sample value for <{name}>. Add one to "
                        f"URL_SAMPLES in tests/integration/gateway/test_access_matrix.py so that this route is "
                        f"checked like every other.", pytrace=False)
        return ROUTE_SAMPLES.get((self.endpoint, name), URL_SAMPLES[name])(tenant)


def routes_of(app: Flask) -> list[Route]:
    """Every (method, rule) the app answers, but Flask's static files; HEAD and OPTIONS
    are Flask's own (HEAD runs the GET view)."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        kind, rules = declaration(app.view_functions[rule.endpoint]) or (None, {})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append(Route(method, rule.rule, rule.endpoint, kind, dict(rules),
                                tuple(PARAMETER.findall(rule.rule))))
    return routes


ROUTES = routes_of(make_app(FakeIdentity()))
GROUPS = {kind: [r for r in ROUTES if r.kind == kind] for kind in (PUBLIC, PORTAL, PENDING_MFA, CONSOLE, API)}


# -- what a successful POST sends and does ------------------------------------------------
@dataclass(frozen=True)
class Done:
    """A successful POST: the form a person sends, where it leads, and what it changed.
    `me` is the person sending it; `t` the org whose ids are in the URL. `goes_to` None: the
    answer is a page of its own (200), not a redirect (a new API key is shown once, right there)."""
    form: Callable[[Tenant, Login], dict]
    goes_to: Callable[[Tenant, Login], str]
    changed: Callable[[Tenant, Login], bool]


def _billed_ids(t: Tenant, customer_id: str, contact_id: str | None = None) -> dict:
    """An invoice, a settled payment (of another invoice), a credit note of this customer, and a
    ticket its contact raised."""
    invoice = billing_backend.issue_invoice(t.org["org_id"], customer_id)
    paid = billing_backend.issue_invoice(t.org["org_id"], customer_id)
    payment = billing_backend.pay_invoice(t.org["org_id"], customer_id, paid["invoice_id"])
    note = billing_backend.issue_credit_note(t.org["org_id"], customer_id)
    ticket = support_backend.raised_for(t.org["org_id"], customer_id, contact_id) if contact_id else {}
    order = orders_backend.place(t.org["org_id"], customer_id)
    document = _signed_agreement(t.org["org_id"], customer_id, contact_id or "someone")
    service_request = orders_backend.open_request(t.org["org_id"], customer_id, subject=f"SR {invoice['number']}")
    project = orders_backend.create_project(t.org["org_id"], customer_id)
    return {"project_id": project["project_id"], "invoice_id": invoice["invoice_id"], "payment_id": payment["payment_id"],
            "number": invoice["number"],
            "credit_note_id": note["credit_note_id"], "ticket_id": ticket.get("ticket_id"),
            "order_id": order["sales_order_id"], "document_id": document["document_id"],
            "request_id": service_request["service_request_id"]}


def _with_ids(t: Tenant, path: str, ids: dict) -> str:
    """The cell's URL with someone else's invoice and payment ids in place of the sample ones."""
    if hasattr(t, "invoice"):
        path = path.replace(t.invoice["invoice_id"], ids["invoice_id"])
    if hasattr(t, "payment"):
        path = path.replace(t.payment["payment_id"], ids["payment_id"])
    if hasattr(t, "credit_note"):
        path = path.replace(t.credit_note["credit_note_id"], ids["credit_note_id"])
    if hasattr(t, "ticket") and ids.get("ticket_id"):
        path = path.replace(t.ticket["ticket_id"], ids["ticket_id"])
    if hasattr(t, "order"):
        path = path.replace(t.order["sales_order_id"], ids["order_id"])
    if hasattr(t, "document"):
        path = path.replace(t.document["document_id"], ids["document_id"])
    if hasattr(t, "service_request"):
        path = path.replace(t.service_request["service_request_id"], ids["request_id"])
    if hasattr(t, "project"):
        path = path.replace(t.project["project_id"], ids["project_id"])
    return path


def _pending(t: Tenant) -> dict:
    """A bank debit of the cell's invoice, still pending."""
    return billing_backend.pay_invoice(t.org["org_id"], t.customer["customer_id"], _invoice(t)["invoice_id"],
                                       method="bank_debit")


def _payments(t: Tenant) -> list[dict]:
    return billing_backend.payments_of(t.org["org_id"], t.customer["customer_id"], t.invoice["invoice_id"])


def _newest_payment(t: Tenant) -> dict:
    return (_payments(t) or [{"payment_id": "none"}])[0]


def _customer_page(t: Tenant, me: Login) -> str:
    return f"/console/customers/{t.customer['customer_id']}"


def _new_customer(t: Tenant) -> str | None:
    ids = [c["customer_id"] for c in t.fake.customers.values()
           if c["org_id"] == t.org["org_id"] and c["name"] == "Newco Ltd"]
    return ids[0] if ids else None


def _waiting_contact(t: Tenant) -> Login:
    """A contact of the cell's customer who was invited and has not accepted yet."""
    if not hasattr(t, "waiting"):
        t.waiting = t.fake.add_contact(t.org, t.customer, f"wes{t.n}@globex.test", f"Wes Waiting {t.n}",
                                       password=None, status="invited")
    return t.waiting


def _import_file(t: Tenant, me: Login) -> dict:
    data = f"customer,email,name\n{t.customer['name']},imp{t.n}@globex.test,Ivo Import {t.n}\n".encode()
    return {"file": (io.BytesIO(data), "people.csv")}


def _sealed(t: Tenant, me: Login, what: str, payload) -> str:
    """What the preview (or the report) signed for this person: the matrix app's secret."""
    return invitation_import.seal("test-secret-key", t.org["org_id"], me.id, what, payload)


def _import_rows(t: Tenant, me: Login) -> dict:
    item = {"row": 2, "customer": t.customer["name"], "email": f"imp{t.n}@globex.test", "name": f"Ivo Import {t.n}",
            "permissions": [], "language": None, "create_customer": False}
    return {"rows": _sealed(t, me, "rows", {"items": [item], "refused": []})}


def _imported(t: Tenant) -> bool:
    return any(login.email == f"imp{t.n}@globex.test" and login.status == "invited" for login in t.fake.logins.values())


def _password_form(t: Tenant, me: Login) -> dict:
    return {"current_password": me.password, "new_password": NEW_PASSWORD, "repeat": NEW_PASSWORD}


def _signed_out_everywhere(t: Tenant, me: Login) -> bool:
    return t.fake.sessions_of(me) == []


SUCCESSFUL_POSTS: dict[str, Done] = {
    "portal_account.profile": Done(lambda t, me: {"name": "Renamed Person", "language": "en"},
                           lambda t, me: "/profile",
                           lambda t, me: me.name == "Renamed Person"),
    "portal_account.password": Done(_password_form, lambda t, me: "/",
                            lambda t, me: me.password == NEW_PASSWORD),
    "portal_account.signout_everywhere": Done(lambda t, me: {}, lambda t, me: "/signin", _signed_out_everywhere),
    "console_customers.customers": Done(lambda t, me: {"name": "Newco Ltd", "email": "ap@newco.test"},
                              lambda t, me: f"/console/customers/{_new_customer(t)}",
                              lambda t, me: _new_customer(t) is not None),
    "console_customers.add_contact": Done(lambda t, me: {"name": "Nina New", "email": f"nina{t.n}@globex.test",
                                               "permissions": ["view"]},
                                _customer_page,
                                lambda t, me: any(login.email == f"nina{t.n}@globex.test"
                                                  for login in t.fake.logins.values())),
    "console_customers.update_customer": Done(
        lambda t, me: {"details-name": t.customer["name"], "details-email": t.customer["email"],
                       "details-address": "1 Quay St\nLeeds", "details-tax_id": f"GB{t.n}"},
        _customer_page, lambda t, me: t.fake.customers[t.customer["customer_id"]].get("tax_id") == f"GB{t.n}"),
    "console_customers.invite": Done(lambda t, me: {}, _customer_page,
                           lambda t, me: any(m["to"] == t.dora.email for m in t.fake.sent_invitations)),
    "console_customers.permissions": Done(lambda t, me: {f"c-{t.dora.id}-permissions": ["view", "pay"],
                                                      f"c-{t.dora.id}-modules": ["invoices"],
                                                      f"c-{t.dora.id}-offered": "1"}, _customer_page,
                                lambda t, me: t.dora.permissions == ["view", "pay"] and t.dora.modules == ["invoices"]),
    "console_customers.customer_modules": Done(lambda t, me: {"customer-modules": ["invoices"]}, _customer_page,
                                     lambda t, me: t.fake.customers[t.customer["customer_id"]]["modules"] == ["invoices"]),
    "console_customers.reset_mfa": Done(lambda t, me: {}, _customer_page, lambda t, me: not t.dora.mfa_enabled),
    "console_customers.revoke": Done(lambda t, me: {}, _customer_page, lambda t, me: t.fake.sessions_of(t.dora) == []),
    "console_setup.mark_done": Done(lambda t, me: {}, lambda t, me: "/console",
                                    lambda t, me: t.org["settings"].get("setup_done") == ["templates"]),
    "console_invitations.resend": Done(lambda t, me: {}, lambda t, me: "/console/invitations",
                                       lambda t, me: any(m["to"] == t.waiting.email for m in t.fake.sent_invitations)),
    "console_invitations.import_file": Done(_import_file, lambda t, me: None,              # a preview: nothing sent
                                            lambda t, me: not _imported(t)),
    "console_invitations.confirm": Done(_import_rows, lambda t, me: None, lambda t, me: _imported(t)),
    "console_invitations.report": Done(
        lambda t, me: {"report": _sealed(t, me, "report", [{"row": 2, "customer": "C", "email": "e@x.test",
                                                             "name": "N", "outcome": "invited", "message": ""}])},
        lambda t, me: None, lambda t, me: True),                                           # a download
    "console_settings.portal_settings": Done(lambda t, me: {"portal_enabled": "y", "modules": ["invoices"]},
                                    lambda t, me: "/console/settings",
                                    lambda t, me: t.org["settings"]["modules"] == ["invoices"]),
    "console_settings.upload_logo": Done(lambda t, me: {"logo": (io.BytesIO(png()), "logo.png")},
                                lambda t, me: "/console/settings",
                                lambda t, me: bool(t.org["settings"].get("logo"))),
    "console_settings.remove_logo": Done(lambda t, me: {}, lambda t, me: "/console/settings",
                                lambda t, me: "logo" in t.org["settings"] and t.org["settings"]["logo"] is None),
    "console_keys.api_keys": Done(lambda t, me: {"name": "Matrix key", "scopes": ["customers"]}, lambda t, me: None,
                                  lambda t, me: any(k["name"] == "Matrix key" and k["org_id"] == t.org["org_id"]
                                                    for k in t.fake.api_keys.values())),
    "console_domains.domains": Done(lambda t, me: {"domain": f"new.{t.host}"}, lambda t, me: "/console/domains",
                                    lambda t, me: f"new.{t.host}" in t.fake.domains),
    "console_domains.check_domain": Done(lambda t, me: {}, lambda t, me: "/console/domains",
                                         lambda t, me: t.fake.domains[f"portal.{t.host}"]["status"] == "verified"),
    "console_domains.remove_domain": Done(lambda t, me: {}, lambda t, me: "/console/domains",
                                          lambda t, me: f"portal.{t.host}" not in t.fake.domains),
    "console_keys.revoke_api_key": Done(lambda t, me: {}, lambda t, me: "/console/api-keys",
                                        lambda t, me: t.fake.api_keys[t.fake.key_of(t.org)]["revoked_at"] is not None),
    "portal_payments.pay": Done(lambda t, me: {"method": "bank_debit"},
                         lambda t, me: f"/payments/{_newest_payment(t)['payment_id']}",
                         lambda t, me: [p["status"] for p in _payments(t)] == ["pending"]),
    # a payment no gateway page belongs to (a pending bank debit): it stays as it is
    "portal_payment_return.cancel": Done(lambda t, me: {"payment": _pending(t)["payment_id"], "back": "/invoices"},
                                         lambda t, me: "/invoices",
                                         lambda t, me: [p["status"] for p in _payments(t)] == ["pending"]),
    "portal_bulk_payments.pay_selected": Done(lambda t, me: {"invoice_id": _invoice(t)["invoice_id"], "method": "bank_debit",
                                                      "confirm": "1"},
                                       lambda t, me: f"/payments/{_newest_payment(t)['payment_id']}",
                                       lambda t, me: [p["status"] for p in _payments(t)] == ["pending"]),
    "portal_payment_methods.add": Done(lambda t, me: {"kind": "card"}, lambda t, me: "/payment-methods",
                                lambda t, me: [m["last4"] for m in _methods(t, me)] == ["4242"]),
    "portal_payment_methods.make_default": Done(lambda t, me: {}, lambda t, me: "/payment-methods",
                                         lambda t, me: _methods(t, me)[0]["method_id"] == t.second_method["method_id"]),
    "portal_payment_methods.remove": Done(lambda t, me: {"confirm": "1"}, lambda t, me: "/payment-methods",
                                   lambda t, me: t.saved_method["method_id"] not in
                                   [m["method_id"] for m in _methods(t, me)]),
    "console_gateways.save": Done(lambda t, me: {"secret_key": "sk_test_matrix0001", "webhook_secret": "whsec_matrix"},
                                  lambda t, me: "/console/payment-gateways",
                                  lambda t, me: billing_backend.gateway_connections(t.org["org_id"])
                                  .get("stripe", {}).get("secret_key", {}).get("ends_in") == "0001"),
    "console_gateways.try_connection": Done(lambda t, me: billing_backend.connect_stripe(t.org["org_id"]) and {},
                                            lambda t, me: "/console/payment-gateways",
                                            lambda t, me: billing_backend.gateway_connections(
                                                t.org["org_id"])["stripe"]["last_test"] is not None),
    "console_gateways.disconnect": Done(lambda t, me: billing_backend.connect_stripe(t.org["org_id"]) and {},
                                        lambda t, me: "/console/payment-gateways",
                                        lambda t, me: billing_backend.gateway_connections(t.org["org_id"]) == {}),
    "console_invoice_lines.total": Done(          # a preview: priced, nothing saved
        lambda t, me: {"currency": "EUR", "rows": "1", "lines-0-description": "Matrix", "lines-0-quantity": "1",
                       "lines-0-unit_price": "10"},
        lambda t, me: None,
        lambda t, me: billing_backend.staff_invoices(t.org["org_id"], status="draft") == []),
    "console_reminders.save": Done(lambda t, me: {"enabled": "y", "days": ["0", "7"]},
                                   lambda t, me: "/console/reminders",
                                   lambda t, me: billing_backend.reminders(t.org["org_id"])["days"] == [0, 7]),
    "console_reminders.leave_out": Done(lambda t, me: {"customer_id": t.customer["customer_id"]},
                                        lambda t, me: "/console/reminders",
                                        lambda t, me: [c["customer_id"] for c in billing_backend.reminders(
                                            t.org["org_id"])["customers_left_out"]] == [t.customer["customer_id"]]),
    "console_reminders.take_back": Done(
        lambda t, me: billing_backend.leave_out_of_reminders(t.org["org_id"], t.customer["customer_id"]) or {},
        lambda t, me: "/console/reminders",
        lambda t, me: billing_backend.reminders(t.org["org_id"])["customers_left_out"] == []),
    "console_payments.simulate": Done(lambda t, me: {"outcome": "failed"}, lambda t, me: "/console/payments",
                                      lambda t, me: billing_backend.payment_status(
                                          t.org["org_id"], t.pending["payment_id"]) == "failed"),
    "console_staff.staff": Done(lambda t, me: {"name": "Nora New", "email": f"nora{t.n}@acme.test", "role": "agent"},
                                lambda t, me: "/console/staff",
                                lambda t, me: any(login.email == f"nora{t.n}@acme.test" and login.status == "invited"
                                                  for login in t.fake.logins.values())),
    "console_staff.reinvite": Done(lambda t, me: {}, lambda t, me: "/console/staff",
                                   lambda t, me: any(m["to"] == t.ivy.email for m in t.fake.sent_invitations)),
    "console_staff.change_role": Done(lambda t, me: {f"s-{t.ivy.id}-role": "admin"}, lambda t, me: "/console/staff",
                                      lambda t, me: t.ivy.role == "admin"),
    "console_staff.remove": Done(lambda t, me: {}, lambda t, me: "/console/staff",
                                 lambda t, me: t.ivy.status == "removed"),
    "portal_comments.comment": Done(lambda t, me: {"text": "A question from the matrix"},
                             lambda t, me: f"/invoices/{t.invoice['invoice_id']}",
                             lambda t, me: len(billing_backend.recorded("CommentPosted", t.invoice["invoice_id"])) == 1),
    "portal_comments.forward": Done(lambda t, me: billing_backend.allow_forwarding(t.org["org_id"]) or {"email": "ap@globex.test"},
                             lambda t, me: f"/invoices/{t.invoice['invoice_id']}",
                             lambda t, me: len(billing_backend.recorded("InvoiceForwarded", t.invoice["invoice_id"])) == 1),
    "console_invoices.new_invoice": Done(
        lambda t, me: {"customer_id": t.customer["customer_id"], "currency": "EUR", "intent": "draft",
                       "lines-0-description": "Matrix work", "lines-0-quantity": "1", "lines-0-unit_price": "10"},
        lambda t, me: f"/console/invoices/{_new_draft(t)['invoice_id']}",
        lambda t, me: _new_draft(t).get("total_minor") == 1000),
    "console_invoices.comment": Done(lambda t, me: {"text": f"Matrix note {t.n}"},
                                     lambda t, me: f"/console/invoices/{t.invoice['invoice_id']}",
                                     lambda t, me: any(d.get("body") == f"Matrix note {t.n}" for d in
                                                       billing_backend.recorded("CommentPosted", t.invoice["invoice_id"]))),
    "console_credit_notes.new_credit_note": Done(
        lambda t, me: {"customer_id": t.customer["customer_id"], "invoice_id": "", "currency": "EUR", "amount": "12.34",
                       "description": f"Matrix credit {t.n}"},
        lambda t, me: f"/console/credit-notes/{_new_note(t)['credit_note_id']}",
        lambda t, me: _new_note(t)["credit_note_id"] != "none"),
    "console_credit_notes.apply": Done(lambda t, me: {"invoice_id": _invoice(t)["invoice_id"], "amount": "10"},
                                       lambda t, me: f"/console/credit-notes/{t.credit_note['credit_note_id']}",
                                       lambda t, me: _note_now(t)["applied_minor"] == 1000),
    "console_credit_notes.refund": Done(lambda t, me: {"amount": "10", "reason": "Matrix", "request": "matrix-form-000001"},
                                        lambda t, me: f"/console/credit-notes/{t.credit_note['credit_note_id']}",
                                        lambda t, me: _note_now(t)["refunded_minor"] == 1000),
    "console_invoices.issue": Done(lambda t, me: {}, lambda t, me: f"/console/invoices/{t.draft['invoice_id']}",
                                   lambda t, me: _invoice_status(t, t.draft) == "sent"),
    "console_invoices.edit": Done(lambda t, me: {"due_date": "2030-01-31", "notes": "Matrix"},
                                  lambda t, me: f"/console/invoices/{t.invoice['invoice_id']}",
                                  lambda t, me: billing_backend.staff_invoice(
                                      t.org["org_id"], t.invoice["invoice_id"])["due_date"] == "2030-01-31"),
    "console_invoices.void": Done(lambda t, me: {"reason": "Matrix"},
                                  lambda t, me: f"/console/invoices/{t.invoice['invoice_id']}",
                                  lambda t, me: _invoice_status(t, t.invoice) == "void"),
    "console_invoices.discard": Done(lambda t, me: {}, lambda t, me: "/console/invoices",
                                     lambda t, me: _invoice_status(t, t.draft) == 404),
    "console_invoices.record_payment": Done(lambda t, me: {"method": "cash", "amount": "120.00", "reference": "M-1"},
                                            lambda t, me: f"/console/invoices/{t.invoice['invoice_id']}",
                                            lambda t, me: _invoice_status(t, t.invoice) == "paid"),
    "console_invoices.refund": Done(lambda t, me: {f"r-{t.payment['payment_id']}-amount": "1.00",
                                                   f"r-{t.payment['payment_id']}-request": "matrix-form-000001"},
                                    lambda t, me: f"/console/invoices/{t.payment['allocations'][0]['invoice_id']}",
                                    lambda t, me: billing_backend.staff_payment(
                                        t.org["org_id"], t.payment["payment_id"])["refunded_minor"] == 100),
    "console_payment_links.make_link": Done(lambda t, me: {}, lambda t, me: None,
                                            lambda t, me: _payment_link(t) is not None),
    "console_payment_links.new_link": Done(lambda t, me: {}, lambda t, me: None,
                                           lambda t, me: _payment_link(t) is not None),
    "console_mail.email_template": Done(
        lambda t, me: {"subject": f"Matrix {t.n}", "text": "Hello {{ recipient.name }}", "intent": "save"},
        lambda t, me: "/console/email-templates/payment_receipt/en",
        lambda t, me: notifications_backend.template(t.org, "payment_receipt")["subject"] == f"Matrix {t.n}"),
    "console_mail.reset_template": Done(lambda t, me: {}, lambda t, me: "/console/email-templates/payment_receipt/en",
                                        lambda t, me: not notifications_backend.template(t.org, "payment_receipt")["custom"]),
    "console_webhooks.webhooks": Done(lambda t, me: {"url": f"https://new{t.n}.example.test/hook",
                                                     "event_types": ["InvoiceIssued"]}, lambda t, me: None,
                                      lambda t, me: any(h["url"] == f"https://new{t.n}.example.test/hook"
                                                        for h in notifications_backend.webhooks(t.org))),
    "console_webhooks.enable": Done(lambda t, me: {}, lambda t, me: "/console/webhooks",
                                    lambda t, me: _webhook_state(t) == "on"),
    "console_webhooks.disable": Done(lambda t, me: {}, lambda t, me: "/console/webhooks",
                                     lambda t, me: _webhook_state(t) == "off"),
    "console_webhooks.delete": Done(lambda t, me: {}, lambda t, me: "/console/webhooks",
                                    lambda t, me: _webhook_state(t) == "gone"),
    "console_emails.resend": Done(lambda t, me: {}, lambda t, me: "/console/emails",
                                  lambda t, me: notifications_backend.email_row(t.failed_mail["email_id"]).status
                                  == "pending"),
    "console_activity.mail_preferences": Done(
        lambda t, me: {"payments": "daily", "comments": "off", "approvals": "off", "uploads": "off",
                       "tickets": "immediate", "reviews": "off"},
        lambda t, me: "/console/activity/mail",
        lambda t, me: notifications_backend.mail_preferences(t.org, me.id)["tickets"] == "immediate"),
    "console_activity.mark_read": Done(lambda t, me: notifications_backend.happened(t.org["org_id"]) and {},
                                       lambda t, me: "/console/activity",
                                       lambda t, me: notifications_backend.unread(t.org, me.id) == 0),
    "portal_tickets.new_ticket": Done(lambda t, me: {"subject": f"Matrix ticket {t.n}", "description": "From the matrix",
                                              "priority": "normal", "category": ""}, _new_ticket_page,
                               lambda t, me: support_backend.ticket_with_subject(t.org["org_id"], f"Matrix ticket {t.n}")
                               is not None),
    "portal_tickets.post_message": Done(lambda t, me: {"body": f"Matrix says {t.n}"},
                                 lambda t, me: f"/tickets/{t.ticket['ticket_id']}",
                                 lambda t, me: _said(t, "TicketMessagePosted", f"Matrix says {t.n}")),
    "portal_tickets.seen": Done(lambda t, me: {"seq": "2"}, lambda t, me: None,
                         lambda t, me: support_backend.read_mark(t.ticket["ticket_id"], f"contact:{me.id}") == 2),
    "portal_tickets.reopen": Done(lambda t, me: {}, lambda t, me: f"/tickets/{t.ticket['ticket_id']}",
                           lambda t, me: _ticket_now(t)["status"] == "open"),
    "portal_tickets.rate": Done(lambda t, me: {"rating": "5"}, lambda t, me: f"/tickets/{t.ticket['ticket_id']}",
                         lambda t, me: any(r["subject_id"] == t.ticket["ticket_id"]
                                           for r in support_backend.reviews_of(t.org["org_id"]))),
    "portal_reviews.review": Done(lambda t, me: {"rating": "4", "comment": f"Matrix {t.n}"}, lambda t, me: None,
                           lambda t, me: any(r["comment"] == f"Matrix {t.n}"
                                             for r in support_backend.reviews_of(t.org["org_id"]))),
    "console_tickets.reply": Done(lambda t, me: {"body": f"Staff matrix {t.n}"},
                                  lambda t, me: f"/console/tickets/{t.ticket['ticket_id']}",
                                  lambda t, me: _said(t, "TicketMessagePosted", f"Staff matrix {t.n}")),
    "console_tickets.seen": Done(lambda t, me: {"seq": "1"}, lambda t, me: None,
                                 lambda t, me: support_backend.read_mark(t.ticket["ticket_id"], f"staff:{me.id}") == 1),
    "console_tickets.note": Done(lambda t, me: {"note": f"Matrix note {t.n}"},
                                 lambda t, me: f"/console/tickets/{t.ticket['ticket_id']}",
                                 lambda t, me: _said(t, "TicketNoteAdded", f"Matrix note {t.n}")),
    "console_tickets.status": Done(lambda t, me: {"status": "in_progress"},
                                   lambda t, me: f"/console/tickets/{t.ticket['ticket_id']}",
                                   lambda t, me: _ticket_now(t)["status"] == "in_progress"),
    "console_tickets.close": Done(lambda t, me: {"resolution": "Matrix"},
                                  lambda t, me: f"/console/tickets/{t.ticket['ticket_id']}",
                                  lambda t, me: _ticket_now(t)["status"] == "closed"),
    "console_tickets.assign": Done(lambda t, me: {"assignee": me.id},
                                   lambda t, me: f"/console/tickets/{t.ticket['ticket_id']}",
                                   lambda t, me: _ticket_now(t)["assignee_id"] == me.id),
    "console_tickets.merge": Done(lambda t, me: {"into": _second_ticket(t)["number"]},
                                  lambda t, me: f"/console/tickets/{t.ticket['ticket_id']}",
                                  lambda t, me: _ticket_now(t)["merged_into"] == t.second_ticket["ticket_id"]),
    "console_tickets.canned_replies": Done(lambda t, me: {"title": f"Matrix {t.n}", "body": "Thanks"},
                                           lambda t, me: "/console/canned-replies",
                                           lambda t, me: any(c["title"] == f"Matrix {t.n}"
                                                             for c in support_backend.canned(t.org["org_id"]))),
    "console_tickets.delete_canned_reply": Done(lambda t, me: {}, lambda t, me: "/console/canned-replies",
                                                lambda t, me: all(c["reply_id"] != t.canned["reply_id"]
                                                                  for c in support_backend.canned(t.org["org_id"]))),
    "console_orders.new_order": Done(
        lambda t, me: {"customer_id": t.customer["customer_id"], "currency": "EUR", "number": f"NEW-{t.n}",
                       "lines-0-description": "Matrix desk", "lines-0-quantity": "1", "lines-0-unit_price": "10"},
        lambda t, me: f"/console/sales-orders/{_new_order(t)['sales_order_id']}",
        lambda t, me: _new_order(t).get("total_minor") == 1000),
    "console_orders.add_shipment": Done(
        lambda t, me: {"carrier": f"Matrix Carrier {t.n}", "status": "dispatched", "completes_order": "y"},
        lambda t, me: f"/console/sales-orders/{t.order['sales_order_id']}",
        lambda t, me: [s["carrier"] for s in _order_now(t)["shipments"]] == [f"Matrix Carrier {t.n}"]),
    "console_orders.delivery_status": Done(
        lambda t, me: {f"d-{_shipment(t)['shipment_id']}-status": "in_transit"},
        lambda t, me: f"/console/sales-orders/{t.order['sales_order_id']}",
        lambda t, me: _order_now(t)["shipments"][0]["status"] == "in_transit"),
    "console_orders.order_status": Done(lambda t, me: {"status": "shipped"},
                                        lambda t, me: f"/console/sales-orders/{t.order['sales_order_id']}",
                                        lambda t, me: _order_now(t)["status"] == "shipped"),
    "console_orders.cancel": Done(lambda t, me: {"reason": "Matrix"},
                                  lambda t, me: f"/console/sales-orders/{t.order['sales_order_id']}",
                                  lambda t, me: _order_now(t)["status"] == "cancelled"),
    "portal_service_requests.new_service_request": Done(
        lambda t, me: {"subject": f"Raised {t.n}", "description": "Matrix", "priority": "normal"},
        lambda t, me: f"/service-requests/{_raised_request(t)['service_request_id']}",
        lambda t, me: _raised_request(t)["service_request_id"] != "none"),
    "portal_service_requests.add_update": Done(
        lambda t, me: {"text": f"Matrix update {t.n}"},
        lambda t, me: f"/service-requests/{t.service_request['service_request_id']}",
        lambda t, me: [u["text"] for u in _request_now(t)["updates"]] == [f"Matrix update {t.n}"]),
    "console_service_requests.status": Done(
        lambda t, me: {"status": "in_progress"},
        lambda t, me: f"/console/service-requests/{t.service_request['service_request_id']}",
        lambda t, me: _request_now(t)["status"] == "in_progress"),
    "console_service_requests.priority": Done(
        lambda t, me: {"priority": "urgent"},
        lambda t, me: f"/console/service-requests/{t.service_request['service_request_id']}",
        lambda t, me: _request_now(t)["priority"] == "urgent"),
    "console_service_requests.assign": Done(
        lambda t, me: {"assignee": me.id},
        lambda t, me: f"/console/service-requests/{t.service_request['service_request_id']}",
        lambda t, me: _request_now(t)["assignee_id"] == me.id),
    "console_service_requests.post_update": Done(
        lambda t, me: {"text": f"Matrix answer {t.n}"},
        lambda t, me: f"/console/service-requests/{t.service_request['service_request_id']}",
        lambda t, me: [u["text"] for u in _request_now(t)["updates"]] == [f"Matrix answer {t.n}"]),
    "console_service_requests.attach_file": Done(
        lambda t, me: {"file": (io.BytesIO(MATRIX_PDF), f"matrix-sr-{t.n}.pdf")},
        lambda t, me: f"/console/service-requests/{t.service_request['service_request_id']}",
        lambda t, me: [d["filename"] for d in _documents_of(
            t, subject_type="service_request", subject_id=t.service_request["service_request_id"])]
        == [f"matrix-sr-{t.n}.pdf"]),
    "console_projects.new_project": Done(
        lambda t, me: {"customer_id": t.customer["customer_id"], "name": f"New project {t.n}", "status": "planned"},
        lambda t, me: f"/console/projects/{_new_project(t)['project_id']}",
        lambda t, me: _new_project(t)["project_id"] != "none"),
    "console_projects.change_project": Done(
        lambda t, me: {"name": f"Renamed {t.n}", "status": "on_hold"},
        lambda t, me: f"/console/projects/{t.project['project_id']}",
        lambda t, me: _project_now(t)["status"] == "on_hold"),
    "console_projects.add_task": Done(
        lambda t, me: {"title": f"Matrix task {t.n}", "status": "todo"},
        lambda t, me: f"/console/projects/{t.project['project_id']}",
        lambda t, me: any(x["title"] == f"Matrix task {t.n}" for x in _project_now(t)["tasks"])),
    "console_projects.task_status": Done(
        lambda t, me: {f"t-{_project(t)['tasks'][1]['task_id']}-status": "done"},
        lambda t, me: f"/console/projects/{t.project['project_id']}",
        lambda t, me: _project_now(t)["tasks"][1]["status"] == "done"),
    "console_projects.add_milestone": Done(
        lambda t, me: {"name": f"Matrix milestone {t.n}"},
        lambda t, me: f"/console/projects/{t.project['project_id']}",
        lambda t, me: len(_project_now(t)["milestones"]) == 2),
    "console_projects.reach_milestone": Done(
        lambda t, me: {"reached_on": "2026-12-01"},
        lambda t, me: f"/console/projects/{t.project['project_id']}",
        lambda t, me: _project_now(t)["milestones"][0]["reached_on"] == "2026-12-01"),
    "console_projects.log_hours": Done(
        lambda t, me: {"person": f"Matrix Person {t.n}", "work_date": "2026-11-24", "hours": "2", "billable": "y"},
        lambda t, me: f"/console/projects/{t.project['project_id']}",
        lambda t, me: any(w["minutes"] == 120 for w in orders_backend.timesheet_weeks(t.org["org_id"]))),
    "portal_timesheets.decide": Done(
        lambda t, me: {f"{_logged_week(t)}-decision": "approve", f"{_logged_week(t)}-comment": "Matrix"},
        lambda t, me: "/timesheets",
        lambda t, me: _week_state(t) == "approved"),
    "portal_documents.accept": Done(lambda t, me: {"version": "1", "comment": "Matrix"},
                                    lambda t, me: f"/documents/{_open_document(t, 'quote')['document_id']}",
                                    lambda t, me: _document_now(t, "quote")["status"] == "accepted"),
    "portal_documents.decline": Done(lambda t, me: {"version": "1"},
                                     lambda t, me: f"/documents/{_open_document(t, 'quote')['document_id']}",
                                     lambda t, me: _document_now(t, "quote")["status"] == "declined"),
    "portal_documents.sign": Done(lambda t, me: {"version": "1", "signer_name": me.name, "consent": "y"},
                                  lambda t, me: f"/documents/{_open_document(t, 'agreement')['document_id']}",
                                  lambda t, me: _document_now(t, "agreement")["status"] == "signed"),
    "portal_documents.forward": Done(lambda t, me: {"email": f"colleague{t.n}@globex.test"},
                                     lambda t, me: f"/documents/{_document(t)['document_id']}",
                                     lambda t, me: any(a["what"] == "forwarded" for a in documents_backend.staff_document(
                                         t.org["org_id"], t.document["document_id"])["activity"])),
    "portal_documents.upload": Done(lambda t, me: {"files": (io.BytesIO(MATRIX_PDF), f"matrix{t.n}.pdf")},
                                    lambda t, me: "/documents",
                                    lambda t, me: any(d["filename"] == f"matrix{t.n}.pdf"
                                                      for d in documents_backend.staff_documents(t.org["org_id"]))),
    "console_tickets.attach_file": Done(
        lambda t, me: {"file": (io.BytesIO(MATRIX_PDF), f"matrix-{t.n}.pdf")},
        lambda t, me: f"/console/tickets/{t.ticket['ticket_id']}",
        lambda t, me: [d["filename"] for d in _documents_of(t, subject_type="ticket", subject_id=t.ticket["ticket_id"])]
        == [f"matrix-{t.n}.pdf"]),
    "console_documents.share": Done(
        lambda t, me: {"customer_id": t.customer["customer_id"], "kind": "contract", "title": f"Matrix contract {t.n}",
                       "file": (io.BytesIO(MATRIX_PDF), "contract.pdf")},
        lambda t, me: f"/console/documents/{_shared(t)['document_id']}",
        lambda t, me: _shared(t)["document_id"] != "none"),
    "console_documents.add_version": Done(lambda t, me: {"file": (io.BytesIO(MATRIX_PDF + b"\n"), "contract-v2.pdf")},
                                          lambda t, me: f"/console/documents/{_open_document(t, 'contract')['document_id']}",
                                          lambda t, me: _document_now(t, "contract")["version"] == 2),
    "console_documents.withdraw": Done(lambda t, me: {"reason": "Matrix", "confirm": "y"},
                                       lambda t, me: f"/console/documents/{t.document['document_id']}",
                                       lambda t, me: documents_backend.staff_document(
                                           t.org["org_id"], t.document["document_id"])["status"] == "withdrawn"),
    "console_account.password": Done(_password_form, lambda t, me: "/console",
                             lambda t, me: me.password == NEW_PASSWORD),
    "console_account.signout_everywhere": Done(lambda t, me: {}, lambda t, me: "/console/signin", _signed_out_everywhere),
}


def done_for(route: Route) -> Done:
    if route.endpoint not in SUCCESSFUL_POSTS:
        pytest.fail(f"{route}: the access matrix does not know what a successful form sends here. Add it to "
                    f"SUCCESSFUL_POSTS in tests/integration/gateway/test_access_matrix.py.", pytrace=False)
    return SUCCESSFUL_POSTS[route.endpoint]


# -- what a person should get ----------------------------------------------------------------
@dataclass(frozen=True)
class Expect:
    status: int
    location: str | None = None       # a redirect's path
    next: str | None = None           # its `next=` (the page to come back to), if any
    says: str | None = None           # a sentence the page must show


def to_sign_in(route: Route, path: str, signin: str, home: str) -> Expect:
    """To the sign-in page; a GET page other than home comes back after (access._return_path)."""
    come_back = path if route.method == "GET" and path != home else None
    return Expect(302, signin, next=come_back)


def check(response, expect: Expect, cell: str) -> None:
    where = response.headers.get("Location")
    assert response.status_code == expect.status, f"{cell}: {response.status_code} {where or text(response)[:300]}"
    if expect.location is not None:
        parts = urlsplit(where)
        assert parts.path == expect.location, f"{cell}: went to {where}"
        assert parse_qs(parts.query) == ({"next": [expect.next]} if expect.next else {}), f"{cell}: went to {where}"
    if expect.says is not None:
        assert expect.says in text(response), f"{cell}: {text(response)[:300]}"


def send(browser: Browser, route: Route, path: str, form: dict | None = None):
    if route.method == "GET":
        return browser.get(path)
    return browser.post(path, form or {})


def readable(response) -> str:
    """What a person reads in the answer: the page's HTML, or a PDF's text."""
    if response.mimetype == "application/pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return response.get_data(as_text=True)


def never_shows(responses, markers: list[str], cell: str) -> None:
    for response in responses:
        html = readable(response).lower()
        for marker in markers:
            assert marker.lower() not in html, f"{cell}: the page shows {marker!r} of someone else"


# -- the portal ------------------------------------------------------------------------------
MODULE_FOR_CONTACT_REASON = (
    "FINDING: access.portal checks only the org's modules and ignores principal.modules, the contact's "
    "own modules that identity already sends (services/identity/queries/sessions.py); a contact whose module "
    "was taken away still gets the page (200), and the navigation still lists it")

KNOWN_GAPS = {        # state -> the finding that keeps its cells red; strict: fixing it turns them green
}


def portal_states(route: Route) -> list[str]:
    """The visitors that mean something for this route (module states only for module pages)."""
    states = ["anonymous", "password_only", "must_enrol", "mfa_ok", "other_org", "portal_closed", "staff"]
    if route.rules.get("module"):
        states += ["module_off", "module_off_for_contact"]
    if route.rules.get("permission"):
        states.append("permission_missing")
    return states


def portal_cells() -> list:
    return [pytest.param(route, state, id=f"{route}-{state}",
                         marks=[KNOWN_GAPS[state]] if state in KNOWN_GAPS else [])
            for route in GROUPS[PORTAL] for state in portal_states(route)]


def portal_visitor(stage: Stage, t: Tenant, route: Route, state: str) -> tuple[Browser, Login | None, list[Tenant]]:
    """The browser of the cell's visitor, who they are, and the orgs whose state must hold."""
    module, permission = route.rules.get("module"), route.rules.get("permission")
    form = route.method == "POST"
    if state == "anonymous":
        return stage.browser(t, form=form), None, [t]
    if state == "password_only":
        return stage.signed_in(t, t.ann, mfa=False, form=form), t.ann, [t]
    if state == "must_enrol":
        t.org["settings"]["mfa_required"] = True
        return stage.signed_in(t, t.cleo, form=form), t.cleo, [t]
    if state == "other_org":
        browser, other = stage.foreign_cookie(t, "contact", form)
        return browser, None, [t, other]
    if state == "staff":
        return stage.signed_in(t, t.sam, form=form), t.sam, [t]
    if state == "module_off":
        t.org["settings"]["modules"] = [m for m in MODULES if m != module]
    if state == "module_off_for_contact":
        stage.fake.contact_modules[t.ann.id] = [m for m in MODULES if m != module]
    if state == "permission_missing":
        t.ann.permissions = [p for p in PERMISSIONS if p != permission]       # everything else
    elif permission and permission not in t.ann.permissions:                # the page's permission, held
        t.ann.permissions = [*t.ann.permissions, permission]
    browser = stage.signed_in(t, t.ann, form=form)
    if state == "portal_closed":
        t.org["settings"]["portal_enabled"] = False
        stage.app.extensions["gateway"].orgs.drop(t.host)
    return browser, t.ann, [t]


def portal_expectation(route: Route, path: str, state: str) -> Expect | None:
    """None: the route's success (200 for a page, its `SUCCESSFUL_POSTS` entry for a form)."""
    if state in ("anonymous", "other_org"):
        return to_sign_in(route, path, "/signin", "/")
    return {
        "password_only": Expect(302, "/signin/mfa"),
        "must_enrol": Expect(302, "/mfa/enrol"),
        "staff": Expect(302, "/console"),
        "portal_closed": Expect(503, says=CLOSED),
        "module_off": Expect(404, says=NOT_FOUND),
        "module_off_for_contact": Expect(404, says=NOT_FOUND),
        "permission_missing": Expect(403, says=NO_PERMISSION),
        "mfa_ok": None,
    }[state]


@pytest.mark.parametrize("route, state", portal_cells())
def test_portal_route(stage, route, state):
    cell = f"{route} as {state}"
    t = stage.tenant()
    path = route.url(t)
    browser, me, tenants = portal_visitor(stage, t, route, state)
    run(stage, browser, route, path, portal_expectation(route, path, state), me, t, tenants, cell)


def run(stage: Stage, browser: Browser, route: Route, path: str, expect: Expect | None, me: Login | None,
        t: Tenant, tenants: list[Tenant], cell: str) -> None:
    """Send the cell's request; a refusal (or a GET) must leave identity's state as it was;
    a successful POST must lead where it should and have done its work."""
    done = done_for(route) if route.method == "POST" and expect is None else None
    form = done.form(t, me) if done else _any_form(route, t, me)
    before = snapshot(stage.fake, *tenants)
    response = send(browser, route, path, form)
    if done is not None:
        where = done.goes_to(t, me)
        check(response, Expect(302, where) if where else Expect(200), cell)
        assert done.changed(t, me), f"{cell}: answered {response.status_code} but changed nothing"
    else:
        check(response, expect or Expect(200), cell)
        assert snapshot(stage.fake, *tenants) == before, f"{cell}: the request changed identity's state"
    never_shows([response], [m for other in tenants if other is not t for m in other.markers()], cell)


def _any_form(route: Route, t: Tenant, me: Login | None) -> dict:
    """A refused POST sends the successful form anyway: had the guard let it through, the
    snapshot would show the change. (Sent in the visitor's name, or the owner's for strangers.)"""
    if route.method != "POST" or route.endpoint not in SUCCESSFUL_POSTS:
        return {}
    return SUCCESSFUL_POSTS[route.endpoint].form(t, me or t.sam)


# -- never another customer's data -----------------------------------------------------------
PERSONAL_PAGES = ("portal_dashboard.dashboard", "portal_account.profile")       # where a contact's own data shows


@dataclass
class Person:
    login: Login
    customer: dict

    def markers(self) -> list[str]:
        return [self.login.name, self.login.email, self.customer["name"]]


@pytest.mark.parametrize("viewer", ["customer_a", "customer_b"])
@pytest.mark.parametrize("route", [pytest.param(r, id=str(r)) for r in GROUPS[PORTAL] if r.method == "GET"])
def test_a_contact_never_sees_another_customers_data(stage, route, viewer):
    """Contacts of two customers of one org, both signed in on the same process at once (their
    sessions side by side in its cache): each page shows its own person, never the other."""
    t = stage.tenant()
    fake = stage.fake
    initech = fake.add_customer(t.org, f"Initech Holdings {t.n}", f"ap{t.n}@initech.test")
    umbrella = fake.add_customer(t.org, f"Umbrella Corp {t.n}", f"ap{t.n}@umbrella.test")
    a = Person(fake.add_contact(t.org, initech, f"alice{t.n}@initech.test", f"Alice Anderson {t.n}",
                                permissions=PERMISSIONS, mfa=True), initech)
    b = Person(fake.add_contact(t.org, umbrella, f"bruno{t.n}@umbrella.test", f"Bruno Brown {t.n}",
                                permissions=PERMISSIONS, mfa=True), umbrella)
    me, other = (a, b) if viewer == "customer_a" else (b, a)
    mine, theirs = stage.signed_in(t, me.login, form=False), stage.signed_in(t, other.login, form=False)
    path = route.url(t)
    billed = {"invoice_id", "payment_id", "credit_note_id", "ticket_id", "order_id", "document_id",
              "request_id", "project_id"} & set(route.arguments)
    if billed:                                 # each has one of their own; the other's is not found
        mine_ids, their_ids = (_billed_ids(t, p.customer["customer_id"], p.login.id) for p in (me, other))
        their_path, path = _with_ids(t, path, their_ids), _with_ids(t, path, mine_ids)
        assert theirs.get(their_path).status_code == 200
        refused = mine.get(their_path)
        assert refused.status_code == 404, f"{route}: another customer's answered {refused.status_code}"
        never_shows([refused], [their_ids["number"]], f"{route} as {viewer}")
    else:
        assert theirs.get(path).status_code == 200             # the other one's page, just before
    page = mine.get(path)
    assert page.status_code == 200, f"{route}: {page.status_code}"
    never_shows([page], other.markers(), f"{route} as {viewer}")
    if route.endpoint in PERSONAL_PAGES:
        html = page.get_data(as_text=True)
        assert me.login.name in html or me.login.email in html, f"{route}: not the viewer's own page"


# -- the console -----------------------------------------------------------------------------
CONSOLE_STATES = ("anonymous", "contact", "staff_password_only", "staff_must_enrol", "owner", "agent",
                  "other_org_staff")


def console_visitor(stage: Stage, t: Tenant, route: Route, state: str) -> tuple[Browser, Login | None, list[Tenant]]:
    form = route.method == "POST"
    if state == "anonymous":
        return stage.browser(t, form=form), None, [t]
    if state == "other_org_staff":
        browser, other = stage.foreign_cookie(t, "staff", form)
        return browser, None, [t, other]
    login, mfa = {"contact": (t.ann, True), "staff_password_only": (t.sam, False), "staff_must_enrol": (t.ned, True),
                  "owner": (t.sam, True), "agent": (t.ada, True)}[state]
    return stage.signed_in(t, login, mfa=mfa, form=form), login, [t]


def console_expectation(route: Route, path: str, state: str) -> Expect | None:
    if state in ("anonymous", "other_org_staff"):
        return to_sign_in(route, path, "/console/signin", "/console")
    if state == "agent" and "agent" not in route.rules["roles"]:
        return Expect(403, says=WRONG_ROLE)
    return {
        "contact": Expect(404, says=NOT_FOUND),            # the console does not exist for contacts
        "staff_password_only": Expect(302, "/signin/mfa"),
        "staff_must_enrol": Expect(302, "/mfa/enrol"),
        "owner": None,
        "agent": None,
    }[state]


@pytest.mark.parametrize("route, state", [pytest.param(r, s, id=f"{r}-{s}")
                                          for r in GROUPS[CONSOLE] for s in CONSOLE_STATES])
def test_console_route(stage, route, state):
    cell = f"{route} as {state}"
    t = stage.tenant()
    path = route.url(t)
    stage.session(t, t.dora)                   # the target contact has a live session (revoke must show)
    browser, me, tenants = console_visitor(stage, t, route, state)
    run(stage, browser, route, path, console_expectation(route, path, state), me, t, tenants, cell)


def cross_org_cells() -> list:
    cells = []
    for route in GROUPS[CONSOLE]:
        if {"customer_id", "contact_id", "staff_id", "payment_id", "webhook_id", "email_id", "order_id",
                "shipment_id", "document_id", "project_id", "credit_note_id"} & set(route.arguments):
            cells.append(pytest.param(route, "other_org_ids", id=f"{route}-other_org_ids"))
        if {"contact_id", "customer_id"} <= set(route.arguments):     # a contact in this org's customer's URL
            cells.append(pytest.param(route, "other_org_contact", id=f"{route}-other_org_contact"))
    return cells


@pytest.mark.parametrize("route, case", cross_org_cells())
def test_console_ids_of_another_org_are_not_found(stage, route, case):
    """An owner of one org with the ids of another org in the URL: a 404 page (a one-button
    contact action says identity's "not found" on the customer page it leads back to, and that
    page is the 404 when the customer is the other org's), nothing of the other org shown or changed."""
    cell = f"{route} with {case}"
    t, other = stage.tenant(), stage.tenant("Other Co")
    stage.session(other, other.dora)
    owner = stage.signed_in(t, t.sam, form=route.method == "POST")
    if case == "other_org_ids":
        path = route.url(other)
    else:                                      # this org's customer, the other org's contact
        path = route.url(t).replace(t.dora.id, other.dora.id)
    form = done_for(route).form(other, t.sam) if route.method == "POST" else {}
    before = snapshot(stage.fake, other)
    if route.method == "GET":
        response = owner.get(path, follow_redirects=True)
    else:
        response = owner.post(path, form, follow_redirects=True)
    assert snapshot(stage.fake, other) == before, f"{cell}: the other org's state changed"
    never_shows([*response.history, response], other.markers(), cell)
    if case == "other_org_ids":
        assert response.status_code == 404, f"{cell}: {response.status_code}"
        assert "Not found" in text(response), cell
    else:
        assert response.status_code == 200 and response.request.path == _customer_page(t, t.sam), cell
        assert "alert-error" in response.get_data(as_text=True), f"{cell}: no word of the refusal"


# -- the MFA pages ---------------------------------------------------------------------------
@pytest.mark.parametrize("route", [pytest.param(r, id=f"{r}-anonymous") for r in GROUPS[PENDING_MFA]])
def test_pending_mfa_route_without_a_session_goes_to_sign_in(stage, route):
    t = stage.tenant()
    browser = stage.browser(t, form=route.method == "POST")
    response = send(browser, route, route.url(t))
    check(response, Expect(302, "/signin"), f"{route} as anonymous")


# -- the matrix itself -----------------------------------------------------------------------
def test_the_matrix_walks_every_declared_route():
    assert not [str(r) for r in ROUTES if r.kind not in GROUPS], "a view without an access declaration"
    assert GROUPS[PORTAL] and GROUPS[CONSOLE] and GROUPS[PENDING_MFA] and GROUPS[PUBLIC]
    assert {r.rules.get("module") for r in GROUPS[PORTAL]} >= set(MODULES)


def test_every_route_parameter_has_a_sample_value():
    missing = sorted({f"<{name}> ({route})" for route in ROUTES for name in route.arguments
                      if name not in URL_SAMPLES})
    assert not missing, ("add a sample value to URL_SAMPLES in tests/integration/gateway/test_access_matrix.py for: "
                         + ", ".join(missing))


def test_every_guarded_form_has_a_successful_post():
    guarded = {r.endpoint for r in GROUPS[PORTAL] + GROUPS[CONSOLE] if r.method == "POST"}
    assert sorted(guarded - set(SUCCESSFUL_POSTS)) == [], "add these to SUCCESSFUL_POSTS"
    assert sorted(set(SUCCESSFUL_POSTS) - guarded) == [], "SUCCESSFUL_POSTS names routes that are gone"


# -- the API for internal systems (/api/v1) ---------------------------------------------------
API_STATES = ("no_key", "unknown_key", "revoked_key", "other_org_key", "wrong_scope", "session_cookie")


@pytest.mark.parametrize("route, state", [pytest.param(r, s, id=f"{r}-{s}") for r in GROUPS[API] for s in API_STATES])
def test_api_route_refuses_all_but_a_live_key_with_the_scope(stage, route, state):
    """Every /api/v1 route: only a live key of this org with the route's scope gets through;
    anything else is a problem+json 401 (403 for a missing scope) that changes nothing."""
    cell = f"{route} as {state}"
    t = stage.tenant()
    headers, cookie = {}, None
    if state == "unknown_key":
        headers["Authorization"] = "Bearer cpk_" + "x" * 43
    elif state == "revoked_key":
        key = t.fake.add_key(t.org, scopes=[route.rules["scope"]])
        t.fake.revoke(key)
        headers["Authorization"] = f"Bearer {key}"
    elif state == "other_org_key":
        other = stage.tenant("Other Co")
        headers["X-Api-Key"] = t.fake.add_key(other.org, scopes=[route.rules["scope"]])
    elif state == "wrong_scope":
        scope = next(m for m in MODULES if m != route.rules["scope"])
        headers["Authorization"] = f"Bearer {t.fake.add_key(t.org, scopes=[scope])}"
    elif state == "session_cookie":
        cookie = stage.session(t, t.sam)
    browser = stage.browser(t, cookie, form=False)
    before = snapshot(stage.fake, t)
    body = {"name": "Newco Ltd", "email": "ap@newco.test"} if route.method == "POST" else None
    response = browser.client.open(route.url(t), method=route.method, base_url=browser.base, headers=headers,
                                    json=body)
    status = 403 if state == "wrong_scope" else 401
    assert response.status_code == status, f"{cell}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    assert response.mimetype == "application/problem+json", cell
    assert snapshot(stage.fake, t) == before, f"{cell}: the request changed identity's state"
    never_shows([response], t.markers(), cell)
