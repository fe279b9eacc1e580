"""``make bench``: throughput, latency, poller and quality figures of newswire in one report.

Run ``python -m bench --help``; the report goes to ``bench-report.json`` at the repository root.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = ROOT / ".data"
BUNDLED = ROOT / "pipeline" / "demo_feeds"
