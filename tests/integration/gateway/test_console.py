"""The staff console: customers, contacts and their access, portal settings."""
from __future__ import annotations

import re

import pytest

from gateway.web.access import MODULES, SWITCHES
from tests.integration.gateway.conftest import HOST, Browser, text


@pytest.fixture
def owner(world, app) -> Browser:
    browser = Browser(app)
    response = browser.sign_in(world.sam, fake=world.fake)
    assert response.headers["Location"] == "/console"
    return browser


def test_staff_sign_in_shows_the_org_and_is_for_staff_only(world, app):
    browser = Browser(app)
    page = browser.get("/console/signin")
    assert "<h1>Acme Trading</h1>" in page.get_data(as_text=True) and "Staff sign-in" in text(page)
    response = browser.submit("/console/signin", {"email": "ann@globex.test", "password": "correct horse battery"})
    assert response.status_code == 401                         # a contact is not staff
    assert browser.sign_in(world.sam).headers["Location"] == "/signin/mfa"


def test_the_console_dashboard_greets_the_staff_member(world, owner):
    page = owner.get("/console")
    assert page.status_code == 200
    assert "Signed in as Sam Owner (owner)" in text(page)
    assert 'href="/console/settings"' in page.get_data(as_text=True)


def test_the_console_home_says_what_needs_attention(world, owner):
    from datetime import datetime, timedelta, timezone

    from tests.integration.gateway import billing_backend
    org, customer = world.org["org_id"], world.customer["customer_id"]
    today = datetime.now(timezone.utc).date()
    billing_backend.issue_invoice(org, customer, 12000, due=today - timedelta(days=5))
    billing_backend.issue_invoice(org, customer, 3000, due=today + timedelta(days=5))
    waiting = billing_backend.issue_invoice(org, customer, 5000, due=today - timedelta(days=1))
    billing_backend.pay_invoice(org, customer, waiting["invoice_id"], method="bank_debit")
    page = owner.get("/console")
    html = page.get_data(as_text=True)

    def figure(name):
        return re.search(rf'data-figure="{name}">([^<]*)<', html).group(1).strip()
    assert figure("overdue-EUR") == "€170.00" and figure("pending") == "1"
    assert "2 overdue of 3 open, €200.00 due in all" in text(page)
    assert figure("unread-tickets") == "0" and figure("failed-mail") == "0"
    assert 'href="/console/payments?status=pending"' in html


def test_customers_are_listed_and_created(world, owner):
    page = owner.get("/console/customers")
    assert "Globex Ltd" in text(page)
    response = owner.submit("/console/customers", {"name": "Initech", "email": "billing@initech.test"})
    assert response.status_code == 302
    customer_id = response.headers["Location"].rsplit("/", 1)[1]
    assert world.fake.customers[customer_id]["name"] == "Initech"
    assert "Customer Initech created." in text(owner.get(response.headers["Location"]))


def test_a_customer_is_created_with_its_billing_address_and_tax_id(world, owner):
    page = owner.get("/console/customers").get_data(as_text=True)
    assert 'name="address"' in page and 'name="tax_id"' in page
    response = owner.submit("/console/customers", {"name": "Initech", "email": "billing@initech.test",
                                                   "address": "1 Quay St\r\n\r\n Leeds LS1 4AP ", "tax_id": "GB1"})
    assert response.status_code == 302
    made = world.fake.customers[response.headers["Location"].rsplit("/", 1)[1]]
    assert (made["address"], made["tax_id"]) == (["1 Quay St", "Leeds LS1 4AP"], "GB1")


