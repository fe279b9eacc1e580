"""Feeds checked on entry to the registry (no broker): addresses, the one fetch, discovery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.poller.entry import FeedRefused, advertised_feeds, check_feed, feed_source
from pipeline.poller.fetch import Fetcher, FetchLimits
from pipeline.poller.parse import ParsedFeed
from pipeline.poller.registry import opml, read_feed_file
from pipeline.poller.safety import networks
from pipeline.records import FeedConfig
from tests.support.feed_server import Reply, feed_server
from tests.support.feeds import BUNDLED, rss


def test_a_feed_is_an_http_url_or_an_allowed_local_file(tmp_path: Path) -> None:
    assert feed_source("https://example.org/rss.xml", files=False) == "https://example.org/rss.xml"
    for entry in ("not a url", "ftp://example.org/rss.xml", "http://", "feed.xml"):
        with pytest.raises(FeedRefused, match="not an http"):
            feed_source(entry, files=False)
    assert "NEWSWIRE_FEED_FILES=true" in refusal("feed.xml", files=False)
    local = BUNDLED / "ndtv.xml"
    assert feed_source(str(local.relative_to(Path.cwd())), files=True) == str(local)
    assert feed_source(f"file://{local}", files=True) == str(local)
    assert "no such file" in refusal(str(tmp_path / "missing.xml"), files=True)


def refusal(entry: str, files: bool) -> str:
    with pytest.raises(FeedRefused) as refused:
        feed_source(entry, files)
    return str(refused.value)


def check(url: str) -> tuple[str, ParsedFeed]:
    async def go() -> tuple[str, ParsedFeed]:
        fetcher = Fetcher(FetchLimits(allowed_networks=networks(["127.0.0.0/8"])))
        try:
            return await check_feed(fetcher, url)
        finally:
            await fetcher.close()

    return asyncio.run(go())


def test_a_new_feed_is_fetched_once_and_a_page_gives_its_advertised_feed() -> None:
    page = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/news/rss.xml">'
        b"<title>Site</title></head><body><p>Hello.</p></body></html>"
    )
    with feed_server() as server:
        feed = server.route("/news/rss.xml", Reply(body=rss("News", server.base, 3)))
        site = server.route("/", Reply(body=page, headers={"Content-Type": "text/html"}))
        bare = server.route("/about", Reply(body=b"<html><body>No feed.</body></html>"))
        gone = server.route("/gone.xml", Reply(404))
        url, parsed = check(feed)
        assert (url, parsed.title, len(parsed.items)) == (feed, "News", 3)
        assert check(site)[0] == feed
        assert len(server.hits("/news/rss.xml")) == 2
        with pytest.raises(FeedRefused, match="not a feed"):
            check(bare)
        with pytest.raises(FeedRefused, match="HTTP 404"):
            check(gone)


def test_advertised_feeds_are_absolute_in_page_order() -> None:
    page = (
        b'<html><head><link rel="stylesheet" href="/a.css">'
        b'<link rel="alternate" type="application/atom+xml" href="atom.xml">'
        b'<link rel="alternate home" type="application/rss+xml; charset=utf-8" '
        b'href="https://cdn.example.org/rss">'
        b'<link rel="alternate" type="text/html" href="/fr/"></head></html>'
    )
    assert advertised_feeds(page, "https://example.org/blog/") == [
        "https://example.org/blog/atom.xml",
        "https://cdn.example.org/rss",
    ]


def test_list_files_take_comments_anywhere_and_opml_round_trips(tmp_path: Path) -> None:
    listing = tmp_path / "feeds.txt"
    listing.write_text(
        "# my feeds\n"
        "https://a.example.org/rss.xml   # local pages\n"
        "  https://b.example.org/feed#fragment\n"
        "\n"
    )
    assert read_feed_file(listing) == [
        ("https://a.example.org/rss.xml", None),
        ("https://b.example.org/feed#fragment", None),
    ]
    now = datetime.now(UTC)
    registry = [
        FeedConfig(url="https://a.example.org/rss.xml", title="A & co", added_at=now),
        FeedConfig(url="https://b.example.org/feed", added_at=now),
    ]
    exported = tmp_path / "feeds.opml"
    exported.write_bytes(opml(registry))
    assert read_feed_file(exported) == [
        ("https://a.example.org/rss.xml", "A & co"),
        ("https://b.example.org/feed", "https://b.example.org/feed"),
    ]
