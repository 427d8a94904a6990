"""The audit log: every change of settings, access, API keys, e-mail templates, webhooks and
customer details, from the events (other services' through the consumer, notifications' own
through its API), with who and when; recorded once per event, never shown to another org,
filtered, paged, exported as CSV that no spreadsheet runs, and rebuilt from notifications'
own events."""
import csv
import io
import uuid

import pytest
from sqlalchemy import delete, func, select

from contracts.catalogue import CATALOGUE, topic_for, validate_data
from services.chassis.events import Event
from services.chassis.projections import rebuild
from services.notifications import bootstrap
from services.notifications.app import create_app
from services.notifications.bootstrap import SPEC
from services.notifications.projections.audit import audit_entries, record
from tests.helpers.tokens import bearer
from tests.integration.notifications.test_webhooks import org_created

SAM, ADA, ANN = "staff-sam", "staff-ada", "contact-ann"
CUSTOMER, KEY = "cust-1", "key-1"


def incoming(org_id: str, type_: str, data: dict, actor: dict | None = None, at: str | None = None,
             event_id: str | None = None) -> Event:
    """An event of another service as its producer publishes it (checked against its contract)."""
    contract = CATALOGUE[type_]
    extra = {"occurred_at": at} if at else {}
    return Event(type=type_, org_id=org_id, aggregate_type=contract.aggregate_type, aggregate_id=str(uuid.uuid4()),
                 aggregate_version=1, data=validate_data(type_, data), event_id=event_id or str(uuid.uuid4()),
                 actor=actor or {"kind": "staff", "id": SAM}, **extra)


def handle(rt, event: Event) -> None:
    """What the consumer runner does with one incoming event (a duplicate is marked handled already)."""
    topic = topic_for(CATALOGUE[event.type].service)
    with rt.store.unit_of_work() as uow:
        if uow.mark_handled(event.event_id, topic, event.type):
            bootstrap.subscriptions()[topic][event.type](event, uow)
        uow.commit()


def settings(**changes) -> dict:
    base = {"modules": ["invoices", "tickets"], "portal_enabled": True, "mfa_required": False, "self_signup": False,
            "forward_documents": True, "bulk_payments": True, "partial_payments": False, "logo": None}
    return {**base, **changes}


def staff(org_id: str, staff_id: str = SAM, role: str = "owner") -> dict:
    return bearer("staff", org_id, id=staff_id, role=role)


@pytest.fixture
def env(make_runtime, db_kind):
    rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1")
    org_id, other_org = str(uuid.uuid4()), str(uuid.uuid4())
    for org in (org_id, other_org):
        handle(rt, org_created(org))
        handle(rt, incoming(org, "StaffMemberAdded", {"staff_id": SAM, "email": "sam@acme.test", "name": "Sam Owner",
                                                      "role": "owner"}, actor={"kind": "system", "id": None}))
    handle(rt, incoming(org_id, "ContactAdded", {"contact_id": ANN, "customer_id": CUSTOMER, "email": "ann@bolt.test",
                                                 "name": "Ann Buyer", "permissions": ["view"]}))
    return rt, create_app(rt.config).test_client(), org_id, other_org


def entries(client, org_id, who=None, **args) -> list[dict]:
    answer = client.get(f"/orgs/{org_id}/audit", query_string={"limit": 200, **args}, headers=who or staff(org_id))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["items"]


def said(client, org_id, **args) -> list[str]:
    return [e["what"] for e in reversed(entries(client, org_id, **args))]       # oldest first


