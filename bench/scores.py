"""Parsers of the figures the ../shared/tools scorers print (their tables, not their JSON)."""

from __future__ import annotations

import re
from typing import Any

_NUMBER = r"([0-9]+(?:\.[0-9]+)?)"
_BODY = re.compile(rf"documents (\d+)\s+precision {_NUMBER}\s+recall {_NUMBER}\s+F1 {_NUMBER}")
_NER_ROW = re.compile(
    rf"^\s*(\S+)\s+P=\s*{_NUMBER}\s+R=\s*{_NUMBER}\s+F1=\s*{_NUMBER}", re.MULTILINE
)
_CLAIMS_MODES = frozenset({"exact", "overlap", "soft", "prop"})
_STANCE_FOUND = re.compile(r"(\d+) articles, (\d+) gold statements, found (\d+) \(([0-9.]+)\)")
_STANCE_ACC = re.compile(rf"stance accuracy {_NUMBER}, macro-F1 {_NUMBER}")
_STANCE_CLASS = re.compile(rf"^\s+(\w+)\s+P {_NUMBER} R {_NUMBER} F1 {_NUMBER}", re.MULTILINE)
_KIND = re.compile(rf"kind accuracy {_NUMBER} over (\d+) matched attributions")
_STANCE_TAIL = re.compile(
    rf"hedged accuracy {_NUMBER} \(F1 {_NUMBER}\); anonymous accuracy {_NUMBER} "
    rf"\(F1 {_NUMBER}\); matched predictions that are not statements {_NUMBER}"
)


class ScoreFormatError(ValueError):
    """A scorer printed something these parsers do not recognise."""


def _match(pattern: re.Pattern[str], text: str) -> re.Match[str]:
    found = pattern.search(text)
    if found is None:
        raise ScoreFormatError(f"no match for {pattern.pattern!r} in: {text[:200]!r}")
    return found


def _prf(p: str, r: str, f1: str, scale: float = 1.0) -> dict[str, float]:
    return {k: round(float(v) / scale, 4) for k, v in (("p", p), ("r", r), ("f1", f1))}


def parse_body(text: str) -> dict[str, Any]:
    """``documents N  precision P  recall R  F1 F`` from score_body.py."""
    documents, p, r, f1 = _match(_BODY, text).groups()
    return {"documents": int(documents)} | _prf(p, r, f1)


def parse_ner(text: str) -> dict[str, Any]:
    """score_ner.py rows (percentages) as fractions: typed, untyped and each label."""
    rows = {name: _prf(p, r, f1, 100) for name, p, r, f1 in _NER_ROW.findall(text)}
    if "typed" not in rows or "untyped" not in rows:
        raise ScoreFormatError(f"no typed/untyped rows in: {text[:200]!r}")
    typed, untyped = rows.pop("typed"), rows.pop("untyped")
    return {"typed": typed, "untyped": untyped, "per_label": rows}


def parse_claims(text: str) -> dict[str, dict[str, dict[str, float]]]:
    """score_claims.py table: level -> mode -> {p, r, f1}."""
    levels: dict[str, dict[str, dict[str, float]]] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[1] in _CLAIMS_MODES:
            try:
                p, r, f1 = fields[2:5]
                levels.setdefault(fields[0], {})[fields[1]] = _prf(p, r, f1)
            except ValueError:
                continue
    if "relation" not in levels:
        raise ScoreFormatError(f"no relation rows in: {text[:200]!r}")
    return levels


def parse_stance(text: str) -> dict[str, Any]:
    """score_stance.py summary: found share, stance, hedging and anonymity figures."""
    articles, statements, found, share = _match(_STANCE_FOUND, text).groups()
    accuracy, macro = _match(_STANCE_ACC, text).groups()
    hedged_acc, hedged_f1, anon_acc, anon_f1, not_statements = _match(_STANCE_TAIL, text).groups()
    return {
        "articles": int(articles),
        "gold_statements": int(statements),
        "found": int(found),
        "found_share": float(share),
        "stance_accuracy": float(accuracy),
        "stance_macro_f1": float(macro),
        "stance": {k: _prf(p, r, f1) for k, p, r, f1 in _STANCE_CLASS.findall(text)},
        "hedged_accuracy": float(hedged_acc),
        "hedged_f1": float(hedged_f1),
        "anonymous_accuracy": float(anon_acc),
        "anonymous_f1": float(anon_f1),
        "matched_predictions_not_statements": float(not_statements),
        "kind_accuracy": float(kind[1]) if (kind := _KIND.search(text)) else None,
    }
