"""The base every event schema shares: strict about unknown fields, explicit about its contract."""
from marshmallow import RAISE, Schema


class StrictSchema(Schema):
    """Refuses unknown fields, so a typo in a producer is caught before a consumer sees it."""

    class Meta:
        unknown = RAISE


class EventSchema(StrictSchema):
    """The `data` of one published event.

    Subclasses declare `event_type`, `schema_version` and `aggregate_type`; the module they
    live in names the service, and so the topic. Fields present from v1 are required (null
    where a value may be missing) so consumers see a stable shape; fields added later are
    optional, which keeps the change compatible.
    """

    event_type: str = ""
    schema_version: int = 1
    aggregate_type: str = ""
