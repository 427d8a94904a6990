"""The real IdentityClient: the method, path and body of every API.md call, and how
answers become values, `ServiceProblem` or `ServiceUnavailable`."""
from __future__ import annotations

import json

import pytest
from flask import Flask, g

from gateway.clients.base import ServiceClient, ServiceProblem, ServiceUnavailable, TTLCache
from gateway.clients.identity import IdentityClient
from tests.integration.gateway.http_stub import FailingAdapter, RecordingAdapter

O = "org-1"
CALLS = [   # (method call, HTTP method, path, JSON body)
    (lambda c: c.org_by_host("portal.acme.test"), "GET", "/orgs/by-host/portal.acme.test", None),
    (lambda c: c.sign_in(O, "contact", "a@b.test", "pw", "203.0.113.1", "UA"), "POST", "/orgs/org-1/sessions",
     {"kind": "contact", "email": "a@b.test", "password": "pw", "ip": "203.0.113.1", "user_agent": "UA"}),
    (lambda c: c.resolve(O, "tok"), "POST", "/orgs/org-1/sessions/resolve", {"token": "tok"}),
    (lambda c: c.end(O, "tok"), "POST", "/orgs/org-1/sessions/end", {"token": "tok"}),
    (lambda c: c.verify_mfa(O, "tok", "123456"), "POST", "/orgs/org-1/sessions/mfa",
     {"token": "tok", "code": "123456"}),
    (lambda c: c.use_recovery_code(O, "tok", "rc"), "POST", "/orgs/org-1/sessions/recovery",
     {"token": "tok", "code": "rc"}),
    (lambda c: c.revoke_all(O, "login-1"), "POST", "/orgs/org-1/logins/login-1/sessions/revoke", {}),
    (lambda c: c.revoke_all(O, "login-1", except_token="tok"), "POST",
     "/orgs/org-1/logins/login-1/sessions/revoke", {"except_token": "tok"}),
    (lambda c: c.start_enrolment(O, "tok"), "POST", "/orgs/org-1/mfa/enrolment", {"token": "tok"}),
    (lambda c: c.confirm_enrolment(O, "tok", "123456"), "POST", "/orgs/org-1/mfa/enrolment/confirm",
     {"token": "tok", "code": "123456"}),
    (lambda c: c.invite(O, "c-1", "https://portal.acme.test"), "POST", "/orgs/org-1/contacts/c-1/invitations",
     {"link_base": "https://portal.acme.test"}),
    (lambda c: c.invite_many(O, [{"customer": "Globex", "email": "a@b.test", "name": "A"}], "https://p.test", True),
     "POST", "/orgs/org-1/invitations/bulk",
     {"items": [{"customer": "Globex", "email": "a@b.test", "name": "A"}], "link_base": "https://p.test",
      "dry_run": True}),
    (lambda c: c.resend_invitation(O, "c-1", "https://p.test"), "POST", "/orgs/org-1/contacts/c-1/invitations/resend",
     {"link_base": "https://p.test"}),
    (lambda c: c.lookup_invitation(O, "inv"), "POST", "/orgs/org-1/invitations/lookup", {"token": "inv"}),
    (lambda c: c.accept_invitation(O, "inv", "pw", "203.0.113.1", "UA"), "POST", "/orgs/org-1/invitations/accept",
     {"token": "inv", "password": "pw", "ip": "203.0.113.1", "user_agent": "UA"}),
    (lambda c: c.change_password(O, "tok", "old", "new"), "POST", "/orgs/org-1/password/change",
     {"token": "tok", "current_password": "old", "new_password": "new"}),
    (lambda c: c.get_profile(O, "login-1"), "GET", "/orgs/org-1/logins/login-1/profile", None),
    (lambda c: c.update_profile(O, "login-1", {"name": "N"}), "PATCH", "/orgs/org-1/logins/login-1/profile",
     {"name": "N"}),
    (lambda c: c.create_staff(O, "s@a.test", "S", "agent"), "POST", "/orgs/org-1/staff",
     {"email": "s@a.test", "name": "S", "role": "agent"}),
    (lambda c: c.list_staff(O), "GET", "/orgs/org-1/staff", None),
    (lambda c: c.create_customer(O, "Globex", "ap@globex.test"), "POST", "/orgs/org-1/customers",
     {"name": "Globex", "email": "ap@globex.test", "address": [], "tax_id": None}),
    (lambda c: c.update_customer(O, "cu-1", {"name": "Globex", "email": "ap@globex.test", "address": ["1 Main St"],
                                             "tax_id": "GB1"}), "PUT", "/orgs/org-1/customers/cu-1",
     {"name": "Globex", "email": "ap@globex.test", "address": ["1 Main St"], "tax_id": "GB1"}),
    (lambda c: c.list_customers(O), "GET", "/orgs/org-1/customers", None),
    (lambda c: c.get_customer(O, "cu-1"), "GET", "/orgs/org-1/customers/cu-1", None),
    (lambda c: c.create_contact(O, "cu-1", "a@b.test", "A", ["view"]), "POST", "/orgs/org-1/customers/cu-1/contacts",
     {"email": "a@b.test", "name": "A", "permissions": ["view"]}),
    (lambda c: c.list_contacts(O, "cu-1"), "GET", "/orgs/org-1/customers/cu-1/contacts", None),
    (lambda c: c.get_contact(O, "c-1"), "GET", "/orgs/org-1/contacts/c-1", None),
    (lambda c: c.set_permissions(O, "c-1", ["view", "pay"]), "PUT", "/orgs/org-1/contacts/c-1/permissions",
     {"permissions": ["view", "pay"]}),
    (lambda c: c.reset_mfa(O, "c-1"), "POST", "/orgs/org-1/contacts/c-1/mfa/reset", None),
    (lambda c: c.change_settings(O, {"portal_enabled": False}), "PATCH", "/orgs/org-1/settings",
     {"portal_enabled": False}),
    (lambda c: c.list_domains(O), "GET", "/orgs/org-1/domains", None),
    (lambda c: c.add_domain(O, "portal.acme.example"), "POST", "/orgs/org-1/domains", {"domain": "portal.acme.example"}),
    (lambda c: c.check_domain(O, "portal.acme.example"), "POST", "/orgs/org-1/domains/portal.acme.example/check", None),
    (lambda c: c.remove_domain(O, "portal.acme.example"), "DELETE", "/orgs/org-1/domains/portal.acme.example", None),
]


