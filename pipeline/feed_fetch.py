"""Fetching a feed document: http(s) with timeouts and a body cap, or a local file."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlparse

import aiohttp

from pipeline import __version__

USER_AGENT = f"newswire/{__version__} (+https://github.com/newswire/newswire; feed poller)"
MAX_BODY_BYTES = 15 * 1024 * 1024


class FetchError(Exception):
    """A feed could not be fetched; the poller logs it and retries on its next round."""


def is_url(source: str) -> bool:
    return urlparse(source).scheme in ("http", "https")


async def fetch(
    source: str, session: aiohttp.ClientSession | None = None, max_bytes: int = MAX_BODY_BYTES
) -> bytes:
    """The document at ``source`` (an http(s) URL, a file:// URL or a path)."""
    if not is_url(source):
        path = Path(urlparse(source).path if source.startswith("file://") else source)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            raise FetchError(f"{source}: {exc.strerror or exc}") from exc
    if session is None:
        async with http_session() as own:
            return await _get(own, source, max_bytes)
    return await _get(session, source, max_bytes)


def http_session() -> aiohttp.ClientSession:
    timeout = aiohttp.ClientTimeout(total=60, sock_connect=10, sock_read=20)
    return aiohttp.ClientSession(timeout=timeout, headers={"User-Agent": USER_AGENT})


async def _get(session: aiohttp.ClientSession, url: str, max_bytes: int) -> bytes:
    try:
        async with session.get(url, max_redirects=5) as response:
            if response.status >= 400:
                raise FetchError(f"{url}: HTTP {response.status}")
            body = bytearray()
            async for chunk in response.content.iter_chunked(65536):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"{url}: body larger than {max_bytes} bytes")
            return bytes(body)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
