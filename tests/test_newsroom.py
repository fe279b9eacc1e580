"""The newsroom over real HTTP on 127.0.0.1 (aiohttp's test server): pages, the JSON API, the
live stream, escaping of hostile feed text, and the token."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from spacy.language import Language

from pipeline.newsroom.app import make_app
from pipeline.newsroom.chart import buckets, day_bars
from pipeline.records import Event
from pipeline.settings import Settings
from pipeline.store.base import Store
from pipeline.store.configured import open_store
from tests.support.cli import newswire_text
from tests.support.events import make_events

HOSTILE = '<script>document.title="owned"</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def events(nlp: Language) -> list[Event]:
    return make_events(nlp)


@pytest.fixture
def store(tmp_path: Path, events: list[Event]) -> Iterator[Store]:
    opened = open_store(Settings(data_dir=tmp_path))
    opened.write([(e, e.to_json()) for e in events])
    yield opened
    opened.close()


Check = Callable[[TestClient[Any, Any]], Awaitable[None]]


def serve(store: Store, check: Check, **settings: Any) -> None:
    """Run ``check`` against the newsroom over ``store`` on a loopback port."""

    async def go() -> None:
        app = make_app(Settings(data_dir=Path("."), **settings), store, None)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            await check(client)

    asyncio.run(go())


async def page(client: TestClient[Any, Any], path: str, status: int = 200) -> str:
    response = await client.get(path)
    text = await response.text()
    assert response.status == status, text
    return text


def test_pages_show_events_claims_and_entities(store: Store) -> None:
    async def check(client: TestClient[Any, Any]) -> None:
        live = await page(client, "/")
        assert live.index("Port of Dunmore talks resume") < live.index("Minister says the port")
        assert "4 events stored" in live
        found = await page(client, "/search?q=reopen&stance=deny")
        assert "Union denies strike is over at Dunmore" in found
        assert "Minister says the port" in found  # its union claim denies too
        assert "Talks over the port" not in found
        # only the claims that match are shown
        assert 'class="claim stance-assert"' not in found
        assert "claims that do not match not shown" in found
        claimant = await page(client, "/claimant/org%3Adockers-union")
        claims_by = claimant.split('id="claims-by"')[1].split("</ul>")[0]
        assert claims_by.count('class="claim stance-deny"') == 2
        assert "that the strike had been settled" in claimant
        entity = await page(client, "/entity/person%3Ahelen-marsh")
        assert "<svg" in entity and "2026-11-04: 1" in entity
        assert "lexical match" in entity
        assert "Coast Daily" in entity.split('id="disagreements"')[1]
        story = await page(client, "/story/port-3")
        assert "2 copies" in story and "First: <strong>Wire Service</strong>" in story
        assert "nothing" in await page(client, "/entity/nothing", 404)
        assert "not an ISO 8601" in await page(client, "/search?since=soon", 400)
        assert "No Kafka broker" in await page(client, "/pipeline")

    serve(store, check)


def test_the_api_answers_json(store: Store, events: list[Event]) -> None:
    async def check(client: TestClient[Any, Any]) -> None:
        found = await (await client.get("/api/search?q=talks&page=1")).json()
        assert [e["article"]["id"] for e in found["events"]] == ["port-3-copy", "port-3", "port-2"]
        assert found["events"][2] == orjson.loads(events[1].to_json())
        assert found["more"] is False
        paged = await (await client.get("/api/search?page=2")).json()
        assert paged["events"] == []
        claims = await (await client.get("/api/claimants/org:dockers-union/claims")).json()
        assert {c["stance"] for c in claims["claims"]} == {"deny"}
        entity = await (await client.get("/api/entities/person:helen-marsh")).json()
        assert [count for _, count in entity["timeline"]] == [1, 1, 1]
        story = await (await client.get("/api/stories/port-3")).json()
        assert [e["article"]["source"] for e in story["events"]] == [
            "Wire Service",
            "Regional Times",
        ]
        bad = await client.get("/api/search?stance=maybe")
        assert bad.status == 400 and "stance" in (await bad.json())["error"]

    serve(store, check)


def test_hostile_feed_text_is_escaped_and_its_links_dropped(
    store: Store, events: list[Event]
) -> None:
    first = events[0]
    hostile = first.model_copy(
        update={
            "event_id": "hostile",
            "article": first.article.model_copy(
                update={"id": "hostile", "title": HOSTILE, "url": "javascript:alert(1)"}
            ),
        }
    )
    store.write([(hostile, hostile.to_json())])

    async def check(client: TestClient[Any, Any]) -> None:
        response = await client.get("/search?q=strike")
        text = await response.text()
        assert "&lt;script&gt;" in text and "<script>document" not in text
        assert "javascript:" not in text
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy

    serve(store, check)


def test_live_stream_sends_an_event_stored_after_it_opened(
    store: Store, events: list[Event]
) -> None:
    newer = events[0].model_copy(
        update={
            "event_id": "late",
            "article": events[0].article.model_copy(update={"id": "late", "title": "Late news"}),
        }
    )

    async def check(client: TestClient[Any, Any]) -> None:
        response = await client.get(f"/live/stream?after={store.last_id()}")
        assert response.headers["Content-Type"] == "text/event-stream"
        await asyncio.to_thread(store.write, [(newer, newer.to_json())])
        seen = b""
        async with asyncio.timeout(10):
            while b"event: count" not in seen:
                seen += await response.content.readany()
        assert b"event: article" in seen and b"Late news" in seen
        assert b"data: 5" in seen
        response.close()

    serve(store, check)


def test_a_token_guards_every_request(store: Store) -> None:
    async def check(client: TestClient[Any, Any]) -> None:
        for path in ("/", "/api/search", "/static/style.css", "/live/stream"):
            assert (await client.get(path)).status == 401
        assert (await client.get("/?token=wrong")).status == 401
        assert (
            await client.get("/health", headers={"Authorization": "Bearer s3cret"})
        ).status == 200
        first = await client.get("/?token=s3cret")
        assert first.status == 200
        cookie = first.cookies["newswire_token"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        # the cookie carries the token from then on
        async with ClientSession(cookies={"newswire_token": "s3cret"}) as session:
            response = await session.get(client.make_url("/search"))
            assert response.status == 200

    serve(store, check, web_token=SecretStr("s3cret"))


def test_web_prints_its_address_first_and_stops_on_sigterm(store: Store, tmp_path: Path) -> None:
    env = {**os.environ, "NEWSWIRE_DATA_DIR": str(tmp_path), "NEWSWIRE_WEB_TOKEN": "s3cret"}
    env.pop("NEWSWIRE_BROKER", None)
    web = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "web", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert web.stdout is not None
        first = web.stdout.readline().decode()
        assert first.startswith("web: http://127.0.0.1:") and first.endswith("/\n")
        url = first.removeprefix("web: ").strip()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=5)  # noqa: S310 - loopback
        assert refused.value.code == 401
        bearer = {"Authorization": "Bearer s3cret"}
        request = urllib.request.Request(url, headers=bearer)  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=5) as page:  # noqa: S310 - loopback
            assert "4 events stored" in page.read().decode()
        web.send_signal(signal.SIGTERM)
        assert web.wait(20) == 0
    finally:
        if web.poll() is None:
            web.kill()
            web.wait()
    assert web.stderr is not None
    assert "newswire web: stopped" in web.stderr.read().decode()


def test_web_beyond_loopback_needs_a_token(tmp_path: Path) -> None:
    done = newswire_text("web", "--host", "0.0.0.0", NEWSWIRE_DATA_DIR=str(tmp_path))
    assert done.returncode == 78
    assert "NEWSWIRE_WEB_TOKEN" in done.stderr and done.stdout == ""


def test_the_chart_groups_a_long_span_into_at_most_90_bars() -> None:
    day = 86400.0
    days = [(0.0, 2), (day, 1), (400 * day, 5)]
    size, counts = buckets(days)
    assert size == 5 and counts == {0: 3, 80: 5}
    svg = str(day_bars(days))
    assert svg.count("<rect") == 2 and "1970-01-01 to 1970-01-05: 3" in svg
    assert buckets([(0.0, 1), (2 * day, 4)]) == (1, {0: 1, 2: 4})
    assert str(day_bars([])) == ""
