"""The JSON API: the same searches as the pages, for programs."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import orjson
from aiohttp import web

from pipeline.newsroom.claims import about, claim_dict
from pipeline.newsroom.keys import NEWSROOM
from pipeline.newsroom.params import BadQuery, page_number, search_of
from pipeline.store.query import Search


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


async def health(request: web.Request) -> web.Response:
    return _json({"status": "ok"})


async def search(request: web.Request) -> web.Response:
    """``/api/search?q=&entity=&claimant=&stance=&hedged=&anonymous=&source=&language=&story=
    &since=&until=&page=``: stored events as on ``news.events``, newest first, 20 a page."""
    try:
        asked = search_of(request.query)
    except BadQuery as exc:
        return _json({"error": str(exc)}, status=400)
    wanted = asked.search
    hits = await asyncio.to_thread(
        request.app[NEWSROOM].store.search, replace(wanted, limit=wanted.limit + 1)
    )
    more = len(hits) > wanted.limit
    events = [orjson.loads(hit.body) for hit in hits[: wanted.limit]]
    return _json({"page": asked.page, "more": more, "events": events})


async def claimant_claims(request: web.Request) -> web.Response:
    """The claims of one claimant, newest first: ``?page=`` (50 a page)."""
    page = page_number(request.query)
    key = request.match_info["key"]
    hits = await asyncio.to_thread(request.app[NEWSROOM].store.claims_of, key, 50, (page - 1) * 50)
    return _json({"claimant": key, "page": page, "claims": [claim_dict(h) for h in hits]})


async def entity(request: web.Request) -> web.Response:
    """An entity (or claimant): names, articles per day, claims by it and about it,
    disagreements (a lexical match)."""
    found = await about(request.app[NEWSROOM].store, request.match_info["id"])
    if not found["names"] and not found["claims"]:
        return _json({"error": "not stored"}, status=404)
    return _json(found)


async def story(request: web.Request) -> web.Response:
    """The stored copies of one story, first published first."""
    search = Search(story=request.match_info["id"], limit=200)
    hits = await asyncio.to_thread(request.app[NEWSROOM].store.search, search)
    events = [orjson.loads(hit.body) for hit in reversed(hits)]
    return _json({"story": request.match_info["id"], "events": events})
