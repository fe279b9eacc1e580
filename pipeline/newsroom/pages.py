"""The newsroom's pages: live, search, entity, claimant, story, feeds, pipeline."""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp import web

from pipeline.newsroom import status
from pipeline.newsroom.chart import day_bars
from pipeline.newsroom.claims import about
from pipeline.newsroom.keys import NEWSROOM
from pipeline.newsroom.params import FILTERS, BadQuery, search_of
from pipeline.newsroom.view import event_view
from pipeline.poller.report import when_text
from pipeline.redrive import Letter, plan_redrive, redrive
from pipeline.settings import Settings
from pipeline.store.query import STANCES, Search

T = TypeVar("T")

LIVE_EVENTS = 30
KAFKA_SECONDS = 15.0
"""Longest a page waits for Kafka (feeds, lag, dead letters)."""
NO_BROKER = "No Kafka broker is known to this web server: start it with NEWSWIRE_BROKER set."


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    page = request.app[NEWSROOM].templates.get_template(template).render(**context)
    return web.Response(text=page, status=status, content_type="text/html")


def not_found(request: web.Request, message: str) -> web.Response:
    return render(request, "error.html", 404, title="Not found", message=message, active="")


async def live_page(request: web.Request) -> web.Response:
    """The latest events; the page's script adds new ones as they are stored."""
    store = request.app[NEWSROOM].store
    after = await asyncio.to_thread(store.last_id)
    hits = await asyncio.to_thread(store.search, Search(limit=LIVE_EVENTS))
    count = await asyncio.to_thread(store.event_count)
    events = [event_view(hit.body) for hit in hits]
    return render(
        request, "live.html", title="Live", active="Live", events=events, after=after, count=count
    )


async def search_page(request: web.Request) -> web.Response:
    """The search form and one page of results, newest first."""
    form = {name: request.query.get(name, "") for name in FILTERS}
    context: dict[str, Any] = {
        "title": "Search",
        "active": "Search",
        "form": form,
        "stances": STANCES,
        "events": [],
        "page": 1,
        "more": False,
        "error": None,
        "next_url": "",
        "prev_url": "",
    }
    try:
        asked = search_of(request.query)
    except BadQuery as exc:
        return render(request, "search.html", 400, **{**context, "error": str(exc)})
    wanted = asked.search
    hits = await asyncio.to_thread(
        request.app[NEWSROOM].store.search, replace(wanted, limit=wanted.limit + 1)
    )
    kept = {name: value for name, value in form.items() if value}
    return render(
        request,
        "search.html",
        **{
            **context,
            "events": [event_view(hit.body, wanted) for hit in hits[: wanted.limit]],
            "page": asked.page,
            "more": len(hits) > wanted.limit,
            "next_url": "/search?" + urlencode({**kept, "page": asked.page + 1}),
            "prev_url": "/search?" + urlencode({**kept, "page": asked.page - 1}),
        },
    )


def _profile(
    request: web.Request, found: dict[str, Any], name: str, kind: str, query: dict[str, str]
) -> web.Response:
    """An entity's or claimant's page: names, articles per day, claims, disagreements."""
    return render(
        request,
        "person.html",
        title=name,
        active="",
        name=name,
        kind=kind,
        labels=found["names"],
        chart=day_bars(found["timeline"]),
        claims=found["claims"],
        about=found["about"] if found["names"] else None,
        disagreements=found["disagreements"],
        search_query=urlencode(query),
    )


async def entity_page(request: web.Request) -> web.Response:
    """An entity: articles per day, its claims, the claims about it, its disagreements."""
    key = request.match_info["id"]
    found = await about(request.app[NEWSROOM].store, key)
    if not found["names"]:
        return not_found(request, f"No stored article names the entity {key}.")
    name, label, _ = found["names"][0]
    return _profile(request, found, name, label, {"entity": key})


