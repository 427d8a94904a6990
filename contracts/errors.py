"""Errors raised by the contracts, so callers can tell "bad event" from a bug."""


class ContractError(Exception):
    """Base of every contract failure: a consumer dead-letters it, a producer refuses it."""


class UnknownEvent(ContractError):
    """The event type is not in the catalogue."""

    def __init__(self, event_type: object):
        self.event_type = event_type
        super().__init__(f"unknown event type {event_type!r}")


class SchemaViolation(ContractError):
    """A payload does not match its contract; `.errors` is marshmallow's field -> messages."""

    def __init__(self, what: str, errors: dict):
        self.what = what
        self.errors = errors
        super().__init__(f"{what}: {_flatten(errors)}")


def _flatten(errors, prefix: str = "") -> str:
    """`{"a": {"b": ["x"]}}` -> `a.b: x`, short enough for a log line or a DLQ header."""
    if isinstance(errors, dict):
        parts = [_flatten(v, f"{prefix}{k}." if k != "_schema" else prefix) for k, v in errors.items()]
        return "; ".join(parts)
    if isinstance(errors, list):
        return f"{prefix.rstrip('.') or 'payload'}: " + " ".join(str(m) for m in errors)
    return f"{prefix.rstrip('.') or 'payload'}: {errors}"
