"""Which field made a request body too large: so that a 413 can name it, like any other
bad input, instead of only saying "too large".

A body over the size limit is refused before it is parsed. To name the field anyway, the
first `limit` bytes are read (never more than 1 MiB) and parsed as far as they go: the field whose value
was still being sent when the limit was reached is the one that is too long. JSON is parsed
incrementally (ijson), so a string that merely looks like a key inside a long value is never
taken for one; forms take the last name before the cut. Anything else (chunked bodies, files,
a body cut outside any value) names nothing.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl

import ijson

PEEK = 1024 * 1024          # read no more than this, whatever the limit (uploads allow 101 MiB)
MULTIPART_NAME = re.compile(rb'content-disposition:\s*form-data;\s*name="([^"]{1,200})"', re.I)


def oversized_field(environ: dict, limit: int) -> str | None:
    """The dotted name of the field being sent when the body passed `limit` bytes, or None.
    Reads at most `limit` bytes of the WSGI input; call it only when the body is refused."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    stream = environ.get("wsgi.input")
    if length <= limit or stream is None:
        return None
    prefix = stream.read(min(limit, PEEK))
    kind = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        return _json_field(prefix)
    if kind == "application/x-www-form-urlencoded":
        pairs = parse_qsl(prefix.decode("latin-1"), keep_blank_values=True)
        return pairs[-1][0][:200] if pairs else None
    if kind == "multipart/form-data":
        names = MULTIPART_NAME.findall(prefix)
        return names[-1].decode("utf-8", "replace") if names else None
    return None


def _json_field(prefix: bytes) -> str | None:
    """The last object key whose value had begun when the prefix ends, as a dotted path
    (`lines.item.description`); None when the prefix ends outside a value of a key."""
    key = None
    try:
        for path, event, value in ijson.parse(prefix):
            if event == "map_key":
                key = f"{path}.{value}" if path else value
            elif path == key and event not in ("start_map", "start_array"):
                key = None              # that key's value is complete: a scalar, or a container closed
    except ijson.common.IncompleteJSONError:
        return key
    except ijson.common.JSONError:
        return None
    return None


def too_large(environ: dict, limit: int) -> tuple[str, dict | None]:
    """What a 413 says: a sentence naming the field when one is found, and that field's
    error ({name: [message]}, the shape of marshmallow's errors) or None."""
    size = (f"{limit // 1048576} MiB" if limit and limit % 1048576 == 0 else
            f"{limit // 1024} KiB" if limit and limit % 1024 == 0 else f"{limit:,} bytes")
    field = oversized_field(environ, limit)
    if field is None:
        return f"What you sent is larger than the {size} a request may carry.", None
    label = field.rsplit(".", 1)[-1].replace("_", " ")
    return (f"The {label} is too long: a request may carry at most {size}. Shorten it and send it again.",
            {field: [f"Too long: a request may carry at most {size}."]})
