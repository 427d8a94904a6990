"""The gateway's /api/v1 OpenAPI document (gateway/api/openapi.py), fuzzed by schemathesis
against the gateway in process with the real identity, billing, orders and documents apps
behind it (billing_backend's WsgiAdapter: no sockets). Every case carries a live API key
of an org that identity knows by the host, holding every scope: the key exchange, the scope
check and the forwarding run for real, and so do the services' handlers."""
from __future__ import annotations

import pytest

from contracts.events.identity import API_KEY_SCOPES
from gateway.api.openapi import SERVICES
from gateway.app import create_app as create_gateway
from tests.integration.gateway.billing_backend import WsgiAdapter
from tests.integration.openapi.backends import caller, identity_org, service_app
from tests.integration.openapi.harness import fuzz, load, report

HOST = "fuzz.portal.test"
EXCLUDED: dict[str, str] = {}                # "METHOD /path": why it is left out


def org_with_key(identity) -> tuple[str, str, str]:
    """An org at identity (found by HOST), one of its customers, and an API key with every scope."""
    org, customer = identity_org(identity, HOST)
    client = identity.test_client()
    path = f"/orgs/{org}/api-keys"
    key = client.post(path, headers=caller(identity, "POST", path),
                      json={"name": "Fuzz", "scopes": list(API_KEY_SCOPES)}).get_json()["key"]
    return org, customer, key


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """The gateway with the real services behind it, and the org's customer id and API key."""
    folder = tmp_path_factory.mktemp("portal")
    backends = {name: service_app(name, folder) for name in SERVICES}
    org, customer, key = org_with_key(backends["identity"])
    app = create_gateway(service_urls={name: f"http://{name}" for name in SERVICES}, PORTAL_ENV="dev",
                         SECRET_KEY="test", GATEWAY_RATELIMIT_API="100000 per minute")
    for name, backend in backends.items():
        app.extensions["gateway"].services[name].session.mount(f"http://{name}", WsgiAdapter(backend))
    return app, customer, key


def test_the_document_is_the_services_less_the_org_plus_the_gateways_answers(portal):
    app, _, _ = portal
    answer = app.test_client().get("/api/v1/openapi.json", base_url=f"http://{HOST}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    doc = answer.get_json()
    assert doc["servers"] == [{"url": f"http://{HOST}/api/v1"}]
    operations = [op for item in doc["paths"].values() for op in item.values()]
    assert all(p["name"] != "org_id" for op in operations for p in op.get("parameters", []))
    link = doc["paths"]["/invoices/{invoice_id}/payment-link"]["post"]
    assert "link_base" not in link["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert {"401", "403", "415", "429", "503"} <= set(link["responses"])
    assert "415" not in doc["paths"]["/invoices"]["get"]["responses"]           # no body, no 415
    assert doc["paths"]["/invoices"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/billing.StaffPageOut"}    # billing's own, named for it


def test_every_api_route_answers_as_documented(portal):
    app, customer, key = portal
    schema = load(app, "/api/v1/openapi.json", base_url=f"http://{HOST}")
    tried = fuzz(schema, "gateway", lambda case: {"Authorization": f"Bearer {key}"}, EXCLUDED,
                 fixed={"customer_id": customer}, base_url=f"http://{HOST}/api/v1")
    routes = {(m, r.rule) for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")
              and r.rule != "/api/v1/openapi.json" for m in r.methods - {"HEAD", "OPTIONS"}}
    assert len(tried.operations) + len(EXCLUDED) == len(routes) and tried.cases >= len(routes)
    assert not tried.failures, f"{len(tried.failures)} of {len(tried.operations)} operations:\n\n{report(tried)}"
