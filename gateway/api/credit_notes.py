"""/api/v1/credit-notes (scope "credit_notes"): an ERP or an accounting system issues credit
notes for customers (lines or a plain amount, optionally against an invoice; idempotent on
`external_ref`: pushed again, billing answers 200 with the note it made), applies their credit
to invoices, records refunds paid out of band, lists and reads them, and downloads the PDF.

The routes are v1's (its blueprint: the same key check, rate limits and problem+json errors;
gateway/api/__init__.py imports this module), forwarded to billing as they came; the PDF is
passed on like a document's file (`send_on`)."""
from __future__ import annotations

from urllib.parse import quote

from gateway.api.v1 import bp, call, forward, org_path, passed_on
from gateway.web.access import api
from gateway.web.files import send_on

SERVICE = "billing"
DOWNLOAD_TIMEOUT_S = (3.0, 30.0)  # to connect; then between two chunks (a PDF is rendered first)


def _notes(credit_note_id: str | None = None, action: str = "") -> str:
    path = f"/orgs/{org_path()}/credit-notes"
    return (path + f"/{quote(credit_note_id, safe='')}" if credit_note_id is not None else path) + action


@bp.route("/credit-notes", methods=["GET", "POST"])
@api(scope="credit_notes")
def credit_notes():
    """Issue a note (201; 200 with the same note for an `external_ref` seen before) or list the
    org's (`status`, `customer_id`, `invoice_id`, `cursor`, `limit`)."""
    return forward(SERVICE, _notes())


@bp.get("/credit-notes/<credit_note_id>")
@api(scope="credit_notes")
def credit_note(credit_note_id: str):
    """The note with its lines, the invoices it was applied to and the refunds made from it."""
    return forward(SERVICE, _notes(credit_note_id))


@bp.post("/credit-notes/<credit_note_id>/apply")
@api(scope="credit_notes")
def apply_credit(credit_note_id: str):
    """`{"invoice_id", "amount_minor"}`: at most what the note has left and the invoice has due."""
    return forward(SERVICE, _notes(credit_note_id, "/apply"))


@bp.post("/credit-notes/<credit_note_id>/refund")
@api(scope="credit_notes")
def refund_credit(credit_note_id: str):
    """`{"amount_minor", "reason"}`: money paid back to the customer out of band (recorded only)."""
    return forward(SERVICE, _notes(credit_note_id, "/refund"))


@bp.get("/credit-notes/<credit_note_id>/pdf")
@api(scope="credit_notes")
def credit_note_pdf(credit_note_id: str):
    answer = call(SERVICE, _notes(credit_note_id, "/pdf"), stream=True, timeout=DOWNLOAD_TIMEOUT_S)
    if answer.status_code != 200:
        return passed_on(SERVICE, answer)
    return send_on(answer)
