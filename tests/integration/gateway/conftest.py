"""The gateway's tests: the real app (CSRF on) driven by Flask's test client, with an
in-memory identity (fake_identity.py) in place of the HTTP one. No network."""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass

import pytest

from gateway.app import create_app
from tests.integration.gateway import (billing_backend, documents_backend, notifications_backend, orders_backend,
                                       support_backend)
from tests.integration.gateway.fake_identity import FakeIdentity, Login

HOST = "portal.test"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
INPUT = re.compile(r"<input\b[^>]*>")
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')


class Browser:
    """A person at a browser: keeps cookies, and the CSRF token of the last form it saw."""

    def __init__(self, app, host: str = HOST, scheme: str = "http"):
        self.app = app
        self.client = app.test_client()
        self.base = f"{scheme}://{host}"
        self.host = host
        self.token: str | None = None
        self.hidden: dict[str, str] = {}
        self.headers = {"Referer": f"{self.base}/"} if scheme == "https" else {}

    def _seen(self, response):
        if response.mimetype != "text/html":             # a PDF, an image: no form on it
            return response
        html = response.get_data(as_text=True)
        match = CSRF_FIELD.search(html)
        if match:
            self.token = match.group(1)
        self.hidden = {}
        for tag in INPUT.findall(html):
            attributes = dict(ATTRIBUTE.findall(tag))
            if attributes.get("type") == "hidden" and attributes.get("name") != "csrf_token":
                self.hidden[attributes["name"]] = htmllib.unescape(attributes.get("value", ""))
        return response

    def get(self, path: str, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self._seen(self.client.get(path, base_url=self.base, headers=headers, **kwargs))

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/signin")
            data.setdefault("csrf_token", self.token)
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self._seen(self.client.post(path, base_url=self.base, data=data, headers=headers, **kwargs))

    def send(self, path: str, data: dict, **kwargs):
        """Post a form of the last page: its hidden fields go along, as in a browser."""
        return self.post(path, {**self.hidden, **data}, **kwargs)

    def submit(self, path: str, data: dict, **kwargs):
        """Open the form's page, then send it (as a person would)."""
        self.get(path)
        return self.send(path, data, **kwargs)

    def cookie(self, name: str):
        return self.client.get_cookie(name, domain=self.host)

    def sign_in(self, login: Login, password: str | None = None, fake: FakeIdentity | None = None):
        """Sign in, and pass MFA with a fresh code when the login has it and `fake` is given."""
        path = "/console/signin" if login.kind == "staff" else "/signin"
        response = self.submit(path, {"email": login.email, "password": password or login.password})
        if fake is not None and login.mfa_enabled and response.headers.get("Location", "").endswith("/signin/mfa"):
            response = self.submit("/signin/mfa", {"code": fake.code_for(login)})
        return response


@dataclass
class World:
    fake: FakeIdentity
    org: dict
    customer: dict
    ann: Login          # a contact with "view", no MFA
    bob: Login          # a contact with MFA on
    sam: Login          # staff owner, MFA on
    ada: Login          # staff agent, MFA on


@pytest.fixture
def world() -> World:
    fake = FakeIdentity()
    org = fake.add_org(HOST, "Acme Trading")
    customer = fake.add_customer(org, "Globex Ltd")
    return World(
        fake=fake, org=org, customer=customer,
        ann=fake.add_contact(org, customer, "ann@globex.test", "Ann Example", permissions=("view", "pay")),
        bob=fake.add_contact(org, customer, "bob@globex.test", "Bob Example", permissions=("view",), mfa=True),
        sam=fake.add_staff(org, "sam@acme.test", "Sam Owner", role="owner"),
        ada=fake.add_staff(org, "ada@acme.test", "Ada Agent", role="agent"),
    )


def make_app(fake: FakeIdentity, **overrides):
    config = {"PORTAL_ENV": "dev", "SECRET_KEY": "test-secret-key", "TESTING": True,
              "GATEWAY_SESSION_CACHE_SECONDS": 5.0, **overrides}
    app = create_app(identity=fake, **config)
    billing_backend.mount(app)                  # the real billing service, in process
    notifications_backend.mount(app)            # and the real notifications service
    support_backend.mount(app)                  # and the real support service
    orders_backend.mount(app)                   # and the real orders service
    documents_backend.mount(app)                # and the real documents service
    return app


@pytest.fixture
def app(world):
    return make_app(world.fake)


@pytest.fixture
def browser(app) -> Browser:
    return Browser(app)


def text(response) -> str:
    """The page's text without tags, whitespace folded: what a person reads."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


@pytest.fixture
def recording_identity():
    """The real IdentityClient over a recording adapter that knows the org and refuses sign-in."""
    from gateway.clients.base import ServiceClient
    from gateway.clients.identity import IdentityClient
    from tests.integration.gateway.http_stub import RecordingAdapter

    org = {"org_id": "org-1", "name": "Acme Trading", "slug": "acme", "host": HOST,
           "settings": {"portal_enabled": True, "modules": ["invoices"]}}

    def answer(request):
        if request.method == "GET" and request.path_url == f"/orgs/by-host/{HOST}":
            return 200, org, "application/json"
        return 401, {"type": "about:blank", "title": "Unauthorized", "status": 401,
                     "detail": "The e-mail or password is not right."}, "application/problem+json"

    http = ServiceClient("http://identity.test")
    adapter = RecordingAdapter(answer)
    http.session.mount("http://", adapter)
    return IdentityClient(http), adapter
