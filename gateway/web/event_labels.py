"""The catalogue's event types as staff read them where they choose a webhook's events:
grouped by area ("Invoices": issued, voided …), each in a few plain words. The raw type
("InvoiceIssued") stays the form's value and what the webhook's deliveries carry.

A type not listed here (one added to the catalogue since) is still offered, under "Other",
by its raw name; tests/unit/gateway/test_event_labels.py asks that every type has words."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ALL_EVENTS = "*"

EVENT_AREAS: dict = {
    _l("Invoices"): {"InvoiceIssued": _l("issued"), "InvoiceUpdated": _l("changed"), "InvoiceViewed": _l("viewed by the customer"),
                 "InvoiceVoided": _l("voided"), "InvoiceForwarded": _l("forwarded by the customer"),
                 "CommentPosted": _l("comment posted"), "PaymentLinkCreated": _l("payment link made"),
                 "ReminderSent": _l("payment reminder sent")},
    _l("Payments"): {"PaymentInitiated": _l("started"), "PaymentPending": _l("pending"), "PaymentSettled": _l("received"),
                 "PaymentFailed": _l("failed"), "PaymentReceivedAfterFailure": _l("received after a failure"),
                 "PaymentRefunded": _l("refunded"), "OnlinePaymentRefused": _l("refused by the payment provider")},
    _l("Credit notes"): {"CreditNoteIssued": _l("issued"), "CreditApplied": _l("applied to an invoice"),
                     "CreditRefunded": _l("refunded")},
    _l("Customers and contacts"): {"CustomerCreated": _l("customer added"), "CustomerUpdated": _l("customer details changed"),
                               "CustomerModulesChanged": _l("customer's modules changed"),
                               "ContactAdded": _l("contact added"), "ContactInvited": _l("contact invited"),
                               "ContactActivated": _l("contact accepted the invitation"),
                               "ContactSignedUp": _l("contact signed up"), "PermissionsChanged": _l("permissions changed"),
                               "ProfileUpdated": _l("profile changed")},
    _l("Sign-in and security"): {"LoginSucceeded": _l("signed in"), "LoginFailed": _l("sign-in refused"),
                             "SessionRevoked": _l("signed out early"), "PasswordChanged": _l("password changed"),
                             "MfaEnabled": _l("two-step verification on"), "MfaDisabled": _l("two-step verification off")},
    _l("Staff"): {"StaffMemberAdded": _l("added"), "StaffInvited": _l("invited"), "StaffMemberActivated": _l("accepted the invitation"),
              "StaffRoleChanged": _l("role changed"), "StaffMemberRemoved": _l("removed")},
    _l("Your organization"): {"OrganizationCreated": _l("portal created"), "PortalSettingsChanged": _l("settings changed"),
                          "OrganizationSuspended": _l("portal suspended"), "OrganizationResumed": _l("portal resumed"),
                          "OrganizationClosed": _l("portal closed"),
                          "DomainAdded": _l("domain added"), "DomainVerified": _l("domain verified"),
                          "DomainRemoved": _l("domain removed"),
                          "ApiKeyCreated": _l("API key made"), "ApiKeyRevoked": _l("API key revoked")},
    _l("Documents"): {"DocumentShared": _l("shared"), "DocumentUploaded": _l("uploaded by a customer"),
                  "DocumentVersionAdded": _l("new version"), "DocumentDownloaded": _l("downloaded"),
                  "DocumentForwarded": _l("forwarded"), "DocumentWithdrawn": _l("withdrawn"), "QuoteAccepted": _l("quote accepted"),
                  "QuoteDeclined": _l("quote declined"), "AgreementSigned": _l("agreement signed")},
    _l("Orders and deliveries"): {"SalesOrderPlaced": _l("order placed"), "SalesOrderUpdated": _l("order changed"),
                              "SalesOrderCancelled": _l("order cancelled"), "ShipmentDispatched": _l("shipment dispatched"),
                              "DeliveryStatusChanged": _l("delivery status changed")},
    _l("Service requests"): {"ServiceRequestOpened": _l("opened"), "ServiceRequestUpdated": _l("changed")},
    _l("Projects and timesheets"): {"ProjectCreated": _l("project created"), "ProjectUpdated": _l("project changed"),
                                "TaskUpdated": _l("task changed"), "MilestoneReached": _l("milestone reached"),
                                "TimesheetLogged": _l("time logged"), "TimesheetWeekApproved": _l("week approved"),
                                "TimesheetWeekDisputed": _l("week disputed")},
    _l("Support"): {"TicketRaised": _l("ticket raised"), "TicketMessagePosted": _l("message posted"),
                "TicketNoteAdded": _l("staff note added"), "TicketStatusChanged": _l("status changed"),
                "TicketAssigned": _l("assigned"), "TicketMerged": _l("merged"), "TicketClosed": _l("closed"),
                "TicketRead": _l("read"), "ReviewSubmitted": _l("service review submitted")},
    _l("E-mail and webhooks"): {"EmailSent": _l("e-mail sent"), "EmailFailed": _l("e-mail not delivered"),
                            "EmailTemplateChanged": _l("e-mail template changed"),
                            "EmailTemplateReset": _l("e-mail template reset"), "WebhookRegistered": _l("webhook added"),
                            "WebhookEnabled": _l("webhook switched on"), "WebhookDisabled": _l("webhook switched off"),
                            "WebhookDeleted": _l("webhook deleted"), "WebhookDelivered": _l("webhook delivery made"),
                            "WebhookFailed": _l("webhook delivery given up")},
}
OTHER = _l("Other")
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
        return str(_l("All events"))
    return "; ".join(f"{area}: {', '.join(str(words) for _, words in pairs)}" for area, pairs in event_groups(types))
