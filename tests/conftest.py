"""Shared fixtures: the spaCy model, the ../shared data folder, the embedded broker and a
PostgreSQL server.

Tests that read ``../shared`` are marked ``shared``: the corpus quality floors, the edge-case
feed corpus and the news feeds. A clone without ``../shared`` skips them; under ``CI=true``
(CI always has it) a missing ``../shared`` fails them instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from spacy.language import Language

from pipeline.kafka.broker import EmbeddedBroker
from pipeline.settings import Settings
from pipeline.stages.nlp import load_model
from tests.support.kafka import fresh_settings
from tests.support.postgres import postgres_server
from tests.support.shared import SHARED_DATA


@pytest.fixture(scope="session")
def nlp() -> Language:
    return load_model("en_core_web_sm")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        message = f"shared data not found at {SHARED_DATA}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (CI=true: CI always has ../shared)")
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One embedded Tansu broker on 127.0.0.1 for the whole session (of each pytest process)."""
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    with EmbeddedBroker(log_path=log) as embedded:
        yield embedded.bootstrap


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One PostgreSQL server (pgserver) for the whole session: its URL."""
    with postgres_server(tmp_path_factory.mktemp("postgres")) as url:
        yield url


@pytest.fixture
def settings(broker: str, tmp_path: Path) -> Settings:
    return fresh_settings(broker, tmp_path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that use the embedded broker (``make unit`` leaves them out) and those
    that read ``../shared``."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "broker" in fixtures:
            item.add_marker(pytest.mark.broker)
        if "shared_data" in fixtures:
            item.add_marker(pytest.mark.shared)
