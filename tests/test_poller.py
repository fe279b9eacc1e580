"""Fetching and parsing real feeds, and emitting each item once per run."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.feed_fetch import FetchError, fetch
from pipeline.feed_parse import MalformedFeed, article_id, parse_feed
from pipeline.pollers import Poller
from pipeline.records import RawArticle

BUNDLED = Path(__file__).resolve().parents[1] / "pipeline" / "feeds"


class QuietServer(ThreadingHTTPServer):
    """Ignores clients that hang up mid-body (the body-cap test does that on purpose)."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@pytest.fixture
def feed_server() -> Iterator[str]:
    """A local HTTP server on 127.0.0.1 serving the bundled feeds."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(BUNDLED))
    server = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_parse_real_rss_feed() -> None:
    data = (BUNDLED / "dawn.xml").read_bytes()
    fetched = datetime.now(UTC)
    articles = parse_feed(data, "dawn.xml", fetched)
    assert len(articles) == 30
    first = articles[0]
    assert first.feed_title == "Dawn - World"
    assert first.link and first.link.startswith("https://www.dawn.com/")
    assert first.published_at is not None and first.published_at.tzinfo is not None
    assert first.fetched_at == fetched
    assert first.id == article_id(first.guid, first.link, "dawn.xml", first.title)
    assert len({a.id for a in articles}) == 30


def test_parse_real_atom_feed_with_content() -> None:
    articles = parse_feed(
        (BUNDLED / "talkingpointsmemo.xml").read_bytes(), "tpm", datetime.now(UTC)
    )
    assert len(articles) == 20
    assert all(a.content_html for a in articles)
    assert all(a.authors for a in articles)


def test_article_id_prefers_guid_then_link_then_title() -> None:
    assert article_id("g", "l", "f", "t") == article_id("g", "other", "f2", "t2")
    assert article_id(None, "l", "f", "t") == article_id(None, "l", "f2", "t2")
    assert article_id(None, None, "f", "t") != article_id(None, None, "f", "t2")


def test_malformed_feed_raises() -> None:
    with pytest.raises(MalformedFeed):
        parse_feed(b"<html><body>not a feed</body></html", "x", datetime.now(UTC))


def test_missing_file_is_a_fetch_error(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="No such file"):
        asyncio.run(fetch(str(tmp_path / "missing.xml")))


def test_http_fetch_and_body_cap(feed_server: str) -> None:
    body = asyncio.run(fetch(f"{feed_server}/ndtv.xml"))
    assert body == (BUNDLED / "ndtv.xml").read_bytes()
    with pytest.raises(FetchError, match="HTTP 404"):
        asyncio.run(fetch(f"{feed_server}/missing.xml"))
    with pytest.raises(FetchError, match="larger than"):
        asyncio.run(fetch(f"{feed_server}/dawn.xml", max_bytes=10_000))


def test_poller_emits_each_item_once_and_reports_failures(feed_server: str) -> None:
    emitted: list[RawArticle] = []

    async def emit(article: RawArticle) -> None:
        emitted.append(article)

    poller = Poller(emit)
    sources = [f"{feed_server}/ndtv.xml", str(BUNDLED / "dawn.xml"), f"{feed_server}/gone.xml"]
    first = asyncio.run(poller.poll_once(sources))
    second = asyncio.run(poller.poll_once(sources))
    assert (first.emitted, first.seen) == (50, 0)
    assert (second.emitted, second.seen) == (0, 50)
    assert len({a.id for a in emitted}) == 50
    assert list(first.errors) == [f"{feed_server}/gone.xml"]
