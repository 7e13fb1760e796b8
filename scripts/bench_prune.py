#!/usr/bin/env python3
"""Exhaustive vs pruned search on one index, in one process, interleaved.

    .venv/bin/python scripts/bench_prune.py --reports 10000 [--index DIR] [--repeat 5] [--out bench-out]

The index is ``--index`` or OUT/ix-prune-N (built from bench.py's generated corpus
OUT/corpus-N-s42, generated when missing). The 30 queries of scripts/bench.py (synonyms,
ranking, snippets on, ``limit=10``) run once in each mode as a warm-up, then ``--repeat``
passes; in each pass every query runs in both modes back to back, the order alternating
from pass to pass, so both modes see the same machine. Per query the median over the passes;
p50/p95 over the 30 medians (as bench.py), of wall time and of this thread's CPU time (which
other jobs on a shared machine disturb less), and their ratio pruned ÷ exhaustive.

Every run of a query in either mode must return the same hits as the first exhaustive run
(passage ids, order and scores to 1e-9), and a pruned run's counts must be the exhaustive ones
("eq") or at most those ("gte"): the script reports any that does not and exits 1.
It also reports how often the total was a lower bound (``total_relation`` "gte"), the share of
blocks evaluated, and the pruned search's latency on each query's first run after its
concepts' bounds were dropped ("bounds cold": their block maxima are computed by evaluating
the concept over the whole index, once per index generation; see searchlib/prune.py).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench import QUERIES, ensure_corpus, machine_info, percentile  # noqa: E402


def ensure_index(out: Path, reports: int, seed: int, log) -> Path:
    from searchlib import api
    index = out / f"ix-prune-{reports}"
    if (index / "searchlib.json").exists() or any(index.glob("*.toc")):
        log(f"index: reusing {index}")
        return index
    corpus, _ = ensure_corpus(out, reports, seed, 0.3, log)
    log(f"index: building {index} ...")
    t0 = time.perf_counter()
    api.build([corpus], index)
    log(f"index: built in {time.perf_counter() - t0:.0f} s")
    return index


def _key(result):
    return [(h.passage_id, h.score) for h in result.hits]


def _same(a, b) -> bool:
    return len(a) == len(b) and all(x[0] == y[0] and abs(x[1] - y[1]) <= 1e-9 for x, y in zip(a, b))


def run(index: Path, repeat: int, log) -> dict:
    from searchlib import api
    from searchlib import search as search_mod
    idx = api.open_index(index)
    searcher = idx._searcher
    stats: dict = {}
    original = search_mod.IndexSearcher._rank_pruned

    def traced(self, scorer, plan, *a, **k):
        out = original(self, scorer, plan, *a, **k)
        stats["last"] = (getattr(scorer, "prune_stats", None), out is not None)
        return out

    search_mod.IndexSearcher._rank_pruned = traced

    def one(i, exhaustive):
        text, filters = QUERIES[i]
        stats.pop("last", None)
        w0, c0 = time.perf_counter(), time.thread_time()
        r = idx.search(text, limit=10, exhaustive=exhaustive, **filters)
        return r, (time.perf_counter() - w0) * 1000, (time.thread_time() - c0) * 1000, stats.get("last")

    n = len(QUERIES)
    reference = [None] * n
    counts = [None] * n
    mismatches = []

    def check_counts(i, r, when):
        got = (r.total, r.total_partial, r.duplicates_hidden)
        if (r.total_relation == "eq" and got != counts[i]) or (r.total_relation == "gte" and not (
                got[0] <= counts[i][0] and got[1] <= counts[i][1])):
            mismatches.append((i, f"{when} counts {got} {r.total_relation} vs {counts[i]}"))

    # warm-up: each query in both modes (postings, term and concept bounds, report tables)
    for i in range(n):
        r, *_ = one(i, True)
        reference[i] = _key(r)
        counts[i] = (r.total, r.total_partial, r.duplicates_hidden)
        check_counts(i, one(i, False)[0], "warm-up")
    # bounds cold: each query's concepts' block maxima dropped, then one pruned run
    cold = []
    for i in range(n):
        bi = searcher.snapshot().passages.__dict__.get("_block_index")
        if bi is not None:
            bi.__dict__.get("_concepts", {}).clear()
        r, w, c, _ = one(i, False)
        cold.append(w)
        if not _same(reference[i], _key(r)):
            mismatches.append((i, "cold"))
    wall = {True: [[] for _ in range(n)], False: [[] for _ in range(n)]}
    cpu = {True: [[] for _ in range(n)], False: [[] for _ in range(n)]}
    relation = [None] * n
    blocks = [None] * n
    for p in range(repeat):
        for i in range(n):
            for mode in ((True, False) if p % 2 == 0 else (False, True)):
                r, w, c, st = one(i, mode)
                wall[mode][i].append(w)
                cpu[mode][i].append(c)
                if not _same(reference[i], _key(r)):
                    mismatches.append((i, "exhaustive" if mode else "pruned"))
                if not mode:
                    relation[i] = r.total_relation
                    blocks[i] = st
                    check_counts(i, r, "pruned")
    search_mod.IndexSearcher._rank_pruned = original
    out = dict(index=str(index), passages=searcher.snapshot().stats.N, repeat=repeat, queries=n,
               mismatches=mismatches, machine=machine_info())
    for name, data in (("wall", wall), ("cpu", cpu)):
        ex = [statistics.median(x) for x in data[True]]
        pr = [statistics.median(x) for x in data[False]]
        out[name] = dict(exhaustive=dict(p50=percentile(ex, .5), p95=percentile(ex, .95), per_query=ex),
                         pruned=dict(p50=percentile(pr, .5), p95=percentile(pr, .95), per_query=pr))
    out["cold"] = dict(p50=percentile(cold, .5), p95=percentile(cold, .95), per_query=cold)
    out["gte"] = sum(1 for r in relation if r == "gte")
    done = [b[0] for b in blocks if b and b[0] and b[1]]
    out["blocks"] = dict(evaluated=sum(d["searched"] for d in done), candidates=sum(d["candidates"] for d in done),
                         all=sum(d["blocks"] for d in done), searches=len(done),
                         tightened=sum(d["tightened"] for d in done),
                         share_median=statistics.median([d["searched"] / max(d["candidates"], 1) for d in done])
                         if done else None)
    out["per_query"] = [dict(query=q[0], filters=q[1], relation=relation[i],
                             prune=blocks[i][0] if blocks[i] else None,
                             fell_back=bool(blocks[i] and not blocks[i][1]))
                        for i, q in enumerate(QUERIES)]
    return out


def render(R: dict) -> str:
    lines = [f"index {R['index']}: {R['passages']} passages; {R['queries']} queries × {R['repeat']} passes, "
             "interleaved, per-query medians",
             "| ms | exhaustive p50 | pruned p50 | ratio | exhaustive p95 | pruned p95 | ratio |",
             "|---|---|---|---|---|---|---|"]
    for name, label in (("wall", "wall"), ("cpu", "thread CPU")):
        e, p = R[name]["exhaustive"], R[name]["pruned"]
        lines.append(f"| {label} | {e['p50']:.2f} | {p['p50']:.2f} | {p['p50'] / e['p50']:.2f}× | "
                     f"{e['p95']:.2f} | {p['p95']:.2f} | {p['p95'] / e['p95']:.2f}× |")
    c = R["cold"]
    lines.append(f"| wall, pruned with the concepts' bounds cold | | {c['p50']:.2f} | "
                 f"{c['p50'] / R['wall']['exhaustive']['p50']:.2f}× | | {c['p95']:.2f} | "
                 f"{c['p95'] / R['wall']['exhaustive']['p95']:.2f}× |")
    lines.append(f"identical top 10 in every run of every query: {'yes' if not R['mismatches'] else 'NO ' + str(R['mismatches'])}")
    lines.append(f"total a lower bound (total_relation gte) on {R['gte']} of {R['queries']} queries; "
                 f"fell back to exhaustive on {sum(q['fell_back'] for q in R['per_query'])}")
    b = R["blocks"]
    if b["searches"]:
        lines.append(f"blocks evaluated, over the {b['searches']} pruned searches that did not fall back: "
                     f"{b['evaluated'] / max(b['candidates'], 1):.1%} of those that can match "
                     f"(median per query {b['share_median']:.1%}), {b['evaluated'] / max(b['all'], 1):.1%} of all; "
                     f"{b['tightened'] / max(b['all'], 1):.1%} of all bounded per passage first (_tighten)")
    lines.append("per query: wall ms and thread CPU ms, exhaustive → pruned; blocks searched / that can match / all")
    ex, pr = R["wall"]["exhaustive"]["per_query"], R["wall"]["pruned"]["per_query"]
    cex, cpr = R["cpu"]["exhaustive"]["per_query"], R["cpu"]["pruned"]["per_query"]
    for q, a, b, c, d in zip(R["per_query"], ex, pr, cex, cpr):
        st = q["prune"] or {}
        where = f"{st.get('searched', '-')}/{st.get('candidates', '-')}/{st.get('blocks', '-')}"
        lines.append(f"  {a:7.2f} → {b:7.2f} ({b / a:4.2f}×)  cpu {c:6.2f} → {d:6.2f} ({d / c:4.2f}×)  {where:>16}  "
                     f"{q['query']} {q['filters'] or ''}")
    m = R["machine"]
    lines.append(f"Machine: {m['nproc']} CPUs, {m['cpu']}, Python {m['python']}; {m['date']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=1000, help="corpus size (documents), default 1000")
    ap.add_argument("--index", type=Path, default=None, help="an existing index (default: OUT/ix-prune-N)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=5, help="timed passes (default 5)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-out")
    ap.add_argument("--json", type=Path, default=None, help="also write the raw numbers here")
    args = ap.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    index = args.index or ensure_index(args.out, args.reports, args.seed, log)
    R = run(index, args.repeat, log)
    print(render(R))
    if args.json:
        args.json.write_text(json.dumps(R, ensure_ascii=False, indent=1))
    return 1 if R["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
