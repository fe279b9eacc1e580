"""Real events (tagged by the spaCy model, claims extracted) built from short articles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from spacy.language import Language

from pipeline.records import CleanArticle, Event
from pipeline.stages.events import build_event
from pipeline.stages.tag import tag_articles

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)

#: (id, source, title, text, story_id)
ARTICLES = [
    (
        "port-1",
        "Harbour Herald",
        "Minister says the port will reopen",
        "Transport Minister Helen Marsh said on Monday that the port of Dunmore would reopen "
        "next week. The Dockers Union denied that the strike had been settled.",
        None,
    ),
    (
        "port-2",
        "Coast Daily",
        "Union denies strike is over at Dunmore",
        "The Dockers Union denied that the port of Dunmore would reopen next week. "
        "A union official told reporters that talks had stalled.",
        None,
    ),
    (
        "port-3",
        "Wire Service",
        "Port of Dunmore talks resume",
        "Talks over the port of Dunmore resumed on Wednesday. Helen Marsh said she expected "
        "an agreement soon.",
        None,
    ),
    (
        "port-3-copy",
        "Regional Times",
        "Port of Dunmore talks resume",
        "Talks over the port of Dunmore resumed on Wednesday. Helen Marsh said she expected "
        "an agreement soon.",
        "port-3",
    ),
]


def make_events(nlp: Language, version: str = "test") -> list[Event]:
    """The events of ``ARTICLES``, a day apart."""
    articles = [
        CleanArticle(
            id=key,
            url=f"https://example.org/{key}",
            title=title,
            source=source,
            feed_url="https://example.org/feed",
            published_at=T0 + timedelta(days=n),
            fetched_at=T0 + timedelta(days=n, minutes=5),
            language="en",
            text=text,
            story_id=story,
        )
        for n, (key, source, title, text, story) in enumerate(ARTICLES)
    ]
    return [build_event(tagged, version) for tagged in tag_articles(nlp, articles)]
