"""Scoring the judge against hand-labelled items: ``monitor eval FILE``.

Items are JSON lines ``{"id", "title", "text", "relevant", "labels": {"IT": "pro_dialogue"}}``. Stances are scored
on (item × state) pairs: a label on a state the annotator left unlabelled is a false positive, a missed one a
false negative, a wrong one both.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.judge.engine import LABELS, Judge

NONE = "none"


class EvalError(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    text: str
    relevant: bool
    labels: dict[str, str]


@dataclass
class Scores:
    n: int = 0
    relevance: dict[str, float] = field(default_factory=dict)
    per_label: dict[str, dict[str, float]] = field(default_factory=dict)
    macro_f1: float = 0.0
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.n, "relevance": self.relevance, "labels": self.per_label, "macro_f1": self.macro_f1,
                "confusion": {f"{g}->{p}": n for (g, p), n in sorted(self.confusion.items())}}


def load_items(path: str | Path) -> list[Item]:
    items: list[Item] = []
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalError(f"{p}: cannot read ({exc.strerror})") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            labels = raw.get("labels") or {}
            bad = [v for v in labels.values() if v not in LABELS]
            if bad:
                raise ValueError(f"unknown label {bad[0]!r}")
            items.append(Item(str(raw["id"]), raw.get("title") or "", raw.get("text") or "", bool(raw["relevant"]),
                              {str(k).upper(): v for k, v in labels.items()}))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EvalError(f"{p}:{n}: bad item: {exc}") from None
    return items


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn}


def evaluate(items: Sequence[Item], judge: Judge | None = None) -> Scores:
    judge = judge or Judge()
    tp = Counter[str]()
    fp = Counter[str]()
    fn = Counter[str]()
    rel = Counter[str]()
    confusion: Counter[tuple[str, str]] = Counter()
    errors: list[dict[str, Any]] = []
    for item in items:
        j = judge.judge(item.title, item.text)
        predicted = {s.country: s.stance for s in j.stances}
        if j.relevant and item.relevant:
            rel["tp"] += 1
        elif j.relevant:
            rel["fp"] += 1
        elif item.relevant:
            rel["fn"] += 1
        wrong = []
        for country in sorted(set(predicted) | set(item.labels)):
            gold = item.labels.get(country, NONE)
            pred = predicted.get(country, NONE)
            confusion[(gold, pred)] += 1
            if gold == pred:
                tp[gold] += 1
                continue
            wrong.append(f"{country}: gold {gold}, got {pred}")
            if gold != NONE:
                fn[gold] += 1
            if pred != NONE:
                fp[pred] += 1
        if wrong or j.relevant != item.relevant:
            errors.append({"id": item.id, "relevant": [item.relevant, j.relevant], "relevance": j.relevance,
                           "wrong": wrong})
    per_label = {label: _prf(tp[label], fp[label], fn[label]) for label in LABELS}
    macro = round(sum(v["f1"] for v in per_label.values()) / len(LABELS), 4)
    return Scores(len(items), _prf(rel["tp"], rel["fp"], rel["fn"]), per_label, macro, dict(confusion), errors)


def report(scores: Scores) -> Iterable[str]:
    r = scores.relevance
    yield f"items: {scores.n}"
    yield (f"relevance  P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}  "
           f"(support {int(r['support'])})")
    yield ""
    yield f"{'label':<14}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}"
    for label, v in scores.per_label.items():
        yield f"{label:<14}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['f1']:>7.3f}{int(v['support']):>9}"
    yield f"{'macro-F1':<14}{'':>14}{scores.macro_f1:>7.3f}"
    yield ""
    cols = [*LABELS, NONE]
    yield "confusion (rows: gold, columns: predicted; pairs of item × state)"
    yield f"{'':<14}" + "".join(f"{c:>14}" for c in cols)
    for g in cols:
        yield f"{g:<14}" + "".join(f"{scores.confusion.get((g, p), 0):>14}" for p in cols)
