"""The console's staff page: owners and admins invite the team by mail, change roles and
remove members; the invited person sets a password and must set up MFA before the console."""
from __future__ import annotations

import re

import pytest

from tests.integration.gateway.conftest import Browser, text


@pytest.fixture
def owner(world, app) -> Browser:
    browser = Browser(app)
    assert browser.sign_in(world.sam, fake=world.fake).headers["Location"] == "/console"
    return browser


def staff_named(world, email):
    return next(s for s in world.fake.logins.values() if s.email == email)


def test_an_owner_invites_a_staff_member_who_accepts_and_must_enrol(world, owner, app):
    page = owner.get("/console/staff")
    assert page.status_code == 200 and "Sam Owner (you)" in text(page) and "Ada Agent" in text(page)
    response = owner.send("/console/staff", {"name": "Grace Hopper", "email": "grace@acme.test", "role": "admin"})
    assert response.status_code == 302
    assert "Grace Hopper was invited by e-mail." in text(owner.get("/console/staff"))
    grace = staff_named(world, "grace@acme.test")
    assert (grace.role, grace.status) == ("admin", "invited")
    link = world.fake.sent_invitations[-1]["link"]
    assert link.startswith("http://portal.test/invite/")

    newcomer = Browser(app)
    path = link.removeprefix("http://portal.test")
    page = newcomer.get(path)
    assert "You are invited to the Acme Trading staff console" in text(page)
    accepted = newcomer.send(path, {"password": "a long new password", "repeat": "a long new password"})
    assert accepted.headers["Location"] == "/mfa/enrol"
    assert newcomer.get("/console").headers["Location"] == "/mfa/enrol"


def test_the_staff_invitation_works_while_the_portal_is_closed(world, owner, app):
    world.org["settings"]["portal_enabled"] = False
    owner.send("/console/staff", {"name": "Grace Hopper", "email": "grace@acme.test", "role": "agent"})
    path = world.fake.sent_invitations[-1]["link"].removeprefix("http://portal.test")
    assert "staff console" in text(Browser(app).get(path))


def test_roles_change_and_removal_signs_the_member_out(world, owner, app):
    ada_browser = Browser(app)
    ada_browser.sign_in(world.ada, fake=world.fake)
    assert ada_browser.get("/console").status_code == 200
    owner.get("/console/staff")
    response = owner.send(f"/console/staff/{world.ada.id}/role", {f"s-{world.ada.id}-role": "admin"})
    assert response.status_code == 302 and world.ada.role == "admin"
    assert "The role is now Admin." in text(owner.get("/console/staff"))
    owner.send(f"/console/staff/{world.ada.id}/remove", {})
    assert world.ada.status == "removed"
    assert "removed and signed out everywhere" in text(owner.get("/console/staff"))
    assert ada_browser.get("/console").headers["Location"].startswith("/console/signin")


def test_refusals_come_back_as_sentences(world, app):
    admin_login = world.fake.add_staff(world.org, "adam@acme.test", "Adam Admin", role="admin")
    admin = Browser(app)
    admin.sign_in(admin_login, fake=world.fake)
    admin.get("/console/staff")
    admin.send(f"/console/staff/{world.sam.id}/role", {f"s-{world.sam.id}-role": "agent"})
    assert "Only an owner can make, change or remove an owner." in text(admin.get("/console/staff"))
    assert world.sam.role == "owner"
    page = admin.get("/console/staff")
    assert f"/console/staff/{admin_login.id}/remove" not in page.get_data(as_text=True)   # no button for yourself
    response = admin.send("/console/staff", {"name": "Boss", "email": "boss@acme.test", "role": "owner"})
    assert response.status_code == 403 and "Only an owner can add an owner." in text(response)


def test_agents_do_not_manage_staff(world, app):
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    assert agent.get("/console/staff").status_code == 403
    assert "/console/staff" not in agent.get("/console").get_data(as_text=True)


def test_a_bad_form_is_explained_on_its_fields(world, owner):
    response = owner.submit("/console/staff", {"name": "", "email": "grace@acme.test", "role": "agent"})
    assert response.status_code == 400 and "Please fill this in." in text(response)
    [name_input] = [tag for tag in re.findall(r"<input\b[^>]*>", response.get_data(as_text=True)) if 'id="name"' in tag]
    assert 'aria-invalid="true"' in name_input
