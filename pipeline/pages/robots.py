"""robots.txt for article pages (RFC 9309, parsed by protego), cached per site.

protego follows the RFC where the standard library's parser does not: the longest matching
rule wins, ``Allow`` wins a tie, and ``*`` and ``$`` are patterns.

A 4xx answer means no rules (everything allowed); a 5xx answer or an unreachable site means
"disallow everything" until the entry expires, as the RFC asks.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from urllib.parse import urlsplit

from protego import Protego

from pipeline.poller.fetch import Fetcher, FetchError

AGENT = "newswire"
TTL = 3600.0
"""Seconds a site's rules are kept (the RFC allows up to 24 hours)."""
FAILED_TTL = 300.0
"""Seconds a site whose robots.txt failed stays disallowed before it is asked again."""
DISALLOW_ALL = "User-agent: *\nDisallow: /\n"
SITES = 1024
"""Sites kept in the cache (least recently used go first)."""


class Robots:
    """Answers whether ``newswire`` may fetch a URL, fetching each site's robots.txt once."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        self._sites: OrderedDict[str, tuple[float, Protego]] = OrderedDict()

    async def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        cached = self._sites.get(site)
        if cached is None or cached[0] < time.monotonic():
            cached = await self._load(site)
            self._sites[site] = cached
        self._sites.move_to_end(site)
        while len(self._sites) > SITES:
            self._sites.popitem(last=False)
        return bool(cached[1].can_fetch(url, AGENT))

    async def _load(self, site: str) -> tuple[float, Protego]:
        try:
            result = await self.fetcher.fetch(site + "/robots.txt")
        except FetchError:
            return time.monotonic() + FAILED_TTL, Protego.parse(DISALLOW_ALL)
        if result.status >= 500:
            return time.monotonic() + FAILED_TTL, Protego.parse(DISALLOW_ALL)
        text = result.body.decode("utf-8", "replace") if result.status < 400 else ""
        return time.monotonic() + TTL, Protego.parse(text)  # no text: everything allowed
