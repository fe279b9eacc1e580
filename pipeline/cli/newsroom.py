"""The newsroom commands: ``store`` (events into a database), ``search`` (the store, from the
command line) and ``web`` (the store in a browser)."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import datetime
from typing import TYPE_CHECKING

import click
import orjson

from pipeline.cli.options import (
    ConfigurationError,
    StartParam,
    broker_option,
    check_web_token,
    claim_kinds,
    kinds_option,
    resolve_broker,
    settings_with,
    stop_while_starting,
)
from pipeline.settings import Settings
from pipeline.store.query import STANCES, Search

if TYPE_CHECKING:
    from pipeline.store.base import Store, Written


def connect(settings: Settings) -> Store:
    """The configured store, or one line saying why it cannot be opened (status 78)."""
    from pipeline.store.configured import open_store

    try:
        return open_store(settings)
    except Exception as exc:  # noqa: BLE001 - sqlite3 and psycopg errors alike
        where = settings.store_url or settings.store_path
        raise ConfigurationError(f"cannot open the store at {where}: {exc}") from exc


@click.command()
@broker_option
@click.pass_context
def store(ctx: click.Context, broker: str | None) -> None:
    """Long-running: write every event of news.events into the store.

    SQLite in the data directory, or the database NEWSWIRE_STORE_URL names
    (postgresql://...). Safe to restart: it resumes from its committed offsets and keeps
    each event once.
    """
    from pipeline.ingest import ingest, store_group

    stop_while_starting("store")
    settings = settings_with(ctx, broker=broker)
    bootstrap = resolve_broker(settings)
    db = connect(settings)
    click.echo(
        f"store: {db}, reading {settings.topic('events')} as {store_group(settings)}", err=True
    )
    totals = {"added": 0, "replaced": 0, "skipped": 0}

    def count(written: Written) -> None:
        for name in totals:
            totals[name] += getattr(written, name)

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await ingest(settings, bootstrap, db, stop, count)

    try:
        asyncio.run(go())
    finally:
        db.close()
    click.echo(
        "newswire store: stopped; {added} events added, {replaced} replaced, "
        "{skipped} already stored".format(**totals),
        err=True,
    )


@click.command()
@click.argument("text", default="")
@click.option("--entity", help="Only events naming this entity (id or name, any case).")
@click.option("--claimant", help="Only events with a claim by this claimant (key, name, text).")
@click.option(
    "--stance", type=click.Choice(STANCES), help="Only events with a claim of this stance."
)
@click.option(
    "--hedged/--not-hedged", default=None, help="Only events with a hedged claim (or not)."
)
@click.option(
    "--anonymous", is_flag=True, default=None, help="Only events with an anonymous claim."
)
@click.option("--source", help="Only events whose source contains TEXT (any case).")
@click.option("--language", help="Only events in this language ('en' also matches 'en-gb').")
@click.option("--story", help="Only the copies of this story (a story or article id).")
@click.option("--since", type=StartParam(), help="Published (else fetched) at or after TIME.")
@click.option("--until", type=StartParam(), help="Published (else fetched) before TIME.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Page number.")
@click.option(
    "--json", "as_json", is_flag=True, help="One stored event per line, as on news.events."
)
@kinds_option
@click.pass_context
def search(
    ctx: click.Context,
    text: str,
    entity: str | None,
    claimant: str | None,
    stance: str | None,
    hedged: bool | None,
    anonymous: bool | None,
    source: str | None,
    language: str | None,
    story: str | None,
    since: object,
    until: object,
    limit: int,
    page: int,
    as_json: bool,
    kinds: tuple[str, ...],
) -> None:
    """Search the stored events, newest first: TEXT in titles and texts (every word; empty
    matches all), and every filter given."""
    from pipeline.tail import EventFilter, format_event

    for name, value in (("--since", since), ("--until", until)):
        if value is not None and not isinstance(value, datetime):
            raise click.BadParameter("expected an ISO 8601 time", param_hint=name)
    query = Search(
        text=text,
        entity=entity,
        claimant=claimant,
        stance=stance,
        hedged=hedged,
        anonymous=anonymous,
        source=source,
        language=language,
        story=story,
        since=since if isinstance(since, datetime) else None,
        until=until if isinstance(until, datetime) else None,
        limit=limit,
        offset=(page - 1) * limit,
    )
    db = connect(settings_with(ctx))
    try:
        hits = db.search(query)
    finally:
        db.close()
    shown = EventFilter(claimant=claimant, stance=stance, kinds=claim_kinds(kinds))
    styled = not click.utils.should_strip_ansi(sys.stdout, ctx.color)
    for hit in hits:
        if as_json:
            sys.stdout.buffer.write(hit.body + b"\n")
        else:
            event = orjson.loads(hit.body)
            click.echo(format_event(event, shown.claims(event), 5, styled) + "\n")
    sys.stdout.flush()
    if not as_json:
        more = " (--page for more)" if len(hits) == limit else ""
        click.echo(f"{len(hits)} events{more}", err=True)


@click.command()
@broker_option
@click.option("--host", help="Bind address (default: NEWSWIRE_NEWSROOM_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default: 6080; 0: a free one).")
@click.pass_context
def web(ctx: click.Context, broker: str | None, host: str | None, port: int | None) -> None:
    """Long-running: the newsroom, the stored events in a browser, and its JSON API.

    Its first line is `web: http://HOST:PORT/`. Pages: live events, search, entities,
    claimants, stories, feeds, pipeline. Beyond loopback every request must carry
    NEWSWIRE_WEB_TOKEN (`?token=` once, then a cookie; or `Authorization: Bearer`).
    """
    from aiohttp import web as aioweb

    from pipeline.newsroom.app import make_app

    stop_while_starting("web")
    settings = settings_with(ctx, broker=broker, newsroom_host=host, newsroom_port=port)
    check_web_token(settings)
    db = connect(settings)
    try:
        bootstrap: str | None = resolve_broker(settings)
    except click.ClickException as exc:
        click.echo(
            f"newswire web: no broker, so no feeds or pipeline page: {exc.message}", err=True
        )
        bootstrap = None

    async def serve() -> None:
        runner = aioweb.AppRunner(make_app(settings, db, bootstrap), handle_signals=False)
        await runner.setup()
        site = aioweb.TCPSite(runner, settings.newsroom_host, settings.newsroom_port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigurationError(f"cannot listen on {site.name}: {exc.strerror}") from exc
        bound = runner.addresses[0][1]
        click.echo(f"web: http://{settings.newsroom_host}:{bound}/")
        sys.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        await runner.cleanup()

    try:
        asyncio.run(serve())
    finally:
        db.close()
    click.echo("newswire web: stopped", err=True)
