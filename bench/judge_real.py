"""The judge on real news: ``python bench/judge_real.py [--blind] [--check] [--json]``.

Reads the shared real-news sets in place (``../shared/realnews/*.jsonl``, or ``$MONITOR_SHARED_REALNEWS``) and
prints, for the development part (and with ``--blind`` the blind part too, see ``monitor/judge/realsets.py``; the
shipped decider has trained on both since stop 29, so neither is out of sample):
per set, per language group, per language and per label, macro-F1, precision per label, actor-detection P/R/F1,
relevance F1, how many labels came from the headline alone, and the share right among confident labels.

``--check`` compares the figures with the regression floors in ``bench/judge_real_floors.json`` (per language
group, on all shared items) and exits 1 when one falls below its floor: CI runs it after the unit tests.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.judge import LABELS, judges_for  # noqa: E402
from monitor.judge.decider import shipped  # noqa: E402
from monitor.judge.evaluate import Predicted, Scores, load_items, predict, score  # noqa: E402
from monitor.judge.realsets import GROUP_ORDER, group_of, is_blind, shared_dir, shared_files  # noqa: E402

FLOORS = ROOT / "bench" / "judge_real_floors.json"


def row(name: str, s: Scores) -> str:
    pl = s.per_label
    return (f"{name:<24}{s.n:>5}{s.macro_f1:>7.3f}" + "".join(f"{pl[label]['precision']:>6.2f}" for label in LABELS)
            + f"{s.actors['f1']:>7.3f}{s.relevance['f1']:>7.3f}{s.headline_only:>5}/{s.labels_given:<4}"
            + f"{s.confident['right']:>6.2f}/{int(s.confident['labels']):<4}")


HEADER = (f"{'':<24}{'items':>5}{'macroF':>7}{'P pro':>6}{'P hrd':>6}{'P mix':>6}{'actF1':>7}{'relF1':>7}"
          f"{'hl/lab':>10}{'conf.8':>11}")


def figures(preds: list[Predicted]) -> dict[str, object]:
    s = score(preds)
    return {"items": s.n, "macro_f1": s.macro_f1, "relevance_f1": s.relevance["f1"], "actor_f1": s.actors["f1"],
            "labels": s.per_label, "confident": s.confident, "headline_only": s.headline_only,
            "labels_given": s.labels_given}


def section(title: str, preds: list[Predicted], by_file: dict[str, list[Predicted]]) -> dict[str, object]:
    print(f"\n== {title} ==")
    print(HEADER)
    out: dict[str, object] = {"all": figures(preds)}
    print(row("all", score(preds)))
    for name, ps in by_file.items():
        mine = [p for p in ps if p in preds]
        if mine:
            print(row(name, score(mine)))
    groups: dict[str, list[Predicted]] = defaultdict(list)
    langs: dict[str, list[Predicted]] = defaultdict(list)
    for p in preds:
        groups[group_of(p.item.lang or "en")].append(p)
        langs[p.item.lang or "en"].append(p)
    print("-- language groups")
    out["groups"] = {}
    for g in GROUP_ORDER:
        if groups.get(g):
            print(row(g, score(groups[g])))
            out["groups"][g] = figures(groups[g])  # type: ignore[index]
    print("-- languages")
    for lang in sorted(langs, key=lambda x: (-len(langs[x]), x)):
        print(row(lang, score(langs[lang])))
    s = score(preds)
    print("-- labels (P / R / F1 / support)")
    for label, v in s.per_label.items():
        print(f"  {label:<14}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['f1']:>7.3f}{int(v['support']):>6}")
    a = s.actors
    print(f"  actors        {a['precision']:>7.3f}{a['recall']:>7.3f}{a['f1']:>7.3f}{int(a['support']):>6}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blind", action="store_true", help="also score the blind part (only at the end of a work)")
    parser.add_argument("--check", action="store_true", help="fail when a language group falls below its floor")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object at the end")
    parser.add_argument("--errors", metavar="FILE", help="write the development part's errors to FILE")
    args = parser.parse_args()
    files = shared_files()
    if not files:
        print(f"no shared sets in {shared_dir()}", file=sys.stderr)
        return 2
    judge = judges_for().primary
    by_file: dict[str, list[Predicted]] = {}
    dev: list[Predicted] = []
    blind: list[Predicted] = []
    for f in files:
        items = load_items(f)
        if not (args.blind or args.check):
            items = [i for i in items if not is_blind(i.id)]
        preds = predict(items, judge)
        by_file[f.stem] = preds
        for p in preds:
            (blind if is_blind(p.item.id) else dev).append(p)
    result = {"dev": section("development part (the decider trained on it: its honest figures are the out-of-fold "
                             "ones `python -m monitor.judge.train` prints)", dev, by_file)}
    if args.errors:
        with open(args.errors, "w", encoding="utf-8") as fh:
            for e in score(dev).errors:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    if args.blind or args.check:
        model = shipped()
        seen = model is not None and "blind" in model.trained_on
        result["blind"] = section("blind part" + (" (the shipped decider trained on it too, since stop 29: in "
                                                  "sample; unseen text is scored on the README's fresh sets)"
                                                  if seen else ""), blind, by_file)
        result["all"] = section("all shared items", dev + blind, by_file)
    if args.json:
        print(json.dumps(result))
    if args.check:
        floors = json.loads(FLOORS.read_text(encoding="utf-8"))
        groups = result["all"]["groups"]  # type: ignore[index]
        failed = []
        for group, floor in floors["groups"].items():
            got = groups.get(group, {})
            for key, minimum in floor.items():
                value = got.get(key, 0.0)
                if value < minimum:
                    failed.append(f"{group}: {key} {value:.3f} < floor {minimum:.3f}")
        for part in ("all", "blind"):
            for key, minimum in floors.get(part, {}).items():
                value = result[part]["all"][key]  # type: ignore[index]
                if value < minimum:
                    failed.append(f"{part}: {key} {value:.3f} < floor {minimum:.3f}")
        print()
        for line in failed:
            print(f"FLOOR: {line}")
        print(f"judge_real floors: {len(failed)} below" if failed else "judge_real floors: all met")
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
