#!/usr/bin/env python3
"""How faithfully searchlib reads the seed reports when they come as real office documents.

Each seed report (corpus/*.txt: clean text, first line the title) is written as its author
would write it (tests/authored.py: a Flat ODT document converted by LibreOffice) in every
variant below, and the five files of each variant are read with ``read_document`` and
indexed together (``searchlib.build_index`` over a folder of the five). Each variant is
compared with the clean .txt files read and indexed the same way:

  a. title, year, region and doc type equal to the clean file's (document metadata);
  b. passage count within 10 % of the clean file's;
  c. every “…” phrase (2-40 characters) of the clean text found verbatim, quotes included,
     in the extracted text (intact / total);
  d. the same top 3 (passage texts without whitespace, first 60 characters agreeing for 80 %:
     a scan's misread character is the same passage) for 10 fixed
     queries as the clean index;
  e. seconds per file spent in ``read_document``.

Variants: docx (Heading 1/2/3 styles), docx-plain (bold paragraphs instead), doc, wps, odt,
rtf, html (LibreOffice HTML export), pdf, pdf-header (running header = title, footer
"第 N 页 共 M 页"), pdf-2col (two columns, same footer), scan (the plain pdf rendered to
images at 200 dpi with faint speckles: no text layer), scan-grainy (the same at 300 dpi as
another scanner makes it: grain, dust, uneven light, a tilt of about a degree, JPEG pages).
A format searchlib cannot read is reported as "skipped: <reason>"
(the reason read_document gives); when only some files fail, the failures are listed under
the table. Nothing here depends on which formats searchlib supports.

    .venv/bin/python scripts/format_fidelity.py [--formats pdf,docx,...] [--keep DIR] [--jobs 4] [--procs N]

``--keep DIR`` keeps the generated documents (DIR/<variant>/<seed>.<ext>) and the indexes
(DIR/index/<variant>); otherwise everything is made under a temporary directory. ``--jobs``
LibreOffice conversions run at once; ``--procs`` processes read and index the variants (one
per CPU by default; the per-file seconds are measured inside them). Needs LibreOffice
(soffice). On a 2-CPU machine the files take about 1.5 minutes to make and everything but
the scans 1-2 minutes to measure; OCR of the five scans (twice: by read_document and by the
index build) adds 3-6 minutes per scan variant, so leave "scan" and "scan-grainy" out of
``--formats`` for a quick run.
"""
from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import searchlib  # noqa: E402
from searchlib.ingest import read_document  # noqa: E402
from searchlib.normalize import fold_traditional  # noqa: E402
from tests.authored import SOFFICE, authored, scanned  # noqa: E402

CORPUS = ROOT / "corpus"
QUERIES = ["行政复议 案件", "法律顾问", "行政执法 公示", "两法衔接", "重大行政决策", "普法",
           "行政诉讼 出庭应诉", "依法行政 考核", "规范性文件 备案审查", "政务公开"]
# variant -> (file suffix, authored() keyword arguments); "scan" and "scan-grainy" are made from "pdf"
VARIANTS: dict[str, tuple[str, dict]] = {
    "docx": ("docx", {}),
    "docx-plain": ("docx", {"heading_styles": False}),
    "doc": ("doc", {}),
    "wps": ("wps", {}),
    "odt": ("odt", {}),
    "rtf": ("rtf", {}),
    "html": ("html", {}),
    "pdf": ("pdf", {}),
    "pdf-header": ("pdf", {"header": True, "page_numbers": True}),
    "pdf-2col": ("pdf", {"columns": 2, "page_numbers": True}),
    "scan": ("pdf", {}),
    "scan-grainy": ("pdf", {}),
    "big5": ("txt", {}),          # the seed in traditional characters (OpenCC s2hk), saved as Big5
}
QUOTED = re.compile(r"“[^“”\n]{2,40}”")


@dataclass
class Row:
    name: str
    files: int = 0
    meta_ok: int = 0
    passages_ok: int = 0
    phrases_ok: int = 0
    phrases_ws_ok: int = 0
    phrases: int = 0
    top3_same: Optional[int] = None
    read_seconds: list[float] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)   # (file, reason)
    mismatches: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> Optional[str]:
        if self.failures and not self.read_seconds:       # not one file could be read
            reasons = list(dict.fromkeys(reason for _, reason in self.failures))
            more = f" (and {len(reasons) - 1} other reasons)" if len(reasons) > 1 else ""
            return f"skipped: {reasons[0]}{more}"
        return None


def _same_passages(got: list[str], want: list[str]) -> bool:
    """The same passages in the same order: each pair's opening characters agree for at
    least 80 % (difflib's ratio), so a scan's misread character (于波 for 宁波) is the
    same passage, a different passage is not."""
    return len(got) == len(want) and all(difflib.SequenceMatcher(None, a, b).ratio() >= 0.8 for a, b in zip(got, want))


