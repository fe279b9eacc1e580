"""Shared fixtures: the spaCy model, the ../shared data folder and the embedded broker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from spacy.language import Language

from pipeline.kafka.broker import EmbeddedBroker, free_port
from pipeline.settings import Settings
from pipeline.stages.nlp import load_model

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def nlp() -> Language:
    return load_model("en_core_web_sm")


@pytest.fixture(scope="session")
def shared_data() -> Iterator[Path]:
    data = SHARED / "data"
    if not data.is_dir():
        pytest.skip(f"shared data not found at {data}")
    yield data


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One embedded Tansu broker on 127.0.0.1 for the whole session."""
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    with EmbeddedBroker(log_path=log) as embedded:
        yield embedded.bootstrap


def fresh_settings(broker: str, data_dir: Path, **overrides: object) -> Settings:
    """Settings with a fresh topic prefix and consumer group, so tests never share state."""
    uid = uuid.uuid4().hex[:10]
    values: dict[str, object] = {
        "broker": broker,
        "topic_prefix": f"t{uid}",
        "app_id": f"newswire-{uid}",
        "data_dir": data_dir,
        "partitions": 2,
        "web_port": free_port(),
        "nlp_batch_seconds": 0.2,
        "fulltext": False,  # feed fixtures link to the internet; full-text tests turn it on
        "log_level": "INFO",
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(broker: str, tmp_path: Path) -> Settings:
    return fresh_settings(broker, tmp_path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the embedded broker, so `make unit` can leave them out."""
    for item in items:
        if "broker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.broker)
