"""Invoice comments and forwarding through billing's HTTP API, on SQLite and PostgreSQL:
contacts and staff talk under an invoice, staff-internal notes never reach the customer
(API, timeline, customer-visible events), forwarding needs the permission and the org's
switch and is capped per contact, and the events carry what notifications' mails need."""
from __future__ import annotations

import dataclasses
import os
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, update

from services.billing.handlers import comments
from services.billing.app import create_app
from services.billing.bootstrap import SPEC
from services.billing.projections.conversation import invoice_comments, invoice_forwards
from services.chassis import auth
from services.chassis.orgs import known_orgs
from services.chassis.projections import rebuild
from services.chassis.tables import events
from tests.helpers.problems import problem
from tests.helpers.tokens import bearer as _bearer

ORG, OTHER_ORG = "org-acme", "org-other"
LINE = {"description": "Consulting", "quantity": "1", "unit_price_minor": 12000, "tax_rate": "0"}
SECRET = "Customer is slow to pay, chase hard"


def bearer(kind="staff", org_id=None, name=None, **claims) -> dict:
    """tests.helpers.tokens.bearer, with the person's name (identity puts it in the token)."""
    headers = _bearer(kind, org_id, **claims)
    if name is None:
        return headers
    caller = auth.verify(os.environ["INTERNAL_TOKEN_PUBLIC_KEYS"], headers["Authorization"][7:])
    named = dataclasses.replace(caller, name=name)
    return {"Authorization": "Bearer " + auth.sign(os.environ["INTERNAL_TOKEN_PRIVATE_KEY"], named, ttl_s=3600)}


class Billing:
    def __init__(self, rt):
        self.rt, self.app = rt, create_app(rt.config)
        self.client = self.app.test_client()
        self.staff = bearer("staff", ORG, id="staff-1", name="Sam Owner", ttl_s=3600)
        self.settings(forward_documents=True)

    def settings(self, **values):
        with self.rt.engine.begin() as conn:
            if conn.execute(select(known_orgs).where(known_orgs.c.org_id == ORG)).first() is None:
                conn.execute(insert(known_orgs).values(org_id=ORG, name="Acme", host=None, settings=values))
            else:
                conn.execute(update(known_orgs).where(known_orgs.c.org_id == ORG).values(settings=values))

    def contact(self, customer_id="cust-1", org_id=ORG, id="contact-1", permissions=("view", "forward"),
                modules=("invoices",), name="Ann Example"):
        return bearer("contact", org_id, id=id, customer_id=customer_id, permissions=permissions,
                      modules=modules, name=name, ttl_s=3600)

    def invoice(self, customer_id="cust-1", issue=True):
        answer = self.client.post(f"/orgs/{ORG}/invoices", headers=self.staff, json={
            "customer_id": customer_id, "currency": "EUR", "lines": [LINE], "issue": issue,
            "due_date": "2099-01-31"})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def portal_comments(self, invoice_id, customer_id="cust-1", headers=None):
        return self.client.get(f"/orgs/{ORG}/customers/{customer_id}/invoices/{invoice_id}/comments",
                               headers=headers or self.contact(customer_id))

    def contact_says(self, invoice_id, text, customer_id="cust-1", headers=None):
        return self.client.post(f"/orgs/{ORG}/customers/{customer_id}/invoices/{invoice_id}/comments",
                                json={"text": text}, headers=headers or self.contact(customer_id))

    def staff_says(self, invoice_id, text, show_in_portal=False, org_id=ORG, headers=None):
        return self.client.post(f"/orgs/{org_id}/invoices/{invoice_id}/comments",
                                json={"text": text, "show_in_portal": show_in_portal}, headers=headers or self.staff)

    def forward(self, invoice_id, email="ap@globex.test", message=None, customer_id="cust-1", headers=None):
        body = {"email": email, **({"message": message} if message is not None else {})}
        return self.client.post(f"/orgs/{ORG}/customers/{customer_id}/invoices/{invoice_id}/forward",
                                json=body, headers=headers or self.contact(customer_id))

    def events(self, type_=None):
        with self.rt.engine.connect() as conn:
            query = select(events).order_by(events.c.position)
            return conn.execute(query.where(events.c.type == type_) if type_ else query).all()


