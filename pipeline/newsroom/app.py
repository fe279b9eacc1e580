"""The newsroom's web application (aiohttp, Jinja2 templates escaped by default): pages, the
JSON API, the live stream, and the guard (token beyond loopback, no other origin)."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2
from aiohttp import web

from pipeline.newsroom import api, live, pages
from pipeline.newsroom.keys import NEWSROOM, Newsroom
from pipeline.settings import Settings
from pipeline.store.base import Store

HERE = Path(__file__).parent
TOKEN_COOKIE = "newswire_token"  # noqa: S105 - the name of the cookie, not a secret
#: Everything from this origin only; no inline script; no framing.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def web_url(url: str | None) -> str:
    """``url`` if it is an http(s) URL, else "" (a feed's ``javascript:`` link is no link)."""
    return url if url and urlsplit(url).scheme in ("http", "https") else ""


def _given_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ")
    return request.query.get("token") or request.cookies.get(TOKEN_COOKIE, "")


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse requests without the token (when one is set); headers that keep every page to
    this origin."""
    token: str | None = request.app[NEWSROOM].token
    if token and not hmac.compare_digest(_given_token(request).encode(), token.encode()):
        return web.Response(
            status=401,
            text="401: this newsroom needs its token (NEWSWIRE_WEB_TOKEN)\n",
            headers={"WWW-Authenticate": 'Bearer realm="newswire"'},
        )
    response = await handler(request)
    if token and request.query.get("token"):
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict")
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def make_app(settings: Settings, store: Store, bootstrap: str | None) -> web.Application:
    """The newsroom over ``store``; ``bootstrap`` (None: no broker) feeds the feeds and
    pipeline pages."""
    app = web.Application(middlewares=[guard])
    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    templates.filters.update(part=lambda text: quote(str(text), safe=""), web_url=web_url)
    token = settings.web_token.get_secret_value() if settings.web_token else None
    room = Newsroom(settings, store, bootstrap, templates, token, secrets.token_urlsafe(16))
    app[NEWSROOM] = room

    async def stop_streams(app: web.Application) -> None:
        room.stopping.set()

    app.on_shutdown.append(stop_streams)
    app.router.add_get("/", pages.live_page)
    app.router.add_get("/live/stream", live.stream)
    app.router.add_get("/search", pages.search_page)
    app.router.add_get("/entity/{id:.+}", pages.entity_page)
    app.router.add_get("/claimant/{key:.+}", pages.claimant_page)
    app.router.add_get("/story/{id:.+}", pages.story_page)
    app.router.add_get("/feeds", pages.feeds_page)
    app.router.add_get("/pipeline", pages.pipeline_page)
    app.router.add_post("/pipeline/redrive", pages.redrive_letters)
    app.router.add_get("/health", api.health)
    app.router.add_get("/api/search", api.search)
    app.router.add_get("/api/claimants/{key:.+}/claims", api.claimant_claims)
    app.router.add_get("/api/entities/{id:.+}", api.entity)
    app.router.add_get("/api/stories/{id:.+}", api.story)
    app.router.add_static("/static", HERE / "static")
    return app
