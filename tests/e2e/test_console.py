"""The staff console in a real browser on `make up`'s stack: the owner brands the portal,
makes an API key that an internal system then uses over HTTP until it is revoked, and
invites a staff member whose mail arrives at the SMTP catcher and who must then set up MFA."""
from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.shots import shoot
from tests.e2e.stack import Stack, eventually, get
from tests.e2e.test_front_door import STAFF, enrol


@pytest.mark.slow
def test_owner_brands_the_portal_makes_and_revokes_an_api_key_and_invites_staff(tmp_path, browser):
    stack = Stack(tmp_path / "var")
    stack.start()
    base = f"http://localhost:{stack.gateway}"
    try:
        owner = browser.new_context().new_page()
        owner.goto(base + "/console/signin")
        owner.get_by_label("E-mail").fill(STAFF[0])
        owner.get_by_label("Password").fill(STAFF[1])
        owner.get_by_role("button", name="Sign in").click()
        enrol(owner, [])

        shoot(owner, "console-home")
        owner.goto(base + "/console/settings")
        owner.get_by_label("Brand colour").fill("#0b5d1e")
        owner.get_by_role("button", name="Save settings").click()
        assert "Settings saved." in owner.content()
        header = owner.locator(".site-header")
        assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(8, 69, 22)"   # 0.75 of it

        owner.goto(base + "/console/api-keys")
        form = owner.get_by_role("form", name="Create a key")
        form.get_by_label("Name").fill("ERP sync")
        form.get_by_label("Customers and contacts").check()
        form.get_by_role("button", name="Create key").click()
        key = owner.locator("#new-api-key").input_value()
        assert key.startswith("cpk_")
        as_key = {"Authorization": f"Bearer {key}"}
        listed = requests.get(base + "/api/v1/customers", headers=as_key, timeout=10)
        assert listed.status_code == 200 and "Acme Retail Ltd" in [c["name"] for c in listed.json()]
        owner.goto(base + "/console/api-keys")
        assert key not in owner.content()                  # shown once
        owner.get_by_role("button", name="Revoke ERP sync").click()

        def refused():                                      # at once here; within the key cache elsewhere
            answer = requests.get(base + "/api/v1/customers", headers=as_key, timeout=10)
            return [answer] if answer.status_code == 401 else []
        [answer] = eventually(refused, timeout=40)
        assert answer.headers["Content-Type"].startswith("application/problem+json")

        owner.goto(base + "/console/staff")
        form = owner.get_by_role("form", name="Invite a staff member")
        form.get_by_label("Name").fill("Ada Agent")
        form.get_by_label("E-mail").fill("ada@demo.example")
        form.get_by_label("Role").select_option("agent")
        form.get_by_role("button", name="Invite").click()
        assert "Ada Agent was invited by e-mail." in owner.content()

        def invitation():
            caught = get(f"http://127.0.0.1:{stack.mail_web}/api/messages")[1] or []
            return [m for m in caught if "ada@demo.example" in m["to"]]
        [mail] = eventually(invitation, timeout=30)
        link = re.search(r"http://\S+/invite/\S+", mail["text"]).group(0)
        ada = browser.new_context().new_page()
        ada.goto(link)
        assert "staff console" in ada.content()
        ada.get_by_label("New password", exact=True).fill("ada's long console passphrase")
        ada.get_by_label("Repeat the new password").fill("ada's long console passphrase")
        ada.get_by_role("button", name="Set password and continue").click()
        enrol(ada, [])
        ada.wait_for_url("**/console")
        assert "Signed in as Ada Agent (agent)" in ada.content()
        ada.goto(base + "/console/staff")
        assert ada.locator("h1").inner_text() != "Staff"      # agents do not manage the team
    finally:
        assert stack.stop() == 0
