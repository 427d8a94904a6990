"""Contacts, staff and the password rules: pure domain, no database."""
import pytest

from services.chassis.errors import DomainError
from services.identity.domain.contact import Contact
from services.identity.domain.passwords import check_new_password
from services.identity.domain.staff import StaffMember


def never_common(_):
    return False


def test_a_contact_is_added_invited_and_activated_once():
    contact = Contact.add("org-1", "cust-1", " Sam@Bolt.test ", "Sam", ["pay", "view"])
    assert contact.email == "sam@bolt.test" and contact.permissions == ["view", "pay"]
    contact.invite("2026-12-01T00:00:00+00:00")
    contact.activate()
    assert [e.type for e in contact.pending] == ["ContactAdded", "ContactInvited", "ContactActivated"]
    with pytest.raises(DomainError):
        contact.activate()
    with pytest.raises(DomainError):
        contact.invite("2026-12-01T00:00:00+00:00")


def test_a_signed_up_contact_is_active_at_once_with_the_self_service_permissions():
    contact = Contact.sign_up("org-1", "cust-1", " Kim@New.test ", "Kim")
    assert [e.type for e in contact.pending] == ["ContactAdded", "ContactSignedUp"]
    assert contact.status == "active" and contact.email == "kim@new.test"
    assert contact.permissions == ["view", "download", "pay", "submit_tickets"]
    with pytest.raises(DomainError):
        contact.invite("2026-12-01T00:00:00+00:00")            # nothing left to invite to
    with pytest.raises(DomainError):
        Contact.sign_up("org-1", "cust-1", "kim@new.test", "  ")


def test_unknown_permissions_and_profile_fields_are_refused():
    with pytest.raises(DomainError, match="Unknown permission: admin"):
        Contact.add("org-1", "cust-1", "a@b.test", "A", ["admin"])
    contact = Contact.add("org-1", "cust-1", "a@b.test", "A", [])
    with pytest.raises(DomainError):
        contact.update_profile({"email": "other@b.test"})
    with pytest.raises(DomainError):
        contact.update_profile({"name": "   "})


def test_a_profile_change_records_only_what_moved():
    contact = Contact.add("org-1", "cust-1", "a@b.test", "A", [])
    contact.update_profile({"name": "A", "phone": " 123 "})
    assert contact.pending[-1].data["changed"] == ["phone"]
    before = len(contact.pending)
    contact.update_profile({"phone": "123"})
    assert len(contact.pending) == before


def test_staff_roles_are_owner_admin_or_agent():
    assert StaffMember.add("org-1", "d@acme.test", "Dana", "owner").role == "owner"
    with pytest.raises(DomainError):
        StaffMember.add("org-1", "d@acme.test", "Dana", "root")


@pytest.mark.parametrize("password", ["seven77", "", "x" * 1001])
def test_too_short_or_too_long_passwords_are_refused(password):
    with pytest.raises(DomainError):
        check_new_password(password, never_common)


def test_common_or_personal_passwords_are_refused_and_anything_long_enough_is_fine():
    with pytest.raises(DomainError, match="too common"):
        check_new_password("Password1", lambda p: p == "password1")
    with pytest.raises(DomainError):
        check_new_password("sam@bolt.test", never_common, email="sam@bolt.test")
    assert check_new_password("a b c d e f g", never_common) == "a b c d e f g"
    assert check_new_password("🙂" * 8, never_common) == "🙂" * 8


def test_a_contacts_language_is_not_chosen_until_set_and_ar_is_offered():
    contact = Contact.add("org-1", "cust-1", "sam@bolt.test", "Sam", ["view"])
    assert contact.profile_view()["language"] is None
    contact.update_profile({"language": "ar"})
    assert contact.profile_view()["language"] == "ar"
    contact.update_profile({"language": ""})
    assert contact.profile_view()["language"] is None
    assert [e.data["language"] for e in contact.pending if e.type == "ProfileUpdated"] == ["ar", None]
    with pytest.raises(DomainError):
        contact.update_profile({"language": "xx"})
