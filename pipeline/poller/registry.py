"""The feed registry: the ``news.feeds`` topic keyed by URL (null value = removed).

Feeds come from plain list files, OPML exports of feed readers, the command line and
``NEWSWIRE_FEEDS``; all of them are merged into the one registry in Kafka.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline.kafka.producer import producer
from pipeline.kafka.reader import MissingTopic, TopicReader
from pipeline.poller.entry import FeedRefused, check_feed, feed_source
from pipeline.poller.fetch import Fetcher, FetchLimits
from pipeline.poller.state import FeedState
from pipeline.records import FeedConfig
from pipeline.settings import Settings

STATE_TABLE = "feed_state"


def poller_app_id(settings: Settings) -> str:
    return f"{settings.app_id}-poller"


def state_changelog(settings: Settings) -> str:
    """Faust's changelog topic of the poller's state table."""
    return f"{poller_app_id(settings)}-{STATE_TABLE}-changelog"


_COMMENT = re.compile(r"(?:^|\s)#.*$")
"""A comment of a list file: ``#`` at the start of a line or after a space (not in a URL)."""


def read_feed_file(path: Path) -> list[tuple[str, str | None]]:
    """(url, title) pairs from an OPML file or a plain list (one URL per line, # comments)."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"<"):
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(data, parser)
        outlines = [o for o in root.iter("outline") if (o.get("xmlUrl") or "").strip()]
        return [(str(o.get("xmlUrl")).strip(), o.get("title") or o.get("text")) for o in outlines]
    lines = (
        _COMMENT.sub("", line).strip() for line in data.decode("utf-8", "replace").splitlines()
    )
    return [(line, None) for line in lines if line]


def opml(feeds: Iterable[FeedConfig]) -> bytes:
    """The feeds as an OPML 2.0 subscription list, as feed readers import it."""
    root = etree.Element("opml", version="2.0")
    etree.SubElement(etree.SubElement(root, "head"), "title").text = "newswire feeds"
    body = etree.SubElement(root, "body")
    for feed in sorted(feeds, key=lambda f: f.url):
        text = feed.title or feed.url
        etree.SubElement(body, "outline", type="rss", text=text, title=text, xmlUrl=feed.url)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))


def configs(
    urls: Iterable[tuple[str, str | None]],
    interval: float | None = None,
    enabled: bool = True,
    fulltext: bool = False,
) -> list[FeedConfig]:
    now = datetime.now(UTC)
    return [
        FeedConfig(
            url=url,
            title=title,
            interval=interval,
            enabled=enabled,
            fulltext=fulltext,
            added_at=now,
        )
        for url, title in urls
    ]


async def publish(bootstrap: str, settings: Settings, feeds: Iterable[FeedConfig]) -> int:
    """Add or update ``feeds`` in the registry."""
    client = producer(bootstrap, settings)
    await client.start()
    try:
        sent = [
            await client.send(settings.topic("feeds"), f.to_json(), key=f.url.encode())
            for f in feeds
        ]
        await client.flush()
        return len(sent)
    finally:
        await client.stop()


async def remove(bootstrap: str, settings: Settings, urls: Iterable[str]) -> int:
    """Remove feeds from the registry (a null value; compaction drops the key)."""
    client = producer(bootstrap, settings)
    await client.start()
    try:
        sent = [await client.send(settings.topic("feeds"), None, key=u.encode()) for u in urls]
        await client.flush()
        return len(sent)
    finally:
        await client.stop()


async def _latest(bootstrap: str, settings: Settings, topic: str) -> dict[str, bytes | None]:
    reader = TopicReader(bootstrap, [topic], settings)
    try:
        await reader.start(from_beginning=True, wait=0)
    except MissingTopic:
        return {}
    latest: dict[str, bytes | None] = {}
    try:
        async for record in reader.until_end():
            if record.key is not None:
                latest[record.key.decode()] = record.value
    finally:
        await reader.stop()
    return latest


async def read_registry(bootstrap: str, settings: Settings) -> dict[str, FeedConfig]:
    latest = await _latest(bootstrap, settings, settings.topic("feeds"))
    return {url: FeedConfig.from_json(v) for url, v in latest.items() if v is not None}


async def read_states(bootstrap: str, settings: Settings) -> dict[str, FeedState]:
    """The poller's last saved state per feed (read from the state table's changelog)."""
    latest = await _latest(bootstrap, settings, state_changelog(settings))
    return {url: FeedState.from_json(v) for url, v in latest.items() if v is not None}


async def save_states(bootstrap: str, settings: Settings, states: Iterable[FeedState]) -> None:
    """Write states where the poller service recovers them from (its table's changelog)."""
    client = producer(bootstrap, settings)
    await client.start()
    try:
        for state in states:
            await client.send(state_changelog(settings), state.to_json(), key=state.url.encode())
        await client.flush()
    finally:
        await client.stop()


async def merge_feeds(bootstrap: str, settings: Settings, feeds: list[str]) -> int:
    """Add the feeds the registry does not have yet (registered ones keep their options)."""
    known = await read_registry(bootstrap, settings)
    return await publish(bootstrap, settings, configs((u, None) for u in feeds if u not in known))


@dataclass(frozen=True)
class Registered:
    """A feed ``feeds add`` registered, and what its check found (None: not checked)."""

    config: FeedConfig
    items: int | None = None
    advertised_by: str | None = None


async def register(
    bootstrap: str,
    settings: Settings,
    entries: Iterable[tuple[str, str | None]],
    options: dict[str, Any],
    check: bool,
) -> tuple[list[Registered], list[str]]:
    """Add, or update, the feeds of ``entries`` (source, title) with ``options`` (interval,
    enabled, fulltext). Each entry is made a registry key and each new one fetched once and
    checked, unless ``check`` is off; returns the feeds registered and the refusals."""
    known = await read_registry(bootstrap, settings)
    fetcher = Fetcher(FetchLimits.from_settings(settings))
    now = datetime.now(UTC)
    done: list[Registered] = []
    refused: list[str] = []
    try:
        for entry, title in entries:
            try:
                source = feed_source(entry, settings.feed_files)
                checked = (
                    await check_feed(fetcher, source) if check and source not in known else None
                )
            except FeedRefused as exc:
                refused.append(str(exc))
                continue
            url, parsed = checked if checked else (source, None)
            base = known.get(url) or FeedConfig(url=url, added_at=now)
            named = title or base.title or (parsed.title if parsed else None)
            config = base.model_copy(update=options | {"title": named})
            items = len(parsed.items) if parsed else None
            done.append(Registered(config, items, source if url != source else None))
            known[url] = config
        await publish(bootstrap, settings, [registered.config for registered in done])
    finally:
        await fetcher.close()
    return done, refused
