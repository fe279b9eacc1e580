"""The fine-tuned entity recogniser that replaces the model's own (``make train``; model card
in ``models/ENTITIES.md``): same architecture and labels, weights tuned on CoNLL-2003."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from spacy.language import Language
from spacy.pipeline import EntityRecognizer

NER_DIR = Path(__file__).with_name("models") / "ner"
#: Appended to the model's version in events, so that event ids change with the weights.
VERSION_SUFFIX = "+newswire-ner.1"


def use_tuned_recogniser(nlp: Language) -> bool:
    """Load the tuned weights into ``nlp``'s recogniser when they are present."""
    if not (NER_DIR / "model").exists() or "ner" not in nlp.pipe_names:
        return False
    recogniser = cast(EntityRecognizer, nlp.get_pipe("ner"))
    recogniser.from_disk(NER_DIR, exclude=["vocab"])
    nlp.meta["version"] = f"{nlp.meta['version']}{VERSION_SUFFIX}"
    return True
