"""Parsing a feed document (RSS, Atom, RDF via feedparser; JSON Feed by hand) into items."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import orjson
from dateutil import parser as dateparser

from pipeline.records import Enclosure


class MalformedFeed(Exception):
    """The document is not a feed, or nothing could be recovered from it."""


@dataclass(frozen=True)
class FeedItem:
    """One item as the feed gives it, before identity is assigned."""

    guid: str | None
    link: str | None
    title: str
    summary_html: str
    content_html: str
    published_at: datetime | None
    updated_at: datetime | None
    authors: list[str]
    enclosures: list[Enclosure]
    language: str | None


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    language: str | None
    ttl_seconds: float | None
    items: list[FeedItem] = field(default_factory=list)
    warning: str | None = None


def _when(parsed: time.struct_time | None, text: str | None) -> datetime | None:
    """A UTC datetime from feedparser's parse, else a lenient parse of the text, else None."""
    if parsed:
        return datetime(*parsed[:6], tzinfo=UTC)
    if not text:
        return None
    try:
        value = dateparser.parse(text)
    except (ValueError, OverflowError):
        return None
    if value is None or value.tzinfo is None:
        return None
    return value.astimezone(UTC)


def _authors(entry: Any) -> list[str]:
    names = [a.get("name", "").strip() for a in entry.get("authors", []) if a.get("name")]
    return names or ([entry.author.strip()] if entry.get("author") else [])


def _content_html(entry: Any) -> str:
    parts = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    return max(parts, key=len) if parts else ""


def _enclosures(entry: Any) -> list[Enclosure]:
    found = []
    for link in entry.get("links", []):
        if link.get("rel") == "enclosure" and link.get("href"):
            length = str(link.get("length") or "")
            found.append(
                Enclosure(
                    url=link["href"],
                    type=link.get("type") or None,
                    length=int(length) if length.isdigit() else None,
                )
            )
    return found


def _ttl(feed: Any) -> float | None:
    ttl = str(feed.get("ttl") or "").strip()
    return float(ttl) * 60 if ttl.isdigit() else None


def _item(entry: Any, language: str | None) -> FeedItem:
    return FeedItem(
        guid=(entry.get("id") or "").strip() or None,
        link=(entry.get("link") or "").strip() or None,
        title=entry.get("title", ""),
        summary_html=entry.get("summary", ""),
        content_html=_content_html(entry),
        published_at=_when(entry.get("published_parsed"), entry.get("published")),
        updated_at=_when(entry.get("updated_parsed"), entry.get("updated")),
        authors=_authors(entry),
        enclosures=_enclosures(entry),
        language=entry.get("language") or language,
    )


def _absolute(link: str | None, base: str | None) -> str | None:
    """``link`` joined to ``base`` when it is relative (and ``base`` is a web address)."""
    if not link or urlsplit(link).scheme or not base or not urlsplit(base).scheme:
        return link
    return urljoin(base, link)


def with_absolute_links(feed: ParsedFeed, site: str | None, url: str | None) -> ParsedFeed:
    """Item and enclosure links made absolute against the feed's own link (``site``, itself
    against ``url``) or else the feed's URL; xml:base was applied by the parser already."""
    base = _absolute(site, url) if site else url
    items = [
        replace(
            item,
            link=_absolute(item.link, base),
            enclosures=[
                e.model_copy(update={"url": _absolute(e.url, base)}) for e in item.enclosures
            ],
        )
        for item in feed.items
    ]
    return replace(feed, items=items)


def parse_document(data: bytes, url: str | None = None) -> ParsedFeed:
    """Every item of a feed document fetched from ``url``, with absolute links; raises
    MalformedFeed when it is not a feed."""
    if not data.strip():
        raise MalformedFeed("empty document")
    if data.lstrip()[:1] == b"{":
        return parse_json_feed(data, url)
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.entries and (parsed.bozo or not parsed.version):
        reason = parsed.get("bozo_exception") or "no feed found in the document"
        raise MalformedFeed(f"not a feed: {reason}")
    feed = parsed.feed
    language = feed.get("language") or None
    warning = f"recovered from: {parsed.bozo_exception}" if parsed.bozo else None
    items = [_item(entry, language) for entry in parsed.entries]
    found = ParsedFeed(feed.get("title") or None, language, _ttl(feed), items, warning)
    return with_absolute_links(found, feed.get("link") or None, url)


def _json_item(item: dict[str, Any], language: str | None) -> FeedItem:
    authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
    content = item.get("content_html") or item.get("content_text") or ""
    return FeedItem(
        guid=str(item["id"]) if item.get("id") not in (None, "") else None,
        link=item.get("url") or item.get("external_url") or None,
        title=item.get("title") or "",
        summary_html=item.get("summary") or "",
        content_html=content,
        published_at=_when(None, item.get("date_published")),
        updated_at=_when(None, item.get("date_modified")),
        authors=[a["name"] for a in authors if isinstance(a, dict) and a.get("name")],
        enclosures=[
            Enclosure(url=a["url"], type=a.get("mime_type"), length=a.get("size_in_bytes"))
            for a in item.get("attachments") or []
            if a.get("url")
        ],
        language=item.get("language") or language,
    )


def parse_json_feed(data: bytes, url: str | None = None) -> ParsedFeed:
    """A JSON Feed (https://jsonfeed.org, versions 1 and 1.1) fetched from ``url``."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise MalformedFeed(f"not a feed: invalid JSON ({exc})") from exc
    if not isinstance(doc, dict) or "jsonfeed.org" not in str(doc.get("version", "")):
        raise MalformedFeed("not a feed: JSON without a JSON Feed version")
    language = doc.get("language")
    items = [_json_item(i, language) for i in doc.get("items") or [] if isinstance(i, dict)]
    found = ParsedFeed(doc.get("title"), language, None, items)
    return with_absolute_links(found, doc.get("home_page_url"), url)
