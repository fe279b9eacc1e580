"""The Faust app: configuration for a Kafka-protocol broker, the agents, and the worker."""

from __future__ import annotations

import asyncio
import logging

import faust

from agents.workers import Stages
from pipeline.nlp_pool import NlpPool
from pipeline.pollers import Poller, route
from pipeline.records import RawArticle
from pipeline.settings import Settings
from pipeline.topics import ensure_topics


def create_app(settings: Settings, bootstrap: str) -> faust.App:
    """A Faust app on ``bootstrap`` with raw values (records are decoded by the stages)."""
    return faust.App(
        settings.app_id,
        broker=[f"kafka://{host}" for host in bootstrap.split(",")],
        value_serializer="raw",
        key_serializer="raw",
        autodiscover=False,
        store="memory://",
        datadir=str(settings.data_dir / "worker"),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=max(settings.session_timeout / 3, 0.5),
        producer_max_request_size=settings.max_message_bytes,
        consumer_max_fetch_size=settings.max_message_bytes,
        producer_linger_ms=5,
        web_enabled=True,
        web_bind=settings.web_host,
        web_host=settings.web_host,
        web_port=settings.web_port,
        logging_config=None,
    )


def add_poller(app: faust.App, settings: Settings, sources: list[str]) -> None:
    """Poll ``sources`` every ``poll_interval`` seconds inside the worker."""

    async def emit(article: RawArticle) -> None:
        topic, key, value = route(article, settings)
        await app.topic(topic).send(key=key, value=value)

    poller = Poller(emit)

    async def poll_feeds() -> None:
        await poller.run(sources, settings.poll_interval)

    app.task(poll_feeds)


def run_worker(settings: Settings, bootstrap: str, sources: list[str] | None = None) -> None:
    """Run the enrichment agents (and pollers of ``sources``) until SIGINT/SIGTERM."""
    asyncio.run(ensure_topics(bootstrap, settings))
    app = create_app(settings, bootstrap)
    pool = NlpPool(settings.model, processes=settings.nlp_processes)
    Stages(app, settings, pool)
    if sources:
        add_poller(app, settings, sources)
    try:
        worker = faust.Worker(app, loglevel=settings.log_level, quiet=True)
        worker.execute_from_commandline()
    finally:
        pool.close()
        logging.shutdown()
