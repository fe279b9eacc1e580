"""``newswire demo``: broker, worker and poller on real feeds; print events until drained and
keep them in the store for the newsroom."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from contextlib import nullcontext

import click
import orjson

from pipeline.cli.options import own_broker, quiet_feed_warnings
from pipeline.kafka.broker import free_port
from pipeline.kafka.broker_state import live_broker
from pipeline.kafka.reader import TopicReader
from pipeline.kafka.topics import ensure_topics
from pipeline.poller.emit import kafka_emitter
from pipeline.poller.once import poll_sources_once
from pipeline.records import Event
from pipeline.settings import Settings
from pipeline.store.base import Store
from pipeline.store.configured import open_store
from pipeline.supervisor import start_worker, stop_process
from pipeline.tail import EventFilter, format_event


async def _drive(
    settings: Settings,
    bootstrap: str,
    worker: subprocess.Popen[bytes],
    sources: list[str],
    as_json: bool,
    timeout: float,
    kinds: tuple[str, ...],
    store: Store,
) -> dict[str, int]:
    reader = TopicReader(
        bootstrap, [settings.topic("events"), settings.topic("deadletter")], settings
    )
    await reader.start(from_beginning=False)
    try:
        async with kafka_emitter(bootstrap, settings) as emit:
            report = await poll_sources_once(settings, sources, emit)
        for source, error in report.errors.items():
            click.echo(f"feed failed: {source}: {error}", err=True)
        counts = {"polled": report.emitted, "events": 0, "claims": 0, "deadletters": 0}
        styled = not click.utils.should_strip_ansi(sys.stdout)
        shown = EventFilter(kinds=kinds)
        counts["failed"] = len(report.errors)
        done: set[str] = set()
        deadline = time.monotonic() + timeout
        while len(done) < report.emitted:
            if worker.poll() is not None:
                raise click.ClickException(f"the worker exited with code {worker.returncode}")
            if time.monotonic() > deadline:
                click.echo(f"timed out after {timeout:.0f}s", err=True)
                break
            async for record in reader.records(idle_seconds=2.0):
                value = orjson.loads(record.value or b"{}")
                if record.topic == settings.topic("deadletter"):
                    counts["deadletters"] += 1
                    click.echo(
                        f"dead letter [{value['stage']}]: {value['error']['message']}", err=True
                    )
                    done.add(f"dead:{record.partition}:{record.offset}")
                else:
                    event = Event.from_json(record.value or b"")
                    await asyncio.to_thread(store.write, [(event, record.value or b"")])
                    counts["events"] += 1
                    counts["claims"] += len(value["claims"])
                    done.add(value["article"]["id"])
                    text = (
                        orjson.dumps(value).decode()
                        if as_json
                        else format_event(value, shown.claims(value), styled=styled)
                    )
                    click.echo(text)
        return counts
    finally:
        await reader.stop()


def run_demo(
    settings: Settings, sources: list[str], as_json: bool, timeout: float, kinds: tuple[str, ...]
) -> int:
    """Run the demo, showing claims of ``kinds``; returns the exit code (0 when every feed
    was read and every polled item became an event)."""
    quiet_feed_warnings()  # the demo reports failed feeds itself
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    running = None if settings.broker else live_broker(settings.broker_state_file)
    shared = settings.broker or (
        running.bootstrap if running and running.owner == "broker" else None
    )
    started = time.monotonic()
    with nullcontext(None) if shared else own_broker(settings, "demo") as embedded:
        bootstrap = shared or (embedded.bootstrap if embedded else "")
        kind = "" if settings.broker else " (embedded)"
        click.echo(f"broker: {bootstrap}{kind}", err=True)
        asyncio.run(ensure_topics(bootstrap, settings))
        worker_settings = settings.model_copy(update={"web_port": free_port()})
        log = settings.data_dir / "logs" / "demo-worker.log"
        worker = start_worker(worker_settings, bootstrap, log)
        store = open_store(settings)
        try:
            counts = asyncio.run(
                _drive(settings, bootstrap, worker, sources, as_json, timeout, kinds, store)
            )
        finally:
            stop_process(worker)
            store.close()
    elapsed = time.monotonic() - started
    click.echo(
        f"demo: {counts['polled']} items polled from {len(sources)} feeds -> {counts['events']} "
        f"events ({counts['claims']} claims), {counts['deadletters']} dead letters "
        f"in {elapsed:.1f}s",
        err=True,
    )
    click.echo(
        f"demo: the events are in the store ({store}); to browse them run `newswire web` "
        f"(or `make newsroom`) and open http://{settings.newsroom_host}:{settings.newsroom_port}/",
        err=True,
    )
    complete = counts["events"] + counts["deadletters"] >= counts["polled"]
    return 0 if complete and not counts["failed"] else 1
