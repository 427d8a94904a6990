"""breaking_changes on small hand-written schema pairs."""
import copy

from contracts.compat import breaking_changes

OLD = {
    "type": "object",
    "properties": {
        "invoice_id": {"type": "string"},
        "total_minor": {"type": "integer", "minimum": 0},
        "note": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": ["open", "paid"]},
        "issued_at": {"type": "string", "format": "date-time"},
        "customer": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            "required": ["id"],
        },
        "allocations": {
            "type": "array",
            "items": {"type": "object", "properties": {"amount_minor": {"type": "integer"}}},
        },
    },
    "required": ["invoice_id", "total_minor"],
    "additionalProperties": False,
}


def changed(edit) -> dict:
    new = copy.deepcopy(OLD)
    edit(new)
    return new


def props(schema):
    return schema["properties"]


def test_identical_schemas_are_compatible():
    assert breaking_changes(OLD, copy.deepcopy(OLD)) == []


def test_adding_an_optional_property_is_not_breaking():
    assert breaking_changes(OLD, changed(lambda s: props(s).update(memo={"type": "string"}))) == []


def test_removed_property():
    assert breaking_changes(OLD, changed(lambda s: props(s).pop("note"))) == ["note: property removed"]


def test_retyped_property():
    problems = breaking_changes(OLD, changed(lambda s: props(s)["total_minor"].update(type="number")))
    assert problems == ["total_minor: type changed from integer to number"]


def test_format_change():
    problems = breaking_changes(OLD, changed(lambda s: props(s)["issued_at"].update(format="date")))
    assert problems == ["issued_at: format changed from date-time to date"]


def test_nullable_to_non_null():
    problems = breaking_changes(OLD, changed(lambda s: props(s)["note"].update(type="string")))
    assert problems == ["note: no longer nullable"]


def test_enum_value_removed():
    problems = breaking_changes(OLD, changed(lambda s: props(s)["status"].update(enum=["open"])))
    assert problems == ["status: enum values removed: ['paid']"]


def test_enum_value_added_is_not_breaking():
    assert breaking_changes(OLD, changed(lambda s: props(s)["status"]["enum"].append("void"))) == []


def test_new_required_property():
    def edit(s):
        props(s)["memo"] = {"type": "string"}
        s["required"].append("memo")
    assert breaking_changes(OLD, changed(edit)) == ["memo: new required property"]


def test_property_became_required():
    problems = breaking_changes(OLD, changed(lambda s: s["required"].append("note")))
    assert problems == ["note: became required"]


def test_nested_removal_and_nested_required():
    assert breaking_changes(OLD, changed(lambda s: props(s)["customer"]["properties"].pop("name"))) == [
        "customer.name: property removed"
    ]
    assert breaking_changes(OLD, changed(lambda s: props(s)["customer"]["required"].append("name"))) == [
        "customer.name: became required"
    ]


def test_array_items_are_compared():
    def edit(s):
        props(s)["allocations"]["items"]["properties"]["amount_minor"]["type"] = "string"
    assert breaking_changes(OLD, changed(edit)) == [
        "allocations[].amount_minor: type changed from integer to string"
    ]


def test_tighter_bounds_are_breaking_looser_are_not():
    assert breaking_changes(OLD, changed(lambda s: props(s)["total_minor"].update(minimum=1))) == [
        "total_minor: minimum tightened from 0 to 1"
    ]
    assert breaking_changes(OLD, changed(lambda s: props(s)["total_minor"].pop("minimum"))) == []


def test_several_problems_are_all_reported():
    def edit(s):
        props(s).pop("invoice_id")
        props(s)["status"]["type"] = "integer"
    assert sorted(breaking_changes(OLD, changed(edit))) == [
        "invoice_id: property removed",
        "status: type changed from string to integer",
    ]
