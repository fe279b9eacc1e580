"""A scripted HTTP server on 127.0.0.1 for poller tests: caching, errors, redirects, stalls."""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """One scripted response; ``body`` None with status 200 means 'serve the route's feed'."""

    status: int = 200
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = True
    gzip: bool = False
    stall_after: int | None = None
    stall_seconds: float = 0.0


@dataclass
class Route:
    """Replies served in order; the last one repeats."""

    replies: list[Reply]
    served: int = 0

    def next(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = Route(list(replies))
        return self.base + path

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up mid-body (body cap, stall tests) are expected."""


class Handler(BaseHTTPRequestHandler):
    server: FeedServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""

    def do_GET(self) -> None:  # noqa: N802
        self.server.requests.append((self.path, dict(self.headers.items())))
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        reply = route.next()
        body = reply.body or b""
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if reply.status == 200 and reply.conditional:
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", {"ETag": etag})
                return
            reply.headers.setdefault("ETag", etag)
        if reply.gzip:
            body = gzip.compress(body)
            reply.headers["Content-Encoding"] = "gzip"
        self._send(reply.status, body, reply.headers, reply)

    def _send(
        self, status: int, body: bytes, headers: dict[str, str], reply: Reply | None = None
    ) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if reply and reply.stall_after is not None:
            self.wfile.write(body[: reply.stall_after])
            self.wfile.flush()
            time.sleep(reply.stall_seconds)
            return
        self.wfile.write(body)


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
