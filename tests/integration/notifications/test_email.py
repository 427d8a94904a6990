"""E-mail through a real SMTP listener: composed from per-org templates, sent once."""
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import select

from services.chassis.tables import events
from services.notifications.adapters.smtp import SmtpMailer, SmtpSettings
from services.notifications.app import create_app
from services.notifications.bootstrap import SPEC
from services.notifications.handlers.mail_delivery import MailSettings, send_due
from services.notifications.tables import emails
from tests.integration.notifications.test_webhooks import handle, org_created
from tests.helpers.smtp import Inbox
from tests.helpers.tokens import as_system

PROBLEM = "application/problem+json"


@pytest.fixture
def inbox():
    box = Inbox().start()
    yield box
    box.stop()


@pytest.fixture
def env(make_runtime, db_kind, inbox):
    rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1")
    org_id = str(uuid.uuid4())
    handle(rt, org_created(org_id))                    # notifications knows the org "Acme"
    return rt, as_system(create_app(rt.config).test_client()), org_id


def settings(inbox, **changes):
    return MailSettings(smtp=SmtpSettings(port=inbox.port, timeout=5), mail_from="portal@acme.test",
                        retry_base_s=0.0, **changes)


def send_all(rt, inbox, rounds=5, **changes):
    s = settings(inbox, **changes)
    for _ in range(rounds):
        send_due(rt, SmtpMailer(s.smtp), s)


def invite(client, org_id, key="invite-1", to="sam@bolt.test", **variables):
    body = {"kind": "invitation", "to": to, "name": "Sam", "idempotency_key": key,
            "variables": {"inviter": "Dana", "link": "https://portal.acme.test/invite/abc",
                          "expires_at": "in 7 days", **variables}}
    return client.post(f"/orgs/{org_id}/emails", json=body)


def test_a_queued_mail_arrives_once_multipart_and_branded(env, inbox):
    rt, client, org_id = env
    queued = invite(client, org_id)
    assert queued.status_code == 202 and queued.get_json()["status"] == "pending"
    send_all(rt, inbox)
    [mail] = inbox.messages
    assert mail["Subject"] == "You are invited to the Acme customer portal"
    assert mail["From"] == "Acme <portal@acme.test>"
    assert mail["To"] == "Sam <sam@bolt.test>"
    assert queued.get_json()["email_id"] in mail["Message-ID"]
    assert "https://portal.acme.test/invite/abc" in mail.get_body(("plain",)).get_content()
    assert "<p>" in mail.get_body(("html",)).get_content()
    [logged] = client.get(f"/orgs/{org_id}/emails").get_json()
    assert logged["status"] == "sent" and logged["attempts"] == 1
    with rt.engine.connect() as conn:
        assert conn.execute(select(events.c.data).where(events.c.type == "EmailSent")).scalar()[
            "recipient"] == "sam@bolt.test"


def test_a_one_time_link_leaves_the_mail_log_once_sent(env, inbox):
    """Issue 14, case 11: identity keeps only an invitation token's hash; the mail log kept the
    live link in plain text. Once the mail is out, its text is gone from the table; a receipt
    keeps its text (staff read it, and may resend it)."""
    rt, client, org_id = env
    invite(client, org_id, link="https://portal.acme.test/invite/live-token-1234")
    receipt = client.post(f"/orgs/{org_id}/emails", json={
        "kind": "payment_receipt", "to": "sam@bolt.test", "idempotency_key": "receipt-1",
        "variables": {"invoice_numbers": "INV-7", "amount": "€10.00", "receipt_link": "https://p.test/r/7"}})
    assert receipt.status_code == 202
    with rt.engine.connect() as conn:                                 # queued: needed to send it
        assert "live-token-1234" in conn.execute(select(emails.c.text_body).where(
            emails.c.kind == "invitation")).scalar()
    send_all(rt, inbox)
    assert any("live-token-1234" in m.get_body(("plain",)).get_content() for m in inbox.messages)
    with rt.engine.connect() as conn:
        rows = {r.kind: r for r in conn.execute(select(emails)).all()}
    assert rows["invitation"].status == "sent"
    assert "live-token-1234" not in rows["invitation"].text_body + rows["invitation"].html_body
    assert "https://p.test/r/7" in rows["payment_receipt"].text_body


