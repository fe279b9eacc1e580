"""The ``newswire`` command line: thin commands over the pipeline's functions."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from pipeline import __version__
from pipeline.cli.feeds import feeds
from pipeline.cli.newsroom import search, store, web
from pipeline.cli.ops import deadletter, replay
from pipeline.cli.options import (
    ConfigurationError,
    StartParam,
    broker_option,
    check_web_token,
    claim_kinds,
    kinds_option,
    own_broker,
    quiet_feed_warnings,
    registry_sources,
    resolve_broker,
    settings_with,
    stop_while_starting,
    with_web_ports,
)
from pipeline.kafka.reader import Start
from pipeline.settings import Settings, unknown_variables
from pipeline.tail import STANCES

BUNDLED_FEEDS = sorted(str(p) for p in (Path(__file__).parents[1] / "demo_feeds").glob("*.xml"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newswire")
@click.pass_context
def main(ctx: click.Context) -> None:
    """newswire: news feeds -> Kafka -> clean text, entities, claims -> events.

    Configuration comes from NEWSWIRE_* environment variables (see the README);
    options override them.
    """
    for name, close in unknown_variables(os.environ):
        hint = f" (did you mean {close}?)" if close else ""
        click.echo(f"Warning: {name} is not a newswire setting{hint}", err=True)
    try:
        ctx.obj = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"NEWSWIRE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" if e["loc"] else e["msg"]
            for e in exc.errors()
        )
        raise ConfigurationError(f"bad configuration: {problems}") from exc


@main.command()
@broker_option
@click.option("--feed", "feeds", multiple=True, help="Feed URL or path (default: bundled feeds).")
@click.option("--json", "as_json", is_flag=True, help="Print each event as one JSON line.")
@click.option("--timeout", default=600.0, show_default=True, help="Give up after SECONDS.")
@click.option(
    "--fulltext", is_flag=True, help="Fetch the pages of short items (off: works offline)."
)
@kinds_option
@click.pass_context
def demo(
    ctx: click.Context,
    broker: str | None,
    feeds: tuple[str, ...],
    as_json: bool,
    timeout: float,
    fulltext: bool,
    kinds: tuple[str, ...],
) -> None:
    """Start the embedded broker and a worker, poll the feeds once, print the events, exit."""
    from pipeline.cli.demo import run_demo

    settings = settings_with(ctx, broker=broker, fulltext=fulltext)
    sources = list(feeds) or settings.feeds or BUNDLED_FEEDS
    code = run_demo(settings, sources, as_json, timeout, claim_kinds(kinds))
    sys.exit(code)


@main.command()
@broker_option
@click.option("--feed", "feeds", multiple=True, help="Feed URL or path to add (repeatable).")
@click.pass_context
def run(ctx: click.Context, broker: str | None, feeds: tuple[str, ...]) -> None:
    """Long-running: a poller, a worker, the store and the newsroom web page (starts the
    embedded broker if none is set)."""
    from pipeline.kafka.broker_state import Busy, held, live_broker
    from pipeline.supervisor import supervise

    settings = settings_with(ctx, broker=broker)
    check_web_token(settings)
    sources = registry_sources(settings, list(feeds) or settings.feeds)

    def say(line: str) -> None:
        click.echo(f"newswire run: {line}", err=True)

    added = f"{len(sources)} feed{'s' if len(sources) != 1 else ''}"
    registered = f"the registered feeds and {added} added" if sources else "the registered feeds"
    try:
        with held(settings.data_dir / "run.lock"):
            # ports are chosen once this is the data directory's only run
            settings = with_web_ports(settings, "web_port", "poller_web_port", "newsroom_port")
            running = None if settings.broker else live_broker(settings.broker_state_file)
            if settings.broker or (running and running.owner == "broker"):
                bootstrap = settings.broker or running.bootstrap  # type: ignore[union-attr]
                say(f"broker {bootstrap}; polling {registered}")
                sys.exit(supervise(settings, bootstrap, sources, say))
            with own_broker(settings, "run") as embedded:
                say(f"broker {embedded.bootstrap} (embedded, memory only); polling {registered}")
                code = supervise(settings, embedded.bootstrap, sources, say)
    except Busy as busy:
        raise click.ClickException(
            f"newswire run is already running for {settings.data_dir} (pid {busy.pid}); "
            "stop it first, or use another NEWSWIRE_DATA_DIR"
        ) from None
    sys.exit(code)


@main.command()
@broker_option
@click.pass_context
def worker(ctx: click.Context, broker: str | None) -> None:
    """Long-running: the enrichment agents (clean, tag, claims + event assembly)."""
    from agents.worker import run_worker
    from pipeline.stages.nlp import ModelNotInstalled, model_package

    stop_while_starting("worker")
    settings = with_web_ports(settings_with(ctx, broker=broker), "web_port")
    try:
        model_package(settings.model)
    except ModelNotInstalled as exc:
        raise ConfigurationError(str(exc)) from exc
    run_worker(settings, resolve_broker(settings))


@main.command()
@broker_option
@click.argument("sources", nargs=-1)
@click.option("--once", is_flag=True, help="Poll every due registered feed once, then exit.")
@click.option("--dry-run", is_flag=True, help="Print raw-article JSON lines; no broker needed.")
@click.pass_context
def poll(
    ctx: click.Context, broker: str | None, sources: tuple[str, ...], once: bool, dry_run: bool
) -> None:
    """Poll the registered feeds (plus SOURCES and NEWSWIRE_FEEDS, added to the registry).

    Long-running by default: instances in one group share the feeds through Kafka.
    --dry-run polls only SOURCES (or NEWSWIRE_FEEDS) once, with no registry and no state.
    """
    from pipeline.poller.once import poll_registry_once, poll_sources_once

    settings = settings_with(ctx, broker=broker)
    feeds = list(sources) or settings.feeds
    if dry_run or once:
        quiet_feed_warnings()  # reported below, once
    if dry_run:
        if not feeds:
            raise click.UsageError("--dry-run needs SOURCES or NEWSWIRE_FEEDS")

        async def print_article(article: Any) -> None:
            sys.stdout.buffer.write(article.to_json() + b"\n")

        report = asyncio.run(poll_sources_once(settings, feeds, print_article))
    elif once:
        feeds = registry_sources(settings, feeds)
        report = asyncio.run(poll_registry_once(resolve_broker(settings), settings, feeds))
    else:
        stop_while_starting("poll")
        from agents.poller import run_poller

        settings = with_web_ports(settings, "poller_web_port")
        run_poller(settings, resolve_broker(settings), registry_sources(settings, feeds))
        return
    for url, error in report.errors.items():
        click.echo(f"feed failed: {url}: {error}", err=True)
    click.echo(
        f"{report.polled} feeds polled, {report.emitted} items emitted, "
        f"{len(report.errors)} failed",
        err=True,
    )
    if report.polled and len(report.errors) == report.polled:
        sys.exit(1)


@main.command()
@broker_option
@click.option(
    "--topic",
    help="Topic to read: a short name (raw, events, ...) or a full one (default: events).",
)
@click.option(
    "--from",
    "start",
    type=StartParam(),
    default="end",
    show_default=True,
    help="beginning, end, an OFFSET (of every partition) or an ISO 8601 TIME "
    "(Kafka record timestamp; a time without zone is UTC).",
)
@click.option("--entity", help="Only events naming this entity (id or name, any case).")
@click.option("--claimant", help="Only claims whose claimant contains TEXT (text, id or name).")
@click.option("--stance", type=click.Choice(STANCES), help="Only claims with this stance.")
@click.option("--source", help="Only events whose source contains TEXT (any case).")
@click.option("--language", help="Only events in this language ('en' also matches 'en-gb').")
@click.option("--json", "as_json", is_flag=True, help="Print each message as one JSON line.")
@click.option("--meta", is_flag=True, help="Also key, partition, offset, timestamp and headers.")
@click.option("--all-claims", is_flag=True, help="Every claim of an event, not the first five.")
@kinds_option
@click.option("--group", help="Read as this consumer group: resume where it left off, commit.")
@click.option("--until-idle", type=float, help="Stop after SECONDS without a message.")
@click.pass_context
def tail(
    ctx: click.Context,
    broker: str | None,
    topic: str | None,
    start: Start,
    entity: str | None,
    claimant: str | None,
    stance: str | None,
    source: str | None,
    language: str | None,
    as_json: bool,
    meta: bool,
    all_claims: bool,
    kinds: tuple[str, ...],
    group: str | None,
    until_idle: float | None,
) -> None:
    """Print events (or any topic's messages) as they arrive, claims highlighted.

    Filters apply to events; with --claimant or --stance only the matching claims are shown.
    Without colours (output to a file or a pipe) each claim reads claimant → cue → content.
    """
    from pipeline.kafka.reader import GroupReader, MissingTopic, TopicReader
    from pipeline.tail import EventFilter, View, tail_topic

    settings = settings_with(ctx, broker=broker)
    if group and not isinstance(start, str):
        raise click.UsageError("--group resumes where the group left off: --from beginning or end")
    chosen = EventFilter(entity, claimant, stance, source, language, claim_kinds(kinds))
    styled = not click.utils.should_strip_ansi(sys.stdout, ctx.color)
    view = View(as_json, meta, styled, all_claims)
    bootstrap = resolve_broker(settings)
    topics = [settings.named_topic(topic or "events")]

    async def go() -> None:
        reader: TopicReader | GroupReader
        if group:
            reader = GroupReader(bootstrap, topics, settings, group, str(start))
            await reader.start()
        else:
            reader = TopicReader(bootstrap, topics, settings)
            await reader.start(at=start, wait=10)
        await tail_topic(reader, chosen, view, until_idle)

    try:
        asyncio.run(go())
    except MissingTopic as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@broker_option
@click.argument("action", type=click.Choice(["list", "create"]), default="list")
@click.pass_context
def topics(ctx: click.Context, broker: str | None, action: str) -> None:
    """List the broker's topics with partition counts, or create newswire's topics."""
    from pipeline.kafka.topics import describe_topics, ensure_topics

    settings = settings_with(ctx, broker=broker)
    bootstrap = resolve_broker(settings)
    if action == "create":
        created = asyncio.run(ensure_topics(bootstrap, settings))
        click.echo(f"created: {', '.join(created) or 'none (all exist)'}")
    for name, partitions in asyncio.run(describe_topics(bootstrap, settings)).items():
        click.echo(f"{name}\t{partitions} partitions")


@main.command()
@click.option("--port", type=int, default=0, help="Port on 127.0.0.1 (default: a free one).")
@click.pass_context
def broker(ctx: click.Context, port: int) -> None:
    """Run the embedded broker (Tansu, memory only) until Ctrl-C or SIGTERM."""
    settings: Settings = ctx.obj
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    with own_broker(settings, "broker", port) as embedded:
        click.echo(f"bootstrap: {embedded.bootstrap}")
        click.echo(f"address recorded in {settings.broker_state_file}", err=True)
        signal.sigwait(stop_signals)


@main.command()
@click.argument("source", default="-")
@click.option("--jsonl", is_flag=True, help="SOURCE holds JSON lines (raw records or documents).")
@click.option("--id", "article_id", help="Article id of a single file (default: its name).")
@click.option("--skip-clean", is_flag=True, help="Keep given text verbatim (offsets index it).")
@click.option(
    "--fulltext", is_flag=True, help="Fetch the pages of short feed items (as the worker does)."
)
@click.pass_context
def extract(
    ctx: click.Context,
    source: str,
    jsonl: bool,
    article_id: str | None,
    skip_clean: bool,
    fulltext: bool,
) -> None:
    """Run the stages without Kafka on a file or JSONL ('-' is stdin); print event JSON lines."""
    from pipeline.extract import InputError, Pages, from_file, from_jsonl, no_pages, run_chain
    from pipeline.pages.fetch import page_attacher
    from pipeline.stages.chain import Chain, CleanRules, Failure
    from pipeline.stages.nlp import shared_model
    from pipeline.stages.stories import StoryIndex

    settings: Settings = ctx.obj
    failures = 0

    def articles(pages: Pages) -> Any:
        nonlocal failures
        if not jsonl:
            try:
                yield from from_file(Path(source), article_id, skip_clean, pages)
            except (OSError, ValueError) as exc:
                raise click.ClickException(f"{source}: {exc}") from exc
            return
        stream = sys.stdin.buffer if source == "-" else Path(source).open("rb")  # noqa: SIM115
        with stream:
            for item in from_jsonl(stream, skip_clean, pages):
                if isinstance(item, InputError):
                    failures += 1
                    click.echo(f"skipped: {item}", err=True)
                else:
                    yield item

    if not jsonl and source == "-":
        raise click.UsageError("reading stdin needs --jsonl")
    out = sys.stdout.buffer
    rules = CleanRules(body_timeout=settings.body_timeout)  # pages are fetched, never awaited
    chain = Chain(shared_model(settings.model), rules, stories=StoryIndex(), aliases={})
    with page_attacher(settings) if fulltext else nullcontext(no_pages) as pages:
        for item, result in run_chain(chain, articles(pages)):
            if isinstance(result, Failure):
                failures += 1
                error = result.error
                click.echo(
                    f"failed: {item.id}: {result.stage}: {error.type}: {error.message}", err=True
                )
            else:
                out.write(result.value + b"\n")
    out.flush()
    if failures:
        sys.exit(1)


main.add_command(replay)
main.add_command(deadletter)
main.add_command(feeds)
main.add_command(store)
main.add_command(search)
main.add_command(web)
