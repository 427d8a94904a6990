"""The conversation under an invoice and forwarding it, in the portal, against the real
billing service: comments shown as text (a <script> is only words), internal notes never
shown, posting and forwarding by plain forms (no JavaScript), and the forward form only
for contacts with `forward` where the org allows it."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from services.chassis.tables import events
from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import Browser, text
from tests.helpers.tokens import bearer

SCRIPT = '<script>alert("hi")</script> & <b>bold</b>'


def contact(world, app, permissions=("view",)) -> Browser:
    world.ann.permissions = list(permissions)
    browser = Browser(app)
    browser.sign_in(world.ann)
    return browser


def invoice(world) -> dict:
    return billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"])


def staff_comment(world, invoice_id, words, show_in_portal):
    answer = billing_backend.billing_app().test_client().post(
        f"/orgs/{world.org['org_id']}/invoices/{invoice_id}/comments",
        json={"text": words, "show_in_portal": show_in_portal},
        headers=bearer("staff", world.org["org_id"], id=str(uuid.uuid4())))
    assert answer.status_code == 201, answer.get_json()


def recorded(type_: str, invoice_id: str) -> list[dict]:
    engine = billing_backend.billing_app().extensions["portal"].engine
    with engine.connect() as conn:
        rows = conn.execute(select(events.c.data).where(events.c.type == type_,
                                                        events.c.stream_id == invoice_id)).all()
    return [r.data for r in rows]


def test_comments_show_as_text_and_internal_notes_never_show(world, app):
    inv = invoice(world)
    staff_comment(world, inv["invoice_id"], SCRIPT + "\nsecond line", show_in_portal=True)
    staff_comment(world, inv["invoice_id"], "Internal: chase them hard", show_in_portal=False)
    ann = contact(world, app)
    page = ann.get(f"/invoices/{inv['invoice_id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Questions and comments" in text(page)
    assert "&lt;script&gt;alert(&#34;hi&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert SCRIPT in text(page) and "second line" in text(page)
    assert "chase them hard" not in html
    assert "Forward this invoice" not in text(page)                    # no `forward` permission


def test_a_contact_posts_a_comment_without_javascript(world, app):
    inv = invoice(world)
    ann = contact(world, app)
    ann.get(f"/invoices/{inv['invoice_id']}")
    answer = ann.send(f"/invoices/{inv['invoice_id']}/comments", {"text": "Can we pay in <two> parts?"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/invoices/{inv['invoice_id']}#conversation"
    page = ann.get(f"/invoices/{inv['invoice_id']}")
    assert "Your comment was posted." in text(page) and "Can we pay in <two> parts?" in text(page)
    assert "&lt;two&gt;" in page.get_data(as_text=True)
    [posted] = recorded("CommentPosted", inv["invoice_id"])
    assert posted["author_kind"] == "contact" and posted["visible_to_customer"] is True
    # an empty or too long comment: a readable message, nothing recorded
    assert ann.send(f"/invoices/{inv['invoice_id']}/comments", {"text": "   "}).status_code == 302
    assert "empty comment is not sent" in text(ann.get(f"/invoices/{inv['invoice_id']}"))
    ann.send(f"/invoices/{inv['invoice_id']}/comments", {"text": "x" * 5001})
    assert "at most 5000 characters" in text(ann.get(f"/invoices/{inv['invoice_id']}"))
    assert len(recorded("CommentPosted", inv["invoice_id"])) == 1
    # without the CSRF token: refused
    refused = ann.post(f"/invoices/{inv['invoice_id']}/comments", {"text": "forged", "csrf_token": "nope"})
    assert refused.status_code == 400 and len(recorded("CommentPosted", inv["invoice_id"])) == 1


def test_another_customers_invoice_cannot_be_commented_or_forwarded(world, app):
    other = world.fake.add_customer(world.org, "Initech")
    theirs = billing_backend.issue_invoice(world.org["org_id"], other["customer_id"])
    ann = contact(world, app, permissions=("view", "forward"))
    ann.get("/invoices")
    with billing_backend.org_settings(world.org["org_id"], forward_documents=True):
        assert ann.send(f"/invoices/{theirs['invoice_id']}/comments", {"text": "hi"}).status_code == 404
        assert ann.send(f"/invoices/{theirs['invoice_id']}/forward", {"email": "x@y.test"}).status_code == 404
    assert recorded("CommentPosted", theirs["invoice_id"]) == []
    assert recorded("InvoiceForwarded", theirs["invoice_id"]) == []


def test_the_forward_form_sends_a_link_where_the_org_allows_it(world, app):
    inv = invoice(world)
    ann = contact(world, app, permissions=("view", "forward"))
    with billing_backend.org_settings(world.org["org_id"], forward_documents=True):
        page = ann.get(f"/invoices/{inv['invoice_id']}")
        assert "Forward this invoice" in text(page) and "never the invoice itself" in text(page)
        sent = ann.send(f"/invoices/{inv['invoice_id']}/forward",
                        {"email": "ap@globex.test", "message": "For payment"})
        assert sent.status_code == 302 and sent.headers["Location"].endswith("#forward")
        assert "We are e-mailing ap@globex.test a link" in text(ann.get(f"/invoices/{inv['invoice_id']}"))
        [forwarded] = recorded("InvoiceForwarded", inv["invoice_id"])
        assert forwarded["recipient_email"] == "ap@globex.test" and forwarded["message"] == "For payment"
        assert forwarded["contact_id"] == world.ann.id and forwarded["portal_path"] == f"/invoices/{inv['invoice_id']}"
        ann.send(f"/invoices/{inv['invoice_id']}/forward", {"email": "not an address"})
        assert "like name@example.com" in text(ann.get(f"/invoices/{inv['invoice_id']}"))
        # the first contact's page keeps working after forwarding
        assert ann.get(f"/invoices/{inv['invoice_id']}").status_code == 200
    # billing's copy of the org says no: billing's own words are shown
    with billing_backend.org_settings(world.org["org_id"], forward_documents=False):
        ann.get(f"/invoices/{inv['invoice_id']}")
        ann.send(f"/invoices/{inv['invoice_id']}/forward", {"email": "ap@globex.test"})
        assert "not enabled for this portal" in text(ann.get(f"/invoices/{inv['invoice_id']}"))
    # the org's switch off: no form, and a forged post is refused before billing
    world.org["settings"]["forward_documents"] = False
    app.extensions["gateway"].orgs.drop(world.org["host"])
    page = ann.get(f"/invoices/{inv['invoice_id']}")
    assert "Forward this invoice" not in text(page)
    with billing_backend.org_settings(world.org["org_id"], forward_documents=True):
        ann.send(f"/invoices/{inv['invoice_id']}/forward", {"email": "ap@globex.test"})
    assert len(recorded("InvoiceForwarded", inv["invoice_id"])) == 1


def test_forwarding_needs_the_forward_permission(world, app):
    inv = invoice(world)
    ann = contact(world, app, permissions=("view",))
    ann.get(f"/invoices/{inv['invoice_id']}")
    with billing_backend.org_settings(world.org["org_id"], forward_documents=True):
        refused = ann.send(f"/invoices/{inv['invoice_id']}/forward", {"email": "ap@globex.test"})
    assert refused.status_code == 403
    assert recorded("InvoiceForwarded", inv["invoice_id"]) == []
