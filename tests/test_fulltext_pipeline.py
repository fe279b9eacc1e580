"""Full text and duplicates end to end: a feed of teasers served on 127.0.0.1 whose links lead
to news pages (written for the tests), through a worker on the embedded broker."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import orjson
import pytest

from pipeline.kafka.topics import STORIES_TABLE, ensure_topics, table_topic
from pipeline.poller.poll import PollReport
from pipeline.settings import Settings
from pipeline.supervisor import start_worker, stop_process
from tests.support.cli import newswire_process
from tests.support.feed_server import FeedServer, Reply, feed_server
from tests.support.feeds import poll_into_kafka
from tests.support.kafka import fresh_settings, read
from tests.support.pages import page
from tests.support.schemas import VALIDATORS

PAGES = ("tidal-barrier", "rural-clinics")  # tests/fixtures/pages
# path -> the page it serves (None: 404)
LINKS = {"/a": 0, "/a-syndicated": 0, "/b": 1, "/missing": None, "/private/c": 1}


def rss(base: str) -> bytes:
    items = "".join(
        f"<item><title>Story {n}</title><link>{escape(base + path)}</link>"
        f"<guid>{escape(base + path)}</guid><description>Teaser {n}.</description></item>"
        for n, path in enumerate(LINKS)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Teasers</title>'
        f"<link>{base}</link>{items}</channel></rss>"
    ).encode()


@pytest.fixture(scope="module")
def site() -> Iterator[FeedServer]:
    pages = [page(name) for name in PAGES]
    with feed_server() as server:
        server.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private/\n"))
        for path, served in LINKS.items():
            if served is not None:
                html = Reply(body=pages[served], headers={"Content-Type": "text/html"})
                server.route(path, html)
        server.route("/feed.xml", Reply(body=rss(server.base)))
        yield server


class Worker:
    """A worker process that a test can restart (stopped by PID)."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.settings, self.log = settings, log
        self.process = start_worker(settings, settings.broker or "", log)

    def stop(self) -> None:
        stop_process(self.process)
        assert self.process.returncode == 0, self.log.read_text()[-3000:]

    def restart(self) -> None:
        self.stop()
        self.process = start_worker(self.settings, self.settings.broker or "", self.log)


