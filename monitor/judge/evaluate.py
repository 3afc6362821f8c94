"""Scoring the judge against hand-labelled items: ``monitor eval FILE``.

Items are JSON lines ``{"id", "title", "text", "relevant", "labels": {"IT": "pro_dialogue"}}`` (the shared real-news
sets add ``lang``, ``date``, ``url`` and ``notes``; the language and the date are read, see ``offices.py``).
Stances are scored on (item × state) pairs: a label on a state the annotator left unlabelled is a false positive,
a missed one a false negative, a wrong one both.
Besides the labels, two figures analysts asked for: *actor detection* (did the judge find which states take a
position at all, whatever the label) and *calibration* (of the labels given with confidence >= 0.8, how many are
right), plus how many labels rest on the headline alone.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from monitor.judge.engine import LABELS, Judge, Judgement
from monitor.judge.offices import parse_date

NONE = "none"
CONFIDENT = 0.8


class EvalError(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    text: str
    relevant: bool
    labels: dict[str, str]
    lang: str = ""
    date: str = ""  # as the set gives it: "2022-11-02", "2024-07", or "" when unknown

    @property
    def day(self) -> date | None:
        """The story's date for the judge (see ``offices.parse_date``); None if unknown or unreadable."""
        try:
            return parse_date(self.date)
        except ValueError:
            return None


@dataclass(frozen=True)
class Predicted:
    """One item as judged: what the scores are computed from, so figures can be regrouped without re-judging."""

    item: Item
    relevant: bool
    relevance: float
    labels: dict[str, str]
    confidence: dict[str, float]
    headline_only: frozenset[str] = frozenset()


@dataclass
class Scores:
    n: int = 0
    relevance: dict[str, float] = field(default_factory=dict)
    per_label: dict[str, dict[str, float]] = field(default_factory=dict)
    macro_f1: float = 0.0
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    actors: dict[str, float] = field(default_factory=dict)
    confident: dict[str, float] = field(default_factory=dict)  # labels with confidence >= 0.8: count, share right
    headline_only: int = 0
    labels_given: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.n, "relevance": self.relevance, "labels": self.per_label, "macro_f1": self.macro_f1,
                "actors": self.actors, "confident": self.confident, "headline_only": self.headline_only,
                "labels_given": self.labels_given,
                "confusion": {f"{g}->{p}": n for (g, p), n in sorted(self.confusion.items())}}


def load_items(path: str | Path) -> list[Item]:
    items: list[Item] = []
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalError(f"{p}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise EvalError(f"{p}: not UTF-8 text") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except ValueError as exc:
            raise EvalError(f"{p}:{n}: not valid JSON ({exc})") from None
        if not isinstance(raw, dict):
            raise EvalError(f"{p}:{n}: not a JSON object")
        if "relevant" not in raw:
            # Unlabelled input (what `classify` reads): say what eval needs instead of a KeyError.
            raise EvalError(f"{p}:{n}: item has no \"relevant\" field: eval needs labelled items "
                            "(\"relevant\" and \"labels\"); use `monitor classify` for unlabelled ones")
        try:
            labels = raw.get("labels") or {}
            if not isinstance(labels, dict):
                raise ValueError("\"labels\" is not an object")
            bad = [v for v in labels.values() if v not in LABELS]
            if bad:
                raise ValueError(f"unknown label {bad[0]!r}")
            if not isinstance(raw["relevant"], bool):
                raise ValueError("\"relevant\" is not true or false")
            items.append(Item(str(raw.get("id", n)), raw.get("title") or "", raw.get("text") or "", raw["relevant"],
                              {str(k).upper(): v for k, v in labels.items()}, str(raw.get("lang") or ""),
                              str(raw.get("date") or "")))
        except (ValueError, TypeError, AttributeError) as exc:
            raise EvalError(f"{p}:{n}: bad item: {exc}") from None
    return items


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn}


def _headline_only(title: str, j: Judgement) -> frozenset[str]:
    """States whose every evidence sentence is the headline: the body never shows them acting."""
    if not title:
        return frozenset()
    return frozenset(s.country for s in j.stances if s.evidence.strip() == title.strip())


