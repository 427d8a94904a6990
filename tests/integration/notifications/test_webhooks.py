"""Outbound webhooks: signed, retried, logged, deduplicated, switched off when failing."""
import time
import uuid

import pytest
from sqlalchemy import select

from services.chassis import orgs
from services.chassis.events import Event
from services.chassis.tables import events
from services.notifications import bootstrap
from services.notifications.adapters.webhook_http import WebhookSender, sign, verify
from services.notifications.app import create_app
from services.notifications.bootstrap import SPEC
from services.notifications.handlers.webhook_delivery import Dispatcher, WebhookSettings, deliver_due
from services.notifications.projections.webhooks import webhooks
from services.notifications.tables import webhook_deliveries, webhook_targets
from tests.helpers.receiver import Receiver
from tests.helpers.tokens import as_system

PROBLEM = "application/problem+json"
FAST = WebhookSettings(allow_http=True, retry_base_s=0.0, max_attempts=10, disable_after=15)


def org_created(org_id: str) -> Event:
    return Event(type="OrganizationCreated", org_id=org_id, aggregate_type="Organization",
                 aggregate_id=org_id, aggregate_version=1,
                 data={"org_id": org_id, "name": "Acme", "slug": "acme", "host": None,
                       "settings": {}})


def customer_created(org_id: str, event_id: str | None = None) -> Event:
    cid = str(uuid.uuid4())
    return Event(type="CustomerCreated", org_id=org_id, aggregate_type="Customer",
                 aggregate_id=cid, aggregate_version=1, event_id=event_id or str(uuid.uuid4()),
                 data={"customer_id": cid, "name": "Bolt Ltd", "email": "a@bolt.test",
                       "external_ref": None})


def handle(rt, event: Event) -> None:
    """What the consumer runner does with one incoming event."""
    with rt.store.unit_of_work() as uow:
        if uow.mark_handled(event.event_id, "portal.identity.v1", event.type):
            (bootstrap.subscriptions()["portal.identity.v1"][event.type])(event, uow)
        uow.commit()


