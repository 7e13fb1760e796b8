#!/usr/bin/env python3
"""Paths that must not read the whole index, timed against another version's code in the
same run: add one report, remove one report, a documents page (the first and a late one,
``/api/documents``), stats (``/api/stats``) and health (``/api/health``).

    .venv/bin/python scripts/bench_paths.py --index bench-out/eval-dev-full --index bench-out/ix10k
    .venv/bin/python scripts/bench_paths.py --index IX --baseline-ref main --rounds 5

For each index and each code version (this worktree's ``searchlib`` and the ``searchlib``
of ``--baseline-ref``, exported with ``git archive``), a copy of the index is made and one
process (imports loaded, as a server or a long-running script) runs ``--rounds`` rounds of:
add a report (a corpus file, changed so that it is new) → the first documents page, the
same page again, a late page (offset ``--late``), stats twice, health → remove it. The
first round is a warm-up (on an index built before report tables, the new code writes the
tables of its old segments then; its time is printed apart). Times are medians over the
other rounds, in ms; "first" means the first call after a commit (a new generation),
"again" a repeat on the same generation. With ``--update-corpus``, each process then times
three updates from that corpus with nothing changed (medians); give this code an index it
built itself from the same corpus with ``--this-index`` to see the files' signatures used.
The index copies are removed at the end.

    .venv/bin/python scripts/bench_paths.py --index bench-out/eval-dev-full --this-index IX_BUILT_HERE \
        --update-corpus ../shared/corpus-external
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(r'''
    import json, sys, time, shutil
    from pathlib import Path
    import searchlib
    from searchlib import api
    from searchlib.web import create_app
    index, sample, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[5])
    rounds, late = int(sys.argv[3]), int(sys.argv[4])
    app = create_app(index)
    client = app.test_client()

    def timed(fn):
        t0 = time.perf_counter()
        out = fn()
        return (time.perf_counter() - t0) * 1000, out

    def get(url):
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code, resp.data[:200])
        return resp.get_json()

    text = sample.read_text(encoding="utf-8", errors="replace")
    rows = []
    for r in range(rounds + 1):
        f = work / f"bench-paths-{r}.txt"
        f.write_text(text + f"\n本报告为测试副本第{r}号，用于计时。\n", encoding="utf-8")
        row = {}
        row["add"], rep = timed(lambda: api.add([f], index))
        assert rep.added == 1, (rep.added, rep.skipped, rep.duplicates)
        row["page1_first"], page = timed(lambda: get("/api/documents?limit=100"))
        row["page1_again"], _ = timed(lambda: get("/api/documents?limit=100"))
        total = page["total"]
        offset = max(0, min(late, total - 100))
        row["late_page"], lp = timed(lambda: get(f"/api/documents?limit=100&offset={offset}"))
        assert lp["documents"], "empty late page"
        row["stats_first"], st = timed(lambda: get("/api/stats"))
        row["stats_again"], _ = timed(lambda: get("/api/stats"))
        row["health"], h = timed(lambda: get("/api/health"))
        row["remove"], (removed, unknown) = timed(lambda: api.remove([f.name], index))
        assert removed == [f.name], (removed, unknown)
        row["documents"] = st["documents"]
        rows.append(row)
    updates = []
    corpus = [c for c in sys.argv[6:] if c]
    for _ in range(3 if corpus else 0):
        t, rep = timed(lambda: api.update(corpus, index))
        assert rep.added == rep.updated == rep.removed == 0, (rep.added, rep.updated, rep.removed)
        updates.append(t)
    print(json.dumps({"version": searchlib.__file__, "rows": rows, "update_noop": updates}))
''')

KEYS = (("add", "add one report (api.add)"), ("remove", "remove one report (api.remove)"),
        ("page1_first", "documents page 1 (first after a commit)"), ("page1_again", "documents page 1 (again)"),
        ("late_page", "documents late page"), ("stats_first", "stats (first after a commit)"),
        ("stats_again", "stats (again)"), ("health", "health"))
BUDGETS = {"add": 1000, "remove": 1000, "page1_first": 50, "page1_again": 50, "late_page": 50, "health": 5}


def export(ref: str, dest: Path) -> Path:
    """``searchlib`` of git ``ref`` in ``dest`` (a package directory to put on PYTHONPATH)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "searchlib"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def sample_file(index: Path, given: str | None) -> Path:
    if given:
        return Path(given)
    seeds = sorted((ROOT / "corpus").rglob("*.txt"))
    if not seeds:
        sys.exit("no sample report: give --sample FILE")
    return seeds[0]


