"""The console's audit log (owners and admins), against the real notifications service in
process: the org's changes newest first with when, who, area and what; filters by area,
person, days and words; "Older" pages; an "Export CSV" link that keeps the filters and a CSV
no spreadsheet runs; never another org's changes."""
from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

from gateway.console.audit import PAGE_SIZE
from tests.integration.gateway import notifications_backend as backend
from tests.integration.gateway.conftest import Browser, text
from tests.integration.notifications.test_audit import incoming, settings


@pytest.fixture
def owner(world, app) -> Browser:
    browser = Browser(app)
    assert browser.sign_in(world.sam, fake=world.fake).headers["Location"] == "/console"
    return browser


def know(world, login) -> None:
    """identity's StaffMemberAdded for `login` (an entry itself: "Added ... to the console")."""
    backend.know_staff(world.org["org_id"], login.id, login.email, login.name)


def by(login) -> dict:
    return {"kind": "staff", "id": login.id}


def changed_settings(world, at: str, *changed: str, who=None):
    org_id = world.org["org_id"]
    backend.know_org(world.org)
    return backend.consume(incoming(org_id, "PortalSettingsChanged", {
        "org_id": org_id, "changed": list(changed), "settings": settings(mfa_required=True, self_signup=True)},
        actor=by(who or world.sam), at=at))


def key_created(world, name: str, at: str, who=None):
    return backend.consume(incoming(world.org["org_id"], "ApiKeyCreated", {
        "key_id": name.lower(), "name": name, "prefix": "cpk_ab12", "scopes": ["invoices"]},
        actor=by(who or world.sam), at=at))


def test_the_log_shows_who_changed_what_and_when_newest_first(world, owner, app):
    assert "No change is recorded yet." in text(owner.get("/console/audit"))
    know(world, world.sam)
    changed_settings(world, "2026-11-01T09:30:00+00:00", "mfa_required")
    key_created(world, "ERP", "2026-11-02T10:00:00+00:00")
    other = world.fake.add_org("other.test", "Other Co")
    backend.know_org(other)
    backend.consume(incoming(other["org_id"], "ApiKeyCreated", {"key_id": "k9", "name": "Their ERP",
                                                                "prefix": "cpk_zz99", "scopes": ["invoices"]}))
    page = text(owner.get("/console/audit"))
    assert page.index("Created the API key ERP") < page.index("Changed portal settings: MFA required on")
    assert "01 Nov 2026, 09:30 UTC" in page and "Sam Owner" in page and "API keys" in page
    assert "Their ERP" not in page
    assert 'href="/console/audit"' in owner.get("/console").get_data(as_text=True)
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    assert 'href="/console/audit"' not in agent.get("/console").get_data(as_text=True)
    assert agent.get("/console/audit").status_code == 403
    assert agent.get("/console/audit.csv").status_code == 403


def test_the_filters_narrow_the_log_and_the_export_keeps_them(world, owner):
    ada = world.fake.add_staff(world.org, "ada2@acme.test", "Ada Admin", role="admin")
    know(world, world.sam)
    know(world, ada)
    changed_settings(world, "2026-11-01T09:30:00+00:00", "mfa_required")
    changed_settings(world, "2026-11-03T09:30:00+00:00", "self_signup", who=ada)
    key_created(world, "Warehouse", "2026-11-04T10:00:00+00:00", who=ada)
    form = owner.get("/console/audit").get_data(as_text=True)
    assert f'<option value="{ada.id}">Ada Admin</option>' in form and '<option value="keys">API keys</option>' in form

    only_ada = text(owner.get(f"/console/audit?actor={ada.id}"))
    assert "self sign-up on" in only_ada and "Warehouse" in only_ada and "MFA required on" not in only_ada
    days = text(owner.get("/console/audit?since=2026-11-02&until=2026-11-03"))
    assert "self sign-up on" in days and "Warehouse" not in days and "MFA required" not in days
    keys = text(owner.get("/console/audit?area=keys&q=warehouse"))
    assert "Warehouse" in keys and "self sign-up" not in keys
    assert "No change matches these filters." in text(owner.get("/console/audit?q=nothing-like-it"))

    html = owner.get(f"/console/audit?area=settings&actor={ada.id}").get_data(as_text=True)
    export = unescape(re.search(r'href="(/console/audit\.csv[^"]*)"', html).group(1))
    assert "area=settings" in export and f"actor={ada.id}" in export
    answer = owner.get(export)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert [r[5] for r in rows[1:]] == ["Changed portal settings: self sign-up on"]
    assert rows[1][1] == "Ada Admin"


def test_the_csv_through_the_console_runs_no_formula(world, owner):
    key_created(world, "=cmd|' /C calc'!A0", "2026-11-04T10:00:00+00:00")
    rows = list(csv.reader(io.StringIO(owner.get("/console/audit.csv?area=keys").get_data(as_text=True))))
    assert rows[1][6] == "'=cmd|' /C calc'!A0"


def test_older_pages_and_a_range_upside_down(world, owner):
    for n in range(PAGE_SIZE + 3):
        key_created(world, f"Key {n:02d}", f"2026-10-{1 + n % 28:02d}T{n % 24:02d}:00:00+00:00")
    first = owner.get("/console/audit").get_data(as_text=True)
    older = unescape(re.search(r'href="(/console/audit\?cursor=[^"]+)"[^>]*>Older<', first).group(1))
    second = text(owner.get(older))
    shown = lambda page: set(re.findall(r"Created the API key (Key \d\d)", page))   # noqa: E731
    assert len(shown(text_of(first))) == PAGE_SIZE and len(shown(second)) == 3
    assert not shown(text_of(first)) & shown(second) and "Newest" in second
    upside_down = owner.get("/console/audit?since=2026-11-05&until=2026-11-01")
    assert upside_down.status_code == 200 and "The end of the range comes before its start." in text(upside_down)
    again = owner.get("/console/audit?cursor=not-a-cursor")
    assert again.status_code == 200 and "start from the first page" in text(again)


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_a_change_of_a_customers_modules_names_and_links_the_customer(world, owner):
    customer_id = world.customer["customer_id"]
    backend.consume(incoming(world.org["org_id"], "CustomerModulesChanged",
                             {"customer_id": customer_id, "modules": ["invoices"]}, actor=by(world.sam)))
    html = owner.get("/console/audit?area=access").get_data(as_text=True)
    assert "Changed a customer&#39;s modules: invoices" in html
    assert f'href="/console/customers/{customer_id}">Globex Ltd</a>' in html
