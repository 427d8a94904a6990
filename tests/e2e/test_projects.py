"""Projects and timesheets in a real browser on `make up`'s stack: the contact opens the demo
project and its timeline (frappe-gantt draws a bar per task under the gateway's CSP), reads
it at phone width as a list, exports the timesheet as CSV (checked row by row against what
make up seeded), approves one week and disputes the other; staff see both decisions with
the comment on the console's timesheet page."""
from __future__ import annotations

import csv
import datetime
import io

import pytest

from deploy.local.up import DEMO_HOURS, DEMO_TASKS
from tests.e2e.shots import shoot
from tests.e2e.stack import Stack
from tests.e2e.test_documents import downloaded
from tests.e2e.test_front_door import STAFF, enrol
from tests.e2e.test_payments import BUYER, sign_in


def seeded_rows() -> tuple[list[list[str]], str, str]:
    """The CSV's rows as make up seeded them, and the two weeks (older, newer)."""
    today = datetime.date.today()
    monday = today - datetime.timedelta(days=today.weekday())
    rows = []
    for weeks_back, weekday, person, hours, billable, task, note in DEMO_HOURS:
        day = monday - datetime.timedelta(weeks=weeks_back) + datetime.timedelta(days=weekday)
        year, week, _ = day.isocalendar()
        rows.append([day.isoformat(), f"{year}-W{week:02d}", "Store refit, phase 1",
                     DEMO_TASKS[task][0] if task is not None else "", person, f"{float(hours):.2f}",
                     "yes" if billable else "no", note or ""])
    rows.sort(key=lambda r: (r[0], r[4]))
    return rows, rows[0][1], rows[-1][1]


@pytest.mark.slow
def test_the_contact_follows_a_project_exports_hours_and_decides_weeks_staff_see_it(tmp_path, browser):
    stack = Stack(tmp_path / "var")
    stack.start()
    base = f"http://localhost:{stack.gateway}"
    try:
        buyer = browser.new_context().new_page()
        violations = []          # a script refused by the CSP (frappe-gantt's one style attribute, its
        buyer.on("console", lambda m: violations.append(m.text)   # unused hatch pattern, is refused: allowed)
                 if "Content Security Policy" in m.text and not m.text.startswith("Applying inline style") else None)
        sign_in(buyer, base, "/signin", BUYER)
        assert "Store refit, phase 1" in buyer.locator("main").inner_text()       # the home's projects in progress
        buyer.goto(base + "/projects")
        buyer.get_by_role("link", name="Store refit, phase 1").click()
        main = buyer.locator("main").inner_text()
        assert "Site survey" in main and "Shop floor reopens" in main and "25%" in main
        buyer.wait_for_selector("#timeline-chart[data-drawn]")
        bars = buyer.locator("#timeline-chart svg .bar-wrapper")
        assert bars.count() == len(DEMO_TASKS) + 1                               # the tasks and the milestone
        assert "Checkout lanes" in buyer.locator("#timeline-chart svg").text_content()
        assert buyer.locator("#timeline-chart svg rect.bar").first.bounding_box()["width"] > 0
        assert violations == []
        buyer.locator("#timeline-chart").scroll_into_view_if_needed()
        shoot(buyer, "portal-project", phone=True)
        buyer.set_viewport_size({"width": 390, "height": 844})
        assert not buyer.locator(".timeline").is_visible() and buyer.get_by_text("Checkout lanes").first.is_visible()
        buyer.set_viewport_size({"width": 1280, "height": 900})

        rows, older, newer = seeded_rows()
        buyer.goto(base + f"/timesheets?from={older}&to={newer}")
        exported = downloaded(buyer, buyer.get_by_role("link", name="Export these weeks as CSV"))
        assert list(csv.reader(io.StringIO(exported.decode("utf-8")))) == [
            ["date", "week", "project", "task", "person", "hours", "billable", "note"], *rows]
        older_week = buyer.locator(f"#week-{older}")
        older_week.get_by_label("Comment").fill("Thanks, all as agreed")
        older_week.get_by_role("button", name="Approve the billable hours").click()
        assert f"Week {older} approved" in buyer.locator("main").inner_text()
        newer_week = buyer.locator(f"#week-{newer}")
        newer_week.get_by_label("Comment").fill("Thursday's lighting work was not billable")
        newer_week.get_by_role("button", name="Dispute").click()
        assert f"Week {newer} disputed" in buyer.locator("main").inner_text()
        shoot(buyer, "portal-timesheets")

        staff = browser.new_context().new_page()
        sign_in(staff, base, "/console/signin", STAFF)
        enrol(staff, [])
        staff.goto(base + "/console/timesheets")
        table = staff.locator("table.timesheet-weeks").inner_text()
        assert "Approved by" in table and "Thanks, all as agreed" in table
        assert "Disputed by" in table and "Thursday's lighting work was not billable" in table
        shoot(staff, "console-timesheets")
    finally:
        stack.stop()
