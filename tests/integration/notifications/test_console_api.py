"""What the staff console needs from notifications: each staff member's read marker on the
activity feed (unread count, mark all read), never another org's feed, the webhook event
catalogue, deleting a webhook, and the delivery log's next retry."""
import uuid

import pytest

from services.notifications.adapters.webhook_http import Outcome, WebhookSender
from services.notifications.app import create_app
from services.notifications.bootstrap import SPEC
from services.notifications.handlers.webhook_delivery import WebhookSettings, deliver_due
from tests.integration.notifications.test_webhooks import customer_created, handle, org_created
from tests.helpers.tokens import bearer, system


class Refusing(WebhookSender):
    """A receiver that always answers 500 (no socket: the sender's outcome itself)."""

    def send(self, url, secret, body, delivery_id, event_id, event_type):
        return Outcome(ok=False, status_code=500, error="The endpoint answered 500.", duration_ms=1)


@pytest.fixture
def env(make_runtime, db_kind):
    rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1")
    org_id, other_org = str(uuid.uuid4()), str(uuid.uuid4())
    handle(rt, org_created(org_id))
    handle(rt, org_created(other_org))
    return rt, create_app(rt.config).test_client(), org_id, other_org


def staff(org_id, staff_id, role="agent"):
    return bearer("staff", org_id, id=staff_id, role=role)


def unread(client, org_id, who):
    response = client.get(f"/orgs/{org_id}/activity/unread", headers=who)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["unread"]


def test_each_staff_member_has_their_own_unread_count(env):
    rt, client, org_id, _ = env
    sam, ada = staff(org_id, "sam"), staff(org_id, "ada")
    start = unread(client, org_id, sam)                      # the org's own creation is in the feed
    for _ in range(3):
        handle(rt, customer_created(org_id))
    assert unread(client, org_id, sam) == start + 3 and unread(client, org_id, ada) == start + 3
    marked = client.post(f"/orgs/{org_id}/activity/read", json={}, headers=sam)
    assert marked.status_code == 200 and marked.get_json()["unread"] == 0
    assert unread(client, org_id, ada) == start + 3          # Ada's marker did not move
    handle(rt, customer_created(org_id))
    assert unread(client, org_id, sam) == 1 and unread(client, org_id, ada) == start + 4


def test_the_read_marker_never_moves_back(env):
    rt, client, org_id, _ = env
    sam = staff(org_id, "sam")
    for _ in range(3):
        handle(rt, customer_created(org_id))
    feed = client.get(f"/orgs/{org_id}/activity", headers=sam).get_json()
    newest, oldest = feed[0]["id"], feed[-1]["id"]
    client.post(f"/orgs/{org_id}/activity/read", json={"up_to": newest}, headers=sam)
    again = client.post(f"/orgs/{org_id}/activity/read", json={"up_to": oldest}, headers=sam)
    assert again.get_json() == {"unread": 0, "last_read_id": newest}


def test_another_orgs_feed_and_marker_are_not_found_and_not_counted(env):
    rt, client, org_id, other_org = env
    sam = staff(org_id, "sam")
    before = unread(client, org_id, sam)
    handle(rt, customer_created(other_org))
    assert unread(client, org_id, sam) == before             # the other org's activity is not counted
    assert client.get(f"/orgs/{other_org}/activity", headers=sam).status_code == 404
    assert client.get(f"/orgs/{other_org}/activity/unread", headers=sam).status_code == 404
    assert client.post(f"/orgs/{other_org}/activity/read", json={}, headers=sam).status_code == 404
    client.post(f"/orgs/{org_id}/activity/read", json={}, headers=sam)
    theirs = staff(other_org, "sam")                         # the same staff id in the other org
    assert unread(client, other_org, theirs) == before + 1   # its marker is its own


def test_a_marker_needs_a_staff_member(env):
    _, client, org_id, _ = env
    assert client.get(f"/orgs/{org_id}/activity/unread", headers=system()).status_code == 403
    contact = bearer("contact", org_id, id="c1", customer_id="x")
    assert client.post(f"/orgs/{org_id}/activity/read", json={}, headers=contact).status_code == 403
    bad = client.post(f"/orgs/{org_id}/activity/read", json={"up_to": "soon"}, headers=staff(org_id, "sam"))
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"


