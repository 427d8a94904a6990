"""Export the catalogue as JSON Schema (draft 2020-12): the contract published to consumers.

    python -m contracts.export           write contracts/schemas/ (refuses breaking changes)
    python -m contracts.export --check   exit 1 and list the files that are stale

Files are `envelope.v1.json` and `<service>/<EventType>.v<schema_version>.json`. A file of
an older version stays as history; a breaking change to an existing version is refused
(exit 2): bump the event's `schema_version` instead, which writes a new file.
"""
import json
import sys
from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import OpenAPIConverter
from marshmallow import Schema

from contracts.catalogue import CATALOGUE, Contract
from contracts.compat import breaking_changes
from contracts.envelope import ENVELOPE_VERSION, EnvelopeSchema

SCHEMAS_DIR = Path(__file__).parent / "schemas"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
# Formats OpenAPI knows but JSON Schema names differently (None: JSON Schema has no equivalent).
FORMATS = {"url": "uri", "ip": None}


class ExportRefused(Exception):
    """Writing would change a published version incompatibly."""


def _converter() -> OpenAPIConverter:
    # OpenAPI 3.1 schema objects are JSON Schema 2020-12; a resolver returning None inlines
    # nested schemas instead of emitting $refs to OpenAPI components.
    spec = APISpec("contracts", "1", "3.1.0")
    return OpenAPIConverter("3.1.0", lambda schema: None, spec)


def _to_json_schema(node):
    """Turn what is OpenAPI-only into plain JSON Schema, recursively."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _to_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        types = node.get("type", [])
        types = [types] if isinstance(types, str) else list(types)
        node["type"] = types if "null" in types else [*types, "null"]
    if node.get("format") in FORMATS:
        node["format"] = FORMATS[node["format"]]
        if node["format"] is None:
            del node["format"]
    for keyword in ("readOnly", "writeOnly", "example"):
        node.pop(keyword, None)
    return node


def schema_document(schema: type[Schema], schema_id: str, title: str, **extra) -> dict:
    body = _to_json_schema(_converter().schema2jsonschema(schema()))
    description = " ".join((schema.__doc__ or "").split())
    return {
        "$schema": DRAFT,
        "$id": schema_id,
        "title": title,
        **({"description": description} if description else {}),
        "type": "object",
        "properties": body["properties"],
        "required": body.get("required", []),
        "additionalProperties": False,
        **extra,
    }


def event_document(contract: Contract) -> dict:
    return schema_document(
        contract.schema,
        f"urn:customer-portal:event:{contract.type}:v{contract.schema_version}",
        contract.type,
        **{
            "x-service": contract.service,
            "x-topic": contract.topic,
            "x-aggregate-type": contract.aggregate_type,
            "x-schema-version": contract.schema_version,
        },
    )


def render(document: dict) -> str:
    """Deterministic text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def documents() -> dict[str, dict]:
    """Every schema the current code exports, by path relative to the schemas directory."""
    out = {
        f"envelope.v{ENVELOPE_VERSION}.json": schema_document(
            EnvelopeSchema, f"urn:customer-portal:envelope:v{ENVELOPE_VERSION}", "Envelope",
        )
    }
    for contract in CATALOGUE.values():
        out[f"{contract.service}/{contract.type}.v{contract.schema_version}.json"] = event_document(contract)
    return out


def stale_files(root: Path | None = None) -> list[str]:
    """Files under `root` missing or different from what the code exports now."""
    root = root or SCHEMAS_DIR
    return sorted(
        name for name, document in documents().items()
        if not (root / name).is_file() or (root / name).read_text(encoding="utf-8") != render(document)
    )


def incompatible(root: Path | None = None) -> dict[str, list[str]]:
    """Existing files the current code would change in a breaking way, with the reasons."""
    root = root or SCHEMAS_DIR
    found = {}
    for name, document in documents().items():
        path = root / name
        if path.is_file():
            problems = breaking_changes(json.loads(path.read_text(encoding="utf-8")), document)
            if problems:
                found[name] = problems
    return found


def write(root: Path | None = None) -> list[str]:
    """Write the stale files and return their names; nothing is written if one would break."""
    root = root or SCHEMAS_DIR
    refused = incompatible(root)
    if refused:
        lines = [f"  {name}: {problem}" for name, problems in refused.items() for problem in problems]
        raise ExportRefused(
            "breaking change to a published schema version; bump the event's schema_version:\n"
            + "\n".join(lines)
        )
    names = stale_files(root)
    current = documents()
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(current[name]), encoding="utf-8")
    return names


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--check"]:
        stale = stale_files()
        for name in stale:
            print(f"stale: contracts/schemas/{name}")
        if stale:
            print("run: python -m contracts.export", file=sys.stderr)
        return 1 if stale else 0
    if args:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        written = write()
    except ExportRefused as error:
        print(error, file=sys.stderr)
        return 2
    for name in written:
        print(f"wrote contracts/schemas/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
