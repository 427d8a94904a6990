"""The console's pages of part A (invoices, credit notes, payments, statements, customers,
activity, audit log, tickets, projects, documents) in the reader's language: for staff whose
browser asks for German, French or Arabic, each area's list and detail page says `<html lang
dir>` for that language and shows none of the catalogue's English messages untranslated, in
its text or in what a screen reader or a tooltip says (placeholder, title, aria-label, alt).

A message whose translation reads the same as the English ("Support", "Version") tells
nothing and is left out; so is whatever an element marks `translate="no"`, or <code>/<pre>."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.integration.gateway import billing_backend, documents_backend, orders_backend, support_backend
from tests.integration.gateway.conftest import HOST, Browser, World, make_app
from tests.integration.gateway.test_orders import SigningKeys

CATALOGUES = Path(__file__).resolve().parents[3] / "gateway" / "translations"
SEEN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
AS_IS = ("code", "pre", "kbd", "samp", "script", "style")
MODULES = ["invoices", "payments", "credit_notes", "projects", "timesheets", "tickets", "documents", "quotes",
           "reviews"]
PDF = b"%PDF-1.4\n% a quote\n" + b"0" * 500


def english_left(locale: str) -> frozenset[str]:
    """The catalogue's English messages (both forms of a plural) whose translation differs."""
    with (CATALOGUES / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=locale)
    left = set()
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        left.update(english for english in ids if english not in strings)
    return frozenset(left)


class _Read(HTMLParser):
    """What a reader sees or hears of a page: its text nodes and the attributes they read."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, bool]] = []
        self.seen: list[str] = []
        self.html: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.html = attributes
        as_is = tag in AS_IS or attributes.get("translate") == "no" or any(kept for _, kept in self.open)
        if not as_is:
            self.seen.extend(attributes[name] for name in SEEN_ATTRIBUTES if attributes.get(name))
        if tag not in ("br", "hr", "img", "input", "meta", "link", "source", "wbr", "area", "col", "base"):
            self.open.append((tag, as_is))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.open and self.open[-1][0] == tag:
            self.open.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        if not any(kept for _, kept in self.open):
            self.seen.append(data)


def read(html: str) -> tuple[dict[str, str], set[str]]:
    reader = _Read()
    reader.feed(html)
    reader.close()
    return reader.html, {" ".join(text.split()) for text in reader.seen if text.strip()}


@pytest.fixture
def world() -> World:
    fake = SigningKeys()
    org = fake.add_org(HOST, "Acme Trading", modules=list(MODULES))
    customer = fake.add_customer(org, "Globex Ltd")
    world = World(
        fake=fake, org=org, customer=customer,
        ann=fake.add_contact(org, customer, "ann@globex.test", "Ann Example",
                             permissions=("view", "download", "approve", "pay", "submit_tickets")),
        bob=fake.add_contact(org, customer, "bob@globex.test", "Bob Example", permissions=("view",), mfa=True),
        sam=fake.add_staff(org, "sam@acme.test", "Sam Owner", role="owner"),
        ada=fake.add_staff(org, "ada@acme.test", "Ada Agent", role="agent"),
    )
    documents_backend.know_org(org)
    return world


def pages(world) -> dict[str, str]:
    """One page of each area (its list and, where there is one, a detail page), by name."""
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer, 20000)
    paid = billing_backend.issue_invoice(org, customer, 5000)
    billing_backend.pay_invoice(org, customer, paid["invoice_id"])
    note = billing_backend.issue_credit_note(org, customer, description="Goodwill")   # not "Credit", a message
    ticket = support_backend.raised_for(org, customer, world.ann.id)
    support_backend.add_canned(org)
    project = orders_backend.create_project(org, customer, name="Fit-out")
    document = documents_backend.share(org, customer, PDF, title="Quote Q-1")
    return {
        "invoices": "/console/invoices", "invoice": f"/console/invoices/{invoice['invoice_id']}",
        "new invoice": "/console/invoices/new",
        "credit notes": "/console/credit-notes", "credit note": f"/console/credit-notes/{note['credit_note_id']}",
        "new credit note": f"/console/credit-notes/new?customer_id={customer}",
        "payments": "/console/payments", "statement": f"/console/customers/{customer}/statement",
        "customers": "/console/customers", "customer": f"/console/customers/{customer}",
        "activity": "/console/activity", "activity e-mail": "/console/activity/mail", "audit log": "/console/audit",
        "tickets": "/console/tickets", "ticket": f"/console/tickets/{ticket['ticket_id']}",
        "reviews": "/console/reviews", "canned replies": "/console/canned-replies",
        "projects": "/console/projects", "project": f"/console/projects/{project['project_id']}",
        "new project": "/console/projects/new", "timesheets": "/console/timesheets",
        "documents": "/console/documents", "document": f"/console/documents/{document['document_id']}",
        "share": f"/console/documents/new?customer_id={customer}",
    }


@pytest.mark.parametrize("locale, direction", [("de", "ltr"), ("fr", "ltr"), ("ar", "rtl")])
def test_staff_read_each_area_in_the_language_their_browser_asks_for(world, locale, direction):
    world.sam.profile["language"] = None        # never chose one: the browser's language decides
    app = make_app(world.fake)
    sam = Browser(app)
    sam.sign_in(world.sam, fake=world.fake)
    english = english_left(locale)
    assert len(english) > 300                  # this branch's messages are in the catalogue, translated
    untranslated = {}
    for name, path in pages(world).items():
        page = sam.get(path, headers={"Accept-Language": f"{locale},en;q=0.5"})
        assert page.status_code == 200, (name, page.status_code)
        html, seen = read(page.get_data(as_text=True))
        assert (html.get("lang"), html.get("dir")) == (locale, direction), name
        left = sorted(seen & english)
        if left:
            untranslated[name] = left
    assert not untranslated, "\n".join(f"{name}: {left}" for name, left in untranslated.items())


def test_the_english_page_stays_english(world):
    """No Accept-Language: the msgids themselves, so English pages read as before."""
    app = make_app(world.fake)
    sam = Browser(app)
    sam.sign_in(world.sam, fake=world.fake)
    page = sam.get(pages(world)["invoices"])
    html, seen = read(page.get_data(as_text=True))
    assert html.get("lang") == "en" and html.get("dir") == "ltr"
    assert {"Invoices", "Filter invoices", "Invoice number", "Customer", "Due amount"} <= seen
