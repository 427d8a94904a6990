"""Tickets through support's HTTP API, on SQLite and PostgreSQL: raising and numbering,
who sees which ticket (never another customer's; another contact's only where the org
shares tickets), the conversation's order under concurrent writers, internal notes that
never reach a contact, statuses, reopening within the window, merging, read marks, the
catch-up read of a live page, and the events internal systems read."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, update

from services.chassis.orgs import known_orgs
from services.chassis.projections import rebuild
from services.chassis.tables import events
from services.support.domain.commands import PostMessage, ReopenTicket
from services.support.app import create_app
from services.support.bootstrap import SPEC
from services.support.domain.ticket import TicketClosedError
from services.support.domain.viewer import Viewer
from services.support.handlers import tickets
from services.support.projections.tickets import ticket_messages, tickets as tickets_table
from tests.helpers.problems import problem
from tests.helpers.tokens import bearer

ORG, OTHER_ORG = "org-acme", "org-other"
NOTE = "Customer is on the cheap plan, do not escalate"


class Support:
    def __init__(self, rt):
        self.rt, self.app = rt, create_app(rt.config)
        self.client = self.app.test_client()
        self.staff = bearer("staff", ORG, id="staff-1", name="Sam Agent", ttl_s=3600)
        self.settings()

    def settings(self, **values):
        with self.rt.engine.begin() as conn:
            if conn.execute(select(known_orgs).where(known_orgs.c.org_id == ORG)).first() is None:
                conn.execute(insert(known_orgs).values(org_id=ORG, name="Acme", host=None, settings=values))
            else:
                conn.execute(update(known_orgs).where(known_orgs.c.org_id == ORG).values(settings=values))

    def contact(self, id="contact-1", customer_id="cust-1", permissions=("view", "submit_tickets"),
                modules=("tickets", "reviews"), name="Ann Example", org_id=ORG):
        return bearer("contact", org_id, id=id, customer_id=customer_id, permissions=permissions,
                      modules=modules, name=name, ttl_s=3600)

    def base(self, customer_id="cust-1"):
        return f"/orgs/{ORG}/customers/{customer_id}/tickets"

    def raise_(self, subject="Printer on fire", description="It is smoking.\nPlease help.", headers=None,
               customer_id="cust-1", **extra):
        answer = self.client.post(self.base(customer_id), headers=headers or self.contact(customer_id=customer_id),
                                  json={"subject": subject, "description": description, **extra})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def say(self, ticket_id, body, headers=None, customer_id="cust-1"):
        return self.client.post(f"{self.base(customer_id)}/{ticket_id}/messages", json={"body": body},
                                headers=headers or self.contact(customer_id=customer_id))

    def reply(self, ticket_id, body):
        return self.client.post(f"/orgs/{ORG}/tickets/{ticket_id}/messages", json={"body": body}, headers=self.staff)

    def staff_do(self, ticket_id, action, **body):
        return self.client.post(f"/orgs/{ORG}/tickets/{ticket_id}/{action}", json=body, headers=self.staff)

    def seen_by_contact(self, ticket_id, headers=None):
        return self.client.get(f"{self.base()}/{ticket_id}", headers=headers or self.contact())

    def events(self, type_=None):
        with self.rt.engine.connect() as conn:
            query = select(events).order_by(events.c.position)
            return conn.execute(query.where(events.c.type == type_) if type_ else query).all()


@pytest.fixture
def support(make_runtime, db_kind):
    return Support(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


def test_a_contact_raises_a_ticket_and_staff_answer_in_one_conversation(support):
    raised = support.raise_(priority="high", category="Hardware")
    assert raised["number"] == "T-000001" and raised["status"] == "open" and raised["priority"] == "high"
    assert [(m["seq"], m["author_kind"], m["body"]) for m in raised["messages_list"]] == [
        (1, "contact", "It is smoking.\nPlease help.")]
    assert support.raise_(subject="Second")["number"] == "T-000002"

    tid = raised["ticket_id"]
    answered = support.reply(tid, "We are on our way.")
    assert answered.status_code == 201 and answered.get_json()["seq"] == 2
    mine = support.say(tid, "<script>alert(1)</script> thanks")
    assert mine.status_code == 201 and mine.get_json()["mine"] is True

    seen = support.seen_by_contact(tid).get_json()
    assert [(m["seq"], m["author_kind"], m["author_name"]) for m in seen["messages_list"]] == [
        (1, "contact", "Ann Example"), (2, "staff", "Sam Agent"), (3, "contact", "Ann Example")]
    assert seen["messages_list"][2]["body"] == "<script>alert(1)</script> thanks"     # stored as text
    assert "author_id" not in seen["messages_list"][1]
    staff = support.client.get(f"/orgs/{ORG}/tickets/{tid}", headers=support.staff).get_json()
    assert [m["author_id"] for m in staff["messages_list"]] == ["contact-1", "staff-1", "contact-1"]


def test_internal_notes_never_reach_a_contact_nor_a_message_event(support):
    tid = support.raise_()["ticket_id"]
    assert support.staff_do(tid, "notes", body=NOTE).status_code == 201
    support.reply(tid, "Visible answer")
    contact_view = support.seen_by_contact(tid)
    listed = support.client.get(support.base(), headers=support.contact())
    polled = support.client.get(f"{support.base()}/{tid}/messages?after=0", headers=support.contact())
    for answer in (contact_view, listed, polled):
        assert answer.status_code == 200 and NOTE not in answer.get_data(as_text=True)
    assert "notes" not in contact_view.get_json()
    assert all(e["event"] != "note" for e in contact_view.get_json()["timeline"])
    staff = support.client.get(f"/orgs/{ORG}/tickets/{tid}", headers=support.staff).get_json()
    assert [n["body"] for n in staff["notes"]] == [NOTE]
    assert NOTE not in str([e.data for e in support.events("TicketMessagePosted")])
    assert [e.data["body"] for e in support.events("TicketNoteAdded")] == [NOTE]


def test_another_customers_or_orgs_ticket_is_a_404_and_contacts_share_only_when_allowed(support):
    tid = support.raise_()["ticket_id"]
    other_customer = support.contact(id="contact-9", customer_id="cust-2")
    for url in (f"{support.base('cust-2')}/{tid}", f"{support.base('cust-2')}/{tid}/messages"):
        assert support.client.get(url, headers=other_customer).status_code == 404
    assert support.say(tid, "hi", headers=other_customer, customer_id="cust-2").status_code == 404
    assert support.client.get(f"{support.base()}/{tid}", headers=other_customer).status_code == 404
    other_org_staff = bearer("staff", OTHER_ORG, id="staff-9")
    assert support.client.get(f"/orgs/{OTHER_ORG}/tickets/{tid}", headers=other_org_staff).status_code == 404
    assert support.client.get(f"/orgs/{ORG}/tickets/{tid}", headers=other_org_staff).status_code == 404

    colleague = support.contact(id="contact-2", name="Bob Colleague")
    assert support.client.get(f"{support.base()}/{tid}", headers=colleague).status_code == 404
    assert support.client.get(support.base(), headers=colleague).get_json()["items"] == []
    support.settings(share_tickets=True)
    assert support.client.get(f"{support.base()}/{tid}", headers=colleague).status_code == 200
    assert [t["ticket_id"] for t in support.client.get(support.base(), headers=colleague).get_json()["items"]] == [tid]


def test_permissions_decide_who_raises_and_who_reads(support):
    viewer_only = support.contact(permissions=("view",))
    refused = support.client.post(support.base(), headers=viewer_only, json={"subject": "x", "description": "y"})
    assert "submit tickets" in problem(refused, 403)["detail"]
    no_module = support.contact(modules=("invoices",))
    assert support.client.get(support.base(), headers=no_module).status_code == 404


@pytest.mark.parametrize("body, field, words", [
    ({"subject": "   ", "description": "x"}, "subject", "subject"),
    ({"subject": "ok", "description": " \n "}, "description", "empty"),
    ({"subject": "ok", "description": "x" * 10_001}, "description", "10000 characters"),
])
def test_bad_tickets_are_refused_with_a_readable_problem(support, body, field, words):
    answer = support.client.post(support.base(), headers=support.contact(), json=body)
    assert words in problem(answer, 422)["detail"]
    assert support.events("TicketRaised") == []


def test_a_message_too_big_is_refused_and_nothing_is_written(support):
    tid = support.raise_()["ticket_id"]
    huge = support.say(tid, "x" * 10_001)
    assert "at most 10000 characters" in problem(huge, 422)["detail"]
    assert len(support.events("TicketMessagePosted")) == 1


def test_fifty_quick_messages_from_both_sides_get_one_order_for_everyone(support):
    tid = support.raise_()["ticket_id"]

    def contact_says(i):
        assert support.say(tid, f"c{i}").status_code == 201

    def staff_says(i):
        assert support.reply(tid, f"s{i}").status_code == 201

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: (contact_says if i % 2 else staff_says)(i // 2), range(100)))
    contact_view = [m["body"] for m in support.seen_by_contact(tid).get_json()["messages_list"]]
    staff_view = [m["body"] for m in support.client.get(f"/orgs/{ORG}/tickets/{tid}",
                                                        headers=support.staff).get_json()["messages_list"]]
    assert contact_view == staff_view and len(contact_view) == 101
    with support.rt.engine.connect() as conn:
        seqs = [r.seq for r in conn.execute(select(ticket_messages.c.seq).where(ticket_messages.c.ticket_id == tid)
                                            .order_by(ticket_messages.c.seq))]
    assert seqs == list(range(1, 102))


def test_tickets_raised_at_once_get_distinct_numbers(support):
    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(lambda i: support.raise_(subject=f"s{i}")["number"], range(12)))
    assert sorted(numbers) == [f"T-{i:06d}" for i in range(1, 13)]


def test_status_moves_and_a_reply_brings_a_waiting_ticket_back(support):
    tid = support.raise_()["ticket_id"]
    assert support.staff_do(tid, "status", status="waiting_on_customer").get_json()["status"] == "waiting_on_customer"
    support.say(tid, "Here is the serial number")
    assert support.seen_by_contact(tid).get_json()["status"] == "open"
    changes = [(e.data["from_status"], e.data["to_status"], e.data["reason"])
               for e in support.events("TicketStatusChanged")]
    assert changes == [("open", "waiting_on_customer", None), ("waiting_on_customer", "open", "customer_replied")]
    refused = support.staff_do(tid, "status", status="closed")
    assert refused.status_code == 422


def test_reopen_within_the_window_only_and_closed_takes_nothing(support):
    tid = support.raise_()["ticket_id"]
    support.staff_do(tid, "status", status="resolved")
    reopened = support.client.post(f"{support.base()}/{tid}/reopen", headers=support.contact())
    assert reopened.status_code == 200 and reopened.get_json()["status"] == "open"

    support.staff_do(tid, "status", status="resolved")
    viewer = Viewer("contact", "contact-1", ORG, "cust-1", "Ann")
    late = datetime.now(timezone.utc) + timedelta(days=15)
    with pytest.raises(TicketClosedError, match="more than 14 days ago"):
        tickets.reopen_ticket(support.rt, ReopenTicket(viewer, tid), now=late)
    with pytest.raises(TicketClosedError):
        tickets.post_message(support.rt, PostMessage(viewer, tid, "still broken"), now=late)
    support.settings(ticket_reopen_days=30)
    tickets.post_message(support.rt, PostMessage(viewer, tid, "still broken"), now=late)     # reopens it
    assert support.seen_by_contact(tid).get_json()["status"] == "open"

    closed = support.staff_do(tid, "close", resolution="Replaced the printer.")
    assert closed.get_json()["status"] == "closed" and closed.get_json()["resolution"] == "Replaced the printer."
    after = support.say(tid, "one more thing")
    assert "closed" in problem(after, 409)["detail"]
    assert support.staff_do(tid, "notes", body="x").status_code == 409
    assert [e.data["resolution"] for e in support.events("TicketClosed")] == ["Replaced the printer."]


def test_merging_closes_the_duplicate_into_a_ticket_of_the_same_customer(support):
    first = support.raise_(subject="Printer")["ticket_id"]
    duplicate = support.raise_(subject="Printer again")["ticket_id"]
    stranger = support.raise_(customer_id="cust-2")["ticket_id"]
    refused = support.staff_do(duplicate, "merge", into_ticket_id=stranger)
    assert "same customer" in problem(refused, 422)["detail"]
    assert support.staff_do(duplicate, "merge", into_ticket_id="nope").status_code == 404
    merged = support.staff_do(duplicate, "merge", into_ticket_id=first).get_json()
    assert merged["status"] == "closed" and merged["merged_into"] == first
    assert merged["merged_into_number"] == "T-000001" and merged["resolution"] == "Merged into T-000001."
    assert support.seen_by_contact(first).get_json()["status"] == "open"


def test_assignment_filters_the_inbox_and_is_hidden_from_contacts(support):
    mine = support.raise_(subject="Mine")["ticket_id"]
    support.raise_(subject="Nobody's", priority="urgent")
    support.staff_do(mine, "assign", assignee_id="staff-2", assignee_name="Kim Agent")
    inbox = lambda query: [t["subject"] for t in support.client.get(  # noqa: E731
        f"/orgs/{ORG}/tickets?{query}", headers=support.staff).get_json()["items"]]
    assert inbox("assignee_id=staff-2") == ["Mine"]
    assert inbox("assignee_id=none") == ["Nobody's"]
    assert inbox("priority=urgent") == ["Nobody's"]
    assert inbox("q=MINE") == ["Mine"]
    assert inbox("status=active") == ["Mine", "Nobody's"]
    contact_view = support.seen_by_contact(mine).get_json()
    assert "assignee_id" not in contact_view and all(e["event"] != "assigned" for e in contact_view["timeline"])


def test_inbox_pages_by_cursor_without_gaps_or_repeats(support):
    made = {support.raise_(subject=f"t{i}")["ticket_id"] for i in range(7)}
    seen, cursor = [], None
    while True:
        page = support.client.get(f"/orgs/{ORG}/tickets?limit=3" + (f"&cursor={cursor}" if cursor else ""),
                                  headers=support.staff).get_json()
        seen += [t["ticket_id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and len(seen) == 7
    bad = support.client.get(f"/orgs/{ORG}/tickets?cursor=garbage", headers=support.staff)
    assert bad.status_code == 422


def test_read_marks_give_unread_counts_and_seen_state_to_both_sides(support):
    tid = support.raise_()["ticket_id"]
    unread = lambda: support.client.get(f"{support.base()}/unread", headers=support.contact()).get_json()  # noqa: E731
    staff_unread = lambda: support.client.get(f"/orgs/{ORG}/tickets/unread", headers=support.staff).get_json()  # noqa: E731
    assert unread() == {"tickets": 0} and staff_unread() == {"tickets": 1}
    support.reply(tid, "Answer 1")
    support.reply(tid, "Answer 2")
    assert unread() == {"tickets": 1} and staff_unread() == {"tickets": 0}      # writing marks one's own read
    listed = support.client.get(support.base(), headers=support.contact()).get_json()["items"][0]
    assert listed["has_unread"] is True and listed["read_up_to"] == 1
    staff_side = support.client.get(f"/orgs/{ORG}/tickets/{tid}", headers=support.staff).get_json()
    assert staff_side["seen_by_other_side"] == 1

    seen = support.client.post(f"{support.base()}/{tid}/seen", json={"seq": 99}, headers=support.contact())
    assert seen.get_json() == {"seq": 3}                                        # never past the last message
    back = support.client.post(f"{support.base()}/{tid}/seen", json={"seq": 1}, headers=support.contact())
    assert back.get_json() == {"seq": 3}                                        # never moves back
    assert unread() == {"tickets": 0}
    assert support.client.get(f"/orgs/{ORG}/tickets/{tid}", headers=support.staff).get_json()["seen_by_other_side"] == 3


def test_a_read_mark_that_moves_is_an_event_for_the_other_sides_live_page(support):
    tid = support.raise_()["ticket_id"]
    support.reply(tid, "One")
    support.reply(tid, "Two")
    for seq in (2, 3, 3, 1):                                   # forward, again, back: one event each move
        support.client.post(f"{support.base()}/{tid}/seen", json={"seq": seq}, headers=support.contact())
    reads = [e.data for e in support.events("TicketRead")]
    assert [(r["ticket_id"], r["reader_kind"], r["seq"]) for r in reads] == [(tid, "contact", 2), (tid, "contact", 3)]


def test_a_live_page_catches_up_on_what_it_missed_at_once(support):
    """What a page fetches when its live stream opens: the messages after its last, the
    other side's read mark and the status, answered at once (no long poll any more)."""
    tid = support.raise_()["ticket_id"]
    support.reply(tid, "Live answer")
    got = support.client.get(f"{support.base()}/{tid}/messages?after=1", headers=support.contact()).get_json()
    assert [m["body"] for m in got["items"]] == ["Live answer"] and got["items"][0]["seq"] == 2
    assert got["status"] and got["seen_by_other_side"] >= 1
    empty = support.client.get(f"{support.base()}/{tid}/messages?after=2", headers=support.contact())
    assert empty.get_json()["items"] == []


