"""API keys: the console page (owners and admins make, see and revoke keys; a key is shown
once) and /api/v1 (a key, never a cookie; its scope; problem+json for every error; the
per-process cache of a key's exchange, which bounds how long a revoked key keeps working)."""
from __future__ import annotations

import hashlib
import re

import pytest

from gateway.web.access import API, PUBLIC, declaration
from gateway.api.v1 import bp as api_bp
from tests.integration.gateway.conftest import HOST, Browser, World, make_app, text
from tests.integration.gateway.fake_api_keys import NOT_VALID, FakeApiKeys, SigningApiKeys

BASE = f"http://{HOST}"
PROBLEM = "application/problem+json"


@pytest.fixture
def world() -> World:
    """conftest's people, with an identity that also knows API keys."""
    fake = FakeApiKeys()
    org = fake.add_org(HOST, "Acme Trading")
    customer = fake.add_customer(org, "Globex Ltd")
    return World(
        fake=fake, org=org, customer=customer,
        ann=fake.add_contact(org, customer, "ann@globex.test", "Ann Example", permissions=("view", "pay")),
        bob=fake.add_contact(org, customer, "bob@globex.test", "Bob Example", permissions=("view",), mfa=True),
        sam=fake.add_staff(org, "sam@acme.test", "Sam Owner", role="owner"),
        ada=fake.add_staff(org, "ada@acme.test", "Ada Agent", role="agent"),
    )


@pytest.fixture
def app(world):
    app = make_app(world.fake)
    world.fake.serve(app)
    return app


@pytest.fixture
def owner(world, app) -> Browser:
    browser = Browser(app)
    assert browser.sign_in(world.sam, fake=world.fake).headers["Location"] == "/console"
    return browser


def call(app, method: str, path: str, key: str | None = None, header: str = "Authorization", **kwargs):
    headers = kwargs.pop("headers", {})
    if key is not None:
        headers[header] = f"Bearer {key}" if header == "Authorization" else key
    return app.test_client().open(path, method=method, base_url=kwargs.pop("base_url", BASE), headers=headers,
                                  **kwargs)


