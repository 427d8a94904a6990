"""Keyset pages: a page ends with an opaque cursor holding the last row's (sort key, id);
the next page starts strictly after that pair, newest first. Unlike OFFSET, the 10,000th
order costs what the first does, and rows added meanwhile never shift between pages."""
from __future__ import annotations

import base64
import binascii
import json

from sqlalchemy import literal, tuple_

from services.chassis.errors import PortalError


class BadCursor(PortalError):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str = "This cursor is not valid; start from the first page."):
        super().__init__(detail, errors={"query": {"cursor": [detail]}})


def encode(kind: str, key: str, row_id: str) -> str:
    raw = json.dumps([kind, key, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, kind: str) -> tuple[str, str]:
    try:
        got, key, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise BadCursor() from None
    if got != kind or not isinstance(key, str) or not isinstance(row_id, str):
        raise BadCursor()
    return key, row_id


def page(conn, query, key_column, id_column, kind: str, cursor: str | None, limit: int, shape) -> dict:
    """One page, newest first: {"items": [shape(row)...], "next_cursor": str | None}."""
    if cursor:
        key, row_id = decode(cursor, kind)
        query = query.where(tuple_(key_column, id_column) < tuple_(literal(key), literal(row_id)))
    rows = conn.execute(query.order_by(key_column.desc(), id_column.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    last = rows[limit - 1]._mapping if more else None
    return {"items": [shape(r._mapping) for r in rows[:limit]],
            "next_cursor": encode(kind, last[key_column.name], last[id_column.name]) if more else None}
