"""The newcomer's walk (issue 19), in a real browser on `make up`'s stack, in the seed's order:
the operator adds a business with the command line, its new owner is invited by mail, signs
in, enrols two-step sign-in and follows the console's set-up checklist to the end (open the
portal, modules, brand, mail templates, 50 contacts invited from a CSV with two bad rows
reported, Stripe connected, security, test mode off); one invited contact accepts in German,
enrols two-step sign-in and pays an invoice by card (the Stripe stand-in, signed webhooks).

Each step's screenshot goes to docs/setup/ (docs/setup/README.md walks through them). The
German words are read from the catalogue, so the walk fails if a page it passes is English."""
from __future__ import annotations

import csv
import io
import re
from functools import cache

import pytest
from babel.messages.pofile import read_po

from tests.e2e.operator import org_create
from tests.e2e.shots import SETUP, shoot
from tests.e2e.stack import ROOT, Stack, eventually, get, post
from tests.e2e.test_front_door import fresh_code
from tests.helpers import stripe_standin

HOST = "127.0.0.1"       # the new business's host name (the demo org has "localhost")
OWNER = ("ana@newco.example", "Ana Owner", "ana's long portal passphrase")
CONTACT = ("dora@kunde.example", "Dora Kunde", "doras langes Portal-Kennwort")


