"""The converted corpora under ``.data``: JSON lines, a train and a dev split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def require_splits(folder: Path, how: str) -> None:
    """Exit with one line naming a missing ``train.jsonl`` or ``dev.jsonl`` and ``how`` to
    make it."""
    for split in ("train", "dev"):
        if not (folder / f"{split}.jsonl").exists():
            raise SystemExit(f"Error: {folder / split}.jsonl not found: {how}")


def print_figures(figures: dict[str, Any]) -> None:
    print(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode())
