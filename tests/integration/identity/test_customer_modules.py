"""A customer's modules (issue 19: per-customer overrides), on SQLite and PostgreSQL: staff
narrow what a customer's contacts may use within the org's modules, and give it back; the
contact's session carries the modules their org, their customer and they themselves hold."""
from __future__ import annotations

from tests.helpers.tokens import bearer
from tests.integration.identity.test_signin import portal  # noqa: F401 - the fixture


def modules_of(portal, token):  # noqa: F811
    return portal.resolve(token).get_json()["principal"]["modules"]


def choose(portal, customer_id, modules, **headers):  # noqa: F811
    return portal.client.put(f"/orgs/{portal.org}/customers/{customer_id}/modules", json={"modules": modules},
                             headers=headers)


def test_staff_narrow_a_customers_modules_and_give_them_back(portal):  # noqa: F811
    contact_id, session = portal.active_contact()
    org_modules = modules_of(portal, session["token"])
    assert {"invoices", "tickets"} <= set(org_modules)
    [customer_id] = [c["customer_id"] for c in portal.client.get(f"/orgs/{portal.org}/customers").get_json()]

    narrowed = choose(portal, customer_id, ["tickets", "invoices", "projects"])
    assert narrowed.status_code == 200
    assert narrowed.get_json()["modules"] == ["invoices", "projects", "tickets"]          # in the modules' order
    assert modules_of(portal, session["token"]) == ["invoices", "tickets"]              # projects: not the org's
    assert choose(portal, customer_id, ["tickets", "invoices", "projects"]).status_code == 200
    assert len(portal.events("CustomerModulesChanged")) == 1                            # nothing moved the 2nd time

    assert choose(portal, customer_id, None).get_json()["modules"] is None
    assert modules_of(portal, session["token"]) == org_modules
    [_, back] = portal.events("CustomerModulesChanged")
    assert back.data == {"customer_id": customer_id, "modules": None}


def test_bad_modules_another_orgs_customer_and_keys_or_agents_are_refused(portal):  # noqa: F811
    customer_id = portal.customer()
    bad = choose(portal, customer_id, ["invoices", "spaceships"])
    assert bad.status_code == 422 and "modules" in bad.get_json()["errors"]["json"]
    other_org = bearer("staff", "another-org", id="staff-x", ttl_s=600)
    assert portal.client.put(f"/orgs/another-org/customers/{customer_id}/modules", json={"modules": None},
                             headers=other_org).status_code == 404
    agent = bearer("staff", portal.org, id="agent-1", role="agent", ttl_s=600)
    assert choose(portal, customer_id, ["invoices"], **agent).status_code == 403
    key = bearer("api_key", portal.org, id="key-1", modules=("customers", "invoices"), ttl_s=600)
    assert choose(portal, customer_id, None, **key).status_code == 403
    assert portal.events("CustomerModulesChanged") == []


def test_the_set_up_walk_keeps_the_steps_staff_confirm_and_counts_contacts_by_state(portal):  # noqa: F811
    assert portal.client.get(f"/orgs/{portal.org}/contact-counts").get_json() == {
        "created": 0, "invited": 0, "active": 0, "disabled": 0}
    portal.active_contact()
    portal.invite(portal.contact(portal.customer("Kite Ltd"), email="kim@kite.test"))
    portal.contact(portal.customer("Lark Ltd"), email="lou@lark.test")
    assert portal.client.get(f"/orgs/{portal.org}/contact-counts").get_json() == {
        "created": 1, "invited": 1, "active": 1, "disabled": 0}
    other = bearer("staff", "another-org", id="staff-x", ttl_s=600)
    assert portal.client.get("/orgs/another-org/contact-counts", headers=other).get_json()["active"] == 0

    def confirm(steps):
        return portal.client.patch(f"/orgs/{portal.org}/settings", json={"setup_done": steps})
    assert confirm(["templates", "access"]).get_json()["settings"]["setup_done"] == ["access", "templates"]
    refused = confirm(["access", "teleport"])
    assert refused.status_code == 422 and "setup_done" in refused.get_json()["errors"]["json"]
