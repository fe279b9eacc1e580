"""The producer every newswire process sends with (all replicas acknowledge)."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from pipeline.kafka.security import client_options
from pipeline.settings import Settings


def producer(bootstrap: str, settings: Settings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        max_request_size=settings.max_message_bytes,
        linger_ms=5,
        acks="all",
        **client_options(settings),
    )
