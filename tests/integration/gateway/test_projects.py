"""The portal's projects and timesheets, the console's project and timesheet pages and /api/v1's
projects and timesheet entries, against the real orders service in process: what a contact
sees (tasks, milestones, progress, the timeline's data; hours per week and project), the CSV
export row by row, approving and disputing a week, what staff see of it, and what nobody
else sees."""
from __future__ import annotations

import csv
import io
import html as htmllib
import json
import re

import pytest

from tests.integration.gateway import orders_backend
from tests.integration.gateway.conftest import HOST, World, text
from tests.integration.gateway.test_orders import SigningKeys, app, ids, signed_in  # noqa: F401 (app: a fixture)

MODULES = ["invoices", "projects", "timesheets"]


@pytest.fixture
def world() -> World:
    fake = SigningKeys()
    org = fake.add_org(HOST, "Acme Trading", modules=list(MODULES))
    customer = fake.add_customer(org, "Globex Ltd")
    return World(
        fake=fake, org=org, customer=customer,
        ann=fake.add_contact(org, customer, "ann@globex.test", "Ann Example", permissions=("view", "approve")),
        bob=fake.add_contact(org, customer, "bob@globex.test", "Bob Example", permissions=("view",), mfa=True),
        sam=fake.add_staff(org, "sam@acme.test", "Sam Owner", role="owner"),
        ada=fake.add_staff(org, "ada@acme.test", "Ada Agent", role="agent"),
    )


def test_the_contact_sees_a_project_with_tasks_milestones_progress_and_the_timeline_data(world, app):
    org, customer = ids(world)
    project = orders_backend.create_project(org, customer, name="New <b>warehouse</b>")
    ann = signed_in(app, world.ann)
    listed = text(ann.get("/projects"))
    assert "New <b>warehouse</b>" in listed and "50%" in listed
    page = ann.get(f"/projects/{project['project_id']}")
    body = page.get_data(as_text=True)
    assert "<b>warehouse" not in body                                     # escaped, never markup
    assert "Survey" in text(page) and "Ada L." in text(page) and "Handover" in text(page)
    bars = json.loads(htmllib.unescape(re.search(r'data-bars="([^"]*)"', body).group(1)))
    assert [(b["name"], b["start"], b["end"]) for b in bars] == [
        ("Survey", "2026-11-02", "2026-11-06"), ("Build", "2026-11-09", "2026-12-18"),
        ("◆ Handover", "2026-12-31", "2026-12-31")]
    assert "vendor/frappe-gantt/frappe-gantt.umd.js" in body and "<script>" not in body
    assert "style=" not in body
    home = text(ann.get("/"))
    assert "Projects in progress" in home and "New <b>warehouse</b>" in home


def test_the_vendored_chart_is_served_with_its_licence(app):
    client = app.test_client()
    for name in ("frappe-gantt.umd.js", "frappe-gantt.css", "LICENSE"):
        assert client.get(f"/static/vendor/frappe-gantt/{name}", base_url=f"http://{HOST}").status_code == 200
    assert client.get("/static/projects.js", base_url=f"http://{HOST}").status_code == 200


def test_another_customers_project_is_not_found_and_modules_switched_off_answer_404(world, app):
    org, _ = ids(world)
    other = world.fake.add_customer(world.org, "Initech")
    theirs = orders_backend.create_project(org, other["customer_id"], name="Secret plan")
    orders_backend.log_time(org, theirs["project_id"], person="Hidden Hank")
    ann = signed_in(app, world.ann)
    assert ann.get(f"/projects/{theirs['project_id']}").status_code == 404
    assert "Secret plan" not in text(ann.get("/projects")) and "Hidden Hank" not in text(ann.get("/timesheets"))
    assert "Hidden Hank" not in ann.get("/timesheets.csv").get_data(as_text=True)
    world.org["settings"]["modules"] = ["invoices"]
    app.extensions["gateway"].orgs.drop(HOST)
    app.extensions["gateway"].sessions.drop_where(lambda view: True)
    assert ann.get("/projects").status_code == 404 and ann.get("/timesheets").status_code == 404