def assert_problem(response, status: int, detail: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    if detail is not None:
        assert detail in body["detail"]
    return body


# -- the console page ------------------------------------------------------------------------
def test_an_owner_creates_a_key_that_is_shown_once_and_never_again(world, app, owner):
    page = owner.get("/console/api-keys")
    assert page.status_code == 200 and "No API keys yet." in text(page)
    html = page.get_data(as_text=True)
    assert '<label class="label" for="name">Name</label>' in html
    assert html.count('type="checkbox"') == 13 and "Customers and contacts" in html
    assert 'href="/console/api-keys"' in owner.get("/console").get_data(as_text=True)     # in the navigation

    made = owner.send("/console/api-keys", {"name": "ERP sync", "scopes": ["customers", "invoices"]})
    assert made.status_code == 200
    [row] = world.fake.api_keys.values()
    key = re.search(r'value="(cpk_[^"]+)"', made.get_data(as_text=True)).group(1)
    assert hashlib.sha256(key.encode()).hexdigest() == row["secret_hash"]
    assert "Copy the key now: it will not be shown again." in text(made)
    assert made.headers["Cache-Control"] == "no-store"
    assert row["scopes"] == ["customers", "invoices"]

    state = owner.cookie("portal-state")                   # the Flask session: CSRF token, flashes
    assert key not in str(app.session_interface.get_signing_serializer(app).loads(state.value))
    listing = owner.get("/console/api-keys")
    words = text(listing)
    assert "ERP sync" in words and f"{key[:12]}…" in words and "Customers and contacts, Invoices" in words
    assert "Never" in words and "Active" in words
    assert key not in listing.get_data(as_text=True) and key[12:] not in listing.get_data(as_text=True)
    assert key not in text(owner.get("/console"))           # nothing flashed it either


def test_a_key_needs_a_name_and_a_scope(world, owner):
    owner.get("/console/api-keys")
    response = owner.send("/console/api-keys", {"name": "", "scopes": []})
    assert response.status_code == 400
    assert "Please fill this in." in text(response)
    assert "Choose at least one thing the key may reach." in text(response)
    response = owner.send("/console/api-keys", {"name": "x", "scopes": ["everything"]})
    assert response.status_code == 400 and not world.fake.api_keys


def test_agents_may_not_see_make_or_revoke_keys(world, app):
    key_id = world.fake.key_of(world.org)
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    assert 'href="/console/api-keys"' not in agent.get("/console").get_data(as_text=True)
    for response in (agent.get("/console/api-keys"),
                     agent.post("/console/api-keys", {"name": "mine", "scopes": ["customers"]}),
                     agent.post(f"/console/api-keys/{key_id}/revoke")):
        assert response.status_code == 403
        assert "Your role does not allow this page." in text(response)
    assert len(world.fake.api_keys) == 1 and world.fake.api_keys[key_id]["revoked_at"] is None


def test_an_owner_revokes_a_key_and_this_process_refuses_it_at_once(world, app, owner):
    key = world.fake.add_key(world.org, "CRM")
    assert call(app, "GET", "/api/v1/customers", key).status_code == 200       # now in the cache (30 s)
    page = owner.get("/console/api-keys")
    key_id = next(iter(world.fake.api_keys))
    assert "Revoke CRM" in text(page)
    response = owner.post(f"/console/api-keys/{key_id}/revoke", follow_redirects=True)
    assert "The key “CRM” was revoked." in text(response)
    assert "Revoked" in text(response) and "Revoke CRM" not in text(response)
    assert world.fake.api_keys[key_id]["revoked_at"] is not None
    assert_problem(call(app, "GET", "/api/v1/customers", key), 401, NOT_VALID)


def test_revoking_a_key_needs_the_csrf_token_and_another_orgs_key_is_not_found(world, app, owner):
    other = world.fake.add_org("other.test", "Other Co")
    theirs = world.fake.key_of(other)
    owner.get("/console/api-keys")
    assert owner.post(f"/console/api-keys/{theirs}/revoke", csrf=False).status_code == 400
    response = owner.post(f"/console/api-keys/{theirs}/revoke", follow_redirects=True)
    assert "No such API key." in text(response)
    assert world.fake.api_keys[theirs]["revoked_at"] is None


# -- /api/v1 ---------------------------------------------------------------------------------
def test_every_api_view_is_declared_with_a_scope(app):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    scopes = {r.rule: declaration(app.view_functions[r.endpoint]) for r in rules}
    assert scopes.pop("/api/v1/openapi.json")[0] == PUBLIC      # the document: no data in it, read before a key
    assert all(kind == API for kind, _ in scopes.values())
    assert {rule for rule, (_, d) in scopes.items() if d == {"scope": "customers"}} == {
        "/api/v1/customers", "/api/v1/customers/<customer_id>", "/api/v1/customers/<customer_id>/contacts",
        "/api/v1/contacts/<contact_id>/invitations"}
    assert {rule for rule, (_, d) in scopes.items() if d == {"scope": "invoices"}} == {
        "/api/v1/invoices", "/api/v1/invoices/batch", "/api/v1/invoices/<invoice_id>",
        "/api/v1/invoices/<invoice_id>/issue", "/api/v1/invoices/<invoice_id>/void",
        "/api/v1/invoices/<invoice_id>/payment-link"}
    assert {rule for rule, (_, d) in scopes.items() if d == {"scope": "credit_notes"}} == {
        "/api/v1/credit-notes", "/api/v1/credit-notes/<credit_note_id>", "/api/v1/credit-notes/<credit_note_id>/apply",
        "/api/v1/credit-notes/<credit_note_id>/refund", "/api/v1/credit-notes/<credit_note_id>/pdf"}
    assert all(r.endpoint.startswith(api_bp.name + ".") for r in app.url_map.iter_rules() if r.rule.startswith("/api/"))


def test_without_a_key_or_with_a_bad_one_the_answer_is_401_problem_json(world, app):
    response = call(app, "GET", "/api/v1/customers")
    assert_problem(response, 401, "needs an API key")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    for bad in ("cpk_" + "x" * 43, "not-a-key", "cpk_" + "x" * 600):
        response = call(app, "GET", "/api/v1/customers", bad)
        assert_problem(response, 401, NOT_VALID)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
    assert world.fake.exchanges == 1                 # only the one shaped like a key went to identity


def test_a_good_key_lists_this_orgs_customers(world, app):
    other = world.fake.add_org("other.test", "Other Co")
    world.fake.add_customer(other, "Not Yours Ltd")
    key = world.fake.add_key(world.org)
    for response in (call(app, "GET", "/api/v1/customers", key),
                     call(app, "GET", "/api/v1/customers", key, header="X-Api-Key")):
        assert response.status_code == 200 and response.mimetype == "application/json"
        assert [c["name"] for c in response.get_json()] == ["Globex Ltd"]
        assert "Set-Cookie" not in response.headers
    customer = world.customer["customer_id"]
    assert call(app, "GET", f"/api/v1/customers/{customer}", key).get_json()["name"] == "Globex Ltd"
    contacts = call(app, "GET", f"/api/v1/customers/{customer}/contacts", key).get_json()
    assert {c["name"] for c in contacts} == {"Ann Example", "Bob Example"}


def test_a_key_of_another_org_is_not_valid_here(world, app):
    other = world.fake.add_org("other.test", "Other Co")
    key = world.fake.add_key(other)
    assert call(app, "GET", "/api/v1/customers", key, base_url="http://other.test").status_code == 200
    assert_problem(call(app, "GET", "/api/v1/customers", key), 401, NOT_VALID)


def test_a_key_without_the_scope_gets_403_problem_json(world, app):
    key = world.fake.add_key(world.org, scopes=("invoices",))
    response = call(app, "GET", "/api/v1/customers", key)
    assert_problem(response, 403, "may not use customers")
    assert "insufficient_scope" in response.headers["WWW-Authenticate"]
    assert world.fake.adapter.sent == []                        # nothing was forwarded


def test_a_batch_of_invoices_goes_to_billing_in_one_call_and_a_bad_one_is_refused_first():
    fake = SigningApiKeys()                     # its tokens are ones the real billing behind takes
    org = fake.add_org(HOST, "Acme Trading")
    app = make_app(fake, GATEWAY_MAX_BATCH_BYTES=2 * 1024 * 1024)
    key = fake.add_key(org, scopes=("invoices",))
    line = {"description": "Widgets " + "w" * 400, "quantity": "1", "unit_price_minor": 900, "tax_rate": "0"}
    item = {"customer_id": fake.add_customer(org, "Globex Ltd")["customer_id"], "currency": "EUR", "issue": True,
            "lines": [line] * 5}
    items = [{**item, "external_ref": f"ERP-{i}"} for i in range(500)]                   # about 1.2 MiB

    bad = {**item, "currency": "x"}
    answer = call(app, "POST", "/api/v1/invoices/batch", key, json={"invoices": [*items[:499], bad]})
    assert answer.status_code == 200 and answer.mimetype == "application/json", answer.get_data(as_text=True)[:300]
    body = answer.get_json()
    assert (body["created"], body["refused"]) == (499, 1) and body["results"][499]["status"] == 422
    assert body["results"][0]["invoice"]["number"] == "INV-000001"
    again = call(app, "POST", "/api/v1/invoices/batch", key, json={"invoices": items[:2]}).get_json()
    assert [r["status"] for r in again["results"]] == [200, 200]

    assert_problem(call(app, "POST", "/api/v1/invoices/batch", key, json={"invoices": items + items[:1]}), 413,
                   "at most 500 invoices")
    for bad in ({"invoices": []}, {"invoices": {"0": item}}, {"items": items[:1]}):
        assert_problem(call(app, "POST", "/api/v1/invoices/batch", key, json=bad), 422, "a list of 1 to 500")
    assert_problem(call(app, "POST", "/api/v1/invoices/batch", key, json={"invoices": items * 2}), 413)
    assert_problem(call(app, "POST", "/api/v1/invoices", key, json={"invoices": items}), 413)   # 1 MiB elsewhere


def test_writes_are_forwarded_and_identitys_problems_pass_through_unchanged(world, app):
    key = world.fake.add_key(world.org)
    made = call(app, "POST", "/api/v1/customers", key, json={"name": "Initech", "email": "ap@initech.test"})
    assert made.status_code == 201
    customer = made.get_json()["customer_id"]
    assert world.fake.customers[customer]["org_id"] == world.org["org_id"]
    changed = call(app, "PUT", f"/api/v1/customers/{customer}", key, json={
        "name": "Initech", "email": "ap@initech.test", "address": ["1 Office Park"], "tax_id": "US 1"})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert changed.get_json()["address"] == ["1 Office Park"]
    assert world.fake.customers[customer]["tax_id"] == "US 1"

    bad = call(app, "POST", "/api/v1/customers", key, json={"name": "Initech", "email": "nope"})
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    assert bad.get_json() == {"type": "about:blank", "title": "Problem", "status": 422,
                              "detail": "Please check what you entered.",
                              "errors": {"json": {"email": ["Not a valid email address."]}}}
    assert_problem(call(app, "GET", "/api/v1/customers/no-such-customer", key), 404, "No such customer.")
    contact = call(app, "POST", f"/api/v1/customers/{customer}/contacts", key,
                   json={"name": "Pat", "email": "pat@initech.test", "permissions": ["view"]})
    assert contact.status_code == 201
    again = call(app, "POST", f"/api/v1/customers/{customer}/contacts", key,
                 json={"name": "Pat", "email": "pat@initech.test", "permissions": ["view"]})
    assert_problem(again, 409, "already has access")

    invited = call(app, "POST", f"/api/v1/contacts/{contact.get_json()['contact_id']}/invitations", key,
                   json={"link_base": "https://evil.test"})
    assert invited.status_code == 202
    assert world.fake.sent_invitations[-1]["link"].startswith(f"{BASE}/invite/")  # this portal's own address


def test_bodies_must_be_json_objects(world, app):
    key = world.fake.add_key(world.org)
    assert_problem(call(app, "POST", "/api/v1/customers", key, data="name=x"), 415)
    assert_problem(call(app, "POST", "/api/v1/customers", key, json=["x"]), 400, "JSON object")
    assert_problem(call(app, "POST", "/api/v1/customers", key, data="{", content_type="application/json"), 400)


def test_every_error_on_the_api_is_problem_json(world, app):
    key = world.fake.add_key(world.org)
    assert_problem(call(app, "GET", "/api/v1/nothing-here", key), 404, "no such API route")
    assert_problem(call(app, "GET", "/api/v2/customers", key), 404)
    response = call(app, "DELETE", "/api/v1/customers", key)
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]
    assert_problem(call(app, "GET", "/api/v1/customers", key, base_url="http://nowhere.test"), 404)
    too_large = call(app, "POST", "/api/v1/customers", key, json={"name": "x" * 2_000_000})
    assert_problem(too_large, 413)
    assert too_large.get_json()["errors"] == {"json": {"name": ["Too long: a request may carry at most 1 MiB."]}}
    world.fake.down = True
    response = call(app, "GET", "/api/v1/customers", key)
    assert_problem(response, 503)
    assert 25 <= int(response.headers["Retry-After"]) <= 30     # Flask-Limiter recounts it from its own clock


