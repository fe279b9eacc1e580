"""The store's figures on SQLite and PostgreSQL: ingest (``Store.write`` of real events in
batches of ``pipeline.ingest.BATCH``, as ``newswire store`` writes) while the store grows to
many events, copies of real ones with new ids a day apart; then search latency over it."""

from __future__ import annotations

import itertools
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence, Sized
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

from bench import SHARED
from bench.corpus import bundled_articles, shared_articles
from bench.postgres import Server, postgres_server, vacuum
from bench.procs import tree_cpu
from bench.stats import percentile, rate
from pipeline.ingest import BATCH
from pipeline.records import Event
from pipeline.stages.chain import Chain, Published
from pipeline.stages.nlp import shared_model
from pipeline.stages.stories import StoryIndex
from pipeline.store.base import Store
from pipeline.store.query import Search
from pipeline.store.rows import event_time
from pipeline.store.sqlite import SQLiteStore

#: Articles whose events are copied (``../shared``: the 101 article pages, then feed items).
ARTICLES = 600
#: How far apart (back in time) the copies of one event are.
SHIFT = timedelta(days=1)
NLP_BATCH = 64


def real_events(model: str, articles: int) -> list[Event]:
    """The events of up to ``articles`` pages and feed items of ``../shared`` (else of the
    bundled feeds), through the chain with a story index, as ``extract`` runs it."""
    source = shared_articles(SHARED) if (SHARED / "data").is_dir() else bundled_articles()
    raws = list(itertools.islice(source, articles))
    chain = Chain(shared_model(model), stories=StoryIndex())
    slots = [
        slot for i in range(0, len(raws), NLP_BATCH) for slot in chain.run(raws[i : i + NLP_BATCH])
    ]
    return [slot.event for slot in slots if isinstance(slot, Published)]


def copy_of(event: Event, k: int) -> Event:
    """``event`` with new event, article and story ids, ``k`` times ``SHIFT`` earlier."""
    article = event.article
    moved = article.model_copy(
        update={
            "id": f"{article.id}~{k}",
            "story_id": article.story_id and f"{article.story_id}~{k}",
            "published_at": article.published_at and article.published_at - k * SHIFT,
            "fetched_at": article.fetched_at - k * SHIFT,
        }
    )
    return event.model_copy(update={"event_id": f"{event.event_id}~{k}", "article": moved})


def batches(events: Sequence[Event], count: int) -> Iterator[list[tuple[Event, bytes]]]:
    """``count`` copies of ``events`` (every event's first copy, then every second, ...) with
    their JSON, ``BATCH`` at a time."""
    copies = (copy_of(event, k) for k in itertools.count() for event in events)
    while count > 0:
        batch = [(copy, copy.to_json()) for copy in itertools.islice(copies, min(BATCH, count))]
        count -= len(batch)
        yield batch


def server_cpu(pid: int | None) -> float:
    """CPU seconds of a server's processes so far (0.0 without a server)."""
    if pid is None:
        return 0.0
    own, below = tree_cpu(pid)
    return own + sum(below.values())


