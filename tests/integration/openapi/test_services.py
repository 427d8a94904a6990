"""Every service's OpenAPI document, fuzzed by schemathesis against the real service in
process (harness.py): no 5xx, every answer as its document says.

Each case carries an internal token minted for that very request: the route's declared
access (services/chassis/auth.py) says which kind of caller may call it, and the token is
of that kind, for the org, customer and person the path names. So a case gets past 401 and
403 and runs the handler, whatever ids it made up."""
from __future__ import annotations

import pytest

from tests.integration.openapi.backends import caller, identity_org, service_app
from tests.integration.openapi.harness import fuzz, load, report

SERVICES = ("identity", "billing", "orders", "support", "documents", "notifications")
EXCLUDED: dict[str, dict[str, str]] = {}     # service: {"METHOD /path": why it is left out}
ORG, CUSTOMER = "0b5e55ed-0000-4000-8000-000000000014", "c0ffee00-0000-4000-8000-000000000014"


def about(name: str, app) -> dict:
    """The org and customer every case is about. Identity answers 404 for an org it does not
    know, so there they are made through its API; the other services take any org's id."""
    if name != "identity":
        return {"org_id": ORG, "customer_id": CUSTOMER}
    org, customer = identity_org(app, "fuzz.test")
    return {"org_id": org, "customer_id": customer}


@pytest.mark.parametrize("name", SERVICES)
def test_every_operation_answers_as_documented(name, tmp_path):
    app = service_app(name, tmp_path)
    schema = load(app)
    tried = fuzz(schema, name, lambda case: caller(app, case.method, case.formatted_path), EXCLUDED.get(name),
                 fixed=about(name, app))
    documented = len(list(schema.get_all_operations()))
    assert len(tried.operations) + len(EXCLUDED.get(name, {})) == documented and tried.cases >= documented
    assert not tried.failures, f"{len(tried.failures)} of {len(tried.operations)} operations:\n\n{report(tried)}"