def test_a_failing_service_is_a_503_and_never_leaks_its_answer(world, app):
    key = world.fake.add_key(world.org)
    call(app, "GET", "/api/v1/customers", key)                   # exchanged while identity is up
    world.fake.adapter.answer = lambda request: (500, {"trace": "secret stack"}, "application/json")
    response = call(app, "GET", "/api/v1/customers", key)
    assert_problem(response, 503)
    assert "secret stack" not in response.get_data(as_text=True)


def test_a_session_cookie_does_not_open_the_api(world, app):
    staff = Browser(app)
    staff.sign_in(world.sam, fake=world.fake)
    assert staff.get("/console").status_code == 200
    response = staff.get("/api/v1/customers")
    assert_problem(response, 401)
    assert "Set-Cookie" not in response.headers
    response = staff.post("/api/v1/customers", {"name": "x", "email": "x@x.test"}, csrf=False,
                          headers={"Origin": "https://evil.test"})
    assert_problem(response, 401)                               # not a CSRF or Origin refusal: no key
    assert not [c for c in world.fake.customers.values() if c["name"] == "x"]


def test_the_api_does_not_need_a_csrf_token_or_our_origin(world, app):
    key = world.fake.add_key(world.org)
    response = call(app, "POST", "/api/v1/customers", key, json={"name": "Initech", "email": "ap@initech.test"},
                    headers={"Origin": "https://erp.example"})
    assert response.status_code == 201