def identity_changes(org_id: str) -> list[Event]:
    """One event of each audited kind of identity's, each by Sam, in order."""
    return [
        incoming(org_id, "PortalSettingsChanged", {"org_id": org_id, "changed": ["mfa_required", "modules"],
                                                   "settings": settings(mfa_required=True)}),
        incoming(org_id, "PortalSettingsChanged", {"org_id": org_id, "changed": ["logo"],
                                                   "settings": settings(logo="a" * 32)}),
        incoming(org_id, "PortalSettingsChanged", {"org_id": org_id, "changed": ["logo"], "settings": settings()}),
        incoming(org_id, "StaffInvited", {"staff_id": ADA, "email": "ada@acme.test", "name": "Ada Admin",
                                          "role": "admin", "expires_at": "2026-12-31T00:00:00+00:00"}),
        incoming(org_id, "StaffRoleChanged", {"staff_id": ADA, "role": "agent", "previous_role": "admin"}),
        incoming(org_id, "StaffMemberRemoved", {"staff_id": ADA, "email": "ada@acme.test"}),
        incoming(org_id, "PermissionsChanged", {"contact_id": ANN, "customer_id": CUSTOMER,
                                                "modules": ["invoices"], "permissions": ["view", "pay"]}),
        incoming(org_id, "CustomerModulesChanged", {"customer_id": CUSTOMER, "modules": ["invoices", "tickets"]}),
        incoming(org_id, "CustomerModulesChanged", {"customer_id": CUSTOMER, "modules": None}),
        incoming(org_id, "MfaDisabled", {"user_kind": "contact", "user_id": ANN, "customer_id": CUSTOMER}),
        incoming(org_id, "SessionRevoked", {"session_id": "s-1", "user_kind": "contact", "user_id": ANN,
                                            "customer_id": CUSTOMER, "reason": "revoked_by_staff"}),
        incoming(org_id, "ApiKeyCreated", {"key_id": KEY, "name": "ERP", "prefix": "cpk_ab12",
                                           "scopes": ["customers", "invoices"]}),
        incoming(org_id, "CustomerUpdated", {"customer_id": CUSTOMER, "changed": ["name", "tax_id"],
                                             "name": "Bolt Ltd", "email": None, "address": [], "tax_id": "DE123"},
                 actor={"kind": "api_key", "id": KEY}),
        incoming(org_id, "ApiKeyRevoked", {"key_id": KEY, "name": "ERP"}),
    ]


def test_each_kind_of_change_is_an_entry_saying_who_did_what_and_when(env):
    rt, client, org_id, _ = env
    changes = identity_changes(org_id)
    for event in changes:
        handle(rt, event)
    owner = staff(org_id)
    assert client.put(f"/orgs/{org_id}/email-templates/invitation/en", headers=owner,
                      json={"subject": "Welcome to {{ org.name }}", "text": "Hi"}).status_code == 200
    assert client.delete(f"/orgs/{org_id}/email-templates/invitation/en", headers=owner).status_code == 200
    hook = client.post(f"/orgs/{org_id}/webhooks", headers=owner, json={
        "url": "https://erp.example.test/hooks", "event_types": ["CustomerCreated", "InvoiceIssued"]}).get_json()
    for action in ("disable", "enable"):
        assert client.post(f"/orgs/{org_id}/webhooks/{hook['webhook_id']}/{action}", headers=owner).status_code == 200
    assert client.delete(f"/orgs/{org_id}/webhooks/{hook['webhook_id']}", headers=owner).status_code == 204

    assert said(client, org_id) == [
        "Added Sam Owner (sam@acme.test) to the console as owner",
        "Changed portal settings: MFA required on, modules",
        "Changed the logo",
        "Removed the logo",
        "Invited Ada Admin (ada@acme.test) to the console as admin",
        "Changed the role of Ada Admin from admin to agent",
        "Removed Ada Admin from the console",
        "Changed the access of Ann Buyer: modules invoices; permissions view, pay",
        "Changed a customer's modules: invoices, tickets",
        "Gave a customer every module the portal offers",
        "Reset the two-step sign-in of Ann Buyer",
        "Signed Ann Buyer out (ended a session)",
        "Created the API key ERP (cpk_ab12…) with the scopes customers, invoices",
        "Changed the details of Bolt Ltd: name, tax id",
        "Revoked the API key ERP",
        "Changed the e-mail template invitation (en)",
        "Reset the e-mail template invitation (en) to the default",
        "Added a webhook to erp.example.test for CustomerCreated, InvoiceIssued",
        "Switched off the webhook to erp.example.test: Disabled by staff.",
        "Switched on the webhook to erp.example.test",
        "Deleted the webhook to erp.example.test",
    ]
    log = {e["event_id"]: e for e in entries(client, org_id)}
    settings_change = log[changes[0].event_id]
    assert settings_change["at"] == changes[0].occurred_at and settings_change["area"] == "settings"
    assert (settings_change["actor_kind"], settings_change["actor_id"], settings_change["actor_name"]) == \
        ("staff", SAM, "Sam Owner")
    by_key = log[changes[12].event_id]
    assert (by_key["area"], by_key["actor_kind"], by_key["actor_name"], by_key["subject"]) == \
        ("customers", "api_key", "ERP", "Bolt Ltd")
    areas = [e["area"] for e in reversed(entries(client, org_id))]
    assert areas == ["access", "settings", "settings", "settings", "access", "access", "access", "access", "access",
                     "access", "access", "access", "keys", "customers", "keys", "templates", "templates", "webhooks", "webhooks",
                     "webhooks", "webhooks"]
    template = [e for e in entries(client, org_id, area="templates")][0]
    assert (template["actor_name"], template["subject"], template["service"]) == \
        ("Sam Owner", "invitation (en)", "notifications")


