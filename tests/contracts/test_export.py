"""The checked-in JSON Schemas match the code, and published versions never break."""
import json
import re

import pytest

from contracts import export
from contracts.catalogue import CATALOGUE, Contract
from contracts.compat import breaking_changes
from contracts.envelope import ENVELOPE_VERSION
from contracts.events.base import EventSchema
from contracts.fields import Id

FILE_NAME = re.compile(r"^(?P<type>\w+)\.v(?P<version>\d+)\.json$")


def test_exported_schemas_are_fresh():
    stale = export.stale_files()
    assert stale == [], f"contracts/schemas is stale, run `python -m contracts.export`: {stale}"


def current_document(relative: str) -> dict | None:
    """What the code exports today for a checked-in file, if it still exports that version."""
    if relative == f"envelope.v{ENVELOPE_VERSION}.json":
        return export.documents()[relative]
    match = FILE_NAME.match(relative.rsplit("/", 1)[-1])
    contract = CATALOGUE.get(match["type"]) if match else None
    if contract and contract.schema_version == int(match["version"]):
        return export.event_document(contract)
    return None


def test_no_breaking_change_without_major_version():
    compared = 0
    for path in sorted(export.SCHEMAS_DIR.rglob("*.json")):
        relative = path.relative_to(export.SCHEMAS_DIR).as_posix()
        current = current_document(relative)
        if current is None:
            continue  # an older version kept as history
        assert breaking_changes(json.loads(path.read_text()), current) == [], relative
        compared += 1
    assert compared == len(CATALOGUE) + 1


def test_exported_documents_are_json_schema_2020_12():
    for name, document in export.documents().items():
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert document["type"] == "object" and document["additionalProperties"] is False
        assert set(document["required"]) <= set(document["properties"]), name
        assert "nullable" not in json.dumps(document), name
    invoice = export.documents()["billing/InvoiceIssued.v1.json"]
    assert invoice["$id"] == "urn:customer-portal:event:InvoiceIssued:v1"
    assert invoice["properties"]["total_minor"]["type"] == "integer"
    assert invoice["properties"]["due_date"]["type"] == ["string", "null"]
    assert invoice["properties"]["currency"]["pattern"] == "^[A-Z]{3}$"


def test_rendering_is_deterministic():
    text = export.render(export.documents()["envelope.v1.json"])
    assert text == export.render(export.documents()["envelope.v1.json"])
    assert text.endswith("}\n") and text.startswith('{\n  "$id"')


# -- writing and checking, in a scratch directory -------------------------------------

@pytest.fixture
def scratch(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "SCHEMAS_DIR", tmp_path)
    return tmp_path


def test_check_reports_missing_and_changed_files(scratch, capsys):
    assert export.main(["--check"]) == 1
    assert export.main([]) == 0
    assert export.main(["--check"]) == 0
    (scratch / "billing/InvoiceIssued.v1.json").write_text("{}\n")
    assert export.main(["--check"]) == 1
    assert "billing/InvoiceIssued.v1.json" in capsys.readouterr().out


def test_compatible_change_is_rewritten(scratch):
    export.write()
    path = scratch / "billing/InvoiceIssued.v1.json"
    published = json.loads(path.read_text())
    published["description"] = "old words"
    path.write_text(json.dumps(published))
    assert export.write() == ["billing/InvoiceIssued.v1.json"]
    assert export.stale_files() == []


def test_breaking_change_to_a_published_version_is_refused(scratch, capsys):
    export.write()
    path = scratch / "billing/InvoiceIssued.v1.json"
    published = json.loads(path.read_text())
    published["properties"]["po_number"] = {"type": "string"}  # the code has "removed" it
    path.write_text(json.dumps(published))
    assert export.main([]) == 2
    assert "po_number: property removed" in capsys.readouterr().err
    assert "po_number" in path.read_text()  # untouched


def test_bumping_schema_version_writes_a_new_file_and_keeps_history(scratch, monkeypatch):
    export.write()

    class InvoiceVoided(EventSchema):
        """Version 2: the reason is gone, which would break v1 consumers."""
        event_type, schema_version, aggregate_type = "InvoiceVoided", 2, "Invoice"
        invoice_id = Id(required=True)
        customer_id = Id(required=True)

    v2 = Contract("InvoiceVoided", "billing", 2, "Invoice", InvoiceVoided)
    monkeypatch.setattr(export, "CATALOGUE", {**CATALOGUE, "InvoiceVoided": v2})
    assert export.write() == ["billing/InvoiceVoided.v2.json"]
    v1_file = json.loads((scratch / "billing/InvoiceVoided.v1.json").read_text())
    v2_file = json.loads((scratch / "billing/InvoiceVoided.v2.json").read_text())
    assert "reason" in v1_file["properties"] and "reason" not in v2_file["properties"]
    assert v2_file["$id"] == "urn:customer-portal:event:InvoiceVoided:v2"
