"""``newswire feeds``: the feed registry (the compacted PREFIX.feeds topic, keyed by URL)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click
import orjson
from pydantic import ValidationError

from pipeline.cli.options import broker_option, resolve_broker, settings_with
from pipeline.poller.registry import (
    opml,
    publish,
    read_feed_file,
    read_registry,
    read_states,
    register,
    remove,
)
from pipeline.poller.report import feed_rows, format_rows
from pipeline.records import FeedConfig
from pipeline.settings import Settings


@click.group()
def feeds() -> None:
    """The feed registry (the compacted PREFIX.feeds topic, keyed by URL)."""


@feeds.command("add")
@broker_option
@click.argument("urls", nargs=-1)
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A plain list (one URL per line, # comments) or an OPML export (repeatable).",
)
@click.option("--interval", type=float, help="Seconds between polls (default: adaptive).")
@click.option("--title", help="Title of the feed (one URL only; default: the feed's own).")
@click.option("--disabled", is_flag=True, help="Register without polling it.")
@click.option("--fulltext", is_flag=True, help="Fetch every item's page, however long its text.")
@click.option("--no-check", is_flag=True, help="Register new feeds without fetching them first.")
@click.pass_context
def feeds_add(
    ctx: click.Context,
    broker: str | None,
    urls: tuple[str, ...],
    files: tuple[str, ...],
    interval: float | None,
    title: str | None,
    disabled: bool,
    fulltext: bool,
    no_check: bool,
) -> None:
    """Add or update feeds (http(s) URLs, list files or OPML files).

    Each new feed is fetched once and refused unless it is a feed; a web page that advertises
    its feed is registered as that feed. Local files are accepted only with
    NEWSWIRE_FEED_FILES=true (the poller then reads its host's disk).
    """
    settings = settings_with(ctx, broker=broker)
    entries = [(url, title) for url in urls]
    for name in files:
        entries += read_feed_file(Path(name))
    if not entries:
        raise click.UsageError("give feed URLs or --file")
    options = {"interval": interval, "enabled": not disabled, "fulltext": fulltext}
    bootstrap = resolve_broker(settings)
    done, refused = asyncio.run(register(bootstrap, settings, entries, options, not no_check))
    for registered in done:
        found = "" if registered.items is None else f": {registered.items} items"
        via = f" (advertised by {registered.advertised_by})" if registered.advertised_by else ""
        click.echo(f"registered {registered.config.url}{via}{found}")
    for reason in refused:
        click.echo(f"refused: {reason}", err=True)
    click.echo(f"{len(done)} feeds registered, {len(refused)} refused", err=True)
    if refused:
        sys.exit(1)


@feeds.command("remove")
@broker_option
@click.argument("urls", nargs=-1, required=True)
@click.pass_context
def feeds_remove(ctx: click.Context, broker: str | None, urls: tuple[str, ...]) -> None:
    """Remove feeds from the registry; say which were not registered."""
    settings = settings_with(ctx, broker=broker)
    bootstrap = resolve_broker(settings)
    known = asyncio.run(read_registry(bootstrap, settings))
    unknown = [url for url in urls if url not in known]
    count = asyncio.run(remove(bootstrap, settings, [u for u in urls if u in known]))
    for url in unknown:
        click.echo(f"not registered: {url}", err=True)
    click.echo(f"{count} feeds removed", err=True)
    if unknown:
        sys.exit(1)


@feeds.command("list")
@broker_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@click.pass_context
def feeds_list(ctx: click.Context, broker: str | None, as_json: bool) -> None:
    """Every registered feed with its status, last success, next poll, errors and item rate."""
    settings = settings_with(ctx, broker=broker)
    bootstrap = resolve_broker(settings)
    registry = asyncio.run(read_registry(bootstrap, settings))
    states = asyncio.run(read_states(bootstrap, settings))
    rows = feed_rows(registry, states)
    if as_json:
        for row in rows:
            click.echo(orjson.dumps(row).decode())
    else:
        click.echo(format_rows(rows))


@feeds.command("export")
@broker_option
@click.pass_context
def feeds_export(ctx: click.Context, broker: str | None) -> None:
    """Print the registry as an OPML subscription list (feed readers import it)."""
    settings = settings_with(ctx, broker=broker)
    registry = asyncio.run(read_registry(resolve_broker(settings), settings))
    sys.stdout.buffer.write(opml(registry.values()))


@feeds.command("refresh")
@broker_option
@click.argument("urls", nargs=-1, required=True)
@click.pass_context
def feeds_refresh(ctx: click.Context, broker: str | None, urls: tuple[str, ...]) -> None:
    """Have the poller poll these feeds now."""
    now = datetime.now(UTC)
    _update(ctx, broker, urls, lambda config: {"refresh_requested_at": now}, "refresh asked for")


@feeds.command("edit")
@broker_option
@click.argument("url")
@click.option("--interval", type=float, help="Seconds between polls.")
@click.option("--adaptive", is_flag=True, help="Poll at the adaptive interval again.")
@click.option("--title", help="The feed's title.")
@click.option("--fulltext/--no-fulltext", default=None, help="Fetch every item's page, or not.")
@click.option("--enable/--disable", default=None, help="Poll it, or keep it registered only.")
@click.pass_context
def feeds_edit(
    ctx: click.Context,
    broker: str | None,
    url: str,
    interval: float | None,
    adaptive: bool,
    title: str | None,
    fulltext: bool | None,
    enable: bool | None,
) -> None:
    """Change a registered feed's interval, title, full text or whether it is polled."""
    if interval is not None and adaptive:
        raise click.UsageError("--interval and --adaptive exclude each other")
    changes: dict[str, object] = {
        k: v
        for k, v in {
            "interval": interval,
            "title": title,
            "fulltext": fulltext,
            "enabled": enable,
        }.items()
        if v is not None
    }
    if adaptive:
        changes["interval"] = None
    if not changes:
        raise click.UsageError("say what to change (see --help)")
    _update(ctx, broker, (url,), lambda config: changes, "edited")


def _update(
    ctx: click.Context,
    broker: str | None,
    urls: tuple[str, ...],
    changes: Callable[[FeedConfig], dict[str, object]],
    done: str,
) -> None:
    """Publish each registered feed of ``urls`` with ``changes(config)``; unknown ones fail."""
    settings: Settings = settings_with(ctx, broker=broker)
    bootstrap = resolve_broker(settings)
    known = asyncio.run(read_registry(bootstrap, settings))
    unknown = [url for url in urls if url not in known]
    if unknown:
        raise click.ClickException(f"not registered: {', '.join(unknown)}")
    try:
        configs = [
            FeedConfig.model_validate(known[url].model_dump() | changes(known[url])) for url in urls
        ]
    except ValidationError as exc:
        raise click.ClickException(str(exc.errors()[0]["msg"])) from None
    asyncio.run(publish(bootstrap, settings, configs))
    click.echo(f"{done} {len(configs)} feeds", err=True)