async def claimant_page(request: web.Request) -> web.Response:
    """A claimant: its claims over time and its disagreements (and, for an entity, what an
    entity page shows)."""
    key = request.match_info["key"]
    found = await about(request.app[NEWSROOM].store, key)
    if not found["claims"]:
        return not_found(request, f"No stored claim is by {key}.")
    name = found["claims"][0]["claimant_name"]
    kind = "anonymous claimant" if key.startswith("anonymous:") else "claimant"
    return _profile(request, found, name, kind, {"claimant": key})


async def story_page(request: web.Request) -> web.Response:
    """The stored copies of one story, the first published first."""
    story = request.match_info["id"]
    hits = await asyncio.to_thread(
        request.app[NEWSROOM].store.search, Search(story=story, limit=200)
    )
    events = [event_view(hit.body) for hit in reversed(hits)]
    return render(request, "story.html", title="Story", active="", events=events)


async def _ask_kafka(
    request: web.Request, question: Callable[[str, Settings], Awaitable[T]]
) -> T | str:
    """``question``'s answer from the web server's broker, or why there is none, for the page."""
    newsroom = request.app[NEWSROOM]
    if newsroom.bootstrap is None:
        return NO_BROKER
    try:
        return await asyncio.wait_for(
            question(newsroom.bootstrap, newsroom.settings), KAFKA_SECONDS
        )
    except Exception as exc:  # noqa: BLE001 - shown on the page
        return f"Kafka did not answer: {type(exc).__name__}: {exc}"


async def feeds_page(request: web.Request) -> web.Response:
    """Each feed's status, as ``feeds list`` shows it."""
    answer = await _ask_kafka(request, status.feeds)
    rows, error = ([], answer) if isinstance(answer, str) else (answer, None)
    now = datetime.now(UTC)
    for row in rows:
        row["last_success"] = when_text(row["last_success_at"], now)
        row["next_poll"] = when_text(row["next_poll_at"], now)
    return render(request, "feeds.html", title="Feeds", active="Feeds", feeds=rows, error=error)


async def pipeline_page(request: web.Request) -> web.Response:
    """Stored counts and throughput, consumer lag per stage, dead letters."""
    app = request.app
    store = app[NEWSROOM].store
    now = time.time()
    counts = await asyncio.to_thread(store.counts)
    per_minute = await asyncio.to_thread(store.arrived_since, now - 60)
    per_hour = await asyncio.to_thread(store.arrived_since, now - 3600)

    async def ask(bootstrap: str, settings: Settings) -> tuple[list[status.Lag], list[Letter]]:
        return await status.lags(bootstrap, settings), await status.letters(bootstrap, settings)

    answer = await _ask_kafka(request, ask)
    lags, found, error = ([], [], answer) if isinstance(answer, str) else (*answer, None)
    pending = len(plan_redrive(found, again=False).send)
    letters = [status.letter_row(item) for item in found]
    return render(
        request,
        "pipeline.html",
        title="Pipeline",
        active="Pipeline",
        error=error,
        message=request.query.get("message"),
        counts=counts,
        per_minute=per_minute,
        per_hour=per_hour,
        lags=lags,
        letters=letters,
        pending=pending,
        csrf=app[NEWSROOM].csrf,
    )


async def redrive_letters(request: web.Request) -> web.Response:
    """Send every dead letter that can be redriven (not yet redriven, not cut) back to its
    stage's input, as ``deadletter redrive`` does."""
    app = request.app
    form = await request.post()
    if not hmac.compare_digest(str(form.get("csrf", "")).encode(), app[NEWSROOM].csrf.encode()):
        return web.Response(status=403, text="403: this form is stale; reload the page\n")
    bootstrap = app[NEWSROOM].bootstrap
    if bootstrap is None:
        return web.Response(status=503, text=NO_BROKER + "\n")
    found = await status.letters(bootstrap, app[NEWSROOM].settings)
    sent = await redrive(bootstrap, app[NEWSROOM].settings, plan_redrive(found, again=False).send)
    raise web.HTTPSeeOther("/pipeline?" + urlencode({"message": f"{len(sent)} letters redriven"}))
