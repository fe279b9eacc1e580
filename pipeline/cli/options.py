"""Shared pieces of the command line: the --broker option, settings, finding the broker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click

from pipeline.kafka.broker import (
    BrokerError,
    EmbeddedBroker,
    clear_state,
    find_running,
    wait_until_ready,
    write_state,
)
from pipeline.kafka.reader import parse_start
from pipeline.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
REACH_SECONDS = 5.0


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
    found = settings.broker or find_running(settings.broker_state_file)
    if found:
        try:
            asyncio.run(wait_until_ready(found, timeout=REACH_SECONDS, settings=settings))
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
        raise click.ClickException(
            f"NEWSWIRE_KAFKA_SECURITY_PROTOCOL={protocol} needs a Kafka broker (--broker HOST:PORT"
            " or NEWSWIRE_BROKER): the embedded broker speaks PLAINTEXT only"
        )


class own_broker:  # noqa: N801 - used like a function: with own_broker(settings)
    """Start the embedded broker, record its address, and stop it (and forget it) on exit."""

    def __init__(self, settings: Settings, port: int = 0) -> None:
        self.settings = settings
        log = settings.data_dir / "broker.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.broker = EmbeddedBroker(port=port, log_path=log)

    def __enter__(self) -> EmbeddedBroker:
        check_embedded(self.settings)
        try:
            self.broker.start()
        except BrokerError as exc:
            raise click.ClickException(str(exc)) from exc
        write_state(self.settings.broker_state_file, self.broker)
        return self.broker

    def __exit__(self, *exc: object) -> None:
        clear_state(self.settings.broker_state_file, self.broker)
        self.broker.stop()


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
