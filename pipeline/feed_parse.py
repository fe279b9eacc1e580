"""Parsing a feed document into raw articles (feedparser parses bytes; it never fetches)."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import feedparser

from pipeline.records import RawArticle


class MalformedFeed(Exception):
    """The document is not a feed feedparser could recover any item from."""


def article_id(guid: str | None, link: str | None, feed_url: str, title: str) -> str:
    """Stable id: the guid when present, else the link, else feed URL + title."""
    basis = f"guid:{guid}" if guid else f"link:{link}" if link else f"title:{feed_url}\0{title}"
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


def _when(parsed: time.struct_time | None) -> datetime | None:
    return datetime(*parsed[:6], tzinfo=UTC) if parsed else None


def _authors(entry: Any) -> list[str]:
    names = [a.get("name", "").strip() for a in entry.get("authors", []) if a.get("name")]
    return names or ([entry.author.strip()] if entry.get("author") else [])


def _content_html(entry: Any) -> str:
    parts = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    return max(parts, key=len) if parts else ""


def parse_feed(data: bytes, feed_url: str, fetched_at: datetime) -> list[RawArticle]:
    """Every item of the document; raises MalformedFeed when nothing could be recovered."""
    parsed = feedparser.parse(data)
    if parsed.bozo and not parsed.entries:
        raise MalformedFeed(f"{feed_url}: {parsed.get('bozo_exception', 'not a feed')}")
    feed = parsed.feed
    feed_title = feed.get("title") or urlparse(feed_url).hostname or None
    language = feed.get("language") or None
    articles = []
    for entry in parsed.entries:
        guid = entry.get("id") or None
        link = entry.get("link") or None
        title = entry.get("title", "")
        articles.append(
            RawArticle(
                id=article_id(guid, link, feed_url, title),
                feed_url=feed_url,
                feed_title=feed_title,
                guid=guid,
                link=link,
                title=title,
                summary_html=entry.get("summary", ""),
                content_html=_content_html(entry),
                published_at=_when(entry.get("published_parsed")),
                updated_at=_when(entry.get("updated_parsed")),
                authors=_authors(entry),
                language=entry.get("language") or language,
                fetched_at=fetched_at,
            )
        )
    return articles