def _key(text: str) -> str:
    return fold_traditional(re.sub(r"\s+", "", text))[:60]


def _make_file(name: str, seed: Path, work: Path, scans: tuple = ()) -> None:
    """Write ``seed`` as variant ``name`` under ``work/name``; for the plain pdf, also its
    scans (the variants named in ``scans``)."""
    suffix, kwargs = VARIANTS["pdf" if name == "pdf-for-scan" else name]
    text = seed.read_text(encoding="utf-8")
    if name == "big5":
        import opencc
        (work / name).mkdir(parents=True, exist_ok=True)
        traditional = opencc.OpenCC("s2hk").convert(text)
        (work / name / f"{seed.stem}.txt").write_bytes(traditional.encode("big5hkscs", "replace"))
        return
    kw = dict(kwargs)
    if kw.get("header") is True:
        kw["header"] = next(line.strip() for line in text.splitlines() if line.strip())
    made = authored(text, suffix, work / name, name=seed.stem, **kw)
    if "scan" in scans:
        scanned(made, work / "scan" / made.name)
    if "scan-grainy" in scans:
        scanned(made, work / "scan-grainy" / made.name, dpi=300, grainy=True)


def _metadata(doc: dict) -> tuple:
    region = doc.get("region") or {}
    return (fold_traditional(doc.get("title") or ""), doc.get("year"),
            region.get("code") if isinstance(region, dict) else region,
            doc.get("doc_type"))


def read_all(folder: Path) -> tuple[dict, list, list]:
    """({stem: text}, [seconds per file read], [(file, reason) for files that failed])"""
    texts, seconds, failures = {}, [], []
    for path in sorted(folder.iterdir()):
        t0 = time.perf_counter()
        try:
            texts[path.stem] = read_document(path, folder).text
        except Exception as exc:  # noqa: BLE001 - IngestError and anything a reader in progress raises
            reason = str(exc) if isinstance(exc, searchlib.IngestError) else f"{type(exc).__name__}: {exc}"
            failures.append((path.name, reason))
            continue
        seconds.append(time.perf_counter() - t0)
    return texts, seconds, failures


def index_all(folder: Path, index_dir: Path) -> dict:
    """Build an index of ``folder``: its documents' metadata by stem, skipped files, top 3 per query."""
    try:
        idx = searchlib.build_index([folder], index_dir)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
        return {"docs": {}, "skipped": {}, "top3": {}, "error": f"{type(exc).__name__}: {exc}"}
    docs = {}
    for meta in idx.documents():
        full = idx.document(meta["doc_id"])
        full["n_passages"] = len(full.pop("passages_list", None) or [])
        docs[Path(meta["doc_id"]).stem] = full
    top3 = {q: [_key(h.text) for h in idx.search(q, limit=3).hits] for q in QUERIES} if docs else {}
    return {"docs": docs, "skipped": {Path(s.path).name: s.reason for s in idx.last_report.skipped},
            "top3": top3, "error": None}


def score(name: str, seeds: list[Path], read: tuple, index: dict, clean: Optional[dict]) -> Row:
    """Compare one variant's reading and index with the clean files' (``clean`` None: the clean row)."""
    texts, seconds, failures = read
    row = Row(name, files=len(texts) + len(failures), read_seconds=list(seconds), failures=list(failures))
    if index["error"]:
        row.failures.append(("(index)", index["error"]))
    for file_name, reason in index["skipped"].items():
        if not any(f == file_name for f, _ in row.failures):
            row.failures.append((file_name, f"index skipped it: {reason}"))
    docs = index["docs"]
    for seed in seeds:
        phrases = QUOTED.findall(seed.read_text(encoding="utf-8"))
        row.phrases += len(phrases)
        text = fold_traditional(texts.get(seed.stem, ""))
        squeezed = re.sub(r"\s+", "", text)
        row.phrases_ok += sum(p in text for p in phrases)
        row.phrases_ws_ok += sum(re.sub(r"\s+", "", p) in squeezed for p in phrases)
        doc = docs.get(seed.stem)
        if doc is None:
            continue
        if clean is None:
            row.meta_ok += 1
            row.passages_ok += 1
            continue
        want = clean["docs"][seed.stem]
        if _metadata(doc) == _metadata(want):
            row.meta_ok += 1
        else:
            row.mismatches.append(f"{seed.stem}: {_metadata(doc)} != {_metadata(want)}")
        if abs(doc["n_passages"] - want["n_passages"]) <= 0.1 * want["n_passages"]:
            row.passages_ok += 1
        else:
            row.mismatches.append(f"{seed.stem}: {doc['n_passages']} passages, clean {want['n_passages']}")
    if clean is None:
        row.top3_same = len(QUERIES)
    elif index["top3"] and clean["top3"]:
        row.top3_same = sum(_same_passages(index["top3"][q], clean["top3"][q]) for q in QUERIES)
    return row


