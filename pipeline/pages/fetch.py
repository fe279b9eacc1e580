"""Fetching an article's page with the poller's HTTP rules, robots.txt and a message-size bound.

Pages keep their HTML for the clean stage's body extractor, minus what no extractor reads
(scripts other than JSON-LD metadata, styles, SVG, comments), which is most of a modern page.
A page still larger than a message allows is refused with its size: the article then falls
back to the feed's text, with the reason recorded.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from pipeline.pages.robots import Robots
from pipeline.poller.fetch import Fetcher, FetchError, FetchLimits
from pipeline.records import Page, PagedArticle, RawArticle
from pipeline.settings import Settings
from pipeline.stages.body import decode_page
from pipeline.stages.fulltext import needs_page

HTML_TYPES = ("text/html", "application/xhtml+xml")
_JUNK = re.compile(rb"<!--|<(script|style|svg|noscript|template)\b([^>]*)>", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
ENVELOPE = 64 * 1024
"""Bytes of a message kept for the article's other fields."""


class PageFetcher:
    """Fetches article pages for one worker; ``close`` it when done."""

    def __init__(self, settings: Settings) -> None:
        self.fetcher = Fetcher(FetchLimits.from_settings(settings, settings.page_max_bytes))
        self.robots = Robots(self.fetcher) if settings.fulltext_robots else None
        self.max_html = settings.max_message_bytes - ENVELOPE

    async def close(self) -> None:
        await self.fetcher.close()

    async def attach(self, raw: RawArticle) -> PagedArticle:
        """``raw`` with its page, or with why it has none; never raises for a bad page."""
        fields = raw.model_dump()
        try:
            page = await self.page(raw.link or "")
        except PageError as exc:
            return PagedArticle(**fields, page_error=str(exc))
        return PagedArticle(**fields, page=page)

    async def page(self, url: str) -> Page:
        if not url.startswith(("http://", "https://")):
            raise PageError(f"no web link to fetch ({url!r})")
        if self.robots is not None and not await self.robots.allowed(url):
            raise PageError("robots.txt disallows the page")
        try:
            result = await self.fetcher.fetch(url)
        except FetchError as exc:
            raise PageError(f"fetch failed: {exc}") from None
        if result.status != 200:
            raise PageError(f"HTTP {result.status}")
        content_type = (result.content_type or "").split(";")[0].strip().lower()
        if content_type and content_type not in HTML_TYPES:
            raise PageError(f"not an HTML page ({content_type})")
        body = strip_junk(result.body)
        if len(body) > self.max_html:
            raise PageError(f"page of {len(body)} bytes is over the {self.max_html}-byte bound")
        declared = _CHARSET.search(result.content_type or "")
        return Page(
            url=result.url,
            status=result.status,
            content_type=result.content_type,
            html=decode_page(body, declared.group(1) if declared else None),
            fetched_at=datetime.now(UTC),
        )


@contextmanager
def page_attacher(settings: Settings) -> Iterator[Callable[[RawArticle], RawArticle]]:
    """A blocking ``raw -> raw with its page`` for items that need one (``newswire extract``)."""
    pages = PageFetcher(settings)
    with asyncio.Runner() as runner:

        def attach(raw: RawArticle) -> RawArticle:
            if not needs_page(raw, settings.fulltext_min_chars):
                return raw
            return runner.run(pages.attach(raw))

        try:
            yield attach
        finally:
            runner.run(pages.close())


def strip_junk(html: bytes) -> bytes:
    """``html`` without comments, styles, SVG and scripts other than JSON-LD (linear time; an
    unclosed element runs to the end)."""
    lower = html.lower()
    kept: list[bytes] = []
    position = 0
    while match := _JUNK.search(html, position):
        kept.append(html[position : match.start()])
        name = (match.group(1) or b"").lower()
        closing = b"</" + name if name else b"-->"
        close = lower.find(closing, match.end())
        end = len(html) if close < 0 else lower.find(b">", close) + 1 or len(html)
        if name == b"script" and b"ld+json" in match.group(2).lower():
            kept.append(html[match.start() : end])
        position = end
    kept.append(html[position:])
    return b"".join(kept)


class PageError(Exception):
    """Why an article has no page; recorded on the article, which keeps the feed's text."""
