#!/usr/bin/env python3
"""Memory and time of ``searchlib optimize`` (merging every segment into one), this
worktree's code against another version's (``--baseline-ref``, exported with ``git
archive``) in the same run, each on its own copy of each index.

    .venv/bin/python scripts/bench_merge.py --index bench-out/eval-dev-full --index bench-out/ix10k

Linux only (reads /proc). The optimize runs in a child process that reports its peak RSS
(VmHWM: everything resident, including the pages of the memory-mapped passage files it
reads, which the kernel can drop at will) and its peak anonymous memory (RssAnon, sampled
every 10 ms: what the process itself allocated; this is what must not grow with the
index). Also checks that both versions' merged passage files are identical.
"""
from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, sys, threading, time
import searchlib

def status():
    out = {}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        if key in ("VmHWM", "RssAnon", "RssFile"):
            out[key] = int(value.split()[0]) * 1024
    return out

peak = {"RssAnon": 0, "RssFile": 0}
done = threading.Event()

def sample():
    while not done.is_set():
        for k in peak:
            peak[k] = max(peak[k], status()[k])
        time.sleep(0.01)

t = threading.Thread(target=sample, daemon=True)
t.start()
t0 = time.perf_counter()
searchlib.optimize(sys.argv[1])
seconds = time.perf_counter() - t0
done.set()
t.join()
print(json.dumps(dict(peak, VmHWM=status()["VmHWM"], seconds=seconds, code=searchlib.__file__)))
"""


def export(ref: str, dest: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "searchlib"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def optimize(code: Path, index: Path) -> dict:
    """Optimize ``index`` with the searchlib at ``code`` in a child process: its seconds,
    its peak RSS (VmHWM, read by the child when done: exact) and its peak anonymous and
    file-backed memory (sampled every 10 ms by a thread of the child)."""
    env = dict(os.environ, PYTHONPATH=str(code), PYTHONDONTWRITEBYTECODE="1")
    # run from the index's parent: ``python -c`` puts the working directory first on sys.path
    out = subprocess.run([sys.executable, "-c", CHILD, str(index)], env=env, capture_output=True, text=True,
                         cwd=str(index.parent))
    if out.returncode:
        sys.exit(f"optimize failed ({code}):\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", action="append", required=True, help="an index (copied; repeatable)")
    ap.add_argument("--baseline-ref", default="main")
    args = ap.parse_args(argv)
    ref = args.baseline_ref
    with tempfile.TemporaryDirectory(prefix="bench-merge-") as tmp:
        tmp = Path(tmp)
        (tmp / "baseline").mkdir()
        versions = {"this": ROOT, ref: export(ref, tmp / "baseline")}
        print("| index | code | segments | seconds | peak RSS MB | peak anonymous MB | passage data MB |")
        print("|---|---|---|---|---|---|---|")
        for index in map(Path, args.index):
            spx = sorted(index.glob("*.spx"))
            merged = {}
            for name, code in versions.items():
                copy = tmp / f"ix-{name.replace('/', '_')}"
                shutil.rmtree(copy, ignore_errors=True)
                shutil.copytree(index, copy)
                r = optimize(code, copy)
                if not r["code"].startswith(str(code)):
                    sys.exit(f"{name}: ran the searchlib at {r['code']}, not {code}")
                size = sum(p.stat().st_size for p in spx) / 1e6
                print(f"| {index} | {name} | {len(spx)} | {r['seconds']:.1f} | {r['VmHWM'] / 1e6:.0f} | "
                      f"{r['RssAnon'] / 1e6:.0f} | {size:.0f} |", flush=True)
                merged[name] = (copy, sorted(copy.glob("*.spx")))
            (a, fa), (b, fb) = merged.values()
            same = len(fa) == len(fb) == 1 and filecmp.cmp(fa[0], fb[0], shallow=False)
            print(f"|  | merged passage files identical: {'yes' if same else 'NO'} | | | | | |")
            for copy, _ in merged.values():
                shutil.rmtree(copy, ignore_errors=True)


if __name__ == "__main__":
    main()
