"""The newswire command line on real input: extract, poll --dry-run, and the demo."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import orjson
import pytest

from pipeline.kafka.broker import BrokerError, free_port, wait_until_ready
from pipeline.kafka.broker_state import live_broker
from pipeline.settings import Settings
from pipeline.store.configured import open_store
from tests.support.cli import newswire_process, newswire_text
from tests.support.feeds import BUNDLED
from tests.support.kafka import fresh_settings, wait_until
from tests.support.pages import page, paged, slow_page
from tests.support.schemas import VALIDATORS

EVENT_SCHEMA = VALIDATORS["events"]


def newswire(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return newswire_process(*args, stdin=stdin)


def test_extract_html_article_prints_a_valid_event(tmp_path: Path) -> None:
    html = tmp_path / "tidal-barrier.html"
    html.write_bytes(page("tidal-barrier"))
    result = newswire("extract", str(html))
    assert result.returncode == 0, result.stderr.decode()
    [line] = result.stdout.splitlines()
    event = orjson.loads(line)
    EVENT_SCHEMA.validate(event)
    assert event["article"]["id"] == "tidal-barrier"
    assert event["article"]["title"] == "Engineers close tidal barrier in first full test"
    assert event["text"].startswith("Engineers closed the new tidal barrier")
    names = {entity["name"] for entity in event["entities"]}
    assert {"Helen Achterberg", "Southampton Harbour Authority"} <= names
    cues = {claim["cue"]["lemma"]: claim["stance"] for claim in event["claims"]}
    assert cues["deny"] == "deny" and cues["decline"] == "noncommittal"


def test_extract_jsonl_keeps_order_ids_and_verbatim_offsets() -> None:
    lines = [
        {"id": "b", "text": "“We will not cut rates,” Christine Lagarde said on Thursday."},
        {"id": "a", "text": "The ministry denied that troops had crossed the border."},
    ]
    stdin = b"".join(orjson.dumps(line) + b"\n" for line in lines) + b"[1]\n"
    result = newswire("extract", "--jsonl", "--skip-clean", "-", stdin=stdin)
    assert result.returncode == 1  # the third line is not an object
    assert b"line 3" in result.stderr
    events = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [e["article"]["id"] for e in events] == ["b", "a"]
    assert [e["text"] for e in events] == [line["text"] for line in lines]
    for event in events:
        EVENT_SCHEMA.validate(event)
        for claim in event["claims"]:
            for part in ("claimant", "cue", "content"):
                span = claim[part]
                assert event["text"][span["start"] : span["end"]] == span["text"]
    assert events[1]["claims"][0]["stance"] == "deny"


def test_poll_dry_run_imports_no_nlp() -> None:
    """The poller's command loads neither spaCy nor the other NLP libraries."""
    check = (
        "import sys; from pipeline.cli.main import main\n"
        "try:\n    main(['poll', '--dry-run', sys.argv[1]])\n"
        "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
        "loaded = {'spacy', 'thinc', 'datasketch', 'trafilatura'} & set(sys.modules)\n"
        "print(sorted(loaded), file=sys.stderr)\n"
        "sys.exit(1 if loaded else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", check, str(BUNDLED / "ndtv.xml")],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert len(done.stdout.splitlines()) == 20  # the items were printed


def test_poll_dry_run_feeds_extract_without_kafka() -> None:
    polled = newswire("poll", "--dry-run", str(BUNDLED / "ndtv.xml"))
    assert polled.returncode == 0, polled.stderr.decode()
    raw = [orjson.loads(line) for line in polled.stdout.splitlines()]
    assert len(raw) == 20
    assert len({r["id"] for r in raw}) == 20
    extracted = newswire("extract", "--jsonl", "-", stdin=polled.stdout)
    assert extracted.returncode == 0, extracted.stderr.decode()
    events = [orjson.loads(line) for line in extracted.stdout.splitlines()]
    assert [e["article"]["id"] for e in events] == [r["id"] for r in raw]


def test_demo_runs_on_the_bundled_feeds_and_exits(tmp_path: Path) -> None:
    """``make demo``: every item of the three bundled feeds becomes one valid event."""
    result = newswire_process("demo", "--json", NEWSWIRE_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    events = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert len({e["article"]["id"] for e in events}) == 70
    for event in events:
        EVENT_SCHEMA.validate(event)
    assert b"70 items polled from 3 feeds -> 70 events" in result.stderr
    assert not (tmp_path / "broker.json").exists()
    store = open_store(Settings(data_dir=tmp_path))
    assert store.counts()["events"] == 70
    store.close()
    assert b"run `newswire web`" in result.stderr


def test_run_starts_broker_and_worker_that_tail_finds_and_sigterm_stops(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "NEWSWIRE_DATA_DIR": str(tmp_path),
        "NEWSWIRE_FEED_FILES": "true",  # the bundled feed is a local file
        "NEWSWIRE_WEB_PORT": str(free_port()),
        "NEWSWIRE_POLLER_WEB_PORT": str(free_port()),
        "NEWSWIRE_NEWSROOM_PORT": str(free_port()),
    }
    env.pop("NEWSWIRE_BROKER", None)
    with (tmp_path / "run.log").open("wb") as log:
        run = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "run", "--feed", str(BUNDLED / "ndtv.xml")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        state = tmp_path / "broker.json"
        wait_until(lambda: state.exists() or run.poll() is not None, 60, lambda: "broker.json")
        running = live_broker(state)
        bootstrap = running.bootstrap if running else None
        assert bootstrap is not None
        # the feed's 20 items become events, which the store keeps and the newsroom shows
        newsroom = f"http://127.0.0.1:{env['NEWSWIRE_NEWSROOM_PORT']}/"
        wait_until(
            lambda: _newsroom_events(newsroom) == 20,
            240,
            lambda: (tmp_path / "logs" / "store.log").read_text()[-2000:],
        )
        tail = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline.cli",
                "tail",
                "--from",
                "beginning",
                "--json",
                "--until-idle",
                "5",
            ],
            env=env,
            capture_output=True,
            timeout=240,
            check=False,
        )
        assert tail.returncode == 0, (tmp_path / "run.log").read_text()[-3000:]
        events = [orjson.loads(line) for line in tail.stdout.splitlines()]
        assert len({e["article"]["id"] for e in events}) == 20
        assert "the newsroom is at http://127.0.0.1:" in (tmp_path / "run.log").read_text()
        run.send_signal(signal.SIGTERM)
        assert run.wait(60) == 0, (tmp_path / "run.log").read_text()[-3000:]
        assert not state.exists()
        with pytest.raises(BrokerError):
            asyncio.run(wait_until_ready(bootstrap, timeout=2))
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()


