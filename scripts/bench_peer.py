#!/usr/bin/env python3
"""searchlib against tantivy (Rust, block-max WAND) on the same passages and the same jieba
tokens, in one run: the peer of issue #24's budget "≤ 10× tantivy's OR top-10 p50".

    .venv/bin/pip install -e '.[bench]'          # tantivy's Python bindings
    .venv/bin/python scripts/bench_peer.py --index bench-out/cluster-10000/single [--repeat 5]

Every passage of the index (its text, as ``document()`` returns it) is tokenised by
searchlib's own analyzer (``query.analyse_query_text``: the segmenter and the normalisation
the index uses) and written to a tantivy index under OUT (default: beside the index,
``<index>-tantivy``; reused when its passage count matches). The 30 queries of
``scripts/bench.py``: tantivy runs the OR of their tokens, BM25 top 10 with the count of
matching passages (no synonyms, no phrases, no ranking factors, no snippets, no filters);
searchlib runs them as a user does (synonyms, ranking, snippets, the query's filters).
One warm-up pass, then --repeat passes, the two engines alternating query by query in this
process; per query the median; p50 / p95 over the queries, and the ratio.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def percentile(values, q):
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def passages(ix):
    for meta in ix.documents():
        for p in ix.document(meta["doc_id"])["passages_list"]:
            yield p["text"]


def build_peer(ix, out: Path, tantivy) -> tuple:
    from searchlib.query import analyse_query_text
    want = ix.counts()["passages"]
    marker = out / "PASSAGES"
    if marker.exists() and marker.read_text().strip() == str(want):
        index = tantivy.Index.open(str(out))
        return index, 0.0, 0.0
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("body", stored=False, tokenizer_name="whitespace")
    index = tantivy.Index(sb.build(), path=str(out))
    writer = index.writer(heap_size=200_000_000, num_threads=2)
    t0 = time.perf_counter()
    texts = [" ".join(analyse_query_text(text)) for text in passages(ix)]
    tokenised = time.perf_counter() - t0
    t0 = time.perf_counter()
    for body in texts:
        writer.add_document(tantivy.Document(body=body))
    writer.commit()
    writer.wait_merging_threads()
    built = time.perf_counter() - t0
    marker.write_text(str(len(texts)))
    return tantivy.Index.open(str(out)), tokenised, built


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", required=True)
    ap.add_argument("--out", help="the tantivy index (default: INDEX-tantivy)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    try:
        import tantivy
    except ImportError:
        print("tantivy is not installed: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 2
    from bench import QUERIES
    from searchlib import api
    from searchlib.query import analyse_query_text
    ix = api.open_index(args.index)
    out = Path(args.out or f"{Path(args.index).resolve()}-tantivy")
    peer, tokenised, built = build_peer(ix, out, tantivy)
    if built:
        print(f"tantivy index of {ix.counts()['passages']:,} passages: tokenised by searchlib's analyzer in "
              f"{tokenised:.0f} s, indexed by tantivy in {built:.1f} s", file=sys.stderr)
    peer.reload()
    searcher = peer.searcher()
    queries = [(q, dict(f)) for q, f in QUERIES]
    parsed = [peer.parse_query(" ".join(analyse_query_text(q)), ["body"]) for q, _ in queries]

    def run_peer(i):
        t0 = time.perf_counter()
        searcher.search(parsed[i], 10, count=True)
        return (time.perf_counter() - t0) * 1000

    def run_ours(i):
        q, f = queries[i]
        t0 = time.perf_counter()
        ix.search(q, limit=10, timeout=60.0, **f)
        return (time.perf_counter() - t0) * 1000

    times = {"tantivy": [[] for _ in queries], "searchlib": [[] for _ in queries]}
    for p in range(1 + args.repeat):
        for i in range(len(queries)):
            order = [("tantivy", run_peer), ("searchlib", run_ours)]
            if (p + i) % 2:
                order.reverse()
            for name, fn in order:
                ms = fn(i)
                if p:
                    times[name][i].append(ms)
    med = {name: [statistics.median(t) for t in ts] for name, ts in times.items()}
    print(f"{ix.counts()['documents']:,} documents, {ix.counts()['passages']:,} passages; "
          f"{len(queries)} queries × {args.repeat} after a warm-up pass\n")
    print("| engine | p50 ms | p95 ms |")
    print("|---|---|---|")
    for name in ("tantivy", "searchlib"):
        print(f"| {name} | {percentile(med[name], 0.5):.2f} | {percentile(med[name], 0.95):.2f} |")
    a, b = percentile(med["tantivy"], 0.5), percentile(med["searchlib"], 0.5)
    print(f"\nsearchlib ÷ tantivy p50: {b / a:.1f}× (budget ≤ 10×: {'met' if b <= 10 * a else 'not met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
