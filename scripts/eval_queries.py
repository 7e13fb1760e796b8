#!/usr/bin/env python3
"""Per-query nDCG@10 of every blind set (eval/blind-*.dev-full.jsonl), dev-wide and dev-full
on the full library's index, in this process (seconds, not minutes: for trying a ranking
change), with the halves of eval/splits.json.

    .venv/bin/python scripts/eval_queries.py --save OUT.json [--set param=value ...] [--index DIR]
    (the index: scripts/eval.py's bench-out/eval-dev-full, built when missing)
    .venv/bin/python scripts/eval_queries.py --diff BEFORE.json AFTER.json [--half tune]

``--save`` prints each set's halves and the means over the sets written before the newest
one (the newest set's test half is not printed: it is the set kept for the end of a stop);
``--set`` overrides a ranking parameter (searchlib/ranking.py, a Python literal);
``--diff`` lists the queries of one half (default the tuning half) whose score moved.
Scores are those of ../shared/eval/score.py (the CLI protocol's hits, same judge).
"""
from __future__ import annotations

import argparse
import ast
import collections
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval import ROOT, SETS, SHARED, SPLITS as SPLITS_FILE, ensure_index  # noqa: E402  (the scripts folder)

SPLITS = json.loads(SPLITS_FILE.read_text(encoding="utf-8"))


def judgement_sets() -> dict:
    files = sorted((ROOT / "eval").glob("blind-*.dev-full.jsonl"))
    files += [SHARED / "eval" / "dev-wide.jsonl", SHARED / "eval" / "dev-full.jsonl"]
    return {f.name: [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
            for f in files if f.exists()}


def half(name: str, qid: str) -> str:
    s = SPLITS.get(name)
    if not s:
        return "dev"
    return "tune" if qid in s["tune"] else "test" if qid in s["test"] else "?"


def newest_blind(names) -> str:
    blind = sorted(n for n in names if n.startswith("blind-"))
    return blind[-1] if blind else ""


def run(save: str, index: str, overrides: dict) -> None:
    sys.path.insert(0, str(SHARED / "eval"))
    from score import judge
    from searchlib.api import open_index
    from searchlib.query import Filters
    from searchlib.ranking import DEFAULT_RANKING
    config = dataclasses.replace(DEFAULT_RANKING, **overrides)
    out = {}
    with open_index(index, ranking=config) as idx:
        for name, items in judgement_sets().items():
            for it in items:
                f = Filters.from_dict(it.get("filters"))
                r = idx.search(it["query"], limit=10, region=f.region, year=f.year, type=f.type, kind=f.kind,
                               since=f.since, until=f.until, has_figures=f.has_figures, level=f.level,
                               issuer=f.issuer)
                j = judge(it, [{"text": h.text} for h in r.hits])
                out[f"{name}:{it['id']}"] = dict(q=it["query"], half=half(name, it["id"]), ndcg=j["ndcg"],
                                                 p3=j["p3"], gains=j["gains"])
    Path(save).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    summary(out)


def summary(res: dict) -> None:
    by = collections.defaultdict(list)
    for k, v in res.items():
        by[(k.split(":")[0], v["half"])].append(v["ndcg"])
    newest = newest_blind({s for s, _ in by})
    means = collections.defaultdict(list)
    for (s, h), xs in sorted(by.items()):
        if s == newest and h == "test":
            continue
        m = sum(xs) / len(xs)
        if s != newest and h in ("tune", "test"):
            means[h].append(m)
        print(f"{s:28s} {h:5s} {m:.4f} ({len(xs)})")
    for h, ms in sorted(means.items()):
        print(f"mean of the {h} halves over {len(ms)} sets: {sum(ms) / len(ms):.4f}")


def diff(a: str, b: str, which: str) -> None:
    A = json.loads(Path(a).read_text(encoding="utf-8"))
    B = json.loads(Path(b).read_text(encoding="utf-8"))
    rows = sorted((B[k]["ndcg"] - A[k]["ndcg"], k, A[k]["q"]) for k in A
                  if k in B and A[k]["half"] == which and abs(A[k]["ndcg"] - B[k]["ndcg"]) > 1e-6)
    for d, k, q in rows:
        print(f"{d:+.3f} {k:50s} {q[:40]}")
    summary(B)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--save")
    ap.add_argument("--diff", nargs=2)
    ap.add_argument("--half", default="tune")
    ap.add_argument("--set", action="append", default=[], help="a ranking parameter, param=value")
    ap.add_argument("--index", help="the full library's index (default: scripts/eval.py's, built when missing)")
    args = ap.parse_args(argv)
    if not (SHARED / "eval" / "score.py").exists():
        print(f"skipped: {SHARED / 'eval'} is not present", file=sys.stderr)
        return 0
    if args.diff:
        diff(*args.diff, args.half)
    elif args.save:
        index = args.index or str(ensure_index("dev-full", SETS["dev-full"][1], ROOT / "bench-out"))
        run(args.save, index, {k: ast.literal_eval(v) for k, v in (x.split("=", 1) for x in args.set)})
    else:
        ap.error("give --save OUT.json or --diff BEFORE.json AFTER.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
