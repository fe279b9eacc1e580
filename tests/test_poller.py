"""The poller against a local HTTP server serving real feeds: caching, errors, identity."""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.poller.fetch import Fetcher, FetchLimits
from pipeline.poller.identity import canonical_link, choose_rule
from pipeline.poller.parse import MalformedFeed, parse_document
from pipeline.poller.poll import FeedPoller
from pipeline.poller.safety import networks
from pipeline.poller.schedule import Schedule, interval
from pipeline.poller.state import FeedState, Step, due, feed_articles
from pipeline.records import FeedConfig, RawArticle
from tests.support.feed_server import FeedServer, Reply, feed_server
from tests.support.feeds import BUNDLED

LOOPBACK = networks(["127.0.0.0/8"])

DAWN = (BUNDLED / "dawn.xml").read_bytes()
NDTV = (BUNDLED / "ndtv.xml").read_bytes()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


class Harness:
    """A FeedPoller with in-memory state that records what it emits."""

    def __init__(self, **limits: object) -> None:
        self.states: dict[str, FeedState] = {}
        self.emitted: list[RawArticle] = []
        options: dict[str, object] = {"allowed_networks": LOOPBACK, **limits}
        fetch_limits = FetchLimits(**options)  # type: ignore[arg-type]
        self.poller = FeedPoller(Fetcher(fetch_limits), self.states, self.collect, Schedule())

    async def collect(self, article: RawArticle) -> None:
        self.emitted.append(article)

    def poll(self, url: str) -> Step:
        async def go() -> Step:
            try:
                return await self.poller.poll(FeedConfig(url=url, added_at=datetime.now(UTC)))
            finally:
                await self.poller.fetcher.close()
                self.poller.fetcher = Fetcher(self.poller.fetcher.limits)

        return asyncio.run(go())


def test_parse_real_rss_atom_and_json_feed(shared_data: Path) -> None:
    dawn = parse_document(DAWN)
    assert dawn.title == "Dawn - World" and len(dawn.items) == 30
    assert all(i.published_at and i.published_at.tzinfo == UTC for i in dawn.items)
    tpm = parse_document((BUNDLED / "talkingpointsmemo.xml").read_bytes())
    assert len(tpm.items) == 20 and all(i.content_html and i.authors for i in tpm.items)
    json_feed = (
        shared_data / "feeds/edge-cases/feed-rs/feed-rs/fixture/jsonfeed/jsonfeed_example_1.json"
    )
    parsed = parse_document(json_feed.read_bytes())
    assert len(parsed.items) == 2 and all(i.guid and i.content_html for i in parsed.items)


def test_not_a_feed_is_malformed() -> None:
    for body in (b"", b"   ", b"<html><body><p>Hello</p></body></html>", b"\x89PNG\r\n\x1a\n\0\0"):
        with pytest.raises(MalformedFeed):
            parse_document(body)


def test_canonical_link_drops_tracking_and_fragment() -> None:
    url = "HTTPS://Example.COM:443/a/b?id=3&utm_source=rss&fbclid=x#top"
    assert canonical_link(url) == "https://example.com/a/b?id=3"


def test_first_poll_emits_every_item_then_304_costs_no_parse(server: FeedServer) -> None:
    url = server.route(
        "/dawn.xml", Reply(body=DAWN, headers={"Last-Modified": "Tue, 17 Feb 2026 19:00:00 GMT"})
    )
    harness = Harness()
    first = harness.poll(url)
    assert len(first.articles) == 30 and first.state.status == "ok"
    assert {a.revision for a in first.articles} == {1}
    assert first.state.etag and first.state.last_modified
    second = harness.poll(url)
    assert second.articles == [] and second.state.http_status == 304
    conditional = server.hits("/dawn.xml")[1]
    assert conditional["If-None-Match"] == first.state.etag
    assert conditional["If-Modified-Since"] == first.state.last_modified
    assert "newswire/" in conditional["User-Agent"]


def test_gzip_body_is_decoded(server: FeedServer) -> None:
    url = server.route("/gz", Reply(body=NDTV, gzip=True))
    assert len(Harness().poll(url).articles) == 20


def test_429_retry_after_backs_off_that_feed_only(server: FeedServer) -> None:
    limited = server.route("/limited", Reply(status=429, headers={"Retry-After": "7200"}))
    fine = server.route("/fine", Reply(body=NDTV))
    harness = Harness()
    step = harness.poll(limited)
    assert step.state.status == "error" and step.state.http_status == 429
    assert step.state.next_poll_at is not None
    assert step.state.next_poll_at - datetime.now(UTC) > timedelta(seconds=7000)
    assert len(harness.poll(fine).articles) == 20


