#!/usr/bin/env python3
"""Sharded indexes against the single index, in one run: build time and query latency for
1, 2 and 4 shards (searched in this process, and with --ray through one Ray actor per shard).

    .venv/bin/python scripts/bench_cluster.py [--reports 300] [--shards 1,2,4] [--repeat 3]
        [--ray] [--ray-build] [--out bench-out] [--reuse]

The corpus is scripts/bench.py's (gen_corpus.py, cached under OUT/corpus-N-sSEED/); the
queries are its 30 benchmark queries. Each build is timed once (local builds use the
default worker processes; --ray-build also times a build whose analysis runs as Ray tasks on
a local instance). Latency: one warm-up pass, then --repeat passes; per query the median,
then p50/p95 over the queries (each query allowed 5 s, so that a loaded machine times nothing out). "Fan-out overhead" is the p50 over the queries of (sharded
median − single median). Prints a markdown table and writes OUT/cluster-N.json.
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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))


def percentile(values, q):
    values = sorted(values)
    if not values:
        return None
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def time_queries(idx, queries, repeat: int) -> list[float]:
    """Per query, the median latency (ms) over ``repeat`` passes after a warm-up pass."""
    for q, f in queries:
        idx.search(q, timeout=5.0, **f)
    per = [[] for _ in queries]
    for _ in range(repeat):
        for i, (q, f) in enumerate(queries):
            t0 = time.perf_counter()
            idx.search(q, timeout=5.0, **f)
            per[i].append((time.perf_counter() - t0) * 1000)
    return [statistics.median(p) for p in per]


def summary(times: list[float], base: list[float] | None) -> dict:
    out = {"p50_ms": percentile(times, 0.5), "p95_ms": percentile(times, 0.95), "per_query_ms": times}
    if base is not None:
        over = [t - b for t, b in zip(times, base)]
        out["overhead_p50_ms"] = percentile(over, 0.5)
        out["overhead_p95_ms"] = percentile(over, 0.95)
        out["ratio_p50"] = out["p50_ms"] / base_p50 if (base_p50 := percentile(base, 0.5)) else None
    return out


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=300, help="corpus size (documents), default 300")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--external-share", type=float, default=0.3)
    ap.add_argument("--shards", default="1,2,4")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ray", action="store_true", help="also search through Ray actors (one per shard)")
    ap.add_argument("--ray-build", action="store_true", help="also time a build analysed by Ray tasks")
    ap.add_argument("--out", default="bench-out")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the indexes an earlier run built (their build figures come from its OUT/cluster-N.json)")
    args = ap.parse_args(argv)
    from bench import QUERIES, ensure_corpus, machine_info
    from searchlib import api

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus, manifest = ensure_corpus(out, args.reports, args.seed, args.external_share,
                                     lambda m: print(m, file=sys.stderr))
    work = out / f"cluster-{args.reports}"
    work.mkdir(exist_ok=True)
    queries = [(q, dict(f)) for q, f in QUERIES]
    counts = [int(s) for s in args.shards.split(",") if s.strip()]
    R = {"reports": args.reports, "machine": machine_info(), "builds": {}, "queries": {}, "shards": {}}

    earlier = out / f"cluster-{args.reports}.json"
    before = json.loads(earlier.read_text()).get("builds", {}) if args.reuse and earlier.exists() else {}

    def build(name, **kw):
        path = work / name
        if args.reuse and name in before and path.is_dir():
            R["builds"][name] = before[name]
            print(f"reused {name} (built in {before[name]['seconds']:.1f} s by an earlier run)", file=sys.stderr)
            return path
        t0 = time.perf_counter()
        report = api.build([corpus], path, follow_links=True, **kw)
        seconds = time.perf_counter() - t0
        R["builds"][name] = {"seconds": seconds, "documents": report.documents, "passages": report.passages,
                             "bytes": dir_bytes(path)}
        print(f"built {name}: {report.documents} documents in {seconds:.1f} s", file=sys.stderr)
        return path

    single = build("single")
    paths = {n: build(f"shards-{n}", shards=n) for n in counts}
    if args.ray_build:
        from searchlib.cluster import connect
        connect("local")
        build(f"shards-{max(counts)}-ray-build", shards=max(counts), ray="local")
    with api.open_index(single) as idx:
        base = time_queries(idx, queries, args.repeat)
    R["queries"]["single"] = summary(base, None)
    for n, path in paths.items():
        with api.open_index(path) as idx:
            R["queries"][f"shards-{n}"] = summary(time_queries(idx, queries, args.repeat), base)
            R["shards"][n] = idx.stats()["shards"]
    if args.ray:
        from searchlib.cluster import connect, open_on_ray
        connect("local")
        for n, path in paths.items():
            idx = open_on_ray(path, "local", replicas=1)
            try:
                R["queries"][f"shards-{n}-ray"] = summary(time_queries(idx, queries, args.repeat), base)
            finally:
                idx.close()

    b0 = R["builds"]["single"]["seconds"]
    lines = [f"## Sharded vs single index: {R['builds']['single']['documents']} documents "
             f"({args.reports} reports asked), {len(queries)} queries × {args.repeat}", "",
             "| index | build s | build ×single | MB | query p50 ms | p95 ms | p50 ×single | fan-out overhead p50 ms |",
             "|---|---|---|---|---|---|---|---|"]
    for name in ["single"] + [k for k in R["queries"] if k != "single"]:
        b = R["builds"].get(name)
        q = R["queries"][name]
        lines.append(f"| {name} | {b['seconds']:.1f} | {b['seconds'] / b0:.2f} | {b['bytes'] / 1e6:.1f} | "
                     f"{q['p50_ms']:.1f} | {q['p95_ms']:.1f} | "
                     f"{q.get('ratio_p50') or 1.0:.2f} | {q.get('overhead_p50_ms', 0.0):+.1f} |"
                     if b else
                     f"| {name} | | | | {q['p50_ms']:.1f} | {q['p95_ms']:.1f} | {q.get('ratio_p50') or 1.0:.2f} | "
                     f"{q.get('overhead_p50_ms', 0.0):+.1f} |")
    for name, b in R["builds"].items():
        if name.endswith("-ray-build"):
            lines.append(f"| {name} (build only) | {b['seconds']:.1f} | {b['seconds'] / b0:.2f} | "
                         f"{b['bytes'] / 1e6:.1f} | | | | |")
    lines.append("")
    for n, shards in R["shards"].items():
        lines.append(f"{n} shard(s): " + "; ".join(f"{s['dir']} {s['documents']} docs, {s['passages']} passages, "
                                                   f"{s['bytes'] / 1e6:.1f} MB" for s in shards))
    print("\n".join(lines))
    (out / f"cluster-{args.reports}.json").write_text(json.dumps(R, indent=1, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
