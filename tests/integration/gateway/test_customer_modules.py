"""Modules per customer and per contact (issue 19), from the console: owners and admins narrow
what a customer's contacts see within the portal's modules, and what one contact sees within
that; the contact's menu and pages follow at their next page (a module they no longer hold is not
there: 404, as for a module the portal does not offer). Agents read, never change."""
from __future__ import annotations

from tests.integration.gateway.conftest import Browser, text

def menu(browser) -> str:
    return text(browser.get("/")).split("Skip to main content")[-1][:600]


def test_an_owner_narrows_a_customers_modules_then_one_contacts_and_gives_them_back(world, app):
    world.org["settings"]["modules"] = ["invoices", "tickets", "documents"]
    customer = world.customer["customer_id"]
    contact = Browser(app)
    contact.sign_in(world.ann)
    assert "Tickets" in menu(contact) and contact.get("/tickets").status_code == 200

    owner = Browser(app)
    owner.sign_in(world.sam, fake=world.fake)
    page = owner.get(f"/console/customers/{customer}").get_data(as_text=True)
    for module in ("invoices", "tickets", "documents"):               # the portal's modules, all ticked
        assert f'checked id="customer-modules-' in page and f'value="{module}"' in page
    assert 'value="projects"' not in page.split('id="modules"')[1].split("</form>")[0]   # not the portal's

    saved = owner.send(f"/console/customers/{customer}/modules", {"customer-modules": ["invoices", "documents"]})
    assert saved.status_code == 302 and "Modules saved" in text(owner.get(saved.headers["Location"]))
    assert world.fake.customers[customer]["modules"] == ["invoices", "documents"]
    assert "Tickets" not in menu(contact)
    assert contact.get("/tickets").status_code == 404                 # as a module the portal does not offer

    owner.send(f"/console/customers/{customer}/contacts/{world.ann.id}/permissions",
               {f"c-{world.ann.id}-permissions": ["view", "pay"], f"c-{world.ann.id}-modules": ["invoices"],
                f"c-{world.ann.id}-offered": "1"})
    assert world.ann.modules == ["invoices"] and "Documents" not in menu(contact)
    assert "Invoices" in menu(contact)

    owner.send(f"/console/customers/{customer}/modules", {"customer-modules": ["invoices", "tickets", "documents"]})
    assert world.fake.customers[customer]["modules"] is None          # all ticked: whatever the portal offers
    owner.send(f"/console/customers/{customer}/contacts/{world.ann.id}/permissions",
               {f"c-{world.ann.id}-permissions": ["view"],
                f"c-{world.ann.id}-modules": ["invoices", "tickets", "documents"], f"c-{world.ann.id}-offered": "1"})
    assert "projects" in world.ann.modules                            # every module: later ones too
    assert "Tickets" in menu(contact) and "Documents" in menu(contact)
    owner.send(f"/console/customers/{customer}/contacts/{world.ann.id}/permissions",
               {f"c-{world.ann.id}-permissions": ["view"]})                 # a page without the boxes
    assert "projects" in world.ann.modules                            # leaves the modules as they are


def test_agents_see_the_modules_but_cannot_change_them(world, app):
    customer = world.customer["customer_id"]
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    assert "Every module the portal offers." in text(agent.get(f"/console/customers/{customer}"))
    assert agent.post(f"/console/customers/{customer}/modules", {"customer-modules": ["invoices"]}).status_code == 403
    assert world.fake.customers[customer].get("modules") is None
