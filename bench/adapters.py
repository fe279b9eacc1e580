"""Events (``newswire extract`` output) to the prediction formats of ../shared/tools scorers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

Event = dict[str, Any]
Span = list[int]


def body_predictions(events: Iterable[Event], keys: Sequence[str]) -> dict[str, dict[str, str]]:
    """score_body.py: key -> {"articleBody"}; a page without an event predicts no text."""
    texts = {event["article"]["id"]: event["text"] for event in events}
    return {key: {"articleBody": texts.get(key, "")} for key in keys}


def ner_predictions(events: Iterable[Event]) -> list[dict[str, Any]]:
    """score_ner.py: one line per article, one entity per mention."""
    return [
        {
            "id": event["article"]["id"],
            "entities": [
                {"start": m["start"], "end": m["end"], "label": entity["label"]}
                for entity in event["entities"]
                for m in entity["mentions"]
            ],
        }
        for event in events
    ]


def _content_spans(claim: dict[str, Any]) -> list[Span]:
    content = claim["content"]
    return [list(s) for s in content["spans"]] or [[content["start"], content["end"]]]


def _source(claim: dict[str, Any]) -> list[Span]:
    claimant = claim["claimant"]
    return [[claimant["start"], claimant["end"]]] if claimant["end"] > claimant["start"] else []


def claims_predictions(events: Iterable[Event]) -> list[dict[str, Any]]:
    """score_claims.py: source = the claimant span, cue, content = its (discontinuous) spans."""
    return [
        {
            "id": event["article"]["id"],
            "claims": [
                {
                    "source": _source(claim),
                    "cue": [[claim["cue"]["start"], claim["cue"]["end"]]],
                    "content": _content_spans(claim),
                }
                for claim in event["claims"]
            ],
        }
        for event in events
    ]


def stance_predictions(events: Iterable[Event]) -> list[dict[str, Any]]:
    """score_stance.py: cue spans with stance, hedging and anonymity."""
    return [
        {
            "id": event["article"]["id"],
            "claims": [
                {
                    "cue": [[claim["cue"]["start"], claim["cue"]["end"]]],
                    "stance": claim["stance"],
                    "hedged": claim["hedged"],
                    "anonymous": claim["claimant"]["anonymous"],
                    "kind": claim.get("kind", "statement"),
                }
                for claim in event["claims"]
            ],
        }
        for event in events
    ]
