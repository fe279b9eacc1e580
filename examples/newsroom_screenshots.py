"""Screenshots of every newsroom page (docs/newsroom/*.png), from a live `newswire run` on
the bundled feeds, taken with headless Chromium (Debian's chromium and chromium-driver):

    .venv/bin/python examples/newsroom_screenshots.py [--out docs/newsroom]

It runs the pipeline in a temporary data directory, waits until the store holds every event,
opens each page (the entity and claimant with the most claims, the story with the most
copies), saves a desktop picture of each and phone-sized ones of two, and stops the pipeline.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import orjson
from selenium import webdriver

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.kafka.broker import free_port  # noqa: E402
from tests.support.browser import chromium  # noqa: E402

FEEDS = sorted((ROOT / "pipeline" / "demo_feeds").glob("*.xml"))
EXPECTED = 70


def fetch(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our loopback page
        return orjson.loads(response.read())


def stored(base: str) -> list[dict]:
    events, page = [], 1
    while True:
        found = fetch(f"{base}api/search?page={page}")
        events += found["events"]
        if not found["more"]:
            return events
        page += 1


def wait_for_events(base: str, log: Path, timeout: float = 600) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            events = stored(base)
            if len(events) >= EXPECTED:
                return events
        except OSError:
            pass
        time.sleep(2)
    raise SystemExit(f"timed out; the run's log:\n{log.read_text()[-3000:]}")


def most(events: list[dict]) -> tuple[str, str, str]:
    """The claimant and the entity with the most claims, the story with the most copies."""
    claimants: dict[str, int] = {}
    stories: dict[str, int] = {}
    for event in events:
        for claim in event["claims"]:
            key = claim["claimant"].get("entity_id")
            if key:
                claimants[key] = claimants.get(key, 0) + 1
        story = event["article"].get("story_id") or event["article"]["id"]
        stories[story] = stories.get(story, 0) + 1
    claimant = max(claimants, key=claimants.__getitem__)
    entity = max(
        (e["id"] for event in events for e in event["entities"] if e["id"] != claimant),
        key=lambda i: sum(1 for ev in events for e in ev["entities"] if e["id"] == i),
    )
    return claimant, entity, max(stories, key=stories.__getitem__)


def shoot(browser: webdriver.Chrome, url: str, path: Path) -> None:
    browser.get(url)
    time.sleep(0.5)
    height = browser.execute_script("return document.body.scrollHeight")
    width = browser.execute_script("return window.innerWidth")
    browser.set_window_size(width, min(max(height, 600), 2400))
    browser.save_screenshot(str(path))
    print(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "newsroom")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="newswire-shots-"))
    port = free_port()
    env = {
        **os.environ,
        "NEWSWIRE_DATA_DIR": str(data),
        "NEWSWIRE_FEED_FILES": "true",
        "NEWSWIRE_FULLTEXT": "false",
        "NEWSWIRE_NEWSROOM_PORT": str(port),
        "NEWSWIRE_WEB_PORT": str(free_port()),
        "NEWSWIRE_POLLER_WEB_PORT": str(free_port()),
    }
    log = data / "run.log"
    feeds = [arg for feed in FEEDS for arg in ("--feed", str(feed))]
    run = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pipeline.cli", "run", *feeds], env=env, stderr=log.open("wb")
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        events = wait_for_events(base, log)
        claimant, entity, story = most(events)
        pages = {
            "live": "",
            "search": "search?q=minister&stance=deny",
            "entity": f"entity/{quote(entity, safe='')}",
            "claimant": f"claimant/{quote(claimant, safe='')}",
            "story": f"story/{quote(story, safe='')}",
            "feeds": "feeds",
            "pipeline": "pipeline",
        }
        sizes = {"desktop": (1280, 900, list(pages)), "phone": (412, 900, ["live", "search"])}
        for size, (width, height, names) in sizes.items():
            with chromium(data / f"profile-{size}", width, height) as browser:
                for name in names:
                    browser.set_window_size(width, height)
                    shoot(browser, base + pages[name], out / f"{name}-{size}.png")
    finally:
        run.send_signal(signal.SIGTERM)
        run.wait(60)


if __name__ == "__main__":
    main()
