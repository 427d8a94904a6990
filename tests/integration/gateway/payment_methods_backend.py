"""Saved payment methods in the real billing service behind the gateway's tests
(tests/integration/gateway/billing_backend.py): save one for a contact and read what they have, as the
contact's own token would."""
from __future__ import annotations

from tests.integration.gateway.billing_backend import billing_app
from tests.helpers.tokens import bearer


def _contact(org_id: str, customer_id: str, contact_id: str) -> dict:
    return bearer("contact", org_id, id=contact_id, customer_id=customer_id, permissions=["view", "pay"],
                  modules=["invoices"], ttl_s=600)


def save_method(org_id: str, customer_id: str, contact_id: str, kind: str = "card") -> dict:
    """A test method saved with the simulated gateway (card, card_declined, bank_account)."""
    answer = billing_app().test_client().post(
        f"/orgs/{org_id}/customers/{customer_id}/payment-methods/setups",
        headers=_contact(org_id, customer_id, contact_id), json={"kind": kind})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["method"]


def methods_of(org_id: str, customer_id: str, contact_id: str) -> list[dict]:
    answer = billing_app().test_client().get(f"/orgs/{org_id}/customers/{customer_id}/payment-methods",
                                             headers=_contact(org_id, customer_id, contact_id))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["items"]
