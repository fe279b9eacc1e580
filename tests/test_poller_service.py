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
from pathlib import Path

import orjson
import pytest

from pipeline.kafka.broker import free_port
from pipeline.kafka.topics import ensure_topics
from pipeline.settings import Settings
from tests.support.cli import newswire_text
from tests.support.feed_server import FeedServer, Reply, feed_server
from tests.support.feeds import rss
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
    listing.write_text(f"# my feeds\n{urls[3]}\n\n{server.base}/missing\n")
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
    assert added.returncode == 0, added.stderr
    assert "5 feeds registered" in added.stdout
    fulltext = newswire(settings, "feeds", "add", urls[1], "--interval", "600", "--fulltext")
    assert "1 feeds registered" in fulltext.stdout

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

    removed = newswire(settings, "feeds", "remove", f"{server.base}/missing")
    assert removed.returncode == 0
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
        wait_until(lambda: min(hits()) >= 3, 60, lambda: f"re-polls, hits {hits()}")
        raw = raw_records(settings)
        assert Counter((r["id"], r["revision"]) for r in raw).most_common(1)[0][1] == 1
        assert len(raw) == 103
        for name in NEWS:  # polled again by its one owner, with the ETag it saved
            assert all("If-None-Match" in hit for hit in server.hits(f"/{name}")[1:])

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
