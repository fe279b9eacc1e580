"""Fine-tune the model's entity recogniser on CoNLL-2003 ``eng.train`` (``make train``).

The recogniser keeps its architecture and its OntoNotes labels, so the tag stage costs what
it cost. CoNLL's labels are mapped into OntoNotes: PER -> PERSON, ORG -> ORG, LOC -> the
model's own GPE/LOC/FAC where it found the same span, else GPE; MISC -> the model's own
NORP/EVENT/PRODUCT/... where it found the same span, else left unknown (no gradient). What
CoNLL does not annotate (dates, numbers, money) keeps the model's own predictions, so the
recogniser does not forget them. The epoch with the best typed F1 on ``eng.testa`` (mapped
back to CoNLL labels as ``../shared/tools/score_ner.py`` maps them) is kept.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from spacy.language import Language
from spacy.pipeline import EntityRecognizer
from spacy.tokens import Doc
from spacy.training import Example, offsets_to_biluo_tags
from spacy.util import minibatch

from pipeline.settings import Settings
from pipeline.stages.entity_model import NER_DIR
from pipeline.stages.nlp import load_model
from training.corpus import print_figures, read_jsonl, require_splits

ROOT = Path(__file__).resolve().parents[1]
CONLL = ROOT / ".data" / "conll"
EPOCHS = 8
DROPOUT = 0.2
BATCH = 8
SEED = 17

TO_CONLL = {
    "PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
    "NORP": "MISC", "EVENT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC",
    "LANGUAGE": "MISC", "PRODUCT": "MISC",
}  # fmt: skip
#: OntoNotes labels CoNLL leaves unannotated: the model's own predictions are kept for them.
UNANNOTATED = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
DEFAULTS = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}

Span = tuple[int, int, str]


def _own(doc: Doc) -> dict[tuple[int, int], str]:
    return {(e.start_char, e.end_char): e.label_ for e in doc.ents}


def reference(doc: Doc, gold: Sequence[Span]) -> list[str]:
    """BILUO tags of ``doc`` (parsed by the model being tuned) for the CoNLL spans ``gold``."""
    own = _own(doc)
    known: list[Span] = []
    unknown: list[tuple[int, int]] = []
    for start, end, label in gold:
        mine = own.get((start, end))
        if mine is not None and TO_CONLL.get(mine) == label:
            known.append((start, end, mine))
        elif label in DEFAULTS:
            known.append((start, end, DEFAULTS[label]))
        else:
            unknown.append((start, end))
    taken = [(s, e) for s, e, _ in gold]
    for (start, end), label in own.items():
        if label in UNANNOTATED and not any(s < end and start < e for s, e in taken):
            known.append((start, end, label))
    tags = offsets_to_biluo_tags(doc, known)
    for start, end in unknown:
        for tok in doc:
            if tok.idx < end and start < tok.idx + len(tok.text):
                tags[tok.i] = "-"
    return tags


def examples(nlp: Language, rows: Sequence[dict[str, Any]]) -> list[Example]:
    found = []
    for row, doc in zip(rows, nlp.pipe(r["text"] for r in rows), strict=True):
        gold = [(e["start"], e["end"], e["label"]) for e in row["entities"]]
        tags = reference(doc, gold)
        found.append(Example.from_dict(nlp.make_doc(row["text"]), {"entities": tags}))
    return found


def typed_f1(nlp: Language, rows: Sequence[dict[str, Any]]) -> float:
    """Typed F1 of the recogniser alone on ``rows``, its labels mapped to CoNLL's."""
    tp = fp = fn = 0
    with nlp.select_pipes(enable=["ner"]):
        docs = nlp.pipe(r["text"] for r in rows)
        for row, doc in zip(rows, docs, strict=True):
            gold = {(e["start"], e["end"], e["label"]) for e in row["entities"]}
            pred = {
                (e.start_char, e.end_char, TO_CONLL[e.label_])
                for e in doc.ents
                if e.label_ in TO_CONLL
            }
            tp += len(gold & pred)
            fp += len(pred - gold)
            fn += len(gold - pred)
    return 2 * tp / max(1, 2 * tp + fp + fn)


def train(conll: Path, out: Path, epochs: int = EPOCHS) -> dict[str, Any]:
    """Fine-tune, keep the best epoch in ``out``; return the figures for the model card."""
    started = time.perf_counter()
    random.seed(SEED)
    nlp = load_model(Settings().model, tuned=False)
    train_rows, dev_rows = read_jsonl(conll / "train.jsonl"), read_jsonl(conll / "dev.jsonl")
    data = examples(nlp, train_rows)
    history = [round(typed_f1(nlp, dev_rows), 4)]
    best = history[0]
    optimizer = nlp.resume_training()
    for _ in range(epochs):
        random.shuffle(data)
        with nlp.select_pipes(enable=["ner"]):
            for batch in minibatch(data, size=BATCH):
                nlp.update(batch, drop=DROPOUT, sgd=optimizer)
        history.append(round(typed_f1(nlp, dev_rows), 4))
        print(f"epoch {len(history) - 1}: dev typed F1 {history[-1]}", file=sys.stderr, flush=True)
        if history[-1] > best:
            best = history[-1]
            cast(EntityRecognizer, nlp.get_pipe("ner")).to_disk(out, exclude=["vocab"])
    return {
        "train_documents": len(train_rows),
        "train_tokens": sum(len(e.reference) for e in data),
        "dev_typed_f1_by_epoch": history,
        "best_dev_typed_f1": best,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.entities", description=__doc__)
    parser.add_argument("--conll", type=Path, default=CONLL, help="train.jsonl, dev.jsonl")
    parser.add_argument("--out", type=Path, default=NER_DIR)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args(argv)
    how = "fetch CoNLL-2003, convert eng.train and eng.testa as ../shared/data/README.md says"
    require_splits(args.conll, how)
    print_figures(train(args.conll, args.out, args.epochs))


if __name__ == "__main__":
    main()
