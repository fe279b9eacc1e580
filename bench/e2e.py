"""End to end through the embedded broker: raw records in, events out, real worker processes.

Per layout (workers x NLP processes per worker) the bench starts the workers on fresh topics,
waits for a warm-up article on every partition (so startup and model loading are excluded),
then for the warm-up articles (a process's first batches run slower: its memory pools and
vocabulary are still growing; the bare figure is taken after the same warm-up), then produces
every article at once (full load), then nothing for ``IDLE_SECONDS`` (the CPU an idle worker
and broker spend), then at half the measured rate (half load).
Latency is from the bench's produce call to the worker's produce call of the event (the event
record's timestamp, which the worker's producer sets): what a consumer's own polling adds is
its own, so the bench's consumer of the events polls lazily and costs the broker little.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from agents.clean_pool import CLEAN_PROCESS
from agents.nlp_pool import NLP_PROCESS
from bench.procs import tree_cpu, tree_rss_mb
from bench.stats import latency_summary, rate
from pipeline.kafka.broker import free_port
from pipeline.kafka.security import client_options
from pipeline.kafka.topics import ensure_topics
from pipeline.records import RawArticle
from pipeline.settings import Settings
from pipeline.supervisor import start_worker, stop_process

WARMUP_TIMEOUT = 300.0
IDLE_SECONDS = 10.0
WARM_ARTICLES_PER_NLP_PROCESS = 32
SECONDS_PER_ARTICLE = 5.0
CONSUMER_WAIT_MS = 500
"""How long the broker may hold the bench consumer's fetch: its polls are not the pipeline's."""


@dataclass(frozen=True)
class Layout:
    """``workers`` worker processes, each with ``nlp_processes`` NLP processes."""

    workers: int
    nlp_processes: int

    @property
    def name(self) -> str:
        return f"{self.workers}x{self.nlp_processes}"

    @property
    def nlp_total(self) -> int:
        return self.workers * self.nlp_processes

    @classmethod
    def parse(cls, text: str) -> Layout:
        """``"2x1"`` -> two workers with one NLP process each."""
        workers, _, processes = text.partition("x")
        return cls(int(workers), int(processes or 1))


@dataclass
class Tracker:
    """Produce times and the times the events (or dead letters) were produced, by article id
    (``time.time()`` seconds)."""

    sent: dict[str, float] = field(default_factory=dict)
    arrived: dict[str, float] = field(default_factory=dict)
    dead: set[str] = field(default_factory=set)

    def latencies(self, ids: Sequence[str]) -> list[float]:
        return [self.arrived[i] - self.sent[i] for i in ids if i in self.arrived]


@dataclass
class Run:
    """One layout's workers, topics, bench clients and tracker."""

    settings: Settings
    workers: list[subprocess.Popen[bytes]]
    producer: AIOKafkaProducer
    consumer: AIOKafkaConsumer
    tracker: Tracker = field(default_factory=Tracker)

    async def consume(self) -> None:
        """Record when every event and dead letter (by key) was produced, until cancelled."""
        dead_topic = self.settings.topic("deadletter")
        while True:
            batches = await self.consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                for record in records:
                    key = (record.key or b"").decode()
                    self.tracker.arrived.setdefault(key, record.timestamp / 1000)
                    if record.topic == dead_topic:
                        self.tracker.dead.add(key)

    async def send(self, article_id: str, value: bytes, partition: int | None = None) -> None:
        self.tracker.sent[article_id] = time.time()
        await self.producer.send(
            self.settings.topic("raw"), value, key=article_id.encode(), partition=partition
        )

    async def wait(self, ids: Sequence[str], timeout: float) -> bool:
        """True once every id arrived; False on timeout; raises if a worker died."""
        deadline = time.monotonic() + timeout
        while any(i not in self.tracker.arrived for i in ids):
            for worker in self.workers:
                if worker.poll() is not None:
                    raise RuntimeError(f"worker {worker.pid} exited with {worker.returncode}")
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True


def _encoded(raws: Sequence[RawArticle], phase: str) -> list[tuple[str, bytes]]:
    """(id, value) of each article under an id unique to ``phase``."""
    out = []
    for raw in raws:
        article_id = f"{raw.id}~{phase}"
        out.append((article_id, raw.model_copy(update={"id": article_id}).to_json()))
    return out


