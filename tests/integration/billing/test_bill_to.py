"""A customer's billing address and tax id and the org's own, from identity to billing's
PDFs, on SQLite and PostgreSQL: identity's API records them (CustomerCreated, CustomerUpdated,
PortalSettingsChanged), its events reach billing's consumer handlers (by hand here, as the
consumer hands them over, in one transaction each), and the invoice PDF prints them under
"Bill to" and as the seller, never the customer's internal id."""
from __future__ import annotations

from sqlalchemy import select

from services.billing.bootstrap import SPEC as BILLING
from services.chassis.events import Event
from services.chassis.tables import events
from services.identity.app import create_app as identity_app
from services.identity.bootstrap import SPEC as IDENTITY
from tests.helpers.tokens import as_system, bearer
from tests.integration.billing.test_pdf import LINE, Billing, closed_port_url, pdf_of, text

TOPIC = "portal.identity.v1"


def hand_over(identity, billing) -> list[str]:
    """identity's events, in order, to billing's handlers (each once); their types."""
    with identity.engine.connect() as conn:
        rows = conn.execute(select(events).order_by(events.c.position)).all()
    handlers = BILLING.subscriptions()[TOPIC]
    handed = []
    for row in rows:
        event = Event.from_row(row)
        if event.type in handlers:
            with billing.store.unit_of_work() as uow:
                if uow.mark_handled(event.event_id, TOPIC, event.type):
                    handlers[event.type](event, uow)
                    handed.append(event.type)
                uow.commit()
    return handed


def test_the_address_and_tax_ids_travel_from_identity_to_the_invoice_pdf(make_runtime, db_kind):
    identity = make_runtime(IDENTITY, db_kind, kafka_bootstrap="127.0.0.1:1")
    ident = as_system(identity_app(identity.config).test_client())
    org_id = ident.post("/orgs", json={"name": "Acme Trading", "slug": "acme"}).get_json()["org_id"]
    staff = bearer("staff", org_id, id="staff-1", role="owner")
    made = ident.post(f"/orgs/{org_id}/customers", headers=staff, json={
        "name": "Bolt Ltd", "email": "ap@bolt.test", "address": ["1 Quay St", "Leeds"], "tax_id": "GB1"})
    assert made.status_code == 201, made.get_json()
    customer = made.get_json()
    assert (customer["address"], customer["tax_id"]) == (["1 Quay St", "Leeds"], "GB1")
    changed = ident.put(f"/orgs/{org_id}/customers/{customer['customer_id']}", headers=staff, json={
        "name": "Bolt & Nut Ltd", "email": "ap@bolt.test", "address": ["2 Dock Rd", "", "Leeds LS1 4AP"],
        "tax_id": "GB 123 4567 89"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["address"] == ["2 Dock Rd", "Leeds LS1 4AP"]
    assert ident.get(f"/orgs/{org_id}/customers/{customer['customer_id']}", headers=staff).get_json()["tax_id"] \
        == "GB 123 4567 89"
    seller = ident.patch(f"/orgs/{org_id}/settings", headers=staff, json={
        "seller_address": ["Hafenstraße 7", "20457 Hamburg"], "seller_tax_id": "DE811907980"})
    assert seller.status_code == 200, seller.get_json()
    refused = ident.put(f"/orgs/{org_id}/customers/{customer['customer_id']}", headers=staff, json={
        "name": "Bolt", "email": "ap@bolt.test", "address": ["x"] * 7})
    assert refused.status_code == 422
    other = bearer("staff", "org-other", id="staff-9", role="owner")
    assert ident.put(f"/orgs/org-other/customers/{customer['customer_id']}", headers=other,
                     json={"name": "Mine now", "email": "x@y.test"}).status_code == 404

    rt = make_runtime(BILLING, db_kind, kafka_bootstrap="127.0.0.1:1",
                      service_urls={"identity": closed_port_url()})
    assert hand_over(identity, rt) == ["OrganizationCreated", "CustomerCreated", "CustomerUpdated",
                                       "PortalSettingsChanged"]
    billing = Billing(rt)
    billing.staff = bearer("staff", org_id, id="staff-1", ttl_s=3600)
    answer = billing.client.post(f"/orgs/{org_id}/invoices", headers=billing.staff, json={
        "customer_id": customer["customer_id"], "currency": "EUR", "lines": [LINE], "issue": True})
    assert answer.status_code == 201, answer.get_json()
    invoice_id = answer.get_json()["invoice_id"]
    found = text(pdf_of(billing.client.get(f"/orgs/{org_id}/invoices/{invoice_id}/pdf", headers=billing.staff),
                        "INV-000001.pdf"))
    for expected in ("Bolt & Nut Ltd", "2 Dock Rd", "Leeds LS1 4AP", "Tax ID GB 123 4567 89",
                     "Acme Trading", "Hafenstraße 7", "20457 Hamburg", "Tax ID DE811907980"):
        assert expected in found, expected
    assert customer["customer_id"] not in found and "1 Quay St" not in found
