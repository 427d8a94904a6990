"""Files through the gateway, both ways.

Up: a page that takes files is marked `@accepts_files`; for it alone the body may be as
large as GATEWAY_MAX_UPLOAD_BYTES (default 101 MiB: the documents service's own limit for
staff plus room for the form), set before CSRF reads the form; every other request keeps
the 1 MiB MAX_CONTENT_LENGTH. The exact limit (the org's for customers) is the documents
service's to enforce, with a message naming the file. An /api/v1 batch (500 invoices) is
marked `@accepts_batch` the same way: GATEWAY_MAX_BATCH_BYTES (default 16 MiB, billing's own).

Down: `send_on` passes a service's streamed answer on chunk by chunk with its own headers
(type, length, RFC 6266 name, nosniff, sandbox CSP, no-store): the gateway never holds a
whole file, and nothing here makes a lasting or guessable URL: every download is a request
of a signed-in person, checked again.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, request, stream_with_context

from gateway.clients.base import ServiceUnavailable
from gateway.clients.documents import PASSED

MARK = "_body_limit"            # the config key of a view's own body limit
CHUNK = 64 * 1024


def accepts_files(view):
    setattr(view, MARK, "GATEWAY_MAX_UPLOAD_BYTES")
    return view


def accepts_batch(view):
    setattr(view, MARK, "GATEWAY_MAX_BATCH_BYTES")
    return view


def init_uploads(app: Flask) -> None:
    """Call before init_csrf: CSRFProtect reads the form in its own before_request."""
    @app.before_request
    def _room_for_files():
        limit = getattr(current_app.view_functions.get(request.endpoint or ""), MARK, None)
        if limit:
            request.max_content_length = current_app.config[limit]


def send_on(upstream) -> Response:
    def body():
        try:
            yield from upstream.iter_content(CHUNK)
        finally:
            upstream.close()
    headers = {name: upstream.headers[name] for name in PASSED if name in upstream.headers}
    if headers.get("Content-Disposition", "").startswith("inline") and "Content-Security-Policy" not in headers:
        # a PDF shown in the document's page: framed by this origin only (the viewer runs no sandbox)
        headers.update({"Content-Security-Policy": "frame-ancestors 'self'", "X-Frame-Options": "SAMEORIGIN"})
    return Response(stream_with_context(body()), status=200, headers=headers, direct_passthrough=True)


def pdf_answer(pdf: bytes, disposition: str) -> Response:
    """A PDF billing rendered (invoice, receipt, credit note, statement) with the file name it
    gave; anything else in its place is billing failing, never passed on."""
    if not pdf.startswith(b"%PDF-"):
        raise ServiceUnavailable("billing answered something that is not a PDF")
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": disposition})
