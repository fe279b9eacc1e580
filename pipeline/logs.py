"""Logs: JSON lines for the worker and the poller (``NEWSWIRE_LOG_JSON=true``), and the
size-capped files under the data directory that child processes' output goes to."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

import orjson

LOG_BYTES = 10 * 1024 * 1024
"""A log file is rotated at this size; ``LOG_BACKUPS`` earlier ones are kept."""
LOG_BACKUPS = 3


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def json_logging_config(level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` sending JSON lines to stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "level": level}
        },
        "root": {"level": level, "handlers": ["stderr"]},
    }


def rotating_log(path: Path) -> logging.Logger:
    """A logger writing bare lines to ``path``, kept under ``LOG_BYTES`` by rotation."""
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(f"newswire.file.{path}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    if not logger.handlers:
        handler = RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    return logger


def copy_lines(lines: Iterable[bytes], path: Path) -> threading.Thread:
    """A thread copying ``lines`` (a child's output) into the rotating log at ``path``."""
    log = rotating_log(path)

    def copy() -> None:
        for line in lines:
            log.info(line.rstrip(b"\n").decode("utf-8", errors="replace"))

    thread = threading.Thread(target=copy, name=f"log:{path.name}", daemon=True)
    thread.start()
    return thread
