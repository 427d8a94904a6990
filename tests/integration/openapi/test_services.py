"""Every service's OpenAPI document, fuzzed by schemathesis against the real service in
process (harness.py): no 5xx, every answer as its document says.

Each case carries an internal token minted for that very request: the route's declared
access (services/chassis/auth.py) says which kind of caller may call it, and the token is
of that kind, for the org, customer and person the path names. So a case gets past 401 and
403 and runs the handler, whatever ids it made up."""
from __future__ import annotations

import importlib
import os
import uuid
from urllib.parse import unquote

import pytest
from werkzeug.exceptions import HTTPException

from services.chassis import auth, migrate
from services.chassis.config import Config
from tests.integration.openapi.harness import fuzz, load, report

SERVICES = ("identity", "billing", "orders", "support", "documents", "notifications")
EXCLUDED: dict[str, dict[str, str]] = {}     # service: {"METHOD /path": why it is left out}
ORG, CUSTOMER = "0b5e55ed-0000-4000-8000-000000000014", "c0ffee00-0000-4000-8000-000000000014"


def service_app(name: str, folder):
    spec = importlib.import_module(f"services.{name}.bootstrap").SPEC
    url = f"sqlite:///{folder / f'{name}.db'}"
    migrate.upgrade(spec, url)
    env = {**os.environ, "DOCUMENTS_STORAGE": "disk", "DOCUMENTS_STORAGE_PATH": str(folder / "files")}
    config = Config.from_env(name, env=env, database_url=url, kafka_bootstrap="127.0.0.1:1")
    return importlib.import_module(f"services.{name}.app").create_app(config)


def caller(app, method: str, path: str) -> dict:
    """An internal token of the first kind the route accepts, fit for the path's ids."""
    try:
        endpoint, args = app.url_map.bind("service").match(unquote(path), method)
    except HTTPException:
        return {}                                    # no such route: Flask answers 404 / 405
    access = auth.declared(app, endpoint, method)
    if access is None or not access.kinds:
        return {}
    kind = next(k for k in ("staff", "contact", "api_key", "system") if k in access.kinds)
    principal = auth.Principal(
        kind=kind, id=str(args.get(access.self_param) or uuid.uuid4()),
        org_id=args.get("org_id") if kind != "system" else None,
        customer_id=args.get("customer_id", str(uuid.uuid4())) if kind == "contact" else None,
        permissions=frozenset([access.permission] if access.permission else []),
        modules=frozenset([access.module] if access.module else []),
        role="owner" if kind == "staff" else None, mfa=True, name="Schemathesis")
    token = auth.sign(os.environ["INTERNAL_TOKEN_PRIVATE_KEY"], principal, ttl_s=600)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("name", SERVICES)
def test_every_operation_answers_as_documented(name, tmp_path):
    app = service_app(name, tmp_path)
    schema = load(app)
    tried = fuzz(schema, name, lambda case: caller(app, case.method, case.formatted_path), EXCLUDED.get(name),
                 fixed={"org_id": ORG, "customer_id": CUSTOMER})
    assert tried.operations and tried.cases >= len(tried.operations)
    assert not tried.failures, f"{len(tried.failures)} of {len(tried.operations)} operations:\n\n{report(tried)}"
