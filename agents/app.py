"""The Faust app of the worker and the poller: configuration for a Kafka-protocol broker."""

from __future__ import annotations

import faust
from faust.types.auth import CredentialsT

from agents.faust_repairs import RepairedWorker, app_options, use_repairs
from pipeline.kafka.broker import fetch_wait
from pipeline.logs import json_logging_config
from pipeline.settings import Settings


def create_app(settings: Settings, bootstrap: str, embedded: bool) -> faust.App:
    """A Faust app on ``bootstrap`` with raw values (records are decoded by the stages) and
    the repairs of ``agents.faust_repairs``; ``embedded``: the broker is the embedded one."""
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
        **app_options(embedded),
    )
    return use_repairs(app, fetch_wait(settings, embedded))


def service_worker(app: faust.App, settings: Settings, name: str) -> faust.Worker:
    """The Faust worker that runs ``app`` as ``newswire NAME``, stopped by SIGINT or SIGTERM
    (``agents.faust_repairs.RepairedWorker``)."""
    return RepairedWorker(app, name, loglevel=settings.log_level)


def broker_credentials(settings: Settings) -> CredentialsT | None:
    """The same options as Faust's ``broker_credentials`` (SASL_SSL: SASL with a TLS context)."""
    context = settings.kafka_ssl_context()
    if settings.kafka_sasl_username and settings.kafka_sasl_password:
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password.get_secret_value(),
            mechanism=settings.kafka_sasl_mechanism,
            ssl_context=context,
        )
    return faust.SSLCredentials(context) if context is not None else None
