"""The ``newswire`` command line: thin commands over the pipeline's functions."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from pipeline import __version__
from pipeline.broker import (
    BrokerError,
    EmbeddedBroker,
    clear_state,
    find_running,
    write_state,
)
from pipeline.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
BUNDLED_FEEDS = sorted(str(p) for p in (Path(__file__).parent / "feeds").glob("*.xml"))


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
    """The configured broker, else the running embedded one; never starts a new one."""
    if settings.broker:
        return settings.broker
    found = find_running(settings.broker_state_file)
    if found:
        return found
    raise click.ClickException(
        "no Kafka broker: pass --broker HOST:PORT or set NEWSWIRE_BROKER, or start the "
        "embedded broker in another terminal with `newswire broker` (or `newswire run`)"
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newswire")
@click.pass_context
def main(ctx: click.Context) -> None:
    """newswire: news feeds -> Kafka -> clean text, entities, claims -> events.

    Configuration comes from NEWSWIRE_* environment variables (see the README);
    options override them.
    """
    ctx.obj = Settings()


@main.command()
@broker_option
@click.option("--feed", "feeds", multiple=True, help="Feed URL or path (default: bundled feeds).")
@click.option("--json", "as_json", is_flag=True, help="Print each event as one JSON line.")
@click.option("--timeout", default=600.0, show_default=True, help="Give up after SECONDS.")
@click.pass_context
def demo(
    ctx: click.Context, broker: str | None, feeds: tuple[str, ...], as_json: bool, timeout: float
) -> None:
    """Start the embedded broker and a worker, poll the feeds once, print the events, exit."""
    from pipeline.demo import run_demo

    settings = settings_with(ctx, broker=broker)
    sources = list(feeds) or settings.feeds or BUNDLED_FEEDS
    code = run_demo(settings, sources, as_json=as_json, timeout=timeout)
    sys.exit(code)


@main.command()
@broker_option
@click.option("--feed", "feeds", multiple=True, help="Feed URL or path to poll (repeatable).")
@click.pass_context
def run(ctx: click.Context, broker: str | None, feeds: tuple[str, ...]) -> None:
    """Long-running: pollers and a worker (starts the embedded broker if none is set)."""
    from pipeline.app import run_worker

    settings = settings_with(ctx, broker=broker)
    sources = list(feeds) or settings.feeds
    if settings.broker:
        run_worker(settings, settings.broker, sources)
        return
    with _embedded(settings) as embedded:
        run_worker(settings, embedded.bootstrap, sources)


@main.command()
@broker_option
@click.pass_context
def worker(ctx: click.Context, broker: str | None) -> None:
    """Long-running: the enrichment agents (clean, tag, claims + event assembly)."""
    from pipeline.app import run_worker

    settings = settings_with(ctx, broker=broker)
    run_worker(settings, resolve_broker(settings))


@main.command()
@broker_option
@click.argument("sources", nargs=-1)
@click.option("--once", is_flag=True, help="Poll every feed once, then exit.")
@click.option("--dry-run", is_flag=True, help="Print raw-article JSON lines; no broker needed.")
@click.pass_context
def poll(
    ctx: click.Context, broker: str | None, sources: tuple[str, ...], once: bool, dry_run: bool
) -> None:
    """Poll feeds (SOURCES, else NEWSWIRE_FEEDS) and push new items to the raw topic."""
    from pipeline.pollers import Poller, kafka_emitter

    settings = settings_with(ctx, broker=broker)
    feeds = list(sources) or settings.feeds
    if not feeds:
        raise click.UsageError("no feeds: give SOURCES or set NEWSWIRE_FEEDS")

    async def print_article(article: Any) -> None:
        sys.stdout.buffer.write(article.to_json() + b"\n")

    async def go() -> None:
        if dry_run:
            report = await Poller(print_article).poll_once(feeds)
        else:
            async with kafka_emitter(resolve_broker(settings), settings) as emit:
                poller = Poller(emit)
                if not once:
                    await poller.run(feeds, settings.poll_interval)
                report = await poller.poll_once(feeds)
        click.echo(f"{report.emitted} items emitted, {len(report.errors)} feeds failed", err=True)

    asyncio.run(go())


@main.command()
@broker_option
@click.option("--topic", help="Topic to read (default: the events topic).")
@click.option(
    "--from",
    "start",
    type=click.Choice(["beginning", "end"]),
    default="end",
    show_default=True,
    help="Where to start reading.",
)
@click.option("--json", "as_json", is_flag=True, help="Print each message as one JSON line.")
@click.option("--until-idle", type=float, help="Stop after SECONDS without a message.")
@click.pass_context
def tail(
    ctx: click.Context,
    broker: str | None,
    topic: str | None,
    start: str,
    as_json: bool,
    until_idle: float | None,
) -> None:
    """Print events (or any topic's messages) as they arrive."""
    from pipeline.tail import TopicReader, format_event

    settings = settings_with(ctx, broker=broker)
    name = topic or settings.topic("events")
    pretty = not as_json and name == settings.topic("events")

    async def go() -> None:
        reader = TopicReader(resolve_broker(settings), [name], settings.max_message_bytes)
        await reader.start(from_beginning=start == "beginning")
        try:
            async for record in reader.records(until_idle):
                value = record.value or b""
                line = format_event(orjson.loads(value)) if pretty else value.decode()
                click.echo(line)
        finally:
            await reader.stop()

    asyncio.run(go())


@main.command()
@broker_option
@click.argument("action", type=click.Choice(["list", "create"]), default="list")
@click.pass_context
def topics(ctx: click.Context, broker: str | None, action: str) -> None:
    """List the broker's topics with partition counts, or create newswire's topics."""
    from pipeline.topics import describe_topics, ensure_topics

    settings = settings_with(ctx, broker=broker)
    bootstrap = resolve_broker(settings)
    if action == "create":
        created = asyncio.run(ensure_topics(bootstrap, settings))
        click.echo(f"created: {', '.join(created) or 'none (all exist)'}")
    for name, partitions in asyncio.run(describe_topics(bootstrap)).items():
        click.echo(f"{name}\t{partitions} partitions")


@main.command()
@click.option("--port", type=int, default=0, help="Port on 127.0.0.1 (default: a free one).")
@click.pass_context
def broker(ctx: click.Context, port: int) -> None:
    """Run the embedded broker (Tansu, memory only) until Ctrl-C or SIGTERM."""
    settings: Settings = ctx.obj
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    with _embedded(settings, port) as embedded:
        click.echo(f"bootstrap: {embedded.bootstrap}")
        click.echo(f"address recorded in {settings.broker_state_file}", err=True)
        signal.sigwait(stop_signals)


@main.command()
@click.argument("source", default="-")
@click.option("--jsonl", is_flag=True, help="SOURCE holds JSON lines (raw records or documents).")
@click.option("--id", "article_id", help="Article id of a single file (default: its name).")
@click.option("--skip-clean", is_flag=True, help="Keep given text verbatim (offsets index it).")
@click.pass_context
def extract(
    ctx: click.Context, source: str, jsonl: bool, article_id: str | None, skip_clean: bool
) -> None:
    """Run the stages without Kafka on a file or JSONL ('-' is stdin); print event JSON lines."""
    from agents.nlp import shared_model
    from pipeline.extract import InputError, enrich, from_file, from_jsonl

    settings: Settings = ctx.obj
    failures = 0

    def articles() -> Any:
        nonlocal failures
        if not jsonl:
            yield from from_file(Path(source), article_id, skip_clean)
            return
        stream = sys.stdin.buffer if source == "-" else Path(source).open("rb")  # noqa: SIM115
        with stream:
            for item in from_jsonl(stream, skip_clean):
                if isinstance(item, InputError):
                    failures += 1
                    click.echo(f"skipped: {item}", err=True)
                else:
                    yield item

    if not jsonl and source == "-":
        raise click.UsageError("reading stdin needs --jsonl")
    out = sys.stdout.buffer
    for event in enrich(shared_model(settings.model), articles()):
        out.write(event.to_json() + b"\n")
    out.flush()
    if failures:
        sys.exit(1)


class _embedded:
    """Start the embedded broker, record its address, and stop it (and forget it) on exit."""

    def __init__(self, settings: Settings, port: int = 0) -> None:
        self.settings = settings
        log = settings.data_dir / "broker.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.broker = EmbeddedBroker(port=port, log_path=log)

    def __enter__(self) -> EmbeddedBroker:
        try:
            self.broker.start()
        except BrokerError as exc:
            raise click.ClickException(str(exc)) from exc
        write_state(self.settings.broker_state_file, self.broker)
        return self.broker

    def __exit__(self, *exc: object) -> None:
        clear_state(self.settings.broker_state_file, self.broker)
        self.broker.stop()


if __name__ == "__main__":
    main()
