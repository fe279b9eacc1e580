"""Shared pieces of the command line: the --broker option, settings, finding the broker."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import signal
import socket
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click

from pipeline.kafka.broker import BrokerError, EmbeddedBroker, free_port, wait_until_ready
from pipeline.kafka.broker_state import BrokerState, clear_state, live_broker, locked, write_state
from pipeline.kafka.reader import parse_start
from pipeline.poller.entry import FeedRefused, feed_source
from pipeline.settings import Settings
from pipeline.tail import KINDS

F = TypeVar("F", bound=Callable[..., Any])


class ConfigurationError(click.ClickException):
    """A setting that keeps a command from running: one line, and status 78 (EX_CONFIG), which
    a supervisor can tell from a failure that a restart may cure."""

    exit_code = 78


REACH_SECONDS = 5.0


def kinds_option(fn: F) -> F:
    return click.option(
        "--kind",
        "kinds",
        multiple=True,
        type=click.Choice([*KINDS, "all"]),
        help="Claims of this kind (repeatable; default: statement; all: every kind).",
    )(fn)


def claim_kinds(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """The claim kinds chosen with --kind: statements unless asked for others."""
    return KINDS if "all" in kinds else (kinds or ("statement",))


def broker_option(fn: F) -> F:
    return click.option(
        "--broker",
        metavar="HOST:PORT",
        help="Kafka bootstrap servers (default: NEWSWIRE_BROKER, else the embedded broker "
        "started by `newswire run` or `newswire broker`).",
    )(fn)


def settings_with(ctx: click.Context, **overrides: Any) -> Settings:
    settings: Settings = ctx.obj
    changes = {k: v for k, v in overrides.items() if v is not None}
    return settings.model_copy(update=changes) if changes else settings


def resolve_broker(settings: Settings) -> str:
    """The configured broker, else the running embedded one, once it answers.

    Never starts a new one; an unreachable broker is one clear error line.
    """
    if not settings.broker:
        check_embedded(settings)
    running = None if settings.broker else live_broker(settings.broker_state_file)
    found = settings.broker or (running.bootstrap if running else None)
    if found:
        try:
            ready = wait_until_ready(found, REACH_SECONDS, settings, starting=False)
            asyncio.run(ready)
        except BrokerError as exc:
            raise click.ClickException(str(exc)) from exc
        return found
    raise click.ClickException(
        "no Kafka broker: pass --broker HOST:PORT or set NEWSWIRE_BROKER, or start the "
        "embedded broker in another terminal with `newswire broker` (or `newswire run`)"
    )


def check_embedded(settings: Settings) -> None:
    """The embedded broker has no TLS and no SASL: refuse it when they are configured."""
    protocol = settings.kafka_security_protocol
    if protocol != "PLAINTEXT":
        raise ConfigurationError(
            f"NEWSWIRE_KAFKA_SECURITY_PROTOCOL={protocol} needs a Kafka broker (--broker HOST:PORT"
            " or NEWSWIRE_BROKER): the embedded broker speaks PLAINTEXT only"
        )


class own_broker:  # noqa: N801 - used like a function: with own_broker(settings, "run")
    """Start the data directory's embedded broker for the command ``owner``, record it, and on
    exit stop it and forget it. A broker of the data directory that still runs is refused with
    one line that says whose it is (``running`` has it, for a caller that can use it)."""

    def __init__(self, settings: Settings, owner: str, port: int = 0) -> None:
        self.settings = settings
        self.owner = owner
        log = settings.data_dir / "logs" / "broker.log"
        self.broker = EmbeddedBroker(port=port, log_path=log, bin_dir=settings.data_dir / "bin")

    def __enter__(self) -> EmbeddedBroker:
        check_embedded(self.settings)
        path = self.settings.broker_state_file
        with locked(path):
            running = live_broker(path)
            if running is not None:
                raise click.ClickException(already_running(self.settings, running))
            try:
                self.broker.start()
            except BrokerError as exc:
                raise click.ClickException(str(exc)) from exc
            assert self.broker.process is not None  # noqa: S101 - started just above
            write_state(path, self.broker.bootstrap, self.broker.process.pid, self.owner)
        return self.broker

    def __exit__(self, *exc: object) -> None:
        self.broker.stop()
        if self.broker.process is not None:
            clear_state(self.settings.broker_state_file, self.broker.process.pid)


def with_web_ports(settings: Settings, *fields: str) -> Settings:
    """``settings`` with each web port of ``fields`` free on the web host: a port set
    explicitly (``NEWSWIRE_WEB_PORT``, ...) that is taken is one error line, a default one is
    replaced by a free port."""
    chosen = {}
    for field in fields:
        port = getattr(settings, field)
        host = settings.newsroom_host if field == "newsroom_port" else settings.web_host
        if _bindable(host, port):
            continue
        if field in settings.model_fields_set:
            raise ConfigurationError(
                f"NEWSWIRE_{field.upper()}={port}: the port is in use on {host}"
            )
        chosen[field] = free_port(host)
        click.echo(
            f"newswire: port {port} is in use on {host}; serving "
            f"NEWSWIRE_{field.upper()} on {chosen[field]}",
            err=True,
        )
    return settings.model_copy(update=chosen) if chosen else settings


def check_web_token(settings: Settings) -> None:
    """The newsroom beyond loopback needs ``NEWSWIRE_WEB_TOKEN``: one error line without."""
    host = settings.newsroom_host
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not settings.web_token:
        raise ConfigurationError(
            f"the newsroom would listen on {host}, beyond loopback: set NEWSWIRE_WEB_TOKEN, which "
            "every request must then carry"
        )


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def registry_sources(settings: Settings, sources: list[str]) -> list[str]:
    """``sources`` as registry keys (http(s) URLs; local files only with NEWSWIRE_FEED_FILES,
    made absolute); one error line for the first that is not."""
    try:
        return [feed_source(source, settings.feed_files) for source in sources]
    except FeedRefused as exc:
        raise ConfigurationError(str(exc)) from None


def quiet_feed_warnings() -> None:
    """Leave a one-shot command's feed failures to its own report (the long-running poller
    logs them)."""
    logging.getLogger("pipeline.poller").setLevel(logging.ERROR)


def stop_while_starting(name: str) -> None:
    """Until the long-running command ``name`` takes over its stop signals, SIGINT or SIGTERM
    end it at once with its one stop line and status 0: it has started nothing to finish."""

    def stop(signum: int, frame: object) -> None:
        os.write(2, f"newswire {name}: stopping ({signal.Signals(signum).name})\n".encode())
        raise SystemExit(0)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)


def already_running(settings: Settings, running: BrokerState) -> str:
    return (
        f"the embedded broker of {settings.data_dir} is running: {running.describe()}; "
        "stop it first, or use another NEWSWIRE_DATA_DIR"
    )


class StartParam(click.ParamType):
    """A click parameter for ``parse_start``."""

    name = "beginning|end|TIME|OFFSET"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int | datetime):
            return value
        try:
            return parse_start(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
