"""``newswire tail`` on events with known partitions and timestamps: starts and filters."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import click
import orjson
import pytest
from aiokafka import AIOKafkaProducer
from click.testing import Result
from spacy.language import Language

from pipeline.extract import document
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
    ("talks", "Le Monde", "fr", "Olaf Scholz said that the talks would resume in Berlin.", 1, 1),
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
        ((NOW - timedelta(minutes=150)).isoformat(), {"border", "talks"}),
        ((NOW - timedelta(minutes=150)).strftime("%Y-%m-%dT%H:%M"), {"border", "talks"}),
        ((NOW + timedelta(hours=1)).isoformat(), set()),  # Tansu answers offset 0
        ("end", set()),
    ],
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


def test_tail_pretty_text_highlights_claims_in_their_sentence(events: Settings) -> None:
    plain = tail(events, "--from", "beginning", "--stance", "deny").stdout
    assert "[NDTV]" in plain
    assert "[deny, indirect] The ministry denied that troops had crossed into Ukraine." in plain
    colored = tail(events, "--from", "beginning", "--stance", "deny", color=True).stdout
    assert click.style("denied", fg="yellow", bold=True) in colored
    assert click.unstyle(colored) == plain


def test_tail_rejects_a_bad_start(events: Settings) -> None:
    result = newswire(events, "tail", "--from", "yesterday")
    assert result.exit_code == 2
    assert "not beginning, end, an offset or an ISO 8601 time" in result.output
