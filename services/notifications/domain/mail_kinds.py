"""The kinds of e-mail the portal sends, what each may say (its placeholders), sample
data for previews, and the default wording. Pure data: templates are Jinja2 text,
rendered in a sandbox by the templates adapter.

Every template may also use `org` (name, host) and `recipient` (name, email). A recipient
without a known name has an empty `recipient.name` (never one made from the address): the
default wordings then greet with a plain "Hello,"."""
from __future__ import annotations

from dataclasses import dataclass, field

from services.notifications.i18n import N_

COMMON = ("org", "recipient")
# Mails that carry a one-time link meant for their recipient alone (it signs them in or sets
# their password): staff never read them, and their text is dropped once sent.
ONE_TIME_LINK_KINDS = ("invitation", "password_reset", "email_verification")
SENT_AND_DROPPED = "This mail carried a one-time link for its recipient alone; its text was removed once sent."


# A forwarded invoice's or document's personal message, when the sender wrote one (plain text;
# escaped in the HTML part like every value).
SENDERS_MESSAGE = "{% if message %}\n{{ sender_name }} wrote:\n\n{{ message }}\n{% endif %}"


# What every mail about a shipment may say (shipment_dispatched, _delivered, _exception): the
# carrier's details may be missing (null), `detail` is the carrier's note on that report.
SHIPMENT = ["order_number", "carrier", "tracking_number", "tracking_link", "expected_on", "detail", "link"]
SHIPMENT_SAMPLE = {"order_number": "SO-000123", "carrier": "DHL", "tracking_number": "JD0146000034",
                   "tracking_link": "https://track.example/JD0146000034", "expected_on": "December 5, 2026",
                   "detail": "Reported at the Leipzig depot.", "link": "https://portal.example/sales-orders/1"}


@dataclass(frozen=True)
class Kind:
    name: str
    placeholders: tuple[str, ...]
    sample: dict
    subject: str
    text: str
    essential: bool = True          # essential mail has no unsubscribe link
    required: tuple[str, ...] = field(default=())

    @property
    def fixed_link(self) -> bool:
        """Its `link` signs the recipient in or sets their password: no editable template may
        place it (it could point it at another host); the portal adds it below the text."""
        return self.name in ONE_TIME_LINK_KINDS

    @property
    def links(self) -> tuple[str, ...]:
        """Its placeholders that carry a link into the portal (`link`, `pay_link` ...): in an
        HTML part made from the text they are links. A one-time link the portal adds itself."""
        return () if self.fixed_link else tuple(p for p in self.placeholders if "link" in p)

    @property
    def button(self) -> tuple[str, str] | None:
        """The HTML part's one button: (label, the placeholder whose link it opens)."""
        return BUTTONS.get(self.name)

    @property
    def allowed(self) -> set[str]:
        return (set(self.placeholders) - ({"link"} if self.fixed_link else set())) | set(COMMON)


# The one button of each kind's HTML mail (adapters/mail_layout.py): its words (translated into
# the recipient's language where the mail is filled in) and its link.
BUTTONS = {
    "invitation": (N_("Accept the invitation"), "link"), "password_reset": (N_("Choose a new password"), "link"),
    "email_verification": (N_("Confirm your address"), "link"), "invoice_issued": (N_("View and pay the invoice"), "link"),
    "payment_reminder": (N_("Pay the invoice"), "link"), "payment_receipt": (N_("Your receipt"), "receipt_link"),
    "payment_failed": (N_("Pay again"), "pay_link"), "invoice_forwarded": (N_("View the invoice"), "link"),
    "document_forwarded": (N_("View the document"), "link"), "portal_comment": (N_("Read the comment"), "link"),
    "ticket_reply": (N_("Read the reply"), "link"), "document_shared": (N_("View the document"), "link"),
    "shipment_dispatched": (N_("Follow your delivery"), "link"), "shipment_delivered": (N_("See your order"), "link"),
    "shipment_exception": (N_("See your order"), "link"), "service_request_update": (N_("Read the update"), "link"),
    "quote_decision": (N_("Open the quote"), "link"), "staff_activity": (N_("Open the console"), "link"),
    "staff_digest": (N_("Open the console"), "link"),
}


def _kind(name, placeholders, sample, subject, text, essential=True):
    required = () if name in ONE_TIME_LINK_KINDS else tuple(p for p in placeholders if "link" in p)
    return Kind(name, tuple(placeholders), sample, subject, text, essential, required=required)


