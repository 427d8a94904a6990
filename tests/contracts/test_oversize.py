"""A body too large to take names the field that was being sent when it passed the limit
(contracts/oversize.py): JSON parsed as far as it goes, forms by their last name."""
from __future__ import annotations

import io

from contracts.oversize import oversized_field, too_large

BIG = "x" * 5000


def environ(body: str, content_type: str) -> dict:
    raw = body.encode()
    return {"CONTENT_LENGTH": str(len(raw)), "CONTENT_TYPE": content_type, "wsgi.input": io.BytesIO(raw)}


def test_json_names_the_key_whose_value_was_being_sent():
    body = '{"subject": "Boiler", "lines": [{"quantity": 1}], "description": "' + BIG + '"}'
    assert oversized_field(environ(body, "application/json"), 1000) == "description"
    nested = '{"lines": [{"quantity": 1, "description": "' + BIG + '"}]}'
    assert oversized_field(environ(nested, "application/json; charset=utf-8"), 1000) == "lines.item.description"


def test_a_key_lookalike_inside_a_long_value_is_not_taken_for_a_key():
    body = '{"notes": "see \\"description\\": \\"' + BIG + '"}'
    assert oversized_field(environ(body, "application/json"), 1000) == "notes"


def test_forms_name_the_last_field_before_the_cut():
    assert oversized_field(environ("subject=Hi&description=" + BIG, "application/x-www-form-urlencoded"), 1000) \
        == "description"
    multipart = ('--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nx\r\n'
                 '--b\r\nContent-Disposition: form-data; name="body"\r\n\r\n' + BIG)
    assert oversized_field(environ(multipart, "multipart/form-data; boundary=b"), 1000) == "body"


def test_nothing_is_named_when_no_value_was_open_or_the_body_fits():
    assert oversized_field(environ("[" + "3," * 3000 + "3]", "application/json"), 1000) is None
    assert oversized_field(environ('{"a": "' + BIG + '"}', "application/json"), 10_000) is None
    assert oversized_field(environ(BIG, "text/plain"), 1000) is None


def test_the_sentence_names_the_field_and_the_limit():
    detail, errors = too_large(environ("subject=Hi&due_note=" + BIG, "application/x-www-form-urlencoded"), 1024)
    assert detail == "The due note is too long: a request may carry at most 1 KiB. Shorten it and send it again."
    assert errors == {"due_note": ["Too long: a request may carry at most 1 KiB."]}
    detail, errors = too_large(environ(BIG, "text/plain"), 2 * 1048576 + 0)
    assert errors is None and "larger than the 2 MiB" in detail
