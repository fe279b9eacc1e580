"""``python -m training``: every learned component, each from its corpus under ``.data``."""

from training import cues, entities

cues.main([])
entities.main([])
