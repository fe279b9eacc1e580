"""A feed corpus served on 127.0.0.1 under many distinct URLs, with ETag and 304.

``python -m bench.feed_server DIR`` prints its port, then serves ``/feed/N`` as the N-th feed
file of DIR (``feed_files``, modulo their count) until it is terminated. It runs in its own
process so that the poller's CPU time is measured without the server's.
"""

from __future__ import annotations

import hashlib
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def feed_files(folder: Path) -> list[Path]:
    """The files of ``folder`` but its notes (``*.md``), in name order."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix != ".md")


class CorpusServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder: Path) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.bodies = [p.read_bytes() for p in feed_files(folder)]
        self.etags = ['"' + hashlib.sha256(b).hexdigest()[:16] + '"' for b in self.bodies]

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up are not the server's concern."""


class Handler(BaseHTTPRequestHandler):
    server: CorpusServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""

    def do_GET(self) -> None:  # noqa: N802
        head, _, number = self.path.rpartition("/")
        if head != "/feed" or not number.isdigit():
            self.send_error(404)
            return
        index = int(number) % len(self.server.bodies)
        etag = self.server.etags[index]
        fresh = self.headers.get("If-None-Match") == etag
        body = b"" if fresh else self.server.bodies[index]
        self.send_response(304 if fresh else 200)
        self.send_header("ETag", etag)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    server = CorpusServer(Path(sys.argv[1]))
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