def test_500_then_recovery_and_flagging(server: FeedServer) -> None:
    url = server.route("/flaky", Reply(status=500), Reply(status=500), Reply(body=NDTV))
    harness = Harness()
    harness.poller.flag_after = 2
    first, second, third = harness.poll(url), harness.poll(url), harness.poll(url)
    assert (first.state.status, first.state.error_count) == ("error", 1)
    assert (second.state.status, second.state.error_count) == ("failing", 2)
    assert second.state.next_poll_at - first.state.next_poll_at > timedelta(seconds=800)  # type: ignore[operator]
    assert (third.state.status, third.state.error_count, len(third.articles)) == ("ok", 0, 20)


def test_301_updates_the_url_302_does_not_410_disables(server: FeedServer) -> None:
    target = server.route("/new", Reply(body=NDTV))
    moved = server.route("/moved", Reply(status=301, headers={"Location": "/new"}))
    temporary = server.route("/temp", Reply(status=302, headers={"Location": target}))
    gone = server.route("/gone", Reply(status=410))
    harness = Harness()
    assert harness.poll(moved).state.moved_to == target
    assert harness.poll(moved).state.http_status == 304  # now fetched from the new URL
    assert len(server.hits("/moved")) == 1
    assert harness.poll(temporary).state.moved_to is None
    step = harness.poll(gone)
    assert step.state.status == "gone"
    assert not due(step.state, datetime.now(UTC) + timedelta(days=30))


def test_body_cap_and_stalled_server_fail_fast(server: FeedServer) -> None:
    big = server.route("/big", Reply(body=DAWN))
    stall = server.route("/stall", Reply(body=DAWN, stall_after=1000, stall_seconds=5))
    harness = Harness(max_bytes=100_000, read_timeout=0.5)
    assert "cap" in (harness.poll(big).state.last_error or "")
    started = time.monotonic()
    step = harness.poll(stall)
    assert step.state.status == "error" and time.monotonic() - started < 4


def test_private_addresses_are_refused_unless_allowed(server: FeedServer) -> None:
    url = server.route("/private", Reply(body=NDTV))
    refused = FeedPoller(Fetcher(FetchLimits()), {}, Harness().collect)

    async def go() -> Step:
        try:
            return await refused.poll(FeedConfig(url=url, added_at=datetime.now(UTC)))
        finally:
            await refused.fetcher.close()

    step = asyncio.run(go())
    assert "non-public" in (step.state.last_error or "")
    assert "NEWSWIRE_FETCH_ALLOW_NETWORKS" in (step.state.last_error or "")
    assert server.hits("/private") == []
    for target in ("http://10.1.2.3/feed", "http://169.254.169.254/latest", "http://[::1]/x"):
        hop = server.route(
            f"/hop{len(server.routes)}", Reply(status=302, headers={"Location": target})
        )
        assert "non-public" in (Harness().poll(hop).state.last_error or ""), target


def test_sequence_emits_only_new_items_and_edits_as_revisions(shared_data: Path) -> None:
    snapshots = sorted((shared_data / "feeds/sequences/gesab001+headlines/bbc").glob("*.xml"))
    assert len(snapshots) == 30
    expected_new: set[str] = set()
    expected_edits = 0
    last: dict[str, tuple[str, str, str]] = {}
    for path in snapshots:
        for item in parse_document(path.read_bytes()).items:
            key = item.guid or ""
            mark = (item.title, item.summary_html, item.content_html)
            expected_edits += key in last and last[key] != mark
            expected_new.add(key)
            last[key] = mark
    with feed_server() as server:
        url = server.route("/bbc", *(Reply(body=p.read_bytes()) for p in snapshots))
        harness = Harness()
        for _ in snapshots:
            harness.poll(url)
    first_seen = [a for a in harness.emitted if a.revision == 1]
    updates = [a for a in harness.emitted if a.revision > 1]
    assert len(first_seen) == len({a.id for a in first_seen}) == len(expected_new)
    assert len(updates) == expected_edits > 0
    assert {a.id for a in updates} <= {a.id for a in first_seen}


def test_switching_identity_rule_does_not_reemit() -> None:
    items = parse_document(NDTV).items
    assert choose_rule(items) == "guid"
    broken = NDTV.replace(b"<guid", b"<guid-off").replace(b"</guid>", b"</guid-off>")
    assert choose_rule(parse_document(broken).items) == "link"
    with feed_server() as server:
        url = server.route("/switch", Reply(body=NDTV), Reply(body=broken))
        harness = Harness()
        assert len(harness.poll(url).articles) == 20
        step = harness.poll(url)
    assert step.state.rule == "link" and step.articles == []


def test_seen_memory_is_bounded(server: FeedServer) -> None:
    url = server.route("/dawn", Reply(body=DAWN))
    harness = Harness()
    harness.poller.seen_limit = 10
    assert len(harness.poll(url).state.seen) == 10