def test_what_is_not_configuration_is_not_audited(env):
    rt, client, org_id, _ = env
    before = said(client, org_id)
    ann = {"kind": "contact", "id": ANN}
    for event in (
        incoming(org_id, "MfaDisabled", {"user_kind": "contact", "user_id": ANN, "customer_id": CUSTOMER}, actor=ann),
        incoming(org_id, "SessionRevoked", {"session_id": "s-2", "user_kind": "contact", "user_id": ANN,
                                            "customer_id": CUSTOMER, "reason": "logout"}, actor=ann),
        incoming(org_id, "SessionRevoked", {"session_id": "s-3", "user_kind": "staff", "user_id": SAM,
                                            "customer_id": None, "reason": "revoked_by_staff"}),   # Sam's own
        incoming(org_id, "CreditNoteIssued", {"credit_note_id": "cn-1", "customer_id": CUSTOMER, "number": "CN-1",
                                              "currency": "EUR", "total_minor": 100, "invoice_id": None,
                                              "reason": None, "issued_at": "2026-12-01T10:00:00+00:00",
                                              "external_ref": None}),
        incoming(org_id, "CustomerCreated", {"customer_id": "cust-2", "name": "Globex", "email": None,
                                             "external_ref": None}),
    ):
        handle(rt, event)
    assert said(client, org_id) == before


def test_a_redelivered_event_is_recorded_once(env):
    rt, client, org_id, _ = env
    event = identity_changes(org_id)[0]
    handle(rt, event)
    handle(rt, event)                                       # the consumer's redelivery
    with rt.store.unit_of_work() as uow:                    # and one its dedupe missed
        record(uow.conn, event)
        uow.commit()
    assert said(client, org_id).count("Changed portal settings: MFA required on, modules") == 1


def test_another_orgs_entries_are_never_listed_and_only_managers_read_the_log(env):
    rt, client, org_id, other_org = env
    handle(rt, incoming(other_org, "ApiKeyCreated", {"key_id": "key-9", "name": "Their ERP", "prefix": "cpk_zz99",
                                                     "scopes": ["invoices"]}))
    assert not [e for e in entries(client, org_id) if "Their ERP" in e["what"]]
    assert not [e for e in entries(client, org_id, q="Their ERP")]
    assert client.get(f"/orgs/{other_org}/audit", headers=staff(org_id)).status_code == 404
    assert client.get(f"/orgs/{other_org}/audit.csv", headers=staff(org_id)).status_code == 404
    assert "Their ERP" not in client.get(f"/orgs/{org_id}/audit.csv", headers=staff(org_id)).get_data(as_text=True)
    agent = staff(org_id, ADA, role="agent")
    contact = bearer("contact", org_id, id=ANN, customer_id=CUSTOMER)
    for path in ("/audit", "/audit.csv", "/audit/actors"):
        assert client.get(f"/orgs/{org_id}{path}", headers=agent).status_code == 403
        assert client.get(f"/orgs/{org_id}{path}", headers=contact).status_code == 403
        assert client.get(f"/orgs/{org_id}{path}").status_code == 401
        assert client.get(f"/orgs/{org_id}{path}", headers=staff(org_id, ADA, role="admin")).status_code == 200


