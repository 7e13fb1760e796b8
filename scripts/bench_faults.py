#!/usr/bin/env python3
"""Fault injection: SIGKILL a `searchlib update` and a `searchlib build` at random moments,
many times, and check that every kill left an index that opens and answers exactly as
before the write (or, if the write got to commit, exactly as after it), and that the next
update completes.

    .venv/bin/python scripts/bench_faults.py [--kills 20] [--reports 150] [--seed 7] [--out bench-out]

Prints one table: kills per operation, how many landed before the commit, answers equal to
before / after, next update completed. Not part of the test suite (tests/test_robustness.py
kills an update at four moments on every CI run).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
QUERIES = ["两法衔接", "行政复议 案件 数量", "法律顾问 全覆盖", "存在的问题和不足", "行政执法 -刑事", "营商环境"]


def searchlib(*args) -> list[str]:
    exe = Path(sys.executable).with_name("searchlib")
    return [str(exe) if exe.exists() else sys.executable, *([] if exe.exists() else ["-m", "searchlib"]), *args]


def answers(index: Path):
    import searchlib as sl
    try:
        with sl.open_index(index) as idx:
            return [[(h.passage_id, h.score) for h in idx.search(q, limit=20).hits] for q in QUERIES], \
                sorted(d["doc_id"] for d in idx.documents())
    except sl.SearchlibError as e:
        return f"error: {e}"


def generation(index: Path) -> int:
    return max(int(p.stem.split("_")[-1]) for p in index.glob("_MAIN_*.toc"))


def run_kills(op: str, kills: int, base: Path, corpus: Path, work: Path, before, after, rng) -> dict:
    """SIGKILL ``op`` (update or build) ``kills`` times at random moments of its run."""
    index = work / f"index-{op}"
    cmd = {"update": ["update", str(corpus)], "build": ["build", str(corpus)]}[op]
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(base, index)
    t0 = time.perf_counter()
    subprocess.run(searchlib("--index", str(index), *cmd), check=True, capture_output=True)
    duration = time.perf_counter() - t0
    stats = dict(kills=0, before_commit=0, equal_before=0, equal_after=0, broken=0, next_update_ok=0,
                 duration_s=round(duration, 2))
    for _ in range(kills):
        shutil.rmtree(index, ignore_errors=True)
        shutil.copytree(base, index)
        gen = generation(index)
        proc = subprocess.Popen(searchlib("--index", str(index), *cmd), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.05, duration * 1.1))
        finished = proc.poll() is not None
        if not finished:
            os.killpg(proc.pid, signal.SIGKILL)        # the process and its worker processes
        proc.wait()
        stats["kills"] += not finished
        now = answers(index)
        if now == before and (op == "build" or generation(index) == gen):
            stats["equal_before"] += 1
            stats["before_commit"] += not finished
        elif now == after:
            stats["equal_after"] += 1
        else:
            stats["broken"] += 1
        done = subprocess.run(searchlib("--index", str(index), "update", str(corpus)), capture_output=True)
        final = answers(index)
        if done.returncode == 0 and not isinstance(final, str) and final[1] == after[1]:
            stats["next_update_ok"] += 1            # every report indexed (scores may differ: segments)
    return stats


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--reports", type=int, default=150)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=str(ROOT / "bench-out"))
    args = ap.parse_args()
    import gen_corpus
    rng = random.Random(args.seed)
    work = Path(args.out) / "faults"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    corpus = work / "corpus"
    gen_corpus.generate(corpus, args.reports, args.seed, 0.0)
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))
    base = work / "base"
    subprocess.run(searchlib("--index", str(base), "build", str(corpus)), check=True, capture_output=True)
    # take half of the reports out again, so that an update has real work to do
    second = [str(p.relative_to(corpus)) for p in files[len(files) // 2:]]
    subprocess.run(searchlib("--index", str(base), "remove", *second), check=True, capture_output=True)
    before = answers(base)
    after_update, after_build = work / "after-update", work / "after-build"
    shutil.copytree(base, after_update)
    subprocess.run(searchlib("--index", str(after_update), "update", str(corpus)), check=True, capture_output=True)
    subprocess.run(searchlib("--index", str(after_build), "build", str(corpus)), check=True, capture_output=True)
    results = {"update": run_kills("update", args.kills, base, corpus, work, before, answers(after_update), rng),
               "build": run_kills("build", args.kills, base, corpus, work, before, answers(after_build), rng)}
    print(f"\n## Faults: SIGKILL at random moments ({args.reports} reports, seed {args.seed})\n")
    print("| operation | run time, s | kills | before its commit | index as before | as after | broken | "
          "next update completed |")
    print("|---|---|---|---|---|---|---|---|")
    for op, st in results.items():
        print(f"| {op} | {st['duration_s']} | {st['kills']} | {st['before_commit']} | {st['equal_before']} | "
              f"{st['equal_after']} | {st['broken']} | {st['next_update_ok']} of {args.kills} |")
    (work / "results.json").write_text(json.dumps(results, indent=1))
    sys.exit(1 if any(st["broken"] for st in results.values()) else 0)


if __name__ == "__main__":
    main()
