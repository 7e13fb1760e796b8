#!/usr/bin/env python3
"""What the format and traditional-Chinese support costs at build time.

1. Traditional folding: builds CORPUS (default: the seeds) with ``fold_traditional`` as it
   is and replaced by the identity, alternately, ``--repeat`` times each in one process
   (``--procs``, default 1), and prints the best CPU time of each, their ratio, and the time
   spent inside ``fold_traditional`` itself (the precise figure: build times on a shared
   machine vary by more than folding costs). ``--traditional`` also writes a traditional copy of the corpus (OpenCC
   s2hk) and times that, where the conversion really runs.
2. PDF and DOCX reading: the seeds written as PDF (tests/filegen.py, 40 lines a page) and DOCX,
   read by ``read_document``: milliseconds per file and characters per second next to the
   .txt original.

    .venv/bin/python scripts/bench_formats.py [CORPUS ...] [--repeat 3] [--traditional]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from searchlib import api, normalize  # noqa: E402
from searchlib.ingest import read_document  # noqa: E402
from tests.filegen import make_docx, make_pdf  # noqa: E402


def _build_seconds(corpus: list[Path], index: Path, procs: int) -> tuple[float, int]:
    """CPU seconds of one build (this process: with procs=1 the whole build; wall time on a
    shared machine is mostly other people's load)."""
    t0 = time.process_time()
    report = api.build(corpus, index, procs=procs)
    return time.process_time() - t0, report.documents


def bench_folding(corpus: list[Path], repeat: int, procs: int, label: str) -> None:
    real = normalize.fold_traditional
    spent = [0.0]

    def timed(text):
        t0 = time.process_time()
        try:
            return real(text)
        finally:
            spent[0] += time.process_time() - t0

    best = {"folding": float("inf"), "no folding": float("inf")}
    inside = float("inf")
    docs = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            for name in best:
                spent[0] = 0.0
                normalize.fold_traditional = timed if name == "folding" else (lambda text: text)
                try:
                    seconds, docs = _build_seconds(corpus, Path(tmp) / f"ix{i}{name[0]}", procs)
                finally:
                    normalize.fold_traditional = real
                best[name] = min(best[name], seconds)
                if name == "folding":
                    inside = min(inside, spent[0])
    ratio = best["folding"] / best["no folding"]
    print(f"{label}: {docs} documents, build {best['no folding']:.2f} CPU s without folding, "
          f"{best['folding']:.2f} s with it: x{ratio:.3f}; time inside fold_traditional "
          f"{1000 * inside:.0f} ms ({100 * inside / best['folding']:.1f} % of the build)")


def traditional_copy(corpus: list[Path], out: Path) -> list[Path]:
    import opencc
    to_traditional = opencc.OpenCC("s2hk.json")
    out.mkdir(parents=True, exist_ok=True)
    for folder in corpus:
        for path in sorted(Path(folder).rglob("*.txt")):
            (out / f"{path.parent.name}_{path.name}").write_text(
                to_traditional.convert(path.read_text(encoding="utf-8")), encoding="utf-8")
    return [out]


def bench_readers(seeds: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        totals = {"txt": [0.0, 0], "pdf": [0.0, 0], "docx": [0.0, 0]}
        for seed in seeds:
            lines = [ln for ln in seed.read_text(encoding="utf-8").splitlines() if ln.strip()]
            pieces = [ln[i:i + 38] for ln in lines for i in range(0, len(ln), 38)]    # page-width lines
            (tmp / f"{seed.stem}.pdf").write_bytes(make_pdf([pieces[i:i + 40] for i in range(0, len(pieces), 40)]))
            (tmp / f"{seed.stem}.docx").write_bytes(make_docx([("", ln) for ln in lines]))
            (tmp / f"{seed.stem}.txt").write_bytes(seed.read_bytes())
            for fmt in totals:
                t0 = time.perf_counter()
                src = read_document(tmp / f"{seed.stem}.{fmt}", tmp)
                totals[fmt][0] += time.perf_counter() - t0
                totals[fmt][1] += len(src.text)
        for fmt, (seconds, chars) in totals.items():
            print(f"read {fmt}: {len(seeds)} files, {1000 * seconds / len(seeds):.1f} ms a file, "
                  f"{chars / seconds / 1000:.0f} k characters/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="*", type=Path, default=[ROOT / "corpus"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--procs", type=int, default=1)
    ap.add_argument("--traditional", action="store_true", help="also time a traditional copy of the corpus")
    args = ap.parse_args()
    bench_folding(args.corpus, args.repeat, args.procs, "simplified " + " ".join(map(str, args.corpus)))
    if args.traditional:
        with tempfile.TemporaryDirectory() as tmp:
            bench_folding(traditional_copy(args.corpus, Path(tmp) / "trad"), args.repeat, args.procs,
                          "traditional copy")
    bench_readers(sorted((ROOT / "corpus").glob("*.txt")))


if __name__ == "__main__":
    main()
