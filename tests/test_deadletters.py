"""``newswire deadletter list`` and ``redrive`` on dead letters of every stage."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from pipeline.deadletters import dead_letter
from pipeline.kafka.topics import ensure_topics
from pipeline.records import ErrorInfo, SourceRef
from pipeline.settings import Settings
from tests.support.cli import newswire
from tests.support.kafka import read, send_all

# stage, key, payload, payload limit (a smaller one cuts it), source topic
LETTERS = [
    ("clean", "a", b'{"id": "a"}', 1024, "raw"),
    ("tag", "b", b"x" * 2000, 1024, "clean"),
    ("claims", "c", b'{"article": {}}', 1024, "tagged"),
    ("poll", "d", b"y" * 2000, 1024, None),
]


async def setup(settings: Settings) -> None:
    await ensure_topics(settings.broker or "", settings)
    letters = [
        dead_letter(
            stage=stage,
            error=ErrorInfo(type="ValueError", message=f"{stage} failed"),
            payload=payload,
            key=key.encode(),
            source=SourceRef(topic=settings.topic(source), partition=0, offset=7)
            if source
            else None,
            payload_limit=limit,
        )
        for stage, key, payload, limit, source in LETTERS
    ]
    messages = [
        (letter.key.encode() if letter.key else None, letter.to_json()) for letter in letters
    ]
    await send_all(settings, settings.topic("deadletter"), messages, partition=0)


def messages(settings: Settings, name: str) -> list[Any]:
    return read(settings, settings.topic(name))


def listed(settings: Settings, *args: str) -> list[dict[str, Any]]:
    result = newswire(settings, "deadletter", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    return [orjson.loads(line) for line in result.stdout.splitlines()]


def test_list_shows_stage_error_time_key_and_source(settings: Settings) -> None:
    asyncio.run(setup(settings))
    rows = listed(settings)
    assert [(r["stage"], r["key"], r["payload_truncated"]) for r in rows] == [
        ("clean", "a", False),
        ("tag", "b", True),
        ("claims", "c", False),
        ("poll", "d", True),
    ]
    assert rows[0]["error"] == {"type": "ValueError", "message": "clean failed"}
    assert rows[0]["source"] == {"topic": settings.topic("raw"), "partition": 0, "offset": 7}
    assert rows[1]["deadletter"] == {
        "topic": settings.topic("deadletter"),
        "partition": 0,
        "offset": 1,
    }
    assert [r["key"] for r in listed(settings, "--stage", "tag")] == ["b"]
    assert listed(settings, "--since", (datetime.now(UTC) + timedelta(minutes=5)).isoformat()) == []
    shown = newswire(settings, "deadletter", "list")
    text = shown.stdout.splitlines()
    assert text[0].split() == [
        "FAILED",
        "AT",
        "STAGE",
        "LETTER",
        "KEY",
        "ERROR",
        "(FROM)",
        "[STATE]",
    ]
    assert "tag" in text[2] and "ValueError: tag failed" in text[2] and "[truncated]" in text[2]
    assert f"(from {settings.topic('clean')}/0/7)" in text[2]
    assert "4 dead letters: 0 redriven, 0 repeats, 0 discarded" in shown.stderr
    assert "LETTER is PARTITION/OFFSET on the dead-letter topic" in shown.stderr


def test_redrive_sends_payloads_back_records_it_and_reports_truncated_ones(
    settings: Settings,
) -> None:
    asyncio.run(setup(settings))
    dry = newswire(settings, "deadletter", "redrive", "--dry-run")
    assert dry.exit_code == 1  # two letters cannot be redriven
    assert dry.stdout.count("would redrive") == 2
    assert messages(settings, "raw") == []

    result = newswire(settings, "deadletter", "redrive")
    assert result.exit_code == 1
    assert "2 redriven, 0 skipped (redriven before, repeats of those, or discarded), 2 cannot" in (
        result.stderr
    )
    assert result.stderr.count("cannot redrive (payload truncated)") == 2
    [raw] = messages(settings, "raw")
    assert (raw.key, raw.value) == (b"a", b'{"id": "a"}')
    assert raw.headers == (("x-redriven-from", f"{settings.topic('deadletter')}/0/0".encode()),)
    [tagged] = messages(settings, "tagged")
    assert tagged.value == b'{"article": {}}'

    rows = {r["key"]: r["redriven"] for r in listed(settings)}
    assert rows["a"]["to"] == {
        "topic": settings.topic("raw"),
        "partition": raw.partition,
        "offset": raw.offset,
    }
    assert rows["c"]["to"]["topic"] == settings.topic("tagged")
    assert rows["b"] is None and rows["d"] is None

    again = newswire(settings, "deadletter", "redrive", "--stage", "clean")
    assert again.exit_code == 0
    assert "0 redriven, 1 skipped" in again.stderr
    forced = newswire(settings, "deadletter", "redrive", "--stage", "clean", "--again")
    assert "1 redriven" in forced.stderr
    assert len(messages(settings, "raw")) == 2


def test_discarded_letters_are_shown_and_never_redriven(settings: Settings) -> None:
    asyncio.run(setup(settings))
    unknown = newswire(settings, "deadletter", "discard", "0/0", "9/99")
    assert unknown.exit_code == 1
    assert "no such dead letter: 9/99" in unknown.stderr and "1 dead letters discarded" in (
        unknown.stderr
    )
    rows = {r["key"]: r for r in listed(settings)}
    assert rows["a"]["discarded"]["action"] == "discarded" and rows["c"]["discarded"] is None
    assert "[discarded " in newswire(settings, "deadletter", "list").stdout
    redriven = newswire(settings, "deadletter", "redrive", "--stage", "clean", "--again")
    assert redriven.exit_code == 0 and "0 redriven, 1 skipped" in redriven.stderr
    assert messages(settings, "raw") == []
    by_stage = newswire(settings, "deadletter", "discard", "--stage", "fetch")
    assert by_stage.exit_code == 0 and "0 dead letters discarded" in by_stage.stderr
