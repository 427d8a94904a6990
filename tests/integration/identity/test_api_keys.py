"""API keys through identity's HTTP API, on SQLite and PostgreSQL: shown once, kept only as
a hash, scoped, revocable, and exchanged for an internal token that services honour."""
from __future__ import annotations

from sqlalchemy import select

from services.chassis import auth
from services.identity.tables import api_keys
from tests.integration.identity.test_signin import portal  # noqa: F401 - the fixture
from tests.helpers.tokens import bearer


def make_key(portal, name="ERP sync", scopes=("customers", "invoices")):  # noqa: F811
    answer = portal.post("/api-keys", {"name": name, "scopes": list(scopes)})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def exchange(portal, key):  # noqa: F811
    return portal.client.post(f"/orgs/{portal.org}/api-keys/exchange", json={"key": key},
                              headers={"Authorization": ""})


def test_a_key_is_shown_once_kept_as_a_hash_and_works_for_its_scopes(portal):  # noqa: F811
    made = make_key(portal)
    key = made["key"]
    assert key.startswith("cpk_") and len(key) > 40 and made["prefix"] == key[:12]
    [listed] = portal.client.get(f"/orgs/{portal.org}/api-keys").get_json()
    assert listed["name"] == "ERP sync" and listed["active"] and "key" not in listed
    with portal.rt.engine.connect() as conn:
        stored = " ".join(str(v) for v in conn.execute(select(api_keys)).one())
    assert key not in stored and key[12:] not in stored
    assert all(key not in str(e.data) for e in portal.events())
    [created] = portal.events("ApiKeyCreated")
    assert created.data["scopes"] == ["customers", "invoices"]
    assert created.meta["actor"] == {"kind": "staff", "id": portal.staff_id}

    token = exchange(portal, key).get_json()["internal_token"]
    caller = auth.verify(portal.rt.config.token_public_keys, token)
    assert (caller.kind, caller.id, caller.org_id) == ("api_key", made["key_id"], portal.org)
    as_key = {"Authorization": f"Bearer {token}"}
    customer = portal.customer("Initech Corp")
    listed = portal.client.get(f"/orgs/{portal.org}/customers", headers=as_key)
    assert listed.status_code == 200 and [c["customer_id"] for c in listed.get_json()] == [customer]
    # a key never manages people's permissions, keys or settings, whatever its scopes
    assert portal.client.get(f"/orgs/{portal.org}/api-keys", headers=as_key).status_code == 403
    assert portal.client.patch(f"/orgs/{portal.org}/settings", json={"self_signup": True},
                               headers=as_key).status_code == 403


def test_a_key_without_the_customers_scope_cannot_read_customers(portal):  # noqa: F811
    key = make_key(portal, scopes=("invoices",))["key"]
    token = exchange(portal, key).get_json()["internal_token"]
    answer = portal.client.get(f"/orgs/{portal.org}/customers", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403 and "customers" in answer.get_json()["detail"]


def test_a_revoked_unknown_or_other_orgs_key_is_the_same_401(portal):  # noqa: F811
    made = make_key(portal)
    assert exchange(portal, made["key"]).status_code == 200
    revoked = portal.post(f"/api-keys/{made['key_id']}/revoke")
    assert revoked.status_code == 200 and revoked.get_json()["active"] is False
    [event] = portal.events("ApiKeyRevoked")
    assert event.data == {"key_id": made["key_id"], "name": "ERP sync"}
    answers = [exchange(portal, made["key"]), exchange(portal, "cpk_" + "x" * 43),
               portal.client.post("/orgs/another-org/api-keys/exchange", json={"key": make_key(portal)["key"]})]
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert len({a.get_json()["detail"] for a in answers}) == 1
    assert portal.post(f"/api-keys/{made['key_id']}/revoke").status_code == 200   # again: no new event
    assert len(portal.events("ApiKeyRevoked")) == 1


def test_only_managers_make_keys_and_bad_scopes_are_named(portal):  # noqa: F811
    agent = bearer("staff", portal.org, role="agent")
    assert portal.client.post(f"/orgs/{portal.org}/api-keys", json={"name": "x", "scopes": ["customers"]},
                              headers=agent).status_code == 403
    bad = portal.post("/api-keys", {"name": "x", "scopes": ["everything"]})
    assert bad.status_code == 422 and "scopes" in bad.get_json()["errors"]["json"]
    assert portal.post("/api-keys", {"name": "x", "scopes": []}).status_code == 422
    assert portal.post(f"/api-keys/{'0' * 36}/revoke").status_code == 404