@pytest.fixture
def billing(make_runtime, db_kind):
    return Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


def test_internal_notes_never_reach_the_customer_and_visible_comments_do(billing):
    inv = billing.invoice()
    iid = inv["invoice_id"]
    asked = billing.contact_says(iid, "  Why is the consulting line\r\n2 hours?  ")
    assert asked.status_code == 201, asked.get_json()
    assert asked.get_json()["text"] == "Why is the consulting line\n2 hours?"
    assert asked.get_json()["author_kind"] == "contact" and asked.get_json()["author_name"] == "Ann Example"
    assert "internal" not in asked.get_json() and "author_id" not in asked.get_json()
    note = billing.staff_says(iid, SECRET)
    assert note.status_code == 201 and note.get_json()["internal"] is True
    answer = billing.staff_says(iid, "It was two sessions; see the notes.", show_in_portal=True)
    assert answer.get_json()["internal"] is False and answer.get_json()["author_name"] == "Sam Owner"

    seen = billing.portal_comments(iid).get_json()["items"]
    assert [c["text"] for c in seen] == ["Why is the consulting line\n2 hours?", "It was two sessions; see the notes."]
    assert SECRET not in str(billing.portal_comments(iid).get_json())
    # staff looking through the customer's route see what the customer sees
    assert SECRET not in str(billing.portal_comments(iid, headers=billing.staff).get_json())
    staff = billing.client.get(f"/orgs/{ORG}/invoices/{iid}/comments", headers=billing.staff).get_json()["items"]
    assert [(c["author_kind"], c["internal"]) for c in staff] == [("contact", False), ("staff", True), ("staff", False)]
    assert staff[0]["author_id"] == "contact-1"

    # the timeline: visible comments for the customer, every comment (flagged) for staff
    detail = billing.client.get(f"/orgs/{ORG}/customers/cust-1/invoices/{iid}", headers=billing.contact()).get_json()
    shown = [e for e in detail["timeline"] if e["event"] == "comment"]
    assert [e["comment_id"] for e in shown] == [seen[0]["comment_id"], seen[1]["comment_id"]]
    assert SECRET not in str(detail) and note.get_json()["comment_id"] not in str(detail)
    staff_detail = billing.client.get(f"/orgs/{ORG}/invoices/{iid}", headers=billing.staff).get_json()
    assert [e["internal"] for e in staff_detail["timeline"] if e["event"] == "comment"] == [False, True, False]


def test_comment_events_carry_what_a_mail_needs_and_say_who_may_see_them(billing):
    inv = billing.invoice()
    iid = inv["invoice_id"]
    billing.contact_says(iid, "Question " + "x" * 300)
    billing.staff_says(iid, SECRET)
    billing.staff_says(iid, "Answer for you", show_in_portal=True)
    asked, note, answered = billing.events("CommentPosted")
    assert asked.data["visible_to_customer"] is True and asked.data["author_kind"] == "contact"
    assert asked.data["excerpt"].startswith("Question x") and len(asked.data["excerpt"]) == 200
    assert asked.data["excerpt"].endswith("…")
    assert answered.data == {
        "comment_id": answered.data["comment_id"], "invoice_id": iid, "customer_id": "cust-1",
        "author_kind": "staff", "author_id": "staff-1", "author_name": "Sam Owner", "body": "Answer for you",
        "visible_to_customer": True, "invoice_number": inv["number"], "excerpt": "Answer for you",
        "portal_path": f"/invoices/{iid}"}
    assert answered.meta["actor"] == {"kind": "staff", "id": "staff-1"}
    assert note.data["visible_to_customer"] is False
    # the internal note's words are only in its own (internal) event, nowhere customer-visible
    for row in billing.events():
        customer_visible = row.type != "CommentPosted" or row.data.get("visible_to_customer")
        if customer_visible:
            assert SECRET not in str(row.data), row.type


