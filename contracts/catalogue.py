"""The registry of published events: type -> contract, built from `contracts.events.*`.

Importing it only builds dicts; nothing connects or registers anywhere.
"""
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from marshmallow import ValidationError

from contracts.envelope import EnvelopeSchema
from contracts.errors import SchemaViolation, UnknownEvent
from contracts.events import billing, documents, identity, notifications, orders, support
from contracts.events.base import EventSchema

SERVICES = ("identity", "billing", "orders", "support", "documents", "notifications")
_MODULES = (identity, billing, orders, support, documents, notifications)


@dataclass(frozen=True)
class Contract:
    """What a producer and a consumer agree on for one event type."""

    type: str
    service: str
    schema_version: int
    aggregate_type: str
    schema: type[EventSchema]

    @property
    def topic(self) -> str:
        return topic_for(self.service)


def topic_for(service: str) -> str:
    """The Kafka topic of a service's events; the major version is in the name."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    return f"portal.{service}.v1"


def dlq_topic(topic: str) -> str:
    """Where a consumer parks a message it cannot process, with the reason."""
    return f"{topic}.dlq"


def _event_schemas(module: ModuleType) -> list[type[EventSchema]]:
    """The event schemas defined in `module`: subclasses of EventSchema with an event_type."""
    return [
        obj for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, EventSchema)
        and obj.__module__ == module.__name__ and obj.event_type
    ]


def _build() -> dict[str, Contract]:
    catalogue: dict[str, Contract] = {}
    for module in _MODULES:
        service = module.__name__.rsplit(".", 1)[-1]
        for schema in _event_schemas(module):
            if schema.event_type in catalogue:
                raise RuntimeError(f"event type {schema.event_type} declared twice")
            if not (isinstance(schema.aggregate_type, str) and schema.aggregate_type):
                raise RuntimeError(f"{schema.event_type} declares no aggregate_type")
            if not (isinstance(schema.schema_version, int) and schema.schema_version >= 1):
                raise RuntimeError(f"{schema.event_type} has a bad schema_version")
            catalogue[schema.event_type] = Contract(
                type=schema.event_type,
                service=service,
                schema_version=schema.schema_version,
                aggregate_type=schema.aggregate_type,
                schema=schema,
            )
    return dict(sorted(catalogue.items()))


CATALOGUE: dict[str, Contract] = _build()


def contract_for(event_type: str) -> Contract:
    """The contract of `event_type`, or UnknownEvent."""
    try:
        return CATALOGUE[event_type]
    except (KeyError, TypeError):
        raise UnknownEvent(event_type) from None


@cache
def _schema(event_type: str) -> EventSchema:
    # Schema instances are stateless once built and cost more to build than to use.
    return contract_for(event_type).schema()


@cache
def _envelope_schema() -> EnvelopeSchema:
    return EnvelopeSchema()


def validate_data(event_type: str, data: dict) -> dict:
    """Check `data` against its contract and return it JSON-ready (dates as ISO strings)."""
    schema = _schema(contract_for(event_type).type)
    try:
        return schema.dump(schema.load(data))
    except ValidationError as error:
        raise SchemaViolation(f"{event_type} data", error.messages) from None


def validate_envelope(envelope: dict) -> dict:
    """Check a whole event, envelope and data, and return it JSON-ready.

    The envelope must name the catalogue's current schema_version and aggregate_type for
    its type: a producer cannot publish a version the catalogue does not describe.
    """
    schema = _envelope_schema()
    try:
        loaded = schema.load(envelope)
    except ValidationError as error:
        raise SchemaViolation("envelope", error.messages) from None
    contract = contract_for(loaded["type"])
    mismatched = {
        name: [f"Must be {expected!r} for {contract.type}."]
        for name, expected in (("schema_version", contract.schema_version),
                               ("aggregate_type", contract.aggregate_type))
        if loaded[name] != expected
    }
    if mismatched:
        raise SchemaViolation("envelope", mismatched)
    try:
        data = validate_data(contract.type, loaded["data"])
    except SchemaViolation as error:
        raise SchemaViolation("envelope", {"data": error.errors}) from None
    return {**schema.dump(loaded), "data": data}