def test_schedule_is_adaptive_clamped_and_respects_caches() -> None:
    schedule = Schedule(jitter=0.0)
    assert interval(schedule, "u", 0, None, None, None) == 900
    assert interval(schedule, "u", 0, None, 60.0, None) == 300  # fast feed, clamped
    assert interval(schedule, "u", 0, None, 0.5, None) == 7200  # one new item per poll
    assert interval(schedule, "u", 0, None, 60.0, 3600.0) == 3600  # never under its ttl
    assert interval(schedule, "u", 0, 120.0, None, None) == 300
    jittered = {interval(Schedule(), f"feed{i}", 0, None, None, None) for i in range(20)}
    assert len(jittered) == 20 and all(900 <= j <= 990 for j in jittered)


def test_feed_articles_without_state_gives_stable_ids() -> None:
    now = datetime.now(UTC)
    first = feed_articles(parse_document(DAWN), "dawn.xml", now)
    again = feed_articles(parse_document(DAWN), "dawn.xml", now + timedelta(hours=1))
    assert [a.id for a in first] == [a.id for a in again]
    assert len({a.id for a in first}) == 30


def edge_case_problem(path: Path, listed_items: str) -> str | None:
    """What is wrong with how one feed parses, or None: an error other than MalformedFeed, no
    items where the manifest lists some, an item without id or zone-aware time."""
    try:
        articles = feed_articles(parse_document(path.read_bytes()), path.name, datetime.now(UTC))
    except MalformedFeed:
        articles = []
    except Exception as exc:  # noqa: BLE001 - reported with the file
        return f"{type(exc).__name__}: {exc}"
    if listed_items not in ("", "0") and not articles:
        return f"no items, the manifest lists {listed_items}"
    if any(not a.id or a.fetched_at.tzinfo is None for a in articles):
        return "an item without id or without a zone-aware time"
    return None


def test_every_edge_case_feed_parses_to_items_or_a_clear_error(shared_data: Path) -> None:
    """Every test feed of feedparser, miniflux and feed-rs (about 2,200 files): its items, or
    MalformedFeed; the failure lists every file that does otherwise."""
    feeds = shared_data / "feeds"
    with (feeds / "MANIFEST.tsv").open() as manifest:
        rows = [
            r
            for r in csv.DictReader(manifest, delimiter="\t")
            if r["file"].startswith("edge-cases/")
        ]
    assert len(rows) > 2000
    problems = [
        f"{row['file']}: {problem}"
        for row in rows
        if (problem := edge_case_problem(feeds / row["file"], row["items"])) is not None
    ]
    assert not problems, f"{len(problems)} of {len(rows)} files:\n" + "\n".join(problems)


def test_entity_bomb_and_external_entity_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{lol}'
        f'<!ENTITY ext SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>t</title><item><title>&l9;</title>'
        "<description>&ext;</description><guid>a</guid></item></channel></rss>"
    ).encode()
    started = time.monotonic()
    try:
        feed = parse_document(bomb)
    except MalformedFeed:
        feed = None
    assert time.monotonic() - started < 5
    if feed is not None:
        text = " ".join(i.title + i.summary_html for i in feed.items)
        assert "TOP-SECRET-VALUE" not in text
        assert len(text) < 10_000


def test_item_links_are_absolute_against_xml_base_the_site_and_the_feed_url() -> None:
    tpm = parse_document((BUNDLED / "talkingpointsmemo.xml").read_bytes(), "http://tpm.example/f")
    assert tpm.items[0].link == (
        "http://talkingpointsmemo.com/livewire/"
        "hannity-announces-fox-hired-sebastian-gorka-national-security-strategist"
    )
    assert all((item.link or "").startswith("http://talkingpointsmemo.com/") for item in tpm.items)

    def rss(channel_link: str, item_link: str) -> bytes:
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"{channel_link}<item><title>a</title><link>{item_link}</link>"
            '<enclosure url="media/a.mp3" type="audio/mpeg" length="1"/></item></channel></rss>'
        ).encode()

    feed = "https://feeds.example.org/news/rss.xml"
    site = parse_document(rss("<link>https://site.example.org/news/</link>", "story/1"), feed)
    assert site.items[0].link == "https://site.example.org/news/story/1"
    assert site.items[0].enclosures[0].url == "https://site.example.org/news/media/a.mp3"
    relative_site = parse_document(rss("<link>/home/</link>", "story/1"), feed)
    assert relative_site.items[0].link == "https://feeds.example.org/home/story/1"
    no_site = parse_document(rss("", "/story/2"), feed)
    assert no_site.items[0].link == "https://feeds.example.org/story/2"
    absolute = parse_document(rss("", "https://other.example.org/x"), feed)
    assert absolute.items[0].link == "https://other.example.org/x"

    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://base.example.org/a/">'
        b'<title>t</title><link href="https://site.example.org/"/>'
        b'<entry><title>x</title><link href="b/c"/></entry></feed>'
    )
    assert parse_document(atom, feed).items[0].link == "https://base.example.org/a/b/c"
    json_feed = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "t",'
        b' "home_page_url": "https://site.example.org/blog/", "items": [{"id": "1", "url": "p/1"}]}'
    )
    assert parse_document(json_feed, feed).items[0].link == "https://site.example.org/blog/p/1"
