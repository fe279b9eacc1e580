"""Resident memory and CPU time of a process and its descendants, read from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process visible now."""
    parents = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    parents = _parents()
    family, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        family += children
        frontier = children
    return family


def rss_bytes(pid: int) -> int:
    """VmRSS of one process (0 when it is gone)."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants, in MiB."""
    return round(sum(rss_bytes(p) for p in descendants(pid)) / 2**20, 1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0.0 when it is gone)."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def name(pid: int) -> str:
    """The process's name (``comm``: what ``ps`` and ``top`` show), "" when it is gone."""
    try:
        return (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def tree_cpu(pid: int) -> tuple[float, dict[str, float]]:
    """CPU seconds of ``pid`` itself and of its descendants by name (a worker's NLP and clean
    processes)."""
    below: dict[str, float] = {}
    for child in descendants(pid)[1:]:
        below[name(child)] = below.get(name(child), 0.0) + cpu_seconds(child)
    return cpu_seconds(pid), below