def _newsroom_events(newsroom: str) -> int:
    """How many events the newsroom's search API lists (two pages of 20), -1 while it is
    not up."""
    found = 0
    try:
        for page_number in (1, 2):
            url = f"{newsroom}api/search?page={page_number}"
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                found += len(orjson.loads(response.read())["events"])
    except OSError:
        return -1
    return found


def test_configuration_errors_fail_fast_with_one_line(tmp_path: Path) -> None:
    cases = {
        "NEWSWIRE_BROKER=http://kafka": ("topics",),
        f"NEWSWIRE_BROKER=127.0.0.1:{free_port()}": ("topics",),
        "NEWSWIRE_PARTITIONS=many": ("topics",),
        "NEWSWIRE_MODEL=no_such_model": ("worker",),
        "NEWSWIRE_FETCH_ALLOW_NETWORKS=localhost": ("topics",),
        "NEWSWIRE_LOG_LEVEL=LOUD": ("worker",),
    }
    for assignment, args in cases.items():
        name, value = assignment.split("=", 1)
        result = newswire_text(*args, NEWSWIRE_DATA_DIR=str(tmp_path), **{name: value})
        unreachable = assignment.startswith("NEWSWIRE_BROKER=127.0.0.1")  # a restart may cure it
        assert result.returncode == (1 if unreachable else 78), assignment
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (assignment, result.stderr)
        assert name in lines[0] or name == "NEWSWIRE_BROKER" or "model" in lines[0]


def test_an_unknown_setting_is_named_with_the_closest_known_one(tmp_path: Path) -> None:
    result = newswire_text(
        "poll", "--dry-run", str(BUNDLED / "ndtv.xml"), NEWSWIRE_PARTITION="8",
        NEWSWIRE_DATA_DIR=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0
    assert result.stderr.splitlines()[0] == (
        "Warning: NEWSWIRE_PARTITION is not a newswire setting (did you mean NEWSWIRE_PARTITIONS?)"
    )


def test_run_refuses_a_local_feed_unless_local_files_are_allowed(tmp_path: Path) -> None:
    local = str(BUNDLED / "ndtv.xml")
    result = newswire_text("run", "--feed", local, NEWSWIRE_DATA_DIR=str(tmp_path))
    assert result.returncode == 78
    assert result.stderr.splitlines() == [
        f"Error: {local!r} is not an http(s) URL (the poller reads local files only with "
        "NEWSWIRE_FEED_FILES=true)"
    ]


def test_commands_that_did_not_do_their_job_exit_non_zero(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.xml")
    dry = newswire_text("poll", "--dry-run", missing, "nothere.xml")
    assert dry.returncode == 1
    assert dry.stderr.splitlines()[-1] == "2 feeds polled, 0 items emitted, 2 failed"
    half = newswire_text("poll", "--dry-run", missing, str(BUNDLED / "ndtv.xml"))
    assert half.returncode == 0  # one of two did its job
    demo = newswire_text("demo", "--feed", missing, NEWSWIRE_DATA_DIR=str(tmp_path))
    assert demo.returncode == 1
    failed = [line for line in demo.stderr.splitlines() if missing in line]
    assert failed == [f"feed failed: {missing}: {missing}: No such file or directory"]


def test_worker_logs_json_lines_when_asked(broker: str, tmp_path: Path) -> None:
    settings = fresh_settings(broker, tmp_path, log_json=True, log_level="INFO")
    env = {**os.environ, **settings.to_env()}
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        log = tmp_path / "worker.log"
        wait_until(lambda: b"Ready" in log.read_bytes(), 60, lambda: log.read_text()[-2000:])
        assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
    lines = [line for line in (tmp_path / "worker.log").read_bytes().splitlines() if line.strip()]
    entries = [orjson.loads(line) for line in lines if line.startswith(b"{")]
    assert len(entries) >= 5
    assert len(entries) >= 0.9 * len(lines), lines[:5]
    assert {"time", "level", "logger", "message"} <= set(entries[0])


def test_the_body_time_limit_holds_in_extract() -> None:
    line = paged("slow", slow_page()).to_json() + b"\n"
    result = newswire_process("extract", "--jsonl", "-", stdin=line, NEWSWIRE_BODY_TIMEOUT="0.2")
    assert result.returncode == 0, result.stderr.decode()
    [event] = [orjson.loads(out) for out in result.stdout.splitlines()]
    assert event["article"]["fulltext_error"] == "page: timeout: extraction took over 0.2 s"