@pytest.fixture
def env(make_runtime, db_kind, monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOW_HTTP", "true")
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")          # the receiver runs on loopback
    rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1")
    org_id = str(uuid.uuid4())
    handle(rt, org_created(org_id))
    client = as_system(create_app(rt.config).test_client())
    receiver = Receiver()
    yield rt, client, org_id, receiver
    receiver.close()


def register(client, org_id, url, types=("CustomerCreated",)):
    response = client.post(f"/orgs/{org_id}/webhooks", json={"url": url, "event_types": list(types)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def deliver_until_quiet(rt, settings=FAST, rounds=20):
    sender = WebhookSender(timeout=5, allow_private=True)
    for _ in range(rounds):
        if deliver_due(rt, sender, settings) == 0:
            return


def test_a_delivery_is_signed_carries_the_event_and_is_logged(env):
    rt, client, org_id, receiver = env
    hook = register(client, org_id, receiver.url)
    receiver.secret = hook["secret"]
    assert hook["secret"].startswith("whsec_")
    assert "secret" not in client.get(f"/orgs/{org_id}/webhooks").get_json()[0]
    event = customer_created(org_id)
    handle(rt, event)
    deliver_until_quiet(rt)
    [request] = receiver.requests
    assert request["signed"] is True
    assert request["json"]["event_id"] == event.event_id
    assert request["json"]["data"]["name"] == "Bolt Ltd"
    assert request["headers"]["Portal-Event-Type"] == "CustomerCreated"
    [logged] = client.get(f"/orgs/{org_id}/webhooks/{hook['webhook_id']}/deliveries").get_json()
    assert (logged["status"], logged["attempts"], logged["last_status_code"]) == ("delivered", 1, 200)
    with rt.engine.connect() as conn:
        assert conn.execute(select(events.c.type).where(events.c.type == "WebhookDelivered")).scalar()


def test_a_receiver_failing_three_times_gets_the_event_once_by_delivery_id(env):
    rt, client, org_id, receiver = env
    receiver.answers = [500, 500, 500]
    receiver.secret = register(client, org_id, receiver.url)["secret"]
    handle(rt, customer_created(org_id))
    deliver_until_quiet(rt)
    assert len(receiver.requests) == 4
    assert len(set(receiver.delivery_ids())) == 1          # the receiver's dedupe key
    assert all(r["signed"] for r in receiver.requests)
    assert [r for r in receiver.requests if r is receiver.requests[-1]][0]["json"]["type"] == "CustomerCreated"


def test_a_redelivered_event_other_orgs_and_other_types_make_no_delivery(env):
    rt, client, org_id, receiver = env
    register(client, org_id, receiver.url, types=["CustomerCreated"])
    event = customer_created(org_id)
    handle(rt, event)
    handle(rt, event)                                       # the broker delivered it again
    other_org = str(uuid.uuid4())
    handle(rt, org_created(other_org))
    handle(rt, customer_created(other_org))                 # another org's customer
    deliver_until_quiet(rt)
    assert [r["json"]["event_id"] for r in receiver.requests] == [event.event_id]


def test_a_failing_webhook_is_switched_off_with_a_notice_and_resumes_when_enabled(env):
    rt, client, org_id, receiver = env
    receiver.answers = [503] * 3
    hook = register(client, org_id, receiver.url)
    handle(rt, customer_created(org_id))
    deliver_until_quiet(rt, WebhookSettings(allow_http=True, retry_base_s=0.0, disable_after=3))
    assert len(receiver.requests) == 3                      # no attempt once switched off
    [listed] = client.get(f"/orgs/{org_id}/webhooks").get_json()
    assert listed["active"] is False and "3 deliveries in a row failed" in listed["disabled_reason"]
    feed = client.get(f"/orgs/{org_id}/activity").get_json()
    assert feed[0]["type"] == "WebhookDisabled"             # the staff's notice
    handle(rt, customer_created(org_id))                    # nothing queued while off
    response = client.post(f"/orgs/{org_id}/webhooks/{hook['webhook_id']}/enable")
    assert response.get_json()["active"] is True
    deliver_until_quiet(rt)
    assert len(receiver.requests) == 4                      # the pending one went out, once


def test_after_the_last_attempt_a_delivery_is_given_up_and_recorded(env):
    rt, client, org_id, receiver = env
    receiver.answers = [500] * 10
    hook = register(client, org_id, receiver.url)
    handle(rt, customer_created(org_id))
    deliver_until_quiet(rt, WebhookSettings(allow_http=True, retry_base_s=0.0, max_attempts=2))
    assert len(receiver.requests) == 2
    [logged] = client.get(f"/orgs/{org_id}/webhooks/{hook['webhook_id']}/deliveries").get_json()
    assert logged["status"] == "failed" and logged["last_error"] == "The endpoint answered 500."
    with rt.engine.connect() as conn:
        assert conn.execute(select(events.c.data).where(events.c.type == "WebhookFailed")).scalar()["attempts"] == 2


def test_retries_back_off(env):
    rt, client, org_id, receiver = env
    receiver.answers = [500]
    register(client, org_id, receiver.url)
    handle(rt, customer_created(org_id))
    deliver_until_quiet(rt, WebhookSettings(allow_http=True, retry_base_s=30.0))
    assert len(receiver.requests) == 1                      # the retry waits its turn


def test_bad_requests_are_problems(env, monkeypatch):
    rt, client, org_id, receiver = env
    hook = register(client, org_id, receiver.url)
    monkeypatch.setenv("WEBHOOK_ALLOW_HTTP", "false")
    for body, field in [({"url": "http://erp.example/hook", "event_types": ["CustomerCreated"]}, "url"),
                        ({"url": "https://erp.example/hook", "event_types": ["NoSuchEvent"]}, "event_types"),
                        ({"url": "https://erp.example/hook"}, "event_types")]:
        response = client.post(f"/orgs/{org_id}/webhooks", json=body)
        assert response.status_code == 422 and response.mimetype == PROBLEM
        assert field in response.get_data(as_text=True)
    assert client.post(f"/orgs/{uuid.uuid4()}/webhooks",
                       json={"url": "https://erp.example/h", "event_types": ["*"]}).status_code == 404
    other = str(uuid.uuid4())
    for path in (f"/orgs/{other}/webhooks/{hook['webhook_id']}/deliveries",):
        assert client.get(path).status_code == 404          # another org's webhook: not found
    assert client.post(f"/orgs/{other}/webhooks/{hook['webhook_id']}/disable").status_code == 404


def test_signatures_refuse_a_tampered_body_and_a_stale_timestamp():
    body = b'{"type":"PaymentSettled"}'
    header = sign("whsec_x", body)
    assert verify("whsec_x", header, body)
    assert not verify("whsec_x", header, body.replace(b"Payment", b"Pay"))
    assert not verify("whsec_other", header, body)
    assert not verify("whsec_x", sign("whsec_x", body, int(time.time()) - 600), body)


# --- no tenant can reach the internal network nor stall the others (issue 14, case 9) ------

def deliveries(rt) -> dict:
    with rt.engine.connect() as conn:
        return {r.webhook_id: r for r in conn.execute(select(webhook_deliveries)).all()}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_webhook_to_the_portals_own_network_is_refused_when_it_connects(env, host):
    """The address is checked on what the name resolves to, when connecting (a DNS answer
    that changes after registration gains nothing), and the log says why in plain words."""
    rt, client, org_id, receiver = env
    hook = register(client, org_id, receiver.url.replace("127.0.0.1", host))
    handle(rt, customer_created(org_id))
    deliver_due(rt, WebhookSender(timeout=5), FAST)                      # production: no allow_private
    assert receiver.requests == []
    logged = deliveries(rt)[hook["webhook_id"]]
    assert (logged.status, logged.last_error) == ("pending", f"Refused: {host} does not lead to a public address.")


def test_a_failed_attempt_records_a_plain_sentence_not_the_network_it_probed(env):
    rt, client, org_id, _ = env
    hook = register(client, org_id, "http://127.0.0.1:9/hooks")           # nothing listens there
    handle(rt, customer_created(org_id))
    deliver_due(rt, WebhookSender(timeout=5, allow_private=True), FAST)
    [shown] = client.get(f"/orgs/{org_id}/webhooks/{hook['webhook_id']}/deliveries").get_json()
    assert shown["last_error"] == "127.0.0.1 refused the connection."


@pytest.mark.parametrize("allow_private", [False, True])
def test_a_host_that_does_not_exist_reads_as_such(env, allow_private):
    """requests-hardened resolves the name itself (production), urllib3 does when private
    addresses are allowed: either way the log names the host, not the library's text."""
    rt, client, org_id, _ = env
    hook = register(client, org_id, "https://hooks.example.invalid/portal")
    handle(rt, customer_created(org_id))
    deliver_due(rt, WebhookSender(timeout=5, allow_private=allow_private), FAST)
    [shown] = client.get(f"/orgs/{org_id}/webhooks/{hook['webhook_id']}/deliveries").get_json()
    assert shown["last_error"] == "Could not find the host hooks.example.invalid."


def test_library_text_recorded_before_is_never_answered(env):
    """Attempts recorded before the sentences may hold an HTTP library's text: the API
    answers a plain sentence instead, for the delivery and for the webhook's reason."""
    rt, client, org_id, receiver = env
    hook = register(client, org_id, receiver.url)
    handle(rt, customer_created(org_id))
    raw = ("HTTPSConnectionPool(host='hooks.example.com', port=443): Max retries exceeded with url: /x "
           "(Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to resolve\"))")
    with rt.engine.begin() as conn:
        conn.execute(webhook_deliveries.update().values(last_error=raw))
        conn.execute(webhooks.update().values(active=False, disabled_reason=f"15 deliveries in a row failed (last: {raw})."))
    [shown] = client.get(f"/orgs/{org_id}/webhooks/{hook['webhook_id']}/deliveries").get_json()
    assert shown["last_error"] == "The delivery failed; the details were not kept."
    [listed] = client.get(f"/orgs/{org_id}/webhooks").get_json()
    assert listed["disabled_reason"] == "Deliveries failed many times in a row."
    assert "Pool" not in client.get(f"/orgs/{org_id}/webhooks/{hook['webhook_id']}").get_data(as_text=True)


def test_a_slow_endpoint_does_not_hold_back_another_orgs_deliveries(env):
    rt, client, slow_org, slow = env
    slow.delay_s = 5.0
    slow_hook = register(client, slow_org, slow.url)
    fast_org, fast = str(uuid.uuid4()), Receiver()
    try:
        handle(rt, org_created(fast_org))
        fast_hook = register(client, fast_org, fast.url)
        handle(rt, customer_created(slow_org))
        handle(rt, customer_created(fast_org))
        dispatcher = Dispatcher(rt, WebhookSender(timeout=10, allow_private=True), FAST)
        try:
            assert dispatcher.round(wait=False) == 2                     # both go out at once
            for _ in range(80):
                if deliveries(rt)[fast_hook["webhook_id"]].status == "delivered":
                    break
                time.sleep(0.05)
            shown = deliveries(rt)
            assert shown[fast_hook["webhook_id"]].status == "delivered"
            assert shown[slow_hook["webhook_id"]].status == "pending"   # still waiting for its answer
            assert dispatcher.round(wait=False) == 0                     # and nothing more for it meanwhile
        finally:
            dispatcher.close()
        assert deliveries(rt)[slow_hook["webhook_id"]].status == "delivered"
    finally:
        fast.close()


def test_a_webhooks_signing_secret_is_sealed_at_rest_and_still_signs(env):
    """Issue 14, case 15: a copy of notifications' database does not hand out the secrets
    that let anyone forge the portal's deliveries (NOTIFICATIONS_SECRETS_KEY)."""
    rt, client, org_id, receiver = env
    hook = register(client, org_id, receiver.url)
    receiver.secret = hook["secret"]
    with rt.engine.connect() as conn:
        at_rest = conn.execute(select(webhook_targets.c.secret)).scalar()
    assert at_rest.startswith("enc:") and hook["secret"] not in at_rest
    handle(rt, customer_created(org_id))
    deliver_until_quiet(rt)
    assert [r["signed"] for r in receiver.requests] == [True]
