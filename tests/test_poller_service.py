"""The feed registry and the poller service through the embedded broker."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from pipeline.kafka.broker import free_port
from pipeline.kafka.topics import ensure_topics
from pipeline.poller.registry import publish
from pipeline.records import FeedConfig
from pipeline.settings import Settings
from tests.support.cli import newswire_text
from tests.support.feed_server import FeedServer, Reply, feed_server
from tests.support.feeds import BUNDLED, rss
from tests.support.kafka import fresh_settings, read, wait_until

# Six feeds the tests write, with these many items: 53 in the first four, 103 in all.
NEWS = {f"news-{n}.xml": items for n, items in enumerate((20, 11, 10, 12, 25, 25))}


def env_of(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        **settings.to_env(),
        "NEWSWIRE_FETCH_ALLOW_NETWORKS": "127.0.0.0/8",
        **extra,
    }


def newswire(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return newswire_text(*args, settings=settings, NEWSWIRE_FETCH_ALLOW_NETWORKS="127.0.0.0/8")


def raw_records(settings: Settings) -> list[dict[str, object]]:
    return [orjson.loads(r.value) for r in read(settings, settings.topic("raw"))]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        for name, items in NEWS.items():
            running.route(f"/{name}", Reply(body=rss(name, f"{running.base}/{name}", items)))
        yield running


def test_feeds_add_list_remove_and_poll_once(
    settings: Settings, server: FeedServer, tmp_path: Path
) -> None:
    urls = [f"{server.base}/{name}" for name in NEWS]
    opml = tmp_path / "subscriptions.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
        f'<outline text="News"><outline type="rss" text="Two" xmlUrl="{urls[2]}"/></outline>'
        "</body></opml>"
    )
    listing = tmp_path / "feeds.txt"
    listing.write_text(
        f"# my feeds\n{urls[3]}   # a comment after the URL\n\n{server.base}/missing\n"
    )
    added = newswire(
        settings,
        "feeds",
        "add",
        urls[0],
        urls[1],
        "--file",
        str(opml),
        "--file",
        str(listing),
        "--interval",
        "600",
    )
    assert added.returncode == 1, added.stderr  # the missing feed is refused
    assert f"refused: {server.base}/missing: HTTP 404" in added.stderr
    assert "4 feeds registered, 1 refused" in added.stderr
    assert f"registered {urls[0]}: 20 items" in added.stdout
    unchecked = newswire(settings, "feeds", "add", "--no-check", f"{server.base}/missing")
    assert unchecked.returncode == 0 and "1 feeds registered" in unchecked.stderr
    fulltext = newswire(settings, "feeds", "add", urls[1], "--interval", "600", "--fulltext")
    assert "1 feeds registered" in fulltext.stderr

    once = newswire(settings, "poll", "--once")
    assert once.returncode == 0, once.stderr
    assert "5 feeds polled, 53 items emitted, 1 failed" in once.stderr
    again = newswire(settings, "poll", "--once")
    assert "0 feeds polled, 0 items emitted" in again.stderr
    raw = raw_records(settings)
    assert len(raw) == 53 and len({r["id"] for r in raw}) == 53
    flagged = {r["feed_url"] for r in raw if r["fulltext"]}
    assert flagged == {urls[1]}  # the feed's flag travels with its items

    listed = newswire(settings, "feeds", "list", "--json")
    rows = {row["url"]: row for row in map(orjson.loads, listed.stdout.splitlines())}
    assert rows[f"{server.base}/missing"]["status"] == "error"
    assert rows[f"{server.base}/missing"]["last_error"] == "HTTP 404"
    assert rows[urls[2]]["title"] == "Two" and rows[urls[0]]["status"] == "ok"
    assert all(rows[u]["seen_items"] > 0 for u in urls[:4])
    table = newswire(settings, "feeds", "list").stdout
    assert "HTTP 404" in table and "5 feeds, 0 flagged" in table
    assert f"{urls[1]}> [fulltext]" in table or f"{urls[1]} [fulltext]" in table

    removed = newswire(settings, "feeds", "remove", f"{server.base}/missing", f"{server.base}/x")
    assert removed.returncode == 1
    assert f"not registered: {server.base}/x" in removed.stderr
    assert "1 feeds removed" in removed.stderr
    assert f"{server.base}/missing" not in newswire(settings, "feeds", "list").stdout


def start_poller(settings: Settings, log: Path, port: int) -> subprocess.Popen[bytes]:
    env = env_of(settings, NEWSWIRE_POLLER_WEB_PORT=str(port), NEWSWIRE_POLL_MIN_INTERVAL="2")
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "poll"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_two_pollers_share_feeds_and_hand_over_state(
    broker: str, tmp_path: Path, server: FeedServer
) -> None:
    settings = fresh_settings(broker, tmp_path, partitions=4)
    asyncio.run(ensure_topics(broker, settings))
    urls = [f"{server.base}/{name}" for name in NEWS]
    assert newswire(settings, "feeds", "add", *urls, "--interval", "3").returncode == 0
    first = start_poller(settings, tmp_path / "a.log", free_port())
    port = free_port()
    second = start_poller(settings, tmp_path / "b.log", port)
    try:
        hits = lambda: [len(server.hits(f"/{n}")) for n in NEWS]  # noqa: E731
        wait_until(lambda: len(raw_records(settings)) >= 103, 90, lambda: "every raw item")
        wait_until(lambda: min(hits()) >= 4, 60, lambda: f"re-polls, hits {hits()}")
        raw = raw_records(settings)
        assert Counter((r["id"], r["revision"]) for r in raw).most_common(1)[0][1] == 1
        assert len(raw) == 103
        for name in NEWS:  # after the check on entry and the first poll: with the saved ETag
            assert all("If-None-Match" in hit for hit in server.hits(f"/{name}")[2:])

        first.send_signal(signal.SIGKILL)
        first.wait()
        mark = {name: len(server.hits(f"/{name}")) for name in NEWS}
        wait_until(
            lambda: all(len(server.hits(f"/{n}")) >= mark[n] + 2 for n in NEWS),
            60,
            lambda: f"the survivor to poll every feed, hits {hits()} after {mark}",
        )
        for name in NEWS:  # the survivor resumed with the state the killed one saved
            assert all("If-None-Match" in hit for hit in server.hits(f"/{name}")[mark[name] :])
        assert len(raw_records(settings)) == 103
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:  # noqa: S310
            metrics = resp.read().decode()
        assert re.search(r'newswire_feeds\{status="ok"\} 6\.0', metrics), metrics
        assert re.search(r'newswire_feed_polls_total\{result="not_modified"\} [1-9]', metrics)
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    assert second.returncode == 0, (tmp_path / "b.log").read_text()[-3000:]


def test_a_local_file_in_the_registry_is_not_read_unless_allowed(settings: Settings) -> None:
    """Whoever can write the registry topic cannot make the poller read its host's disk."""
    local = str(BUNDLED / "ndtv.xml")
    refused = newswire(settings, "feeds", "add", local)
    assert refused.returncode == 1  # refused, with the reason
    assert "NEWSWIRE_FEED_FILES=true" in refused.stderr
    written = FeedConfig(url=local, added_at=datetime.now(UTC))  # straight onto the topic
    asyncio.run(publish(settings.broker or "", settings, [written]))
    once = newswire(settings, "poll", "--once")
    assert once.returncode == 1
    assert "not an http(s) URL" in once.stderr and "0 items emitted" in once.stderr
    assert newswire(settings, "feeds", "refresh", local).returncode == 0  # due again at once
    allowed = newswire_text("poll", "--once", settings=settings, NEWSWIRE_FEED_FILES="true")
    assert allowed.returncode == 0 and "20 items emitted" in allowed.stderr


def test_feeds_edit_and_export(settings: Settings, server: FeedServer) -> None:
    url = f"{server.base}/news-0.xml"
    added = newswire(settings, "feeds", "add", url)
    assert added.returncode == 0 and f"registered {url}: 20 items" in added.stdout
    edited = newswire(
        settings, "feeds", "edit", url, "--title", "Renamed", "--disable", "--fulltext"
    )
    assert edited.returncode == 0, edited.stderr
    [row] = map(orjson.loads, newswire(settings, "feeds", "list", "--json").stdout.splitlines())
    assert (row["title"], row["status"], row["fulltext"]) == ("Renamed", "disabled", True)
    bad = newswire(settings, "feeds", "edit", url, "--interval", "-5")
    assert bad.returncode == 1 and bad.stderr.startswith("Error: ")
    unknown = newswire(settings, "feeds", "edit", f"{server.base}/nope.xml", "--enable")
    assert unknown.returncode == 1 and "not registered" in unknown.stderr
    exported = newswire(settings, "feeds", "export").stdout
    assert f'xmlUrl="{url}"' in exported and 'text="Renamed"' in exported
