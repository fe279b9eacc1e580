"""Feeds for the tests: the bundled real feeds, and small feeds the tests write themselves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from pipeline.poller.emit import kafka_emitter
from pipeline.poller.once import poll_sources_once
from pipeline.poller.parse import parse_document
from pipeline.poller.poll import PollReport
from pipeline.poller.state import feed_articles
from pipeline.records import RawArticle
from pipeline.settings import Settings
from pipeline.stages.clean import clean_article

BUNDLED = Path(__file__).resolve().parents[2] / "pipeline" / "demo_feeds"
"""The demo's real feeds: Dawn (30 items, full text), NDTV (20) and TPM (20)."""
BUNDLED_FEEDS = ("dawn.xml", "ndtv.xml", "talkingpointsmemo.xml")


def bundled_articles(*names: str) -> list[RawArticle]:
    """The raw articles of bundled feeds, in feed order."""
    now = datetime.now(UTC)
    found: list[RawArticle] = []
    for name in names or BUNDLED_FEEDS:
        found += feed_articles(parse_document((BUNDLED / name).read_bytes()), name, now)
    return found


def bundled_bodies(min_words: int = 150) -> list[str]:
    """Clean texts of the bundled feeds' items of at least ``min_words`` words."""
    texts = [clean_article(raw) for raw in bundled_articles()]
    return [article.text for article in texts if article.word_count >= min_words]


def rss(title: str, base: str, items: int, start: int = 0) -> bytes:
    """An RSS 2.0 feed of ``items`` short items with guids under ``base``."""
    published = datetime(2026, 11, 20, 9, tzinfo=UTC)
    entries = "".join(
        f"<item><title>{escape(title)} item {n}</title><link>{escape(base)}/{n}</link>"
        f'<guid isPermaLink="false">{escape(base)}#{n}</guid>'
        f"<pubDate>{(published - timedelta(hours=n)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        f"</pubDate><description>Summary of item {n} of {escape(title)}.</description></item>"
        for n in range(start, start + items)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{escape(base)}</link>{entries}</channel></rss>"
    ).encode()


def poll_into_kafka(settings: Settings, sources: list[str]) -> PollReport:
    """Poll ``sources`` once, as ``newswire poll --dry-run`` does, onto the raw topic."""

    async def go() -> PollReport:
        async with kafka_emitter(settings.broker or "", settings) as emit:
            return await poll_sources_once(settings, sources, emit)

    return asyncio.run(go())
