#!/usr/bin/env python3
"""Memory and time of ``searchlib optimize`` (merging every segment into one), this
worktree's code against another version's (``--baseline-ref``, exported with ``git
archive``) in the same run, each on its own copy of each index.

    .venv/bin/python scripts/bench_merge.py --index bench-out/eval-dev-full --index bench-out/ix10k

Linux only (reads /proc). The optimize runs in a child process whose memory is sampled
every 20 ms: peak RSS (VmHWM: everything resident, including the pages of the
memory-mapped passage files it reads, which the kernel can drop at will) and peak
anonymous memory (RssAnon: what the process itself allocated; this is what must not grow
with the index). Also checks that both versions' merged passage files are identical.
"""
from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = "import sys, searchlib; searchlib.optimize(sys.argv[1])"


def export(ref: str, dest: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "searchlib"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def _status(pid: int) -> dict:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def optimize(code: Path, index: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code), PYTHONDONTWRITEBYTECODE="1")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(index)], env=env, stderr=subprocess.PIPE, text=True)
    peak = {"VmHWM": 0, "RssAnon": 0, "RssFile": 0}

    def sample():
        while proc.poll() is None:
            for k, v in _status(proc.pid).items():
                peak[k] = max(peak[k], v)
            time.sleep(0.02)
    t = threading.Thread(target=sample)
    t.start()
    _, err = proc.communicate()
    t.join()
    if proc.returncode:
        sys.exit(f"optimize failed ({code}):\n{err[-2000:]}")
    return dict(seconds=time.perf_counter() - t0, **peak)


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