def test_filters_by_area_person_days_and_words_and_pages_newest_first(env):
    rt, client, org_id, _ = env
    ada = {"kind": "staff", "id": ADA}
    handle(rt, incoming(org_id, "StaffMemberAdded", {"staff_id": ADA, "email": "ada@acme.test", "name": "Ada Admin",
                                                     "role": "admin"}, at="2026-11-01T09:00:00+00:00"))
    handle(rt, incoming(org_id, "PortalSettingsChanged", {"org_id": org_id, "changed": ["self_signup"],
                                                          "settings": settings(self_signup=True)},
                        actor=ada, at="2026-11-02T23:59:59.999999+00:00"))
    handle(rt, incoming(org_id, "ApiKeyCreated", {"key_id": KEY, "name": "Warehouse", "prefix": "cpk_wh01",
                                                  "scopes": ["sales_orders"]}, actor=ada, at="2026-11-03T00:00:00+00:00"))
    handle(rt, incoming(org_id, "ApiKeyRevoked", {"key_id": KEY, "name": "Warehouse"},
                        at="2026-11-04T12:00:00+00:00"))

    assert said(client, org_id, area="keys") == [
        "Created the API key Warehouse (cpk_wh01…) with the scopes sales_orders", "Revoked the API key Warehouse"]
    assert said(client, org_id, actor=ADA) == [
        "Changed portal settings: self sign-up on", "Created the API key Warehouse (cpk_wh01…) with the scopes sales_orders"]
    assert said(client, org_id, since="2026-11-02", until="2026-11-02") == ["Changed portal settings: self sign-up on"]
    assert len(said(client, org_id, since="2026-11-03", until="2026-11-04")) == 2
    assert said(client, org_id, q="WAREHOUSE", area="keys", actor=SAM) == ["Revoked the API key Warehouse"]
    assert said(client, org_id, q="ada admin", area="settings") == ["Changed portal settings: self sign-up on"]
    assert said(client, org_id, q="100%_") == []                 # LIKE's wildcards are taken as they are
    actors = client.get(f"/orgs/{org_id}/audit/actors", headers=staff(org_id)).get_json()
    assert {(a["id"], a["name"]) for a in actors} >= {(SAM, "Sam Owner"), (ADA, "Ada Admin")}

    every, after = [], None
    while True:
        answer = client.get(f"/orgs/{org_id}/audit", query_string={"limit": 2, **({"after": after} if after else {})},
                            headers=staff(org_id)).get_json()
        every += answer["items"]
        after = answer["next_cursor"]
        if after is None:
            break
    assert [e["event_id"] for e in every] == [e["event_id"] for e in entries(client, org_id)]
    assert [e["at"] for e in every] == sorted((e["at"] for e in every), reverse=True)
    bad = client.get(f"/orgs/{org_id}/audit", query_string={"after": "nonsense"}, headers=staff(org_id))
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    backwards = client.get(f"/orgs/{org_id}/audit", query_string={"since": "2026-11-04", "until": "2026-11-01"},
                           headers=staff(org_id))
    assert backwards.status_code == 422 and "until" in backwards.get_json()["errors"]["query"]
    assert client.get(f"/orgs/{org_id}/audit", query_string={"area": "weather"},
                      headers=staff(org_id)).status_code == 422


def test_the_csv_holds_the_filtered_entries_and_no_spreadsheet_formula(env):
    rt, client, org_id, _ = env
    for name in ("=HYPERLINK(\"https://evil.test\",\"click\")", "+1 555", "-2 Ltd", "@SUM(A1)", "Plain, \"quoted\""):
        handle(rt, incoming(org_id, "CustomerUpdated", {"customer_id": CUSTOMER, "changed": ["name"], "name": name,
                                                        "email": None, "address": [], "tax_id": None}))
    handle(rt, incoming(org_id, "ApiKeyCreated", {"key_id": KEY, "name": "ERP", "prefix": "cpk_ab12",
                                                  "scopes": ["invoices"]}))
    answer = client.get(f"/orgs/{org_id}/audit.csv", query_string={"area": "customers"}, headers=staff(org_id))
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="audit-start-')
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == ["When (UTC)", "Who", "Acting as", "Actor id", "Area", "What", "Subject", "Subject id",
                       "Event", "Event id"]
    subjects = [r[6] for r in rows[1:]]
    assert subjects == ["Plain, \"quoted\"", "'@SUM(A1)", "'-2 Ltd", "'+1 555",
                        "'=HYPERLINK(\"https://evil.test\",\"click\")"]
    assert {r[4] for r in rows[1:]} == {"customers"} and {r[1] for r in rows[1:]} == {"Sam Owner"}
    assert all(r[0].endswith("+00:00") for r in rows[1:])
    everything = client.get(f"/orgs/{org_id}/audit.csv", headers=staff(org_id)).get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(everything)))) == 1 + len(entries(client, org_id))


def test_rebuilding_the_projections_rebuilds_notifications_own_entries_and_keeps_the_others(env):
    rt, client, org_id, _ = env
    owner = staff(org_id)
    handle(rt, identity_changes(org_id)[0])
    client.put(f"/orgs/{org_id}/email-templates/invitation/en", headers=owner, json={"subject": "Hi", "text": "Hi"})
    client.post(f"/orgs/{org_id}/webhooks", headers=owner, json={"url": "https://erp.example.test/hooks",
                                                                 "event_types": ["CustomerCreated"]})
    before = entries(client, org_id)
    with rt.engine.begin() as conn:
        conn.execute(delete(audit_entries).where(audit_entries.c.service == "notifications"))
    assert len(entries(client, org_id)) == len(before) - 2
    rebuild(rt.store)
    assert entries(client, org_id) == before
    rebuild(rt.store)                                       # twice: still each entry once
    with rt.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_entries)).scalar() == \
            len(before) + 1                                 # and the other org's one entry
