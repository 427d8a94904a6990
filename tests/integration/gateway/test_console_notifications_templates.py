"""The console's e-mail templates page (owners and admins), against the real notifications
service in process: every kind of mail listed, its wording edited per language, an unknown
placeholder refused at the field that has it, a preview with sample data in which no script
of a template can run, and "back to the default"."""
from __future__ import annotations

import html as htmllib
import re

import pytest

from tests.integration.gateway.conftest import Browser, text

EDIT = "/console/email-templates/payment_receipt/en"


@pytest.fixture
def owner(world, app) -> Browser:
    browser = Browser(app)
    assert browser.sign_in(world.sam, fake=world.fake).headers["Location"] == "/console"
    return browser


def wording(**changes) -> dict:
    return {"subject": "Thanks for paying {{ org.name }}",
            "text": "Hello {{ recipient.name }}, we got {{ amount }} for {{ invoice_numbers }}.",
            "html": "", "intent": "save", **changes}


def field_errors(page, name: str) -> str:
    found = re.search(rf'<ul class="field-errors" id="{name}-error">(.*?)</ul>', page.get_data(as_text=True), re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def test_every_kind_of_mail_is_listed_and_opens_with_its_default_wording(owner):
    page = owner.get("/console/email-templates")
    assert page.status_code == 200
    for label in ("Invitation to the portal", "Payment receipt", "Ticket reply", "Quote accepted or declined"):
        assert label in text(page)
    edit = owner.get(EDIT)
    assert edit.status_code == 200
    assert "The default wording" in text(edit) and "{{ receipt_link }}" in text(edit)
    assert "Receipt for your payment to Acme Trading" in text(edit)      # the preview, with the org's name


def test_a_saved_wording_is_what_the_page_and_its_preview_show(owner):
    saved = owner.submit(EDIT, wording())
    assert saved.status_code == 302 and saved.headers["Location"] == EDIT
    page = owner.get(EDIT)
    assert "is saved" in text(page) and "Your own wording" in text(page)
    assert "Thanks for paying Acme Trading" in text(page)
    assert "we got €1,250.00 for INV-1001, INV-1002" in text(page)     # sample data
    listing = owner.get("/console/email-templates")
    assert "Your own" in text(listing)


def test_an_unknown_placeholder_is_refused_at_its_field_and_nothing_is_saved(owner):
    refused = owner.submit(EDIT, wording(text="Hello {{ recipient.nmae }} {{ amont }}"))
    assert refused.status_code == 422
    assert "Unknown placeholder: amont" in field_errors(refused, "text")
    assert field_errors(refused, "subject") == ""
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert "Hello {{ recipient.nmae }} {{ amont }}" in text(refused)           # what they typed stays
    assert "The default wording" in text(owner.get(EDIT))                        # nothing saved
    in_subject = owner.submit(EDIT, wording(subject="Receipt {{ number }}"))
    assert "Unknown placeholder: number" in field_errors(in_subject, "subject")


def test_a_template_that_cannot_be_filled_in_is_refused_readably(owner):
    refused = owner.submit(EDIT, wording(text="Hello {{ recipient.nickname }}"))
    assert refused.status_code == 422
    assert "cannot be filled in" in field_errors(refused, "text")


def test_the_preview_shows_a_draft_without_saving_and_runs_no_script(owner):
    draft = wording(html='<p>Paid {{ amount }}</p><script>alert("x")</script><img src=x onerror="alert(1)">',
                    intent="preview")
    page = owner.submit(EDIT, draft)
    assert page.status_code == 200 and "nothing is saved yet" in text(page)
    html = page.get_data(as_text=True)
    frame = re.search(r"<iframe[^>]*>", html).group(0)
    assert 'sandbox=""' in frame                                       # no scripts, no same origin
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame).group(1)
    assert "<script" not in srcdoc and "&lt;script&gt;" in srcdoc        # escaped into the attribute
    assert "Paid €1,250.00" in htmllib.unescape(srcdoc)
    assert "<script>alert" not in html and 'onerror="alert' not in html  # never markup of the console
    assert "The default wording" in text(owner.get(EDIT))


def test_reset_goes_back_to_the_default(owner):
    owner.submit(EDIT, wording())
    owner.get(EDIT)
    back = owner.send(f"{EDIT}/reset", {})
    assert back.status_code == 302
    page = owner.get(EDIT)
    assert "back to the default wording" in text(page) and "The default wording" in text(page)
    assert "Receipt for your payment to Acme Trading" in text(page)


def test_each_language_has_its_own_wording(owner):
    owner.submit("/console/email-templates/payment_receipt/de", wording(subject="Danke, {{ recipient.name }}"))
    assert "Danke, Sam Buyer" in text(owner.get("/console/email-templates/payment_receipt/de"))
    assert "The default wording" in text(owner.get(EDIT))
    assert owner.get("/console/email-templates/payment_receipt/xx").status_code == 404
    assert owner.get("/console/email-templates/no_such_mail/en").status_code == 404


def test_agents_may_not_open_the_templates(world, app):
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    assert agent.get("/console/email-templates").status_code == 403
    assert agent.get(EDIT).status_code == 403
    assert "E-mail templates" not in text(agent.get("/console"))


def test_a_preview_without_html_shows_the_text_part_as_html(owner):
    owner.submit(EDIT, wording(html="<p>Old HTML {{ amount }}</p>"))
    page = owner.submit(EDIT, wording(html="", intent="preview"))
    srcdoc = htmllib.unescape(re.search(r'srcdoc="([^"]*)"', page.get_data(as_text=True)).group(1))
    assert "Old HTML" not in srcdoc and "we got €1,250.00" in srcdoc


def test_the_subjects_label_names_the_language_being_edited_not_the_pages(world, app):
    world.sam.profile["language"] = None                 # the browser's language counts
    owner = Browser(app)
    owner.sign_in(world.sam, fake=world.fake)
    assert "Subject (Deutsch)" in text(owner.get("/console/email-templates/payment_receipt/de"))
    assert "Subject (Français)" in text(owner.get("/console/email-templates/payment_receipt/fr"))
    german = owner.get("/console/email-templates/payment_receipt/fr", headers={"Accept-Language": "de"})
    assert '<html lang="de"' in german.get_data(as_text=True) and "Betreff (Français)" in text(german)
    listed = owner.get("/console/email-templates?locale=fr")      # the list's subjects are the English ones
    assert '<html lang="en"' in listed.get_data(as_text=True) and "Subject (English)" in text(listed)
