"""/api/v1/documents with an API key (scope "documents"), against the real documents service in
process: an ERP pushes a quote's PDF with its amount and validity (multipart; idempotent on
external_ref), reads it back, adds a version, downloads the bytes, withdraws; problems stay
problem+json, and a key without the scope is refused."""
from __future__ import annotations

import hashlib
import io

from tests.integration.gateway import documents_backend
from tests.integration.gateway.conftest import HOST
from tests.integration.gateway.test_console_documents import PDF, PDF_V2, PROGRAM, app, ids, world  # noqa: F401

BASE = f"http://{HOST}"


def key_headers(world, scopes=("documents",)) -> dict:
    return {"Authorization": f"Bearer {world.fake.add_key(world.org, scopes=list(scopes))}"}


def push_quote(client, headers, customer: str, data: bytes = PDF, **fields):
    form = {"customer_id": customer, "kind": "quote", "title": "Quote Q-100", "number": "Q-100", "currency": "EUR",
            "amount_minor": "250000", "valid_until": "2026-12-31", "external_ref": "ERP-Q-100", **fields}
    return client.post("/api/v1/documents", headers=headers, base_url=BASE, content_type="multipart/form-data",
                       data={**form, "file": (io.BytesIO(data), "Q-100.pdf")})


def test_an_erp_pushes_a_quote_once_reads_it_revises_downloads_and_withdraws_it(world, app):
    org, customer = ids(world)
    client, headers = app.test_client(), key_headers(world)
    big = PDF + b"3" * (2 * 1024 * 1024)            # beyond the 1 MiB the JSON routes take
    first = push_quote(client, headers, customer, big)
    again = push_quote(client, headers, customer, big)
    assert (first.status_code, again.status_code) == (201, 200), first.get_data(as_text=True)
    document = first.get_json()
    assert again.get_json()["document_id"] == document["document_id"]
    assert (document["amount_minor"], document["valid_until"], document["size_bytes"]) == (250000, "2026-12-31", len(big))
    path = f"/api/v1/documents/{document['document_id']}"

    listed = client.get("/api/v1/documents?kind=quote", headers=headers, base_url=BASE)
    assert listed.status_code == 200 and [d["document_id"] for d in listed.get_json()["items"]] == [document["document_id"]]
    read = client.get(path, headers=headers, base_url=BASE)
    assert read.status_code == 200 and read.get_json()["external_ref"] == "ERP-Q-100"
    assert [a["what"] for a in read.get_json()["activity"]] == ["shared"]

    revised = client.post(f"{path}/versions", headers=headers, base_url=BASE, content_type="multipart/form-data",
                          data={"amount_minor": "240000", "note": "Discount", "file": (io.BytesIO(PDF_V2), "Q-100b.pdf")})
    assert revised.status_code == 201 and revised.get_json()["version"] == 2
    first_version = client.get(f"{path}/file?version=1", headers=headers, base_url=BASE)
    assert first_version.status_code == 200 and first_version.data == big
    assert first_version.headers["X-Document-Sha256"] == hashlib.sha256(big).hexdigest()
    latest = client.get(f"{path}/file", headers=headers, base_url=BASE)
    assert latest.data == PDF_V2 and latest.headers["X-Document-Version"] == "2"
    assert latest.headers["Content-Type"] == "application/pdf"

    withdrawn = client.post(f"{path}/withdraw", headers=headers, base_url=BASE, json={"reason": "Superseded"})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert documents_backend.staff_document(org, document["document_id"])["status"] == "withdrawn"


def test_problems_stay_problem_json(world, app):
    org, customer = ids(world)
    client, headers = app.test_client(), key_headers(world)
    refused = push_quote(client, headers, customer, PROGRAM, external_ref="ERP-BAD")
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert "is a program or script" in refused.get_json()["errors"]["json"]["file"][0]
    as_json = client.post("/api/v1/documents", headers=headers, base_url=BASE, json={"customer_id": customer})
    assert as_json.status_code == 415 and as_json.mimetype == "application/problem+json"
    assert "multipart/form-data" in as_json.get_json()["detail"]
    missing = client.get("/api/v1/documents/no-such-document/file", headers=headers, base_url=BASE)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    other_org = world.fake.add_org("other.test", "Other Co")
    theirs = documents_backend.share(other_org["org_id"], customer, PDF, kind="contract", title="Their secret")
    foreign = client.get(f"/api/v1/documents/{theirs['document_id']}", headers=headers, base_url=BASE)
    assert foreign.status_code == 404 and "Their secret" not in foreign.get_data(as_text=True)


def test_a_key_without_the_documents_scope_is_refused(world, app):
    _, customer = ids(world)
    client, headers = app.test_client(), key_headers(world, scopes=("invoices",))
    assert client.get("/api/v1/documents", headers=headers, base_url=BASE).status_code == 403
    pushed = push_quote(client, headers, customer)
    assert pushed.status_code == 403 and pushed.mimetype == "application/problem+json"
    assert client.get("/api/v1/documents", base_url=BASE).status_code == 401
