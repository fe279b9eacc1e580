"""The events contract: v1 consumers keep working (nothing removed, retyped or loosened)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from pipeline.records import SCHEMA_VERSION
from pipeline.schemas import topic_schema

BASELINE = Path(__file__).parent / "contract" / "event.v1.schema.json"


def flatten(schema: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Every field path of a schema with its JSON types (``$ref``s resolved, arrays as ``[]``)."""
    defs = schema.get("$defs", {})
    paths: dict[str, tuple[str, ...]] = {}

    def types_of(node: dict[str, Any]) -> list[dict[str, Any]]:
        if "$ref" in node:
            return types_of(defs[node["$ref"].rsplit("/", 1)[1]])
        if "anyOf" in node:
            return [t for option in node["anyOf"] for t in types_of(option)]
        return [node]

    def walk(node: dict[str, Any], path: str) -> None:
        options = types_of(node)
        paths[path] = tuple(sorted(str(o.get("type", "any")) for o in options))
        for option in options:
            for name, child in option.get("properties", {}).items():
                required = name in option.get("required", [])
                walk(child, f"{path}.{name}" + ("" if required else "?"))
            if "enum" in option:
                paths[path + "#enum"] = tuple(sorted(map(str, option["enum"])))
            if isinstance(option.get("items"), dict):
                walk(option["items"], path + "[]")

    walk(schema, "$")
    return paths


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What a consumer of ``old`` would trip over in ``new``."""
    before, after = flatten(old), flatten(new)
    problems = []
    for path, types in before.items():
        if path not in after:
            problems.append(f"{path}: removed or made optional")
        elif path.endswith("#enum"):
            if not set(after[path]) <= set(types):
                problems.append(f"{path}: new values {set(after[path]) - set(types)}")
        elif after[path] != types:
            problems.append(f"{path}: {types} became {after[path]}")
    return problems


def test_current_event_schema_keeps_v1_compatible() -> None:
    baseline = orjson.loads(BASELINE.read_bytes())
    assert SCHEMA_VERSION == baseline["x-schema-version"] == 1
    assert breaking_changes(baseline, topic_schema("events")) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["properties"].pop("claims"), "$.claims: removed or made optional"),
        (lambda s: s["properties"]["event_id"].update(type="integer"), "$.event_id"),
        (lambda s: s["required"].remove("text"), "$.text: removed or made optional"),
    ],
)
def test_the_compatibility_check_catches_breaking_changes(change: Any, expected: str) -> None:
    baseline = orjson.loads(BASELINE.read_bytes())
    broken = orjson.loads(BASELINE.read_bytes())
    change(broken)
    assert any(p.startswith(expected) for p in breaking_changes(baseline, broken))


def test_adding_an_optional_field_is_compatible() -> None:
    baseline = orjson.loads(BASELINE.read_bytes())
    extended = orjson.loads(BASELINE.read_bytes())
    extended["properties"]["sentiment"] = {"type": "number"}
    assert breaking_changes(baseline, extended) == []
