"""``python -m training``: every learned component (today: the cue detector)."""

from training.cues import main

main()