@cache
def german(msgid: str) -> str:
    """The German page's words for an English message (the catalogue's translation)."""
    with (ROOT / "gateway/translations/de/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale="de")
    message = catalogue.get(msgid)
    assert message is not None and message.string, f"no German for {msgid!r}"
    return message.string


def mail_to(stack: Stack, address: str) -> dict:
    def arrived():
        caught = get(f"http://127.0.0.1:{stack.mail_web}/api/messages")[1] or []
        return [m for m in caught if address in m["to"]]
    [mail] = eventually(arrived, timeout=30)
    return mail


def enrol(page, shot: str | None, words=lambda english: english) -> None:
    """Two-step sign-in turned on with a code of the secret the page shows as text (a code a
    slow machine typed just as its 30 s step ended is refused: then the next step's code)."""
    secret, used = page.locator("#totp-secret").inner_text().strip(), []
    for _ in range(3):
        page.get_by_label(words("Code from your authenticator app")).fill(fresh_code(secret, used))
        if shot:
            shoot(page, shot, folder=SETUP)
        page.get_by_role("button", name=words("Turn on two-step verification")).click()
        page.wait_for_load_state()
        if page.get_by_role("link", name=words("I have saved my codes, continue")).count():
            break
    page.get_by_role("link", name=words("I have saved my codes, continue")).click()


def contacts_file() -> bytes:
    """50 people of 5 new customers, one of them German, and two rows that cannot be imported."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["customer", "email", "name", "permissions", "language"])
    writer.writerow(["Kunde GmbH", CONTACT[0], CONTACT[1], "view pay", "de"])
    for n in range(1, 50):
        writer.writerow([f"Customer {n % 5 + 1} Ltd", f"person{n}@customer{n % 5 + 1}.example", f"Person {n}",
                         "view", "en"])
    writer.writerow(["Customer 1 Ltd", "not an address", "Bad Address", "view", "en"])
    writer.writerow(["Customer 2 Ltd", "nameless@customer2.example", "", "view", "en"])
    return out.getvalue().encode()


@pytest.mark.slow
def test_a_new_business_sets_up_in_the_console_and_a_german_contact_pays(tmp_path, browser):
    standin = stripe_standin.StripeStandIn().start()
    stack = Stack(tmp_path / "var", STRIPE_API_BASE=standin.url)
    stack.start()
    base = f"http://{HOST}:{stack.gateway}"
    standin.webhook_url = base + "/webhooks/stripe"
    try:
        created = org_create(stack, name="Newco Supplies", slug="newco", host=HOST, owner_email=OWNER[0],
                             owner_name=OWNER[1])
        invitation = mail_to(stack, OWNER[0])
        assert "Newco Supplies" in invitation["subject"]
        owner = browser.new_context(accept_downloads=True).new_page()
        owner.goto(f"http://127.0.0.1:{stack.mail_web}/messages/{invitation['id']}")
        shoot(owner, "01-owner-invitation-mail", folder=SETUP)
        owner.goto(re.search(r"http://\S+/invite/\S+", invitation["text"]).group(0))
        owner.get_by_label("New password", exact=True).fill(OWNER[2])
        owner.get_by_label("Repeat the new password").fill(OWNER[2])
        shoot(owner, "02-owner-sets-a-password", folder=SETUP)
        owner.get_by_role("button", name="Set password and continue").click()
        owner.wait_for_url("**/mfa/enrol")
        enrol(owner, "03-owner-enrols-two-step-sign-in")
        owner.goto(base + "/console")
        assert owner.locator("#setup").count() == 1
        assert "7 of 8 steps left." in owner.locator("#setup").inner_text()     # a new portal is open
        shoot(owner, "04-the-checklist", folder=SETUP)

        # 2-3: choose modules and permissions, brand it, security (one settings page)
        owner.locator("#setup li", has_text="Add your logo and colours").get_by_role("link").first.click()
        owner.get_by_label("Customers must use two-step verification").check()
        owner.get_by_label("Brand colour").fill("#0b6e4f")
        button = owner.locator("[data-brand-preview] .preview-mail .preview-button")     # the preview follows
        assert button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 110, 79)"
        owner.locator("[data-brand-preview]").scroll_into_view_if_needed()
        shoot(owner, "05-portal-settings", folder=SETUP)
        owner.get_by_role("button", name="Save settings").click()
        owner.goto(base + "/console")
        for title in ("Choose modules and permissions", "Review the e-mail templates", "Decide on security"):
            owner.locator("#setup li", has_text=title).get_by_role("button", name="Mark as done").click()
        assert "3 of 8 steps left." in owner.locator("#setup").inner_text()

        # 5: invite customers, 50 from a CSV, two rows refused with a reason each
        owner.goto(base + "/console/invitations/import")
        owner.get_by_label("CSV file").set_input_files(
            {"name": "contacts.csv", "mimeType": "text/csv", "buffer": contacts_file()})
        owner.get_by_label("Create the customers that do not exist yet").check()
        owner.get_by_role("button", name="Preview").click()
        summary = owner.locator("#preview-summary").inner_text()
        assert summary.startswith("50 to invite, 0 skipped") and "2 with errors" in summary
        refused = owner.locator(".alert-error li").all_inner_texts()
        assert len(refused) == 2 and any("Row 52" in r for r in refused), refused
        shoot(owner, "06-contacts-from-a-csv", folder=SETUP)
        owner.get_by_role("button", name="Send 50 invitations").click()
        assert "50" in owner.locator("main").inner_text()
        shoot(owner, "07-invitations-sent", folder=SETUP)

        # 6: connect Stripe (the stand-in speaks its API), then 8: leave test mode
        owner.goto(base + "/console")
        owner.locator("#setup li", has_text="Connect a payment gateway").get_by_role("link").first.click()
        form = owner.locator("form", has=owner.get_by_role("button", name="Connect Stripe"))
        form.get_by_label("Secret key (sk_… or rk_…)").fill(stripe_standin.DEFAULT_KEY)
        form.get_by_label("Webhook signing secret (whsec_…)").fill(stripe_standin.DEFAULT_SECRET)
        form.get_by_label("Use Stripe for the portal's payments").check()
        form.get_by_role("button", name="Connect Stripe").click()
        assert "Connected" in owner.content()
        shoot(owner, "08-stripe-connected", folder=SETUP)
        owner.goto(base + "/console/settings")
        owner.get_by_label(re.compile("^Test mode")).uncheck()
        owner.get_by_role("button", name="Save settings").click()
        owner.goto(base + "/console")
        assert owner.locator("#setup").count() == 0 and owner.locator("#test-mode").count() == 0
        shoot(owner, "09-set-up-done", folder=SETUP)

        # an invoice for the German contact's customer, pushed as an ERP would
        identity = stack.url("identity") + f"/orgs/{created['org_id']}"
        _, customers = get(identity + "/customers", stack.operator())
        [kunde] = [c for c in customers if c["name"] == "Kunde GmbH"]
        status, invoice = post(stack.url("billing") + f"/orgs/{created['org_id']}/invoices", {
            "customer_id": kunde["customer_id"], "currency": "EUR", "issue": True, "external_ref": "NEWCO-1",
            "due_date": "2027-01-31",
            "lines": [{"description": "Beratung", "quantity": "3", "unit_price_minor": 12000, "tax_rate": "19"}]},
            stack.operator())
        assert status == 201, invoice

        # the German contact: accepts, enrols two-step sign-in, pays by card
        mail = mail_to(stack, CONTACT[0])
        assert "Newco Supplies" in mail["subject"] and "invited" not in mail["subject"]   # German, not English
        contact = browser.new_context(locale="de-DE").new_page()
        contact.goto(re.search(r"http://\S+/invite/\S+", mail["text"]).group(0))
        assert contact.locator("html").get_attribute("lang") == "de"
        contact.get_by_label(german("New password"), exact=True).fill(CONTACT[2])
        contact.get_by_label(german("Repeat the new password")).fill(CONTACT[2])
        shoot(contact, "10-contact-accepts-in-german", folder=SETUP)
        contact.get_by_role("button", name=german("Set password and continue")).click()
        contact.wait_for_url("**/mfa/enrol")                 # the org requires two-step sign-in
        enrol(contact, None, words=german)
        contact.goto(base + "/invoices")
        assert contact.locator("h1").inner_text() == german("Invoices")
        assert "360,00\u00a0€" in contact.locator("table").inner_text() or "428,40\u00a0€" in contact.locator(
            "table").inner_text()
        contact.locator("table tbody tr").first.get_by_role("link").click()
        shoot(contact, "11-contact-invoice-in-german", folder=SETUP)
        contact.get_by_role("button", name=german("Pay")).click()
        contact.wait_for_url(standin.url + "/**")                # Stripe's hosted page (the stand-in)
        contact.get_by_role("button", name="Pay").click()
        contact.wait_for_url(base + "/**")
        status_text = contact.locator("#payment-status").inner_text()
        assert german("Paid. Thank you!") in status_text, status_text
        shoot(contact, "12-contact-paid", folder=SETUP)
    finally:
        assert stack.stop() == 0
        standin.stop()
