"""Two businesses side by side on one `make up` stack, walked by a real browser, and shown not
to leak. The demo org answers at localhost; the operator adds a second one at beta.localhost
with `python -m services.identity org create` (Chromium maps *.localhost to loopback). Its
first owner is invited by mail, sets a password, enrols MFA, brands the portal (its own name,
colour and logo), adds a customer and invites a contact, who accepts. Then both orgs act at
once and the test checks, host by host: lists and ids (another org's id is a 404 here), the
brand, sessions and cookies (host-only; one host's cookie is no session at the other), mails
(the org's own name and links to its own host only), API keys and webhooks (each endpoint
receives only its own org's events)."""
from __future__ import annotations

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from tests.e2e.operator import at_host, org_create
from tests.e2e.shots import shoot
from tests.e2e.stack import Stack, eventually, get, post
from tests.e2e.test_front_door import STAFF, enrol
from tests.e2e.test_payments import BUYER, sign_in
from tests.helpers.receiver import Receiver

BETA = {"name": "Beta Bakery Supplies", "host": "beta.localhost", "colour": "#7a1f5c",
        "owner": ("olga@beta.example", "olga's long console passphrase"),
        "customer": "Birch Street Café", "contact": ("cora@birch.example", "cora's long portal passphrase")}


def logo_png() -> bytes:
    """A wheat-gold badge with a dark sheaf of three strokes: plainly not the header's colour."""
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (96, 48), (240, 190, 60))
    draw = ImageDraw.Draw(image)
    for x in (36, 48, 60):
        draw.line([(48, 44), (x, 6)], fill=(90, 20, 60), width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def mails(stack: Stack, to: str | None = None) -> list[dict]:
    caught = get(f"http://127.0.0.1:{stack.mail_web}/api/messages")[1] or []
    return [m for m in caught if to is None or to in m["to"]]


def mail_to(stack: Stack, to: str) -> dict:
    [mail] = eventually(lambda: mails(stack, to)[:1], timeout=40)
    return mail


def accept(browser, link: str, password: str):
    page = browser.new_context().new_page()
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Repeat the new password").fill(password)
    page.get_by_role("button", name="Set password and continue").click()
    return page


def invite_contact(staff, base: str, customer: str, email: str, name: str) -> str:
    """From the customer's page: add a contact who may pay, download and raise tickets; invite them."""
    staff.goto(base + "/console/customers")
    staff.get_by_role("link", name=customer).click()
    customer_id = staff.url.rstrip("/").rsplit("/", 1)[-1]
    new = staff.get_by_role("form", name="Add a contact")
    new.get_by_label("Name").fill(name)
    new.get_by_label("E-mail").fill(email)
    new.get_by_label("Pay").check()
    new.get_by_label("Download").check()
    new.get_by_label("Submit tickets").check()
    new.get_by_role("button", name="Add contact").click()
    staff.get_by_role("listitem").filter(has_text=email).get_by_role("button", name="Send invitation").click()
    return customer_id


def raise_ticket(page, base: str, subject: str) -> str:
    page.goto(base + "/tickets/new")
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Describe what you need").fill("Please have a look.")
    page.get_by_role("button", name="Raise ticket").click()
    page.wait_for_url("**/tickets/*")
    return page.url.rsplit("/", 1)[-1]


def add_webhook(staff, base: str, url: str) -> None:
    staff.goto(base + "/console/webhooks")
    staff.get_by_label("URL").fill(url)
    staff.get_by_label("All events, and those added later").check()
    staff.get_by_role("button", name="Add webhook").click()
    assert staff.locator("#webhook-secret").input_value()


def make_key(staff, base: str, name: str) -> str:
    staff.goto(base + "/console/api-keys")
    form = staff.get_by_role("form", name="Create a key")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Customers and contacts").check()
    form.get_by_role("button", name="Create key").click()
    return staff.locator("#new-api-key").input_value()


def status(page, url: str) -> int:
    return page.goto(url).status


@pytest.mark.slow
def test_two_orgs_side_by_side_share_nothing(tmp_path, browser):
    stack = Stack(tmp_path / "var")
    stack.start()
    port = stack.gateway
    a_base, b_base = f"http://localhost:{port}", f"http://{BETA['host']}:{port}"
    hooks = {"a": Receiver(), "b": Receiver()}
    try:
        # -- the operator adds the second business; its owner is invited by mail --------------
        made = org_create(stack, name=BETA["name"], slug="beta", host=BETA["host"], owner_email=BETA["owner"][0],
                          owner_name="Olga Owner")        # links: PORTAL_PUBLIC_URL with the host
        assert made["invited"]
        a_org = get(stack.url("identity") + "/orgs/by-host/localhost")[1]["org_id"]
        b_org = made["org_id"]
        assert a_org != b_org

        invited = mail_to(stack, BETA["owner"][0])
        assert BETA["name"] in invited["subject"] + invited["text"]
        link = re.search(r"http://\S+/invite/\S+", invited["text"]).group(0)
        assert link.startswith(b_base + "/")
        olga = accept(browser, link, BETA["owner"][1])
        enrol(olga, [])
        olga.goto(b_base + "/console")
        assert "Olga Owner" in olga.content()

        # -- it brands its portal: colour and logo (its name came with the operator's command) --
        olga.goto(b_base + "/console/settings")
        olga.get_by_label("Brand colour").fill(BETA["colour"])
        olga.get_by_role("button", name="Save settings").click()
        olga.get_by_text("Settings saved.").wait_for()
        (tmp_path / "beta.png").write_bytes(logo_png())
        olga.locator("input#logo").set_input_files(str(tmp_path / "beta.png"))
        olga.get_by_role("button", name="Upload logo").click()
        olga.get_by_text("Logo saved.").wait_for()

        # -- each org registers a webhook of its own before both act ----------------------------
        dana = browser.new_context().new_page()
        sign_in(dana, a_base, "/console/signin", STAFF)
        enrol(dana, [])
        add_webhook(dana, a_base, hooks["a"].url)
        add_webhook(olga, b_base, hooks["b"].url)

        # -- its customer and contact; the contact accepts ---------------------------------------
        olga.goto(b_base + "/console/customers")
        form = olga.get_by_role("form", name="Add a customer")
        form.get_by_label("Customer name").fill(BETA["customer"])
        form.get_by_label("Billing e-mail").fill("accounts@birch.example")
        form.get_by_role("button", name="Add customer").click()
        olga.wait_for_url("**/console/customers/*")
        b_customer = invite_contact(olga, b_base, BETA["customer"], BETA["contact"][0], "Cora Contact")
        a_customer = invite_contact(dana, a_base, "Acme Retail Ltd", "alf@acme.example", "Alf Accounts")
        cora = accept(browser, re.search(r"http://\S+/invite/\S+", mail_to(stack, BETA["contact"][0])["text"])
                      .group(0), BETA["contact"][1])
        cora.goto(b_base + "/")
        assert "Cora Contact" in cora.content()
        buyer = browser.new_context().new_page()
        sign_in(buyer, a_base, "/signin", BUYER)
        buyer.wait_for_url(a_base + "/")

        # both act: an invoice each (pushed as an ERP would), a ticket each
        due = (datetime.date.today() + datetime.timedelta(days=14)).isoformat()
        code, b_invoice = post(stack.url("billing") + f"/orgs/{b_org}/invoices", {
            "customer_id": b_customer, "currency": "EUR", "issue": True, "external_ref": "BETA-1", "due_date": due,
            "lines": [{"description": "Flour, 20 sacks", "quantity": "20", "unit_price_minor": 2500,
                       "tax_rate": "10"}]}, stack.operator())
        assert code == 201, b_invoice
        a_invoices = get(stack.url("billing") + f"/orgs/{a_org}/invoices", stack.operator())[1]
        a_invoice = (a_invoices["items"] if isinstance(a_invoices, dict) else a_invoices)[0]["invoice_id"]
        a_ticket = raise_ticket(buyer, a_base, "Acme: shelves arrived damaged")
        b_ticket = raise_ticket(cora, b_base, "Birch: flour delivery late")

        # -- data: own lists only; the other org's ids are 404 at this host ---------------------
        for staff, base, own, other in ((dana, a_base, "Acme", "Birch"), (olga, b_base, "Birch", "Acme")):
            for path in ("/console/customers", "/console/invoices", "/console/tickets"):
                staff.goto(base + path)
                assert own in staff.content() and other not in staff.content(), (base, path)
        for contact, base, own, other in ((buyer, a_base, "Acme", "Birch"), (cora, b_base, "Birch", "Acme")):
            contact.goto(base + "/tickets")
            assert own in contact.content() and other not in contact.content()
        for contact, base, own, other in ((cora, b_base, "550.00", "585.00"), (buyer, a_base, "585.00", "550.00")):
            contact.goto(base + "/invoices")                # B's one invoice: €550.00; A's include €585.00
            assert own in contact.content() and other not in contact.content()
        pdf = at_host(stack, BETA["host"], "GET", f"/invoices/{b_invoice['invoice_id']}/pdf",
                      cookies={c["name"]: c["value"] for c in cora.context.cookies(b_base)})
        assert pdf.status_code == 200, pdf.status_code
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert BETA["name"] in text and "Demo Trading" not in text
        for page, base, ids in ((olga, b_base, (f"/console/customers/{a_customer}", f"/console/invoices/{a_invoice}",
                                                 f"/console/tickets/{a_ticket}")),
                                (dana, a_base, (f"/console/customers/{b_customer}",
                                                f"/console/invoices/{b_invoice['invoice_id']}",
                                                f"/console/tickets/{b_ticket}")),
                                (cora, b_base, (f"/invoices/{a_invoice}", f"/tickets/{a_ticket}")),
                                (buyer, a_base, (f"/invoices/{b_invoice['invoice_id']}", f"/tickets/{b_ticket}"))):
            for path in ids:
                assert status(page, base + path) == 404, (base, path)

        # -- branding: each host its own name, colour and logo ----------------------------------
        for page, base, name, colour, logo in ((buyer, a_base, "Demo Trading Co", None, False),
                                               (cora, b_base, BETA["name"], "rgb(122, 31, 92)", True)):
            page.goto(base + "/")
            brand = page.locator(".site-header .brand").first
            assert name in brand.inner_text()
            assert (page.locator(".site-header img.brand-logo").count() > 0) is logo
            if colour:
                assert page.evaluate("getComputedStyle(document.documentElement)"
                                     ".getPropertyValue('--brand').trim()") == BETA["colour"]
        assert "Beta" not in at_host(stack, "localhost", "GET", "/signin").text
        assert "Demo Trading" not in at_host(stack, BETA["host"], "GET", "/signin").text
        assert at_host(stack, "localhost", "GET", "/brand/logo").status_code == 404
        buyer.goto(a_base + "/")
        shoot(buyer, "two-orgs-acme")
        cora.goto(b_base + "/")
        shoot(cora, "two-orgs-beta")

        # -- sessions and cookies: host-only, and no session at the other host --------------------
        for page, base, other in ((dana, a_base, b_base), (olga, b_base, a_base)):
            cookies = page.context.cookies()
            assert cookies and all(not c["domain"].startswith(".") for c in cookies), cookies
            page.goto(other + "/console/customers")         # the browser sends nothing there
            assert "/signin" in page.url
        for cookie in dana.context.cookies(a_base):         # sent on purpose: no session at B
            answer = at_host(stack, BETA["host"], "GET", "/console/customers",
                             cookies={cookie["name"]: cookie["value"]})
            assert answer.status_code in (302, 303) and "/signin" in answer.headers["Location"]
            answer = at_host(stack, BETA["host"], "GET", "/invoices", cookies={cookie["name"]: cookie["value"]})
            assert answer.status_code in (302, 303) and "/signin" in answer.headers["Location"]

        signin = browser.new_context().new_page()           # A's contact is nobody at B
        signin.goto(b_base + "/signin")
        signin.get_by_label("E-mail").fill(BUYER[0])
        signin.get_by_label("Password").fill(BUYER[1])
        with signin.expect_response(lambda r: r.request.method == "POST") as answer:
            signin.get_by_role("button", name="Sign in").click()
        assert answer.value.status == 401 and "Bea Buyer" not in answer.value.text()
        signin.context.close()

        # -- API keys: A's key is nothing at B, and lists only A's data at A ------------------------
        key = {"Authorization": f"Bearer {make_key(dana, a_base, 'ERP sync')}"}
        at_a = at_host(stack, "localhost", "GET", "/api/v1/customers", headers=key)
        assert at_a.status_code == 200
        names = [c["name"] for c in at_a.json()]
        assert "Acme Retail Ltd" in names and BETA["customer"] not in names
        assert at_host(stack, BETA["host"], "GET", "/api/v1/customers", headers=key).status_code in (401, 404)
        assert at_host(stack, BETA["host"], "GET", f"/api/v1/customers/{b_customer}",
                       headers=key).status_code in (401, 404)
        assert at_host(stack, "localhost", "GET", f"/api/v1/customers/{b_customer}", headers=key).status_code == 404

        # -- webhooks: each endpoint receives its own org's events only ---------------------------
        for name in ("a", "b"):
            assert eventually(lambda: len(hooks[name].requests) >= 2, timeout=60), name
        for name, org in (("a", a_org), ("b", b_org)):
            orgs = {r["json"].get("org_id") for r in hooks[name].requests}
            assert orgs == {org}, (name, orgs)

        # -- mails: each org's name, and links to its own host only --------------------------------
        links = re.compile(r"https?://[^\s\"'<>)]+")
        for mail in mails(stack):
            b_side = any(who in mail["to"] for who in ("@beta.example", "@birch.example"))
            body = mail["text"] + mail["html"]
            found = links.findall(body)
            own, foreign = (b_base, a_base) if b_side else (a_base, b_base)
            assert all(not u.startswith(foreign) for u in found), (mail["to"], mail["subject"], found)
            hosts = {re.match(r"https?://([^/:]+)", u).group(1) for u in found
                     if ":" + str(port) in u}
            assert hosts <= {own.split("//")[1].split(":")[0]}, (mail["to"], hosts)
            name_shown = BETA["name"] if b_side else "Demo Trading Co"
            assert name_shown in mail["subject"] + body, (mail["to"], mail["subject"])
            assert (("Demo Trading Co" if b_side else BETA["name"]) not in mail["subject"] + body), mail["to"]
    finally:
        for receiver in hooks.values():
            receiver.close()
        assert stack.stop() == 0
