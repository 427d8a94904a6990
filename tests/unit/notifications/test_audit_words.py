"""The audit log's words (services/notifications/domain/audit.py): the sentence each change
says, what is left out, and CSV cells no spreadsheet runs."""
from services.notifications.domain.audit import audit_entry, spreadsheet_safe

STAFF = {"kind": "staff", "id": "sam"}


class Known:
    def person(self, kind, person_id):
        return {"ann": "Ann Buyer", "ada": "Ada Admin"}.get(person_id)

    def webhook_host(self, webhook_id):
        return None


def test_settings_say_what_moved_with_their_new_value():
    entry = audit_entry("PortalSettingsChanged", {"changed": ["mfa_required", "ticket_reopen_days", "seller_address"],
                                                  "settings": {"mfa_required": False, "ticket_reopen_days": 30}},
                        STAFF, Known())
    assert entry.area == "settings"
    assert entry.what == "Changed portal settings: MFA required off, ticket reopening 30, seller address"


def test_long_lists_are_cut_and_unknown_names_read_plainly():
    entry = audit_entry("WebhookRegistered", {"webhook_id": "w", "host": "erp.test",
                                              "event_types": [f"Type{n}" for n in range(8)]}, STAFF, Known())
    assert entry.what == "Added a webhook to erp.test for Type0, Type1, Type2, Type3, Type4 and 3 more"
    gone = audit_entry("WebhookDeleted", {"webhook_id": "w"}, {"kind": "system", "id": None}, Known())
    assert gone.what == "Deleted the webhook to an internal system"
    nobody = audit_entry("PermissionsChanged", {"contact_id": "x", "modules": [], "permissions": []}, STAFF, Known())
    assert nobody.what == "Changed the access of a contact: modules none; permissions none"


def test_a_persons_own_security_and_other_events_are_not_audited():
    ann = {"kind": "contact", "id": "ann"}
    assert audit_entry("MfaDisabled", {"user_kind": "contact", "user_id": "ann"}, ann, Known()) is None
    assert audit_entry("SessionRevoked", {"user_kind": "contact", "user_id": "ann", "reason": "expired"},
                       STAFF, Known()) is None
    assert audit_entry("InvoiceIssued", {"number": "INV-1"}, STAFF, Known()) is None
    reset = audit_entry("MfaDisabled", {"user_kind": "staff", "user_id": "ada"}, STAFF, Known())
    assert reset.what == "Reset the two-step sign-in of Ada Admin" and reset.subject_id == "ada"


def test_a_cell_that_would_be_a_formula_is_neutralised():
    assert [spreadsheet_safe(v) for v in ("=1+1", "+31 20", "-5", "@SUM(A1)", "\tx", "plain", None, 7)] == \
        ["'=1+1", "'+31 20", "'-5", "'@SUM(A1)", "'\tx", "plain", "", "7"]
