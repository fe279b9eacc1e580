"""JSON Schema validators of every topic's messages, from ``schemas/``."""

from __future__ import annotations

import orjson
from jsonschema import Draft202012Validator

from pipeline.records import TOPIC_RECORDS
from pipeline.schemas import SCHEMA_DIR, schema_file

VALIDATORS = {
    topic: Draft202012Validator(orjson.loads((SCHEMA_DIR / schema_file(topic)).read_bytes()))
    for topic in TOPIC_RECORDS
}
