"""Is a new JSON Schema of an event still compatible with the published one?

Breaking = data valid under the old schema may fail under the new one, or a consumer of the
old shape may miss what it relied on: a removed property, a changed type or format, a value
that may now be null or may no longer be, enum values removed, a new or newly required
property, tighter bounds or pattern. Adding an optional property is fine.
"""

BOUNDS = {  # keyword -> True when a larger value is tighter
    "minimum": True, "exclusiveMinimum": True, "minLength": True, "minItems": True,
    "maximum": False, "exclusiveMaximum": False, "maxLength": False, "maxItems": False,
}


def breaking_changes(old: dict, new: dict, path: str = "") -> list[str]:
    """Readable reasons why `new` breaks consumers of `old`; empty when compatible."""
    problems: list[str] = []
    where = path or "(root)"

    old_types, new_types = _types(old), _types(new)
    if old_types - {"null"} != new_types - {"null"} and old_types and new_types:
        problems.append(f"{where}: type changed from {_show(old_types)} to {_show(new_types)}")
    elif "null" in old_types and "null" not in new_types:
        problems.append(f"{where}: no longer nullable")
    elif old_types and "null" in new_types and "null" not in old_types:
        problems.append(f"{where}: became nullable")

    if old.get("format") != new.get("format"):
        problems.append(f"{where}: format changed from {old.get('format')} to {new.get('format')}")
    if old.get("pattern") != new.get("pattern") and "pattern" in new:
        problems.append(f"{where}: pattern changed to {new['pattern']!r}")
    problems += _enum_changes(old, new, where)
    problems += _bound_changes(old, new, where)

    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name in sorted(old_props):
        if name not in new_props:
            problems.append(f"{_join(path, name)}: property removed")
        else:
            problems += breaking_changes(old_props[name], new_props[name], _join(path, name))
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(new_required - old_required):
        if name in old_props:
            problems.append(f"{_join(path, name)}: became required")
        else:
            problems.append(f"{_join(path, name)}: new required property")
    if old.get("additionalProperties", True) is not False and new.get("additionalProperties") is False:
        problems.append(f"{where}: additional properties no longer allowed")

    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        problems += breaking_changes(old["items"], new["items"], f"{path}[]")
    return problems


def _types(schema: dict) -> set[str]:
    declared = schema.get("type", [])
    types = {declared} if isinstance(declared, str) else set(declared)
    if None in schema.get("enum", []):
        types.add("null")
    return types


def _enum_changes(old: dict, new: dict, where: str) -> list[str]:
    if "enum" not in new:
        return []
    if "enum" not in old:
        return [f"{where}: now restricted to {new['enum']}"]
    removed = [value for value in old["enum"] if value not in new["enum"] and value is not None]
    return [f"{where}: enum values removed: {removed}"] if removed else []


def _bound_changes(old: dict, new: dict, where: str) -> list[str]:
    problems = []
    for keyword, larger_is_tighter in BOUNDS.items():
        if keyword not in new:
            continue
        before, after = old.get(keyword), new[keyword]
        tighter = before is None or (after > before if larger_is_tighter else after < before)
        if tighter and before != after:
            problems.append(f"{where}: {keyword} tightened from {before} to {after}")
    return problems


def _show(types: set[str]) -> str:
    return "/".join(sorted(types))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
