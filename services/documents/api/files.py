"""Sending a document's bytes: streamed from storage in chunks, never through a public or
lasting URL. Shown in the browser (inline) only for PDFs and images; anything else, and
every download, is an attachment with an RFC 6266 name. `nosniff`, no caching and a
sandboxing CSP keep a file from running as a page of the portal's origin."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, request, stream_with_context
from sqlalchemy import select

from services.chassis import orgs
from services.chassis.db import read_only
from services.chassis.errors import DomainError, NotFound, Unavailable
from services.documents.adapters.certificate import render_certificate
from services.documents.adapters.storage import Missing
from services.documents.domain.document import storage_key
from services.documents.domain.files import PREVIEWABLE
from services.documents.handlers.files import storage
from services.documents.queries import documents as queries


def disposition(filename: str, inline: bool) -> str:
    """`attachment; filename="..."; filename*=UTF-8''...`: an ASCII name for old clients and
    the exact one for the rest; quotes, backslashes and control characters never pass."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in filename) or "file"
    return f"{'inline' if inline else 'attachment'}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def send(rt, org_id: str, document: dict, version: dict, inline: bool) -> Response:
    try:
        chunks = storage(rt).open(org_id, storage_key(document["document_id"], version["version"]))
    except Missing:
        raise Unavailable("This file cannot be read from storage just now. Try again later.") from None

    def body():
        try:
            yield from chunks
        finally:
            chunks.close()                          # releases an S3 connection when a reader stops early

    inline = inline and version["content_type"] in PREVIEWABLE
    headers = {
        "Content-Disposition": disposition(version["filename"], inline),
        "Content-Length": str(version["size_bytes"]),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
        "X-Document-Version": str(version["version"]),
    }
    if version.get("sha256"):
        headers["X-Document-Sha256"] = version["sha256"]
    if inline and version["content_type"] == "application/pdf":
        del headers["Content-Security-Policy"]       # Chromium's PDF viewer does not run under a sandbox
    mimetype = version["content_type"]
    if mimetype.startswith("text/"):
        mimetype += "; charset=utf-8"              # text is only taken as UTF-8 (domain/files.py)
    return Response(stream_with_context(body()), content_type=mimetype, headers=headers, direct_passthrough=True)


def uploaded_file():
    """(name, bytes) of the request's `file`; a readable refusal when there is none."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise DomainError("Choose a file to upload.", field="file")
    return upload.filename, upload.read()


def certificate(rt, org_id: str, document: dict) -> Response:
    """The PDF listing the evidence of a document's decisions; 404 before there is any."""
    with read_only(rt.engine) as conn:
        evidence = queries.evidence_of(conn, document["document_id"])
        org = conn.execute(select(orgs.known_orgs.c.name).where(orgs.known_orgs.c.org_id == org_id)).scalar()
    if not evidence:
        raise NotFound("Nothing was decided on this document yet, so it has no certificate.")
    body = render_certificate(document, evidence, org or org_id, rt.config.setting("PDF_FONT_DIR") or None)
    name = f"Certificate - {document['title']}.pdf"
    return Response(body, content_type="application/pdf", headers={
        "Content-Disposition": disposition(name, False), "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store"})