def test_events_carry_what_mails_and_feeds_need(support):
    raised = support.raise_()
    tid = raised["ticket_id"]
    support.reply(tid, "On our way")
    (event,) = support.events("TicketRaised")
    assert event.data["contact_id"] == "contact-1" and event.data["portal_path"] == f"/tickets/{tid}"
    assert event.data["raised_by"] == "contact" and event.data["author_name"] == "Ann Example"
    first, answer = support.events("TicketMessagePosted")
    assert answer.data == {
        "message_id": answer.data["message_id"], "ticket_id": tid, "customer_id": "cust-1", "author_kind": "staff",
        "author_id": "staff-1", "body": "On our way", "attachments": 0, "seq": 2, "author_name": "Sam Agent",
        "number": "T-000001", "subject": "Printer on fire", "excerpt": "On our way", "portal_path": f"/tickets/{tid}"}


def test_read_models_rebuild_from_the_events(support):
    tid = support.raise_()["ticket_id"]
    support.reply(tid, "a")
    support.staff_do(tid, "notes", body=NOTE)
    support.staff_do(tid, "close", resolution="done")
    before = support.client.get(f"/orgs/{ORG}/tickets/{tid}", headers=support.staff).get_json()
    rebuild(support.rt.store)
    after = support.client.get(f"/orgs/{ORG}/tickets/{tid}", headers=support.staff).get_json()
    assert after == before
    with support.rt.engine.connect() as conn:
        assert conn.execute(select(tickets_table.c.status).where(tickets_table.c.ticket_id == tid)).scalar() == "closed"


def test_staff_and_api_keys_raise_tickets_for_a_customer(support):
    answer = support.client.post(f"/orgs/{ORG}/tickets", headers=support.staff, json={
        "customer_id": "cust-1", "contact_id": "contact-1", "subject": "We noticed", "description": "Your backup failed."})
    assert answer.status_code == 201 and answer.get_json()["raised_by"] == "staff"
    assert [t["subject"] for t in support.client.get(support.base(), headers=support.contact()).get_json()["items"]] \
        == ["We noticed"]
    key = bearer("api_key", ORG, id="key-1", modules=("tickets",))
    assert support.client.get(f"/orgs/{ORG}/tickets", headers=key).status_code == 200
    wrong_scope = bearer("api_key", ORG, id="key-2", modules=("invoices",))
    assert support.client.get(f"/orgs/{ORG}/tickets", headers=wrong_scope).status_code == 403