async def warm_up(run: Run, sample: RawArticle, warm: Sequence[RawArticle] = ()) -> float:
    """One article on every raw partition, twice (late group joins settle), then ``warm`` all at
    once; seconds taken."""
    started = time.perf_counter()
    for round_ in range(2):
        ids = []
        for partition in range(run.settings.partitions):
            article_id = f"warmup-{round_}-{partition}"
            value = sample.model_copy(update={"id": article_id}).to_json()
            await run.send(article_id, value, partition)
            ids.append(article_id)
        if not await run.wait(ids, WARMUP_TIMEOUT):
            raise RuntimeError("warm-up articles never came out: see the worker logs")
    for article_id, value in _encoded(warm, "warm"):
        await run.send(article_id, value)
    if not await run.wait([f"{raw.id}~warm" for raw in warm], WARMUP_TIMEOUT):
        raise RuntimeError("warm-up articles never came out: see the worker logs")
    return round(time.perf_counter() - started, 1)


def _figures(run: Run, ids: Sequence[str], words: int, started: float) -> dict[str, Any]:
    arrived = [run.tracker.arrived[i] for i in ids if i in run.tracker.arrived]
    elapsed = max(arrived, default=started) - started
    return {
        "articles": len(ids),
        "completed": len(arrived),
        "dead_letters": sum(i in run.tracker.dead for i in ids),
        "seconds": round(elapsed, 3),
        "articles_per_s": rate(len(arrived), elapsed),
        "words_per_s": rate(words * len(arrived) / max(len(ids), 1), elapsed),
        "latency": latency_summary(run.tracker.latencies(ids)),
    }


@dataclass(frozen=True)
class Cpu:
    """CPU seconds so far of the worker processes, of their clean and NLP processes, of the
    embedded broker (every other process the bench started), and of all of them."""

    workers: float
    clean: float
    nlp: float
    broker: float
    started: float

    def __sub__(self, before: Cpu) -> Cpu:
        return Cpu(
            self.workers - before.workers,
            self.clean - before.clean,
            self.nlp - before.nlp,
            self.broker - before.broker,
            self.started - before.started,
        )


def _cpu(run: Run) -> Cpu:
    pairs = [tree_cpu(worker.pid) for worker in run.workers]
    _, below = tree_cpu(os.getpid())
    started = sum(below.values())
    return Cpu(
        workers=sum(own for own, _ in pairs),
        clean=sum(kinds.get(CLEAN_PROCESS, 0.0) for _, kinds in pairs),
        nlp=sum(kinds.get(NLP_PROCESS, 0.0) for _, kinds in pairs),
        broker=started - sum(own + sum(kinds.values()) for own, kinds in pairs),
        started=started,
    )


async def _idle(run: Run, seconds: float = IDLE_SECONDS) -> dict[str, float]:
    """CPU milliseconds per second of each kind of process while no article is in flight (the
    broker's include serving the bench's own consumer's lazy polls)."""
    before = _cpu(run)
    await asyncio.sleep(seconds)
    spent = _cpu(run) - before
    kinds = {"worker_loop": spent.workers, "clean": spent.clean, "nlp": spent.nlp}
    kinds["broker"] = spent.broker
    return {kind: round(1000 * cpu / seconds, 1) for kind, cpu in kinds.items()}


async def _full_load(run: Run, raws: Sequence[RawArticle], words: int) -> dict[str, Any]:
    """Every article at once; also where the CPU went: seconds and seconds per article of each
    kind of process (NLP busy share: 1.0 = never idle).

    CPU seconds per article hardly depend on what else runs on the machine, unlike articles/s:
    compare them with the bare figure on a busy host.
    """
    articles = _encoded(raws, "full")
    before, started = _cpu(run), time.time()
    for article_id, value in articles:
        await run.send(article_id, value)
    ids = [article_id for article_id, _ in articles]
    await run.wait(ids, 60 + SECONDS_PER_ARTICLE * len(ids))
    figures = _figures(run, ids, words, started)
    spent = _cpu(run) - before
    nlp_capacity = figures["seconds"] * run.settings.nlp_processes * len(run.workers)
    count = max(figures["completed"], 1)
    kinds = {"worker_loop": spent.workers, "clean": spent.clean, "nlp": spent.nlp}
    kinds["broker"] = spent.broker
    return figures | {
        "worker_loop_cpu_s": round(spent.workers, 2),
        "clean_cpu_s": round(spent.clean, 2),
        "nlp_cpu_s": round(spent.nlp, 2),
        "broker_cpu_s": round(spent.broker, 2),
        "cpu_s_per_article": round(spent.started / count, 4),
        "cpu_s_per_article_by_process": {k: round(v / count, 4) for k, v in kinds.items()},
        "nlp_busy_share": round(spent.nlp / nlp_capacity, 3) if nlp_capacity else 0,
    }


