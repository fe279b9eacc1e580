"""The one settings object, read from ``NEWSWIRE_*`` environment variables."""

from __future__ import annotations

import difflib
import ipaddress
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, Self

from platformdirs import user_data_dir
from pydantic import Field, FilePath, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from pipeline.records import TOPIC_RECORDS


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
    feed_files: bool = Field(
        default=False,
        description="Local files (paths, file:// URLs) may be registered as feeds: the poller "
        "then reads its host's disk.",
    )
    feed_flag_after: int = Field(default=5, ge=1, description="Failures before a feed is flagged.")
    feed_seen_limit: int = Field(default=2000, ge=10, description="Item ids remembered per feed.")
    fulltext: bool = Field(default=True, description="Fetch article pages of short feed items.")
    fulltext_min_chars: int = Field(
        default=800, ge=0, description="Feed text shorter than this gets its page fetched."
    )
    fulltext_robots: bool = Field(default=True, description="Obey robots.txt for article pages.")
    page_max_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, description="Article page body cap (bytes)."
    )
    page_concurrency: int = Field(default=8, ge=1, description="Pages fetched at once per worker.")
    body_timeout: float = Field(
        default=10.0, gt=0, description="Longest body extraction of one page (s)."
    )
    story_window_days: float = Field(
        default=7.0, gt=0, description="Days an article is remembered for duplicate detection."
    )
    poller_web_port: int = Field(default=6067, ge=1, le=65535, description="Poller web port.")
    model: str = Field(default="en_core_web_sm", description="Installed spaCy model package.")
    clean_batch_size: int = Field(default=16, ge=1, description="Items per clean batch.")
    clean_batch_seconds: float = Field(
        default=0.02, gt=0, description="Max wait to fill a clean batch."
    )
    nlp_processes: int = Field(default=1, ge=1, description="NLP processes per worker.")
    nlp_batch_size: int = Field(default=16, ge=1, description="Articles per NLP batch.")
    nlp_batch_seconds: float = Field(default=0.1, gt=0, description="Max wait to fill a batch.")
    nlp_job_bytes: int = Field(
        default=40_000, ge=1, description="A batch is cut into NLP jobs of about this many bytes."
    )
    consumer_fetch_wait: float | None = Field(
        default=None,
        gt=0,
        le=1.5,
        description="Longest the broker may hold a worker's fetch (s); unset: 0.1 with the "
        "embedded broker (which holds every fetch that long), Faust's 1.5 with Kafka.",
    )
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
    store_url: str | None = Field(
        default=None,
        description="Where ``store`` keeps events: postgresql://USER:PASSWORD@HOST/DB, or "
        "sqlite:///PATH; unset means SQLite in the data directory.",
    )
    newsroom_host: str = Field(default="127.0.0.1", description="``newswire web`` bind address.")
    newsroom_port: int = Field(default=6080, ge=1, le=65535, description="``newswire web`` port.")
    web_token: SecretStr | None = Field(
        default=None,
        description="The token every request to ``newswire web`` must carry when it listens "
        "beyond loopback.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="WARNING", description="Log level of the worker and the poller."
    )
    log_json: bool = Field(default=False, description="Worker and poller log JSON lines.")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", description="Kafka transport: TLS (SSL), SASL login, both, neither."
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        default="PLAIN", description="SASL mechanism of the Kafka login."
    )
    kafka_sasl_username: str | None = Field(default=None, description="SASL user name.")
    kafka_sasl_password: SecretStr | None = Field(default=None, description="SASL password.")
    kafka_ssl_cafile: FilePath | None = Field(
        default=None, description="PEM CA bundle for the broker's certificate (default: system's)."
    )
    kafka_ssl_certfile: FilePath | None = Field(
        default=None, description="PEM client certificate (mutual TLS)."
    )
    kafka_ssl_keyfile: FilePath | None = Field(
        default=None, description="PEM key of the client certificate, if not in the certfile."
    )
    kafka_ssl_check_hostname: bool = Field(
        default=True, description="Check that the broker's certificate names the host."
    )

    @field_validator("feeds", "fetch_allow_networks", mode="before")
    @classmethod
    def _split_feeds(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("store_url")
    @classmethod
    def _check_store_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql://", "postgres://", "sqlite:///")):
            raise ValueError(f"expected postgresql://... or sqlite:///PATH, got {value!r}")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("fetch_allow_networks")
    @classmethod
    def _check_networks(cls, value: list[str]) -> list[str]:
        for cidr in value:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ValueError(f"{cidr!r} is not a network such as 127.0.0.0/8") from None
        return value

    @field_validator("broker")
    @classmethod
    def _check_broker(cls, value: str | None) -> str | None:
        for address in (value or "").split(","):
            host, _, port = address.strip().rpartition(":")
            if value and (not host or not port.isdigit() or "/" in host):
                raise ValueError(f"expected HOST:PORT[,HOST:PORT], got {value!r}")
        return value

    @model_validator(mode="after")
    def _check_kafka_security(self) -> Self:
        protocol = self.kafka_security_protocol
        sasl = [self.kafka_sasl_username, self.kafka_sasl_password]
        tls = [self.kafka_ssl_cafile, self.kafka_ssl_certfile, self.kafka_ssl_keyfile]
        if protocol.startswith("SASL_") and not all(sasl):
            raise ValueError(
                f"NEWSWIRE_KAFKA_SECURITY_PROTOCOL={protocol} needs NEWSWIRE_KAFKA_SASL_USERNAME "
                "and NEWSWIRE_KAFKA_SASL_PASSWORD"
            )
        if not protocol.startswith("SASL_") and any(sasl):
            raise ValueError(
                f"a SASL user or password is set but NEWSWIRE_KAFKA_SECURITY_PROTOCOL={protocol}"
                " does not log in: use SASL_SSL (or SASL_PLAINTEXT)"
            )
        if not protocol.endswith("SSL") and any(tls):
            raise ValueError(
                f"a TLS file is set but NEWSWIRE_KAFKA_SECURITY_PROTOCOL={protocol} has no TLS:"
                " use SSL or SASL_SSL"
            )
        if self.kafka_ssl_keyfile and not self.kafka_ssl_certfile:
            raise ValueError("NEWSWIRE_KAFKA_SSL_KEYFILE needs NEWSWIRE_KAFKA_SSL_CERTFILE")
        try:
            self.kafka_ssl_context()
        except OSError as exc:  # ssl.SSLError included
            raise ValueError(f"the NEWSWIRE_KAFKA_SSL_* files do not load: {exc}") from exc
        return self

    def kafka_ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context of SSL and SASL_SSL (the system's CAs unless a CA file is set)."""
        if not self.kafka_security_protocol.endswith("SSL"):
            return None
        cafile = self.kafka_ssl_cafile
        context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
        if self.kafka_ssl_certfile:
            # An encrypted key fails to load rather than prompting for its passphrase.
            context.load_cert_chain(self.kafka_ssl_certfile, self.kafka_ssl_keyfile, password="")
        context.check_hostname = self.kafka_ssl_check_hostname
        return context

    def to_env(self) -> dict[str, str]:
        """These settings as ``NEWSWIRE_*`` variables, for a child process."""
        env = {}
        for name, value in self.model_dump(exclude_none=True).items():
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            text = ",".join(value) if isinstance(value, list) else str(value)
            env[f"NEWSWIRE_{name.upper()}"] = text
        return env

    def topic(self, name: str) -> str:
        """Full topic name of ``raw``, ``clean``, ``tagged``, ``events`` or ``deadletter``."""
        return f"{self.topic_prefix}.{name}"

    def named_topic(self, name: str) -> str:
        """A topic a person names: a pipeline topic by its short name (``raw``, ``events``),
        any other by its full name."""
        return self.topic(name) if name in TOPIC_RECORDS else name

    @property
    def store_path(self) -> Path:
        """The SQLite file of the store (unless ``store_url`` names PostgreSQL)."""
        url = self.store_url or ""
        return Path(url.removeprefix("sqlite://")) if url else self.data_dir / "store.sqlite3"

    @property
    def broker_state_file(self) -> Path:
        return self.data_dir / "broker.json"


def unknown_variables(environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """The ``NEWSWIRE_*`` variables of ``environ`` that no setting reads, each with the
    closest setting's variable (a likely typo), if any."""
    known = [f"NEWSWIRE_{name.upper()}" for name in Settings.model_fields]
    return [
        (name, next(iter(difflib.get_close_matches(name, known, n=1, cutoff=0.8)), None))
        for name in sorted(environ)
        if name.startswith("NEWSWIRE_") and name not in known
    ]
