"""Unsubscribe links of non-essential mail, through a real SMTP listener, on SQLite and
PostgreSQL: a comment, ticket reply or activity mail carries the link in both parts and the
RFC 8058 headers, a receipt or a reset none; after unsubscribing, the next mail of that topic
is not sent while other topics and essential mail still are; a forged token or another org's
is refused; the contact's profile turning the topic on again lifts it, as choosing activity
mail again does for staff."""
from __future__ import annotations

import uuid

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from services.notifications.handlers import unsubscribes
from services.notifications.app import create_app
from services.notifications.bootstrap import SPEC
from services.notifications.tables import emails
from tests.integration.notifications.test_customer_mail import contact, deliver, event, issued, payment
from tests.integration.notifications.test_email import send_all
from tests.integration.notifications.test_webhooks import org_created
from tests.helpers.smtp import Inbox
from tests.helpers.tokens import bearer, system

PROBLEM = "application/problem+json"


@pytest.fixture
def inbox():
    box = Inbox().start()
    yield box
    box.stop()


def _org(rt, host: str) -> str:
    org_id = str(uuid.uuid4())
    created = org_created(org_id)
    created.data["host"] = host
    deliver(rt, "identity", created)
    return org_id


@pytest.fixture
def env(make_runtime, db_kind, monkeypatch):
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://{host}")
    rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1")
    return rt, _org(rt, "portal.acme.test"), create_app(rt.config).test_client()   # no token: public routes


def comment(rt, org_id, body="We applied your discount."):
    deliver(rt, "billing", event(org_id, "CommentPosted", "Invoice", {
        "invoice_id": "inv-1", "customer_id": "cust-1", "invoice_number": "INV-000123", "portal_path": "/invoices/inv-1",
        "comment_id": str(uuid.uuid4()), "author_kind": "staff", "author_id": "s-1", "author_name": None,
        "body": body, "visible_to_customer": True}, actor={"kind": "staff", "id": "s-1"}))


def ticket_reply(rt, org_id, body="It ships today."):
    ticket = str(uuid.uuid4())
    deliver(rt, "support", event(org_id, "TicketRaised", "Ticket", {"ticket_id": ticket, "contact_id": "c-1"}))
    deliver(rt, "support", event(org_id, "TicketMessagePosted", "Ticket", {
        "ticket_id": ticket, "author_kind": "staff", "number": "T-42", "subject": "Late", "body": body,
        "message_id": str(uuid.uuid4())}, actor={"kind": "staff", "id": "s-1"}))


def profile(rt, org_id, notify: dict) -> None:
    """The contact saved their profile (identity's ProfileUpdated) with these mail choices."""
    deliver(rt, "identity", event(org_id, "ProfileUpdated", "Contact", {
        "contact_id": "c-1", "customer_id": "cust-1", "changed": ["notify"], "name": "Sam Buyer",
        "email": "sam@bolt.test", "phone": None, "language": "en", "address": {}, "notify": notify}))


def token_of(mail) -> str:
    address = mail["List-Unsubscribe"].strip("<>")
    return address.rsplit("/unsubscribe/", 1)[1].removesuffix("/one-click")