def predict(items: Sequence[Item], judge: Judge | None = None) -> list[Predicted]:
    judge = judge or Judge()
    out: list[Predicted] = []
    for item in items:
        # the language is read from the text, as for a feed without one
        j = judge.judge(item.title, item.text, published=item.day)
        out.append(Predicted(item, j.relevant, j.relevance, {s.country: s.stance for s in j.stances},
                             {s.country: s.confidence for s in j.stances}, _headline_only(item.title, j)))
    return out


def score(predicted: Sequence[Predicted]) -> Scores:
    tp = Counter[str]()
    fp = Counter[str]()
    fn = Counter[str]()
    rel = Counter[str]()
    act = Counter[str]()
    confident = Counter[str]()
    confusion: Counter[tuple[str, str]] = Counter()
    errors: list[dict[str, Any]] = []
    headline_only = given = 0
    for p in predicted:
        item = p.item
        if p.relevant and item.relevant:
            rel["tp"] += 1
        elif p.relevant:
            rel["fp"] += 1
        elif item.relevant:
            rel["fn"] += 1
        wrong = []
        headline_only += len(p.headline_only)
        given += len(p.labels)
        for country in sorted(set(p.labels) | set(item.labels)):
            gold = item.labels.get(country, NONE)
            pred = p.labels.get(country, NONE)
            confusion[(gold, pred)] += 1
            act["tp" if gold != NONE and pred != NONE else "fp" if pred != NONE else "fn"] += 1
            if pred != NONE and p.confidence.get(country, 0.0) >= CONFIDENT:
                confident["n"] += 1
                confident["right"] += gold == pred
            if gold == pred:
                tp[gold] += 1
                continue
            wrong.append(f"{country}: gold {gold}, got {pred}")
            if gold != NONE:
                fn[gold] += 1
            if pred != NONE:
                fp[pred] += 1
        if wrong or p.relevant != item.relevant:
            errors.append({"id": item.id, "relevant": [item.relevant, p.relevant], "relevance": p.relevance,
                           "wrong": wrong})
    per_label = {label: _prf(tp[label], fp[label], fn[label]) for label in LABELS}
    macro = round(sum(v["f1"] for v in per_label.values()) / len(LABELS), 4)
    share = round(confident["right"] / confident["n"], 4) if confident["n"] else 0.0
    return Scores(len(predicted), _prf(rel["tp"], rel["fp"], rel["fn"]), per_label, macro, dict(confusion), errors,
                  _prf(act["tp"], act["fp"], act["fn"]), {"labels": confident["n"], "right": share},
                  headline_only, given)


def evaluate(items: Sequence[Item], judge: Judge | None = None) -> Scores:
    return score(predict(items, judge))


def report(scores: Scores) -> Iterable[str]:
    r = scores.relevance
    a = scores.actors
    yield f"items: {scores.n}"
    yield (f"relevance  P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}  "
           f"(support {int(r['support'])})")
    if a:
        yield (f"actors     P {a['precision']:.3f}  R {a['recall']:.3f}  F1 {a['f1']:.3f}  "
               f"(states that take a position, any label; support {int(a['support'])})")
    yield ""
    yield f"{'label':<14}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}"
    for label, v in scores.per_label.items():
        yield f"{label:<14}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['f1']:>7.3f}{int(v['support']):>9}"
    yield f"{'macro-F1':<14}{'':>14}{scores.macro_f1:>7.3f}"
    if scores.confident:
        yield (f"confidence >= {CONFIDENT}: {int(scores.confident['labels'])} labels, "
               f"{scores.confident['right']:.0%} right; from the headline alone: {scores.headline_only} of "
               f"{scores.labels_given} labels")
    yield ""
    cols = [*LABELS, NONE]
    yield "confusion (rows: gold, columns: predicted; pairs of item × state)"
    yield f"{'':<14}" + "".join(f"{c:>14}" for c in cols)
    for g in cols:
        yield f"{g:<14}" + "".join(f"{scores.confusion.get((g, p), 0):>14}" for p in cols)