KINDS: dict[str, Kind] = {k.name: k for k in [
    _kind("invitation", ["inviter", "link", "expires_at"],
          {"inviter": "Dana from Demo Co", "link": "https://portal.example/invite/…", "expires_at": "in 7 days"},
          "You are invited to the {{ org.name }} customer portal",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\n{{ inviter }} invited you to the {{ org.name }} customer portal.\n"
          "Set your password with the link below. It works once and expires {{ expires_at }}.\n"),
    _kind("password_reset", ["link", "expires_in_minutes"],
          {"link": "https://portal.example/reset/…", "expires_in_minutes": 30},
          "Reset your {{ org.name }} portal password",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\nSomeone asked to reset your password. If it was you, "
          "open the link below within {{ expires_in_minutes }} minutes.\nIf not, ignore this mail.\n"),
    _kind("email_verification", ["link"], {"link": "https://portal.example/verify/…"},
          "Confirm your e-mail address for {{ org.name }}",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\nConfirm your address with the link below.\n"),
    _kind("invoice_issued", ["invoice_number", "amount", "due_date", "link"],
          {"invoice_number": "INV-1001", "amount": "€1,250.00", "due_date": "31 Jan 2027",
           "link": "https://portal.example/invoices/1"},
          "Invoice {{ invoice_number }} from {{ org.name }}",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\n{{ org.name }} sent you invoice {{ invoice_number }} for {{ amount }}, "
          "due {{ due_date }}.\nSee it and pay it in the portal: {{ link }}\n", essential=False),
    _kind("payment_reminder", ["invoice_number", "amount", "due_date", "when", "link"],
          {"invoice_number": "INV-1001", "amount": "€1,250.00", "due_date": "31 Jan 2027",
           "when": "is due in 3 days", "link": "https://portal.example/invoices/1#pay"},
          "Reminder: invoice {{ invoice_number }} {{ when }}",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\nInvoice {{ invoice_number }} from {{ org.name }} for {{ amount }} "
          "{{ when }} (due date {{ due_date }}).\nPay it in the portal: {{ link }}\n\n"
          "If you have paid it already, thank you, and please ignore this reminder.\n", essential=False),
    _kind("payment_receipt", ["invoice_numbers", "amount", "receipt_link"],
          {"invoice_numbers": "INV-1001, INV-1002", "amount": "€1,250.00", "receipt_link": "https://portal.example/r/1"},
          "Receipt for your payment to {{ org.name }}",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\nWe received {{ amount }} for {{ invoice_numbers }}. "
          "Thank you.\nYour receipt: {{ receipt_link }}\n"),
    _kind("payment_failed", ["invoice_number", "amount", "reason", "pay_link"],
          {"invoice_number": "INV-1001", "amount": "€250.00", "reason": "The bank declined the debit.",
           "pay_link": "https://portal.example/pay/1"},
          "Your payment for {{ invoice_number }} did not go through",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\nYour payment of {{ amount }} for {{ invoice_number }} failed: "
          "{{ reason }}\nYou can pay again here: {{ pay_link }}\n"),
    _kind("invoice_forwarded", ["sender_name", "invoice_number", "message", "link"],
          {"sender_name": "Sam Buyer", "invoice_number": "INV-1001", "message": "For your records.",
           "link": "https://portal.example/i/1"},
          "{{ sender_name }} shared invoice {{ invoice_number }} with you",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\n{{ sender_name }} shared invoice {{ invoice_number }} from "
          "{{ org.name }} with you: {{ link }}\n" + SENDERS_MESSAGE),
    _kind("document_forwarded", ["sender_name", "document_title", "message", "link"],
          {"sender_name": "Sam Buyer", "document_title": "Service agreement 2027",
           "message": "Can you sign this off by Friday?", "link": "https://portal.example/documents/7"},
          "{{ sender_name }} shared {{ document_title }} with you",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\n{{ sender_name }} shared {{ document_title }} from "
          "{{ org.name }} with you: {{ link }}\n" + SENDERS_MESSAGE),
    _kind("portal_comment", ["document_number", "comment", "link"],
          {"document_number": "INV-1001", "comment": "We applied your discount.", "link": "https://portal.example/i/1"},
          "New comment on {{ document_number }}",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\n{{ org.name }} commented on {{ document_number }}:\n\n"
          "{{ comment }}\n\nReply in the portal: {{ link }}\n", essential=False),
    _kind("ticket_reply", ["ticket_number", "ticket_subject", "reply", "link"],
          {"ticket_number": "T-42", "ticket_subject": "Delivery late", "reply": "It ships today.",
           "link": "https://portal.example/t/42"},
          "[{{ ticket_number }}] {{ ticket_subject }}",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\n{{ reply }}\n\nSee the whole conversation: {{ link }}\n",
          essential=False),
    _kind("document_shared", ["document_name", "link"],
          {"document_name": "Service agreement 2027", "link": "https://portal.example/d/7"},
          "{{ org.name }} shared {{ document_name }} with you",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\n{{ document_name }} is waiting for you: {{ link }}\n",
          essential=False),
    _kind("shipment_dispatched", SHIPMENT, SHIPMENT_SAMPLE,
          "Your order {{ order_number }} is on its way",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\nYour order {{ order_number }} from {{ org.name }} is on its way"
          "{% if carrier %} with {{ carrier }}{% endif %}.\n"
          "{% if expected_on %}It is expected on {{ expected_on }}.\n{% endif %}"
          "{% if tracking_number %}Tracking number: {{ tracking_number }}\n{% endif %}"
          "{% if tracking_link %}Follow it with the carrier: {{ tracking_link }}\n{% endif %}"
          "\nSee your order: {{ link }}\n", essential=False),
    _kind("shipment_delivered", SHIPMENT, SHIPMENT_SAMPLE,
          "Your order {{ order_number }} was delivered",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\nYour order {{ order_number }} from {{ org.name }} was delivered"
          "{% if carrier %} by {{ carrier }}{% endif %}.\n{% if detail %}{{ detail }}\n{% endif %}"
          "\nSee your order: {{ link }}\n", essential=False),
    _kind("shipment_exception", SHIPMENT, SHIPMENT_SAMPLE,
          "A problem with the delivery of your order {{ order_number }}",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\n{% if carrier %}{{ carrier }}{% else %}The carrier{% endif %} reports a "
          "problem delivering your order {{ order_number }} from {{ org.name }}.\n"
          "{% if detail %}{{ detail }}\n{% endif %}"
          "{% if tracking_link %}Follow it with the carrier: {{ tracking_link }}\n{% endif %}"
          "\nSee your order: {{ link }}\n", essential=False),
    _kind("service_request_update", ["request_number", "author", "update", "status", "link"],
          {"request_number": "SR-000042", "author": "Sam from Demo Co", "update": "The engineer comes on Monday.",
           "status": "in progress", "link": "https://portal.example/service-requests/42"},
          "News on your service request {{ request_number }}",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\n{% if update %}{{ author }} wrote on your service request "
          "{{ request_number }}:\n\n{{ update }}\n\n{% endif %}"
          "{% if status %}Your service request {{ request_number }} is now {{ status }}.\n\n{% endif %}"
          "See your request: {{ link }}\n", essential=False),
    _kind("quote_decision", ["quote_number", "decision", "contact_name", "link"],
          {"quote_number": "Q-77", "decision": "accepted", "contact_name": "Sam Buyer",
           "link": "https://console.example/q/77"},
          "Quote {{ quote_number }} was {{ decision }}",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\n{{ contact_name }} {{ decision }} quote {{ quote_number }}.\n"
          "Details: {{ link }}\n"),
    _kind("staff_activity", ["activity", "link"],
          {"activity": "Payment settled", "link": "https://portal.example/console/activity"},
          "{{ org.name }}: {{ activity }}",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\n{{ activity }} in the {{ org.name }} portal.\n"
          "See the activity feed: {{ link }}\n", essential=False),
    _kind("staff_digest", ["day", "summary", "link"],
          {"day": "29 Nov 2026", "summary": "2 × Payment settled\n1 × Ticket raised",
           "link": "https://portal.example/console/activity"},
          "{{ org.name }}: your activity digest for {{ day }}",
          "Hello{% if recipient.name %} {{ recipient.name }}{% endif %},\n\nWhat happened in the {{ org.name }} portal on {{ day }}:\n\n"
          "{{ summary }}\n\nSee the activity feed: {{ link }}\n", essential=False),
]}

SAMPLE_COMMON = {"org": {"name": "Demo Trading Co", "host": "portal.example"},
                 "recipient": {"name": "Sam Buyer", "email": "sam@customer.example"}}
