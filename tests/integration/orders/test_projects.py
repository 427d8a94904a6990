"""Projects and timesheets through orders' HTTP API, on SQLite and PostgreSQL: staff and an ERP
create projects with tasks and milestones (idempotent on external_ref), progress follows the
tasks (or the milestones), contacts see their customer's projects and hours and never another's,
approve or dispute a week once (again only after new hours), and bad input is refused naming
the field with nothing stored."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.chassis.tables import events
from services.orders.app import create_app
from services.orders.bootstrap import SPEC
from tests.helpers.tokens import bearer

ORG, OTHER_ORG = "org-acme", "org-other"


class Projects:
    def __init__(self, rt):
        self.rt, self.app = rt, create_app(rt.config)
        self.client = self.app.test_client()
        self.erp = bearer("api_key", ORG, id="key-1", modules=("projects", "timesheets"), ttl_s=3600)

    def contact(self, customer_id="cust-1", permissions=("view", "approve"), modules=("projects", "timesheets"),
                org_id=ORG):
        return bearer("contact", org_id, id=f"contact-{customer_id}", customer_id=customer_id, name="Cleo Contact",
                      permissions=permissions, modules=modules, ttl_s=3600)

    def create(self, expect=201, **body):
        answer = self.client.post(f"/orgs/{ORG}/projects", headers=self.erp,
                                  json={"customer_id": "cust-1", "name": "New warehouse", **body})
        assert answer.status_code == expect, answer.get_json()
        return answer.get_json()

    def log(self, project_id, expect=201, **body):
        answer = self.client.post(f"/orgs/{ORG}/timesheet-entries", headers=self.erp, json={
            "project_id": project_id, "person": "Ada L.", "work_date": "2026-11-23", "hours": "7.5", **body})
        assert answer.status_code == expect, answer.get_json()
        return answer.get_json()

    def mine(self, path="", customer_id="cust-1", headers=None, **kwargs):
        return self.client.get(f"/orgs/{ORG}/customers/{customer_id}{path}",
                               headers=headers or self.contact(customer_id), **kwargs)

    def decide(self, week, action, comment=None, headers=None, customer_id="cust-1"):
        return self.client.post(f"/orgs/{ORG}/customers/{customer_id}/timesheet-weeks/{week}/{action}",
                                headers=headers or self.contact(customer_id), json={"comment": comment})

    def count(self, type_=None) -> int:
        with self.rt.engine.connect() as conn:
            query = select(func.count()).select_from(events)
            return conn.execute(query.where(events.c.type == type_) if type_ else query).scalar()


@pytest.fixture
def api(make_runtime, db_kind):
    return Projects(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


TASKS = [{"title": "Survey", "status": "done", "starts_on": "2026-11-02", "due_on": "2026-11-06", "assignee": "Ada L."},
         {"title": "Foundations", "status": "in_progress", "starts_on": "2026-11-09", "due_on": "2026-11-27"},
         {"title": "Walls", "due_on": "2026-12-18"}, {"title": "Roof", "due_on": "2026-12-31"}]


def test_a_project_with_tasks_and_milestones_shows_its_progress_to_the_contact(api):
    made = api.create(status="active", starts_on="2026-11-02", ends_on="2026-12-31", tasks=TASKS,
                      milestones=[{"name": "Foundations poured", "due_on": "2026-11-27"}], external_ref="ERP-P1")
    pid = made["project_id"]
    assert (made["progress"], made["tasks_total"], made["tasks_done"]) == (25, 4, 1)
    walls = next(t for t in made["tasks"] if t["title"] == "Walls")
    api.client.patch(f"/orgs/{ORG}/projects/{pid}/tasks/{walls['task_id']}", headers=api.erp, json={"status": "done"})
    seen = api.mine(f"/projects/{pid}").get_json()
    assert seen["progress"] == 50 and [t["title"] for t in seen["tasks"]] == ["Survey", "Foundations", "Walls", "Roof"]
    assert seen["tasks"][0]["assignee"] == "Ada L." and seen["tasks"][0]["starts_on"] == "2026-11-02"
    milestone = seen["milestones"][0]
    reached = api.client.patch(f"/orgs/{ORG}/projects/{pid}/milestones/{milestone['milestone_id']}", headers=api.erp,
                               json={"reached_on": "2026-11-27"})
    assert reached.get_json()["milestones"][0]["reached_on"] == "2026-11-27"
    assert api.count("MilestoneReached") == 1
    listed = api.mine("/projects", query_string={"status": "in_progress"}).get_json()["items"]
    assert [(p["name"], p["progress"]) for p in listed] == [("New warehouse", 50)]


def test_without_tasks_progress_follows_the_milestones(api):
    made = api.create(milestones=[{"name": "Kick-off", "reached_on": "2026-11-01"}, {"name": "Handover"}])
    assert made["progress"] == 50
    done = api.client.patch(f"/orgs/{ORG}/projects/{made['project_id']}", headers=api.erp, json={"status": "completed"})
    assert done.get_json()["progress"] == 100


def test_the_same_external_ref_makes_one_project_and_one_task(api):
    first = api.create(external_ref="ERP-9")
    again = api.create(expect=200, external_ref="ERP-9", name="Something else")
    assert again["project_id"] == first["project_id"] and again["name"] == "New warehouse"
    path = f"/orgs/{ORG}/projects/{first['project_id']}/tasks"
    assert api.client.post(path, headers=api.erp, json={"title": "Dig", "external_ref": "T-1"}).status_code == 201
    repeat = api.client.post(path, headers=api.erp, json={"title": "Dig again", "external_ref": "T-1"})
    assert repeat.status_code == 200 and [t["title"] for t in repeat.get_json()["tasks"]] == ["Dig"]
    assert api.count("ProjectCreated") == 1 and api.count("TaskUpdated") == 1


@pytest.mark.parametrize("body, field", [
    ({"starts_on": "2026-12-01", "ends_on": "2026-11-01"}, "ends_on"),
    ({"status": "dreaming"}, "status"),
    ({"name": ""}, "name"),
    ({"description": "x" * 6000}, "description"),
    ({"tasks": [{"title": "T", "starts_on": "2026-12-10", "due_on": "2026-12-01"}]}, "due_on"),
])
def test_bad_projects_are_refused_naming_the_field_and_nothing_is_stored(api, body, field):
    answer = api.client.post(f"/orgs/{ORG}/projects", headers=api.erp,
                             json={"customer_id": "cust-1", "name": "P", **body})
    problem = answer.get_json()
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json", problem
    assert field in str(problem["errors"]), problem
    assert api.count() == 0


def test_changing_the_end_before_the_start_is_refused_and_changes_nothing(api):
    made = api.create(starts_on="2026-11-02", ends_on="2026-12-31")
    path = f"/orgs/{ORG}/projects/{made['project_id']}"
    answer = api.client.patch(path, headers=api.erp, json={"ends_on": "2026-10-01"})
    assert answer.status_code == 422 and "ends_on" in answer.get_json()["errors"]["json"]
    assert api.client.get(path, headers=api.erp).get_json()["ends_on"] == "2026-12-31"


def test_another_customers_or_orgs_project_and_hours_are_not_found(api):
    pid = api.create()["project_id"]
    api.log(pid)
    assert api.mine(f"/projects/{pid}", customer_id="cust-2").status_code == 404
    assert api.mine(f"/projects/{pid}", headers=api.contact("cust-2")).status_code == 404
    other_org = bearer("staff", OTHER_ORG, id="s", ttl_s=600)
    assert api.client.get(f"/orgs/{OTHER_ORG}/projects/{pid}", headers=other_org).status_code == 404
    assert api.client.patch(f"/orgs/{OTHER_ORG}/projects/{pid}", headers=other_org,
                            json={"name": "Mine"}).status_code == 404
    assert api.client.post(f"/orgs/{OTHER_ORG}/timesheet-entries", headers=other_org, json={
        "project_id": pid, "person": "X", "work_date": "2026-11-23", "hours": 1}).status_code == 404
    assert api.mine("/timesheets", customer_id="cust-2").get_json()["weeks"] == []
    assert api.decide("2026-W48", "approve", customer_id="cust-2").status_code == 409     # nothing of theirs
    assert api.mine("/projects", headers=api.contact(modules=("timesheets",))).status_code == 404
    assert api.mine("/timesheets", headers=api.contact(modules=("projects",))).status_code == 404


def test_the_contact_sees_hours_per_week_and_project_billable_and_not(api):
    first = api.create(name="Alpha")["project_id"]
    second = api.create(name="Beta", tasks=[{"title": "Review"}])
    task = second["tasks"][0]["task_id"]
    api.log(first, work_date="2026-11-23", hours="7.5")
    api.log(second["project_id"], task_id=task, work_date="2026-11-24", hours=2, billable=False, note="Travel")
    api.log(first, work_date="2026-11-30", hours="1.25", person="Bo, the welder")
    sheet = api.mine("/timesheets").get_json()
    assert [w["week"] for w in sheet["weeks"]] == ["2026-W49", "2026-W48"]
    w48 = sheet["weeks"][1]
    assert (w48["billable_minutes"], w48["non_billable_minutes"], w48["state"]) == (450, 120, "open")
    assert [(p["project_name"], p["billable_minutes"], p["non_billable_minutes"]) for p in w48["projects"]] == [
        ("Alpha", 450, 0), ("Beta", 0, 120)]
    assert w48["entries"][1]["task_title"] == "Review" and w48["entries"][1]["note"] == "Travel"
    assert (sheet["billable_minutes"], sheet["non_billable_minutes"]) == (525, 120)
    only = api.mine("/timesheets", query_string={"from_week": "2026-W49", "to_week": "2026-W49"}).get_json()
    assert [e["person"] for w in only["weeks"] for e in w["entries"]] == ["Bo, the welder"]


@pytest.mark.parametrize("body, field", [
    ({"hours": "-1"}, "hours"),
    ({"hours": "0"}, "hours"),
    ({"hours": "abc"}, "hours"),
    ({"hours": "25"}, "hours"),
    ({"hours": "0.001"}, "hours"),
    ({"person": ""}, "person"),
    ({"work_date": "2026-02-30"}, "work_date"),
    ({"task_id": "not-a-task"}, "task_id"),
])
def test_bad_entries_are_refused_naming_the_field_and_nothing_is_stored(api, body, field):
    pid = api.create()["project_id"]
    before = api.count()
    answer = api.client.post(f"/orgs/{ORG}/timesheet-entries", headers=api.erp, json={
        "project_id": pid, "person": "Ada L.", "work_date": "2026-11-23", "hours": "2", **body})
    assert answer.status_code == 422 and field in answer.get_json()["errors"]["json"], answer.get_json()
    assert api.count() == before


def test_more_than_24_hours_for_one_person_in_a_day_is_refused_across_projects_and_customers(api):
    mine = api.create()["project_id"]
    theirs = api.create(customer_id="cust-2")["project_id"]
    api.log(mine, hours="16")
    api.log(theirs, hours="6", person="ada l.")
    too_much = api.client.post(f"/orgs/{ORG}/timesheet-entries", headers=api.erp, json={
        "project_id": mine, "person": "Ada  L.", "work_date": "2026-11-23", "hours": "2.5"})
    assert too_much.status_code == 422 and "hours" in too_much.get_json()["errors"]["json"]
    api.log(mine, hours="2")                                           # exactly 24: fine
    api.log(mine, hours="8", work_date="2026-11-24")                   # another day: fine
    assert api.count("TimesheetLogged") == 4


def test_the_same_entry_external_ref_is_logged_once(api):
    pid = api.create()["project_id"]
    first = api.log(pid, external_ref="TS-1")
    again = api.log(pid, expect=200, external_ref="TS-1", hours="3")
    assert again["entry_id"] == first["entry_id"] and again["minutes"] == 450
    assert api.count("TimesheetLogged") == 1


def test_a_week_is_decided_once_until_new_hours_arrive(api):
    pid = api.create()["project_id"]
    api.log(pid, work_date="2026-11-23")
    api.log(pid, work_date="2026-11-24", hours="2", billable=False)
    for empty in (None, "  "):
        no_comment = api.decide("2026-W48", "dispute", empty)
        assert no_comment.status_code == 422 and no_comment.get_json()["errors"]["json"]["comment"] == [
            "Say what is wrong with the hours."]
    approved = api.decide("2026-W48", "approve", "Thanks")
    week = approved.get_json()["weeks"][0]
    assert approved.status_code == 200 and (week["state"], week["comment"], week["decided_by"]) == (
        "approved", "Thanks", "Cleo Contact")
    assert week["decided_billable_minutes"] == 450
    assert api.decide("2026-W48", "dispute", "Too much").status_code == 409
    api.log(pid, work_date="2026-11-25", hours="1")
    reopened = api.mine("/timesheets").get_json()["weeks"][0]
    assert (reopened["state"], reopened["decision"]) == ("open", "approved")
    disputed = api.decide("2026-W48", "dispute", "Wednesday was a holiday")
    assert disputed.status_code == 200 and disputed.get_json()["weeks"][0]["state"] == "disputed"
    staff = api.client.get(f"/orgs/{ORG}/timesheet-weeks", headers=bearer("staff", ORG, id="s", ttl_s=600))
    assert [(w["week"], w["state"], w["comment"]) for w in staff.get_json()["items"]] == [
        ("2026-W48", "disputed", "Wednesday was a holiday")]
    assert api.count("TimesheetWeekApproved") == api.count("TimesheetWeekDisputed") == 1


def test_a_contact_without_approve_cannot_decide_and_an_empty_week_cannot_be_decided(api):
    pid = api.create()["project_id"]
    api.log(pid)
    viewer = api.contact(permissions=("view",))
    assert api.decide("2026-W48", "approve", headers=viewer).status_code == 403
    assert api.decide("2026-W47", "approve").status_code == 409
    assert api.decide("week-48", "approve").status_code == 422
    assert api.count("TimesheetWeekApproved") == 0


def test_an_api_key_without_the_scope_is_refused(api):
    key = bearer("api_key", ORG, id="key-2", modules=("sales_orders",), ttl_s=600)
    assert api.client.get(f"/orgs/{ORG}/projects", headers=key).status_code == 403
    assert api.client.get(f"/orgs/{ORG}/timesheet-entries", headers=key).status_code == 403
