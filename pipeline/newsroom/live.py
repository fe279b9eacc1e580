"""The live stream: events as the store receives them, as server-sent events carrying the
HTML of each (rendered and escaped on the server)."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from pipeline.newsroom.keys import NEWSROOM
from pipeline.newsroom.view import event_view

POLL_SECONDS = 0.25
"""How often the store is asked for new events (the live page's delay, at most)."""
HEARTBEAT_SECONDS = 15.0


def _message(kind: str, data: str) -> bytes:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {kind}\n{lines}\n".encode()


async def stream(request: web.Request) -> web.StreamResponse:
    """``/live/stream?after=ROW``: every event stored after row ROW, then each as it arrives."""
    store, templates = request.app[NEWSROOM].store, request.app[NEWSROOM].templates
    after_text = request.query.get("after", "")
    after = int(after_text) if after_text.isdigit() else await asyncio.to_thread(store.last_id)
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    fragment = templates.get_template("macros.html").module.event  # type: ignore[attr-defined]
    stopping = request.app[NEWSROOM].stopping
    quiet_since = time.monotonic()
    while not stopping.is_set():
        hits = await asyncio.to_thread(store.since, after)
        for hit in hits:
            await response.write(_message("article", str(fragment(event_view(hit.body)))))
            after = hit.id
        if hits:
            count = await asyncio.to_thread(store.event_count)
            await response.write(_message("count", str(count)))
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > HEARTBEAT_SECONDS:
            await response.write(b": still here\n\n")
            quiet_since = time.monotonic()
        try:
            await asyncio.wait_for(stopping.wait(), POLL_SECONDS)
        except TimeoutError:
            pass
    return response
