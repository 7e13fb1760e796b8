#!/usr/bin/env python3
"""Check that a sharded index ranks exactly like one index of the same corpus.

    .venv/bin/python scripts/shard_check.py [--shards 4] [--corpus corpus ../shared/corpus-external]
        [--out shard-check] [--reuse] [--limit 10] [--ray]

Builds (or with --reuse, reuses) OUT/single and OUT/sharded-N from the same corpus folders
(default: the seeds + ../shared/corpus-external, skipped with a note when ../shared is
absent), then runs every benchmark query (scripts/bench.py) and every judgement query
(../shared/eval/*.jsonl, eval/*.jsonl) with its filters on both, and compares the top
--limit (doc, passage, score to 1e-9), total, total_partial, duplicates_hidden and
counts_exact. The single index is searched with exact_total (a sharded search scores every
passage on an index of this size: its counts are exact), and both are also searched pruned
(exhaustive=False, whatever their size: prune.py), whose pages must be the same and whose
counts must be the same ("eq") or lower ("gte").
With --ray the sharded index is searched through Ray actors (one per shard, on a local Ray
instance: ``searchlib.cluster.open_on_ray``), as ``searchlib serve --ray`` searches it.
Prints one line per difference and a summary; exit status 1 on any.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))


def queries() -> list[tuple[str, dict, str]]:
    from bench import QUERIES
    out = [(q, dict(f), "bench") for q, f in QUERIES]
    files = sorted((SHARED / "eval").glob("*.jsonl")) + sorted((ROOT / "eval").glob("*.jsonl"))
    seen = {(q, json.dumps(f, sort_keys=True)) for q, f, _ in out}
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            q = row.get("query")
            if not isinstance(q, str):
                continue
            f = row.get("filters") or {}
            key = (q, json.dumps(f, sort_keys=True))
            if key not in seen:
                seen.add(key)
                out.append((q, f, path.name))
    return out


def raw_scores():
    """Hits keep their unrounded score (``raw``)."""
    from searchlib.search import IndexSearcher
    original = IndexSearcher._hit

    def hit(self, snap, pid, score, phrases, words):
        h = original(self, snap, pid, score, phrases, words)
        h.raw = score
        return h
    IndexSearcher._hit = hit


def compare(a, b, q: str, filters: dict, limit: int) -> list[str]:
    try:
        ra = a.search(q, limit=limit, exact_total=True, **filters)
    except Exception as e:
        try:
            b.search(q, limit=limit, **filters)
        except type(e):
            return []
        return [f"single raised {type(e).__name__}, sharded did not"]
    rb = b.search(q, limit=limit, **filters)
    diffs = []
    for key in ("total", "total_partial", "duplicates_hidden", "counts_exact"):
        if getattr(ra, key) != getattr(rb, key):
            diffs.append(f"{key} {getattr(ra, key)} != {getattr(rb, key)}")
    ia = [h.passage_id for h in ra.hits]
    ib = [h.passage_id for h in rb.hits]
    if ia != ib:
        diffs.append(f"top {limit} differ: {ia[:3]}… vs {ib[:3]}…")
    else:
        worst = max((abs(x.raw - y.raw) for x, y in zip(ra.hits, rb.hits)), default=0.0)
        if worst > 1e-9 * max(1.0, max((abs(x.raw) for x in ra.hits), default=1.0)):
            diffs.append(f"scores differ by up to {worst:.3g}")
    for who, idx in (("single", a), ("sharded", b)):
        rp = idx.search(q, limit=limit, exhaustive=False, **filters)
        if [h.passage_id for h in rp.hits] != ia or (ia and max(
                abs(x.raw - y.raw) for x, y in zip(rp.hits, ra.hits)) > 1e-9 * max(1.0, abs(ra.hits[0].raw))):
            diffs.append(f"the pruned page of the {who} index differs from the exhaustive one")
        counts, exact = (rp.total, rp.total_partial), (ra.total, ra.total_partial)
        if (rp.total_relation == "eq" and counts != exact) or (rp.total_relation == "gte" and not (
                counts[0] <= exact[0] and counts[1] <= exact[1])):
            diffs.append(f"pruned counts of the {who} index {counts} ({rp.total_relation}) vs {exact}")
    return diffs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--corpus", nargs="*", default=None, help="corpus folders (default: corpus + corpus-external)")
    ap.add_argument("--out", default="shard-check")
    ap.add_argument("--reuse", action="store_true", help="reuse OUT/single and OUT/sharded-N when present")
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--ray", action="store_true", help="search the sharded index through Ray actors")
    args = ap.parse_args(argv)
    from searchlib import api
    corpus = [Path(p) for p in args.corpus] if args.corpus else [ROOT / "corpus", SHARED / "corpus-external"]
    missing = [p for p in corpus if not p.is_dir()]
    if missing:
        print(f"skipped: {', '.join(map(str, missing))} not present", file=sys.stderr)
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    single, sharded = out / "single", out / f"sharded-{args.shards}"
    for path, shards in ((single, None), (sharded, args.shards)):
        if not (args.reuse and path.is_dir()):
            t0 = time.perf_counter()
            report = api.build(corpus, path, shards=shards, follow_links=True)
            print(f"built {path}: {report.documents} documents, {report.passages} passages in "
                  f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
    raw_scores()
    failures = 0
    qs = queries()
    if args.ray:
        import ray
        from searchlib.cluster import open_on_ray
        # the actors' hits keep their unrounded scores too
        ray.init(include_dashboard=False, logging_level="WARNING", log_to_driver=False,
                 runtime_env={"worker_process_setup_hook": raw_scores})
        opened = open_on_ray(sharded, "local", replicas=1)
    else:
        opened = api.open_index(sharded)
    with api.open_index(single) as a, opened as b:
        for q, filters, source in qs:
            diffs = compare(a, b, q, filters, args.limit)
            if diffs:
                failures += 1
                print(f"DIFF [{source}] {q!r} {filters}: " + "; ".join(diffs))
        docs = a.counts()["documents"]
        gathered = b._searcher.missing_stats
    print(f"{len(qs) - failures} of {len(qs)} queries identical (top {args.limit}, scores to 1e-9, totals) on "
          f"{docs} documents, {args.shards} shards{' through Ray actors' if args.ray else ''} vs one index" + (f"; statistics not gathered: {gathered}"
                                                                    if gathered else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
