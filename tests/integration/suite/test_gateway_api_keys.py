"""The gateway's /api/v1 in front of the real identity service, over HTTP on a local port: a key
made at identity reads and writes customers through the gateway, identity's problems come back
unchanged, and once the key is revoked the gateway refuses it (its exchange cache is off here,
GATEWAY_API_KEY_CACHE_SECONDS=0; by default a revoked key works at most 30 s longer)."""
from __future__ import annotations

import threading
import uuid

import pytest
import requests
from werkzeug.serving import make_server

from gateway.app import create_app as create_gateway
from services.identity.app import create_app as create_identity
from services.identity.bootstrap import SPEC
from tests.helpers.tokens import bearer, system

HOST = "portal.acme.test"


@pytest.fixture
def identity_url(make_runtime):
    rt = make_runtime(SPEC, "sqlite", kafka_bootstrap="127.0.0.1:1")
    server = make_server("127.0.0.1", 0, create_identity(rt.config), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_a_key_made_at_identity_works_through_the_gateway_until_it_is_revoked(identity_url):
    org = requests.post(f"{identity_url}/orgs", headers=system(), timeout=5,
                        json={"name": "Acme", "slug": f"acme-{uuid.uuid4().hex[:8]}", "host": HOST}).json()
    at_identity = f"{identity_url}/orgs/{org['org_id']}"
    owner = bearer("staff", org["org_id"], ttl_s=600)
    assert requests.post(f"{at_identity}/customers", headers=owner, timeout=5,
                         json={"name": "Globex Ltd", "email": "ap@globex.test"}).status_code == 201
    made = requests.post(f"{at_identity}/api-keys", headers=owner, timeout=5,
                         json={"name": "ERP sync", "scopes": ["customers"]}).json()

    gateway = create_gateway(service_urls={"identity": identity_url}, PORTAL_ENV="dev", SECRET_KEY="test",
                             GATEWAY_API_KEY_CACHE_SECONDS=0)
    client = gateway.test_client()
    as_key = {"Authorization": f"Bearer {made['key']}"}

    listed = client.get("/api/v1/customers", base_url=f"http://{HOST}", headers=as_key)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    assert [c["name"] for c in listed.get_json()] == ["Globex Ltd"]
    created = client.post("/api/v1/customers", base_url=f"http://{HOST}", headers=as_key,
                          json={"name": "Initech", "email": "ap@initech.test"})
    assert created.status_code == 201 and created.get_json()["org_id"] == org["org_id"]
    invalid = client.post("/api/v1/customers", base_url=f"http://{HOST}", headers=as_key,
                          json={"name": "Initech", "email": "not an address"})
    assert invalid.status_code == 422 and invalid.mimetype == "application/problem+json"
    assert "email" in invalid.get_json()["errors"]["json"]
    first = client.get("/api/v1/customers?limit=1", base_url=f"http://{HOST}", headers=as_key)
    assert [c["name"] for c in first.get_json()] == ["Globex Ltd"]
    after = first.headers["X-Next-Cursor"]                    # identity's paging passes through
    second = client.get("/api/v1/customers", query_string={"limit": 1, "after": after},
                        base_url=f"http://{HOST}", headers=as_key)
    assert [c["name"] for c in second.get_json()] == ["Initech"] and "X-Next-Cursor" not in second.headers
    [key] = requests.get(f"{at_identity}/api-keys", headers=owner, timeout=5).json()
    assert key["last_used_at"] is not None

    assert requests.post(f"{at_identity}/api-keys/{made['key_id']}/revoke", headers=owner,
                         timeout=5).json()["active"] is False
    refused = client.get("/api/v1/customers", base_url=f"http://{HOST}", headers=as_key)
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["detail"] == "This API key is not valid."
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.fixture
def billing_url(make_runtime):
    from services.billing.app import create_app as create_billing
    from services.billing.bootstrap import SPEC as BILLING
    rt = make_runtime(BILLING, "sqlite", kafka_bootstrap="127.0.0.1:1")
    server = make_server("127.0.0.1", 0, create_billing(rt.config), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_an_erp_pushes_and_issues_invoices_through_the_gateway_over_http(identity_url, billing_url):
    org = requests.post(f"{identity_url}/orgs", headers=system(), timeout=5,
                        json={"name": "Acme", "slug": f"acme-{uuid.uuid4().hex[:8]}", "host": HOST}).json()
    owner = bearer("staff", org["org_id"], ttl_s=600)
    customer = requests.post(f"{identity_url}/orgs/{org['org_id']}/customers", headers=owner, timeout=5,
                             json={"name": "Globex Ltd", "email": "ap@globex.test"}).json()
    made = requests.post(f"{identity_url}/orgs/{org['org_id']}/api-keys", headers=owner, timeout=5,
                         json={"name": "ERP", "scopes": ["invoices"]}).json()
    gateway = create_gateway(service_urls={"identity": identity_url, "billing": billing_url},
                             PORTAL_ENV="dev", SECRET_KEY="test", GATEWAY_API_KEY_CACHE_SECONDS=0)
    client = gateway.test_client()
    as_key = {"Authorization": f"Bearer {made['key']}"}
    push = {"customer_id": customer["customer_id"], "currency": "EUR", "external_ref": "ERP-4711",
            "lines": [{"description": "Widgets", "quantity": "3", "unit_price_minor": 2500, "tax_rate": "19"}]}

    first = client.post("/api/v1/invoices", base_url=f"http://{HOST}", headers=as_key, json=push)
    assert first.status_code == 201, first.get_data(as_text=True)
    again = client.post("/api/v1/invoices", base_url=f"http://{HOST}", headers=as_key, json=push)
    assert again.status_code == 200 and again.get_json()["invoice_id"] == first.get_json()["invoice_id"]
    invoice_id = first.get_json()["invoice_id"]
    issued = client.post(f"/api/v1/invoices/{invoice_id}/issue", base_url=f"http://{HOST}", headers=as_key)
    assert issued.status_code == 200 and issued.get_json()["total_minor"] == 8925
    assert issued.get_json()["number"].startswith("INV-")
    bad = client.post("/api/v1/invoices", base_url=f"http://{HOST}", headers=as_key,
                      json={**push, "external_ref": "ERP-4712", "currency": "XXX1"})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    # the key may not reach customers: that scope was not given
    assert client.get("/api/v1/customers", base_url=f"http://{HOST}", headers=as_key).status_code == 403


def test_an_erp_pushes_a_batch_of_invoices_through_the_gateway_over_http(identity_url, billing_url):
    org = requests.post(f"{identity_url}/orgs", headers=system(), timeout=5,
                        json={"name": "Acme", "slug": f"acme-{uuid.uuid4().hex[:8]}", "host": HOST}).json()
    owner = bearer("staff", org["org_id"], ttl_s=600)
    made = requests.post(f"{identity_url}/orgs/{org['org_id']}/api-keys", headers=owner, timeout=5,
                         json={"name": "ERP", "scopes": ["invoices"]}).json()
    gateway = create_gateway(service_urls={"identity": identity_url, "billing": billing_url},
                             PORTAL_ENV="dev", SECRET_KEY="test", GATEWAY_API_KEY_CACHE_SECONDS=0)
    client = gateway.test_client()

    def push(body):
        return client.post("/api/v1/invoices/batch", base_url=f"http://{HOST}",
                           headers={"Authorization": f"Bearer {made['key']}"}, json=body)

    long_lines = [{"description": "Widgets " + "w" * 300, "quantity": "3", "unit_price_minor": 2500,
                   "tax_rate": "19"}] * 8
    items = [{"customer_id": "cust-1", "currency": "EUR", "issue": True, "external_ref": f"ERP-{i}",
              "lines": long_lines} for i in range(400)]                       # more than 1 MiB
    first = push({"invoices": [*items, {"customer_id": "cust-1", "currency": "EUR", "lines": []}, items[0]]})
    assert first.status_code == 200, first.get_data(as_text=True)[:500]
    body = first.get_json()
    assert (body["created"], body["existing"], body["refused"]) == (400, 1, 1)
    assert [r["invoice"]["number"] for r in body["results"][:400]] == [f"INV-{n:06d}" for n in range(1, 401)]
    refused = body["results"][400]
    assert refused["status"] == 422 and "lines" in refused["problem"]["errors"]["json"]
    assert body["results"][401]["invoice"] == body["results"][0]["invoice"]

    again = push({"invoices": items[:3]}).get_json()
    assert [r["status"] for r in again["results"]] == [200, 200, 200]
    for bad, status in (({"invoices": items[:1] * 501}, 413), ({"invoices": []}, 422),
                        ({"invoices": "ERP-1"}, 422), ({"invoice": items[:1]}, 422)):
        answer = push(bad)
        assert answer.status_code == status and answer.mimetype == "application/problem+json", bad.keys()
        assert "invoices" in answer.get_json()["detail"]
