"""Field types every contract shares, so each wire rule (ids, UTC, money) is written once.

They subclass marshmallow's own fields, so apispec exports them without special cases.
"""
import re
from datetime import timedelta

from marshmallow import fields, validate

UTC_SUFFIX = r"(Z|[+-]00:00)$"


class Id(fields.String):
    """An opaque identifier: non-empty text, not necessarily a UUID (ERP ids pass too)."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(min=1, max=200), **kwargs)


class Currency(fields.String):
    """An ISO 4217 code such as "EUR": upper case, three letters, never a symbol."""

    def __init__(self, **kwargs):
        super().__init__(
            validate=validate.Regexp(r"^[A-Z]{3}$", error="Must be an ISO 4217 code (three upper-case letters)."),
            **kwargs,
        )


class MinorUnits(fields.Integer):
    """Money as an integer count of minor units (cents): a float would round, so it is refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"description": "Integer minor units of the currency."})
        super().__init__(strict=True, validate=validate.Range(min=0), **kwargs)


class Count(fields.Integer):
    """A non-negative whole number (attempts, minutes, bytes): strict, so "3" and 3.0 are refused."""

    def __init__(self, minimum: int = 0, **kwargs):
        super().__init__(strict=True, validate=validate.Range(min=minimum), **kwargs)


class UtcDateTime(fields.AwareDateTime):
    """An ISO 8601 instant in UTC ("...Z" or "...+00:00"): local times are ambiguous on the wire."""

    default_error_messages = {"not_utc": "Must be in UTC (end with Z or +00:00)."}

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"pattern": UTC_SUFFIX, "description": "UTC, ISO 8601."})
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        ret = super()._deserialize(value, attr, data, **kwargs)
        written_in_utc = not isinstance(value, str) or re.search(UTC_SUFFIX, value)
        if not written_in_utc or ret.utcoffset() != timedelta(0):
            raise self.make_error("not_utc")
        return ret


def choice(*values: str, **kwargs) -> fields.String:
    """A string limited to `values`; exported as a JSON Schema enum."""
    return fields.String(validate=validate.OneOf(values), **kwargs)
