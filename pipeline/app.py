"""The Faust app: configuration for a Kafka-protocol broker, the agents, and the worker."""

from __future__ import annotations

import asyncio
import logging

import faust

from agents.nlp import model_package
from agents.workers import Stages
from pipeline.clean_pool import CleanPool
from pipeline.kafka_security import broker_credentials
from pipeline.logs import json_logging_config
from pipeline.metrics import add_pages
from pipeline.nlp_pool import NlpPool
from pipeline.settings import Settings
from pipeline.topics import ensure_topics
from pipeline.transport import use_fetch_wait


def create_app(settings: Settings, bootstrap: str) -> faust.App:
    """A Faust app on ``bootstrap`` with raw values (records are decoded by the stages)."""
    datadir = settings.data_dir / "worker"
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        broker=[f"kafka://{host}" for host in bootstrap.split(",")],
        value_serializer="raw",
        broker_credentials=broker_credentials(settings),
        key_serializer="raw",
        autodiscover=False,
        store="memory://",
        datadir=str(datadir),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        # Tansu's end offset stops at its last batch's base offset + 1, below the offset a
        # global table has read when that batch holds several records, and Faust's check then
        # stops recovery for good. The tables live in memory, rebuilt from their changelogs.
        recovery_consistency_check=False,
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=max(settings.session_timeout / 3, 0.5),
        producer_max_request_size=settings.max_message_bytes,
        consumer_max_fetch_size=settings.max_message_bytes,
        producer_linger_ms=5,
        web_enabled=True,
        web_bind=settings.web_host,
        web_host=settings.web_host,
        web_port=settings.web_port,
        logging_config=json_logging_config(settings.log_level) if settings.log_json else None,
    )
    return use_fetch_wait(app, settings.consumer_fetch_wait)


def service_worker(app: faust.App, settings: Settings) -> faust.Worker:
    """A faust worker without its terminal spinner: at log levels of WARNING and above the
    spinner sets the root logger to DEBUG (to spin on every record), so every debug call of
    faust and aiokafka would build a log record on the hot path."""
    worker = faust.Worker(app, loglevel=settings.log_level, quiet=True)
    worker.spinner = None
    return worker


def run_worker(settings: Settings, bootstrap: str) -> None:
    """Run the enrichment agents until SIGINT/SIGTERM."""
    model_package(settings.model)  # fail now, not on the first batch
    asyncio.run(ensure_topics(bootstrap, settings))
    app = create_app(settings, bootstrap)
    cleaner = CleanPool(settings.fulltext_min_chars if settings.fulltext else None)
    pool = NlpPool(settings.model, settings.nlp_processes)
    Stages(app, settings, cleaner, pool)
    add_pages(app)
    try:
        service_worker(app, settings).execute_from_commandline()
    finally:
        cleaner.close()
        pool.close()
        logging.shutdown()
