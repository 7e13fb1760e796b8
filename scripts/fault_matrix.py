#!/usr/bin/env python3
"""Damage × command: every kind of damage to an index's files, then every command and web
route on it. Each cell is how the command answered:

    ok       it answered as on the intact index (a search the same hits, a write succeeded)
    damaged  one clear message (CLI: one ``Error:`` line, exit 2; web: a JSON/HTML 503) or,
             for ``check --repair`` / ``update --rebuild``, a rebuild that left an intact index
    SILENT   it answered, differently from the intact index, without saying anything
    ERROR    an internal error (a traceback, "internal error", HTTP 500)
    CRASH    killed by a signal or no answer in time

    .venv/bin/python scripts/fault_matrix.py [--out bench-out/fault-matrix] [--quick] [--seed 1]

Prints one table (damage kinds down, commands across) and a summary line. Not part of the
test suite; ``tests/test_integrity.py`` runs a fast subset on every CI run.
"""
from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
QUERY = "行政复议 案件"


def searchlib(*args) -> list[str]:
    exe = Path(sys.executable).with_name("searchlib")
    return [str(exe) if exe.exists() else sys.executable, *([] if exe.exists() else ["-m", "searchlib"]), *args]


# -------------------------------------------------------------------------------- damage

def _one(index: Path, pattern: str) -> Path:
    found = sorted(index.glob(pattern))
    if not found:
        raise SystemExit(f"no {pattern} in {index}")
    return found[0]


def _rewrite(path: Path, fn) -> None:
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(fn(data)))


def _zero_middle(data: bytearray) -> bytearray:
    mid = len(data) // 2
    data[mid:mid + 64] = b"\0" * min(64, len(data) - mid)
    return data


RNG = random.Random(1)        # the same garbage on every run (--seed)


def _random_middle(data: bytearray) -> bytearray:
    mid = len(data) // 2
    data[mid:mid + 4096] = RNG.randbytes(min(4096, len(data) - mid))
    return data


