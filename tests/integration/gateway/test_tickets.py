"""The portal's and the console's support pages against the real support service: raising a
ticket, the conversation both ways (plain forms without JavaScript, JSON for the page's
script, the live stream's grant and catch-up), text shown as text, internal notes never in the portal,
refusals in support's words, reviews, and another customer's ticket answering 404."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from gateway.live import grants
from tests.integration.gateway import support_backend
from tests.integration.gateway.conftest import Browser, make_app, text


@pytest.fixture
def world(world):
    world.org["settings"]["modules"] = ["invoices", "payments", "tickets", "documents", "reviews"]
    world.ann.permissions = ["view", "submit_tickets"]
    world.bob.permissions = ["view"]
    return world


def staff(world, app) -> Browser:
    browser = Browser(app)
    browser.sign_in(world.sam, fake=world.fake)
    return browser


def contact(world, app) -> Browser:
    browser = Browser(app)
    browser.sign_in(world.ann)
    return browser


def raise_ticket(browser, subject="Cannot print invoices", description="The PDF button does nothing."):
    answer = browser.submit("/tickets/new", {"subject": subject, "description": description, "priority": "high",
                                             "category": "Problem"})
    assert answer.status_code == 302, text(answer)
    return answer.headers["Location"].rsplit("/", 1)[-1]


def test_a_contact_raises_a_ticket_and_talks_with_staff_without_javascript(world, app):
    ann = contact(world, app)
    ticket_id = raise_ticket(ann)
    page = ann.get(f"/tickets/{ticket_id}")
    assert page.status_code == 200
    words = text(page)
    assert "T-" in words and "Cannot print invoices" in words and "The PDF button does nothing." in words
    assert "Open" in words and "High" in words

    sent = ann.send(f"/tickets/{ticket_id}/messages", {"body": "<b>Still</b> broken <script>alert(1)</script>"})
    assert sent.status_code == 302
    html = ann.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert "&lt;b&gt;Still&lt;/b&gt; broken &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html

    sam = staff(world, app)
    inbox = text(sam.get("/console/tickets"))
    assert "Cannot print invoices" in inbox and "New message" in inbox
    assert sam.get(f"/console/tickets/{ticket_id}").status_code == 200
    assert sam.send(f"/console/tickets/{ticket_id}/messages", {"body": "Fixed, please retry."}).status_code == 302
    assert sam.send(f"/console/tickets/{ticket_id}/notes", {"note": "Was a cache bug, tell nobody"}).status_code == 302
    assert "Was a cache bug" in text(sam.get(f"/console/tickets/{ticket_id}"))

    mine = text(ann.get(f"/tickets/{ticket_id}"))
    assert "Fixed, please retry." in mine and "Was a cache bug" not in mine
    listed = ann.get("/tickets").get_data(as_text=True)
    assert "Was a cache bug" not in listed


def test_the_page_script_gets_json_and_refusals_in_words(world, app):
    ann = contact(world, app)
    ticket_id = raise_ticket(ann)
    ann.get(f"/tickets/{ticket_id}")
    fetch = {"X-Requested-With": "fetch"}
    ok = ann.send(f"/tickets/{ticket_id}/messages", {"body": "hello"}, headers=fetch)
    assert ok.status_code == 200 and ok.get_json()["message"]["body"] == "hello"
    assert ok.get_json()["message"]["mine"] is True
    empty = ann.send(f"/tickets/{ticket_id}/messages", {"body": "   "}, headers=fetch)
    assert empty.status_code == 422 and "empty message" in empty.get_json()["error"]
    too_long = ann.send(f"/tickets/{ticket_id}/messages", {"body": "x" * 10_001}, headers=fetch)
    assert too_long.status_code == 422 and "10,000 characters" in too_long.get_json()["error"]
    huge = ann.send(f"/tickets/{ticket_id}/messages", {"body": "x" * (10 * 1024 * 1024)})
    assert huge.status_code == 413 and "The body is too long: a request may carry at most 1 MiB." in text(huge)

    support_backend.staff_do(world.org["org_id"], ticket_id, "close", resolution="Done")
    closed = ann.send(f"/tickets/{ticket_id}/messages", {"body": "one more"}, headers=fetch)
    assert closed.status_code == 422 and "closed" in closed.get_json()["error"]
    page = ann.get(f"/tickets/{ticket_id}")
    assert "This ticket is closed" in text(page) and 'aria-label="Write a message"' not in page.get_data(as_text=True)


def grant_in(url: str):
    return grants.check("test-secret-key", parse_qs(urlsplit(url).query)["grant"][0], 120)


def test_a_ticket_page_grants_its_live_stream_and_catches_up_what_it_missed(world, app):
    ann = contact(world, app)
    ticket_id = raise_ticket(ann)
    page = ann.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    grant = grant_in(html.unescape(re.search(r'data-stream-url="([^"]+)"', page).group(1)))
    assert (grant.org, grant.principal, grant.side) == (world.org["org_id"], world.ann.id, "contact")
    assert grant.topics == (f"ticket:{ticket_id}",)                # this ticket, nothing else

    support_backend.staff_says(world.org["org_id"], ticket_id, "First <answer>")
    support_backend.staff_says(world.org["org_id"], ticket_id, "Second")
    missed = ann.get(f"/tickets/{ticket_id}/live?after=1")
    assert missed.status_code == 200 and missed.mimetype == "application/json"
    found = missed.get_json()
    assert [(m["seq"], m["body"], m["author_kind"], m["mine"]) for m in found["items"]] == [
        (2, "First <answer>", "staff", False), (3, "Second", "staff", False)]
    assert found["status"] == "open" and grant_in(found["stream_url"]).topics == (f"ticket:{ticket_id}",)
    assert ann.get(f"/tickets/{ticket_id}/live?after=3").get_json()["items"] == []

    ann.get(f"/tickets/{ticket_id}")                              # opening the page reads it
    sam = staff(world, app)
    staff_side = sam.get(f"/console/tickets/{ticket_id}/live?after=3").get_json()
    assert staff_side["seen"] == 3 and grant_in(staff_side["stream_url"]).side == "staff"


def test_another_customers_ticket_is_not_found_anywhere(world, app):
    other_customer = world.fake.add_customer(world.org, "Initech")
    eve = world.fake.add_contact(world.org, other_customer, "eve@initech.test", "Eve", permissions=("view", "submit_tickets"))
    ann = contact(world, app)
    ticket_id = raise_ticket(ann)
    stranger = Browser(app)
    stranger.sign_in(eve)
    for path in (f"/tickets/{ticket_id}", f"/tickets/{ticket_id}/live"):
        assert stranger.get(path).status_code == 404                # and so no grant for its stream
    stranger.get("/tickets")
    assert stranger.send(f"/tickets/{ticket_id}/messages", {"body": "hi"}).status_code == 404
    assert "Cannot print invoices" not in text(stranger.get("/tickets"))


def test_view_only_contacts_read_but_cannot_raise_or_write(world, app):
    bob = Browser(app)
    bob.sign_in(world.bob, fake=world.fake)
    assert bob.get("/tickets").status_code == 200
    assert "Raise a ticket" not in text(bob.get("/tickets"))
    assert bob.get("/tickets/new").status_code == 403


def test_reopen_and_rate_a_resolved_ticket(world, app):
    ann = contact(world, app)
    ticket_id = raise_ticket(ann)
    support_backend.staff_do(world.org["org_id"], ticket_id, "status", status="resolved")
    page = text(ann.get(f"/tickets/{ticket_id}"))
    assert "Reopen" in page and "How did we do?" in page
    rated = ann.send(f"/tickets/{ticket_id}/rating", {"rating": "5", "comment": "Quick!"})
    assert rated.status_code == 302
    assert "Thank you for rating" in text(ann.get(f"/tickets/{ticket_id}"))
    again = ann.send(f"/tickets/{ticket_id}/rating", {"rating": "1"})
    assert "rated this ticket already" in text(ann.get(again.headers["Location"]))
    ann.get(f"/tickets/{ticket_id}")
    assert ann.send(f"/tickets/{ticket_id}/reopen", {}).status_code == 302
    assert "The ticket is open again" in text(ann.get(f"/tickets/{ticket_id}"))


def test_console_manages_tickets_and_sees_reviews(world, app):
    ann = contact(world, app)
    first = raise_ticket(ann, subject="Printer")
    duplicate = raise_ticket(ann, subject="Printer again")
    sam = staff(world, app)
    sam.get(f"/console/tickets/{duplicate}")
    first_number = re.search(r"T-\d{6}", text(sam.get(f"/console/tickets/{first}"))).group(0)
    sam.get(f"/console/tickets/{duplicate}")
    assert sam.send(f"/console/tickets/{duplicate}/status", {"status": "in_progress"}).status_code == 302
    assert "Status is now in progress" in text(sam.get(f"/console/tickets/{duplicate}"))
    assert sam.send(f"/console/tickets/{duplicate}/merge", {"into": "t-999999"}).status_code == 302
    assert "There is no ticket T-999999" in text(sam.get(f"/console/tickets/{duplicate}"))
    sam.send(f"/console/tickets/{duplicate}/merge", {"into": first_number})
    merged = text(sam.get(f"/console/tickets/{duplicate}"))
    assert f"Merged into {first_number} and closed" in merged
    assert "Closed" in merged
    assert f"merged into {first_number}" in text(ann.get(f"/tickets/{duplicate}"))

    sam.get(f"/console/tickets/{first}")
    assignee = world.sam.id
    assert sam.send(f"/console/tickets/{first}/assign", {"assignee": assignee}).status_code == 302
    assert "Assigned to Sam Owner" in text(sam.get(f"/console/tickets/{first}"))
    assert "Printer" in text(sam.get(f"/console/tickets?assignee_id={assignee}"))

    sam.submit("/console/canned-replies", {"title": "Thanks", "body": "Thank you for waiting."})
    page = sam.get(f"/console/tickets/{first}").get_data(as_text=True)
    canned_id = re.search(r'<option value="([0-9a-f-]{36})">Thanks</option>', page).group(1)
    sam.send(f"/console/tickets/{first}/messages", {"body": "", "canned": canned_id})
    assert "Thank you for waiting." in text(ann.get(f"/tickets/{first}"))

    assert 'name="rating"' in ann.get("/reviews").get_data(as_text=True)
    review = ann.submit("/reviews", {"rating": "4", "comment": "Good people"})
    assert review.status_code == 200 and "Thank you for your review" in text(review)
    again = ann.get("/reviews")                 # not offered again within the review period
    assert 'name="rating"' not in again.get_data(as_text=True)
    assert re.search(r"Thank you for reviewing our service on \d\d \w{3} \d{4}\. You can review it again from "
                     r"\d\d \w{3} \d{4}\.", text(again))
    reviews = text(sam.get("/console/reviews"))
    assert "Good people" in reviews and "4 of 5" in reviews


def test_the_navigation_counts_tickets_with_unread_replies_on_both_sides(world, app):
    ann = contact(world, app)
    ticket_id = raise_ticket(ann)
    assert "tickets/unread" in ann.get("/tickets").get_data(as_text=True)        # the badge asks for itself
    sam = staff(world, app)
    assert text(sam.get("/console/tickets/unread")) == "1 new"
    assert ann.get("/tickets/unread").get_data(as_text=True) == '<span id="tickets-badge"></span>'
    support_backend.staff_says(world.org["org_id"], ticket_id, "Answer one")
    support_backend.staff_says(world.org["org_id"], ticket_id, "Answer two")
    assert text(ann.get("/tickets/unread")) == "1 new"                           # one ticket, two replies
    ann.get(f"/tickets/{ticket_id}")                                              # read it
    assert text(ann.get("/tickets/unread")) == ""
    sam.get(f"/console/tickets/{ticket_id}")
    assert text(sam.get("/console/tickets/unread")) == ""


def test_messages_are_limited_per_person_not_per_network(world):
    app = make_app(world.fake, GATEWAY_RATELIMIT_MESSAGES="3 per minute")
    ann = contact(world, app)
    ticket_id = raise_ticket(ann)
    ann.get(f"/tickets/{ticket_id}")
    fetch = {"X-Requested-With": "fetch"}
    sent = [ann.send(f"/tickets/{ticket_id}/messages", {"body": f"m{i}"}, headers=fetch).status_code for i in range(4)]
    assert sent == [200, 200, 200, 429]
    sam = staff(world, app)                                   # the same address, another person: not limited
    sam.get(f"/console/tickets/{ticket_id}")
    assert sam.send(f"/console/tickets/{ticket_id}/messages", {"body": "staff"}).status_code == 302
    assert len([m for m in support_backend.staff_ticket(world.org["org_id"], ticket_id)["messages_list"]]) == 5
