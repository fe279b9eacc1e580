"""Clean articles built from a text, for stage tests."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.records import CleanArticle

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
# An article that expands an acronym, and one that only uses it.
DEFINES = (
    "The Rapid Support Forces (RSF) attacked El Fasher on Sunday, residents said. "
    "The RSF has been fighting the Sudanese army since April 2023."
)
USES = "The RSF said its fighters had taken control of the town. RSF commanders denied it."


def article(text: str, key: str = "a1") -> CleanArticle:
    """A clean English article of ``text`` with id ``key``."""
    return CleanArticle(
        id=key,
        url=None,
        title="",
        source="test",
        feed_url="https://example.org/feed",
        published_at=None,
        fetched_at=NOW,
        language="en",
        text=text,
    )
