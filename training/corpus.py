"""The converted corpora under ``.data``: JSON lines, a train and a dev split."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

POLNEAR = Path(__file__).resolve().parents[1] / ".data" / "polnear"


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


def polnear_main(
    argv: Sequence[str] | None,
    prog: str,
    description: str | None,
    out: Path,
    train: Callable[[Path, Path], dict[str, Any]],
) -> None:
    """The command line of a component trained on PolNeAR: ``--polnear`` (the converted
    splits) and ``--out`` (the model file, default ``out``) for ``train``."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--polnear", type=Path, default=POLNEAR, help="train.jsonl, dev.jsonl")
    parser.add_argument("--out", type=Path, default=out)
    args = parser.parse_args(argv)
    require_splits(args.polnear, "fetch PolNeAR and convert it as ../shared/data/README.md says")
    print_figures(train(args.polnear, args.out))
