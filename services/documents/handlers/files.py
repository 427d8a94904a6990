"""A document's bytes: checked (domain/files.py), written to storage before the event that
names them is appended, and removed again when that append fails, so an upload that fails
half-way leaves nothing visible (a crash in between leaves an object no event names, which
nothing lists or serves).

Limits: a customer's file at most the org's `upload_limit_mb` (identity's settings, 25 MB
when not heard yet); staff's at most DOCUMENTS_MAX_FILE_MB (100).
"""
from __future__ import annotations

from contextlib import contextmanager

from services.chassis import orgs
from services.documents.domain.document import storage_key
from services.documents.domain.files import Inspected

MB = 1024 * 1024
DEFAULT_UPLOAD_MB = 25


def storage(rt):
    return rt.ports["storage"]


def staff_limit(rt) -> int:
    return rt.config.setting_int("MAX_FILE_MB", 100) * MB


def upload_limit(conn, org_id: str) -> int:
    return int(orgs.settings(conn, org_id).get("upload_limit_mb") or DEFAULT_UPLOAD_MB) * MB


@contextmanager
def kept(rt, org_id: str, document_id: str, version: int, inspected: Inspected, data: bytes):
    """Write the bytes, then run the block (which appends the event); if the block fails,
    the bytes go again."""
    key = storage_key(document_id, version)
    storage(rt).put(org_id, key, data, inspected.content_type)
    try:
        yield key
    except BaseException:
        storage(rt).delete(org_id, key)
        raise
