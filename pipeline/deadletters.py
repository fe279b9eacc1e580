"""Dead letters: the original payload, the stage, the error and where the message came from."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from pipeline.records import DeadLetter, ErrorInfo, SourceRef

MAX_ERROR_CHARS = 2000
REDRIVEN_FROM = "x-redriven-from"
"""The header of a redriven message: TOPIC/PARTITION/OFFSET of its dead letter."""


class MessageTooLarge(ValueError):
    """A result over the configured message size; it is dead-lettered instead of sent."""


def check_size(value: bytes, limit: int) -> bytes:
    if len(value) > limit:
        raise MessageTooLarge(f"{len(value)} bytes exceeds the {limit}-byte message limit")
    return value


def error_info(exc: BaseException) -> ErrorInfo:
    return ErrorInfo(type=type(exc).__name__, message=str(exc)[:MAX_ERROR_CHARS])


def dead_letter(
    *,
    stage: str,
    error: ErrorInfo,
    payload: bytes,
    key: bytes | None,
    source: SourceRef | None,
    payload_limit: int,
    headers: Iterable[tuple[str, bytes]] = (),
) -> DeadLetter:
    """A dead letter for ``payload``; payloads over ``payload_limit`` bytes are cut. A message
    that was redriven (its ``headers`` say from which letter) is marked as a repeat of it."""
    truncated = len(payload) > payload_limit
    return DeadLetter(
        stage=stage,
        error=error,
        payload=payload[:payload_limit].decode("utf-8", errors="replace"),
        payload_truncated=truncated,
        payload_bytes=len(payload),
        key=key.decode("utf-8", errors="replace") if key is not None else None,
        source=source,
        failed_at=datetime.now(UTC),
        repeat_of=redriven_from(headers),
    )


def redriven_from(headers: Iterable[tuple[str, bytes]]) -> SourceRef | None:
    """The dead letter a redriven message came from (its ``x-redriven-from`` header)."""
    for name, value in headers:
        if name == REDRIVEN_FROM:
            topic, partition, offset = value.decode().rsplit("/", 2)
            return SourceRef(topic=topic, partition=int(partition), offset=int(offset))
    return None
