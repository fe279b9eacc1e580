"""The store on SQLite and on a real PostgreSQL server: kept once, revisions, search, claimants,
disagreements, stories and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from spacy.language import Language

from pipeline.records import Event
from pipeline.settings import Settings
from pipeline.store.base import Store, Written
from pipeline.store.configured import open_store
from pipeline.store.query import Search
from tests.support.events import T0, make_events
from tests.support.postgres import fresh_database


@pytest.fixture(scope="module")
def events(nlp: Language) -> list[Event]:
    return make_events(nlp)


@pytest.fixture(params=["sqlite", "postgres"])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return Settings(data_dir=tmp_path)
    url = fresh_database(request.getfixturevalue("postgres"))
    return Settings(data_dir=tmp_path, store_url=url)


@pytest.fixture
def store(store_settings: Settings) -> Iterator[Store]:
    opened = open_store(store_settings)
    yield opened
    opened.close()


def pairs(events: list[Event]) -> list[tuple[Event, bytes]]:
    return [(event, event.to_json()) for event in events]


def ids(store: Store, search: Search) -> list[str]:
    return [orjson.loads(hit.body)["article"]["id"] for hit in store.search(search)]


def test_an_event_written_twice_is_stored_once(store: Store, events: list[Event]) -> None:
    assert store.write(pairs(events)) == Written(added=4)
    assert store.write(pairs(events[:2])) == Written(skipped=2)
    assert store.counts()["events"] == 4
    assert store.event(events[0].event_id) == events[0].to_json()


def test_a_newer_revision_supersedes_and_an_older_one_is_ignored(
    store: Store, events: list[Event]
) -> None:
    first = events[0]
    newer = first.model_copy(
        update={
            "event_id": first.event_id + "-r2",
            "article": first.article.model_copy(update={"revision": 2, "title": "Port reopens"}),
        }
    )
    store.write(pairs([first]))
    assert store.write(pairs([newer])) == Written(replaced=1)
    assert store.write(pairs([first])) == Written(skipped=1)
    assert store.event(first.event_id) is None
    [hit] = store.search(Search())
    assert orjson.loads(hit.body)["article"]["title"] == "Port reopens"
    # the older revision's claims went with it
    assert store.counts()["claims"] == len(first.claims)


def test_search_filters_and_pages_newest_first(store: Store, events: list[Event]) -> None:
    store.write(pairs(events))
    assert ids(store, Search()) == ["port-3-copy", "port-3", "port-2", "port-1"]
    assert ids(store, Search(limit=2, offset=1)) == ["port-3", "port-2"]
    assert ids(store, Search(text="stalled")) == ["port-2"]
    assert ids(store, Search(text="reopening")) == ["port-2", "port-1"]  # stems
    assert ids(store, Search(text='"talks" ( * -')) == ["port-3-copy", "port-3", "port-2"]
    assert ids(store, Search(entity="Helen Marsh")) == ["port-3-copy", "port-3", "port-1"]
    assert ids(store, Search(entity="org:dockers-union")) == ["port-2", "port-1"]
    assert ids(store, Search(claimant="dockers", stance="deny")) == ["port-2", "port-1"]
    assert ids(store, Search(claimant="marsh", stance="deny")) == []
    assert ids(store, Search(anonymous=True)) == ["port-2"]
    assert ids(store, Search(source="coast")) == ["port-2"]
    assert ids(store, Search(language="EN", source="herald")) == ["port-1"]
    assert ids(store, Search(language="fr")) == []
    assert ids(store, Search(story="port-3")) == ["port-3-copy", "port-3"]
    window = Search(since=T0 + timedelta(days=1), until=T0 + timedelta(days=3))
    assert ids(store, window) == ["port-3", "port-2"]


def test_claims_of_a_claimant_and_its_disagreements(store: Store, events: list[Event]) -> None:
    store.write(pairs(events))
    claims = store.claims_of("person:helen-marsh")
    assert [c.event_id for c in claims] == [e.event_id for e in (events[3], events[2], events[0])]
    assert {c.stance for c in claims} == {"assert"}
    [(mine, theirs)] = store.disagreements("person:helen-marsh")
    assert (mine.claimant_key, mine.stance) == ("person:helen-marsh", "assert")
    assert (theirs.claimant_key, theirs.stance) == ("org:dockers-union", "deny")
    assert "Dunmore" in mine.content and "Dunmore" in theirs.content
    assert [c.claimant_key for c in store.claims_about(theirs.claimant_key)] == []


def test_timeline_counts_articles_per_day(store: Store, events: list[Event]) -> None:
    store.write(pairs(events))
    days = store.timeline("person:helen-marsh")
    assert [count for _, count in days] == [1, 1, 1]
    assert days[0][0] == (T0.timestamp() // 86400) * 86400
    assert store.entity_names("org:dockers-union")[0][:2] == ("Dockers Union", "ORG")


def test_since_returns_what_arrived_after_a_row(store: Store, events: list[Event]) -> None:
    store.write(pairs(events[:2]))
    mark = store.last_id()
    store.write(pairs(events[2:]))
    assert [orjson.loads(h.body)["article"]["id"] for h in store.since(mark)] == [
        "port-3",
        "port-3-copy",
    ]


def test_reopening_keeps_the_schema_and_the_data(
    store_settings: Settings, events: list[Event]
) -> None:
    first = open_store(store_settings)
    first.write(pairs(events))
    first.close()
    again = open_store(store_settings)
    try:
        assert again.migrate() == len(again.MIGRATIONS)
        assert again.counts()["events"] == 4
    finally:
        again.close()


def test_a_store_of_the_first_schema_migrates_with_its_data(
    store_settings: Settings, events: list[Event]
) -> None:
    """A store left at schema 1 (claim topics without stance and time) gets migration 2 on
    open, its rows filled in: disagreements work on the claims stored before."""
    store = open_store(store_settings)
    store.write(pairs(events))
    with store._lock, store._transaction():  # back to what schema 1 made
        store._script(
            "DROP INDEX claim_topics_entity;\n"
            "ALTER TABLE claim_topics DROP COLUMN stance;\n"
            "ALTER TABLE claim_topics DROP COLUMN ts;\n"
            "CREATE INDEX claim_topics_entity ON claim_topics (entity_id);\n"
            "UPDATE store_version SET version = 1;\n"
        )
    store.close()
    store = open_store(store_settings)
    try:
        assert store._read("SELECT version FROM store_version")[0][0] == len(store.MIGRATIONS)
        [(mine, theirs)] = store.disagreements("person:helen-marsh")
        assert (mine.stance, theirs.claimant_key) == ("assert", "org:dockers-union")
    finally:
        store.close()
