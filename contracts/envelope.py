"""The envelope every event travels in, whatever its type."""
from marshmallow import RAISE, Schema, fields, validate

from contracts.fields import Id, UtcDateTime, choice

ENVELOPE_VERSION = 1
ACTOR_KINDS = ("contact", "staff", "system", "api_key")


class ActorSchema(Schema):
    """Who caused the event; `id` is null for the system itself."""

    kind = choice(*ACTOR_KINDS, required=True)
    id = fields.String(required=True, allow_none=True)

    class Meta:
        unknown = RAISE


class EnvelopeSchema(Schema):
    """Metadata of one event plus its `data` (validated separately against the catalogue)."""

    event_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Length(min=1))
    schema_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    org_id = Id(required=True)
    aggregate_type = fields.String(required=True, validate=validate.Length(min=1))
    aggregate_id = Id(required=True)
    aggregate_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = UtcDateTime(required=True)
    actor = fields.Nested(ActorSchema, required=True)
    correlation_id = Id(required=True)
    causation_id = Id(required=True, allow_none=True)
    data = fields.Dict(keys=fields.String(), required=True)

    class Meta:
        unknown = RAISE


def kafka_headers(envelope: dict) -> list[tuple[str, bytes]]:
    """The headers published with every event, so a consumer can route or skip without parsing."""
    return [
        ("event_id", str(envelope["event_id"]).encode()),
        ("type", envelope["type"].encode()),
        ("schema_version", str(envelope["schema_version"]).encode()),
        ("content-type", b"application/json"),
    ]