FILE_DAMAGE = {
    "deleted": lambda p: p.unlink(),
    "empty": lambda p: p.write_bytes(b""),
    "cut in half": lambda p: _rewrite(p, lambda d: d[:len(d) // 2]),
    "last 8 bytes cut": lambda p: _rewrite(p, lambda d: d[:-8]),
    "4 KB of garbage appended": lambda p: _rewrite(p, lambda d: d + RNG.randbytes(4096)),
    "64 zero bytes inside": lambda p: _rewrite(p, _zero_middle),
    "4 KB of garbage inside": lambda p: _rewrite(p, _random_middle),
    "a directory instead": lambda p: (p.unlink(), p.mkdir()),
}
FILES = {"segment (.seg)": "*.seg", "passage file (.spx)": "*.spx", "table of contents (.toc)": "_MAIN_*.toc"}
OTHER_DAMAGE = {
    "searchlib.json garbage": lambda ix: (ix / "searchlib.json").write_text("{not json", encoding="utf-8"),
    "searchlib.json deleted": lambda ix: (ix / "searchlib.json").unlink(),
    "checksums.json garbage": lambda ix: (ix / "checksums.json").write_text("]]", encoding="utf-8"),
    "a stray file": lambda ix: (ix / "MAIN_zzzz.seg").write_bytes(RNG.randbytes(512)),
    "every file deleted": lambda ix: [p.unlink() for p in ix.iterdir() if p.is_file()],
    "index folder is a file": lambda ix: (shutil.rmtree(ix), ix.write_text("x")),
    "index folder missing": lambda ix: shutil.rmtree(ix),
}


def damages(quick: bool):
    out = []
    for fname, pattern in FILES.items():
        for dname, fn in FILE_DAMAGE.items():
            if quick and dname not in ("cut in half", "4 KB of garbage inside", "deleted"):
                continue
            out.append((f"{fname}: {dname}", lambda ix, pattern=pattern, fn=fn: fn(_one(ix, pattern))))
    for name, fn in OTHER_DAMAGE.items():
        if quick and name not in ("searchlib.json garbage", "index folder missing"):
            continue
        out.append((name, fn))
    return out


# -------------------------------------------------------------------------------- commands

def cli_commands(corpus: Path, extra: Path):
    return {
        "search": ["search", QUERY, "--json"],
        "batch": ["search", "--batch", "-", "--json"],
        "figures": ["figures", QUERY],
        "docs": ["docs"],
        "stats": ["stats"],
        "check": ["check"],
        "update": ["update", str(corpus)],
        "add": ["add", str(extra), "--root", str(extra.parent)],
        "remove": ["remove", "000_fe44817f17a5c838.txt"],
        "optimize": ["optimize"],
        "update --rebuild": ["update", "--rebuild", str(corpus)],
        "check --repair": ["check", "--repair", str(corpus)],
    }


WEB_ROUTES = {"page": "/?q=行政复议", "api/search": "/api/search?q=行政复议", "api/health": "/api/health",
              "api/stats": "/api/stats", "api/documents": "/api/documents", "api/figures": "/api/figures?q=行政复议"}


def hits_of(output: str):
    import json
    try:
        return [(h["passage_id"], round(h["score"], 6)) for h in json.loads(output)["hits"]]
    except (ValueError, KeyError, TypeError):
        return None


def intact(index: Path) -> bool:
    from searchlib import api
    try:
        return api.check(index).intact
    except Exception:           # noqa: BLE001 - any failure means not intact
        return False


def run_cli(name: str, args: list[str], index: Path, baseline) -> str:
    stdin = '{"query": "行政复议 案件"}\n' if name == "batch" else None
    try:
        done = subprocess.run(searchlib("--index", str(index), *args), input=stdin, capture_output=True,
                              text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "CRASH"
    out = done.stdout + done.stderr
    if done.returncode < 0:
        return "CRASH"
    if "Traceback" in out or "internal error" in out:
        return "ERROR"
    if name in ("check --repair", "update --rebuild"):
        return "damaged" if done.returncode == 0 and intact(index) and "rebuil" in out.lower() else \
            ("ok" if done.returncode == 0 and intact(index) else "damaged" if done.returncode == 2 else "SILENT")
    if done.returncode == 2:
        errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
        return "damaged" if len(errors) == 1 else "ERROR"
    if done.returncode == 0 and name == "search":
        return "ok" if hits_of(done.stdout) == baseline else "SILENT"
    if name == "batch":
        got = hits_of(done.stdout.splitlines()[0]) if done.stdout.strip() else None
        if got == baseline:
            return "ok"
        return "damaged" if '"error"' in done.stdout and "damaged" in done.stdout else "SILENT"
    return "ok" if done.returncode in (0, 3) else "SILENT"


def run_web(index: Path, baseline_status: dict) -> dict:
    from searchlib.web import create_app
    out = {}
    try:
        client = create_app(str(index)).test_client()
    except Exception:           # noqa: BLE001
        return {name: "ERROR" for name in WEB_ROUTES}
    for name, url in WEB_ROUTES.items():
        try:
            r = client.get(url)
        except Exception:       # noqa: BLE001
            out[name] = "ERROR"
            continue
        if r.status_code == 500:
            out[name] = "ERROR"
        elif r.status_code == 503:
            out[name] = "damaged"
        elif r.status_code == baseline_status[name]:
            out[name] = "ok"
        else:
            out[name] = "SILENT"
    return out


def damaged_copy(base: Path, index: Path, damage) -> Path:
    """A fresh copy of the intact index at ``index``, then damaged."""
    shutil.rmtree(index, ignore_errors=True)
    if index.exists():
        index.unlink()
    shutil.copytree(base, index)
    damage(index)
    return index


def run_damage(work: Path, quick: bool = False, log=None) -> tuple[list, list]:
    """Every kind of damage × every command and route on copies of an index of the seeds,
    in ``work`` (emptied first): (columns, [(damage, {column: cell})])."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    corpus = work / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    extra_dir = work / "extra"
    extra_dir.mkdir()
    extra = extra_dir / "new.txt"
    extra.write_text("关于2021年法治政府建设的报告\n\n一、主要工作\n办理行政复议案件21件。\n", encoding="utf-8")
    base = work / "base"
    subprocess.run(searchlib("--index", str(base), "build", str(corpus)), capture_output=True, check=True)
    baseline = hits_of(subprocess.run(searchlib("--index", str(base), "search", QUERY, "--json"),
                                      capture_output=True, text=True).stdout)
    from searchlib.web import create_app
    client = create_app(str(base)).test_client()
    baseline_status = {name: client.get(url).status_code for name, url in WEB_ROUTES.items()}
    commands = cli_commands(corpus, extra)
    columns = list(commands) + [f"web {n}" for n in WEB_ROUTES]
    rows = []
    for dname, damage in damages(quick):
        cells = {}
        for cname, cargs in commands.items():
            cells[cname] = run_cli(cname, cargs, damaged_copy(base, work / "ix", damage), baseline)
        index = damaged_copy(base, work / "ix", damage)
        cells.update({f"web {k}": v for k, v in run_web(index, baseline_status).items()})
        rows.append((dname, cells))
        if log:
            log(f"  {dname}: {' '.join(cells[c][0] for c in columns)}")
    return columns, rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "bench-out" / "fault-matrix")
    ap.add_argument("--quick", action="store_true", help="a few damage kinds only")
    ap.add_argument("--seed", type=int, default=1, help="of the garbage written (default 1)")
    args = ap.parse_args()
    RNG.seed(args.seed)
    t0 = time.perf_counter()
    columns, rows = run_damage(args.out, args.quick, log=lambda m: print(m, file=sys.stderr, flush=True))
    print("| damage | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for dname, cells in rows:
        print(f"| {dname} | " + " | ".join(cells[c] for c in columns) + " |")
    counts = {k: sum(v == k for _, cells in rows for v in cells.values())
              for k in ("ok", "damaged", "SILENT", "ERROR", "CRASH")}
    print()
    print(f"{len(rows)} kinds of damage × {len(columns)} commands and routes = {len(rows) * len(columns)} runs "
          f"in {time.perf_counter() - t0:.0f} s: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 1 if counts["ERROR"] or counts["CRASH"] else 0


if __name__ == "__main__":
    sys.exit(main())