def grow(store: Store, events: Sequence[Event], count: int, pid: int | None) -> dict[str, Any]:
    """Write ``count`` copies of ``events``; events/s (wall and per CPU second of this process
    and, given its ``pid``, of the database server), overall and over the first and last
    tenth."""
    walls: list[float] = []
    cpu, server, added = 0.0, server_cpu(pid), 0
    for batch in batches(events, count):
        start, cpu_start = time.perf_counter(), time.process_time()
        added += store.write(batch).added
        walls.append(time.perf_counter() - start)
        cpu += time.process_time() - cpu_start
    server = server_cpu(pid) - server
    tenth = max(len(walls) // 10, 1)
    tenth_events = min(tenth * BATCH, count)
    return {
        "events": count,
        "added": added,
        "batch": BATCH,
        "seconds": round(sum(walls), 2),
        "events_per_s": rate(count, sum(walls)),
        "events_per_s_first_tenth": rate(tenth_events, sum(walls[:tenth])),
        "events_per_s_last_tenth": rate(tenth_events, sum(walls[-tenth:])),
        "cpu_s_per_event": round(cpu / count, 6),
        "server_cpu_s_per_event": round(server / count, 6) if pid else None,
    }


@dataclass(frozen=True)
class Probe:
    """One timed read of the store: its kind (a row of the report) and what it asks."""

    kind: str
    name: str
    run: Callable[[Store], Sized]


def _ranked(counts: Counter[str]) -> list[str]:
    """Most common first; ties alphabetically, so that the picks do not depend on order."""
    return [key for key, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def _near(counts: Counter[str], share: float, total: int) -> str:
    """The key whose count is closest to ``share`` of ``total`` (ties: the first ranked)."""
    return min(_ranked(counts), key=lambda key: abs(counts[key] - share * total))


@dataclass(frozen=True)
class Picks:
    """What the reads ask for, chosen from the real events: words (no stop words) in most,
    10 %, 1 % and one of them; the most common, a 1 % and a rare entity; the most common
    claimant, the most common named one and the one that denies most; the most common and a
    rare source; the newest and the median time."""

    words: tuple[str, str, str, str]
    entities: tuple[str, str, str]
    entity_name: str
    claimants: tuple[str, str, str]
    sources: tuple[str, str]
    newest: datetime
    middle: datetime


def picks(events: Sequence[Event]) -> Picks:
    """The ``Picks`` of ``events``: the same for the same events in the same order."""
    n = len(events)
    words: Counter[str] = Counter()
    for event in events:
        found = set(re.findall(r"[a-z]{4,}", f"{event.article.title} {event.text}".lower()))
        words.update(found - STOP_WORDS)  # PostgreSQL does not index English stop words
    ranked = _ranked(words)
    rare = next(word for word in reversed(ranked) if len(word) >= 6)
    entities = Counter(entity.id for event in events for entity in event.entities)
    names = {entity.id: entity.name for event in events for entity in event.entities}
    top = _ranked(entities)[0]
    claims = [claim for event in events for claim in event.claims]
    claimants = _ranked(Counter(claim.claimant_key for claim in claims))
    named = next((key for key in claimants if not key.startswith("anonymous:")), claimants[0])
    deniers = _ranked(Counter(c.claimant_key for c in claims if c.stance == "deny"))
    sources = _ranked(Counter(event.article.source for event in events))
    times = sorted(event_time(event) for event in events)
    return Picks(
        words=(ranked[0], _near(words, 0.1, n), _near(words, 0.01, n), rare),
        entities=(top, _near(entities, 0.01, n), _ranked(entities)[-1]),
        entity_name=names[top],
        claimants=(claimants[0], named, (deniers or claimants)[0]),
        sources=(sources[0], sources[-1]),
        newest=times[-1],
        middle=times[len(times) // 2],
    )


def _search(kind: str, name: str, **asked: Any) -> Probe:
    return Probe(kind, name, lambda store: store.search(Search(**asked)))


def probes(p: Picks) -> list[Probe]:
    """The fixed, varied reads: every search filter alone and combined, paging, and the
    claimant and entity pages' reads."""
    common, tenth, hundredth, rare = p.words
    top, middle, rare_entity = p.entities
    claimant, named, denier = p.claimants
    surname = named.rsplit("-", 1)[-1]
    week = {"since": p.newest - timedelta(days=7), "until": p.newest}
    return [
        _search("text", f"word in most: {common}", text=common),
        _search("text", f"word in 10 %: {tenth}", text=tenth),
        _search("text", f"word in 1 %: {hundredth}", text=hundredth),
        _search("text", f"word in one: {rare}", text=rare),
        _search("text", f"two words: {common} {hundredth}", text=f"{common} {hundredth}"),
        _search("text", "a word in none", text="qqxyzzyq"),
        _search("entity", f"most common: {top}", entity=top),
        _search("entity", f"in 1 %: {middle}", entity=middle),
        _search("entity", f"in one: {rare_entity}", entity=rare_entity),
        _search("entity", f"by name: {p.entity_name}", entity=p.entity_name),
        _search("claimant", f"most common: {claimant}", claimant=claimant),
        _search("claimant", f"part of a name: {surname}", claimant=surname),
        _search("stance", "deny", stance="deny"),
        _search("stance", "noncommittal", stance="noncommittal"),
        _search("stance", "hedged", hedged=True),
        _search("stance", "anonymous", anonymous=True),
        _search("source", f"most common: {p.sources[0]}", source=p.sources[0]),
        _search("source", f"rare: {p.sources[1]}", source=p.sources[1]),
        _search("window", "last week", **week),
        _search("window", "one day", since=p.middle - SHIFT / 2, until=p.middle + SHIFT / 2),
        _search("window", "since 30 days ago", since=p.newest - timedelta(days=30)),
        _search("combined", "word in 10 %, entity", text=tenth, entity=top),
        _search("combined", "entity, deny", entity=top, stance="deny"),
        _search("combined", "claimant, last week", claimant=claimant, **week),
        _search("combined", "word in most, source", text=common, source=p.sources[0]),
        _search(
            "combined", "word in most, assert, last week", text=common, stance="assert", **week
        ),
        _search("paging", "all, offset 0", offset=0),
        _search("paging", "all, offset 1000", offset=1000),
        _search("paging", "all, offset 10000", offset=10000),
        _search("paging", "word in 10 %, offset 200", text=tenth, offset=200),
        Probe("claims_of", f"most common: {claimant}", lambda s: s.claims_of(claimant)),
        Probe("claims_of", f"named: {named}", lambda s: s.claims_of(named)),
        Probe("claims_of", "most common, offset 200", lambda s: s.claims_of(claimant, 50, 200)),
        Probe("disagreements", f"most common: {claimant}", lambda s: s.disagreements(claimant)),
        Probe("disagreements", f"named: {named}", lambda s: s.disagreements(named)),
        Probe("disagreements", f"denies most: {denier}", lambda s: s.disagreements(denier)),
        Probe("timeline", f"most common: {top}", lambda s: s.timeline(top)),
        Probe("timeline", f"in 1 %: {middle}", lambda s: s.timeline(middle)),
    ]


def _summary(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "max_ms": round(max(ms, default=0.0), 2),
    }


def time_probes(store: Store, reads: Sequence[Probe], repeats: int) -> dict[str, Any]:
    """Each read once untimed, then ``repeats`` rounds over all of them: p50/p95/max per kind
    and overall, and each read's hits and median."""
    for probe in reads:
        probe.run(store)
    seconds: dict[Probe, list[float]] = {probe: [] for probe in reads}
    hits: dict[Probe, int] = {}
    for _ in range(repeats):
        for probe in reads:
            start = time.perf_counter()
            hits[probe] = len(probe.run(store))
            seconds[probe].append(time.perf_counter() - start)
    kinds: dict[str, list[float]] = {}
    for probe, spent in seconds.items():
        kinds.setdefault(probe.kind, []).extend(spent)
    return {
        "repeats": repeats,
        "overall": _summary([s for spent in seconds.values() for s in spent]),
        "kinds": {kind: _summary(spent) for kind, spent in kinds.items()},
        "reads": [
            {
                "kind": probe.kind,
                "name": probe.name,
                "hits": hits[probe],
                "p50_ms": _summary(spent)["p50_ms"],
            }
            for probe, spent in seconds.items()
        ],
    }


def measure(
    store: Store, events: Sequence[Event], count: int, repeats: int, server: Server | None = None
) -> dict[str, Any]:
    """Grow ``store`` (on ``server``, if a PostgreSQL one) to ``count`` copies of ``events``,
    then time the reads."""
    ingest = grow(store, events, count, server.pid if server else None)
    if server:
        vacuum(server.url)
    return {"ingest": ingest, "search": time_probes(store, probes(picks(events)), repeats)}


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _postgres(events: Sequence[Event], count: int, repeats: int) -> dict[str, Any]:
    from pipeline.store.postgres import PostgresStore

    with ExitStack() as stack:
        try:
            server = stack.enter_context(postgres_server())
        except Exception as exc:  # noqa: BLE001 - reported; the rest of the bench goes on
            return {"error": f"no PostgreSQL server could start: {exc}"}
        store = PostgresStore(server.url)
        stack.callback(store.close)
        store.migrate()
        return measure(store, events, count, repeats, server)


def run_store(
    model: str, workdir: Path, count: int, articles: int = ARTICLES, repeats: int = 5
) -> dict[str, Any]:
    """Ingest and search figures of SQLite (a file in ``workdir``, deleted after) and of
    PostgreSQL (a throwaway pgserver) over ``count`` events."""
    started = time.perf_counter()
    events = real_events(model, min(articles, count))
    report: dict[str, Any] = {
        "real_events": len(events),
        "claims": sum(len(event.claims) for event in events),
        "events": count,
        "copies_apart_days": SHIFT / timedelta(days=1),
        "built_s": round(time.perf_counter() - started, 1),
    }
    folder = workdir / "store"
    _progress(f"store: SQLite, growing to {count} events ...")
    store = SQLiteStore(folder / "store.db")
    try:
        store.migrate()
        report["sqlite"] = measure(store, events, count, repeats)
    finally:
        store.close()
        shutil.rmtree(folder, ignore_errors=True)
    _progress(f"store: PostgreSQL, growing to {count} events ...")
    report["postgres"] = _postgres(events, count, repeats)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report