def test_the_event_catalogue_lists_other_services_types(env):
    _, client, org_id, _ = env
    types = [t["type"] for t in client.get(f"/orgs/{org_id}/webhook-event-types",
                                           headers=staff(org_id, "sam")).get_json()]
    assert "InvoiceIssued" in types and "CustomerCreated" in types
    assert "WebhookDelivered" not in types                   # notifications' own are not offered


def test_a_deleted_webhook_gets_nothing_more_and_is_gone(env):
    rt, client, org_id, other_org = env
    owner, agent = staff(org_id, "sam", role="owner"), staff(org_id, "ada")
    hook = client.post(f"/orgs/{org_id}/webhooks", headers=owner, json={
        "url": "https://erp.example.test/hooks", "event_types": ["CustomerCreated"]}).get_json()
    path = f"/orgs/{org_id}/webhooks/{hook['webhook_id']}"
    assert client.get(path, headers=agent).get_json()["url"] == "https://erp.example.test/hooks"
    assert client.delete(path, headers=agent).status_code == 403          # owners and admins only
    assert client.delete(f"/orgs/{other_org}/webhooks/{hook['webhook_id']}",
                         headers=staff(other_org, "x", role="owner")).status_code == 404
    assert client.delete(path, headers=owner).status_code == 204
    assert client.get(path, headers=owner).status_code == 404
    assert client.get(f"/orgs/{org_id}/webhooks", headers=owner).get_json() == []
    assert client.post(path + "/enable", headers=owner).status_code == 404
    assert client.delete(path, headers=owner).status_code == 404
    handle(rt, customer_created(org_id))
    assert deliver_due(rt, Refusing(), WebhookSettings()) == 0


def test_a_pending_delivery_shows_its_next_retry(env):
    rt, client, org_id, _ = env
    owner = staff(org_id, "sam", role="owner")
    hook = client.post(f"/orgs/{org_id}/webhooks", headers=owner, json={
        "url": "https://erp.example.test/hooks", "event_types": ["CustomerCreated"]}).get_json()
    handle(rt, customer_created(org_id))
    deliver_due(rt, Refusing(), WebhookSettings(retry_base_s=60.0))
    [delivery] = client.get(f"/orgs/{org_id}/webhooks/{hook['webhook_id']}/deliveries", headers=owner).get_json()
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert delivery["last_status_code"] == 500 and delivery["next_attempt_at"].endswith("+00:00")


def test_a_template_error_names_the_part_that_has_it(env):
    _, client, org_id, _ = env
    path = f"/orgs/{org_id}/email-templates/invitation/en"
    owner = staff(org_id, "sam", role="owner")
    for part, body in (("subject", {"subject": "{{ nope }}", "text": "Hi"}),
                       ("text", {"subject": "Hi", "text": "{{ link }} {{ linkk }}"}),
                       ("html", {"subject": "Hi", "text": "Hi", "html": "<p>{% if %}</p>"})):
        refused = client.put(path, json=body, headers=owner)
        assert refused.status_code == 422
        assert list(refused.get_json()["errors"]["json"]) == [part], refused.get_json()
    assert client.get(path, headers=owner).get_json()["custom"] is False


def test_one_mail_reads_whole_for_managers_and_a_one_time_link_never(env):
    rt, client, org_id, other_org = env
    owner, agent = staff(org_id, "sam", role="owner"), staff(org_id, "ada")

    def queue(kind, variables):
        answer = client.post(f"/orgs/{org_id}/emails", headers=system(), json={
            "kind": kind, "to": "ann@globex.test", "variables": variables, "idempotency_key": str(uuid.uuid4())})
        assert answer.status_code == 202, answer.get_json()
        return answer.get_json()["email_id"]

    comment = queue("portal_comment", {"document_number": "INV-1", "comment": "Fixed", "link": "https://p.test/i/1"})
    invite = queue("invitation", {"inviter": "Sam", "link": "https://p.test/invite/SECRET", "expires_at": "in 7 days"})
    whole = client.get(f"/orgs/{org_id}/emails/{comment}", headers=owner).get_json()
    assert whole["redacted"] is False and "Fixed" in whole["text"] and whole["html"]
    hidden = client.get(f"/orgs/{org_id}/emails/{invite}", headers=owner).get_json()
    assert hidden["redacted"] is True and hidden["text"] is None and "SECRET" not in str(hidden)
    assert client.get(f"/orgs/{org_id}/emails/{comment}", headers=agent).status_code == 403
    other_owner = staff(other_org, "olga", role="owner")
    assert client.get(f"/orgs/{other_org}/emails/{comment}", headers=other_owner).status_code == 404
