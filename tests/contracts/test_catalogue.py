"""The catalogue holds every event DESIGN.md promises, each on its service's topic."""
import pytest

from contracts.catalogue import CATALOGUE, SERVICES, contract_for, dlq_topic, topic_for
from contracts.errors import ContractError, UnknownEvent

# Copied from DESIGN.md "Events" on purpose: removing an event from the code must fail here.
DESIGN_CATALOGUE = {
    "identity": """OrganizationCreated PortalSettingsChanged CustomerCreated ContactInvited
        ContactActivated ContactSignedUp ProfileUpdated PasswordChanged MfaEnabled
        MfaDisabled PermissionsChanged LoginSucceeded LoginFailed SessionRevoked""",
    "billing": """InvoiceIssued InvoiceUpdated InvoiceVoided InvoiceViewed InvoiceForwarded ReminderSent
        PaymentInitiated PaymentPending PaymentSettled PaymentFailed PaymentRefunded
        CreditNoteIssued CreditApplied CreditRefunded PaymentLinkCreated CommentPosted""",
    "orders": """SalesOrderPlaced SalesOrderUpdated ShipmentDispatched DeliveryStatusChanged
        ServiceRequestOpened ServiceRequestUpdated ProjectCreated ProjectUpdated
        TaskUpdated MilestoneReached TimesheetLogged""",
    "support": "TicketRaised TicketMessagePosted TicketStatusChanged TicketClosed ReviewSubmitted",
    "documents": """DocumentShared DocumentVersionAdded DocumentWithdrawn DocumentForwarded DocumentUploaded DocumentDownloaded QuoteAccepted
        QuoteDeclined AgreementSigned""",
    "notifications": "EmailSent EmailFailed WebhookDelivered",
}
ADDED_SINCE_DESIGN = {"StaffMemberAdded": "identity", "ContactAdded": "identity", "WebhookFailed": "notifications",
                      "WebhookRegistered": "notifications", "WebhookDisabled": "notifications",
                      "WebhookEnabled": "notifications", "WebhookDeleted": "notifications", "EmailTemplateChanged": "notifications",
                      "EmailTemplateReset": "notifications", "ApiKeyCreated": "identity",
                      "ApiKeyRevoked": "identity", "StaffInvited": "identity",
                      "StaffMemberActivated": "identity", "StaffRoleChanged": "identity",
                      "StaffMemberRemoved": "identity", "TicketNoteAdded": "support",
                      "TicketAssigned": "support", "TicketMerged": "support", "TicketRead": "support",
                      "OnlinePaymentRefused": "billing", "PaymentReceivedAfterFailure": "billing",
                      "SalesOrderCancelled": "orders", "TimesheetWeekApproved": "orders",
                      "TimesheetWeekDisputed": "orders", "CustomerUpdated": "identity",
                      "CustomerModulesChanged": "identity", "OrganizationSuspended": "identity",
                      "OrganizationResumed": "identity", "OrganizationClosed": "identity",
                      "DomainAdded": "identity", "DomainVerified": "identity", "DomainRemoved": "identity"}


@pytest.mark.parametrize("service", sorted(DESIGN_CATALOGUE))
def test_every_design_event_is_in_the_catalogue_under_its_service(service):
    for event_type in DESIGN_CATALOGUE[service].split():
        assert event_type in CATALOGUE, f"{event_type} missing from the catalogue"
        assert CATALOGUE[event_type].service == service


def test_catalogue_has_nothing_unaccounted_for():
    listed = {t for names in DESIGN_CATALOGUE.values() for t in names.split()} | set(ADDED_SINCE_DESIGN)
    assert set(CATALOGUE) == listed


@pytest.mark.parametrize("service", SERVICES)
def test_topic_per_service(service):
    assert topic_for(service) == f"portal.{service}.v1"
    assert dlq_topic(topic_for(service)) == f"portal.{service}.v1.dlq"


def test_topic_for_an_unknown_service_is_refused():
    with pytest.raises(ValueError):
        topic_for("payments")


def test_contract_metadata_is_uniform():
    for event_type, contract in CATALOGUE.items():
        assert contract.type == event_type == contract.schema.__name__
        assert contract.schema.event_type == event_type
        assert contract.schema_version >= 1 and contract.aggregate_type
        assert contract.schema.__module__ == f"contracts.events.{contract.service}"
        assert contract.topic == f"portal.{contract.service}.v1"
        assert contract.schema.__doc__, f"{event_type} needs a docstring: it is the published description"


def test_contract_for_known_and_unknown_types():
    assert contract_for("InvoiceIssued").aggregate_type == "Invoice"
    with pytest.raises(UnknownEvent) as caught:
        contract_for("InvoiceIssuedd")
    assert isinstance(caught.value, ContractError)
    assert "InvoiceIssuedd" in str(caught.value)


def test_contract_is_frozen():
    with pytest.raises(AttributeError):
        CATALOGUE["InvoiceIssued"].schema_version = 2
