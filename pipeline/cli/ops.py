"""The ``replay`` and ``deadletter`` commands of ``newswire``."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime

import click
import orjson

from pipeline.cli.options import StartParam, broker_option, resolve_broker, settings_with
from pipeline.kafka.reader import Start
from pipeline.redrive import STAGES


def _time(value: Start | None, name: str) -> datetime | None:
    if value is not None and not isinstance(value, datetime):
        raise click.UsageError(f"{name} takes an ISO 8601 time")
    return value


@click.command()
@broker_option
@click.option(
    "--from", "start", type=StartParam(), required=True, help="TIME, OFFSET or beginning."
)
@click.option(
    "--to",
    "stop",
    type=StartParam(),
    metavar="TIME|OFFSET",
    help="Stop before this TIME or OFFSET.",
)
@click.option(
    "--topic", default="raw", show_default=True, help="Replay raw (with its pages) or clean."
)
@click.option(
    "--to-topic",
    "target",
    default="events",
    show_default=True,
    help="events (the live events topic: duplicates with the same event ids) or a topic NAME.",
)
@click.option(
    "--claims-topic",
    "claims_target",
    help="claims (the live claims topic) or a topic NAME (default: claims with --to-topic "
    "events, else TO_TOPIC.claims).",
)
@click.option("--follow", is_flag=True, help="Keep going past the end (Ctrl-C stops).")
@click.pass_context
def replay(
    ctx: click.Context,
    broker: str | None,
    start: Start,
    stop: Start | None,
    topic: str,
    target: str,
    claims_target: str | None,
    follow: bool,
) -> None:
    """Re-run enrichment over past messages, beside the live pipeline (no consumer group).

    Sends what the worker sends: events with their headers, a message per claim, dead letters.
    Stops at the end offsets seen at start unless --follow. OFFSETs apply to every
    partition; --to is exclusive.
    """
    from pipeline.replay import (
        Summary,
        current_pipeline,
        describe,
        latest_pipelines,
        make_plan,
    )
    from pipeline.replay import (
        replay as run_replay,
    )

    settings = settings_with(ctx, broker=broker)
    if stop == "beginning" or stop == "end":
        raise click.UsageError("--to takes a TIME or an OFFSET")
    try:
        plan = make_plan(settings, topic, target, start, stop, follow, claims_target)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    bootstrap = resolve_broker(settings)
    summary = Summary()
    bar = click.progressbar(length=0, label="replaying", file=sys.stderr)

    def on_total(total: int) -> None:
        bar.length = total

    try:
        with bar:
            asyncio.run(run_replay(bootstrap, settings, plan, summary, bar.update, on_total))
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
    events = settings.topic("events")
    before = asyncio.run(latest_pipelines(bootstrap, events, settings))
    click.echo(describe(summary, plan, current_pipeline(settings), before), err=True)


@click.group()
def deadletter() -> None:
    """Dead letters: list them, send them back to their stage's input, discard them."""


_stage = click.option("--stage", type=click.Choice(STAGES), help="Only letters of this stage.")
_since = click.option(
    "--since", type=StartParam(), metavar="TIME", help="Only letters failed at or after TIME."
)


@deadletter.command("list")
@broker_option
@_stage
@_since
@click.option("--json", "as_json", is_flag=True, help="One JSON object per letter.")
@click.pass_context
def deadletter_list(
    ctx: click.Context, broker: str | None, stage: str | None, since: Start | None, as_json: bool
) -> None:
    """Stage, time, article key, error and source of each dead letter, and its redrives."""
    from pipeline.redrive import LIST_HEADER, LIST_LEGEND, format_letter, read_letters

    settings = settings_with(ctx, broker=broker)
    when = _time(since, "--since")
    letters = asyncio.run(read_letters(resolve_broker(settings), settings, stage, when))
    if not as_json and letters:
        click.echo(LIST_HEADER)
    for item in letters:
        click.echo(orjson.dumps(item.to_dict()).decode() if as_json else format_letter(item))
    redriven = sum(item.redriven is not None for item in letters)
    discarded = sum(item.discarded is not None for item in letters)
    repeats = sum(item.letter.repeat_of is not None for item in letters)
    click.echo(
        f"{len(letters)} dead letters: {redriven} redriven, {repeats} repeats, "
        f"{discarded} discarded",
        err=True,
    )
    if not as_json and letters:
        click.echo(LIST_LEGEND, err=True)


@deadletter.command("redrive")
@broker_option
@_stage
@_since
@click.option("--again", is_flag=True, help="Also letters redriven before, and repeats of those.")
@click.option("--dry-run", is_flag=True, help="Show what would be sent; send nothing.")
@click.pass_context
def deadletter_redrive(
    ctx: click.Context,
    broker: str | None,
    stage: str | None,
    since: Start | None,
    again: bool,
    dry_run: bool,
) -> None:
    """Send dead letters' payloads back to their stage's input topic (after a fix).

    fetch, clean and poll go to raw (clean letters of paged articles to pages), tag to clean,
    claims to tagged. Exits 1 when some letter could not be redriven (its payload was cut,
    or its stage is unknown).
    """
    from pipeline.redrive import (
        format_letter,
        plan_redrive,
        read_letters,
        redrive,
        redrive_target,
    )

    settings = settings_with(ctx, broker=broker)
    bootstrap = resolve_broker(settings)
    letters = asyncio.run(read_letters(bootstrap, settings, stage, _time(since, "--since")))
    plan = plan_redrive(letters, again)
    for item in plan.send:
        target = redrive_target(item.letter, settings)
        click.echo(
            f"{'would redrive' if dry_run else 'redrive'} -> {target}: {format_letter(item)}"
        )
    if not dry_run and plan.send:
        asyncio.run(redrive(bootstrap, settings, plan.send))
    for reason, items in (("payload truncated", plan.truncated), ("unknown stage", plan.unknown)):
        for item in items:
            click.echo(f"cannot redrive ({reason}): {format_letter(item)}", err=True)
    click.echo(
        f"{len(plan.send)} {'to redrive' if dry_run else 'redriven'}, "
        f"{len(plan.already)} skipped (redriven before, repeats of those, or discarded), "
        f"{len(plan.truncated) + len(plan.unknown)} cannot be redriven",
        err=True,
    )
    if plan.truncated or plan.unknown:
        sys.exit(1)


@deadletter.command("discard")
@broker_option
@click.argument("letters", nargs=-1, metavar="[PARTITION/OFFSET]...")
@_stage
@_since
@click.pass_context
def deadletter_discard(
    ctx: click.Context,
    broker: str | None,
    letters: tuple[str, ...],
    stage: str | None,
    since: Start | None,
) -> None:
    """Mark dead letters as handled (the LETTERs that list shows, or every letter of --stage
    and --since): redrive skips them from then on. Letters are never deleted."""
    from pipeline.redrive import discard, read_letters

    if not (letters or stage or since):
        raise click.UsageError("give LETTERs, --stage or --since")
    settings = settings_with(ctx, broker=broker)
    bootstrap = resolve_broker(settings)
    found = asyncio.run(read_letters(bootstrap, settings, stage, _time(since, "--since")))
    chosen = [item for item in found if not letters or item.ref in letters]
    unknown = sorted(set(letters) - {item.ref for item in found})
    count = asyncio.run(discard(bootstrap, settings, chosen))
    for ref in unknown:
        click.echo(f"no such dead letter: {ref}", err=True)
    click.echo(f"{count} dead letters discarded", err=True)
    if unknown:
        sys.exit(1)
