"""The front door in a real browser on `make up`'s stack: staff invite a contact, the mail
arrives at the SMTP catcher, the contact sets a password, enrols an authenticator app
(the code computed with pyotp from the secret shown as text), signs out, signs in again
with password and code, and edits their profile."""
from __future__ import annotations

import re
import time

import pyotp
import pytest

from tests.e2e.stack import Stack, eventually, get

STAFF = ("owner@demo.example", "demo owner passphrase")


def fresh_code(secret: str, last: list[str]) -> str:
    """A code of a time step not used before (each step is accepted once only)."""
    totp = pyotp.TOTP(secret)
    while totp.now() in last:
        time.sleep(1)
    last.append(totp.now())
    return last[-1]


def enrol(page, used: list[str]) -> str:
    page.wait_for_url("**/mfa/enrol")
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Code from your authenticator app").fill(fresh_code(secret, used))
    page.get_by_role("button", name="Turn on two-step verification").click()
    assert page.locator("h1").inner_text() == "Your recovery codes"
    page.get_by_role("link", name="I have saved my codes, continue").click()
    return secret


@pytest.mark.slow
def test_invited_contact_signs_up_enrols_mfa_signs_in_again_and_edits_the_profile(tmp_path, browser):
    stack = Stack(tmp_path / "var")
    stack.start()
    base = f"http://localhost:{stack.gateway}"
    try:
        staff = browser.new_context().new_page()
        staff.goto(base + "/console/signin")
        staff.get_by_label("E-mail").fill(STAFF[0])
        staff.get_by_label("Password").fill(STAFF[1])
        staff.get_by_role("button", name="Sign in").click()
        enrol(staff, [])                                 # staff always use two-step sign-in
        staff.goto(base + "/console/customers")
        staff.get_by_role("link", name="Acme Retail Ltd").click()
        new = staff.get_by_role("form", name="Add a contact")
        new.get_by_label("Name").fill("Carl Contact")
        new.get_by_label("E-mail").fill("carl@acme.example")
        new.get_by_label("Pay").check()
        new.get_by_role("button", name="Add contact").click()
        staff.get_by_role("listitem").filter(has_text="carl@acme.example").get_by_role(
            "button", name="Send invitation").click()

        def invitation():
            caught = get(f"http://127.0.0.1:{stack.mail_web}/api/messages")[1] or []
            return [m for m in caught if "carl@acme.example" in m["to"]]
        [mail] = eventually(invitation, timeout=30)
        assert mail["subject"] == "You are invited to the Demo Trading Co customer portal"
        link = re.search(r"http://\S+/invite/\S+", mail["text"]).group(0)
        other_mail = [m for m in get(f"http://127.0.0.1:{stack.mail_web}/api/messages")[1]
                      if "carl@" not in m["to"]]
        assert all("Carl" not in m["text"] for m in other_mail)   # nobody else got it

        contact = browser.new_context().new_page()
        contact.goto(link)
        assert "Welcome, Carl Contact" in contact.locator("h1").inner_text()
        contact.get_by_label("New password", exact=True).fill("password")
        contact.get_by_label("Repeat the new password").fill("password")
        contact.get_by_role("button", name="Set password and continue").click()
        assert contact.locator("text=too common").count() or contact.locator("text=at least").count()
        contact.get_by_label("New password", exact=True).fill("carl's long portal passphrase")
        contact.get_by_label("Repeat the new password").fill("carl's long portal passphrase")
        contact.get_by_role("button", name="Set password and continue").click()
        used: list[str] = []
        contact.goto(base + "/mfa/enrol")
        secret = enrol(contact, used)
        contact.get_by_role("button", name="Sign out").first.click()

        contact.goto(base + "/invoices")                 # signed out: nothing to see
        assert "/signin" in contact.url
        contact.goto(link)                               # the invitation worked once
        assert "Welcome, Carl" not in contact.content()
        contact.goto(base + "/signin")
        contact.get_by_label("E-mail").fill("carl@acme.example")
        contact.get_by_label("Password").fill("carl's long portal passphrase")
        contact.get_by_role("button", name="Sign in").click()
        contact.wait_for_url("**/signin/mfa")
        contact.get_by_label("Code from your authenticator app").fill(fresh_code(secret, used))
        contact.get_by_role("button", name="Continue").click()
        assert "Carl Contact" in contact.content()

        contact.goto(base + "/profile")
        contact.get_by_label("Phone").fill("+44 113 496 0000")
        contact.get_by_label("City").fill("Leeds")
        contact.get_by_role("button", name="Save profile").click()
        assert "Profile saved." in contact.content()
        contact.reload()
        assert contact.get_by_label("City").input_value() == "Leeds"
    finally:
        assert stack.stop() == 0
