"""identity's aggregates: commands in, events out, invariants enforced."""
import pytest

from services.chassis.errors import DomainError
from services.identity.domain.customer import Customer
from services.identity.domain.organization import Organization, org_id_for


def test_creating_an_org_records_one_event_with_default_settings():
    org = Organization.create("Acme Ltd", "acme", "Portal.Acme.test")
    [event] = org.pending
    assert event.type == "OrganizationCreated"
    assert event.aggregate_version == 1
    assert event.data["host"] == "portal.acme.test"
    assert event.data["settings"]["portal_enabled"] is True
    assert org.id == org_id_for("acme") == event.org_id


@pytest.mark.parametrize("name, slug", [("", "acme"), ("Acme", "Acme!"), ("Acme", "-acme"), ("Acme", "")])
def test_an_org_needs_a_name_and_a_clean_slug(name, slug):
    with pytest.raises(DomainError):
        Organization.create(name, slug)


def test_settings_change_records_only_what_really_changed():
    org = Organization.create("Acme", "acme")
    org.change_settings({"mfa_required": True, "portal_enabled": True})
    assert org.pending[-1].type == "PortalSettingsChanged"
    assert org.pending[-1].data["changed"] == ["mfa_required"]
    assert org.pending[-1].data["settings"]["mfa_required"] is True
    org.change_settings({"mfa_required": True})
    assert len(org.pending) == 2          # nothing changed: nothing recorded


def test_unknown_module_or_setting_is_refused():
    org = Organization.create("Acme", "acme")
    with pytest.raises(DomainError, match="Unknown module: payroll"):
        org.change_settings({"modules": ["invoices", "payroll"]})
    with pytest.raises(DomainError, match="Unknown setting: colour"):
        org.change_settings({"colour": "red"})
    assert len(org.pending) == 1


def test_state_is_the_fold_of_the_events():
    org = Organization.create("Acme", "acme")
    org.change_settings({"modules": ["tickets", "invoices"], "self_signup": True})
    replayed = Organization.from_events(org.pending)
    assert replayed.version == 2
    assert replayed.settings["modules"] == ["invoices", "tickets"]     # catalogue order
    assert replayed.settings["self_signup"] is True
    assert replayed.name == "Acme"


def test_a_customer_needs_a_name_and_an_address():
    customer = Customer.create("org-1", "  Bolt & Nut  ", "Buyer@Bolt.test")
    assert customer.pending[0].data == {"customer_id": customer.id, "name": "Bolt & Nut",
                                        "email": "buyer@bolt.test", "external_ref": None,
                                        "address": [], "tax_id": None}
    with pytest.raises(DomainError):
        Customer.create("org-1", "Bolt", "not-an-address")


def test_a_customer_keeps_its_billing_address_lines_and_tax_id():
    customer = Customer.create("org-1", "Bolt", "ap@bolt.test", address=[" 1 Quay St ", "", "Leeds LS1 4AP"],
                               tax=" GB 123 4567 89 ")
    assert customer.pending[0].data["address"] == ["1 Quay St", "Leeds LS1 4AP"]      # blank lines dropped
    assert customer.pending[0].data["tax_id"] == "GB 123 4567 89"
    with pytest.raises(DomainError, match="at most 6 lines") as caught:
        Customer.create("org-1", "Bolt", "ap@bolt.test", address=["x"] * 7)
    assert caught.value.extensions["field"] == "address"


def test_updating_a_customer_records_a_snapshot_naming_what_moved():
    customer = Customer.create("org-1", "Bolt", "ap@bolt.test")
    customer.update("Bolt", "ap@bolt.test", ["1 Quay St"], "GB1")
    event = customer.pending[-1]
    assert event.type == "CustomerUpdated" and event.data["changed"] == ["address", "tax_id"]
    assert event.data["name"] == "Bolt" and event.data["address"] == ["1 Quay St"]
    customer.update("Bolt", "AP@bolt.test", ["1 Quay St"], "GB1")          # nothing moved
    assert len(customer.pending) == 2
    replayed = Customer.from_events(customer.pending)
    assert (replayed.address, replayed.tax_id) == (["1 Quay St"], "GB1")
    with pytest.raises(DomainError):
        customer.update("", "ap@bolt.test", [], None)


def test_the_seller_address_and_tax_id_are_settings():
    org = Organization.create("Acme", "acme")
    org.change_settings({"seller_address": ["2 Mill Rd", " ", "Bristol"], "seller_tax_id": " DE811 "})
    assert org.pending[-1].data["changed"] == ["seller_address", "seller_tax_id"]
    assert org.pending[-1].data["settings"]["seller_address"] == ["2 Mill Rd", "Bristol"]
    assert org.pending[-1].data["settings"]["seller_tax_id"] == "DE811"
    org.change_settings({"seller_tax_id": ""})
    assert org.pending[-1].data["settings"]["seller_tax_id"] is None


def test_the_default_language_is_one_the_portal_offers():
    org = Organization.create("Acme", "acme")
    org.change_settings({"default_language": "ar"})
    assert org.pending[-1].data["changed"] == ["default_language"]
    assert org.pending[-1].data["settings"]["default_language"] == "ar"
    with pytest.raises(DomainError, match="portal's languages"):
        org.change_settings({"default_language": "es"})
    assert len(org.pending) == 2


def test_support_numbers_are_whole_days_within_bounds():
    org = Organization.create("Acme", "acme")
    assert org.pending[0].data["settings"]["ticket_reopen_days"] == 14
    assert org.pending[0].data["settings"]["review_period_days"] == 30
    org.change_settings({"ticket_reopen_days": 0, "review_period_days": 90, "share_tickets": True})
    assert org.pending[-1].data["changed"] == ["review_period_days", "share_tickets", "ticket_reopen_days"]
    for bad in ({"ticket_reopen_days": 366}, {"ticket_reopen_days": -1}, {"review_period_days": 0},
                {"review_period_days": "30"}, {"ticket_reopen_days": True}):
        with pytest.raises(DomainError, match="whole number of days"):
            org.change_settings(bad)
    assert len(org.pending) == 2
