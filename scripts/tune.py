#!/usr/bin/env python3
"""Ranking-weight sweep, in process, on the shared judgement files (each on its own index,
built by scripts/eval.py under bench-out/ when missing).

    .venv/bin/python scripts/tune.py [--sets dev,dev-108,dev-full] [param=v1,v2,... ...]

Prints nDCG@10 / P@3 per judgement file for the defaults of searchlib/ranking.py and for
each value of each parameter, one parameter at a time. It is a tool for looking, not an
optimiser: keep defaults that are good on every file and across the grid, not the single
best point (there are held-out judgements you do not see).
"""
import argparse
import ast
import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval import SETS, ensure_index          # noqa: E402  (the scripts folder)
from tests.relevance import score_file       # noqa: E402

GRID = {
    "concreteness_weight": [1.0, 1.5, 2.5],
    "K1": [0.8, 1.2, 1.6],
    "body_B": [0.4, 0.6, 0.8],
    "phrase_bonus": [1.0, 1.5, 2.5],
    "synonym_weight": [0.4, 0.6, 0.8],
    "partial_weight": [0.0, 0.3, 0.5],
    "kind_boost": [1.5, 3.0],
    "coordination_power": [None, 1.0, 2.0, 3.0],
    "per_doc": [0, 2, 3, 5],
}


def run(indexes, config) -> str:
    import searchlib
    cells = []
    for name, (index, judgements) in indexes.items():
        with searchlib.open_index(index, ranking=config) as idx:
            r = score_file(idx, judgements)
        cells.append(f"{r['ndcg']:.3f}/{r['p3']:.2f}")
    return "  ".join(cells)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="dev,dev-108,dev-full")
    ap.add_argument("--out", default=str(ROOT / "bench-out"))
    ap.add_argument("params", nargs="*", help="param=v1,v2 to sweep instead of the grid (Python literals)")
    args = ap.parse_args()
    from searchlib.ranking import DEFAULT_RANKING
    grid = GRID
    if args.params:
        grid = {}
        for p in args.params:
            k, v = p.split("=", 1)
            grid[k] = [ast.literal_eval(x) for x in v.split(",")]
    indexes = {}
    for name in args.sets.split(","):
        judgements, corpora = SETS[name]
        if judgements.exists() and all(c.exists() for c in corpora):
            indexes[name] = (ensure_index(name, corpora, Path(args.out)), judgements)
    print(f"{'':28s}" + "  ".join(f"{n:>10s}" for n in indexes))
    print(f"{'defaults':28s}{run(indexes, DEFAULT_RANKING)}", flush=True)
    for name, values in grid.items():
        for v in values:
            cfg = dataclasses.replace(DEFAULT_RANKING, **{name: v})
            print(f"{name + ' = ' + repr(v):28s}{run(indexes, cfg)}", flush=True)


if __name__ == "__main__":
    main()
