"""Internal tokens: identity signs them for signed-in people, every service checks them and
takes who acts, which org and which customer from them, and nothing else.

Through identity's real HTTP API (Flask test client) on SQLite; the checks live in the
chassis, so they hold for every service the same way."""
from __future__ import annotations

import importlib
import time

import jwt
import pytest
from sqlalchemy import Column, MetaData, String, Table, create_engine, insert

from services.chassis import auth
from services.chassis.errors import NotFound
from services.chassis.config import SERVICES
from tests.integration.identity.test_signin import PASSWORD, portal  # noqa: F401 - the fixture
from tests.helpers.tokens import bearer

# The routes anyone inside the cluster may call without a token: identity's sign-in steps,
# which the gateway calls before anyone is signed in (each is protected by the secret it
# carries: a password, a session token, an invitation or reset link), and health/metrics.
# Payment gateways cannot carry our tokens: their signature over the body authenticates them.
BILLING_PUBLIC = {"POST /webhooks/stripe/<org_id>", "POST /webhooks/paypal/<org_id>",
                  # payment links: the token in the path is the credential (only its hash is stored)
                  "GET /orgs/<org_id>/payment-links/<token>", "POST /orgs/<org_id>/payment-links/<token>/payments",
                  "GET /orgs/<org_id>/payment-links/<token>/payments/<payment_id>",
                  "GET /orgs/<org_id>/payment-links/<token>/payments/<payment_id>/receipt.pdf",
                  "POST /orgs/<org_id>/payment-links/<token>/payments/<payment_id>/cancel",
                  # a link payer's receipt: the payment's id and the address its payer typed
                  "GET /orgs/<org_id>/payments/<payment_id>/payer-receipt.pdf"}
IDENTITY_PUBLIC = {
    "GET /orgs/<org_id>", "GET /orgs/by-host/<host>", "GET /orgs/<org_id>/logo",
    "POST /orgs/<org_id>/sessions", "POST /orgs/<org_id>/sessions/resolve",
    "POST /orgs/<org_id>/sessions/end", "POST /orgs/<org_id>/sessions/mfa",
    "POST /orgs/<org_id>/sessions/recovery", "POST /orgs/<org_id>/mfa/enrolment",
    "POST /orgs/<org_id>/mfa/enrolment/confirm", "POST /orgs/<org_id>/password/change",
    "POST /orgs/<org_id>/invitations/lookup", "POST /orgs/<org_id>/invitations/accept",
    "POST /orgs/<org_id>/password-resets", "POST /orgs/<org_id>/password-resets/lookup",
    "POST /orgs/<org_id>/password-resets/accept", "POST /orgs/<org_id>/signups",
    "POST /orgs/<org_id>/signups/verify", "POST /orgs/<org_id>/api-keys/exchange",
}
# unsubscribe links of non-essential mail: the signed token in the path is the credential
NOTIFICATIONS_PUBLIC = {"GET /orgs/<org_id>/unsubscribes/<token>", "POST /orgs/<org_id>/unsubscribes/<token>"}
OPS = {"GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json"}


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield f"{method} {rule.rule}", auth.declared(app, rule.endpoint, method)


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_of_every_service_declares_who_may_call_it(service, make_runtime):
    spec = importlib.import_module(f"services.{service}.bootstrap").SPEC
    app = importlib.import_module(f"services.{service}.app").create_app(make_runtime(spec).config)
    found = dict(routes(app))
    assert [r for r, access in found.items() if access is None] == []
    public = {r for r, access in found.items() if not access.kinds} - OPS
    allowed = {"identity": IDENTITY_PUBLIC, "billing": BILLING_PUBLIC,
               "notifications": NOTIFICATIONS_PUBLIC}.get(service, set())
    assert public <= allowed, f"{service} has routes open without a token: {sorted(public - allowed)}"


