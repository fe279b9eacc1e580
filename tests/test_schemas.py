"""The committed JSON Schemas are the records' schemas, and they accept real records."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from jsonschema import Draft202012Validator

from pipeline.records import TOPIC_RECORDS, RawArticle
from pipeline.schemas import SCHEMA_DIR, render, schema_file


@pytest.mark.parametrize("topic", sorted(TOPIC_RECORDS))
def test_committed_schema_matches_records(topic: str) -> None:
    committed = (SCHEMA_DIR / schema_file(topic)).read_bytes()
    assert committed == render(topic), f"run `make schemas` and commit {schema_file(topic)}"
    Draft202012Validator.check_schema(orjson.loads(committed))


def test_raw_schema_rejects_a_record_without_id() -> None:
    raw = RawArticle(id="a", feed_url="f.xml", fetched_at=datetime.now(UTC))
    validator = Draft202012Validator(orjson.loads((SCHEMA_DIR / "raw.schema.json").read_bytes()))
    message = orjson.loads(raw.to_json())
    validator.validate(message)
    del message["id"]
    assert not validator.is_valid(message)
