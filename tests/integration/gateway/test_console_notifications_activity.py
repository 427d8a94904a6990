"""The console's activity feed, against the real notifications service in process: the feed
a page at a time, each staff member's own unread count in the navigation (refreshed by htmx
polling a fragment), and "mark all read"."""
from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from gateway.console.activity import PER_PAGE, label
from tests.integration.gateway import notifications_backend as backend
from gateway.web.i18n import TRANSLATIONS
from tests.integration.gateway.conftest import Browser, text


@pytest.fixture
def owner(world, app) -> Browser:
    browser = Browser(app)
    assert browser.sign_in(world.sam, fake=world.fake).headers["Location"] == "/console"
    return browser


@pytest.fixture
def agent(world, app) -> Browser:
    browser = Browser(app)
    browser.sign_in(world.ada, fake=world.fake)
    return browser


def badge(browser) -> str:
    """What the navigation's badge shows ("" for none)."""
    fragment = browser.get("/console/activity/unread")
    assert fragment.status_code == 200
    return text(fragment)


def test_the_feed_shows_what_happened_newest_first(world, owner):
    assert "Nothing has happened yet." in text(owner.get("/console/activity"))
    backend.happened(world.org["org_id"], "CustomerCreated")
    backend.happened(world.org["org_id"], "ContactAdded")
    page = text(owner.get("/console/activity"))
    assert page.index("Contact added") < page.index("Customer created")
    assert "2 unread." in page and "Accounts" in page


def test_each_staff_member_has_their_own_unread_count(world, owner, agent):
    assert badge(owner) == ""
    for _ in range(3):
        backend.happened(world.org["org_id"])
    assert badge(owner) == "3 unread" and badge(agent) == "3 unread"
    owner.get("/console/activity")
    assert owner.send("/console/activity/read", {}).status_code == 302
    page = text(owner.get("/console/activity"))
    assert "Everything in the feed is marked read." in page and "You have read everything." in page
    assert badge(owner) == "" and badge(agent) == "3 unread"      # Ada's count is hers
    backend.happened(world.org["org_id"])
    assert badge(owner) == "1 unread" and badge(agent) == "4 unread"
    assert text(owner.get("/console/activity")).count("New") == 1


def test_the_navigation_polls_the_badge_without_a_reload(world, owner):
    nav = owner.get("/console/customers").get_data(as_text=True)
    poll = re.search(r'<span[^>]*hx-get="/console/activity/unread"[^>]*>', nav).group(0)
    assert 'hx-trigger="load, every 10s"' in poll and 'hx-select="#unread-badge"' in poll


def test_another_orgs_activity_never_shows(world, owner, app):
    other = world.fake.add_org("other.test", "Other Co")
    backend.happened(other["org_id"], "InvoiceIssued", "portal.billing.v1")
    assert badge(owner) == "" and "Invoice issued" not in text(owner.get("/console/activity"))


def test_the_feed_is_paged(world, owner):
    for _ in range(PER_PAGE + 2):
        backend.happened(world.org["org_id"])
    first = owner.get("/console/activity").get_data(as_text=True)
    older = re.search(r'href="(/console/activity\?before=\d+)"', first).group(1)
    second = text(owner.get(older))
    assert second.count("Customer created") == 2 and "Newest" in second
    assert "99+" not in badge(owner) and badge(owner) == f"{PER_PAGE + 2} unread"
    assert owner.get("/console/activity?before=junk").status_code == 200


def test_labels_read_as_words():
    assert label("PaymentSettled") == "Payment settled"
    assert label("WebhookDisabled").startswith("A webhook was switched off")