def test_the_same_idempotency_key_queues_one_mail(env, inbox):
    rt, client, org_id = env
    first, again = invite(client, org_id, key="k"), invite(client, org_id, key="k")
    assert first.get_json()["email_id"] == again.get_json()["email_id"]
    send_all(rt, inbox)
    assert len(inbox.messages) == 1


def test_an_org_template_is_checked_at_save_time_and_used(env, inbox):
    rt, client, org_id = env
    url = f"/orgs/{org_id}/email-templates/invitation/en"
    bad = client.put(url, json={"subject": "Hi {{ recipent.name }}", "text": "{{ link }}"})
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    assert "recipent" in bad.get_json()["detail"]
    sneaky = client.put(url, json={"subject": "x", "text": "{{ link.__class__.__mro__ }}"})
    assert sneaky.status_code == 422                     # the sandbox refuses it
    elsewhere = client.put(url, json={"subject": "x", "text": "Go to https://evil.example/?t={{ link }}"})
    assert elsewhere.status_code == 422 and "Leave {{ link }} out" in elsewhere.get_json()["detail"]
    saved = client.put(url, json={"subject": "{{ org.name }}: your access",
                                  "text": "Hi {{ recipient.name }}, welcome aboard.",
                                  "html": "<p>Hi {{ recipient.name }}, welcome aboard.</p>"})
    assert saved.status_code == 200 and saved.get_json()["custom"] is True
    preview = client.post(url + "/preview", json={}).get_json()
    assert preview["subject"] == "Acme: your access" and "Sam Buyer" in preview["text"]
    invite(client, org_id, key="tmpl", to="eve@bolt.test")
    client.post(f"/orgs/{org_id}/emails", json={
        "kind": "invitation", "to": "mal@bolt.test", "name": "<script>x</script>", "idempotency_key": "xss",
        "variables": {"inviter": "D", "link": "https://p/i", "expires_at": "soon"}})
    send_all(rt, inbox)
    [eve] = inbox.to("eve@bolt.test")
    assert eve["Subject"] == "Acme: your access"
    assert eve.get_body(("plain",)).get_content().rstrip().endswith("https://portal.acme.test/invite/abc")
    assert '<a href="https://portal.acme.test/invite/abc">' in eve.get_body(("html",)).get_content()
    [mal] = inbox.to("mal@bolt.test")
    assert "<script>" not in mal.get_body(("html",)).get_content()    # escaped in HTML
    assert "&lt;script&gt;" in mal.get_body(("html",)).get_content()
    reset = client.delete(url)
    assert reset.get_json()["custom"] is False
    assert reset.get_json()["subject"].startswith("You are invited")


@pytest.mark.parametrize("source", [
    "{{ 'x' * 10**9 }}",                                                   # a gigabyte of text
    "{% for a in range(99999) %}{% for b in range(99999) %}x{% endfor %}{% endfor %}",
    "{{ recipient.name.__class__ }}",
    "{{ recipient.name|replace('a', 'a' * 100000) }}",
])
def test_a_template_that_could_hog_the_mail_worker_is_refused_when_saved(env, source):
    """Issue 14, case 10: templates render in notifications' consumer for every business, so
    one business's template must not take it over: nothing repeats or multiplies."""
    _, client, org_id = env
    refused = client.put(f"/orgs/{org_id}/email-templates/payment_receipt/en",
                         json={"subject": "Receipt", "text": source + " {{ receipt_link }}"})
    assert refused.status_code == 422 and "not loops, arithmetic or calls" in refused.get_json()["detail"]


def test_bad_requests_are_clear_problems(env):
    rt, client, org_id = env
    missing = client.post(f"/orgs/{org_id}/emails", json={
        "kind": "invitation", "to": "a@b.test", "idempotency_key": "m", "variables": {"inviter": "D"}})
    assert missing.status_code == 422 and "link" in missing.get_json()["detail"]
    unknown = invite(client, org_id, key="u", colour="red")
    assert unknown.status_code == 422 and "colour" in unknown.get_json()["detail"]
    assert client.post(f"/orgs/{org_id}/emails", json={
        "kind": "spam", "to": "a@b.test", "idempotency_key": "s"}).status_code == 422
    assert invite(client, str(uuid.uuid4())).status_code == 404
    assert client.put(f"/orgs/{org_id}/email-templates/nope/en",
                      json={"subject": "s", "text": "t"}).status_code == 404
    email_id = invite(client, org_id, key="mine").get_json()["email_id"]
    assert client.post(f"/orgs/{uuid.uuid4()}/emails/{email_id}/resend").status_code == 404