def test_a_customers_details_are_edited_on_its_page(world, owner):
    customer = world.customer["customer_id"]
    page = owner.get(f"/console/customers/{customer}")
    html = page.get_data(as_text=True)
    assert 'name="details-address"' in html and 'name="details-tax_id"' in html and 'value="Globex Ltd"' in html
    saved = owner.send(f"/console/customers/{customer}", {
        "details-name": "Globex Ltd", "details-email": "ap@globex.test",
        "details-address": "Globex House\n1 Main St\nSpringfield", "details-tax_id": "US 12-345"})
    assert saved.status_code == 302 and saved.headers["Location"] == f"/console/customers/{customer}"
    assert world.fake.customers[customer]["address"] == ["Globex House", "1 Main St", "Springfield"]
    assert world.fake.customers[customer]["tax_id"] == "US 12-345"
    again = owner.get(f"/console/customers/{customer}")
    assert "Customer details saved." in text(again)
    assert "Globex House\n1 Main St\nSpringfield</textarea>" in again.get_data(as_text=True)
    # too many lines: said at the field, nothing saved
    refused = owner.send(f"/console/customers/{customer}", {
        "details-name": "Globex Ltd", "details-email": "ap@globex.test", "details-address": "\n".join("abcdefg")})
    assert refused.status_code == 400 and "An address has at most 6 lines." in text(refused)
    assert 'aria-describedby="details-address-hint details-address-error"' in refused.get_data(as_text=True)
    # identity's refusal lands at its field too
    refused = owner.send(f"/console/customers/{customer}", {
        "details-name": "Globex Ltd", "details-email": "not-an-address", "details-tax_id": "GB2"})
    assert refused.status_code == 422 and "Not a valid email address." in text(refused)
    assert 'aria-describedby="details-email-error"' in refused.get_data(as_text=True)
    assert world.fake.customers[customer]["tax_id"] == "US 12-345"


