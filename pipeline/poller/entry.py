"""Feeds checked on entry to the registry: what may be a feed's address, and whether it is one.

A registry entry is an http(s) URL, or, where ``NEWSWIRE_FEED_FILES`` allows the poller to read
its host's disk, a local file made absolute when it is added. A new feed is fetched once, as
feed readers do, and refused unless it parses as a feed; a web page that advertises its feed
(``<link rel="alternate" type="application/rss+xml" href="...">``) is replaced by that feed.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from pipeline.poller.fetch import Fetcher, FetchError, is_url
from pipeline.poller.parse import MalformedFeed, ParsedFeed, parse_document

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"}
)


class FeedRefused(ValueError):
    """An entry that cannot be registered, with the reason."""


def feed_source(entry: str, files: bool) -> str:
    """The registry key of ``entry``: an http(s) URL as given, or a local file (when
    ``files`` allows them) as an absolute path."""
    entry = entry.strip()
    scheme = urlsplit(entry).scheme
    if is_url(entry) and urlsplit(entry).netloc:
        return entry
    if scheme and scheme != "file" and len(scheme) > 1:  # "C:" is a drive, not a scheme
        raise FeedRefused(f"{entry!r} is not an http(s) URL")
    if not files:
        raise FeedRefused(
            f"{entry!r} is not an http(s) URL (the poller reads local files only with "
            "NEWSWIRE_FEED_FILES=true)"
        )
    path = Path(urlsplit(entry).path if scheme == "file" else entry).expanduser().resolve()
    if not path.is_file():
        raise FeedRefused(f"{entry!r}: no such file")
    return str(path)


def advertised_feeds(html: bytes, url: str) -> list[str]:
    """The feeds a web page advertises, as absolute URLs, in page order."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    found = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            found.append(urljoin(url, href))
    return list(dict.fromkeys(found))


async def check_feed(fetcher: Fetcher, source: str) -> tuple[str, ParsedFeed]:
    """Fetch ``source`` once: the source to register (the page's advertised feed when it is a
    web page) and the feed parsed; ``FeedRefused`` with the reason otherwise."""
    body, final = await _get(fetcher, source)
    try:
        return source, parse_document(body, final)
    except MalformedFeed as not_a_feed:
        feeds = advertised_feeds(body, final) if is_url(final) else []
        if not feeds:
            raise FeedRefused(f"{source}: {not_a_feed}") from None
    advertised = feeds[0]
    body, final = await _get(fetcher, advertised)
    try:
        return advertised, parse_document(body, final)
    except MalformedFeed as exc:
        raise FeedRefused(f"{source}: its advertised feed {advertised}: {exc}") from None


async def _get(fetcher: Fetcher, source: str) -> tuple[bytes, str]:
    try:
        result = await fetcher.fetch(source)
    except FetchError as exc:
        raise FeedRefused(f"{source}: {exc}") from None
    if result.status != 200:
        raise FeedRefused(f"{source}: HTTP {result.status}")
    return result.body, result.url
