"""Comments and forwarding on the Invoice's stream (domain/conversation.py): plain text of
1 to 5000 characters, who may see a comment, what the events carry, and drafts say nothing."""
import pytest

from contracts.fastcheck import check_data
from services.billing.domain import conversation
from services.billing.domain.invoice import Invoice
from services.chassis.errors import DomainError

LINES = [{"description": "Consulting", "quantity": "1", "unit_price_minor": 12000, "tax_rate": "0"}]


def issued() -> Invoice:
    invoice = Invoice.draft("org-1", "cust-1", "EUR", LINES, due_date="2099-01-31")
    invoice.issue("INV-000007", "2024-07-01T09:00:00.000000+00:00")
    return invoice


def test_a_contacts_comment_is_recorded_visible_with_an_excerpt_and_the_invoice_link():
    invoice = issued()
    data = conversation.post_comment(invoice, "contact", "contact-1", " Why?\r\nThanks ", True, "Ann")
    event = invoice.pending[-1]
    assert (event.type, event.aggregate_id, event.aggregate_version) == ("CommentPosted", invoice.id, 2)
    assert data["body"] == "Why?\nThanks" and data["excerpt"] == "Why? Thanks"
    assert data["visible_to_customer"] is True and data["invoice_number"] == "INV-000007"
    assert data["portal_path"] == f"/invoices/{invoice.id}" and data["author_name"] == "Ann"
    check_data("CommentPosted", data)
    assert Invoice.from_events(invoice.pending).status == invoice.status      # changes no state


def test_staff_comments_are_internal_unless_shown_and_a_contact_cannot_hide_one():
    invoice = issued()
    assert conversation.post_comment(invoice, "staff", "staff-1", "note", False)["visible_to_customer"] is False
    with pytest.raises(DomainError):
        conversation.post_comment(invoice, "contact", "contact-1", "hidden?", False)
    with pytest.raises(DomainError):
        conversation.post_comment(invoice, "api_key", "key-1", "hello", True)


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x01", None, 42])
def test_empty_or_non_text_comments_are_refused(text):
    with pytest.raises(DomainError) as refused:
        conversation.post_comment(issued(), "contact", "c", text, True)
    assert refused.value.extensions["field"] == "text"


def test_a_comment_is_at_most_5000_characters_and_control_characters_are_dropped():
    assert len(conversation.clean_text("x" * 5000)) == 5000
    with pytest.raises(DomainError, match="5000"):
        conversation.clean_text("x" * 5001)
    assert conversation.clean_text("a\x00b\x1bc\td\ne") == "abc\td\ne"
    assert conversation.excerpt("word " * 100).endswith("…") and len(conversation.excerpt("word " * 100)) == 200


def test_nothing_is_said_about_a_draft():
    draft = Invoice.draft("org-1", "cust-1", "EUR", LINES)
    with pytest.raises(DomainError):
        conversation.post_comment(draft, "staff", "s", "note", False)
    with pytest.raises(DomainError):
        conversation.forward(draft, "contact-1", "ap@globex.test")
    assert draft.pending == []


def test_forwarding_records_the_recipient_and_what_the_mail_needs():
    invoice = issued()
    data = conversation.forward(invoice, "contact-1", "Ap@Globex.TEST", "  Please pay \x07", "Ann")
    assert invoice.pending[-1].type == "InvoiceForwarded"
    assert data == {"invoice_id": invoice.id, "customer_id": "cust-1", "contact_id": "contact-1",
                    "recipient_email": "Ap@globex.test", "message": "Please pay", "contact_name": "Ann",
                    "invoice_number": "INV-000007", "portal_path": f"/invoices/{invoice.id}", "currency": "EUR",
                    "total_minor": 12000, "amount_due_minor": 12000, "due_date": "2099-01-31"}
    check_data("InvoiceForwarded", data)
    assert conversation.forward(invoice, "contact-1", "x@y.test", "   ")["message"] is None


@pytest.mark.parametrize("email", ["", "ann", "ann@", "@globex.test", "ann@globex", "a b@globex.test",
                                   "ann@globex.test, eve@evil.test", "x" * 250 + "@a.test", None])
def test_a_forward_needs_one_good_address(email):
    with pytest.raises(DomainError) as refused:
        conversation.forward(issued(), "contact-1", email)
    assert refused.value.extensions["field"] == "email"
