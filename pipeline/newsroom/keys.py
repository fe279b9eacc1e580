"""What the newsroom's handlers share, found on the application as ``app[NEWSROOM]``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import jinja2
from aiohttp import web

from pipeline.settings import Settings
from pipeline.store.base import Store


@dataclass(frozen=True)
class Newsroom:
    settings: Settings
    store: Store
    bootstrap: str | None
    """The Kafka broker for the feeds and pipeline pages; None: none known."""
    templates: jinja2.Environment
    token: str | None
    """Every request must carry it, when set."""
    csrf: str
    """The redrive form's token."""
    stopping: asyncio.Event = field(default_factory=asyncio.Event)


NEWSROOM = web.AppKey("newsroom", Newsroom)