# -- the cache of a key's exchange -----------------------------------------------------------
class Clock:
    def __init__(self, monkeypatch):
        self.now = 1000.0
        monkeypatch.setattr("gateway.clients.base.time.monotonic", lambda: self.now)


def test_a_key_is_exchanged_once_per_cache_window_and_a_revoked_key_stops_after_it(world, app, monkeypatch):
    clock = Clock(monkeypatch)
    key = world.fake.add_key(world.org)
    assert call(app, "GET", "/api/v1/customers", key).status_code == 200
    assert call(app, "GET", "/api/v1/customers", key).status_code == 200
    assert world.fake.exchanges == 1
    cache = app.extensions["gateway"].api_keys
    assert key not in repr(cache._items)
    assert (world.org["org_id"], hashlib.sha256(key.encode()).hexdigest()) in cache._items

    world.fake.revoke(key)                                      # revoked at identity, not through here
    clock.now += 29
    assert call(app, "GET", "/api/v1/customers", key).status_code == 200      # still inside the window
    clock.now += 2
    assert_problem(call(app, "GET", "/api/v1/customers", key), 401, NOT_VALID)
    assert world.fake.exchanges == 2


def test_the_cache_never_outlives_the_token(world, app, monkeypatch):
    clock = Clock(monkeypatch)
    key = world.fake.add_key(world.org)
    world.fake.token_ttl = 40                                   # 40 s - 30 s margin: kept 10 s
    call(app, "GET", "/api/v1/customers", key)
    clock.now += 9
    call(app, "GET", "/api/v1/customers", key)
    assert world.fake.exchanges == 1
    clock.now += 2
    call(app, "GET", "/api/v1/customers", key)
    assert world.fake.exchanges == 2
    world.fake.token_ttl = 20                                   # shorter than the margin: not kept at all
    clock.now += 100
    call(app, "GET", "/api/v1/customers", key)
    call(app, "GET", "/api/v1/customers", key)
    assert world.fake.exchanges == 4


