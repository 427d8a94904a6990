"""The console's invitations: a CSV of people previewed row by row, nothing sent before the
confirmation, a report (also as CSV); a changed preview refused; the invitations list with
who accepted, and "Send again". identity is the in-memory fake (fake_invitations.py)."""
from __future__ import annotations

import csv
import io

import pytest

from gateway.console.invitation_import import MAX_ROWS
from tests.integration.gateway.conftest import Browser, text


@pytest.fixture
def owner(world, app) -> Browser:
    browser = Browser(app)
    assert browser.sign_in(world.sam, fake=world.fake).headers["Location"] == "/console"
    return browser


def upload(browser, data: bytes, **form):
    browser.get("/console/invitations/import")
    return browser.send("/console/invitations/import", {"file": (io.BytesIO(data), "people.csv"), **form},
                        content_type="multipart/form-data")


def fifty_rows(bad=True) -> bytes:
    """A spreadsheet's export: a BOM, semicolons, 50 people of Globex Ltd; rows 8 and 31 bad."""
    lines = ["customer;email;name;permissions;language"]
    for n in range(2, 52):
        email = f"person{n}@globex.test"
        if bad and n == 8:
            email = "bob@"
        if bad and n == 31:
            email = "person5@globex.test"                 # the same address as row 5
        lines.append(f"Globex Ltd;{email};Person {n};view pay;{'de' if n % 2 else ''}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def test_fifty_rows_are_previewed_then_invited_with_the_two_bad_ones_reported(world, owner):
    preview = upload(owner, fifty_rows())
    page = text(preview)
    assert preview.status_code == 200, page[:500]
    assert "48 to invite, 0 skipped (already invited or contacts), 2 with errors" in page
    assert "Row 8: the e-mail address 'bob@' is not valid" in page
    assert "Row 31: the e-mail address 'person5@globex.test' is in the list twice" in page
    assert world.fake.sent_invitations == []                         # nothing before the confirmation

    sealed = owner.hidden["rows"]
    report = owner.send("/console/invitations/import/confirm", {})
    page = text(report)
    assert report.status_code == 200 and "Invited 48, skipped 0 (already invited or contacts), failed 2." in page
    sent = {m["to"] for m in world.fake.sent_invitations}
    assert len(sent) == 48 and "person2@globex.test" in sent and "bob@" not in sent
    person3 = next(l for l in world.fake.logins.values() if l.email == "person3@globex.test")
    assert (person3.permissions, person3.profile["language"], person3.status) == (["view", "pay"], "de", "invited")

    download = owner.send("/console/invitations/import/report", {})
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert len(rows) == 50 and [r["row"] for r in rows if r["outcome"] == "Error"] == ["8", "31"]

    again = owner.send("/console/invitations/import/confirm", {"rows": sealed})    # a double submit invites nobody twice
    assert "Invited 0, skipped 48" in text(again) and len(world.fake.sent_invitations) == 48


def test_a_changed_preview_is_refused_and_sends_nothing(world, owner, app):
    upload(owner, b"customer,email,name\nGlobex Ltd,zoe@globex.test,Zoe\n")
    sealed = owner.hidden["rows"]
    tampered = sealed[:-3] + ("AAA" if not sealed.endswith("AAA") else "BBB")
    answer = owner.send("/console/invitations/import/confirm", {"rows": tampered})
    assert answer.status_code == 400 and "This preview was changed" in text(answer)
    assert world.fake.sent_invitations == []

    other = Browser(app)                                  # another staff member's copy is not theirs
    world.ada.role = "admin"
    other.sign_in(world.ada, fake=world.fake)
    other.get("/console/invitations/import")
    assert other.send("/console/invitations/import/confirm", {"rows": sealed}).status_code == 400
    assert world.fake.sent_invitations == []


def test_rows_name_what_is_wrong_and_missing_customers_can_be_made(world, owner):
    data = (b"Customer,E-mail,Name,create_customer\n"
            b"Nobody Ltd,a@nobody.test,A,\n"
            b"Newco,b@newco.test,B,yes\n"
            b"Globex Ltd,ann@globex.test,Ann,\n"
            b"Globex Ltd,c@globex.test,,\n")
    page = text(upload(owner, data))
    assert "Row 2: the customer 'Nobody Ltd' is not known" in page
    assert "a new customer “Newco” is created" in page
    assert "Skipped: already a contact" in page
    assert "Row 5: the name is missing" in page
    assert "1 to invite, 1 skipped" in page
    page = text(upload(owner, data, create_customers="y"))
    assert "2 to invite" in page


@pytest.mark.parametrize("data, says", [
    (b"", "The file is empty."),
    (b"email,name\nx@y.test,X\n", "The file has no 'customer' column"),
    (b"customer,email,name\n" + b"Globex Ltd,a@b.test,A\n" * (MAX_ROWS + 1), "more than 5,000 rows"),
    (b"customer,email,name\n" + b"x" * (1024 * 1024), "larger than 1 MiB"),
    ("customer,email,name\nGlöbex,a@b.test,A\n".encode("latin-1"), "not UTF-8"),
])
def test_a_file_that_cannot_be_read_says_why(world, owner, data, says):
    answer = upload(owner, data)
    assert answer.status_code == 422 and says in text(answer)
    assert world.fake.sent_invitations == []


def test_agents_see_the_list_but_do_not_import(world, app):
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    page = agent.get("/console/invitations")
    assert page.status_code == 200 and "Invite many from a CSV file" not in text(page)
    assert agent.get("/console/invitations/import").status_code == 403


def test_the_list_shows_who_accepted_and_resends_a_pending_invitation(world, owner):
    world.fake.add_contact(world.org, world.customer, "pat@globex.test", "Pat Pending", password=None,
                           status="created")
    pat = next(l for l in world.fake.logins.values() if l.email == "pat@globex.test")
    world.fake.invite(world.org["org_id"], pat.id, "http://portal.test")
    world.fake.invited_at[pat.id] -= 8 * 86400                           # its link ran out
    page = text(owner.get("/console/invitations"))
    assert "Pat Pending" in page and "Expired" in page and "Accepted" in page      # Ann and Bob accepted
    assert "Pat Pending" in text(owner.get("/console/invitations?status=expired"))
    assert "Ann Example" not in text(owner.get("/console/invitations?status=expired"))

    first_link = world.fake.sent_invitations[-1]["link"]
    answer = owner.send(f"/console/invitations/{pat.id}/resend", {"back": "/console/invitations?status=pending"})
    assert answer.headers["Location"] == "/console/invitations?status=pending"
    assert world.fake.sent_invitations[-1]["link"] != first_link
    assert first_link.rsplit("/", 1)[1] not in world.fake.invitations            # the old link died
    assert "Pat Pending" in text(owner.get("/console/invitations?status=pending"))
    owner.send(f"/console/invitations/{pat.id}/resend", {})
    assert "moments ago" in text(owner.get("/console/invitations"))             # paced by identity
    assert len([m for m in world.fake.sent_invitations if m["to"] == "pat@globex.test"]) == 2