def client_answering(status: int, body=None, content_type: str = "application/json"):
    adapter = RecordingAdapter(lambda request: (status, body, content_type))
    http = ServiceClient("http://identity.test")
    http.session.mount("http://", adapter)
    return IdentityClient(http), adapter


@pytest.mark.parametrize("call, method, path, body", CALLS, ids=[c[2] + " " + c[1] for c in CALLS])
def test_each_call_is_the_one_api_md_specifies(call, method, path, body):
    client, adapter = client_answering(200, {"ok": True})
    call(client)
    [request] = adapter.sent
    assert (request.method, request.path_url) == (method, path)
    assert adapter.last_json() == body
    assert not any(name.lower().startswith(("x-actor", "x-user", "x-permissions", "x-mfa"))
                   for name in request.headers)


def test_ids_cannot_escape_their_path_segment():
    client, adapter = client_answering(200, {})
    client.get_contact(O, "../customers")
    assert adapter.sent[0].path_url == "/orgs/org-1/contacts/..%2Fcustomers"


def test_a_problem_becomes_a_service_problem_with_its_sentence_fields_and_extras():
    client, _ = client_answering(422, {
        "type": "about:blank", "title": "Unprocessable", "status": 422, "detail": "That code is not right.",
        "attempts_left": 2,
        "errors": {"json": {"password": ["Use at least 12 characters."], "address": {"city": ["Missing."]}}}},
        "application/problem+json")
    with pytest.raises(ServiceProblem) as caught:
        client.verify_mfa(O, "tok", "000000")
    problem = caught.value
    assert (problem.status, problem.detail) == (422, "That code is not right.")
    assert problem.errors == {"password": ["Use at least 12 characters."], "address.city": ["Missing."]}
    assert problem.extra == {"attempts_left": 2}