def _seed_hours(org: str, customer: str) -> dict:
    project = orders_backend.create_project(org, customer, name="Alpha")
    task = project["tasks"][0]["task_id"]
    orders_backend.log_time(org, project["project_id"], work_date="2026-11-23", hours="7.5", task_id=task,
                            note='Said "hello", then left')
    orders_backend.log_time(org, project["project_id"], work_date="2026-11-24", hours="2", billable=False,
                            person="Bo, the welder")
    orders_backend.log_time(org, project["project_id"], work_date="2026-11-30", hours="1.25", person="Zoë Ünal")
    return project


def test_the_timesheet_shows_weeks_and_projects_and_exports_csv_row_by_row(world, app):
    org, customer = ids(world)
    _seed_hours(org, customer)
    ann = signed_in(app, world.ann)
    shown = text(ann.get("/timesheets"))
    assert "Week 2026-W49" in shown and "Week 2026-W48" in shown
    assert "7.50 billable hours, 2.00 not billable" in shown and "Alpha 8.75 2.00" in shown
    exported = ann.get("/timesheets.csv", query_string={"from": "2026-W48", "to": "2026-W49"})
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8"))))
    assert rows == [
        ["date", "week", "project", "task", "person", "hours", "billable", "note"],
        ["2026-11-23", "2026-W48", "Alpha", "Survey", "Ada L.", "7.50", "yes", 'Said "hello", then left'],
        ["2026-11-24", "2026-W48", "Alpha", "", "Bo, the welder", "2.00", "no", ""],
        ["2026-11-30", "2026-W49", "Alpha", "", "Zoë Ünal", "1.25", "yes", ""]]
    assert b'"Bo, the welder"' in exported.get_data()
    one = ann.get("/timesheets.csv", query_string={"from": "2026-W49", "to": "2026-W49"})
    assert len(list(csv.reader(io.StringIO(one.get_data().decode("utf-8"))))) == 2


def test_the_contact_approves_one_week_and_disputes_another_and_staff_see_both(world, app):
    org, customer = ids(world)
    _seed_hours(org, customer)
    ann = signed_in(app, world.ann)
    ann.get("/timesheets")
    approved = ann.send("/timesheets/2026-W48/decision", {"2026-W48-decision": "approve",
                                                            "2026-W48-comment": "All good"})
    assert approved.status_code == 302
    ann.get("/timesheets")
    empty = ann.send("/timesheets/2026-W49/decision", {"2026-W49-decision": "dispute"})
    assert empty.status_code == 302 and "Say what is wrong" in text(ann.get("/timesheets"))
    disputed = ann.send("/timesheets/2026-W49/decision", {"2026-W49-decision": "dispute",
                                                            "2026-W49-comment": "Sunday was off"})
    assert disputed.status_code == 302
    page = ann.get("/timesheets")
    assert "Approved" in text(page) and "Disputed" in text(page) and "2026-W48-decision" not in page.get_data(as_text=True)
    again = ann.send("/timesheets/2026-W48/decision", {"2026-W48-decision": "dispute", "2026-W48-comment": "x"})
    assert again.status_code == 302 and "approved already" in text(ann.get("/timesheets"))
    sam = signed_in(app, world.sam, world.fake)
    staff = text(sam.get("/console/timesheets"))
    assert "2026-W48" in staff and "Approved by Ann Example" in staff and "All good" in staff
    assert "Disputed by Ann Example" in staff and "Sunday was off" in staff


def test_a_contact_without_approve_cannot_decide(world, app):
    org, customer = ids(world)
    _seed_hours(org, customer)
    bob = signed_in(app, world.bob, world.fake)
    page = bob.get("/timesheets")
    assert page.status_code == 200 and "Approve the billable hours" not in text(page)
    refused = bob.send("/timesheets/2026-W48/decision", {"2026-W48-decision": "approve"})
    assert refused.status_code == 403
    assert all(w["state"] == "open" for w in orders_backend.timesheet_weeks(org))


