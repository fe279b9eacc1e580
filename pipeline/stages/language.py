"""Language of an article, detected from its text with a model shipped in the package."""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

SUPPORTED = frozenset({"en"})
SHORT, LONG = 40, 200
CONFIDENT = 0.9


@cache
def _identifier() -> LanguageIdentifier:
    """langid.py's model with normalised probabilities, loaded once per process."""
    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


def primary_subtag(code: str | None) -> str | None:
    """``en-US`` -> ``en``; anything that is not a 2-3 letter code -> None."""
    if not code:
        return None
    primary = code.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def detect_language(text: str, declared: str | None = None) -> str | None:
    """The language of ``text`` (ISO 639-1) when the model is confident, else the declared one.

    Short texts keep the declared language: a headline and a sentence are too little to
    overrule what the feed or page says.
    """
    stated = primary_subtag(declared)
    size = len(text.strip())
    if size < SHORT or (stated and size < LONG):
        return stated
    code, probability = _identifier().classify(text[:5000])
    return str(code) if probability >= CONFIDENT else stated


def unsupported(language: str | None) -> bool:
    """True for a known language the English-only stages cannot read."""
    return language is not None and language not in SUPPORTED
