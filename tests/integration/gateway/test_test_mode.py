"""Test mode (issue 19): while an org tries the portal out, every page says that payments
are simulated and no money moves, signed in or not, portal or console; owners and admins are
told how to leave it. Once staff switch it off, no page says so."""
from __future__ import annotations

from tests.integration.gateway.conftest import Browser, text

BANNER = "Test mode: payments here are simulated and no money moves."
HOW_TO_LEAVE = "Connect a payment gateway, then switch test mode off in Settings"


def test_every_page_of_an_org_in_test_mode_says_so_until_staff_switch_it_off(world, app):
    world.org["settings"]["test_mode"] = True
    visitor = Browser(app)
    assert BANNER in text(visitor.get("/signin"))
    contact = Browser(app)
    contact.sign_in(world.ann)
    for path in ("/", "/invoices", "/profile"):
        page = text(contact.get(path))
        assert BANNER in page and HOW_TO_LEAVE not in page, path
    owner = Browser(app)
    owner.sign_in(world.sam, fake=world.fake)
    assert f"{BANNER} {HOW_TO_LEAVE}" in text(owner.get("/console"))
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    assert BANNER in text(agent.get("/console")) and HOW_TO_LEAVE not in text(agent.get("/console"))

    form = owner.get("/console/settings").get_data(as_text=True)
    assert 'name="test_mode"' in form
    saved = owner.send("/console/settings", {"portal_enabled": "y", "modules": ["invoices", "tickets"]})
    assert saved.status_code == 302 and world.org["settings"]["test_mode"] is False
    assert BANNER not in text(owner.get("/console"))
    assert BANNER not in text(Browser(app).get("/signin"))


def test_an_org_not_in_test_mode_shows_no_banner(world, app):
    contact = Browser(app)
    contact.sign_in(world.ann)
    assert "Test mode" not in text(contact.get("/invoices"))
