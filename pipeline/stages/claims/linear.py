"""A logistic regression over binary features, in the JSON form ``training/`` writes and the
cue detector (``learned``) and the claim screen (``screen``) read: bias, threshold, an
optional veto and one weight per feature."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class LinearModel:
    """``threshold``: the probability from which the model says yes; ``veto``: a second one,
    below which the cue detector rejects a verb of the word lists."""

    bias: float
    threshold: float
    weights: dict[str, float]
    veto: float | None = None

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        model = orjson.loads(path.read_bytes())
        veto = model.get("veto")
        return cls(
            float(model["bias"]),
            float(model["threshold"]),
            model["weights"],
            None if veto is None else float(veto),
        )

    def save(self, path: Path) -> None:
        fields: dict[str, Any] = {"bias": self.bias, "threshold": self.threshold}
        if self.veto is not None:
            fields["veto"] = self.veto
        path.write_bytes(orjson.dumps({**fields, "weights": self.weights}))

    def score(self, features: Iterable[str]) -> float:
        """The log-odds of a yes for an input with ``features``."""
        return self.bias + sum([self.weights.get(f, 0.0) for f in features])

    def probability(self, features: Iterable[str]) -> float:
        return 1.0 / (1.0 + math.exp(-self.score(features)))


@cache
def shipped(path: Path) -> LinearModel:
    """The model of file ``path``, read once (``reload`` reads it again)."""
    return LinearModel.load(path)


def reload() -> None:
    """Read the model files again (``training/`` may have rewritten them)."""
    shipped.cache_clear()
