"""Every file the code reads at run time from inside the package is in the package data, so a
wheel (the Docker image installs one) carries the tuned models and the demo feeds."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pipeline.stages.claims.learned import MODEL
from pipeline.stages.entity_model import NER_DIR

ROOT = Path(__file__).resolve().parents[1]


def test_the_models_and_feeds_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["pipeline"]
    package = ROOT / "pipeline"
    needed = [MODEL, *(NER_DIR / name for name in ("cfg", "model", "moves"))]
    needed += sorted((package / "demo_feeds").glob("*.xml"))
    for path in needed:
        assert path.is_file(), path
        relative = path.relative_to(package)
        assert any(relative.match(pattern) for pattern in patterns), relative
