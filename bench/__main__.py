"""``python -m bench``: run the benchmark (or ``--eval``: only the quality part) and report."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bench import BUNDLED, ROOT, SHARED
from bench.corpus import FEED_ITEMS, LONG, Corpus, feed_items, long_articles
from bench.e2e import WARM_ARTICLES_PER_NLP_PROCESS, Layout
from bench.live import EVENTS, run_live
from bench.poller import run_poller
from bench.quality import run_quality
from bench.report import HOW_TO_READ, headline, store_headline, table, targets
from bench.rounds import Plan, run_corpus
from bench.soak import run_soak
from bench.store import run_store
from pipeline.kafka.broker import EmbeddedBroker
from pipeline.settings import Settings


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--articles", type=int, default=150, help="articles to time, of each corpus (cap)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per corpus")
    parser.add_argument(
        "--layouts", default="1x1,1x2,2x1", help="end-to-end layouts: WORKERSxNLP_PROCESSES,..."
    )
    parser.add_argument(
        "--half-seconds", type=float, default=60.0, help="half-load duration (feed items only)"
    )
    parser.add_argument("--feed-urls", type=int, default=600, help="distinct feed URLs to poll")
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end runs")
    parser.add_argument("--no-long", action="store_true", help="skip the long articles")
    parser.add_argument("--no-poller", action="store_true", help="skip the poller figures")
    parser.add_argument("--no-quality", action="store_true", help="skip the quality figures")
    parser.add_argument(
        "--no-store", action="store_true", help="skip the store and live-page figures"
    )
    parser.add_argument(
        "--store-events", type=int, default=100_000, help="events to grow each store to"
    )
    parser.add_argument(
        "--live-events", type=int, default=EVENTS, help="events timed onto the live page"
    )
    parser.add_argument("--eval", action="store_true", help="only the quality figures")
    parser.add_argument("--soak", type=float, metavar="MINUTES", help="also soak one worker")
    parser.add_argument("--soak-rate", type=float, default=1.0, help="soak articles/s")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".data" / "bench")
    parser.add_argument("--output", type=Path, help="report path (default: by mode)")
    return parser.parse_args(argv)


def _soak(args: argparse.Namespace, corpus: Corpus, model: str) -> dict[str, Any]:
    """One worker under steady load, through a broker of its own."""
    print(f"soak: {args.soak} minutes ...", file=sys.stderr, flush=True)
    with EmbeddedBroker(log_path=args.workdir / "soak-broker.log") as broker:
        return run_soak(
            broker.bootstrap, corpus.articles, args.workdir, model, args.soak, args.soak_rate
        )


def _corpora(args: argparse.Namespace, model: str) -> dict[str, Any]:
    """Interleaved rounds of bare and every layout on the feed items, then on the long articles
    (full load only: the latency targets are the feed items'), or why they were skipped."""
    layouts = [] if args.no_e2e else [Layout.parse(n) for n in args.layouts.split(",")]
    widest = max((n.nlp_total for n in layouts), default=1)
    warm = WARM_ARTICLES_PER_NLP_PROCESS * widest
    batch = Settings().nlp_batch_size
    plan = Plan(layouts, args.rounds, args.half_seconds, model, batch, args.workdir, widest)
    corpora = {FEED_ITEMS: run_corpus(plan, feed_items(args.articles, warm))}
    long = None if args.no_long else long_articles(args.articles, warm)
    if long is None:
        why = "--no-long" if args.no_long else "PolNeAR not fetched (.data/polnear)"
        corpora[LONG] = {"skipped": why}
    else:
        corpora[LONG] = run_corpus(replace(plan, half_seconds=0.0), long)
    return corpora


def bench(args: argparse.Namespace) -> dict[str, Any]:
    model = Settings().model
    cores = os.cpu_count() or 1
    corpora = _corpora(args, model)
    headline_corpus = corpora[FEED_ITEMS]
    report: dict[str, Any] = {
        "corpus": headline_corpus["source"],
        "articles": headline_corpus["articles"],
        "words": headline_corpus["words"],
        "cores": cores,
        "model": model,
        "rounds": args.rounds,
        "how_to_read": HOW_TO_READ,
    }
    if not args.no_e2e:
        report |= headline(headline_corpus["summary"], cores)
    report["corpora"] = corpora
    if args.soak:
        report["soak"] = _soak(args, feed_items(args.articles), model)
    if not args.no_poller:
        print("poller ...", file=sys.stderr, flush=True)
        news = SHARED / "data" / "feeds" / "news"
        report["poller"] = run_poller(news if news.is_dir() else BUNDLED, args.feed_urls)
    if not args.no_store:
        print("store ...", file=sys.stderr, flush=True)
        report["store"] = run_store(model, args.workdir, args.store_events)
        report |= store_headline(report["store"])
        print("live page ...", file=sys.stderr, flush=True)
        report["live"] = run_live(model, args.workdir, args.live_events)
        report["live_latency_p95_s"] = report["live"]["p95_s"]
    if not args.no_quality:
        print("quality ...", file=sys.stderr, flush=True)
        report["quality"] = run_quality(args.workdir)
    return report


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    started, load = time.perf_counter(), [round(x, 2) for x in os.getloadavg()]
    meta: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "loadavg_start": load,
    }
    if args.eval:
        report: dict[str, Any] = meta | {"quality": run_quality(args.workdir)}
        output = args.output or ROOT / ".data" / "eval-report.json"
    else:
        report = meta | bench(args)
        output = args.output or ROOT / "bench-report.json"
    report["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    report["duration_s"] = round(time.perf_counter() - started, 1)
    report["targets"] = targets(report)
    output.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")
    print(table(report))
    print(f"report: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
