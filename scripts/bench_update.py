#!/usr/bin/env python3
"""Incremental update vs full build, measured in one run (default: the 1,000-report corpus).

    .venv/bin/python scripts/bench_update.py [--reports 1000] [--repeat 3] [--build-repeat 1] [--out bench-out]

Builds a searchlib index of the benchmark corpus (scripts/gen_corpus.py, cached like bench.py's),
then, each on a fresh copy of that index, in its own process:
  * ``api.add([one new report])``;
  * ``api.update([corpus, dir with one new report])``: the path that rescans and hashes the corpus;
  * the same ``api.update`` again, with nothing changed;
  * ``api.add`` with searchlib, Whoosh and jieba already imported and loaded (a long-running process).
Prints each time and its ratio to the full build (medians of --repeat runs) and writes
OUT/update-N.json. Every time is the API call alone; the process start-up is not included.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--external-share", type=float, default=0.3)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each update (default 3)")
    ap.add_argument("--build-repeat", type=int, default=1, help="full builds (default 1)")
    ap.add_argument("--procs", type=int, default=None, help="procs for the full build (default: searchlib's own)")
    ap.add_argument("--timeout", type=float, default=None)
    ap.add_argument("--out", type=Path, default=bench.ROOT / "bench-out")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    out, timeout, log, corpus, manifest = bench.start_run(args)
    extras = out / f"extra-s{args.seed}"
    work = out / f"work-update-{args.reports}"
    index = work / "searchlib"
    failures = {}
    build = bench.measure_builds("searchlib_build",
                                 lambda i: dict(corpus=str(corpus), index=str(index), procs=args.procs),
                                 args.build_repeat, work, timeout, log, failures)
    if not build:
        sys.exit(f"the full build failed: {failures}")
    up = bench.measure_updates(index, corpus, extras, args.repeat, work, timeout, log, failures)
    full = build["seconds"]
    R = dict(machine=bench.machine_info(), params=dict(vars(args), out=str(out)), corpus=manifest,
             build=build, update=up, failures=failures, total_s=time.perf_counter() - t_start)
    path = out / f"update-{args.reports}.json"
    path.write_text(json.dumps(R, ensure_ascii=False, indent=1, default=str), encoding="utf-8")

    m = R["machine"]
    print(f"\n## Update vs full build: {build['docs']} documents, {build['passages']} passages\n")
    print("| operation | seconds (median) | ÷ full build | all runs, s |")
    print("|---|---|---|---|")
    print(f"| full build (procs={args.procs or 'default'}) | {full:.1f} | 100 % | "
          f"{', '.join(f'{s:.1f}' for s in build['seconds_all'])} |")
    for key, label in (("add", "add 1 new report (`api.add`)"),
                       ("update", "update: corpus + 1 new report (`api.update`)"),
                       ("noop", "update with nothing changed"),
                       ("add_warm", "add 1 new report, imports + jieba already loaded")):
        s, runs = up.get(key), up["all"].get(key) or []
        cell = "n/a" if s is None else f"{s:.2f} | {s / full:.2%}"
        print(f"| {label} | {cell if s is not None else 'n/a | n/a'} | {', '.join(f'{x:.2f}' for x in runs)} |")
    print(f"\nMachine: {m['nproc']} CPUs, {m['cpu']}, Python {m['python']}, {m['date']}. "
          f"Raw numbers: {path}; total {R['total_s']:.0f} s")
    if failures:
        print("Failures:", json.dumps(failures, ensure_ascii=False))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
