"""The worker's logging leaves debug records unbuilt on the hot path."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from agents.app import create_app, service_worker
from pipeline.settings import Settings


@pytest.fixture
def root_logging() -> Iterator[None]:
    """The root logger's level and handlers as they were before the test."""
    level, handlers = logging.root.level, list(logging.root.handlers)
    yield
    logging.root.setLevel(level)
    logging.root.handlers[:] = handlers


@pytest.mark.usefixtures("root_logging")
def test_at_warning_level_no_debug_record_of_faust_or_aiokafka_is_built() -> None:
    settings = Settings(log_level="WARNING")
    worker = service_worker(create_app(settings, "127.0.0.1:9", embedded=False), settings, "worker")
    worker.redirect_stdouts = False
    worker._setup_logging()
    for name in ("faust.topics", "aiokafka.producer.producer", "aiokafka.consumer.fetcher"):
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG)
    assert logging.getLogger("faust").isEnabledFor(logging.WARNING)
