#!/usr/bin/env python3
"""Hostile queries against a large index: the matrix of the robustness issue and worse
(only common words, long repetitions, 12 concepts, one-character wildcards, nested
parentheses). Prints every query's time and outcome, slowest first.

    .venv/bin/python scripts/bench_hostile.py --index bench-out/eval-dev-full [--repeat 3]
"""
import argparse
import statistics
import time

QUERIES = [
    "行政" * 240, "行政" * 20, "政 府 的 和 在 是 了 与 及 等 对",
    "政府 OR 工作 OR 建设 OR 法治 OR 依法 OR 行政 OR 推进 OR 加强", "a* b* c*", "行政~2", "[a TO z]",
    " ".join(["行政"] * 12), "工作 建设 推进 加强 完善 提升 落实 开展 深化 健全 强化 规范",
    "的 的 的 的 的 的 的 的", "法治政府建设" * 40, "(行*)", "(a*) OR (b*) OR (c*) OR (d*)", "(*)", "(政* AND 府*)",
    "(" * 40 + "行政" + ")" * 40, "((((行政 AND 执法) OR 复议) AND 案件) OR (法治 AND 政府))", "NOT 行政",
    '"行政 执法 工作 推进 加强 建设 完善 提升"', "行政^100 执法^0.01", "-行政 -执法 工作",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import searchlib
    idx = searchlib.open_index(args.index)
    idx.search("法治政府")
    rows = []
    for q in QUERIES:
        times, outcome = [], ""
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            try:
                r = idx.search(q, limit=10)
                outcome = f"{r.total} matches" + (" (partial)" if r.partial else "")
            except searchlib.SearchlibError as e:
                outcome = f"error: {str(e)[:60]}"
            times.append(time.perf_counter() - t0)
        rows.append((statistics.median(times), q, outcome))
    rows.sort(reverse=True)
    print(f"| query | median of {args.repeat}, ms | outcome |\n|---|---|---|")
    for t, q, outcome in rows:
        shown = q if len(q) <= 40 else q[:37] + "…"
        print(f"| `{shown}` | {t * 1000:.1f} | {outcome} |")


if __name__ == "__main__":
    main()
