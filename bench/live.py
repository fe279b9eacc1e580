"""The live page's delay: from an event on ``news.events`` (the producer's acknowledgement) to
its arrival on the newsroom's live stream, through a ``newswire store`` and a ``newswire web``
process, over the embedded broker."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from bench.stats import percentile
from bench.store import copy_of, real_events
from pipeline.kafka.broker import EmbeddedBroker, free_port
from pipeline.kafka.producer import producer
from pipeline.kafka.topics import ensure_topics
from pipeline.records import Event
from pipeline.settings import Settings
from pipeline.supervisor import spawn, stop_process

EVENTS = 30
GAP_SECONDS = 0.5
"""Between two events: each is timed alone, as a feed item arrives."""
_EVENT_ID = re.compile(rb'data-event="([^"]+)"')


def _ready(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our loopback page
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the newsroom did not answer at {url}")


async def _measure(
    settings: Settings, bootstrap: str, url: str, events: list[Event], gap: float
) -> dict[str, float]:
    """Send each event, wait ``gap``; the seconds from each acknowledgement to its arrival."""
    sent: dict[str, float] = {}
    arrived: dict[str, float] = {}
    async with ClientSession() as session, session.get(url + "live/stream?after=0") as stream:

        async def listen() -> None:
            async for line in stream.content:
                for found in _EVENT_ID.findall(line):
                    arrived.setdefault(found.decode(), time.monotonic())

        listener = asyncio.create_task(listen())
        client = producer(bootstrap, settings)
        await client.start()
        try:
            for event in events:
                await client.send_and_wait(
                    settings.topic("events"), event.to_json(), key=event.article.id.encode()
                )
                sent[event.event_id] = time.monotonic()
                await asyncio.sleep(gap)
            deadline = time.monotonic() + 30
            while set(sent) - set(arrived) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
        finally:
            await client.stop()
            listener.cancel()
    return {key: arrived[key] - sent[key] for key in sent if key in arrived}


def run_live(
    model: str, workdir: Path, count: int = EVENTS, gap: float = GAP_SECONDS
) -> dict[str, Any]:
    """Delays of ``count`` real events, after one unmeasured event that warms the store's
    consumer group up."""
    real = real_events(model, 8)
    events = [copy_of(real[k % len(real)], k) for k in range(count + 1)]
    folder = workdir / "live"
    with EmbeddedBroker(log_path=folder / "broker.log") as broker:
        settings = Settings(
            broker=broker.bootstrap,
            topic_prefix=f"live{uuid.uuid4().hex[:8]}",
            data_dir=folder,
            newsroom_port=free_port(),
        )
        asyncio.run(ensure_topics(broker.bootstrap, settings))
        children: list[subprocess.Popen[bytes]] = []
        try:
            for name in ("store", "web"):
                children.append(spawn([name], settings, broker.bootstrap, folder / f"{name}.log"))
            url = f"http://127.0.0.1:{settings.newsroom_port}/"
            _ready(url + "health")
            asyncio.run(_measure(settings, broker.bootstrap, url, events[:1], gap))  # warm-up
            delays = asyncio.run(_measure(settings, broker.bootstrap, url, events[1:], gap))
        finally:
            for child in children:
                stop_process(child)
    seconds = sorted(delays.values())
    return {
        "events": count,
        "arrived": len(seconds),
        "gap_s": gap,
        "p50_s": round(percentile(seconds, 50), 3) if seconds else None,
        "p95_s": round(percentile(seconds, 95), 3) if seconds else None,
        "max_s": round(seconds[-1], 3) if seconds else None,
    }
