"""``newswire demo``: broker, worker and poller on real feeds; print events until drained."""

from __future__ import annotations

import asyncio
import subprocess
import time

import click
import orjson

from pipeline.cli.options import check_embedded
from pipeline.kafka.broker import EmbeddedBroker, free_port
from pipeline.kafka.reader import TopicReader
from pipeline.kafka.topics import ensure_topics
from pipeline.poller.emit import kafka_emitter
from pipeline.poller.once import poll_sources_once
from pipeline.settings import Settings
from pipeline.supervisor import start_worker, stop_process
from pipeline.tail import format_event


async def _drive(
    settings: Settings,
    bootstrap: str,
    worker: subprocess.Popen[bytes],
    sources: list[str],
    as_json: bool,
    timeout: float,
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
                    counts["events"] += 1
                    counts["claims"] += len(value["claims"])
                    done.add(value["article"]["id"])
                    click.echo(orjson.dumps(value).decode() if as_json else format_event(value))
        return counts
    finally:
        await reader.stop()


def run_demo(settings: Settings, sources: list[str], as_json: bool, timeout: float) -> int:
    """Run the demo; returns the exit code (0 when every polled item became an event)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not settings.broker:
        check_embedded(settings)
    embedded = (
        None if settings.broker else EmbeddedBroker(log_path=settings.data_dir / "demo-broker.log")
    )
    started = time.monotonic()
    worker = None
    try:
        bootstrap = settings.broker or embedded.start().bootstrap  # type: ignore[union-attr]
        click.echo(f"broker: {bootstrap}{' (embedded)' if embedded else ''}", err=True)
        asyncio.run(ensure_topics(bootstrap, settings))
        worker_settings = settings.model_copy(update={"web_port": free_port()})
        worker = start_worker(worker_settings, bootstrap, settings.data_dir / "demo-worker.log")
        counts = asyncio.run(_drive(settings, bootstrap, worker, sources, as_json, timeout))
    finally:
        if worker is not None:
            stop_process(worker)
        if embedded is not None:
            embedded.stop()
    elapsed = time.monotonic() - started
    click.echo(
        f"demo: {counts['polled']} items polled from {len(sources)} feeds -> {counts['events']} "
        f"events ({counts['claims']} claims), {counts['deadletters']} dead letters "
        f"in {elapsed:.1f}s",
        err=True,
    )
    return 0 if counts["events"] + counts["deadletters"] >= counts["polled"] else 1