def test_a_german_browser_reads_each_entrys_title_in_german(world, app):
    world.sam.profile["language"] = None        # never chose one: the browser's language decides
    sam = Browser(app)
    sam.sign_in(world.sam, fake=world.fake)
    with (TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        german = read_po(handle, locale="de").get("Payment settled").string
    assert german and german != "Payment settled"
    backend.happened(world.org["org_id"], "PaymentSettled", "portal.billing.v1")
    page = text(sam.get("/console/activity", headers={"Accept-Language": "de,en;q=0.5"}))
    assert german in page and "Payment settled" not in page


def test_each_staff_member_chooses_their_own_activity_mail(world, owner, agent):
    org_id = world.org["org_id"]
    for login in (world.sam, world.ada):
        backend.know_staff(org_id, login.id, login.email, login.name)
    page = owner.get("/console/activity/mail")
    assert page.status_code == 200 and "New tickets" in text(page) and "A daily digest" in text(page)
    choices = {"payments": "daily", "comments": "off", "approvals": "off", "uploads": "off",
               "tickets": "immediate", "reviews": "off"}
    assert owner.send("/console/activity/mail", choices).status_code == 302
    saved = owner.get("/console/activity/mail")
    assert "Your activity e-mail choices are saved." in text(saved)
    assert re.search(r'<input[^>]*checked[^>]*value="immediate"|<input[^>]*value="immediate"[^>]*checked',
                     saved.get_data(as_text=True).split("New tickets", 1)[1])
    assert backend.mail_preferences(world.org, world.ada.id)["tickets"] == "off"       # Ada's are hers
    backend.happened(org_id, "TicketRaised", "portal.support.v1")
    backend.happened(org_id, "CustomerCreated")                                       # no kind: no mail
    assert backend.queued_mails(org_id, "staff_activity") == [(world.sam.email, "Acme Trading: Ticket raised")]


def test_an_unknown_choice_is_refused_readably(owner):
    owner.get("/console/activity/mail")
    refused = owner.send("/console/activity/mail", {"payments": "hourly"})
    assert refused.status_code == 400 and "Not a valid choice" in text(refused)


def test_an_entry_says_what_and_who_and_links_to_it(world, owner):
    from services.chassis.events import Event
    from services.notifications.bootstrap import subscriptions
    org, customer = world.org["org_id"], world.customer["customer_id"]
    backend.know_org(world.org)                 # a mail's org must be known (identity's OrganizationCreated)

    def deliver(service, type_, aggregate, aggregate_id, data, actor):
        event = Event(type=type_, org_id=org, aggregate_type=aggregate, aggregate_id=aggregate_id,
                      aggregate_version=1, data=data, actor=actor)
        with backend.runtime().store.unit_of_work() as uow:
            subscriptions()[f"portal.{service}.v1"][type_](event, uow)
            uow.commit()
    deliver("identity", "ContactAdded", "Contact", "c-41", {
        "contact_id": "c-41", "customer_id": customer, "email": "sam@globex.test", "name": "Sam Buyer",
        "permissions": ["view", "pay"]}, {"kind": "staff", "id": world.sam.id})
    deliver("billing", "InvoiceIssued", "Invoice", "inv-41", {
        "invoice_id": "inv-41", "customer_id": customer, "number": "INV-000041", "currency": "EUR",
        "total_minor": 5000, "tax_minor": 0, "due_date": None, "issued_at": "2026-12-01T10:00:00+00:00",
        "external_ref": None}, {"kind": "system", "id": None})
    deliver("billing", "PaymentSettled", "Payment", "pay-41", {
        "payment_id": "pay-41", "customer_id": customer, "amount_minor": 5000, "currency": "EUR",
        "gateway": "simulated", "gateway_reference": "sim_41",
        "allocations": [{"invoice_id": "inv-41", "amount_minor": 5000}]}, {"kind": "contact", "id": "c-41"})
    page = owner.get("/console/activity")
    words, html = text(page), page.get_data(as_text=True)
    assert "Payment settled: INV-000041 · Globex Ltd" in words and "by Sam Buyer" in words
    assert "Invoice issued: INV-000041 · Globex Ltd" in words
    assert '<a href="/console/invoices/inv-41">INV-000041</a>' in html
    assert '<a href="/console/payments">INV-000041</a>' in html
    assert "Contact added: Sam Buyer · Globex Ltd" in words
