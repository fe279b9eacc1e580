"""JSON Schemas of every topic's messages, generated from the records.

Regenerate with ``python -m pipeline.schemas`` (``make schemas``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson

from pipeline.records import SCHEMA_VERSION, TOPIC_RECORDS

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"
FILE_NAMES = {"events": "event", "deadletter": "deadletter"}


def schema_file(topic: str) -> str:
    return f"{FILE_NAMES.get(topic, topic)}.schema.json"


def topic_schema(topic: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of messages on the ``topic`` topic (``raw``, ...)."""
    schema = TOPIC_RECORDS[topic].model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://newswire.invalid/schemas/{schema_file(topic)}",
        "x-topic": f"<prefix>.{topic}",
        "x-schema-version": SCHEMA_VERSION,
        **schema,
    }


def render(topic: str) -> bytes:
    return (
        orjson.dumps(topic_schema(topic), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    )


def write_all(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for topic in TOPIC_RECORDS:
        path = directory / schema_file(topic)
        path.write_bytes(render(topic))
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_DIR):
        print(written_path)