@pytest.fixture(scope="module")
def running(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    data_dir = tmp_path_factory.mktemp("fulltext")
    settings = fresh_settings(broker, data_dir, fulltext=True, fetch_allow_networks=["127.0.0.0/8"])
    asyncio.run(ensure_topics(broker, settings))
    process = Worker(settings, data_dir / "worker.log")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def worker(running: Worker) -> Settings:
    return running.settings


def poll(settings: Settings, feed: str) -> PollReport:
    return poll_into_kafka(settings, [feed])


@pytest.fixture(scope="module")
def events(worker: Settings, site: FeedServer) -> dict[str, dict[str, object]]:
    report = poll(worker, site.base + "/feed.xml")
    assert report.emitted == len(LINKS)
    records = read(worker, worker.topic("events"), len(LINKS), timeout=180)
    by_path: dict[str, dict[str, object]] = {}
    for record in records:
        event = orjson.loads(record.value)
        VALIDATORS["events"].validate(event)
        by_path[event["article"]["url"].removeprefix(site.base)] = event
    assert set(by_path) == set(LINKS)
    return by_path


def test_teasers_get_the_text_of_their_page(events: dict[str, dict[str, object]]) -> None:
    for path in ("/a", "/a-syndicated", "/b"):
        article = events[path]["article"]
        assert isinstance(article, dict)
        assert article["text_source"] == "page" and article["fulltext_error"] is None
        assert article["word_count"] > 200
    assert "Itchen estuary" in str(events["/a"]["text"])


def test_failed_fetches_keep_the_teaser_and_say_why(events: dict[str, dict[str, object]]) -> None:
    missing, private = events["/missing"]["article"], events["/private/c"]["article"]
    assert isinstance(missing, dict) and isinstance(private, dict)
    assert missing["text_source"] == "feed" and missing["fulltext_error"] == "HTTP 404"
    assert events["/missing"]["text"] == "Teaser 3."
    assert private["fulltext_error"] == "robots.txt disallows the page"


def test_syndicated_copy_joins_the_first_copys_story(events: dict[str, dict[str, object]]) -> None:
    first, copy = (events[p]["article"] for p in ("/a", "/a-syndicated"))
    assert isinstance(first, dict) and isinstance(copy, dict)
    if first["duplicate_of"] is not None:  # the copy may be processed first
        first, copy = copy, first
    assert first["duplicate_of"] is None and first["story_id"] == first["id"]
    assert copy["duplicate_of"] == first["id"] and copy["story_id"] == first["id"]
    other = events["/b"]["article"]
    assert isinstance(other, dict)
    assert other["duplicate_of"] is None and other["story_id"] == other["id"]


def test_the_stories_changelog_has_one_entry_per_article(
    worker: Settings, events: dict[str, dict[str, object]]
) -> None:
    keys = [r.key for r in read(worker, table_topic(worker, STORIES_TABLE))]
    ids = {str(event["article"]["id"]) for event in events.values()}  # type: ignore[index]
    assert sorted(keys) == sorted(f"doc:{article_id}".encode() for article_id in ids)


def test_pages_topic_carries_the_fetched_pages(
    worker: Settings, events: dict[str, dict[str, object]]
) -> None:
    paged = [orjson.loads(r.value) for r in read(worker, worker.topic("pages"), len(LINKS))]
    assert len(paged) == len(LINKS)
    for item in paged:
        VALIDATORS["pages"].validate(item)
    fetched = sum(item["page"] is not None for item in paged)
    assert fetched == 3


def test_a_restarted_worker_still_knows_the_stories(
    running: Worker, site: FeedServer, events: dict[str, dict[str, object]]
) -> None:
    """The duplicate index survives a restart: it is recovered from its changelog topic."""
    first = next(
        e["article"]
        for p, e in events.items()
        if p.startswith("/a")
        and isinstance(e["article"], dict)
        and not e["article"]["duplicate_of"]
    )
    assert isinstance(first, dict)
    running.restart()
    page = site.routes["/a"].replies[0]
    site.route("/a-again", page)
    again = rss(site.base).replace(b"/a-syndicated<", b"/a-again<")
    site.route("/feed2.xml", Reply(body=again))
    assert poll(running.settings, site.base + "/feed2.xml").emitted == len(LINKS)
    events_topic = running.settings.topic("events")
    records = read(running.settings, events_topic, 2 * len(LINKS), timeout=180)
    latest = [orjson.loads(r.value)["article"] for r in records]
    [copy] = [a for a in latest if a["url"] == site.base + "/a-again"]
    assert copy["duplicate_of"] == first["id"] and copy["story_id"] == first["id"]


def test_extract_fetches_pages_and_finds_duplicates(site: FeedServer, tmp_path: Path) -> None:
    """``newswire extract --fulltext`` on a feed file: the same stages without Kafka."""
    feed = tmp_path / "teasers.xml"
    feed.write_bytes(rss(site.base))
    done = newswire_process(
        "extract", "--fulltext", str(feed), NEWSWIRE_FETCH_ALLOW_NETWORKS="127.0.0.0/8"
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    articles = {
        a["url"].removeprefix(site.base): a
        for a in (orjson.loads(line)["article"] for line in done.stdout.splitlines())
    }
    assert [articles[p]["text_source"] for p in LINKS] == ["page", "page", "page", "feed", "feed"]
    assert articles["/a"]["duplicate_of"] is None
    assert articles["/a-syndicated"]["duplicate_of"] == articles["/a"]["id"]
    assert articles["/missing"]["fulltext_error"] == "HTTP 404"