def test_a_staff_route_without_a_token_or_with_a_bad_one_is_refused(portal):  # noqa: F811
    path = f"/orgs/{portal.org}/customers"
    portal.client.environ_base.pop("HTTP_AUTHORIZATION")
    assert portal.client.get(path).status_code == 401
    assert portal.client.get(path).mimetype == "application/problem+json"
    other_key = auth.generate_private_pem()
    forged = auth.sign(other_key, auth.Principal(kind="staff", id="x", org_id=portal.org, role="owner", mfa=True))
    assert portal.client.get(path, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    expired = bearer("staff", portal.org, ttl_s=-60)
    assert portal.client.get(path, headers=expired).status_code == 401
    unsigned = jwt.encode({"sub": "x", "kind": "system", "iss": auth.ISSUER, "aud": auth.AUDIENCE,
                           "iat": int(time.time()), "exp": int(time.time()) + 60}, key=None, algorithm="none")
    assert portal.client.get(path, headers={"Authorization": f"Bearer {unsigned}"}).status_code == 401
    assert portal.client.get(path, headers=bearer("staff", portal.org)).status_code == 200


def test_a_token_works_only_in_its_own_org_and_role(portal):  # noqa: F811
    customer = portal.customer()
    assert portal.client.get(f"/orgs/{portal.org}/customers/{customer}",
                             headers=bearer("staff", "another-org")).status_code == 404
    agent = bearer("staff", portal.org, role="agent")
    assert portal.client.get(f"/orgs/{portal.org}/customers/{customer}", headers=agent).status_code == 200
    assert portal.client.patch(f"/orgs/{portal.org}/settings", json={"self_signup": True},
                               headers=agent).status_code == 403
    not_past_mfa = bearer("staff", portal.org, mfa=False)
    assert portal.client.get(f"/orgs/{portal.org}/customers", headers=not_past_mfa).status_code == 401


def test_a_contacts_token_reaches_its_own_profile_and_nothing_of_staff_or_other_people(portal):  # noqa: F811
    contact_id, accepted = portal.active_contact()
    other_id, _ = portal.active_contact(email="kim@other.test")
    own = {"Authorization": f"Bearer {accepted['internal_token']}"}
    assert portal.client.get(f"/orgs/{portal.org}/logins/{contact_id}/profile", headers=own).status_code == 200
    assert portal.client.get(f"/orgs/{portal.org}/logins/{other_id}/profile", headers=own).status_code == 404
    assert portal.client.get(f"/orgs/{portal.org}/contacts/{other_id}", headers=own).status_code == 403
    assert portal.client.get(f"/orgs/{portal.org}/customers", headers=own).status_code == 403
    assert portal.client.post(f"/orgs/{portal.org}/logins/{other_id}/sessions/revoke", json={},
                              headers=own).status_code == 404


def test_the_token_says_who_the_session_is_and_a_session_owing_mfa_gets_none(portal):  # noqa: F811
    contact_id, accepted = portal.active_contact()
    claims = auth.verify(portal.rt.config.token_public_keys, accepted["internal_token"])
    assert (claims.kind, claims.id, claims.org_id) == ("contact", contact_id, portal.org)
    assert claims.customer_id == accepted["principal"]["customer_id"]
    assert claims.permissions == {"view", "pay"} and claims.mfa is False
    assert claims.modules == set(accepted["principal"]["modules"])
    resolved = portal.resolve(accepted["token"]).get_json()
    assert auth.verify(portal.rt.config.token_public_keys, resolved["internal_token"]).id == contact_id

    portal.enrol(accepted["token"])
    pending = portal.sign_in().get_json()
    assert pending["next"] == "mfa" and "internal_token" not in pending
    assert "internal_token" not in portal.resolve(pending["token"]).get_json()


def test_scoping_shows_a_contact_only_its_own_customers_rows_and_staff_only_their_org():
    engine = create_engine("sqlite://")
    meta = MetaData()
    invoices = Table("invoices", meta, Column("invoice_id", String, primary_key=True),
                     Column("org_id", String), Column("customer_id", String))
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(invoices), [{"invoice_id": "i1", "org_id": "o1", "customer_id": "c1"},
                                        {"invoice_id": "i2", "org_id": "o1", "customer_id": "c2"},
                                        {"invoice_id": "i3", "org_id": "o2", "customer_id": "c9"}])
        ann = auth.Principal(kind="contact", id="ann", org_id="o1", customer_id="c1")
        staff = auth.Principal(kind="staff", id="s", org_id="o1", role="agent", mfa=True)
        assert auth.one_or_404(conn, invoices, "invoice_id", "i1", "invoice", ann)["customer_id"] == "c1"
        for caller, invoice in [(ann, "i2"), (ann, "i3"), (staff, "i3")]:
            with pytest.raises(NotFound):
                auth.one_or_404(conn, invoices, "invoice_id", invoice, "invoice", caller)
        assert auth.one_or_404(conn, invoices, "invoice_id", "i2", "invoice", staff)["customer_id"] == "c2"
