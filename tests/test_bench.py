"""The bench's adapters and score parsers on tiny inputs, and tiny bench runs (no timings)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.__main__ import main
from bench.adapters import (
    body_predictions,
    claims_predictions,
    ner_predictions,
    stance_predictions,
)
from bench.corpus import feed_items
from bench.e2e import Layout
from bench.report import headline
from bench.rounds import PARALLEL, Plan, rotation, run_corpus
from bench.scores import ScoreFormatError, parse_body, parse_claims, parse_ner, parse_stance
from bench.stats import latency_summary, percentile, summarise
from pipeline.settings import Settings

TEXT = "Olaf Scholz said the talks failed."
EVENT: dict[str, Any] = {
    "article": {"id": "a1"},
    "text": TEXT,
    "entities": [
        {
            "label": "PERSON",
            "mentions": [{"start": 0, "end": 11, "text": "Olaf Scholz"}],
        }
    ],
    "claims": [
        {
            "claimant": {"start": 0, "end": 11, "anonymous": False},
            "cue": {"start": 12, "end": 16},
            "content": {"start": 17, "end": 33, "spans": []},
            "stance": "assert",
            "hedged": False,
        }
    ],
}

BODY_OUT = "documents 101  precision 0.979  recall 0.975  F1 0.977\n"
NER_OUT = """typed      P= 79.06  R= 73.58  F1= 76.22   (tp=10 fp=2 fn=3)
untyped    P= 89.95  R= 83.71  F1= 86.72   (tp=11 fp=1 fn=2)
  LOC      P= 84.39  R= 87.10  F1= 85.72   (tp=5 fp=1 fn=1)
label confusions on exact spans (gold->pred): ORG->LOC:1
"""
CLAIMS_OUT = """unit=token documents=84 (without prediction line: 0)
level            mode           P       R      F1     tp   pred   gold
cue              exact     0.8117  0.5192  0.6333   1138   1402   2192
cue              soft      0.8442  0.5399  0.6586          1402   2192
relation         overlap   0.8474  0.5420  0.6611   1188   1402   2192
"""
STANCE_OUT = """59 articles, 462 gold statements, found 278 (0.60)
stance accuracy 0.946, macro-F1 0.723
  assert        P 0.947 R 0.996 F1 0.971 (tp 260, fp 14, fn 1)
  deny          P 0.800 R 0.286 F1 0.421 (tp 4, fp 1, fn 10)