def test_a_problem_without_detail_still_reads_as_a_sentence():
    client, _ = client_answering(409, {"title": "Conflict", "status": 409}, "application/problem+json")
    with pytest.raises(ServiceProblem) as caught:
        client.create_customer(O, "Globex", "ap@globex.test")
    assert caught.value.detail == "Someone changed this at the same time. Please try again."
    client, _ = client_answering(400, b"<html>oops</html>", "text/html")
    with pytest.raises(ServiceProblem) as caught:
        client.list_customers(O)
    assert caught.value.detail == "Something in the request was not right."


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_failing_identity_is_unavailable(status):
    client, _ = client_answering(status, {"title": "Internal", "status": status})
    with pytest.raises(ServiceUnavailable):
        client.list_customers(O)


def test_an_unreachable_identity_is_unavailable():
    http = ServiceClient("http://identity.test")
    http.session.mount("http://", FailingAdapter())
    client = IdentityClient(http)
    with pytest.raises(ServiceUnavailable):
        client.resolve(O, "tok")


def test_a_success_that_is_not_json_is_unavailable():
    client, _ = client_answering(200, b"<html>proxy error page</html>", "text/html")
    with pytest.raises(ServiceUnavailable):
        client.list_customers(O)


def test_resolve_answers_none_for_a_dead_session_and_org_by_host_none_for_an_unknown_host():
    client, _ = client_answering(401, {"title": "Unauthorized", "status": 401})
    assert client.resolve(O, "tok") is None
    client, _ = client_answering(422, {"title": "Unprocessable", "status": 422,
                                       "errors": {"json": {"token": ["Longer than maximum length 200."]}}})
    assert client.resolve(O, "x" * 300) is None                        # a made-up cookie is no session
    client, _ = client_answering(404, {"title": "Not found", "status": 404})
    assert client.org_by_host("nowhere.test") is None
    with pytest.raises(ServiceProblem):
        client.get_customer(O, "cu-404")


def test_end_and_revoke_answer_none_on_204():
    client, _ = client_answering(204, None)
    assert client.end(O, "tok") is None
    assert client.revoke_all(O, "login-1") is None


def test_the_ttl_cache_expires_drops_and_stays_bounded():
    cache = TTLCache(ttl=60, max_items=3)
    loads = []
    assert cache.get("a", lambda: loads.append("a") or 1) == 1
    assert cache.get("a", lambda: loads.append("a") or 2) == 1
    cache.drop("a")
    assert cache.get("a", lambda: loads.append("a") or 3) == 3
    for key in "bcde":
        cache.put(key, key)
    assert len(cache._items) <= 3
    cache.drop_where(lambda value: value == "e")
    assert "e" not in cache._items
    assert json.dumps(loads) == '["a", "a"]'


def test_a_signed_in_persons_calls_carry_its_internal_token_and_anonymous_calls_none():
    client, adapter = client_answering(200, {"ok": True})
    app = Flask("t")
    with app.test_request_context("/console/customers", headers={"Authorization": "Bearer forged"}):
        client.list_customers(O)                                       # no session: no token, and the
        g.session_view = {"internal_token": "itok.signed.by.identity",  # browser's header is not passed on
                          "principal": {"kind": "staff", "id": "s-1"}}
        client.list_customers(O)
    first, second = adapter.sent
    assert "Authorization" not in first.headers
    assert second.headers["Authorization"] == "Bearer itok.signed.by.identity"
