"""``python -m training``: every learned component, each from its corpus under ``.data``."""

from training import cues, entities, screen

cues.main([])
screen.main([])  # reads the cue detector just written
entities.main([])