def test_non_essential_mail_carries_the_link_and_one_click_headers_essential_mail_none(env, inbox):
    rt, org_id, client = env
    issued(rt, org_id)                        # before the contact: no invoice mail here
    contact(rt, org_id)
    comment(rt, org_id)
    payment(rt, org_id, "PaymentSettled")                                   # a receipt: essential
    reset = client.post(f"/orgs/{org_id}/emails", headers=system(), json={
        "kind": "password_reset", "to": "sam@bolt.test", "idempotency_key": "reset-1",
        "variables": {"link": "https://portal.acme.test/reset/x", "expires_in_minutes": 30}})
    assert reset.status_code == 202
    send_all(rt, inbox)
    by_subject = {m["Subject"]: m for m in inbox.messages}
    note = by_subject["New comment on INV-000123"]
    token = token_of(note)
    page = f"https://portal.acme.test/unsubscribe/{token}"
    assert note["List-Unsubscribe"] == f"<{page}/one-click>"
    assert dict(note.raw_items())["List-Unsubscribe"] == f"<{page}/one-click>"    # on the wire as is, not encoded
    assert note["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert page in note.get_body(("plain",)).get_content()
    assert f'href="{page}"' in note.get_body(("html",)).get_content()
    for subject in ("Receipt for your payment to Acme", "Reset your Acme portal password"):
        mail = by_subject[subject]
        assert mail["List-Unsubscribe"] is None and mail["List-Unsubscribe-Post"] is None
        assert "/unsubscribe/" not in mail.get_body(("plain",)).get_content()
        assert "Unsubscribe" not in mail.get_body(("html",)).get_content()


def test_after_unsubscribing_that_topic_stops_and_the_others_still_arrive(env, inbox):
    rt, org_id, client = env
    issued(rt, org_id)                        # before the contact: no invoice mail here
    contact(rt, org_id)
    comment(rt, org_id)
    send_all(rt, inbox)
    token = token_of(inbox.messages[0])
    path = f"/orgs/{org_id}/unsubscribes/{token}"
    seen = client.get(path)
    assert seen.status_code == 200
    assert seen.get_json() == {"org_name": "Acme", "topic": "invoices", "topic_label": "new invoices, payment reminders and comments on invoices",
                               "recipient_kind": "contact", "unsubscribed": False}
    assert client.get(path).get_json()["unsubscribed"] is False             # reading changes nothing
    assert client.post(path).get_json()["unsubscribed"] is True
    assert client.post(path).get_json()["unsubscribed"] is True             # again: no change, no error

    inbox.messages.clear()
    comment(rt, org_id, "A second comment")
    ticket_reply(rt, org_id)
    payment(rt, org_id, "PaymentSettled")
    send_all(rt, inbox)
    assert sorted(m["Subject"] for m in inbox.messages) == ["Receipt for your payment to Acme", "[T-42] Late"]
    with rt.engine.connect() as conn:
        assert conn.execute(select(emails.c.kind).where(emails.c.status == "unsubscribed")).scalars().all() == [
            "portal_comment"]
    logged = client.get(f"/orgs/{org_id}/emails?status=unsubscribed", headers=bearer("staff", org_id)).get_json()
    assert [m["subject"] for m in logged] == ["New comment on INV-000123"]


def test_a_forged_token_or_another_orgs_is_refused(env, inbox):
    rt, org_id, client = env
    other = _org(rt, "portal.other.test")
    contact(rt, org_id)
    contact(rt, other, contact_id="c-9", email="kim@other.test")
    issued(rt, org_id)
    comment(rt, org_id)
    send_all(rt, inbox)
    token = token_of(inbox.messages[0])
    with rt.engine.begin() as conn:
        mine = conn.execute(unsubscribes.unsubscribe_keys.select().where(
            unsubscribes.unsubscribe_keys.c.org_id == org_id)).first().secret
        unsubscribes.token_for(conn, other, "contact:c-9", "invoices")          # the other org has a key too
    # signed with this org's key but naming the other org's contact, sent to the other org
    crossed = URLSafeSerializer(mine, salt="unsubscribe").dumps([other, "contact:c-9", "invoices"])
    guessed = URLSafeSerializer("guess", salt="unsubscribe").dumps([org_id, "contact:c-1", "invoices"])
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for org, bad in ((org_id, tampered), (org_id, guessed), (org_id, "nope"), (other, token), (other, crossed),
                     (str(uuid.uuid4()), token)):
        for method in ("GET", "POST"):
            answer = client.open(f"/orgs/{org}/unsubscribes/{bad}", method=method)
            assert answer.status_code == 404 and answer.mimetype == PROBLEM, (org, bad, method)
            assert answer.get_json()["detail"] == "This unsubscribe link is not valid."
    with rt.engine.connect() as conn:
        assert conn.execute(unsubscribes.unsubscribes.select()).all() == []


def test_the_profile_turning_the_topic_on_again_lifts_the_unsubscribe(env, inbox):
    rt, org_id, client = env
    issued(rt, org_id)                        # before the contact: no invoice mail here
    contact(rt, org_id)
    comment(rt, org_id)
    send_all(rt, inbox)
    path = f"/orgs/{org_id}/unsubscribes/{token_of(inbox.messages[0])}"
    client.post(path)
    profile(rt, org_id, {"invoices": True})                       # ticked in the profile (it was unset)
    assert client.get(path).get_json()["unsubscribed"] is False
    client.post(path)                                             # unsubscribed again by the link
    profile(rt, org_id, {"invoices": True, "tickets": False})     # saved with invoices left as it was
    assert client.get(path).get_json()["unsubscribed"] is True
    inbox.messages.clear()
    comment(rt, org_id, "Still quiet?")
    send_all(rt, inbox)
    assert inbox.messages == []


def test_a_staff_member_unsubscribing_from_activity_mail_turns_it_off(env, inbox):
    rt, org_id, client = env
    staff = bearer("staff", org_id, id="s-7", role="agent")
    deliver(rt, "identity", event(org_id, "StaffMemberAdded", "StaffMember", {
        "staff_id": "s-7", "email": "ada@acme.test", "name": "Ada", "role": "agent"}))
    prefs = f"/orgs/{org_id}/activity/preferences"
    assert client.put(prefs, headers=staff, json={"tickets": "immediate"}).status_code == 200
    ticket_reply(rt, org_id)                                       # TicketRaised: activity "tickets"
    send_all(rt, inbox)
    [mail] = [m for m in inbox.messages if "ada@acme.test" in m["To"]]
    path = f"/orgs/{org_id}/unsubscribes/{token_of(mail)}"
    assert client.get(path).get_json()["topic"] == "activity"
    assert client.post(path).get_json() == {"org_name": "Acme", "topic": "activity", "topic_label": "portal activity",
                                            "recipient_kind": "staff", "unsubscribed": True}
    assert client.get(prefs, headers=staff).get_json()["tickets"] == "off"
    assert client.put(prefs, headers=staff, json={"tickets": "daily"}).status_code == 200
    assert client.get(path).get_json()["unsubscribed"] is False
