"""Fetching feed documents politely: conditional GET, timeouts, a body cap, checked redirects.

feedparser only ever parses the bytes fetched here. Local paths and file:// URLs are read from
disk, with status 200, where allowed: for sources given on the command line, and for the
registry's only with ``NEWSWIRE_FEED_FILES``.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlparse

import aiohttp

from pipeline import __version__
from pipeline.poller.safety import (
    Networks,
    SafeResolver,
    UnsafeAddress,
    check_literal_host,
    networks,
)
from pipeline.settings import Settings

USER_AGENT = f"newswire/{__version__} (+https://github.com/newswire/newswire)"
REDIRECTS = {301, 302, 303, 307, 308}
PERMANENT = {301, 308}


class FetchError(Exception):
    """A feed could not be fetched; the poller records it and retries with backoff."""


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = 15 * 1024 * 1024
    max_redirects: int = 5
    per_host: int = 2
    total: int = 16
    allowed_networks: Networks = ()
    files: bool = False  # local paths and file:// URLs may be read

    @classmethod
    def from_settings(cls, settings: Settings, max_bytes: int | None = None) -> FetchLimits:
        return cls(
            connect_timeout=settings.fetch_connect_timeout,
            read_timeout=settings.fetch_read_timeout,
            total_timeout=settings.fetch_total_timeout,
            max_bytes=max_bytes or settings.fetch_max_bytes,
            per_host=settings.fetch_per_host,
            total=settings.fetch_total,
            allowed_networks=networks(settings.fetch_allow_networks),
            files=settings.feed_files,
        )


@dataclass(frozen=True)
class FetchResult:
    """One response: 200 with a body, 304, or an error status with its caching headers."""

    status: int
    url: str
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    cache_control: str | None = None
    expires: str | None = None
    retry_after: str | None = None
    content_type: str | None = None
    moved_to: str | None = None


def is_url(source: str) -> bool:
    return urlparse(source).scheme in ("http", "https")


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when.astimezone(UTC) - now).total_seconds(), 0.0)


class Fetcher:
    """One HTTP session with per-host and global concurrency limits."""

    def __init__(self, limits: FetchLimits | None = None) -> None:
        self.limits = limits or FetchLimits()
        self._session: aiohttp.ClientSession | None = None
        self._global = asyncio.Semaphore(self.limits.total)
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self.limits.per_host)
        )

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            limits = self.limits
            timeout = aiohttp.ClientTimeout(
                total=limits.total_timeout,
                sock_connect=limits.connect_timeout,
                sock_read=limits.read_timeout,
            )
            connector = aiohttp.TCPConnector(resolver=SafeResolver(limits.allowed_networks))
            self._session = aiohttp.ClientSession(
                timeout=timeout, connector=connector, headers={"User-Agent": USER_AGENT}
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def fetch(
        self, source: str, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``source`` (conditionally); raises FetchError on network or safety failures."""
        if not is_url(source):
            if not self.limits.files:
                raise FetchError(
                    f"{source}: not an http(s) URL (the poller reads local files only with "
                    "NEWSWIRE_FEED_FILES=true)"
                )
            return await _read_file(source)
        host = urlparse(source).hostname or ""
        async with self._global, self._hosts[host]:
            try:
                return await self._follow(source, etag, last_modified)
            except (aiohttp.ClientError, TimeoutError, UnsafeAddress) as exc:
                raise FetchError(f"{type(exc).__name__}: {exc}") from exc

    async def _follow(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        headers = {"Accept-Encoding": "gzip, deflate, br"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        moved_to, permanent = None, True
        for _ in range(self.limits.max_redirects + 1):
            check_literal_host(urlparse(url).hostname or "", self.limits.allowed_networks)
            async with self._client().get(url, headers=headers, allow_redirects=False) as resp:
                location = resp.headers.get("Location")
                if resp.status in REDIRECTS and location:
                    permanent = permanent and resp.status in PERMANENT
                    url = urljoin(url, location)
                    moved_to = url if permanent else moved_to
                    continue
                body = await self._body(resp) if resp.status == 200 else b""
                return FetchResult(
                    status=resp.status,
                    url=url,
                    body=body,
                    etag=resp.headers.get("ETag"),
                    last_modified=resp.headers.get("Last-Modified"),
                    cache_control=resp.headers.get("Cache-Control"),
                    expires=resp.headers.get("Expires"),
                    retry_after=resp.headers.get("Retry-After"),
                    content_type=resp.headers.get("Content-Type"),
                    moved_to=moved_to,
                )
        raise FetchError(f"more than {self.limits.max_redirects} redirects")

    async def _body(self, resp: aiohttp.ClientResponse) -> bytes:
        cap = self.limits.max_bytes
        if resp.content_length is not None and resp.content_length > cap:
            raise FetchError(f"body of {resp.content_length} bytes is over the {cap}-byte cap")
        body = bytearray()
        async for chunk in resp.content.iter_chunked(65536):
            body += chunk
            if len(body) > cap:
                raise FetchError(f"body larger than the {cap}-byte cap")
        return bytes(body)


async def _read_file(source: str) -> FetchResult:
    path = Path(urlparse(source).path if source.startswith("file://") else source)
    try:
        body = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise FetchError(f"{source}: {exc.strerror or exc}") from exc
    return FetchResult(status=200, url=source, body=body)
