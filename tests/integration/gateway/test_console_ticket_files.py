"""The files on a ticket in the console, against the real support and documents services in
process: what the customer and staff attached is listed on the ticket (name, size, whose
side, when) and downloads; staff attach a file, filed under the ticket's own customer;
documents' refusal is said in its words; another ticket's files are not shown."""
from __future__ import annotations

import io
import re

from tests.helpers.tokens import bearer
from tests.integration.gateway import documents_backend, support_backend
from tests.integration.gateway.conftest import text
from tests.integration.gateway.test_console_documents import (PDF, PNG, PROGRAM, app, contact_uploads, ids,  # noqa: F401
                                                               signed_in, world)


def attachments(org: str, ticket_id: str) -> list[dict]:
    answer = documents_backend.documents_app().test_client().get(
        f"/orgs/{org}/documents?subject_type=ticket&subject_id={ticket_id}", headers=bearer("staff", org))
    return answer.get_json()["items"]


def test_staff_see_the_tickets_files_and_attach_one(world, app):
    org, customer = ids(world)
    ticket = support_backend.raised_for(org, customer, world.ann.id)
    other = support_backend.raised_for(org, customer, world.ann.id, subject="Another problem")
    contact_uploads(world, world.ann, "error-log.txt", b"Traceback: it broke\n", subject_type="ticket",
                    subject_id=ticket["ticket_id"])
    contact_uploads(world, world.ann, "elsewhere.pdf", PDF, subject_type="ticket", subject_id=other["ticket_id"])
    page_url = f"/console/tickets/{ticket['ticket_id']}"
    sam = signed_in(app, world.sam, world.fake)
    page = sam.get(page_url)
    shown = text(page)
    assert "Files" in shown and re.search(r"error-log\.txt 20 Bytes The customer \d\d \w{3} \d{4}", shown)
    assert "elsewhere.pdf" not in shown

    attached = sam.send(f"{page_url}/files", {"file": (io.BytesIO(PNG), "screenshot.png")})
    assert attached.status_code == 302 and attached.headers["Location"].endswith(f"{page_url}#files")
    files = attachments(org, ticket["ticket_id"])
    mine = next(f for f in files if f["filename"] == "screenshot.png")
    assert (mine["customer_id"], mine["uploaded_by"], mine["kind"]) == (customer, "staff", "upload")
    page = sam.get(page_url)
    assert "File attached to the ticket." in text(page)
    assert re.search(r"screenshot\.png 508 Bytes Staff", text(page))
    link = f'/console/documents/{mine["document_id"]}/file'
    assert link in page.get_data(as_text=True)
    assert sam.get(link).data == PNG


def test_a_refused_attachment_is_said_in_documents_words(world, app):
    org, customer = ids(world)
    ticket = support_backend.raised_for(org, customer, world.ann.id)
    page_url = f"/console/tickets/{ticket['ticket_id']}"
    ada = signed_in(app, world.ada, world.fake)                 # every staff role works tickets
    ada.get(page_url)
    refused = ada.send(f"{page_url}/files", {"file": (io.BytesIO(PROGRAM), "tool.exe")})
    assert refused.status_code == 302
    assert "“tool.exe” is a program or script, which cannot be uploaded." in text(ada.get(page_url))
    empty = ada.send(f"{page_url}/files", {})
    assert empty.status_code == 302 and "Choose a file to attach." in text(ada.get(page_url))
    assert attachments(org, ticket["ticket_id"]) == []


def test_another_orgs_ticket_takes_no_file(world, app):
    other_org = world.fake.add_org("other.test", "Other Co")
    other_customer = world.fake.add_customer(other_org, "Initech")
    theirs = support_backend.raised_for(other_org["org_id"], other_customer["customer_id"], "someone")
    sam = signed_in(app, world.sam, world.fake)
    sam.get("/console/tickets")
    refused = sam.send(f"/console/tickets/{theirs['ticket_id']}/files", {"file": (io.BytesIO(PNG), "x.png")})
    assert refused.status_code == 404
    assert attachments(other_org["org_id"], theirs["ticket_id"]) == []