def test_an_smtp_outage_delays_mail_and_each_arrives_once(env, inbox):
    rt, client, org_id = env
    port = inbox.port
    inbox.stop()                                         # the SMTP server is away
    for i in range(3):
        invite(client, org_id, key=f"o{i}", to=f"p{i}@bolt.test")
    send_all(rt, inbox, rounds=2)
    assert {m["status"] for m in client.get(f"/orgs/{org_id}/emails").get_json()} == {"pending"}
    inbox.port = port
    inbox.start()                                        # and back
    send_all(rt, inbox, rounds=3)
    assert sorted(m["To"] for m in inbox.messages) == [f"Sam <p{i}@bolt.test>" for i in range(3)]


def test_a_refused_recipient_fails_for_good_and_is_recorded(env, inbox):
    rt, client, org_id = env
    inbox.refuse = {"gone@bolt.test"}
    invite(client, org_id, key="g", to="gone@bolt.test")
    send_all(rt, inbox)
    [logged] = client.get(f"/orgs/{org_id}/emails").get_json()
    assert logged["status"] == "failed" and "550" in logged["last_error"]
    with rt.engine.connect() as conn:
        failed = conn.execute(select(events.c.data).where(events.c.type == "EmailFailed")).scalar()
    assert failed["permanent"] is True and failed["recipient"] == "gone@bolt.test"


def test_a_database_blip_after_sending_records_the_mail_sent_once(env, inbox, monkeypatch):
    """Issue 14 (make chaos): PostgreSQL restarted between the SMTP server's 250 and the row's
    update. The mail went once; recording it waits for the database instead of leaving the
    row `sending` (which the next start would mark `unconfirmed`, never `sent`)."""
    from sqlalchemy.exc import OperationalError

    from services.notifications.handlers import mail_delivery
    rt, client, org_id = env
    real, tries = mail_delivery._sent, []

    def flaky(rt_, row):
        tries.append(row.email_id)
        if len(tries) < 3:
            raise OperationalError("UPDATE emails", {}, ConnectionError("server closed the connection"))
        return real(rt_, row)
    monkeypatch.setattr(mail_delivery, "_sent", flaky)
    invite(client, org_id)
    send_all(rt, inbox, rounds=2)
    [logged] = client.get(f"/orgs/{org_id}/emails").get_json()
    assert len(inbox.messages) == 1 and len(tries) == 3
    assert logged["status"] == "sent" and logged["attempts"] == 1


@pytest.mark.slow
def test_a_worker_killed_between_sending_and_recording_sends_no_duplicate(
        make_runtime, own_broker, tmp_path):
    rt = make_runtime(SPEC, "sqlite", kafka_bootstrap=own_broker.bootstrap)
    org_id = str(uuid.uuid4())
    handle(rt, org_created(org_id))
    client = as_system(create_app(rt.config).test_client())
    workers = []
    inbox = Inbox(on_data=lambda: os.kill(workers[-1].pid, signal.SIGKILL)).start()  # dies before the 250

    def start_worker():
        env = {**os.environ, "DATABASE_URL": rt.config.database_url,
               "KAFKA_BOOTSTRAP": own_broker.bootstrap, "SMTP_PORT": str(inbox.port),
               "LOG_FORMAT": "text", "KAFKA_SESSION_TIMEOUT_MS": "2000"}
        log = open(tmp_path / "worker.log", "ab")
        workers.append(subprocess.Popen([sys.executable, "-m", "services.notifications", "worker"],
                                        env=env, stdout=log, stderr=subprocess.STDOUT))
    try:
        email_id = invite(client, org_id, key="crash").get_json()["email_id"]
        start_worker()
        assert workers[-1].wait(30) == -signal.SIGKILL    # killed in the middle of the SMTP talk
        assert len(inbox.messages) == 1
        inbox.on_data = None
        start_worker()
        deadline = time.monotonic() + 20
        while client.get(f"/orgs/{org_id}/emails").get_json()[0]["status"] != "unconfirmed":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(1.0)
        assert len(inbox.messages) == 1                    # not sent a second time
        resent = client.post(f"/orgs/{org_id}/emails/{email_id}/resend")   # staff decide
        assert resent.status_code == 200
        deadline = time.monotonic() + 20
        while len(inbox.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(inbox.messages) == 2
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
                w.wait(30)
        inbox.stop()
