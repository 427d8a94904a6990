"""The services the schemathesis tests fuzz, built in process (SQLite in a test's folder, no
broker), and the internal token fit for one request to one of them."""
from __future__ import annotations

import importlib
import os
import uuid
from urllib.parse import unquote

from werkzeug.exceptions import HTTPException

from services.chassis import auth, migrate
from services.chassis.config import Config


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


def identity_org(identity, host: str) -> tuple[str, str]:
    """An org made at identity (found by `host`) and one of its customers: (org_id, customer_id)."""
    client = identity.test_client()
    org = client.post("/orgs", headers=caller(identity, "POST", "/orgs"),
                      json={"name": "Fuzz", "slug": "fuzz", "host": host}).get_json()["org_id"]
    path = f"/orgs/{org}/customers"
    customer = client.post(path, headers=caller(identity, "POST", path),
                           json={"name": "Globex", "email": "ap@globex.test"}).get_json()["customer_id"]
    return org, customer
