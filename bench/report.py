"""The report's headline keys, the issue targets, and the table printed for people."""

from __future__ import annotations

from typing import Any

Report = dict[str, Any]


def _best(layouts: dict[str, Any], names: list[str]) -> str | None:
    """The layout among ``names`` with the highest full-load throughput."""
    measured = [n for n in names if "full" in layouts.get(n, {})]
    return max(measured, key=lambda n: layouts[n]["full"]["articles_per_s"], default=None)


def _ratio(value: float | None, base: float) -> float | None:
    return round(value / base, 3) if value is not None and base else None


def headline(bare: dict[str, Any], layouts: dict[str, Any], cores: int) -> Report:
    """Top-level figures: bare vs 1 worker vs ``cores`` NLP processes, latency at half load."""
    single = layouts.get("1x1", {}).get("full", {}).get("articles_per_s")
    wide = _best(layouts, [n for n, f in layouts.items() if f.get("nlp_total") == cores])
    fastest = _best(layouts, list(layouts))
    n_rate = layouts[wide]["full"]["articles_per_s"] if wide else None
    half = layouts[fastest]["half"]["latency"] if fastest else {}
    single_cpu = layouts.get("1x1", {}).get("full", {}).get("cpu_s_per_article")
    full = layouts[fastest]["full"]["latency"] if fastest else {}
    return {
        "bare_articles_per_s": bare["articles_per_s"],
        "bare_words_per_s": bare["words_per_s"],
        "e2e_articles_per_s_1_worker": single,
        "e2e_articles_per_s_n_workers": n_rate,
        "workers": cores,
        "n_workers_layout": wide,
        "ratio_1_worker": _ratio(single, bare["articles_per_s"]),
        "ratio_n_workers": _ratio(n_rate, bare["articles_per_s"]),
        "cpu_per_article_ratio_1_worker": _ratio(single_cpu, bare.get("cpu_s_per_article", 0)),
        "latency_layout": fastest,
        "latency_p50_s": half.get("p50_s"),
        "latency_p95_s": half.get("p95_s"),
        "latency_p99_s": half.get("p99_s"),
        "latency_full_load_p50_s": full.get("p50_s"),
        "latency_full_load_p95_s": full.get("p95_s"),
        "latency_full_load_p99_s": full.get("p99_s"),
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


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def targets(report: Report) -> dict[str, bool | None]:
    """Each target (throughput and latency: issues 4-8; quality: issue 18; store: issue 19):
    met, missed, or None when not measured."""
    q = report.get("quality") or {}
    p99 = report.get("latency_p99_s")
    claims = _dig(q, "claims", "levels")
    return {
        "e2e_1_worker_ge_0.9x_bare": _at_least(report.get("ratio_1_worker"), 0.9),
        "e2e_n_workers_ge_1.7x_bare": _at_least(report.get("ratio_n_workers"), 1.7),
        "latency_p99_half_load_lt_2s": None if p99 is None else p99 < 2.0,
        "body_f1_ge_0.98": _at_least(_dig(q, "body", "f1"), 0.98),
        "ner_typed_f1_ge_0.86": _at_least(_dig(q, "ner", "typed", "f1"), 0.86),
        "tag_words_per_s_ge_4000": _at_least(
            _dig(report, "bare", "stages", "tag", "words_per_s"), 4000
        ),
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
    return [title] + [f"  {name:<44} {_fmt(value):>12}" for name, value in rows]


def _layout_rows(name: str, figures: dict[str, Any]) -> list[tuple[str, Any]]:
    if "error" in figures:
        return [(f"{name} error", figures["error"])]
    full, half = figures["full"], figures["half"]
    return [
        (f"{name} full load articles/s", full["articles_per_s"]),
        (f"{name} full load words/s", full["words_per_s"]),
        (
            f"{name} full load CPU s: worker loops / clean / NLP (NLP busy)",
            f"{full['worker_loop_cpu_s']} / {full['clean_cpu_s']} / {full['nlp_cpu_s']}"
            f" ({full['nlp_busy_share']})",
        ),
        (f"{name} full load CPU s/article, broker included", full.get("cpu_s_per_article")),
        (
            f"{name} full load latency p50 / p95 / p99 s",
            f"{full['latency']['p50_s']} / {full['latency']['p95_s']} / {full['latency']['p99_s']}",
        ),
        (
            f"{name} half load ({half['rate_target']}/s) latency p50 / p95 / p99 s",
            f"{half['latency']['p50_s']} / {half['latency']['p95_s']} / {half['latency']['p99_s']}",
        ),
        (
            f"{name} startup s / worker RSS MiB",
            f"{figures['startup_s']} / {figures['worker_rss_mb']}",
        ),
    ]


def table(report: Report) -> str:
    """A readable summary of ``report`` (the JSON file has everything)."""
    lines = [
        f"newswire bench: {report.get('articles')} articles ({report.get('corpus')}), "
        f"{report.get('words')} words, {report.get('cores')} cores, load average "
        f"{report.get('loadavg_start')} -> {report.get('loadavg_end')}"
    ]
    bare = report.get("bare")
    if bare:
        stages = [(f"{s} words/s", f["words_per_s"]) for s, f in bare["stages"].items()]
        lines += _rows(
            "bare stages (one process, no Kafka)",
            [
                ("articles/s", bare["articles_per_s"]),
                ("words/s", bare["words_per_s"]),
                ("CPU s/article", bare.get("cpu_s_per_article")),
                *stages,
            ],
        )
    layouts = (report.get("e2e") or {}).get("layouts") or {}
    if layouts:
        n_rate = report["e2e_articles_per_s_n_workers"]
        rows: list[tuple[str, Any]] = [
            (
                "1 worker articles/s (ratio to bare)",
                f"{_fmt(report['e2e_articles_per_s_1_worker'])} ({_fmt(report['ratio_1_worker'])})",
            ),
            (
                f"{report['workers']} NLP processes, best {report['n_workers_layout']} (ratio)",
                f"{_fmt(n_rate)} ({_fmt(report['ratio_n_workers'])})",
            ),
            (
                "1 worker CPU s/article, ratio to bare",
                _fmt(report.get("cpu_per_article_ratio_1_worker")),
            ),
        ]
        for name, figures in layouts.items():
            rows += _layout_rows(name, figures)
        lines += _rows("end to end (layout = workers x NLP processes each)", rows)
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