def test_bad_comments_are_refused_with_a_readable_problem(billing):
    iid = billing.invoice()["invoice_id"]
    assert "text" in problem(billing.contact_says(iid, "   \n "), 422)["errors"]["json"]
    too_long = problem(billing.contact_says(iid, "x" * 5001), 422)
    assert "5000" in too_long["detail"]
    assert billing.contact_says(iid, "x" * 5000).status_code == 201
    problem(billing.client.post(f"/orgs/{ORG}/customers/cust-1/invoices/{iid}/comments", json={},
                                headers=billing.contact()), 422)
    problem(billing.client.post(f"/orgs/{ORG}/customers/cust-1/invoices/{iid}/comments", json={"text": 5},
                                headers=billing.contact()), 422)
    problem(billing.client.post(f"/orgs/{ORG}/customers/cust-1/invoices/{iid}/comments", data="{not json",
                                content_type="application/json", headers=billing.contact()), 400)
    # control characters are dropped (PostgreSQL text holds no NUL)
    made = billing.contact_says(iid, "a\x00b\x07c\td")
    assert made.status_code == 201 and made.get_json()["text"] == "abc\td"
    draft = billing.invoice(issue=False)["invoice_id"]
    problem(billing.staff_says(draft, "Note on a draft"), 404)
    problem(billing.contact_says(draft, "Hello?"), 404)


def test_another_customers_or_orgs_invoice_is_a_404_and_roles_are_checked(billing):
    mine, theirs = billing.invoice("cust-1")["invoice_id"], billing.invoice("cust-2")["invoice_id"]
    billing.staff_says(theirs, "visible to cust-2", show_in_portal=True)
    own = billing.contact("cust-1")
    problem(billing.portal_comments(theirs, headers=own), 404)
    problem(billing.portal_comments(theirs, customer_id="cust-2", headers=own), 404)
    problem(billing.contact_says(theirs, "mine now?", headers=own), 404)
    problem(billing.contact_says(theirs, "mine now?", customer_id="cust-2", headers=own), 404)
    problem(billing.forward(theirs, headers=own), 404)
    other_org = bearer("staff", OTHER_ORG, id="staff-9")
    problem(billing.client.get(f"/orgs/{OTHER_ORG}/invoices/{mine}/comments", headers=other_org), 404)
    problem(billing.staff_says(mine, "hi", org_id=OTHER_ORG, headers=other_org), 404)
    problem(billing.client.get(f"/orgs/{ORG}/invoices/{mine}/comments", headers=other_org), 404)
    # contacts may not use the staff routes (no way to post an "internal" comment), nor post without view
    problem(billing.client.post(f"/orgs/{ORG}/invoices/{mine}/comments", json={"text": "x", "show_in_portal": False},
                                headers=own), 403)
    problem(billing.contact_says(mine, "hi", headers=billing.contact(permissions=("pay",))), 403)
    problem(billing.contact_says(mine, "hi", headers=billing.contact(modules=("tickets",))), 404)
    # an API key with the invoices scope reads the staff view; it cannot post
    key = bearer("api_key", ORG, id="key-1", modules=("invoices",))
    assert billing.client.get(f"/orgs/{ORG}/invoices/{mine}/comments", headers=key).status_code == 200
    problem(billing.staff_says(mine, "from the ERP", headers=key), 403)
    assert all(r.data["invoice_id"] == theirs for r in billing.events("CommentPosted"))


