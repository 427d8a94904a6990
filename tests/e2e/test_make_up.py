"""`make up`'s stack, used the way a newcomer would: start it, open the portal in a
real browser, stop it with Ctrl-C, start it again on the same data."""
from __future__ import annotations

import time

import pytest

from tests.e2e.shots import shoot
from tests.e2e.stack import Stack, eventually, get, port_open, post


@pytest.mark.slow
def test_make_up_serves_the_portal_stops_on_ctrl_c_and_restarts_on_its_data(tmp_path, browser):
    stack = Stack(tmp_path / "var")
    stack.start()
    try:
        page = browser.new_page()
        page.goto(f"http://localhost:{stack.gateway}/")
        assert page.locator("h1").inner_text() == "Demo Trading Co"
        # the demo org pays with the simulated gateway, so it is in test mode and every page says so
        assert page.locator("#test-mode").inner_text().startswith(
            "Test mode: payments here are simulated and no money moves.")
        # an org's own Stripe or PayPal keys can be saved: make up keeps billing's key with its data
        assert (stack.data_dir / "billing_secrets_key").stat().st_mode & 0o777 == 0o600
        _, org = get(stack.url("identity") + "/orgs/by-host/localhost")
        org_id = org["org_id"]
        # identity's events reached billing and notifications through the broker
        op = stack.operator()
        assert eventually(lambda: get(stack.url("billing") + f"/orgs/{org_id}", op)[0] == 200)
        feed = lambda: get(stack.url("notifications") + f"/orgs/{org_id}/activity", op)[1] or []
        assert eventually(lambda: {"OrganizationCreated", "CustomerCreated"} <= {a["type"] for a in feed()})
        caught = lambda: get(f"http://127.0.0.1:{stack.mail_web}/api/messages")[1] or []
        subjects = lambda: [m["subject"] for m in caught()]
        # the demo contact was invited by mail (identity -> notifications -> SMTP) and accepted it;
        # the demo orders' shipments may have mailed them too (orders -> notifications -> SMTP)
        assert subjects().count("You are invited to the Demo Trading Co customer portal") == 1
        # services answer only calls with an internal token signed by identity
        assert get(stack.url("identity") + f"/orgs/{org_id}/customers")[0] == 401
        _, [customer] = get(stack.url("identity") + f"/orgs/{org_id}/customers", op)
        _, [contact] = get(stack.url("identity") + f"/orgs/{org_id}/customers/{customer['customer_id']}/contacts", op)
        assert contact["status"] == "active"
        # the demo contact signs in and finds the demo invoices, one overdue, and downloads a PDF
        buyer = browser.new_context(accept_downloads=True).new_page()
        buyer.goto(f"http://localhost:{stack.gateway}/signin")
        buyer.get_by_label("E-mail").fill("buyer@acme.example")
        buyer.get_by_label("Password").fill("demo buyer passphrase")
        buyer.get_by_role("button", name="Sign in").click()
        buyer.get_by_role("link", name="Invoices").first.click()
        rows = buyer.locator("table tbody tr")
        assert rows.count() == 3 and "Overdue" in rows.all_inner_texts()[-1]
        rows.first.get_by_role("link").click()
        number = buyer.locator("h1").inner_text().split()[1]
        with buyer.expect_download() as download:
            buyer.get_by_role("link", name="Download PDF").click()
        pdf = download.value.path().read_bytes()
        assert pdf.startswith(b"%PDF-") and download.value.suggested_filename == f"{number}.pdf"
        # a mail queued with notifications lands in the local catcher, readable in a browser
        queued = post(stack.url("notifications") + f"/orgs/{org_id}/emails", {
            "kind": "document_shared", "to": "buyer@acme.example", "idempotency_key": "e2e-1",
            "variables": {"document_name": "Price list",
                          "link": f"http://localhost:{stack.gateway}/documents"}}, op)
        assert queued[0] == 202
        assert eventually(lambda: "Demo Trading Co shared Price list with you" in subjects())
        page.goto(f"http://localhost:{stack.mail_web}/")
        assert "Demo Trading Co shared Price list with you" in page.content()
        # the mail as a mail client shows it: the business's look, one button that is a link
        page.get_by_role("link", name="Demo Trading Co shared Price list with you").click()
        mail = browser.new_page()
        mail.set_content(page.locator("iframe").get_attribute("srcdoc"))
        button = mail.get_by_role("link", name="View the document")
        assert button.get_attribute("href") == f"http://localhost:{stack.gateway}/documents"
        assert "Demo Trading Co" in mail.locator("td.header").inner_text()
        assert mail.locator("td.test-mode").inner_text() == "Test mode: payments here are simulated and no money moves."
        shoot(mail, "mail-document-shared", phone=True)
        button.click()                                  # followed: the portal asks to sign in first
        mail.wait_for_url("**/signin**")
        assert mail.locator("h1").inner_text() == "Demo Trading Co"
        time.sleep(2)
        seen = sorted(a["event_id"] for a in feed())
        mailed = sorted(subjects())
    finally:
        code = stack.stop()
    assert code == 0
    assert not port_open(stack.gateway) and not port_open(stack.broker)

    stack.start()                                   # a second `make up` reuses var/
    try:
        op = stack.operator()
        _, customers = get(stack.url("identity") + f"/orgs/{org_id}/customers", op)
        assert len(customers) == 1                  # the demo data was not seeded twice
        page = browser.new_page()
        page.goto(f"http://localhost:{stack.gateway}/")
        assert page.locator("h1").inner_text() == "Demo Trading Co"
        # the new broker started empty: the relays republished, consumers deduped
        assert eventually(lambda: get(stack.url("billing") + f"/orgs/{org_id}", op)[0] == 200)
        time.sleep(3)
        assert sorted(a["event_id"] for a in feed()) == seen     # nothing doubled
        assert sorted(subjects()) == mailed         # no mail was sent again
    finally:
        assert stack.stop() == 0
