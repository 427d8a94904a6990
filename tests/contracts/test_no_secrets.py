"""No secret, password, token or card data travels in an event, at any depth."""
from marshmallow import Schema, fields

from contracts.catalogue import CATALOGUE
from contracts.envelope import EnvelopeSchema

FORBIDDEN = ("password", "secret", "token", "card_number", "cardnumber", "cvc", "cvv", "pan")


def field_names(schema: Schema, prefix: str = ""):
    for name, field in schema.fields.items():
        yield f"{prefix}{name}"
        yield from _inner(field, f"{prefix}{name}.")


def _inner(field, prefix):
    if isinstance(field, fields.Nested):
        yield from field_names(field.schema, prefix)
    elif isinstance(field, fields.List):
        yield from _inner(field.inner, prefix)
    elif isinstance(field, fields.Dict) and field.value_field is not None:
        yield from _inner(field.value_field, prefix)


def secret_looking(schema: Schema) -> list[str]:
    return [
        name for name in field_names(schema)
        if any(word in part for part in name.lower().split(".") for word in FORBIDDEN
               if word != "pan" or part == "pan")
    ]


def test_no_event_field_looks_like_a_secret():
    found = {t: secret_looking(c.schema()) for t, c in CATALOGUE.items()}
    assert {t: names for t, names in found.items() if names} == {}
    assert secret_looking(EnvelopeSchema()) == []


def test_the_scan_finds_secrets_at_any_depth():
    class Card(Schema):
        card_number = fields.String()

    class Leaky(Schema):
        reset_token = fields.String()
        cards = fields.List(fields.Nested(Card))
        nested = fields.Nested(Card)

    assert secret_looking(Leaky()) == ["reset_token", "cards.card_number", "nested.card_number"]
