"""The health, readiness and metrics pages of the worker and the poller (Faust's web server)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import faust
from faust.web import Request, Response, View
from prometheus_client import generate_latest

from pipeline.metrics import CONSUMER_LAG

Refresh = Callable[[], Awaitable[None]]


async def refresh_lag(app: faust.App) -> None:
    """Set the lag gauge from the partitions' high watermarks and this worker's last commits
    (its read position where it has not committed yet, and on changelogs, which it only reads)."""
    CONSUMER_LAG.clear()
    committed = app.monitor.tp_committed_offsets
    for tp in app.consumer.assignment():
        offset = committed.get(tp)
        if offset is None:
            offset = await app.consumer.position(tp)
        if offset is not None:
            lag = max(app.consumer.highwater(tp) - offset, 0)
            CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(lag)


def add_pages(app: faust.App, refresh: Refresh | None = None) -> None:
    """``/health`` (alive), ``/ready`` (assigned and not rebalancing) and ``/metrics``."""

    @app.page("/health")
    async def health(web: View, request: Request) -> Response:
        return web.json({"status": "ok"})

    @app.page("/ready")
    async def ready(web: View, request: Request) -> Response:
        ok = not app.rebalancing and bool(app.consumer.assignment())
        return web.json({"ready": ok}, status=200 if ok else 503)

    @app.page("/metrics")
    async def metrics(web: View, request: Request) -> Response:
        await refresh_lag(app)
        if refresh is not None:
            await refresh()
        # aiohttp adds "charset=utf-8" itself and refuses it inside content_type
        return web.text(generate_latest().decode(), content_type="text/plain")