def _cells(row: Row, n_seeds: int) -> list[str]:
    if row.skipped:
        return [row.name, row.skipped, "", "", "", ""]
    seconds = sum(row.read_seconds) / len(row.read_seconds) if row.read_seconds else float("nan")
    phrases = f"{row.phrases_ok}/{row.phrases}"
    if row.phrases_ws_ok != row.phrases_ok:
        phrases += f" ({row.phrases_ws_ok} ignoring whitespace)"
    top3 = "-" if row.top3_same is None else f"{row.top3_same}/{len(QUERIES)}"
    return [row.name, f"{row.meta_ok}/{n_seeds}", f"{row.passages_ok}/{n_seeds}", phrases, top3, f"{seconds:.2f}"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--formats", default=",".join(VARIANTS),
                        help=f"comma-separated variants (default all: {','.join(VARIANTS)})")
    parser.add_argument("--keep", type=Path, help="make and keep the files and indexes in this directory")
    parser.add_argument("--jobs", type=int, default=4, help="LibreOffice conversions run in parallel (default 4)")
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 1,
                        help="processes that read and index the variants (default: one per CPU)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.formats.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    if SOFFICE is None:
        print("LibreOffice (soffice) is not installed: cannot make the documents", file=sys.stderr)
        return 2
    seeds = sorted(CORPUS.glob("*.txt"))
    tmp = None
    if args.keep:
        work = args.keep
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="fidelity-")
        work = Path(tmp.name)
    try:
        t0 = time.perf_counter()
        clean_dir = work / "txt"
        clean_dir.mkdir(parents=True, exist_ok=True)
        for seed in seeds:
            shutil.copy2(seed, clean_dir / seed.name)
        scans = tuple(n for n in names if n in ("scan", "scan-grainy"))
        made = [n for n in names if n not in scans]
        if scans and "pdf" not in made:
            made.insert(0, "pdf-for-scan")
        errors: dict[str, str] = {}
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:      # the slow part is LibreOffice: one file a job
            jobs = {pool.submit(_make_file, n, seed, work, scans if n in ("pdf", "pdf-for-scan") else ()): n
                    for n in made for seed in seeds}
            for future, n in jobs.items():
                try:
                    future.result()
                except Exception as exc:  # noqa: BLE001
                    errors.setdefault("scan" if n == "pdf-for-scan" else n, f"could not make the files: {exc}")
        for scan in scans:
            if "scan" in errors or "pdf" in errors:
                errors[scan] = errors.get("scan") or errors["pdf"]
        made_seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        measured = ["txt"] + [n for n in names if n not in errors]
        # every variant is read and indexed in worker processes (OCR and LibreOffice use one core
        # each), the slowest first
        measured.sort(key=lambda n: (not n.startswith("scan"),
                                     VARIANTS.get(n, ("txt",))[0] in ("pdf", "docx", "html", "txt")))
        with ProcessPoolExecutor(max(1, args.procs)) as pool:
            reads = {n: pool.submit(read_all, work / n) for n in measured}
            indexes = {n: pool.submit(index_all, work / n, work / "index" / n) for n in measured}
            results = {n: (reads[n].result(), indexes[n].result()) for n in measured}
        clean = results["txt"][1]
        rows = [score("txt (clean)", seeds, *results["txt"], None)]
        for n in names:
            if n in errors:
                rows.append(Row(n, files=1, failures=[("(generation)", errors[n])]))
            else:
                rows.append(score(n, seeds, *results[n], clean))
        measure_seconds = time.perf_counter() - t1
    finally:
        if tmp is not None:
            tmp.cleanup()
    header = ["format", f"title/year/region/type right (n/{len(seeds)})", f"passages within 10 % (n/{len(seeds)})",
              "quoted phrases intact (n/total)", f"same top 3 (n/{len(QUERIES)})", "s per file"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(_cells(row, len(seeds))) + " |")
    print(f"\n{len(seeds)} seeds; files made in {made_seconds:.0f} s, read and indexed in {measure_seconds:.0f} s "
          f"({args.procs} processes)" + (f"; kept in {args.keep}" if args.keep else ""))
    notes = [(row.name, f, r) for row in rows if not row.skipped for f, r in row.failures]
    notes += [(row.name, "", m) for row in rows if not row.skipped for m in row.mismatches]
    if notes:
        print("\nDetails:")
        for name, file_name, reason in notes:
            print(f"- {name}: {file_name + ': ' if file_name else ''}{reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
