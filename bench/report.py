"""The report's headline keys, the issue targets, and the table printed for people."""

from __future__ import annotations

import textwrap
from typing import Any

from bench.bare import STAGES

Report = dict[str, Any]


#: Which figures to trust, printed with the table and kept in the report.
HOW_TO_READ = (
    "CPU seconds per article, and their ratios to bare, hardly depend on the machine's speed: "
    "trust them for the pipeline's overhead. Wall-clock ratios to bare are taken within one "
    "interleaved round (bare and the layout minutes apart at most): trust their median over the "
    "rounds, not one round's, and never a ratio of figures from different rounds. Bare run in "
    "as many processes at once as the widest layout has NLP processes is what this machine's "
    "cores give that many CPU-bound processes with nothing else running: the ceiling of that "
    "layout's ratio to bare."
)
#: The kinds of process whose CPU seconds per article the end-to-end runs report.
PROCESS_KINDS = ("worker_loop", "clean", "nlp", "broker")
LATENCIES = ("p50_s", "p95_s", "p99_s")


def _median(figures: Any, *keys: str) -> Any:
    """The median over the rounds of the figure at ``keys``, None when not measured."""
    return _dig(figures, *keys, "median")


def _best(layouts: dict[str, Any], names: list[str]) -> str | None:
    """The layout among ``names`` with the highest median full-load throughput."""
    measured = [n for n in names if _median(layouts[n], "full", "articles_per_s") is not None]
    return max(measured, key=lambda n: _median(layouts[n], "full", "articles_per_s"), default=None)


def headline(summary: dict[str, Any], cores: int) -> Report:
    """Top-level figures, medians over the rounds (of the feed-item corpus): bare vs 1 worker vs
    ``cores`` NLP processes (ratios within each round), latency at half load."""
    bare, layouts, ceiling = summary["bare"], summary["layouts"], summary.get("bare_parallel")
    wide = _best(layouts, [n for n in layouts if _median(layouts[n], "nlp_total") == cores])
    fastest = _best(layouts, list(layouts))
    one, chosen = layouts.get("1x1"), layouts.get(wide or "")
    half = _dig(layouts.get(fastest or ""), "half", "latency")
    full = _dig(layouts.get(fastest or ""), "full", "latency")
    return {
        "bare_articles_per_s": _median(bare, "articles_per_s"),
        "bare_words_per_s": _median(bare, "words_per_s"),
        "e2e_articles_per_s_1_worker": _median(one, "full", "articles_per_s"),
        "e2e_articles_per_s_n_workers": _median(chosen, "full", "articles_per_s"),
        "workers": cores,
        "n_workers_layout": wide,
        "ratio_1_worker": _median(one, "ratio_to_bare"),
        "ratio_n_workers": _median(chosen, "ratio_to_bare"),
        "ratio_1_worker_n_nlp_processes": _median(layouts.get(f"1x{cores}"), "ratio_to_bare"),
        "cpu_per_article_ratio_1_worker": _median(one, "cpu_ratio_to_bare"),
        "bare_parallel_processes": _median(ceiling, "processes"),
        "bare_parallel_ratio": _median(ceiling, "ratio_to_bare"),
        "latency_layout": fastest,
        "latency_p50_s": _median(half, "p50_s"),
        "latency_p95_s": _median(half, "p95_s"),
        "latency_p99_s": _median(half, "p99_s"),
        "latency_full_load_p50_s": _median(full, "p50_s"),
        "latency_full_load_p95_s": _median(full, "p95_s"),
        "latency_full_load_p99_s": _median(full, "p99_s"),
    }


BACKENDS = ("sqlite", "postgres")


def store_headline(store: dict[str, Any]) -> Report:
    """Top-level store figures: ingest events/s and search p95 of each database."""
    keys: Report = {}
    for backend in BACKENDS:
        figures = store.get(backend) or {}
        keys[f"store_ingest_events_per_s_{backend}"] = _dig(figures, "ingest", "events_per_s")
        keys[f"store_search_p95_ms_{backend}"] = _dig(figures, "search", "overall", "p95_ms")
    return keys


def _at_least(value: float | None, floor: float) -> bool | None:
    return None if value is None else value >= floor


def _below(value: float | None, ceiling: float) -> bool | None:
    return None if value is None else value < ceiling


def _at_most(value: float | None, ceiling: float) -> bool | None:
    return None if value is None else value <= ceiling


def _long_cpu_ratio(report: Report) -> float | None:
    """The long articles' median 1x1 CPU per article over bare's."""
    long = _dig(report, "corpora", "long", "summary", "layouts", "1x1")
    return _median(long, "cpu_ratio_to_bare")


