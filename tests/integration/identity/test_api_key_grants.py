"""Issue 14, case 13: an API key cannot grant what it does not hold. Tried before the fix: a
key scoped to `customers` alone added a contact under a customer, invited an address it
controlled, accepted the mailed link, and the new contact read the customer's invoices. A
contact a key adds reaches only the modules the key holds, and a key cannot invite a
contact who reaches more. SQLite and PostgreSQL."""
from __future__ import annotations

import uuid

from services.identity.adapters import outbox
from tests.helpers.tokens import bearer
from tests.integration.identity.test_signin import PASSWORD, portal  # noqa: F401 - the fixture


def key(portal, *scopes) -> dict:
    return bearer("api_key", portal.org, id=f"key-{uuid.uuid4().hex[:8]}", modules=list(scopes), ttl_s=600)


def add(portal, customer_id, headers, email) -> dict:
    answer = portal.post(f"/customers/{customer_id}/contacts",
                         {"email": email, "name": "Mallory", "permissions": ["view", "pay"]}, **headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_a_customers_key_adds_a_contact_who_reaches_no_module_it_lacks(portal):
    customer = portal.customer()
    contact = add(portal, customer, key(portal, "customers"), "mallory@evil.test")
    assert contact["modules"] == []
    invited = portal.post(f"/contacts/{contact['contact_id']}/invitations",
                          {"link_base": "https://portal.acme.test"}, **key(portal, "customers"))
    assert invited.status_code == 202
    outbox.hand_over(portal.rt, portal.mail)
    token = portal.mail.mails[-1]["variables"]["link"].rsplit("/", 1)[1]
    accepted = portal.post("/invitations/accept", {"token": token, "password": PASSWORD})
    assert accepted.status_code == 201
    signed_in = portal.sign_in("mallory@evil.test")
    assert signed_in.status_code == 201, signed_in.get_json()
    resolved = portal.resolve(signed_in.get_json()["token"]).get_json()
    assert "invoices" not in resolved["principal"]["modules"]
    assert "tickets" not in resolved["principal"]["modules"]


def test_a_key_grants_the_modules_it_holds(portal):
    contact = add(portal, portal.customer(), key(portal, "customers", "invoices"), "ap@bolt.test")
    assert contact["modules"] == ["invoices"]


def test_a_key_cannot_invite_a_contact_who_reaches_more_than_it_holds(portal):
    contact_id = portal.contact(portal.customer())                   # added by staff: every module
    refused = portal.post(f"/contacts/{contact_id}/invitations", {"link_base": "https://portal.acme.test"},
                          **key(portal, "customers", "invoices"))
    assert refused.status_code == 403
    assert "does not hold" in refused.get_json()["detail"] and "tickets" in refused.get_json()["detail"]
    outbox.hand_over(portal.rt, portal.mail)
    assert portal.mail.mails == []                                   # no link went out
    assert portal.events("ContactInvited") == []
