"""The console's custom domains page: an owner adds a domain, reads the TXT record to create
(name and value, to copy), checks it (what was looked up and found, in a sentence), sees it
verified and the portal served at it, removes it. Agents are refused; a contact, or staff of
another org, finds no such page or domain."""
from __future__ import annotations

import re

import pytest

from tests.integration.gateway.conftest import Browser, text


@pytest.fixture
def owner(world, app) -> Browser:
    browser = Browser(app)
    assert browser.sign_in(world.sam, fake=world.fake).headers["Location"] == "/console"
    return browser


def readonly_values(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r"<input class=\"input\" id=\"record-[a-z]+-\d+\" value=\"([^\"]*)\" readonly", html)


def test_an_owner_adds_a_domain_and_sees_the_record_to_create(world, owner):
    page = owner.get("/console/domains")
    assert page.status_code == 200 and "No domains yet" in text(page)
    assert 'href="/console/domains"' in page.get_data(as_text=True)          # in the console's navigation
    added = owner.send("/console/domains", {"domain": "Portal.Acme.Example"})
    assert added.status_code == 302 and added.headers["Location"] == "/console/domains"
    page = owner.get("/console/domains")
    record = world.fake.domains["portal.acme.example"]["record"]
    assert "portal.acme.example was added" in text(page) and "Pending" in text(page)
    assert readonly_values(page) == ["TXT", "_portal-verify.portal.acme.example", record["value"]]
    assert "Point portal.acme.example at portals.example.net with a CNAME record" in text(page)
    assert Browser(owner.app, host="portal.acme.example").get("/signin").status_code == 404   # pending: not served


def test_a_name_that_is_not_a_domain_or_is_taken_is_refused_at_its_field(world, owner):
    owner.get("/console/domains")
    refused = owner.send("/console/domains", {"domain": "10.0.0.7"})
    assert refused.status_code == 422 and "not an IP address" in text(refused)
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    other = world.fake.add_org("other.test", "Other Co")
    world.fake.add_domain_of(other, "portal.other.example")
    taken = owner.send("/console/domains", {"domain": "portal.other.example"})
    assert taken.status_code == 422 and "already used by another portal" in text(taken)
    empty = owner.send("/console/domains", {"domain": ""})
    assert empty.status_code == 400 and "Enter the domain name." in text(empty)


def test_check_now_says_what_was_found_then_verifies_and_the_portal_is_served_there(world, owner, app):
    world.fake.add_domain_of(world.org, "portal.acme.example")
    owner.get("/console/domains")
    checked = owner.post("/console/domains/portal.acme.example/check")
    assert checked.status_code == 302
    page = text(owner.get("/console/domains"))
    assert ("We looked up a TXT record at _portal-verify.portal.acme.example and found nothing: "
            "that name does not exist in DNS yet.") in page
    assert "Last checked" in page

    world.fake.txt["_portal-verify.portal.acme.example"] = ["portal-verify=not-ours"]
    owner.post("/console/domains/portal.acme.example/check")
    assert ("found portal-verify=not-ours, not the value below" in text(owner.get("/console/domains")))

    world.fake.txt["_portal-verify.portal.acme.example"].append(
        world.fake.domains["portal.acme.example"]["record"]["value"])
    owner.post("/console/domains/portal.acme.example/check")
    page = owner.get("/console/domains")
    assert "portal.acme.example is verified: your portal is now served at it." in text(page)
    assert "Verified" in text(page) and "Check now" not in text(page)
    served = Browser(app, host="portal.acme.example").get("/signin")
    assert served.status_code == 200 and "Acme Trading" in text(served)


def test_an_owner_removes_a_domain_and_it_serves_nothing(world, owner, app):
    world.fake.add_domain_of(world.org, "portal.acme.example", verified=True)
    owner.get("/console/domains")
    removed = owner.post("/console/domains/portal.acme.example/remove")
    assert removed.status_code == 302 and "portal.acme.example" not in world.fake.domains
    assert "portal.acme.example was removed" in text(owner.get("/console/domains"))
    assert Browser(app, host="portal.acme.example").get("/signin").status_code == 404


def test_a_domain_of_another_org_is_not_found(world, owner):
    other = world.fake.add_org("other.test", "Other Co")
    world.fake.add_domain_of(other, "portal.other.example")
    owner.get("/console/domains")
    assert owner.post("/console/domains/portal.other.example/check").status_code == 404
    assert owner.post("/console/domains/portal.other.example/remove").status_code == 404
    assert "portal.other.example" in world.fake.domains
    assert "portal.other.example" not in text(owner.get("/console/domains"))


def test_agents_are_refused_and_contacts_find_no_such_page(world, app):
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    assert agent.get("/console/domains").status_code == 403
    contact = Browser(app)
    contact.sign_in(world.ann)
    assert contact.get("/console/domains").status_code == 404
    assert contact.post("/console/domains/portal.acme.example/check").status_code == 404
