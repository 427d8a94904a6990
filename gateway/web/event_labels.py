"""The catalogue's event types as staff read them where they choose a webhook's events:
grouped by area ("Invoices": issued, voided …), each in a few plain words. The raw type
("InvoiceIssued") stays the form's value and what the webhook's deliveries carry.

A type not listed here (one added to the catalogue since) is still offered, under "Other",
by its raw name; tests/unit/gateway/test_event_labels.py asks that every type has words."""
from __future__ import annotations

ALL_EVENTS = "*"

EVENT_AREAS: dict[str, dict[str, str]] = {
    "Invoices": {"InvoiceIssued": "issued", "InvoiceUpdated": "changed", "InvoiceViewed": "viewed by the customer",
                 "InvoiceVoided": "voided", "InvoiceForwarded": "forwarded by the customer",
                 "CommentPosted": "comment posted", "PaymentLinkCreated": "payment link made",
                 "ReminderSent": "payment reminder sent"},
    "Payments": {"PaymentInitiated": "started", "PaymentPending": "pending", "PaymentSettled": "received",
                 "PaymentFailed": "failed", "PaymentReceivedAfterFailure": "received after a failure",
                 "PaymentRefunded": "refunded", "OnlinePaymentRefused": "refused by the payment provider"},
    "Credit notes": {"CreditNoteIssued": "issued", "CreditApplied": "applied to an invoice",
                     "CreditRefunded": "refunded"},
    "Customers and contacts": {"CustomerCreated": "customer added", "CustomerUpdated": "customer details changed",
                               "CustomerModulesChanged": "customer's modules changed",
                               "ContactAdded": "contact added", "ContactInvited": "contact invited",
                               "ContactActivated": "contact accepted the invitation",
                               "ContactSignedUp": "contact signed up", "PermissionsChanged": "permissions changed",
                               "ProfileUpdated": "profile changed"},
    "Sign-in and security": {"LoginSucceeded": "signed in", "LoginFailed": "sign-in refused",
                             "SessionRevoked": "signed out early", "PasswordChanged": "password changed",
                             "MfaEnabled": "two-step verification on", "MfaDisabled": "two-step verification off"},
    "Staff": {"StaffMemberAdded": "added", "StaffInvited": "invited", "StaffMemberActivated": "accepted the invitation",
              "StaffRoleChanged": "role changed", "StaffMemberRemoved": "removed"},
    "Your organization": {"OrganizationCreated": "portal created", "PortalSettingsChanged": "settings changed",
                          "OrganizationSuspended": "portal suspended", "OrganizationResumed": "portal resumed",
                          "OrganizationClosed": "portal closed",
                          "DomainAdded": "domain added", "DomainVerified": "domain verified",
                          "DomainRemoved": "domain removed",
                          "ApiKeyCreated": "API key made", "ApiKeyRevoked": "API key revoked"},
    "Documents": {"DocumentShared": "shared", "DocumentUploaded": "uploaded by a customer",
                  "DocumentVersionAdded": "new version", "DocumentDownloaded": "downloaded",
                  "DocumentForwarded": "forwarded", "DocumentWithdrawn": "withdrawn", "QuoteAccepted": "quote accepted",
                  "QuoteDeclined": "quote declined", "AgreementSigned": "agreement signed"},
    "Orders and deliveries": {"SalesOrderPlaced": "order placed", "SalesOrderUpdated": "order changed",
                              "SalesOrderCancelled": "order cancelled", "ShipmentDispatched": "shipment dispatched",
                              "DeliveryStatusChanged": "delivery status changed"},
    "Service requests": {"ServiceRequestOpened": "opened", "ServiceRequestUpdated": "changed"},
    "Projects and timesheets": {"ProjectCreated": "project created", "ProjectUpdated": "project changed",
                                "TaskUpdated": "task changed", "MilestoneReached": "milestone reached",
                                "TimesheetLogged": "time logged", "TimesheetWeekApproved": "week approved",
                                "TimesheetWeekDisputed": "week disputed"},
    "Support": {"TicketRaised": "ticket raised", "TicketMessagePosted": "message posted",
                "TicketNoteAdded": "staff note added", "TicketStatusChanged": "status changed",
                "TicketAssigned": "assigned", "TicketMerged": "merged", "TicketClosed": "closed",
                "TicketRead": "read", "ReviewSubmitted": "service review submitted"},
    "E-mail and webhooks": {"EmailSent": "e-mail sent", "EmailFailed": "e-mail not delivered",
                            "EmailTemplateChanged": "e-mail template changed",
                            "EmailTemplateReset": "e-mail template reset", "WebhookRegistered": "webhook added",
                            "WebhookEnabled": "webhook switched on", "WebhookDisabled": "webhook switched off",
                            "WebhookDeleted": "webhook deleted", "WebhookDelivered": "webhook delivery made",
                            "WebhookFailed": "webhook delivery given up"},
}
OTHER = "Other"
_AREA_OF = {t: area for area, labels in EVENT_AREAS.items() for t in labels}


def event_groups(types: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The offered types as [(area, [(type, words)])], areas and types in the table's order."""
    offered = [t for t in types if t != ALL_EVENTS]
    groups = [(area, [(t, words) for t, words in labels.items() if t in offered])
              for area, labels in EVENT_AREAS.items()]
    other = sorted(t for t in offered if t not in _AREA_OF)
    return [g for g in groups if g[1]] + ([(OTHER, [(t, t) for t in other])] if other else [])


def events_summary(types: list[str]) -> str:
    """A webhook's events in one line: "Invoices: issued, voided; Payments: received"."""
    if ALL_EVENTS in types:
        return "All events"
    return "; ".join(f"{area}: {', '.join(words for _, words in pairs)}" for area, pairs in event_groups(types))
