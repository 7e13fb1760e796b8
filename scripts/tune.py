#!/usr/bin/env python3
"""Ranking-weight sweep on the dev judgements, in process (fast), one parameter at a time.

    .venv/bin/python scripts/tune.py [--index DIR] [param=v1,v2,... ...]

Prints nDCG@10 / P@3 for each value around the defaults in searchlib/ranking.py. It is a
tool for looking, not an optimiser: keep defaults that are good across the grid, not the
single best point (there are more judgements than these).
"""
import argparse
import dataclasses
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

GRID = {
    "concreteness_weight": [0.0, 0.3, 0.6, 1.0, 1.5],
    "coord_scale": [0.5, 0.9],
    "phrase_bonus": [1.0, 1.5, 2.5],
    "synonym_weight": [0.4, 0.6, 0.8],
    "partial_weight": [0.0, 0.15, 0.3, 0.5],
    "body_B": [0.3, 0.6, 0.75, 0.9],
    "K1": [0.8, 1.2, 1.6],
    "kind_boost": [0.0, 1.5, 3.0],
    "figures_boost": [0.0, 1.5, 3.0],
}


def load_scorer():
    spec = importlib.util.spec_from_file_location("score", SHARED / "eval" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def evaluate(idx, items, judge, config):
    idx.ranking = config
    idx._local.searcher = None          # the weighting model is bound to the searcher
    scores = []
    for it in items:
        f = it.get("filters", {})
        res = idx.search(it["query"], limit=10, **f)
        scores.append(judge(it, [{"text": h.text} for h in res.hits]))
    n = len(scores)
    return sum(s["ndcg"] for s in scores) / n, sum(s["p3"] for s in scores) / n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index")
    ap.add_argument("params", nargs="*", help="param=v1,v2 to override the grid")
    args = ap.parse_args()
    from searchlib.api import build, open_index
    from searchlib.ranking import DEFAULT_RANKING
    grid = dict(GRID)
    for p in args.params:
        k, v = p.split("=")
        grid = {k: [float(x) for x in v.split(",")]}
    items = [json.loads(l) for l in open(SHARED / "eval" / "dev.jsonl", encoding="utf-8") if l.strip()]
    judge = load_scorer().judge
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index or str(Path(tmp) / "ix")
        if not args.index:
            build([ROOT / "corpus"], index)
        idx = open_index(index)
        base = evaluate(idx, items, judge, DEFAULT_RANKING)
        print(f"defaults: nDCG@10={base[0]:.4f} P@3={base[1]:.4f}")
        for name, values in grid.items():
            row = []
            for v in values:
                cfg = dataclasses.replace(DEFAULT_RANKING, **{name: v})
                nd, p3 = evaluate(idx, items, judge, cfg)
                row.append(f"{v:g}: {nd:.3f}/{p3:.2f}")
            print(f"{name:20s} " + "  ".join(row))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