hedged accuracy 0.953 (F1 0.683); anonymous accuracy 0.968 (F1 0.889); \
matched predictions that are not statements 0.051
"""


def test_parsers_read_the_scorers_tables() -> None:
    assert parse_body(BODY_OUT) == {"documents": 101, "p": 0.979, "r": 0.975, "f1": 0.977}
    ner = parse_ner(NER_OUT)
    assert ner["typed"] == {"p": 0.7906, "r": 0.7358, "f1": 0.7622}
    assert ner["per_label"]["LOC"]["f1"] == 0.8572
    claims = parse_claims(CLAIMS_OUT)
    assert claims["cue"]["exact"]["f1"] == 0.6333
    assert claims["cue"]["soft"]["p"] == 0.8442
    assert claims["relation"]["overlap"]["r"] == 0.542
    stance = parse_stance(STANCE_OUT)
    assert stance["found"] == 278 and stance["found_share"] == 0.6
    assert stance["stance_macro_f1"] == 0.723
    assert stance["stance"]["deny"] == {"p": 0.8, "r": 0.286, "f1": 0.421}
    assert stance["anonymous_f1"] == 0.889
    with pytest.raises(ScoreFormatError):
        parse_body("nothing here")


def test_adapters_turn_events_into_prediction_lines() -> None:
    assert body_predictions([EVENT], ["a1", "a2"]) == {
        "a1": {"articleBody": TEXT},
        "a2": {"articleBody": ""},
    }
    assert ner_predictions([EVENT]) == [
        {"id": "a1", "entities": [{"start": 0, "end": 11, "label": "PERSON"}]}
    ]
    [claims] = claims_predictions([EVENT])
    assert claims["claims"] == [{"source": [[0, 11]], "cue": [[12, 16]], "content": [[17, 33]]}]
    [stance] = stance_predictions([EVENT])
    assert stance["claims"][0] | {"cue": None} == {
        "cue": None,
        "stance": "assert",
        "hedged": False,
        "anonymous": False,
        "kind": "statement",  # an event of a version without kinds: every claim a statement
    }


def test_adapters_and_parsers_agree_with_the_real_scorers(
    tmp_path: Path, shared_data: Path
) -> None:
    tools = shared_data.parent / "tools"

    def _score(tool: str, gold: Path, pred: Path) -> str:
        done = subprocess.run(
            [sys.executable, str(tools / tool), str(gold), str(pred)],
            capture_output=True,
            check=True,
        )
        return done.stdout.decode()

    gold_ner = tmp_path / "ner.jsonl"  # gold labels are CoNLL's; predictions are mapped
    gold_entity = {"start": 0, "end": 11, "label": "PER"}
    gold_ner.write_bytes(orjson.dumps({"id": "a1", "text": TEXT, "entities": [gold_entity]}))
    pred = tmp_path / "pred.jsonl"
    pred.write_bytes(orjson.dumps(ner_predictions([EVENT])[0]) + b"\n")
    assert parse_ner(_score("score_ner.py", gold_ner, pred))["typed"]["f1"] == 1.0

    gold = {"id": "a1", "text": TEXT, "attributions": claims_predictions([EVENT])[0]["claims"]}
    (tmp_path / "gold.jsonl").write_bytes(orjson.dumps(gold) + b"\n")
    pred.write_bytes(orjson.dumps(claims_predictions([EVENT])[0]) + b"\n")
    levels = parse_claims(_score("score_claims.py", tmp_path / "gold.jsonl", pred))
    assert levels["relation"]["exact"]["f1"] == 1.0

    truth = tmp_path / "truth.json"
    truth.write_bytes(orjson.dumps({"a1": {"articleBody": TEXT}}))
    (tmp_path / "body.json").write_bytes(orjson.dumps(body_predictions([EVENT], ["a1"])))
    assert parse_body(_score("score_body.py", truth, tmp_path / "body.json"))["f1"] == 1.0


def test_percentiles_and_layouts() -> None:
    assert percentile([], 99) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([0.0, 10.0], 99) == pytest.approx(9.9)
    assert latency_summary([0.5]) == {"p50_s": 0.5, "p95_s": 0.5, "p99_s": 0.5, "max_s": 0.5}
    assert Layout.parse("2x1") == Layout(workers=2, nlp_processes=1)
    assert Layout.parse("1x2").nlp_total == 2


def test_rounds_rotate_and_summarise_to_medians_and_spreads() -> None:
    names = ["bare", "1x1", "1x2"]
    assert [rotation(names, n) for n in range(4)] == [
        ["bare", "1x1", "1x2"],
        ["1x1", "1x2", "bare"],
        ["1x2", "bare", "1x1"],
        ["bare", "1x1", "1x2"],
    ]
    rounds = [{"a": 1.0, "b": {"c": 4}, "d": "x"}, {"a": 3.0, "b": {"c": 2}}, {"a": 2.0}]
    assert summarise(rounds) == {
        "a": {"median": 2.0, "min": 1.0, "max": 3.0},
        "b": {"c": {"median": 3.0, "min": 2, "max": 4}},
    }


def test_bare_in_parallel_processes_is_measured_against_bare_in_each_round(
    tmp_path: Path,
) -> None:
    corpus = feed_items(2, warm=1)
    plan = Plan([], 2, 0.0, Settings().model, 16, tmp_path, parallel=2)
    figures = run_corpus(plan, corpus)
    assert [r["order"] for r in figures["rounds"]] == [["bare", PARALLEL], [PARALLEL, "bare"]]
    for round_ in figures["rounds"]:
        ceiling, bare = round_["bare_parallel"], round_["bare"]
        assert ceiling["processes"] == 2 and ceiling["articles"] == 2 * bare["articles"]
        assert ceiling["tag_cpu_s_per_article"] > 0
        assert ceiling["ratio_to_bare"] == round(
            ceiling["articles_per_s"] / bare["articles_per_s"], 3
        )
    summary = figures["summary"]
    assert summary["layouts"] == {}
    keys = headline(summary, cores=2)
    assert keys["bare_parallel_processes"] == 2
    assert keys["bare_parallel_ratio"] == summary["bare_parallel"]["ratio_to_bare"]["median"] > 0


@pytest.mark.broker
def test_tiny_bench_interleaves_rounds_and_reports_every_headline_key(tmp_path: Path) -> None:
    assert feed_items(1).articles  # ../shared, or else the bundled feeds
    output = tmp_path / "report.json"
    args = ["--articles", "3", "--rounds", "2", "--layouts", "1x1", "--half-seconds", "3"]
    args += ["--no-long", "--no-quality", "--no-store"]  # the next test runs them
    args += ["--feed-urls", "10"]
    assert main([*args, "--workdir", str(tmp_path / "work"), "--output", str(output)]) == 0
    report = orjson.loads(output.read_bytes())
    assert report["articles"] == 3 and report["rounds"] == 2 and report["how_to_read"]
    for key in ("bare_articles_per_s", "e2e_articles_per_s_1_worker", "latency_p50_s"):
        assert report[key] > 0, key
    assert report["latency_p99_s"] >= report["latency_p50_s"]
    assert report["e2e_articles_per_s_n_workers"] is None  # no layout with 2 NLP processes
    assert report["bare_parallel_ratio"] is None  # nor bare in parallel, then
    assert report["workers"] >= 1 and len(report["loadavg_start"]) == 3
    corpus = report["corpora"]["feed_items"]
    assert [r["order"] for r in corpus["rounds"]] == [["bare", "1x1"], ["1x1", "bare"]]
    assert all(r["layouts"]["1x1"]["full"]["completed"] == 3 for r in corpus["rounds"])
    bare, layout = corpus["summary"]["bare"], corpus["summary"]["layouts"]["1x1"]
    assert set(bare["stages"]) == {"clean", "tag", "claims"}
    assert bare["stages"]["tag"]["cpu_s_per_article"]["median"] > 0
    assert layout["rounds_measured"] == 2
    spread = layout["full"]["articles_per_s"]
    assert spread["min"] <= spread["median"] <= spread["max"]
    assert report["e2e_articles_per_s_1_worker"] == spread["median"]
    kinds = layout["full"]["cpu_s_per_article_by_process"]
    assert set(kinds) == {"worker_loop", "clean", "nlp", "broker"}
    assert kinds["nlp"]["median"] > 0 and kinds["worker_loop"]["median"] > 0
    idle = layout["idle_cpu_ms_per_s"]
    assert set(idle) == set(kinds) and idle["broker"]["median"] > 0
    assert report["cpu_per_article_ratio_1_worker"] == layout["cpu_ratio_to_bare"]["median"] > 0
    assert report["corpora"]["long"] == {"skipped": "--no-long"}
    assert report["targets"]["e2e_cpu_per_article_1x1_le_1.05x_bare_feed_items"] is not None
    assert report["targets"]["e2e_cpu_per_article_1x1_le_1.05x_bare_long"] is None
    settings = corpus["rounds"][0]["layouts"]["1x1"]["settings"]
    assert settings["consumer_fetch_wait"] == Settings().consumer_fetch_wait


def test_tiny_store_bench_measures_both_databases(tmp_path: Path) -> None:
    output = tmp_path / "report.json"
    args = ["--articles", "2", "--no-e2e", "--no-poller", "--no-quality", "--store-events", "30"]
    args += ["--live-events", "3", "--rounds", "1"]
    assert main([*args, "--workdir", str(tmp_path / "work"), "--output", str(output)]) == 0
    report = orjson.loads(output.read_bytes())
    kinds = {"text", "entity", "claimant", "stance", "source", "window", "combined", "paging"}
    kinds |= {"claims_of", "disagreements", "timeline"}
    for backend in ("sqlite", "postgres"):
        figures = report["store"][backend]
        assert figures["ingest"]["added"] == 30, backend
        assert set(figures["search"]["kinds"]) == kinds
        assert report[f"store_ingest_events_per_s_{backend}"] > 0
        assert report[f"store_search_p95_ms_{backend}"] > 0
        assert report["targets"][f"store_search_p95_{backend}_lt_200ms"] is not None
    assert report["store"]["postgres"]["ingest"]["server_cpu_s_per_event"] > 0
    assert not (tmp_path / "work" / "store").exists()  # the SQLite file is deleted
    live = report["live"]
    assert live["arrived"] == 3 and 0 < live["p50_s"] <= live["max_s"]
    assert report["targets"]["live_page_p95_lt_1s"] is not None
    long = report["corpora"]["long"]  # bare only; PolNeAR's, when fetched
    assert "skipped" in long or long["summary"]["bare"]["articles_per_s"]["median"] > 0