def test_a_customer_problem_is_shown_at_its_field(world, owner):
    response = owner.submit("/console/customers", {"name": "Initech", "email": "not-an-address"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Not a valid email address." in html
    assert 'aria-describedby="email-error"' in html and 'aria-invalid="true"' in html


def test_the_customer_page_lists_contacts_with_status_and_actions(world, owner):
    page = owner.get(f"/console/customers/{world.customer['customer_id']}")
    html, words = page.get_data(as_text=True), text(page)
    assert "Ann Example" in words and "Bob Example" in words and "Status: Active" in words
    assert f'id="c-{world.ann.id}-permissions-0"' in html              # checkboxes unique per contact
    assert "Reset two-step verification" in words                     # Bob has MFA
    assert "Sign out everywhere" in words


def test_an_unknown_customer_is_a_readable_404(world, owner):
    response = owner.get("/console/customers/nope")
    assert response.status_code == 404
    assert "No such customer." in text(response)


def test_adding_a_contact_then_inviting_them(world, owner):
    customer = world.customer["customer_id"]
    owner.get(f"/console/customers/{customer}")
    response = owner.send(f"/console/customers/{customer}/contacts",
                          {"name": "Cy New", "email": "cy@globex.test", "permissions": ["view", "pay"]})
    assert response.status_code == 302
    [cy] = [l for l in world.fake.logins.values() if l.email == "cy@globex.test"]
    assert (cy.permissions, cy.status) == (["view", "pay"], "created")
    page = owner.get(f"/console/customers/{customer}")
    assert "Cy New was added." in text(page) and "Send invitation" in text(page)

    response = owner.post(f"/console/customers/{customer}/contacts/{cy.id}/invite")
    assert response.status_code == 302
    assert world.fake.sent_invitations[-1]["link"].startswith(f"http://{HOST}/invite/")
    page = owner.get(f"/console/customers/{customer}")
    assert "The invitation was sent." in text(page) and "Status: Invited" in text(page)
    assert "Send a new invitation" in text(page)

    link = world.fake.sent_invitations[-1]["link"]
    invited = Browser(owner.app)
    assert "Welcome, Cy New" in text(invited.get(link.replace(f"http://{HOST}", "")))


def test_a_duplicate_contact_reads_as_a_sentence(world, owner):
    customer = world.customer["customer_id"]
    owner.get(f"/console/customers/{customer}")
    response = owner.send(f"/console/customers/{customer}/contacts",
                          {"name": "Ann Again", "email": "ann@globex.test", "permissions": ["view"]})
    assert response.status_code == 409
    assert "A person with this e-mail address already has access." in text(response)


def test_permissions_change_applies_at_once(world, owner, app):
    contact = Browser(app)
    contact.sign_in(world.ann)
    assert contact.get("/invoices").status_code == 200
    customer = world.customer["customer_id"]
    owner.get(f"/console/customers/{customer}")
    response = owner.post(f"/console/customers/{customer}/contacts/{world.ann.id}/permissions",
                          {f"c-{world.ann.id}-permissions": ["pay"]})
    assert response.status_code == 302
    assert world.ann.permissions == ["pay"]
    assert contact.get("/invoices").status_code == 403


def test_unknown_permissions_are_refused(world, owner):
    customer = world.customer["customer_id"]
    owner.post(f"/console/customers/{customer}/contacts/{world.ann.id}/permissions",
               {f"c-{world.ann.id}-permissions": ["view", "admin"]})
    assert world.ann.permissions == ["view", "pay"]
    assert "Those permissions or modules are not known." in text(owner.get(f"/console/customers/{customer}"))


def test_reset_mfa_and_revoke_sessions(world, owner, app):
    contact = Browser(app)
    contact.sign_in(world.bob, fake=world.fake)
    assert contact.get("/").status_code == 200
    customer = world.customer["customer_id"]
    owner.post(f"/console/customers/{customer}/contacts/{world.bob.id}/mfa-reset")
    assert not world.bob.mfa_enabled
    owner.post(f"/console/customers/{customer}/contacts/{world.bob.id}/revoke")
    assert world.fake.sessions_of(world.bob) == []
    assert contact.get("/").headers["Location"].startswith("/signin")


def test_agents_see_contacts_but_not_the_access_controls(world, app):
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    customer = world.customer["customer_id"]
    page = agent.get(f"/console/customers/{customer}")
    assert page.status_code == 200
    assert "Save permissions" not in text(page) and "Reset two-step verification" not in text(page)
    assert agent.post(f"/console/customers/{customer}/contacts/{world.bob.id}/revoke").status_code == 403
    assert agent.post(f"/console/customers/{customer}/contacts/{world.bob.id}/mfa-reset").status_code == 403
    assert world.bob.mfa_enabled


def test_settings_show_every_switch_and_module_and_save(world, owner, app):
    page = owner.get("/console/settings")
    html = page.get_data(as_text=True)
    for switch in SWITCHES:
        assert f'name="{switch}"' in html
    for module in MODULES:
        assert f'value="{module}"' in html
    assert re.search(r'<input checked id="portal_enabled" name="portal_enabled" type="checkbox" value="y">', html)

    response = owner.send("/console/settings", {"portal_enabled": "y", "mfa_required": "y",
                                                "modules": ["invoices", "projects"]})
    assert response.status_code == 302
    settings = world.org["settings"]
    assert settings["mfa_required"] is True and settings["bulk_payments"] is False
    assert settings["modules"] == ["invoices", "projects"]
    assert "Settings saved." in text(owner.get("/console/settings"))

    contact = Browser(app)
    contact.sign_in(world.ann)
    assert contact.get("/mfa/enrol").status_code == 200               # MFA now required: enrol first
    assert contact.get("/projects").headers["Location"] == "/mfa/enrol"


def test_settings_set_the_support_windows_in_days(world, owner):
    page = owner.get("/console/settings").get_data(as_text=True)
    assert 'name="ticket_reopen_days"' in page and 'value="14"' in page
    saved = owner.send("/console/settings", {"portal_enabled": "y", "modules": ["tickets"], "share_tickets": "y",
                                             "ticket_reopen_days": "7", "review_period_days": "60"})
    assert saved.status_code == 302
    settings = world.org["settings"]
    assert (settings["share_tickets"], settings["ticket_reopen_days"], settings["review_period_days"]) == (True, 7, 60)
    refused = owner.send("/console/settings", {"portal_enabled": "y", "modules": ["tickets"],
                                               "ticket_reopen_days": "400"})
    assert refused.status_code == 400 and "from 0 to 365" in text(refused)
    assert world.org["settings"]["ticket_reopen_days"] == 7


def test_settings_take_the_sellers_address_and_tax_id(world, owner):
    page = owner.get("/console/settings").get_data(as_text=True)
    assert 'name="seller_address"' in page and 'name="seller_tax_id"' in page
    saved = owner.send("/console/settings", {"portal_enabled": "y", "modules": ["invoices"],
                                             "seller_address": "Hafenstraße 7\n20457 Hamburg\n",
                                             "seller_tax_id": " DE811907980 "})
    assert saved.status_code == 302
    settings = world.org["settings"]
    assert (settings["seller_address"], settings["seller_tax_id"]) == (["Hafenstraße 7", "20457 Hamburg"], "DE811907980")
    assert "Hafenstraße 7\n20457 Hamburg</textarea>" in owner.get("/console/settings").get_data(as_text=True)


def test_settings_choose_the_orgs_default_language_for_browsers_asking_for_none_offered(world, app):
    world.sam.profile["language"] = None                 # a person who chose no language of their own
    owner = Browser(app)
    owner.sign_in(world.sam, fake=world.fake)
    page = owner.get("/console/settings").get_data(as_text=True)
    assert 'name="default_language"' in page and '<option selected value="en">English</option>' in page
    saved = owner.send("/console/settings", {"portal_enabled": "y", "modules": ["invoices"], "default_language": "de"})
    assert saved.status_code == 302 and world.org["settings"]["default_language"] == "de"
    assert '<option selected value="de">Deutsch</option>' in owner.get("/console/settings").get_data(as_text=True)

    asks_for_none = {"Accept-Language": "xx"}
    german = owner.get("/console/settings", headers=asks_for_none)
    assert '<html lang="de" dir="ltr">' in german.get_data(as_text=True)
    assert "Portaleinstellungen" in text(german) and "Portal settings" not in text(german)
    visitor = Browser(app)
    assert '<html lang="de"' in visitor.get("/signin", headers=asks_for_none).get_data(as_text=True)
    assert '<html lang="fr"' in visitor.get("/signin", headers={"Accept-Language": "fr"}).get_data(as_text=True)

    refused = owner.send("/console/settings", {"portal_enabled": "y", "modules": ["invoices"], "default_language": "xx"})
    assert refused.status_code == 400 and world.org["settings"]["default_language"] == "de"


def test_staff_sign_out_everywhere(world, owner):
    response = owner.post("/console/signout/everywhere")
    assert response.headers["Location"] == "/console/signin"
    assert world.fake.sessions_of(world.sam) == []


def test_customers_are_found_by_search_and_paged(world, owner):
    for i in range(60):
        world.fake.add_customer(world.org, f"Customer {i:02d}", f"c{i:02d}@example.test")
    first = owner.get("/console/customers")
    names = re.findall(r">(Customer \d\d)</a>", first.get_data(as_text=True))
    assert names[0] == "Customer 00" and len(names) == 50
    next_link = re.search(r'href="([^"]+)" rel="next"', first.get_data(as_text=True)).group(1)
    second = owner.get(next_link.replace("&amp;", "&"))
    rest = re.findall(r">(Customer \d\d|Globex Ltd)</a>", second.get_data(as_text=True))
    assert rest == [f"Customer {i:02d}" for i in range(50, 60)] + ["Globex Ltd"]
    assert 'rel="next"' not in second.get_data(as_text=True) and "First page" in text(second)

    found = owner.get("/console/customers?q=c07@EXAMPLE")
    assert re.findall(r">(Customer \d\d)</a>", found.get_data(as_text=True)) == ["Customer 07"]
    assert 'value="c07@EXAMPLE"' in found.get_data(as_text=True)
    assert "No customer matches “nobody”" in text(owner.get("/console/customers?q=nobody"))