def _tag_words_per_s(report: Report) -> float | None:
    """The tag step's median words/s, on the long articles when measured (as the target was
    set), else on the feed items."""
    corpora = report.get("corpora") or {}
    for name in ("long", "feed_items"):
        words = _median(_dig(corpora, name, "summary", "bare", "stages", "tag"), "words_per_s")
        if words is not None:
            return float(words)
    return None


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def targets(report: Report) -> dict[str, bool | None]:
    """Each target (throughput and latency: issues 4-8 and 20; quality: issue 18; store: issue
    19): met, missed, or None when not measured."""
    q = report.get("quality") or {}
    p99 = report.get("latency_p99_s")
    claims = _dig(q, "claims", "levels")
    return {
        "e2e_1_worker_ge_0.9x_bare": _at_least(report.get("ratio_1_worker"), 0.9),
        "e2e_n_workers_ge_1.7x_bare": _at_least(report.get("ratio_n_workers"), 1.7),
        "latency_p99_half_load_lt_2s": _below(p99, 2.0),
        "e2e_cpu_per_article_1x1_le_1.05x_bare_feed_items": _at_most(
            report.get("cpu_per_article_ratio_1_worker"), 1.05
        ),
        "e2e_cpu_per_article_1x1_le_1.05x_bare_long": _at_most(_long_cpu_ratio(report), 1.05),
        "e2e_1_worker_n_nlp_processes_ge_1.9x_bare": _at_least(
            report.get("ratio_1_worker_n_nlp_processes"), 1.9
        ),
        "latency_p99_half_load_lt_1s": _below(p99, 1.0),
        "body_f1_ge_0.98": _at_least(_dig(q, "body", "f1"), 0.98),
        "ner_typed_f1_ge_0.86": _at_least(_dig(q, "ner", "typed", "f1"), 0.86),
        "tag_words_per_s_ge_4000": _at_least(_tag_words_per_s(report), 4000),
        "claims_cue_exact_f1_ge_0.72": _at_least(_dig(claims, "cue", "exact", "f1"), 0.72),
        "claims_relation_overlap_f1_ge_0.76": _at_least(
            _dig(claims, "relation", "overlap", "f1"), 0.76
        ),
        "claims_source_overlap_f1_ge_0.78": _at_least(
            _dig(claims, "source", "overlap", "f1"), 0.78
        ),
        "stance_found_ge_0.80": _at_least(_dig(q, "stance", "found_share"), 0.80),
        "stance_macro_f1_ge_0.88": _at_least(_dig(q, "stance", "stance_macro_f1"), 0.88),
        "deny_f1_ge_0.75": _at_least(_dig(q, "stance", "stance", "deny", "f1"), 0.75),
        "hedged_f1_ge_0.78": _at_least(_dig(q, "stance", "hedged_f1"), 0.78),
        "anonymous_f1_ge_0.90": _at_least(_dig(q, "stance", "anonymous_f1"), 0.90),
        "kind_accuracy_ge_0.85": _at_least(_dig(q, "stance", "kind_accuracy"), 0.85),
        "store_ingest_sqlite_ge_500_per_s": _at_least(
            report.get("store_ingest_events_per_s_sqlite"), 500
        ),
        "store_ingest_postgres_ge_300_per_s": _at_least(
            report.get("store_ingest_events_per_s_postgres"), 300
        ),
        "store_search_p95_sqlite_lt_200ms": _below(report.get("store_search_p95_ms_sqlite"), 200),
        "store_search_p95_postgres_lt_200ms": _below(
            report.get("store_search_p95_ms_postgres"), 200
        ),
        "live_page_p95_lt_1s": _below(report.get("live_latency_p95_s"), 1.0),
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return (
            f"{value:.3g}"
            if abs(value) < 1
            else f"{value:,.2f}"
            if abs(value) < 10
            else f"{value:,.1f}"
        )
    return str(value)


def _rows(title: str, rows: list[tuple[str, Any]]) -> list[str]:
    return [title] + [f"  {name:<50} {_fmt(value):>12}" for name, value in rows]


def _spread(figure: Any) -> str:
    """``median [min–max]`` of a figure over the rounds, "-" when not measured."""
    if not isinstance(figure, dict) or "median" not in figure:
        return "-"
    return f"{_fmt(figure['median'])} [{_fmt(figure['min'])}–{_fmt(figure['max'])}]"


def _medians(figures: Any, keys: tuple[str, ...]) -> str:
    return " / ".join(_fmt(_median(figures, key)) for key in keys)


def _layout_rows(name: str, figures: dict[str, Any]) -> list[tuple[str, Any]]:
    if not figures.get("rounds_measured"):
        return [(name, "not measured (see the rounds' errors)")]
    full, half = figures["full"], figures.get("half")
    rows = [
        (f"{name} articles/s", _spread(full["articles_per_s"])),
        (f"{name} / bare articles/s, same round", _spread(figures["ratio_to_bare"])),
        (f"{name} CPU s/article, broker included", _spread(full["cpu_s_per_article"])),
        (f"{name} / bare CPU s/article", _spread(figures["cpu_ratio_to_bare"])),
        (
            f"{name} CPU s/article: loop / clean / NLP / broker",
            _medians(full["cpu_s_per_article_by_process"], PROCESS_KINDS),
        ),
        (f"{name} NLP busy share", _spread(full["nlp_busy_share"])),
        (f"{name} full load latency p99 s", _spread(full["latency"]["p99_s"])),
        (f"{name} startup s", _spread(figures["startup_s"])),
    ]
    if "idle_cpu_ms_per_s" in figures:
        rows.append(
            (
                f"{name} idle CPU ms/s: loop / clean / NLP / broker",
                _medians(figures["idle_cpu_ms_per_s"], PROCESS_KINDS),
            )
        )
    if half:
        rows += [
            (f"{name} half load p50 / p95 / p99 s", _medians(half["latency"], LATENCIES)),
            (f"{name} half load p99 s", _spread(half["latency"]["p99_s"])),
        ]
    return rows


def _corpus_rows(corpus: dict[str, Any]) -> list[tuple[str, Any]]:
    """Bare and every layout on one corpus: median [min–max] over the rounds."""
    bare, layouts = corpus["summary"]["bare"], corpus["summary"]["layouts"]
    stages = bare.get("stages", {})
    rows: list[tuple[str, Any]] = [
        ("bare articles/s", _spread(bare.get("articles_per_s"))),
        ("bare words/s", _spread(bare.get("words_per_s"))),
        ("bare CPU s/article", _spread(bare.get("cpu_s_per_article"))),
        (
            "bare CPU s/article: clean / tag / claims",
            " / ".join(_fmt(_median(stages.get(s), "cpu_s_per_article")) for s in STAGES),
        ),
    ]
    rows += [(f"bare {s} words/s", _spread(_dig(stages, s, "words_per_s"))) for s in STAGES]
    ceiling = corpus["summary"].get("bare_parallel")
    if ceiling:
        at_once = f"bare x{_fmt(_median(ceiling, 'processes'))} at once / bare"
        rows += [
            (f"{at_once} articles/s, same round", _spread(ceiling["ratio_to_bare"])),
            (f"{at_once} CPU s/article", _spread(ceiling["cpu_ratio_to_bare"])),
        ]
    for name, figures in layouts.items():
        rows += _layout_rows(name, figures)
    return rows


def _headline_rows(report: Report) -> list[tuple[str, Any]]:
    return [
        (
            "1 worker articles/s (ratio to bare)",
            f"{_fmt(report['e2e_articles_per_s_1_worker'])} ({_fmt(report['ratio_1_worker'])})",
        ),
        (
            f"{report['workers']} NLP processes, best {report['n_workers_layout']} (ratio)",
            f"{_fmt(report['e2e_articles_per_s_n_workers'])} ({_fmt(report['ratio_n_workers'])})",
        ),
        ("1 worker CPU s/article, ratio to bare", _fmt(report["cpu_per_article_ratio_1_worker"])),
        (
            f"ceiling: bare in {_fmt(report['bare_parallel_processes'])} processes (ratio)",
            _fmt(report["bare_parallel_ratio"]),
        ),
        (f"half load p99 s ({report['latency_layout']})", _fmt(report["latency_p99_s"])),
    ]


def table(report: Report) -> str:
    """A readable summary of ``report`` (the JSON file has everything)."""
    lines = [
        f"newswire bench: {report.get('articles')} articles ({report.get('corpus')}), "
        f"{report.get('words')} words, {report.get('cores')} cores, load average "
        f"{report.get('loadavg_start')} -> {report.get('loadavg_end')}"
    ]
    for name, corpus in (report.get("corpora") or {}).items():
        if "skipped" in corpus:
            lines += _rows(f"{name}: skipped", [("why", corpus["skipped"])])
            continue
        title = (
            f"{name}: {corpus['articles']} articles ({corpus['source']}), {corpus['words']} words;"
            f" median [min–max] of {len(corpus['rounds'])} rounds"
        )
        lines += _rows(title, _corpus_rows(corpus))
    if report.get("e2e_articles_per_s_1_worker") is not None:
        lines += _rows("headline (feed items, medians of the rounds)", _headline_rows(report))
        lines.append(
            textwrap.fill(HOW_TO_READ, 96, initial_indent="  how to read: ", subsequent_indent="  ")
        )
    poller = report.get("poller")
    if poller:
        lines += _rows(
            f"poller ({poller['urls']} URLs, concurrency {poller['concurrency']})",
            [
                ("full parse feeds/s", poller["full"]["feeds_per_s"]),
                ("full parse CPU s/feed", poller["full"]["cpu_s_per_feed"]),
                ("304 feeds/s", poller["not_modified"]["feeds_per_s"]),
                ("304 CPU s/feed", poller["not_modified"]["cpu_s_per_feed"]),
                ("feedparser alone feeds/s", poller["parse_only"]["feeds_per_s"]),
            ],
        )
    if "store" in report:
        store = report["store"]
        title = f"store ({store['events']} events grown from {store['real_events']} real ones)"
        lines += _rows(title, _store_rows(store))
    live = report.get("live")
    if live:
        lines += _rows(
            f"live page ({live['arrived']} of {live['events']} events, {live['gap_s']} s apart)",
            [
                ("delay p50 s", live["p50_s"]),
                ("delay p95 s", live["p95_s"]),
                ("delay max s", live["max_s"]),
            ],
        )
    if "quality" in report:
        lines += _rows("quality", _quality_rows(report["quality"]))
    if "targets" in report:
        met = {True: "met", False: "MISSED", None: "not measured"}
        lines += _rows("targets", [(k, met[v]) for k, v in report["targets"].items()])
    soak = report.get("soak")
    if soak:
        lines += _rows(
            f"soak ({soak['minutes']} min at {soak['rate']}/s)",
            [
                (
                    "RSS MiB first / last / max",
                    f"{soak['rss_mb_first']} / {soak['rss_mb_last']} / {soak['rss_mb_max']}",
                ),
                ("completed / produced", f"{soak['completed']} / {soak['produced']}"),
            ],
        )
    return "\n".join(lines)


def _quality_rows(q: dict[str, Any]) -> list[tuple[str, Any]]:
    levels = _dig(q, "claims", "levels") or {}
    rows = [
        ("body F1 (article-html dev)", _dig(q, "body", "f1")),
        ("NER typed F1 (CoNLL dev)", _dig(q, "ner", "typed", "f1")),
        ("claims relation overlap F1", _dig(levels, "relation", "overlap", "f1")),
        ("claims source overlap F1", _dig(levels, "source", "overlap", "f1")),
        ("claims cue exact F1", _dig(levels, "cue", "exact", "f1")),
        ("stance found share", _dig(q, "stance", "found_share")),
        ("stance macro-F1", _dig(q, "stance", "stance_macro_f1")),
        (
            "hedged F1 / anonymous F1",
            f"{_fmt(_dig(q, 'stance', 'hedged_f1'))} / {_fmt(_dig(q, 'stance', 'anonymous_f1'))}",
        ),
    ]
    return rows + [(f"skipped {k}", v) for k, v in (q.get("skipped") or {}).items()]


def _store_rows(store: dict[str, Any]) -> list[tuple[str, Any]]:
    """Ingest and search figures of each database, and each kind of read's p95."""
    rows: list[tuple[str, Any]] = []
    for backend in BACKENDS:
        figures = store.get(backend) or {}
        if "error" in figures:
            rows.append((f"{backend} error", figures["error"]))
            continue
        ingest, search = figures["ingest"], figures["search"]
        overall = search["overall"]
        rows += [
            (f"{backend} ingest events/s", ingest["events_per_s"]),
            (f"{backend} ingest CPU ms/event (server)", _per_event_ms(ingest)),
            (
                f"{backend} search p50 / p95 / max ms",
                f"{overall['p50_ms']} / {overall['p95_ms']} / {overall['max_ms']}",
            ),
        ]
        rows += [(f"{backend} {kind} p95 ms", f["p95_ms"]) for kind, f in search["kinds"].items()]
    return rows


def _per_event_ms(ingest: dict[str, Any]) -> str:
    client = _fmt(ingest["cpu_s_per_event"] * 1000)
    server = ingest.get("server_cpu_s_per_event")
    return client if server is None else f"{client} ({_fmt(server * 1000)})"
