"""``newswire tail`` on events with known partitions and timestamps: starts and filters."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import orjson
import pytest
from aiokafka import AIOKafkaProducer
from click.testing import Result
from spacy.language import Language

from pipeline.extract import document
from pipeline.kafka.broker import free_port
from pipeline.kafka.topics import ensure_topics
from pipeline.settings import Settings
from pipeline.stages.chain import Chain, Published
from tests.support.cli import newswire
from tests.support.kafka import fresh_settings

NOW = datetime.now(UTC)
# id, source, language, text, partition, hours ago
ARTICLES = [
    ("rates", "Dawn", "en", "“We will not cut rates,” Christine Lagarde said in Frankfurt.", 0, 3),
    ("border", "NDTV", "en-IN", "The ministry denied that troops had crossed into Ukraine.", 0, 2),
    (
        "talks",
        "Le Monde",
        "fr",
        "Olaf Scholz said that the talks would resume in Berlin. Diplomats believe a deal is near.",
        1,
        1,
    ),
]


@pytest.fixture(scope="module")
def events(broker: str, tmp_path_factory: pytest.TempPathFactory, nlp: Language) -> Settings:
    settings = fresh_settings(broker, tmp_path_factory.mktemp("tail"))
    asyncio.run(ensure_topics(broker, settings))
    docs = [document({"id": i, "text": t, "source": s}, True, NOW) for i, s, _, t, _, _ in ARTICLES]

    async def produce() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=broker)
        await producer.start()
        try:
            for event, (_, _, language, _, partition, hours) in zip(
                [r.event for r in Chain(nlp, aliases={}).run(docs) if isinstance(r, Published)],
                ARTICLES,
                strict=True,
            ):
                article = event.article.model_copy(update={"language": language})
                await producer.send_and_wait(
                    settings.topic("events"),
                    event.model_copy(update={"article": article}).to_json(),
                    key=event.article.id.encode(),
                    partition=partition,
                    timestamp_ms=int((NOW - timedelta(hours=hours)).timestamp() * 1000),
                )
        finally:
            await producer.stop()

    asyncio.run(produce())
    return settings


def tail(settings: Settings, *args: str, color: bool = False) -> Result:
    result = newswire(settings, "tail", "--until-idle", "1.5", *args, color=color)
    assert result.exit_code == 0, result.output
    return result


def ids(settings: Settings, *args: str) -> set[str]:
    lines = tail(settings, "--json", *args).stdout.splitlines()
    return {orjson.loads(line)["article"]["id"] for line in lines}


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("beginning", {"rates", "border", "talks"}),
        ("1", {"border"}),  # offset 1 of every partition
        ("-1", {"border", "talks"}),  # the last record of every partition
        ((NOW - timedelta(minutes=150)).isoformat(), {"border", "talks"}),
        ((NOW - timedelta(minutes=150)).strftime("%Y-%m-%dT%H:%M"), {"border", "talks"}),
        ((NOW + timedelta(hours=1)).isoformat(), set()),  # Tansu answers offset 0
        ("end", set()),
    ],
    ids=["beginning", "offset", "last", "time", "minute", "future", "end"],
)
def test_tail_starts_at_beginning_offset_time_or_end(
    events: Settings, start: str, expected: set[str]
) -> None:
    assert ids(events, "--from", start) == expected


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (("--entity", "christine LAGARDE"), {"rates"}),
        (("--entity", "gpe:ukraine"), {"border"}),
        (("--claimant", "scholz"), {"talks"}),
        (("--stance", "deny"), {"border"}),
        (("--source", "ndtv"), {"border"}),
        (("--language", "en"), {"rates", "border"}),
    ],
)
def test_tail_filters(events: Settings, option: tuple[str, str], expected: set[str]) -> None:
    assert ids(events, "--from", "beginning", *option) == expected


def test_tail_text_names_each_claims_parts_plainly_or_highlights_them(events: Settings) -> None:
    plain = tail(events, "--from", "beginning", "--stance", "deny").stdout
    assert "[NDTV]" in plain
    assert "[deny, indirect] The ministry → denied → that troops had crossed into Ukraine" in plain
    colored = tail(events, "--from", "beginning", "--stance", "deny", color=True).stdout
    assert click.style("denied", fg="yellow", bold=True) in colored
    assert "The ministry denied that troops had crossed into Ukraine." in click.unstyle(colored)


def test_tail_shows_statements_unless_asked_for_other_kinds(events: Settings) -> None:
    statements = tail(events, "--from", "beginning", "--source", "le monde").stdout
    assert "Olaf Scholz → said → that the talks would resume in Berlin" in statements
    assert "Diplomats" not in statements
    beliefs = tail(events, "--from", "beginning", "--source", "le monde", "--kind", "belief")
    assert "[belief, assert, indirect] Diplomats → believe → a deal is near" in beliefs.stdout
    assert "Olaf Scholz" not in beliefs.stdout.split("\n", 2)[-1]
    every = tail(events, "--from", "beginning", "--source", "le monde", "--kind", "all").stdout
    assert "Olaf Scholz → said" in every and "Diplomats → believe" in every
    [line] = tail(
        events, "--from", "beginning", "--source", "le monde", "--json"
    ).stdout.splitlines()
    assert {c["kind"] for c in orjson.loads(line)["claims"]} == {"statement", "belief"}


def test_tail_meta_and_short_topic_names(events: Settings) -> None:
    shown = tail(events, "--from", "beginning", "--json", "--meta", "--entity", "gpe:ukraine")
    [line] = shown.stdout.splitlines()
    record = orjson.loads(line)
    assert (record["topic"], record["partition"], record["offset"]) == (
        events.topic("events"),
        0,
        1,
    )
    assert record["key"] == "border" and record["value"]["article"]["id"] == "border"
    assert isinstance(record["timestamp"], int) and record["headers"] == {}
    text = tail(events, "--from", "beginning", "--meta", "--entity", "gpe:ukraine").stdout
    assert text.startswith(f"# {events.topic('events')}/0/1 ") and "key=border" in text
    assert ids(events, "--from", "beginning", "--topic", "events") == {"rates", "border", "talks"}


def test_tail_group_resumes_where_it_left_off(events: Settings) -> None:
    group = f"{events.app_id}-reader"
    first = ids(events, "--from", "beginning", "--group", group)
    assert first == {"rates", "border", "talks"}
    assert ids(events, "--from", "beginning", "--group", group) == set()  # committed
    refused = newswire(events, "tail", "--from", "1", "--group", group)
    assert refused.exit_code == 2 and "--group resumes" in refused.output


def test_tail_fails_at_once_when_nothing_listens(tmp_path: Path) -> None:
    settings = Settings(broker=f"127.0.0.1:{free_port()}", data_dir=tmp_path)
    started = time.monotonic()
    result = newswire(settings, "tail", "--until-idle", "1")
    assert result.exit_code == 1
    assert "the connection was refused" in result.output
    assert time.monotonic() - started < 2


def test_tail_rejects_a_bad_start(events: Settings) -> None:
    result = newswire(events, "tail", "--from", "yesterday")
    assert result.exit_code == 2
    assert "not beginning, end, an offset or an ISO 8601 time" in result.output
