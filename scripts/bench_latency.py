#!/usr/bin/env python3
"""Warm query latency of this tree against another revision, on one index, in one run.

    .venv/bin/python scripts/bench_latency.py [--index bench-out/ix10k] [--baseline REV] [--repeat 7]
    .venv/bin/python scripts/bench_latency.py --eval [--index bench-out/eval-dev-full] --check-only

The baseline (default: the commit of ``main`` this branch starts from) has its
``searchlib`` exported with ``git archive`` into a temporary directory; each version runs
in its own worker process (this script with ``--worker``) on the same index, read-only. The parent sends every query to both workers, one after the other (the
order alternating from query to query and pass to pass), so both see the same machine;
each worker times its own search: wall time and the thread's CPU time (which other jobs
on a shared machine disturb less).

Queries: the 30 of ``scripts/bench.py`` (default), or with ``--eval`` every distinct query
of ``eval/*.jsonl`` and ``../shared/eval/*.jsonl`` (the judged sets' ``query`` with its
filters, the figure audits' ``question``, the recall sets' ``recall_question``).

Every run of a query must give the baseline's result: the same hits in the same order
(every field of a hit: passage, text, snippet, figures, …, and the unrounded score to
1e-9), the same total, total_partial, total_relation, duplicates_hidden, counts_exact,
unmatched words, suggestions, warnings, reading. ``--variants`` also checks other options
(``pruned``: exhaustive=False; ``exhaustive``; ``facets``; ``page2``: offset 10;
``explain``; ``date``: sort by date; ``nosyn``: synonyms off). Any difference is printed
and the script exits 1. Every search has a time budget of 60 s (the default 0.5 s would
make a slow first query's counts depend on the machine's load: a pruned search out of its
share of the time falls back to the exhaustive one).

Timing: one warm-up pass (its times are reported as "first"), then ``--repeat`` passes;
per query the median over the passes; p50 / p95 over the queries' medians, of both
versions, and the ratio this ÷ baseline. ``--cold-caches`` empties, before every query of
this tree, the caches it keeps between searches that the baseline does not have (evaluated
query nodes: ``scorer.NodeCache``; near-duplicate pieces, snippets, folded terms, parsed
passages): what a query none of whose concepts or passages was searched or shown before
costs (decoded postings, block maxima and the other caches of both versions stay warm).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"

VARIANTS = {
    "default": {},
    "pruned": {"exhaustive": False},
    "exhaustive": {"exhaustive": True},
    "facets": {"facets": True},
    "page2": {"offset": 10},
    "explain": {"explain": True},
    "date": {"sort": "-date"},
    "nosyn": {"synonyms": False},
}


# --------------------------------------------------------------------------- worker

def worker(code: str, index: str) -> None:
    sys.path.insert(0, code)
    import time
    import searchlib
    from searchlib import api
    from searchlib import search as search_mod
    if not Path(searchlib.__file__).resolve().is_relative_to(Path(code).resolve()):
        raise SystemExit(f"searchlib imported from {searchlib.__file__}, not {code}")
    raw: list = []
    original = search_mod.IndexSearcher._hit

    def hit(self, snap, pid, score, *a, **k):
        raw.append(score)
        return original(self, snap, pid, score, *a, **k)

    search_mod.IndexSearcher._hit = hit
    idx = api.open_index(index)
    out = sys.stdout
    for line in sys.stdin:
        req = json.loads(line)
        if req.get("clear_caches"):
            # what this branch keeps between searches (the baseline has none of these):
            # evaluated nodes, near-duplicate pieces, snippets, folded terms, parsed passages
            snap = idx._searcher.snapshot()
            cache = snap.passages.__dict__.get("_node_cache")
            if cache is not None:
                cache.__init__(cache.max_bytes, cache.min_bytes)
            from searchlib import snippets
            for f in (getattr(search_mod, "shingles", None), getattr(snippets, "_snippet", None),
                      getattr(snippets, "_fold_term", None)):
                if hasattr(f, "cache_clear"):
                    f.cache_clear()
            for sp in snap.passages.segments:
                sp.__dict__.pop("_rows", None)
        raw.clear()
        # a time budget no search here reaches: a pruned search that runs past its share of
        # the default 0.5 s (a cold first query on a loaded machine) falls back to the
        # exhaustive one, whose counts are exact: the results would depend on the load
        kw = {"timeout": 60.0}
        kw.update(req.get("filters") or {})
        kw.update(req.get("options") or {})
        error = None
        w0, c0 = time.perf_counter(), time.thread_time()
        try:
            r = idx.search(req["text"], limit=req.get("limit", 10), **kw)
        except Exception as e:          # a query the search refuses: the same error is the same result
            r, error = None, f"{e.__class__.__name__}: {e}"
        wall, cpu = (time.perf_counter() - w0) * 1000, (time.thread_time() - c0) * 1000
        if r is not None:
            sig = r.to_dict()
            sig.pop("elapsed_ms", None)
            sig["warnings"], sig["partial"] = list(r.warnings), r.partial
            if r.facets is not None:
                sig["facets"] = r.facets
            for h in sig["hits"]:
                expl = h.get("explanation")
                if expl is not None:
                    expl.pop("matched_terms_ms", None)
            sig["raw_scores"] = list(raw)
        else:
            sig = {"error": error}
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024     # MB (Linux reports KB)
        out.write(json.dumps({"wall": wall, "cpu": cpu, "rss": rss, "sig": sig}, ensure_ascii=False, default=str)
                  + "\n")
        out.flush()


class Worker:
    def __init__(self, code: Path, index: Path, label: str):
        self.label = label
        env = dict(os.environ, PYTHONPATH=str(code), PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker", str(code), str(index)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                                     encoding="utf-8", cwd=str(code))

    def ask(self, req: dict) -> dict:
        self.proc.stdin.write(json.dumps(req, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"{self.label} worker died")
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


# --------------------------------------------------------------------------- comparing

def differences(a: dict, b: dict) -> list[str]:
    """What differs between two result signatures (scores to 1e-9)."""
    out = []
    ra, rb = a.get("raw_scores"), b.get("raw_scores")
    if ra is not None or rb is not None:
        if ra is None or rb is None or len(ra) != len(rb) or any(abs(x - y) > 1e-9 for x, y in zip(ra, rb)):
            out.append(f"raw scores {ra} != {rb}")
    for k in sorted(set(a) | set(b)):
        if k == "raw_scores":
            continue
        if k == "hits":
            ha, hb = a.get(k) or [], b.get(k) or []
            if len(ha) != len(hb):
                out.append(f"{len(ha)} hits != {len(hb)}")
            for i, (x, y) in enumerate(zip(ha, hb)):
                for f in sorted(set(x) | set(y)):
                    if f == "score":
                        if abs(x.get(f, 0) - y.get(f, 0)) > 1e-9:
                            out.append(f"hit {i} score {x.get(f)} != {y.get(f)}")
                    elif x.get(f) != y.get(f):
                        out.append(f"hit {i} {f}: {str(x.get(f))[:80]} != {str(y.get(f))[:80]}")
        elif a.get(k) != b.get(k):
            out.append(f"{k}: {str(a.get(k))[:120]} != {str(b.get(k))[:120]}")
    return out


# --------------------------------------------------------------------------- queries

def bench_queries() -> list[tuple[str, dict]]:
    sys.path.insert(0, str(HERE))
    from bench import QUERIES
    return [(t, dict(f)) for t, f in QUERIES]


def eval_queries(dirs: list[Path]) -> list[tuple[str, dict]]:
    seen, out = set(), []
    for d in dirs:
        for path in sorted(glob.glob(str(d / "*.jsonl"))):
            for line in open(path, encoding="utf-8"):
                if not line.strip():
                    continue
                item = json.loads(line)
                text = item.get("query") or item.get("question") or item.get("recall_question")
                if not isinstance(text, str) or not text.strip():
                    continue
                filters = item.get("filters") if isinstance(item.get("filters"), dict) else {}
                key = (text, json.dumps(filters, sort_keys=True, ensure_ascii=False))
                if key not in seen:
                    seen.add(key)
                    out.append((text, filters))
    return out


def export(rev: str, into: Path) -> None:
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "searchlib"], check=True,
                          capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")


def percentile(values: list[float], p: float) -> float:
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--index", help="index directory (default bench-out/ix10k; with --eval bench-out/eval-dev-full)")
    ap.add_argument("--baseline", help="revision to compare with (default: where this branch left main, "
                                       "git merge-base main HEAD)")
    ap.add_argument("--repeat", type=int, default=7, help="timed passes after the warm-up (default 7)")
    ap.add_argument("--eval", action="store_true", help="the judged sets' queries instead of bench.py's 30")
    ap.add_argument("--eval-dirs", default=f"{ROOT / 'eval'},{SHARED / 'eval'}")
    ap.add_argument("--variants", default="default", help=f"comma-separated, of: {', '.join(VARIANTS)}")
    ap.add_argument("--check-only", action="store_true", help="one pass, compare results, no timing")
    ap.add_argument("--cold-caches", action="store_true",
                    help="empty the caches this branch adds before each of its queries (a query not seen before)")
    ap.add_argument("-v", "--verbose", action="store_true", help="a line per query")
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    index = Path(args.index or (ROOT / "bench-out" / ("eval-dev-full" if args.eval else "ix10k"))).resolve()
    if not index.exists():
        index = Path("/work/main/bench-out") / index.name
    queries = eval_queries([Path(p) for p in args.eval_dirs.split(",") if p]) if args.eval else bench_queries()
    variants = [v for v in args.variants.split(",") if v]
    for v in variants:
        if v not in VARIANTS:
            sys.exit(f"unknown variant {v}")
    if args.baseline is None:
        args.baseline = subprocess.run(["git", "-C", str(ROOT), "merge-base", "main", "HEAD"], check=True,
                                       capture_output=True, text=True).stdout.strip()
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline], check=True,
                         capture_output=True, text=True).stdout.strip()
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    print(f"index {index}; {len(queries)} queries × {variants}; baseline {args.baseline} ({rev}) vs this tree "
          f"(HEAD {head}{', its caches emptied before each query' if args.cold_caches else ''})", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        export(args.baseline, Path(tmp))
        base, new = Worker(Path(tmp), index, "baseline"), Worker(ROOT, index, "this")
        try:
            passes = 1 if args.check_only else 1 + args.repeat
            n = len(queries) * len(variants)
            times = {w: [[[] for _ in range(n)] for _ in range(2)] for w in ("base", "new")}   # [wall, cpu]
            first = {w: [None] * n for w in ("base", "new")}
            rss = {w: 0.0 for w in ("base", "new")}       # each worker's peak resident memory, MB
            bad = []
            for p in range(passes):
                for i in range(n):
                    text, filters = queries[i // len(variants)]
                    variant = variants[i % len(variants)]
                    req = {"text": text, "filters": filters, "options": VARIANTS[variant]}
                    order = [("base", base), ("new", new)]
                    if (p + i) % 2:
                        order.reverse()
                    got = {}
                    for name, w in order:
                        got[name] = w.ask(dict(req, clear_caches=args.cold_caches and name == "new"))
                    diff = differences(got["base"]["sig"], got["new"]["sig"])
                    if diff:
                        bad.append((text, filters, variant, p, diff))
                        print(f"DIFFERENT: {text} {filters} [{variant}] pass {p}: " + "; ".join(diff[:6]),
                              flush=True)
                    for name in ("base", "new"):
                        rss[name] = max(rss[name], got[name].get("rss", 0.0))
                        if p == 0:
                            first[name][i] = got[name]["wall"]
                        else:
                            times[name][0][i].append(got[name]["wall"])
                            times[name][1][i].append(got[name]["cpu"])
                if p == 0:
                    print(f"pass 0 (warm-up) done: {len(bad)} differing results so far", flush=True)
        finally:
            base.close()
            new.close()
    print(f"identical results: {n * passes - len(bad)} of {n * passes} runs "
          f"({n} query × variant, {passes} passes)")
    if not args.check_only:
        med = {w: [[statistics.median(t) for t in times[w][k]] for k in range(2)] for w in times}
        if args.verbose:
            for i in range(n):
                text, filters = queries[i // len(variants)]
                print(f"  {med['base'][0][i]:7.2f} → {med['new'][0][i]:7.2f} ms  "
                      f"{med['new'][0][i] / med['base'][0][i]:5.2f}×  {text} {filters or ''} "
                      f"[{variants[i % len(variants)]}]")
        print(f"{'':14}{'baseline':>12}{'this':>12}{'this÷base':>11}")
        for label, k, p in (("wall p50", 0, 0.5), ("wall p95", 0, 0.95), ("cpu p50", 1, 0.5), ("cpu p95", 1, 0.95)):
            a, b = percentile(med["base"][k], p), percentile(med["new"][k], p)
            print(f"{label:14}{a:10.2f}ms{b:10.2f}ms{b / a:10.2f}×")
        a, b = sum(med["base"][0]), sum(med["new"][0])
        print(f"{'wall sum':14}{a:10.1f}ms{b:10.1f}ms{b / a:10.2f}×")
        a, b = percentile(first["base"], 0.5), percentile(first["new"], 0.5)
        print(f"{'first p50':14}{a:10.2f}ms{b:10.2f}ms{b / a:10.2f}×   (the warm-up pass: caches cold)")
        a, b = rss["base"], rss["new"]
        print(f"{'peak RSS':14}{a:10.0f}MB{b:10.0f}MB{b / a:10.2f}×   (each worker process)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
