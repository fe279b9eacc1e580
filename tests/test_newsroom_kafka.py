"""The newsroom's feeds and pipeline pages on the embedded broker: feed status, consumer lag,
dead letters and their redrive from the page."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from spacy.language import Language

from pipeline.ingest import ingest
from pipeline.kafka.topics import ensure_topics
from pipeline.newsroom.app import make_app
from pipeline.poller.registry import configs, publish, save_states
from pipeline.poller.state import FeedState
from pipeline.redrive import redrives_topic
from pipeline.settings import Settings
from pipeline.store.base import Store
from pipeline.store.configured import open_store
from tests.support.events import make_events
from tests.support.kafka import read, send_all

FEED = "https://feeds.example.org/world.xml"


async def _store_until(settings: Settings, store: Store, events: int) -> None:
    """Run the store's consumer until it has stored ``events`` and committed them."""
    stop = asyncio.Event()
    task = asyncio.create_task(ingest(settings, settings.broker or "", store, stop))
    async with asyncio.timeout(60):
        while store.event_count() < events:
            await asyncio.sleep(0.2)
    stop.set()
    await task


def test_feeds_and_pipeline_pages_read_kafka_and_redrive(settings: Settings, nlp: Language) -> None:
    store = open_store(settings)
    [event, *_] = make_events(nlp)

    async def go() -> None:
        bootstrap = settings.broker or ""
        await ensure_topics(bootstrap, settings)
        await publish(bootstrap, settings, configs([(FEED, "World news")]))
        failing = FeedState(url=FEED, status="failing", error_count=3, last_error="HTTP 503")
        await save_states(bootstrap, settings, [failing])
        messages = [(b"junk", b"{broken"), (b"port-1", event.to_json())]
        await send_all(settings, settings.topic("events"), messages, partition=0)
        await _store_until(settings, store, 1)
        app = make_app(settings, store, bootstrap)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            await _check_pages(client)

    try:
        asyncio.run(go())
    finally:
        store.close()
    [marker] = read(settings, redrives_topic(settings), 1)
    assert b'"action":"redriven"' in (marker.value or b"")


async def _check_pages(client: TestClient[Any, Any]) -> None:
    feeds = await (await client.get("/feeds")).text()
    assert "World news" in feeds and FEED in feeds and "HTTP 503" in feeds
    assert 'class="status-failing"' in feeds

    page = await (await client.get("/pipeline")).text()
    lag = page.split('id="lag"')[1].split("</table>")[0]
    store_row = re.search(r"<td>store</td><td>[^<]+\.events</td><td>[^<]+</td>(.*?)</tr>", lag)
    assert store_row is not None, lag
    committed, end, behind = re.findall(r"<td>(\d+)</td>", store_row.group(1))
    assert int(committed) >= 2 and behind == "0"
    assert "<td>tag</td>" in lag and "<td>claims</td>" in lag
    assert "1 events" in page
    letters = page.split('id="letters"')[1]
    assert "store" in letters and "junk" in letters and "waiting" in letters
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None

    forged = await client.post("/pipeline/redrive", data={"csrf": "forged"})
    assert forged.status == 403
    done = await client.post("/pipeline/redrive", data={"csrf": csrf.group(1)})
    assert done.status == 200 and "1 letters redriven" in await done.text()
    again = await (await client.get("/pipeline")).text()
    assert "redriven" in again.split('id="letters"')[1]
