"""Where ``../shared`` is: real feeds, pages and corpora that the repository does not ship."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = ROOT.parent / "shared" / "data"
