"""The console's sent e-mail (owners and admins), against the real notifications service in
process: the org's mails newest first with their status, a status filter, pages, and "Send
again" for a failed or unconfirmed one (CSRF), with readable messages when it cannot be."""
from __future__ import annotations

import re

import pytest

from gateway.console.emails import PER_PAGE
from tests.integration.gateway import notifications_backend as backend
from tests.integration.gateway.conftest import Browser, text


@pytest.fixture
def owner(world, app) -> Browser:
    browser = Browser(app)
    assert browser.sign_in(world.sam, fake=world.fake).headers["Location"] == "/console"
    return browser


def test_the_orgs_mails_show_newest_first_with_their_status(world, owner):
    assert "No e-mail has been sent yet." in text(owner.get("/console/emails"))
    backend.queue_mail(world.org, "first@globex.test", status="sent")
    backend.queue_mail(world.org, "second@globex.test", status="failed")
    other = world.fake.add_org("other.test", "Other Co")
    backend.queue_mail(other, "stranger@other.test")
    answer = owner.get("/console/emails")
    page, html = text(answer), answer.get_data(as_text=True)
    assert page.index("second@globex.test") < page.index("first@globex.test")
    assert "New comment in the portal" in page and "New comment on INV-000123" in page
    assert 'badge-mail-failed">Failed<' in html and "450 try later" in page
    assert 'badge-mail-sent">Sent<' in html and "30 Nov 2026, 10:00 UTC" in page
    assert "stranger@other.test" not in page
    nav = owner.get("/console").get_data(as_text=True)
    assert 'href="/console/emails"' in nav


def test_the_status_filter_and_the_pages(world, owner):
    backend.queue_mail(world.org, "gave-up@globex.test", status="failed")
    for n in range(PER_PAGE):
        backend.queue_mail(world.org, f"p{n}@globex.test", status="sent")
    failed = text(owner.get("/console/emails?status=failed"))
    assert "gave-up@globex.test" in failed and "p0@globex.test" not in failed
    first = owner.get("/console/emails").get_data(as_text=True)
    older = re.search(r'href="(/console/emails\?page=2)"', first).group(1)
    assert "gave-up@globex.test" not in first
    second = text(owner.get(older))
    assert "gave-up@globex.test" in second and "Newer" in second
    assert owner.get("/console/emails?page=junk&status=nonsense").status_code == 200


def test_send_again_queues_a_failed_mail_and_refuses_a_sent_one_readably(world, owner):
    failed = backend.queue_mail(world.org, "gave-up@globex.test", status="unconfirmed")
    sent = backend.queue_mail(world.org, "fine@globex.test", status="sent")
    page = owner.get("/console/emails").get_data(as_text=True)
    assert page.count("Send again<") == 1 and f"/console/emails/{failed['email_id']}/resend" in page
    done = owner.send(f"/console/emails/{failed['email_id']}/resend", {}, follow_redirects=True)
    assert "The e-mail to gave-up@globex.test is queued to be sent again." in text(done)
    assert backend.email_row(failed["email_id"]).status == "pending"
    refused = owner.send(f"/console/emails/{sent['email_id']}/resend", {}, follow_redirects=True)
    assert refused.status_code == 200 and "only an unconfirmed or failed one is resent" in text(refused)
    assert backend.email_row(sent["email_id"]).status == "sent"
    assert owner.send("/console/emails/no-such-mail/resend", {}).status_code == 404


def test_send_again_needs_the_forms_csrf_token(world, owner):
    failed = backend.queue_mail(world.org, "gave-up@globex.test", status="failed")
    assert owner.post(f"/console/emails/{failed['email_id']}/resend", {}, csrf=False).status_code == 400
    assert backend.email_row(failed["email_id"]).status == "failed"


def test_agents_do_not_see_sent_mail(world, app):
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    assert agent.get("/console/emails").status_code == 403
    assert 'href="/console/emails"' not in agent.get("/console").get_data(as_text=True)


def test_a_mail_reads_as_it_went_out_its_html_sandboxed_and_one_time_links_never(world, owner, app):
    comment = backend.queue_mail(world.org, "ann@globex.test", variables={
        "document_number": "INV-000123", "comment": "<script>alert(1)</script> We fixed it",
        "link": "https://portal.test/invoices/1"}, status="sent")
    reset = backend.queue_mail(world.org, "ann@globex.test", kind="password_reset", variables={
        "link": "https://portal.test/reset/SECRET-TOKEN", "expires_in_minutes": 30}, status="sent")
    listing = owner.get("/console/emails").get_data(as_text=True)
    assert f'href="/console/emails/{comment["email_id"]}"' in listing
    page = owner.get(f"/console/emails/{comment['email_id']}")
    html = page.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; We fixed it" in html and "<script>alert(1)" not in html
    frame = re.search(r'<iframe[^>]*>', html).group(0)
    assert 'sandbox=""' in frame and "srcdoc=" in frame
    secret = owner.get(f"/console/emails/{reset['email_id']}")
    assert secret.status_code == 200 and "SECRET-TOKEN" not in secret.get_data(as_text=True)
    assert "one-time link meant for its recipient alone" in text(secret)
    other = world.fake.add_org("other.test", "Other Co")
    stranger = backend.queue_mail(other, "x@other.test")
    assert owner.get(f"/console/emails/{stranger['email_id']}").status_code == 404
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    assert agent.get(f"/console/emails/{comment['email_id']}").status_code == 403