def test_with_no_cache_a_revoked_key_is_refused_at_once(world):
    app = make_app(world.fake, GATEWAY_API_KEY_CACHE_SECONDS=0)
    world.fake.serve(app)
    key = world.fake.add_key(world.org)
    assert call(app, "GET", "/api/v1/customers", key).status_code == 200
    world.fake.revoke(key)
    assert_problem(call(app, "GET", "/api/v1/customers", key), 401)


def test_the_cache_window_is_at_most_30_seconds(world):
    assert make_app(world.fake).extensions["gateway"].api_keys.ttl == 30
    assert make_app(world.fake, GATEWAY_API_KEY_CACHE_SECONDS=300).extensions["gateway"].api_keys.ttl == 30


# -- rate limits -----------------------------------------------------------------------------
def test_calls_are_limited_per_key(world):
    app = make_app(world.fake, GATEWAY_RATELIMIT_API="2 per minute")
    world.fake.serve(app)
    first, second = world.fake.add_key(world.org, "A"), world.fake.add_key(world.org, "B")
    assert call(app, "GET", "/api/v1/customers", first).status_code == 200
    customer = world.customer["customer_id"]
    assert call(app, "GET", f"/api/v1/customers/{customer}", first).status_code == 200   # one budget per key
    response = call(app, "GET", "/api/v1/customers", first)
    assert_problem(response, 429, "Too many requests")
    assert "Retry-After" in response.headers
    assert call(app, "GET", "/api/v1/customers", second).status_code == 200


def test_refused_keys_are_limited_per_client_ip(world):
    app = make_app(world.fake, GATEWAY_RATELIMIT_API_REFUSED="2 per minute")
    world.fake.serve(app)
    for n in range(2):
        assert call(app, "GET", "/api/v1/customers", f"cpk_guess{n}").status_code == 401
    assert_problem(call(app, "GET", "/api/v1/customers", "cpk_guess3"), 429)
    assert world.fake.exchanges == 2
    elsewhere = call(app, "GET", "/api/v1/customers", world.fake.add_key(world.org),
                     environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert elsewhere.status_code == 200


def test_no_checkbox_is_marked_required_so_a_browser_submits_with_some_ticked(world, owner):
    """`required` on a checkbox list means every box must be ticked before a browser sends
    the form at all (found by the browser test): the server checks "at least one" instead."""
    for path in ("/console/api-keys", "/console/settings", f"/console/customers/{world.customer['customer_id']}"):
        html = owner.get(path).get_data(as_text=True)
        boxes = re.findall(r'<input[^>]*type="checkbox"[^>]*>', html)
        assert boxes and not [b for b in boxes if " required" in b], path
