"""Quality figures (``make eval``): body, NER, claims and stance, through ``newswire extract``.

Each part runs only when its data is present; otherwise it is null, with the reason under
``skipped``. Every scorer's printed output is kept under ``raw``.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
from charset_normalizer import from_bytes

from bench import DATA, ROOT, SHARED
from bench.adapters import (
    Event,
    body_predictions,
    claims_predictions,
    ner_predictions,
    stance_predictions,
)
from bench.scores import parse_body, parse_claims, parse_ner, parse_stance
from bench.stats import rate

TOOLS = SHARED / "tools"
PAGES = SHARED / "data" / "article-html"
STANCE_GOLD = SHARED / "data" / "claims-stance" / "polnear-dev-stance.jsonl"


def write_jsonl(path: Path, rows: Sequence[Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return path


def extract(
    lines: Sequence[dict[str, Any]], skip_clean: bool, workdir: Path, name: str
) -> dict[str, Any]:
    """Events of ``newswire extract --jsonl`` on ``lines``, with its wall time and stderr."""
    source = write_jsonl(workdir / f"{name}.in.jsonl", lines)
    command = [sys.executable, "-m", "pipeline.cli", "extract", "--jsonl", str(source)]
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own CLI
        command + (["--skip-clean"] if skip_clean else []), capture_output=True, cwd=ROOT
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: some inputs were skipped, the rest is there
        raise RuntimeError(f"newswire extract failed: {done.stderr.decode()[-2000:]}")
    events = [orjson.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return {"events": events, "seconds": seconds, "skipped": done.stderr.decode().count("skipped:")}


def score(tool: str, gold: Path, predictions: Path) -> str:
    """The printed output of one ../shared/tools scorer."""
    done = subprocess.run(  # noqa: S603 - fixed reference tool
        [sys.executable, str(TOOLS / tool), str(gold), str(predictions)],
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    return done.stdout.decode()


def _speed(run: dict[str, Any]) -> dict[str, Any]:
    words = sum(e["article"]["word_count"] for e in run["events"])
    return {
        "events": len(run["events"]),
        "inputs_skipped": run["skipped"],
        "extract_seconds": round(run["seconds"], 2),
        "extract_words_per_s": rate(words, run["seconds"]),
    }


def _decode(page: bytes) -> str:
    best = from_bytes(page).best()
    return str(best) if best is not None else page.decode("utf-8", errors="replace")


def body_quality(workdir: Path) -> dict[str, Any]:
    """Body extraction F1 on the article-html dev pages."""
    truth_path = PAGES / "ground-truth-dev.json"
    truth = orjson.loads(truth_path.read_bytes())
    lines = [
        {
            "id": key,
            "url": value.get("url"),
            "html": _decode(gzip.decompress((PAGES / "dev" / f"{key}.html.gz").read_bytes())),
        }
        for key, value in truth.items()
    ]
    run = extract(lines, skip_clean=False, workdir=workdir, name="body")
    predictions = workdir / "body.pred.json"
    predictions.write_bytes(orjson.dumps(body_predictions(run["events"], list(truth))))
    raw = score("score_body.py", truth_path, predictions)
    return parse_body(raw) | _speed(run) | {"raw": raw}


def _documents(gold: Path) -> list[dict[str, Any]]:
    return [
        {"id": doc["id"], "text": doc["text"]}
        for doc in map(orjson.loads, gold.read_bytes().splitlines())
    ]


def ner_quality(workdir: Path) -> dict[str, Any]:
    """Typed and untyped NER F1 on CoNLL-2003 dev."""
    gold = DATA / "conll" / "dev.jsonl"
    run = extract(_documents(gold), skip_clean=True, workdir=workdir, name="ner")
    predictions = write_jsonl(workdir / "ner.pred.jsonl", ner_predictions(run["events"]))
    raw = score("score_ner.py", gold, predictions)
    return parse_ner(raw) | _speed(run) | {"raw": raw}


def claims_quality(workdir: Path) -> dict[str, Any]:
    """Claims on PolNeAR dev (score_claims.py), and stance when its annotations are present."""
    gold = DATA / "polnear" / "dev.jsonl"
    run = extract(_documents(gold), skip_clean=True, workdir=workdir, name="claims")
    events: list[Event] = run["events"]
    predictions = write_jsonl(workdir / "claims.pred.jsonl", claims_predictions(events))
    raw = score("score_claims.py", gold, predictions)
    result: dict[str, Any] = {"claims": {"levels": parse_claims(raw)} | _speed(run) | {"raw": raw}}
    if STANCE_GOLD.exists():
        stance = write_jsonl(workdir / "stance.pred.jsonl", stance_predictions(events))
        stance_raw = score("score_stance.py", STANCE_GOLD, stance)
        result["stance"] = parse_stance(stance_raw) | {"raw": stance_raw}
    return result


Part = Callable[[Path], dict[str, Any]]
PARTS: list[tuple[str, Path, Part]] = [
    ("body", PAGES / "ground-truth-dev.json", lambda w: {"body": body_quality(w)}),
    ("ner", DATA / "conll" / "dev.jsonl", lambda w: {"ner": ner_quality(w)}),
    ("claims", DATA / "polnear" / "dev.jsonl", claims_quality),
]


def run_quality(workdir: Path) -> dict[str, Any]:
    """Every part whose data is present; the others are null with a reason."""
    result: dict[str, Any] = {"body": None, "ner": None, "claims": None, "stance": None}
    skipped: dict[str, str] = {}
    present = [(name, part) for name, needs, part in PARTS if needs.exists()]
    skipped |= {name: f"{needs} not found" for name, needs, _ in PARTS if not needs.exists()}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # one extract per core
        for figures in pool.map(lambda named: named[1](workdir), present):
            result |= figures
    if result["claims"] is not None and result["stance"] is None:
        skipped["stance"] = f"{STANCE_GOLD} not found"
    elif result["claims"] is None:
        skipped["stance"] = skipped["claims"]
    return result | {"skipped": skipped}
