"""/api/v1/documents (scope "documents"): an ERP shares a file with a customer (a quote's PDF
with its amount and validity; idempotent on `external_ref`), adds versions, withdraws, lists
and reads documents with their activity and evidence, and downloads a version's file.

The routes are v1's (its blueprint: the same key check, rate limits and problem+json
errors; gateway/api/__init__.py imports this module). JSON goes through v1's `forward`;
files are multipart/form-data (the file in `file`, the other fields beside it), which
`forward` does not carry, so `forward_files` sends the form and the file on as they came,
and a download is passed on chunk by chunk (`send_on`), never held whole."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, request

from gateway.api.v1 import bp, call, forward, org_path, passed_on
from gateway.web.access import api
from gateway.web.files import accepts_files, send_on

SERVICE = "documents"
UPLOAD_TIMEOUT_S = 60.0          # a file of up to 100 MB over the cluster's network (clients/documents.py)
DOWNLOAD_TIMEOUT_S = (3.0, 30.0)  # to connect; then between two chunks
MULTIPART = "multipart/form-data"


def _documents(document_id: str | None = None, action: str = "") -> str:
    path = f"/orgs/{org_path()}/documents"
    return (path + f"/{quote(document_id, safe='')}" if document_id is not None else path) + action


def forward_files(path: str) -> Response:
    """Sends this multipart request's fields and its `file` on to documents with the key's
    token; documents' answer (the document, or its problem) passes through as it is."""
    if request.mimetype != MULTIPART:
        abort(415, description="Send the file as multipart/form-data: the file in the field `file`, "
                               "the other fields beside it.")
    upload = request.files.get("file")
    files = {"file": (upload.filename, upload.stream, upload.mimetype)} if upload is not None else None
    return passed_on(SERVICE, call(SERVICE, path, data=list(request.form.items(multi=True)), files=files,
                                   timeout=UPLOAD_TIMEOUT_S))


@bp.get("/documents")
@api(scope="documents")
def list_documents():
    """The org's documents and customers' uploads, newest first (`customer_id`, `kind`,
    `status`, `subject_type` with `subject_id`, `cursor`, `limit`)."""
    return forward(SERVICE, _documents())


@bp.post("/documents")
@accepts_files
@api(scope="documents")
def share_document():
    """Share a file with a customer: `customer_id`, `kind`, `title`, `file`, and optionally
    `contact_ids`, `number`, `currency`, `amount_minor`, `valid_until`, `external_ref`. 201 with
    the document; 200 with the same document when `external_ref` was shared before."""
    return forward_files(_documents())


@bp.get("/documents/<document_id>")
@api(scope="documents")
def get_document(document_id: str):
    return forward(SERVICE, _documents(document_id))


@bp.post("/documents/<document_id>/versions")
@accepts_files
@api(scope="documents")
def add_document_version(document_id: str):
    """A new version: `file`, and optionally `note`, `amount_minor`, `valid_until`."""
    return forward_files(_documents(document_id, "/versions"))


@bp.post("/documents/<document_id>/withdraw")
@api(scope="documents")
def withdraw_document(document_id: str):
    """JSON `{"reason": "..."}` (optional): the customer no longer sees the document."""
    return forward(SERVICE, _documents(document_id, "/withdraw"), body=request.get_json(silent=True) or {})


@bp.get("/documents/<document_id>/file")
@api(scope="documents")
def document_file(document_id: str):
    """The file's bytes (the latest version, or `version`), with documents' headers: type,
    length, name, X-Document-Sha256 and X-Document-Version."""
    answer = call(SERVICE, _documents(document_id, "/file"), stream=True, timeout=DOWNLOAD_TIMEOUT_S)
    if answer.status_code != 200:
        return passed_on(SERVICE, answer)
    return send_on(answer)
