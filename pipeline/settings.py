"""The one settings object, read from ``NEWSWIRE_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; every field maps to ``NEWSWIRE_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="NEWSWIRE_", frozen=True, extra="ignore")

    broker: str | None = Field(
        default=None,
        description="Kafka bootstrap HOST:PORT[,HOST:PORT]; unset means the embedded broker.",
    )
    topic_prefix: str = Field(default="news", description="Topics are PREFIX.raw, PREFIX.events...")
    partitions: int = Field(default=4, ge=1, description="Partitions of every topic created.")
    replication: int = Field(default=1, ge=1, description="Replication factor of created topics.")
    app_id: str = Field(default="newswire", description="Faust app id = the consumer group.")
    feeds: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated feed URLs or file paths."
    )
    poll_interval: float = Field(default=900.0, gt=0, description="Default seconds between polls.")
    poll_min_interval: float = Field(default=300.0, gt=0, description="Shortest adaptive interval.")
    poll_max_interval: float = Field(default=86400.0, gt=0, description="Longest interval/backoff.")
    fetch_connect_timeout: float = Field(default=10.0, gt=0, description="Feed connect timeout.")
    fetch_read_timeout: float = Field(default=20.0, gt=0, description="Feed read timeout.")
    fetch_total_timeout: float = Field(default=60.0, gt=0, description="Whole-fetch time limit.")
    fetch_max_bytes: int = Field(default=15 * 1024 * 1024, ge=1024, description="Feed body cap.")
    fetch_per_host: int = Field(default=2, ge=1, description="Concurrent fetches per host.")
    fetch_total: int = Field(default=16, ge=1, description="Concurrent fetches in all.")
    fetch_allow_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated private networks feeds may use, e.g. 127.0.0.0/8.",
    )
    feed_flag_after: int = Field(default=5, ge=1, description="Failures before a feed is flagged.")
    feed_seen_limit: int = Field(default=2000, ge=10, description="Item ids remembered per feed.")
    poller_web_port: int = Field(default=6067, ge=1, le=65535, description="Poller web port.")
    model: str = Field(default="en_core_web_sm", description="Installed spaCy model package.")
    nlp_processes: int = Field(default=1, ge=1, description="NLP processes per worker.")
    nlp_batch_size: int = Field(default=16, ge=1, description="Articles per NLP batch.")
    nlp_batch_seconds: float = Field(default=0.5, gt=0, description="Max wait to fill a batch.")
    session_timeout: float = Field(default=6.0, gt=0, description="Consumer session timeout (s).")
    max_message_bytes: int = Field(
        default=4 * 1024 * 1024, ge=65536, description="Largest message produced or fetched."
    )
    deadletter_payload_bytes: int = Field(
        default=256 * 1024, ge=1024, description="Dead-letter payloads are cut to this size."
    )
    web_host: str = Field(default="127.0.0.1", description="Worker web server bind address.")
    web_port: int = Field(default=6066, ge=1, le=65535, description="Worker web server port.")
    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("newswire")),
        description="Worker state and the embedded broker's address file.",
    )
    log_level: str = Field(default="WARNING", description="Log level of worker and CLI.")
    log_json: bool = Field(default=False, description="Worker and poller log JSON lines.")

    @field_validator("feeds", "fetch_allow_networks", mode="before")
    @classmethod
    def _split_feeds(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("broker")
    @classmethod
    def _check_broker(cls, value: str | None) -> str | None:
        for address in (value or "").split(","):
            host, _, port = address.strip().rpartition(":")
            if value and (not host or not port.isdigit() or "/" in host):
                raise ValueError(f"expected HOST:PORT[,HOST:PORT], got {value!r}")
        return value

    def to_env(self) -> dict[str, str]:
        """These settings as ``NEWSWIRE_*`` variables, for a child process."""
        env = {}
        for name, value in self.model_dump(exclude_none=True).items():
            text = ",".join(value) if isinstance(value, list) else str(value)
            env[f"NEWSWIRE_{name.upper()}"] = text
        return env

    def topic(self, name: str) -> str:
        """Full topic name of ``raw``, ``clean``, ``tagged``, ``events`` or ``deadletter``."""
        return f"{self.topic_prefix}.{name}"

    @property
    def broker_state_file(self) -> Path:
        return self.data_dir / "broker.json"
