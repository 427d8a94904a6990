"""An event appended in identity is handled by billing's and notifications'
consumers through the real broker: the services share nothing but the topic."""
import threading
import time

import pytest

from services.billing.app import create_app as billing_app
from services.billing.bootstrap import SPEC as BILLING
from services.billing.queries.customers import names
from services.chassis.consumer import ConsumerRunner
from services.chassis.relay import OutboxRelay
from services.identity.app import create_app as identity_app
from services.identity.bootstrap import SPEC as IDENTITY
from services.notifications.app import create_app as notifications_app
from services.notifications.bootstrap import SPEC as NOTIFICATIONS
from tests.helpers.tokens import as_system


def customer_names(billing, org_id, customer) -> dict:
    with billing.engine.connect() as conn:
        return names(conn, org_id, [customer["customer_id"]])


def eventually(fetch, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        response = fetch()
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_org_created_in_identity_reaches_billing_and_notifications(make_runtime, own_broker, kind):
    fast = dict(kafka_bootstrap=own_broker.bootstrap, session_timeout_ms=2000,
                heartbeat_interval_ms=200, topic_check_interval_s=0.5)
    identity = make_runtime(IDENTITY, kind, **fast)
    billing = make_runtime(BILLING, kind, **fast)
    notifications = make_runtime(NOTIFICATIONS, kind, **fast)
    stop = threading.Event()
    workers = [
        threading.Thread(target=OutboxRelay(identity.engine, identity.config).run, args=(stop,)),
        threading.Thread(target=ConsumerRunner(billing.store, billing.config,
                                               BILLING.subscriptions()).run, args=(stop,)),
        threading.Thread(target=ConsumerRunner(notifications.store, notifications.config,
                                               NOTIFICATIONS.subscriptions()).run, args=(stop,)),
    ]
    [w.start() for w in workers]
    try:
        ident = as_system(identity_app(identity.config).test_client())
        org = ident.post("/orgs", json={"name": "Acme", "slug": "acme"}).get_json()
        ident.patch(f"/orgs/{org['org_id']}/settings", json={"mfa_required": True})

        bill = as_system(billing_app(billing.config).test_client())
        seen = eventually(lambda: bill.get(f"/orgs/{org['org_id']}"))
        assert seen.status_code == 200
        assert seen.get_json()["name"] == "Acme"
        deadline = time.monotonic() + 15
        while (not bill.get(f"/orgs/{org['org_id']}").get_json()["settings"].get("mfa_required")
               and time.monotonic() < deadline):
            time.sleep(0.1)
        assert bill.get(f"/orgs/{org['org_id']}").get_json()["settings"]["mfa_required"] is True

        feed = as_system(notifications_app(notifications.config).test_client())
        deadline = time.monotonic() + 15
        types = []
        while len(types) < 2 and time.monotonic() < deadline:
            types = [a["type"] for a in feed.get(f"/orgs/{org['org_id']}/activity").get_json()]
            time.sleep(0.1)
        assert types == ["PortalSettingsChanged", "OrganizationCreated"]   # newest first
        assert bill.get("/orgs/some-other-org").status_code == 404
        # a customer made in identity is named in billing's documents
        customer = ident.post(f"/orgs/{org['org_id']}/customers",
                              json={"name": "Globex Ltd", "email": "ap@globex.test"}).get_json()
        deadline = time.monotonic() + 15
        while not customer_names(billing, org["org_id"], customer) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert customer_names(billing, org["org_id"], customer) == {customer["customer_id"]: "Globex Ltd"}
    finally:
        stop.set()
        [w.join(20) for w in workers]


@pytest.mark.slow
def test_an_empty_restarted_broker_loses_no_cross_service_effect(make_runtime, own_broker):
    """The bundled broker keeps everything in memory: after its restart the relay
    republishes, and billing still gets what was appended before and after."""
    fast = dict(kafka_bootstrap=own_broker.bootstrap, session_timeout_ms=2000,
                heartbeat_interval_ms=200, topic_check_interval_s=0.5)
    identity = make_runtime(IDENTITY, "sqlite", **fast)
    billing = make_runtime(BILLING, "sqlite", **fast)
    stop = threading.Event()
    workers = [
        threading.Thread(target=OutboxRelay(identity.engine, identity.config).run, args=(stop,)),
        threading.Thread(target=ConsumerRunner(billing.store, billing.config,
                                               BILLING.subscriptions()).run, args=(stop,)),
    ]
    [w.start() for w in workers]
    try:
        ident = as_system(identity_app(identity.config).test_client())
        bill = as_system(billing_app(billing.config).test_client())
        first = ident.post("/orgs", json={"name": "First", "slug": "first"}).get_json()
        assert eventually(lambda: bill.get(f"/orgs/{first['org_id']}")).status_code == 200
        own_broker.restart()
        second = ident.post("/orgs", json={"name": "Second", "slug": "second"}).get_json()
        ident.patch(f"/orgs/{first['org_id']}/settings", json={"self_signup": True})
        assert eventually(lambda: bill.get(f"/orgs/{second['org_id']}"), timeout=45).status_code == 200
        deadline = time.monotonic() + 30
        while (not bill.get(f"/orgs/{first['org_id']}").get_json()["settings"]["self_signup"]
               and time.monotonic() < deadline):
            time.sleep(0.2)
        assert bill.get(f"/orgs/{first['org_id']}").get_json()["settings"]["self_signup"] is True
    finally:
        stop.set()
        [w.join(20) for w in workers]


@pytest.mark.slow
def test_a_customer_created_in_identity_reaches_an_internal_systems_webhook_signed(
        make_runtime, own_broker, monkeypatch):
    from services.chassis.worker import run_worker
    from tests.helpers.receiver import Receiver
    monkeypatch.setenv("WEBHOOK_ALLOW_HTTP", "true")
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")
    fast = dict(kafka_bootstrap=own_broker.bootstrap, session_timeout_ms=2000,
                heartbeat_interval_ms=200, topic_check_interval_s=0.5, log_json=False)
    identity = make_runtime(IDENTITY, "sqlite", **fast)
    notifications = make_runtime(NOTIFICATIONS, "postgresql", **fast)
    stop = threading.Event()
    workers = [threading.Thread(target=OutboxRelay(identity.engine, identity.config).run, args=(stop,)),
               threading.Thread(target=run_worker, args=(notifications, stop))]
    [w.start() for w in workers]
    receiver = Receiver()
    try:
        ident = as_system(identity_app(identity.config).test_client())
        notes = as_system(notifications_app(notifications.config).test_client())
        org = ident.post("/orgs", json={"name": "Acme", "slug": "acme"}).get_json()
        assert eventually(lambda: notes.get(f"/orgs/{org['org_id']}")).status_code == 200
        hook = notes.post(f"/orgs/{org['org_id']}/webhooks",
                          json={"url": receiver.url, "event_types": ["CustomerCreated"]}).get_json()
        receiver.secret = hook["secret"]
        customer = ident.post(f"/orgs/{org['org_id']}/customers",
                              json={"name": "Bolt Ltd", "email": "buyer@bolt.test"}).get_json()
        deadline = time.monotonic() + 30
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        [request] = receiver.requests
        assert request["signed"]
        assert request["json"]["data"]["customer_id"] == customer["customer_id"]
    finally:
        stop.set()
        [w.join(30) for w in workers]
        receiver.close()