def test_staff_create_a_project_add_a_task_reach_a_milestone_and_log_hours(world, app):
    org, customer = ids(world)
    sam = signed_in(app, world.sam, world.fake)
    refused = sam.submit("/console/projects/new", {"customer_id": customer, "name": "Bad dates", "status": "planned",
                                                   "starts_on": "2026-12-01", "ends_on": "2026-11-01"})
    assert refused.status_code == 422 and "end date is before the start date" in text(refused)
    assert orders_backend.staff_projects(org) == []
    made = sam.submit("/console/projects/new", {"customer_id": customer, "name": "Fit-out", "status": "active",
                                                "starts_on": "2026-11-02", "ends_on": "2026-12-31"})
    assert made.status_code == 302
    project = orders_backend.staff_projects(org)[0]
    page = f"/console/projects/{project['project_id']}"
    sam.get(page)
    assert sam.send(f"{page}/tasks", {"title": "Paint", "status": "todo", "due_on": "2026-12-04",
                                      "assignee": "Pat P."}).status_code == 302
    sam.get(page)
    assert sam.send(f"{page}/milestones", {"name": "Keys handed over", "due_on": "2026-12-31"}).status_code == 302
    now = orders_backend.staff_project(org, project["project_id"])
    sam.get(page)
    sam.send(f"{page}/milestones/{now['milestones'][0]['milestone_id']}/reached", {"reached_on": "2026-12-30"})
    sam.get(page)
    task = now["tasks"][0]["task_id"]
    sam.send(f"{page}/tasks/{task}", {f"t-{task}-status": "done"})
    sam.get(page)
    sam.send(f"{page}/hours", {"person": "Pat P.", "work_date": "2026-11-25", "hours": "25"})
    assert "24 hours" in text(sam.get(page))
    sam.send(f"{page}/hours", {"person": "Pat P.", "work_date": "2026-11-25", "hours": "6,5", "billable": "y",
                               "task_id": task})
    shown = text(sam.get(page))
    assert "Hours logged." in shown and "100%" in shown and "reached" in shown
    assert [w["minutes"] for w in orders_backend.timesheet_weeks(org)] == [390]
    ann = signed_in(app, world.ann)
    assert "Paint" in text(ann.get(f"/projects/{project['project_id']}"))


def test_the_api_pushes_projects_and_hours_idempotently(world, app):
    org, customer = ids(world)
    key = world.fake.add_key(world.org, scopes=["projects", "timesheets"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    body = {"customer_id": customer, "name": "ERP project", "external_ref": "P-1",
            "tasks": [{"title": "Design", "due_on": "2026-12-01"}]}
    first = client.post("/api/v1/projects", json=body, headers=headers, base_url=f"http://{HOST}")
    again = client.post("/api/v1/projects", json=body, headers=headers, base_url=f"http://{HOST}")
    assert (first.status_code, again.status_code) == (201, 200)
    pid = first.get_json()["project_id"]
    assert again.get_json()["project_id"] == pid
    bad = client.patch(f"/api/v1/projects/{pid}", json={"starts_on": "2026-12-10", "ends_on": "2026-12-01"},
                       headers=headers, base_url=f"http://{HOST}")
    assert bad.status_code == 422 and "ends_on" in bad.get_json()["errors"]["json"]
    task = first.get_json()["tasks"][0]["task_id"]
    moved = client.patch(f"/api/v1/projects/{pid}/tasks/{task}", json={"status": "done"}, headers=headers,
                         base_url=f"http://{HOST}")
    assert moved.status_code == 200 and moved.get_json()["progress"] == 100
    assert client.post(f"/api/v1/projects/{pid}/milestones", json={"name": "Go live"}, headers=headers,
                       base_url=f"http://{HOST}").status_code == 201
    entry = {"project_id": pid, "person": "Ada L.", "work_date": "2026-11-23", "hours": 8, "external_ref": "T-1"}
    logged = [client.post("/api/v1/timesheet-entries", json=entry, headers=headers, base_url=f"http://{HOST}")
              for _ in range(2)]
    assert [r.status_code for r in logged] == [201, 200]
    too_much = client.post("/api/v1/timesheet-entries", json={**entry, "external_ref": "T-2", "hours": "16.5"},
                           headers=headers, base_url=f"http://{HOST}")
    assert too_much.status_code == 422 and "hours" in too_much.get_json()["errors"]["json"]
    listed = client.get("/api/v1/timesheet-entries", headers=headers, base_url=f"http://{HOST}").get_json()
    assert [e["minutes"] for e in listed["items"]] == [480]
    assert client.get("/api/v1/timesheet-weeks", headers=headers, base_url=f"http://{HOST}").status_code == 200
    other = world.fake.add_key(world.org, scopes=["invoices"])
    assert client.get("/api/v1/projects", headers={"Authorization": f"Bearer {other}"},
                      base_url=f"http://{HOST}").status_code == 403
    assert client.get(f"/api/v1/projects/{pid}x", headers=headers, base_url=f"http://{HOST}").status_code == 404