def run(code: Path, index: Path, sample: Path, rounds: int, late: int, work: Path, corpus: list) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code), PYTHONDONTWRITEBYTECODE="1")
    out = subprocess.run([sys.executable, "-c", CHILD, str(index), str(sample), str(rounds), str(late), str(work),
                          *map(str, corpus)],
                         env=env, capture_output=True, text=True, cwd=str(work))
    if out.returncode:
        sys.exit(f"benchmark process failed ({code}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", action="append", required=True, help="an index to measure (copied; repeatable)")
    ap.add_argument("--baseline-ref", default="main", help="git ref of the code to compare with (default main)")
    ap.add_argument("--rounds", type=int, default=5, help="measured rounds after the warm-up (default 5)")
    ap.add_argument("--late", type=int, default=3000, help="offset of the late documents page (default 3000)")
    ap.add_argument("--sample", help="the report file added and removed (default: the first seed)")
    ap.add_argument("--update-corpus", action="append", default=[],
                    help="also time an update of the index from this corpus (repeatable) with nothing changed; "
                         "the index must have been built from it")
    ap.add_argument("--this-index", action="append", default=[],
                    help="for this code, use this index instead of the --index at the same place (e.g. one built by "
                         "this code from the same corpus, whose report tables hold the files' signatures)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-paths-") as tmp:
        tmp = Path(tmp)
        (tmp / "baseline").mkdir()
        base = export(args.baseline_ref, tmp / "baseline")
        versions = {"this": ROOT, args.baseline_ref: base}
        for n, index in enumerate(map(Path, args.index)):
            if not index.is_dir():
                print(f"skipped {index}: no such index", file=sys.stderr)
                continue
            sample = sample_file(index, args.sample)
            row = {"index": str(index)}
            for name, code in versions.items():
                copy = tmp / f"ix-{name.replace('/', '_')}"
                shutil.rmtree(copy, ignore_errors=True)
                own = Path(args.this_index[n]) if name == "this" and n < len(args.this_index) else index
                shutil.copytree(own, copy)
                work = tmp / "work"
                work.mkdir(exist_ok=True)
                got = run(code, copy, sample, args.rounds, args.late, work, args.update_corpus)
                if not got["version"].startswith(str(code)):
                    sys.exit(f"{name}: ran the searchlib at {got['version']}, not {code}")
                measured = got["rows"][1:] or got["rows"]
                row[name] = {k: statistics.median(r[k] for r in measured) for k, _ in KEYS}
                row[name]["warmup_add"] = got["rows"][0]["add"]
                row[name]["update_noop"] = statistics.median(got["update_noop"]) if got["update_noop"] else None
                row["documents"] = got["rows"][0]["documents"]
                shutil.rmtree(copy, ignore_errors=True)
            results.append(row)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return
    ref = args.baseline_ref
    for row in results:
        print(f"\n{row['index']}: {row['documents']} documents (medians of {args.rounds} rounds, ms)")
        print(f"| path | this | {ref} | {ref} ÷ this | budget |")
        print("|---|---|---|---|---|")
        for k, label in KEYS:
            a, b = row["this"][k], row[ref][k]
            budget = BUDGETS.get(k)
            mark = "" if budget is None else (f"≤ {budget} {'met' if a <= budget else 'MISSED'}")
            print(f"| {label} | {a:.1f} | {b:.1f} | ×{b / a:.1f} | {mark} |")
        if row["this"]["update_noop"] is not None:
            a, b = row["this"]["update_noop"], row[ref]["update_noop"]
            print(f"| update, nothing changed (corpus: {' '.join(args.update_corpus)}) | {a:.0f} | {b:.0f} | "
                  f"×{b / a:.1f} | |")
        print(f"| first write after opening (warm-up round's add; writes the report tables of segments "
              f"built before them) | {row['this']['warmup_add']:.0f} | {row[ref]['warmup_add']:.0f} | | |")


if __name__ == "__main__":
    main()