async def _paced_load(
    run: Run, raws: Sequence[RawArticle], words: int, per_second: float, seconds: float
) -> dict[str, Any]:
    """Articles at ``per_second``, for about ``seconds`` (at least 5 articles, at most all)."""
    count = min(len(raws), max(5, int(per_second * seconds)))
    articles = _encoded(raws[:count], "half")
    started = time.time()
    for n, (article_id, value) in enumerate(articles):
        await asyncio.sleep(max(0.0, started + n / per_second - time.time()))
        await run.send(article_id, value)
    ids = [article_id for article_id, _ in articles]
    await run.wait(ids, 60 + SECONDS_PER_ARTICLE * len(ids))
    share = words * count // max(len(raws), 1)
    return {"rate_target": round(per_second, 2)} | _figures(run, ids, share, started)


@asynccontextmanager
async def connected(
    settings: Settings, workers: list[subprocess.Popen[bytes]]
) -> AsyncIterator[Run]:
    """A producer and a consumer of the events and dead letters, reading in the background."""
    bootstrap = settings.broker or ""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        max_request_size=settings.max_message_bytes,
        linger_ms=0,
        **client_options(settings),
    )
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        fetch_max_wait_ms=CONSUMER_WAIT_MS,
        max_partition_fetch_bytes=settings.max_message_bytes,
        fetch_max_bytes=settings.max_message_bytes,
        **client_options(settings),
    )
    await producer.start()
    await consumer.start()
    consumer.assign(
        [
            TopicPartition(settings.topic(name), p)
            for name in ("events", "deadletter")
            for p in range(settings.partitions)
        ]
    )
    run = Run(settings, workers, producer, consumer)
    reading = asyncio.create_task(run.consume())
    try:
        yield run
    finally:
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
        await consumer.stop()
        await producer.stop()


async def _drive(
    settings: Settings,
    workers: list[subprocess.Popen[bytes]],
    raws: Sequence[RawArticle],
    words: int,
    half_seconds: float,
    warm: Sequence[RawArticle],
) -> dict[str, Any]:
    async with connected(settings, workers) as run:
        startup = await warm_up(run, raws[0], warm)
        full = await _full_load(run, raws, words)
        if not half_seconds:
            return {"startup_s": startup, "full": full}
        idle = await _idle(run)
        half = await _paced_load(run, raws, words, full["articles_per_s"] / 2, half_seconds)
        return {"startup_s": startup, "full": full, "idle_cpu_ms_per_s": idle, "half": half}


def layout_settings(bootstrap: str, layout: Layout, workdir: Path, model: str) -> Settings:
    """Fresh topics and consumer group for one layout."""
    uid = uuid.uuid4().hex[:8]
    return Settings(
        broker=bootstrap,
        topic_prefix=f"bench{uid}",
        app_id=f"bench-{uid}",
        data_dir=workdir / layout.name,
        nlp_processes=layout.nlp_processes,
        model=model,
    )


def start_workers(settings: Settings, count: int) -> list[subprocess.Popen[bytes]]:
    """``count`` workers of one group, each with its own data directory and log."""
    workers = []
    for n in range(count):
        own = settings.model_copy(
            update={"data_dir": settings.data_dir / f"worker{n}", "web_port": free_port()}
        )
        own.data_dir.mkdir(parents=True, exist_ok=True)
        workers.append(start_worker(own, settings.broker or "", own.data_dir / "worker.log"))
    return workers


def run_layout(
    bootstrap: str,
    layout: Layout,
    raws: Sequence[RawArticle],
    words: int,
    workdir: Path,
    model: str,
    half_seconds: float,
    warm: Sequence[RawArticle] = (),
) -> dict[str, Any]:
    """Full-load, idle and half-load figures of one layout (neither idle nor half load when
    ``half_seconds`` is 0), after warming each of its NLP processes on its share of ``warm``;
    its workers are stopped (by PID) after."""
    shape = describe(layout)
    settings = layout_settings(bootstrap, layout, workdir, model)
    asyncio.run(ensure_topics(bootstrap, settings))
    workers = start_workers(settings, layout.workers)
    try:
        warm = warm[: WARM_ARTICLES_PER_NLP_PROCESS * layout.nlp_total]
        figures = asyncio.run(_drive(settings, workers, raws, words, half_seconds, warm))
        rss = [tree_rss_mb(worker.pid) for worker in workers]
    finally:
        for worker in workers:
            stop_process(worker)
    tuning = {
        name: getattr(settings, name, None)
        for name in ("nlp_batch_size", "nlp_batch_seconds", "nlp_job_bytes", "consumer_fetch_wait")
    }
    return shape | {"settings": tuning, "worker_rss_mb": rss} | figures


def describe(layout: Layout) -> dict[str, Any]:
    """The layout's shape and the load average when it starts."""
    return {
        "workers": layout.workers,
        "nlp_processes": layout.nlp_processes,
        "nlp_total": layout.nlp_total,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