def test_forwarding_records_what_the_mail_needs_and_grants_nothing(billing):
    inv = billing.invoice()
    iid = inv["invoice_id"]
    sent = billing.forward(iid, "AP@Globex.TEST", message="For payment, please.")
    assert sent.status_code == 202, sent.get_json()
    assert sent.get_json() == {"invoice_id": iid, "invoice_number": inv["number"],
                               "recipient_email": "AP@globex.test", "message": "For payment, please."}
    [event] = billing.events("InvoiceForwarded")
    assert event.data == {
        "invoice_id": iid, "customer_id": "cust-1", "contact_id": "contact-1", "recipient_email": "AP@globex.test",
        "message": "For payment, please.", "contact_name": "Ann Example", "invoice_number": inv["number"],
        "portal_path": f"/invoices/{iid}", "currency": "EUR", "total_minor": 12000, "amount_due_minor": 12000,
        "due_date": "2099-01-31"}
    assert event.meta["actor"] == {"kind": "contact", "id": "contact-1"}
    # the first contact's access is untouched, and the timeline says it happened
    detail = billing.client.get(f"/orgs/{ORG}/customers/cust-1/invoices/{iid}", headers=billing.contact())
    assert detail.status_code == 200
    forwarded = [e for e in detail.get_json()["timeline"] if e["event"] == "forwarded"]
    assert forwarded and "recipient_email" not in forwarded[0]
    staff_detail = billing.client.get(f"/orgs/{ORG}/invoices/{iid}", headers=billing.staff).get_json()
    assert [e["recipient_email"] for e in staff_detail["timeline"] if e["event"] == "forwarded"] == ["AP@globex.test"]


def test_forwarding_needs_the_permission_the_org_switch_and_good_input(billing):
    iid = billing.invoice()["invoice_id"]
    problem(billing.forward(iid, headers=billing.contact(permissions=("view",))), 403)
    problem(billing.forward(iid, headers=billing.staff), 403)
    billing.settings(forward_documents=False)
    off = problem(billing.forward(iid), 403)
    assert "not enabled" in off["detail"]
    with billing.rt.engine.begin() as conn:                 # an org billing has not heard of: off
        conn.execute(known_orgs.delete())
    problem(billing.forward(iid), 403)
    billing.settings(forward_documents=True)
    assert "email" in problem(billing.forward(iid, "not-an-address"), 422)["errors"]["json"]
    problem(billing.forward(iid, message="x" * 1001), 422)
    draft = billing.invoice(issue=False)["invoice_id"]
    problem(billing.forward(draft), 404)
    assert billing.events("InvoiceForwarded") == []
    assert billing.forward(iid).status_code == 202


def test_forwarding_is_capped_per_contact_and_hour(billing):
    iid = billing.invoice()["invoice_id"]
    for n in range(comments.FORWARDS_PER_HOUR):
        assert billing.forward(iid, f"person{n}@example.test").status_code == 202
    refused = problem(billing.forward(iid, "one-more@example.test"), 429)
    assert "20 invoices in the last hour" in refused["detail"] and refused["retry_after_s"] > 0
    other = billing.contact(id="contact-2")
    assert billing.forward(iid, headers=other).status_code == 202      # another contact has their own budget
    # an hour later the budget is back
    later = datetime.now(timezone.utc) + timedelta(hours=1, seconds=5)
    command = comments.ForwardInvoice(ORG, "cust-1", iid, "contact-1", "later@example.test")
    assert comments.forward_invoice(billing.rt, command, now=later)["recipient_email"] == "later@example.test"


def test_the_read_models_are_rebuilt_from_the_events(billing):
    iid = billing.invoice()["invoice_id"]
    billing.contact_says(iid, "first")
    billing.staff_says(iid, SECRET)
    billing.forward(iid)
    with billing.rt.engine.connect() as conn:
        before = (conn.execute(select(invoice_comments).order_by(invoice_comments.c.posted_at)).all(),
                  conn.execute(select(invoice_forwards)).all())
    rebuild(billing.rt.store)
    with billing.rt.engine.connect() as conn:
        after = (conn.execute(select(invoice_comments).order_by(invoice_comments.c.posted_at)).all(),
                 conn.execute(select(invoice_forwards)).all())
    assert after == before and len(after[0]) == 2 and len(after[1]) == 1
