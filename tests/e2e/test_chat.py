"""Live chat on a ticket in two real browsers on `make up`'s stack: the demo contact raises a
ticket, a staff member opens it in the console, and each sees the other's messages appear
without a reload (and the status staff set, and "Seen"); after 50 quick messages from each side at once, both pages show the
same conversation in the same order, the order support stored. Text with HTML in it is
shown as text. The time a message takes to show on the other side is printed (a figure,
not a pass/fail: `make bench` is where speed is judged)."""
from __future__ import annotations

import time

import pytest

from tests.e2e.shots import shoot
from tests.e2e.stack import Stack
from tests.e2e.test_front_door import STAFF, enrol
from tests.e2e.test_payments import BUYER, sign_in

QUICK = 50
SEND_ALL = """([prefix, count]) => {
  const form = document.querySelector("form[data-chat-form]");
  const sends = [];
  for (let i = 0; i < count; i++) {
    const body = new FormData(form);
    body.set("body", prefix + i);
    sends.push(fetch(form.action, {method: "POST", body, credentials: "same-origin",
                                   headers: {"X-Requested-With": "fetch"}}).then(r => r.status));
  }
  window.quickSends = Promise.all(sends);        // awaited later: both pages send at once
}"""


def shown(page) -> list[str]:
    return page.locator("[data-chat-messages] .message-body").all_inner_texts()


def wait_for_text(page, body: str, timeout_ms: int = 10_000) -> float:
    started = time.monotonic()
    page.locator("[data-chat-messages] .message-body", has_text=body).first.wait_for(timeout=timeout_ms)
    return time.monotonic() - started


@pytest.mark.slow
def test_a_contact_and_staff_chat_live_and_see_one_order(tmp_path, browser):
    stack = Stack(tmp_path / "var")
    stack.start()
    base = f"http://localhost:{stack.gateway}"
    try:
        buyer = browser.new_context().new_page()
        sign_in(buyer, base, "/signin", BUYER)
        buyer.goto(base + "/tickets/new")
        buyer.get_by_label("Subject").fill("Shelves arrived damaged")
        buyer.get_by_label("Describe what you need").fill("Two of the twelve units are bent.")
        buyer.get_by_role("button", name="Raise ticket").click()
        buyer.wait_for_url("**/tickets/*")
        ticket_id = buyer.url.rsplit("/", 1)[-1]
        buyer.locator("[data-chat][data-live=on]").wait_for()

        staff = browser.new_context().new_page()
        sign_in(staff, base, "/console/signin", STAFF)
        enrol(staff, [])
        staff.goto(base + "/console/tickets")
        assert "Shelves arrived damaged" in staff.locator("table").inner_text()
        shoot(staff, "console-tickets")
        staff.goto(base + f"/console/tickets/{ticket_id}")
        staff.locator("[data-chat][data-live=on]").wait_for()

        staff.get_by_label("Reply to the customer").fill("Sorry! <b>We</b> send new ones today.")
        staff.get_by_role("button", name="Send").click()
        to_contact = wait_for_text(buyer, "send new ones today")          # no reload
        assert "<b>We</b>" in shown(buyer)[-1]                          # as text, not bold
        assert buyer.locator("[data-chat-messages] b").count() == 0

        buyer.get_by_label("Your message").fill("Thank you, that is quick.")
        buyer.get_by_role("button", name="Send").click()
        to_staff = wait_for_text(staff, "that is quick")
        print(f"\nlive chat: contact saw staff's message after {to_contact * 1000:.0f} ms, "
              f"staff saw the contact's after {to_staff * 1000:.0f} ms")
        staff.locator("[data-seen-marker]").wait_for()                    # the contact has read it
        staff.get_by_label("Status").select_option("in_progress")
        staff.get_by_role("button", name="Set status").click()
        buyer.locator("[data-ticket-status]", has_text="In progress").wait_for(timeout=10_000)   # no reload
        staff.locator("[data-chat][data-live=on]").wait_for()
        shoot(buyer, "portal-ticket-chat", phone=True)
        shoot(staff, "console-ticket")

        buyer.evaluate(SEND_ALL, ["contact ", QUICK])
        staff.evaluate(SEND_ALL, ["staff ", QUICK])
        assert buyer.evaluate("window.quickSends") == [200] * QUICK
        assert staff.evaluate("window.quickSends") == [200] * QUICK
        total = 3 + 2 * QUICK
        deadline = time.monotonic() + 30          # the page's CSP allows no string evaluation: poll
        while time.monotonic() < deadline and min(len(shown(buyer)), len(shown(staff))) < total:
            time.sleep(0.2)
        on_buyer, on_staff = shown(buyer), shown(staff)
        assert len(on_buyer) == total and on_buyer == on_staff
        buyer.reload()
        assert shown(buyer) == on_buyer                                   # the order support stored
        assert sorted(m for m in on_buyer if m.startswith("contact ")) == sorted(f"contact {i}" for i in range(QUICK))
    finally:
        assert stack.stop() == 0
