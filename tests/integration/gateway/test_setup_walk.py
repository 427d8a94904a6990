"""The set-up walk on the console home (issue 19): owners and admins see the seed's steps in
its order with what is left; the console finds most steps done on its own, staff mark the
rest; once every step is done the walk is gone. Agents never see it."""
from __future__ import annotations

import re

from tests.integration.gateway.conftest import Browser, text


def walk(browser) -> dict[str, str]:
    """Each step's key and state as the home page shows them, in order."""
    html = browser.get("/console").get_data(as_text=True)
    return {key: state for key, state in re.findall(
        r'data-step="(\w+)">\s*<span class="step-state">([^<]+)</span>', html)}


def test_a_new_org_walks_the_steps_in_order_until_none_is_left(world, app):
    settings = world.org["settings"]
    settings.update(test_mode=True, portal_enabled=True)
    for contact in (world.ann, world.bob):
        contact.status = "created"                                   # nobody invited yet
    owner = Browser(app)
    owner.sign_in(world.sam, fake=world.fake)
    assert list(walk(owner)) == ["open", "access", "brand", "templates", "invite", "payments", "security", "live"]
    assert walk(owner) == {"open": "Done", "access": "To do", "brand": "To do", "templates": "To do",
                           "invite": "To do", "payments": "To do", "security": "To do", "live": "To do"}
    assert "7 of 8 steps left." in text(owner.get("/console"))

    for step in ("access", "templates", "security"):
        owner.get("/console")
        assert owner.send(f"/console/setup/{step}", {}).status_code == 302
    settings = world.org["settings"]                                 # identity's answer, as saved
    assert settings["setup_done"] == ["access", "templates", "security"]
    settings["brand_colour"] = "#0f766e"
    world.ann.status = "invited"
    settings["test_mode"] = False
    states = walk(owner)
    assert [k for k, v in states.items() if v != "Done"] == ["payments"]       # no gateway connected in billing
    assert "Connect a payment gateway" in text(owner.get("/console"))
    assert owner.send("/console/setup/payments", {}).status_code == 302        # found, not marked
    assert world.org["settings"]["setup_done"] == ["access", "templates", "security"]


def test_agents_never_see_the_walk_nor_mark_a_step(world, app):
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    assert walk(agent) == {} and "Set up your portal" not in text(agent.get("/console"))
    agent.get("/console")
    assert agent.send("/console/setup/access", {}).status_code == 403
