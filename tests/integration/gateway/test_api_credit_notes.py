"""/api/v1/credit-notes with an API key (scope "credit_notes"), against the real billing service
in process: an ERP issues a note (idempotent on external_ref), applies it to an invoice,
records a refund of the rest, lists and reads it and downloads its PDF; billing's refusals stay
problem+json; another org's note is not found; a key without the scope is refused."""
from __future__ import annotations

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import HOST
from tests.integration.gateway.test_payment_links import keyed  # noqa: F401  (an org whose API keys billing takes)

BASE = f"http://{HOST}"


def erp(world, app, scopes=("credit_notes",)):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world.fake.add_key(world.org, scopes=list(scopes))}"}

    def ask(method: str, path: str, **kwargs):
        return client.open(f"/api/v1{path}", method=method, base_url=BASE, headers=headers, **kwargs)
    return ask


def test_an_erp_issues_applies_refunds_reads_and_downloads_a_note(keyed):
    world, app = keyed
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer, 20000)
    ask = erp(world, app)
    body = {"customer_id": customer, "currency": "EUR", "invoice_id": invoice["invoice_id"], "external_ref": "ERP-CN-1",
            "lines": [{"description": "Returned chair", "quantity": "1", "unit_price_minor": 15000, "tax_rate": "0"}]}
    first, again = ask("POST", "/credit-notes", json=body), ask("POST", "/credit-notes", json=body)
    assert (first.status_code, again.status_code) == (201, 200), first.get_json()
    note = first.get_json()
    assert again.get_json()["credit_note_id"] == note["credit_note_id"] and note["external_ref"] == "ERP-CN-1"
    path = f"/credit-notes/{note['credit_note_id']}"

    applied = ask("POST", path + "/apply", json={"invoice_id": invoice["invoice_id"], "amount_minor": 12000})
    assert applied.status_code == 200 and applied.get_json()["remaining_minor"] == 3000
    assert applied.get_json()["applications"][0]["invoice_number"] == invoice["number"]
    refunded = ask("POST", path + "/refund", json={"amount_minor": 3000, "reason": "Bank transfer"})
    assert refunded.status_code == 200 and refunded.get_json()["status"] == "used"

    read = ask("GET", path)
    assert read.status_code == 200 and [r["amount_minor"] for r in read.get_json()["refunds"]] == [3000]
    listed = ask("GET", f"/credit-notes?customer_id={customer}&status=used")
    assert [n["credit_note_id"] for n in listed.get_json()["items"]] == [note["credit_note_id"]]
    pdf = ask("GET", path + "/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert note["number"] in pdf.headers["Content-Disposition"]
    assert billing_backend.staff_invoice(org, invoice["invoice_id"])["amount_due_minor"] == 8000


def test_billings_refusals_pass_through_as_problem_json(keyed):
    world, app = keyed
    org, customer = world.org["org_id"], world.customer["customer_id"]
    ask = erp(world, app)
    missing = ask("POST", "/credit-notes", json={"customer_id": customer, "currency": "EUR"})
    assert missing.status_code == 422 and missing.mimetype == "application/problem+json"
    note = billing_backend.issue_credit_note(org, customer, 5000)
    over = ask("POST", f"/credit-notes/{note['credit_note_id']}/refund", json={"amount_minor": 6000, "reason": "x"})
    assert over.status_code == 422 and over.mimetype == "application/problem+json"
    assert "has only 50.00 EUR left" in over.get_json()["detail"]
    not_json = ask("POST", f"/credit-notes/{note['credit_note_id']}/apply", data="x", content_type="text/plain")
    assert not_json.status_code == 415 and not_json.mimetype == "application/problem+json"


def test_another_orgs_note_is_not_found_and_the_scope_decides(keyed):
    world, app = keyed
    other = world.fake.add_org("other.test", "Other Co")
    theirs = billing_backend.issue_credit_note(other["org_id"], "their-customer", 700)
    ask = erp(world, app)
    bodies = {"/refund": {"amount_minor": 1, "reason": "x"}, "/apply": {"amount_minor": 1, "invoice_id": "x"}}
    for method, action in (("GET", ""), ("GET", "/pdf"), ("POST", "/refund"), ("POST", "/apply")):
        answer = ask(method, f"/credit-notes/{theirs['credit_note_id']}{action}",
                     **({"json": bodies[action]} if method == "POST" else {}))
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json", (method, action)
    assert theirs["credit_note_id"] not in ask("GET", "/credit-notes").get_data(as_text=True)
    mine = billing_backend.issue_credit_note(world.org["org_id"], world.customer["customer_id"], 700)
    others_invoice = billing_backend.issue_invoice(world.org["org_id"], "another-customer", 1000)
    crossed = ask("POST", f"/credit-notes/{mine['credit_note_id']}/apply",
                  json={"invoice_id": others_invoice["invoice_id"], "amount_minor": 100})
    assert crossed.status_code == 404 and crossed.mimetype == "application/problem+json"
    invoices_only = erp(world, app, scopes=("invoices",))
    refused = invoices_only("GET", "/credit-notes")
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
