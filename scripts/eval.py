#!/usr/bin/env python3
"""Relevance evaluation on the shared judgement files, each on its own corpus.

    .venv/bin/python scripts/eval.py [--sets dev,dev-108,dev-full] [--compare] [-v] [--out DIR]

| set      | judgements                     | corpus                                                            |
|----------|--------------------------------|-------------------------------------------------------------------|
| dev      | ../shared/eval/dev.jsonl       | corpus/ (the seeds)                                               |
| dev-108  | ../shared/eval/dev-108.jsonl   | seeds + corpus-external/provincial-gwr-2026 + chinese-political-corpora |
| dev-full | ../shared/eval/dev-full.jsonl  | seeds + all of corpus-external                                    |
| own      | eval/*.jsonl                   | corpus/ (the project's own judgements, written after tuning); eval/*.SET.jsonl on SET's corpus |

The index of each corpus is kept in OUT/eval-<set> and rebuilt when missing or stale
(with a progress line). Every set is scored by ../shared/eval/score.py through the real
CLI protocol (``searchlib --index DIR search --batch - --json``). With --compare, each set
is also scored with synonyms off and on the naive set-up (jieba's ChineseAnalyzer, one
Whoosh document per paragraph of the extracted text, plain OR query), built in the same
run. Prints one table: nDCG@10 / P@3 of grade-2 passages per set and configuration.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXTERNAL = SHARED / "corpus-external"
CORPUS = ROOT / "corpus"
SPLITS = ROOT / "eval" / "splits.json"

SETS = {
    "dev": (SHARED / "eval" / "dev.jsonl", [CORPUS]),
    "dev-108": (SHARED / "eval" / "dev-108.jsonl",
                [CORPUS, EXTERNAL / "provincial-gwr-2026", EXTERNAL / "chinese-political-corpora"]),
    "dev-full": (SHARED / "eval" / "dev-full.jsonl", [CORPUS, EXTERNAL]),
    "dev-wide": (SHARED / "eval" / "dev-wide.jsonl", [CORPUS, EXTERNAL]),
}


def searchlib_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("searchlib")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "searchlib"]


def ensure_index(name: str, corpora: list[Path], out: Path) -> Path:
    """The index of a set's corpora, built (or rebuilt when stale) under OUT."""
    from searchlib.errors import SearchlibError
    from searchlib.storage import check_index
    index = out / f"eval-{name}"
    try:
        check_index(index)
        return index
    except SearchlibError:
        pass
    print(f"building the {name} index ({', '.join(p.name for p in corpora)}) ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    done = subprocess.run(searchlib_cmd() + ["--index", str(index), "build", *map(str, corpora)],
                          stdout=subprocess.DEVNULL)
    if done.returncode not in (0, 3):          # 3: built, some files skipped (the manifests)
        sys.exit(f"building the {name} index failed (exit {done.returncode})")
    print(f"  built in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    return index


def score(judgements: Path, index: Path, env: dict = None, results: Path = None, verbose=False) -> dict:
    args = [sys.executable, str(SHARED / "eval" / "score.py"), str(judgements), "--json"]
    if results is not None:
        args += ["--results", str(results)]
    else:
        args += ["--cmd", " ".join(searchlib_cmd()), "--index", str(index)]
    if verbose:
        args.append("-v")
    out = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, **(env or {})))
    if out.returncode:
        sys.exit(out.stdout + out.stderr)
    lines = out.stdout.strip().splitlines()
    if verbose:
        print("\n".join(lines[:-1]))
    return json.loads(lines[-1])


def _is_judgements(path: Path) -> bool:
    """Whether a .jsonl file holds relevance judgements (query + relevant), not another audit."""
    with path.open(encoding="utf-8") as fh:
        first = next((json.loads(line) for line in fh if line.strip()), {})
    return "query" in first and "relevant" in first


def split_files(judgements: Path, work: Path) -> list[tuple[str, Path]]:
    """The halves of a judgement file that eval/splits.json splits (tune, test), else the whole file.

    A split is fixed in the file before anything is tuned on the set: ranking changes are
    adopted on the tuning half and reported on both."""
    splits = json.loads(SPLITS.read_text(encoding="utf-8")) if SPLITS.exists() else {}
    if judgements.name not in splits:
        return [("", judgements)]
    items = {json.loads(line)["id"]: line for line in open(judgements, encoding="utf-8") if line.strip()}
    work.mkdir(parents=True, exist_ok=True)
    parts = []
    for part in ("tune", "test"):
        ids = splits[judgements.name][part]
        missing = [i for i in ids if i not in items]
        if missing:
            sys.exit(f"{SPLITS.name}: {judgements.name} has no queries {missing}")
        path = work / f"{judgements.stem}.{part}.jsonl"
        path.write_text("".join(items[i] if items[i].endswith("\n") else items[i] + "\n" for i in ids),
                        encoding="utf-8")
        parts.append((part, path))
    return parts


# what jieba's ChineseAnalyzer pickles into the naive index's schema
NAIVE_CLASSES = (("jieba.analyse.analyzer", "ChineseTokenizer"), ("whoosh.analysis.morph", "StemFilter"),
                 ("whoosh.lang.porter", "stem"), ("builtins", "frozenset"), ("builtins", "set"),
                 ("__builtin__", "frozenset"), ("__builtin__", "set"))


def naive_results(judgements: Path, corpora: list[Path], work: Path, name: str = "naive") -> Path:
    """Run the judgements' queries on the naive set-up; write batch results for score.py.

    The naive index of a corpus is built once in WORK and reused by every judgement file."""
    from jieba.analyse import ChineseAnalyzer
    from whoosh import fields, index
    from whoosh.qparser import OrGroup, QueryParser

    from searchlib.errors import IngestError
    from searchlib.ingest import discover, read_document
    from searchlib.safepickle import trusting
    work.mkdir(parents=True, exist_ok=True)
    schema = fields.Schema(text=fields.TEXT(analyzer=ChineseAnalyzer(), stored=True))
    with trusting(*NAIVE_CLASSES):          # an index this script built, with jieba's analyzer
        ix = index.open_dir(str(work)) if index.exists_in(str(work)) else None
    if ix is None:
        ix = index.create_in(str(work), schema)
        with ix.writer(limitmb=256) as w:
            for path, root in discover(corpora):
                try:
                    text = read_document(path, root).text
                except IngestError:
                    continue
                for para in text.split("\n"):
                    if para.strip():
                        w.add_document(text=para)
    out = work / f"{name}.results.jsonl"
    parser = QueryParser("text", schema, group=OrGroup)
    with trusting(*NAIVE_CLASSES), ix.searcher() as s, open(out, "w", encoding="utf-8") as fh:
        for line in open(judgements, encoding="utf-8"):
            if line.strip():
                item = json.loads(line)
                hits = s.search(parser.parse(item["query"]), limit=10)
                fh.write(json.dumps({"hits": [{"text": h["text"]} for h in hits]}, ensure_ascii=False) + "\n")
    return out


EXPECTED = ROOT / "tests" / "data" / "expected_relevance.json"


def write_expected(runs: list, out: Path) -> None:
    """Each set's (and each half's) nDCG@10 and P@3, scored in this process the way
    tests/test_relevance.py scores them, as the data that test checks (±tolerance)."""
    sys.path.insert(0, str(ROOT))
    from searchlib.api import open_index
    from tests.relevance import score_file
    files = {}
    for label, judgements, corpora, index_name in runs:
        with open_index(out / f"eval-{index_name}") as idx:
            for part, part_file in split_files(judgements, out / "splits"):
                name = os.path.relpath(judgements, ROOT) + (f"#{part}" if part else "")
                got = score_file(idx, part_file)
                files[name] = {"corpus": index_name, "ndcg": got["ndcg"], "p3": got["p3"]}
    data = json.loads(EXPECTED.read_text(encoding="utf-8"))
    data["files"] = dict(sorted(files.items()))
    EXPECTED.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(files)} sets to {EXPECTED.relative_to(ROOT)}", file=sys.stderr)


def cell(m: dict) -> str:
    return f"{m['all']['ndcg']:.3f} / {m['all']['p3']:.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="dev,dev-108,dev-full,dev-wide,own",
                    help="comma-separated: dev, dev-108, dev-full, dev-wide, own")
    ap.add_argument("--compare", action="store_true", help="also synonyms off and the naive set-up")
    ap.add_argument("--out", default=str(ROOT / "bench-out"), help="where the indexes are kept (default bench-out/)")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per query")
    ap.add_argument("--write-expected", action="store_true",
                    help=f"write every set's (and half's) scores to {EXPECTED.relative_to(ROOT)} for the tests")
    args = ap.parse_args()
    if not (SHARED / "eval" / "score.py").exists():
        sys.exit("../shared/eval is not present")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for name in args.sets.split(","):
        if name == "own":
            # eval/NAME.jsonl runs on the seeds, eval/NAME.<set>.jsonl on that set's corpus
            for f in sorted((ROOT / "eval").glob("*.jsonl")):
                if not _is_judgements(f):      # eval/figure-audit.jsonl: scripts/figure_audit.py's
                    continue
                corpus = f.stem.rsplit(".", 1)[1] if "." in f.stem else "dev"
                if corpus not in SETS:
                    sys.exit(f"{f.name}: unknown corpus {corpus!r} (one of: {', '.join(SETS)})")
                if all(p.exists() for p in SETS[corpus][1]):
                    runs.append((f"own: {f.name}", f, SETS[corpus][1], corpus))
        elif name in SETS:
            judgements, corpora = SETS[name]
            if all(p.exists() for p in corpora):
                # sets over the same corpora share one index (dev-wide uses dev-full's)
                runs.append((name, judgements, corpora, next(k for k, v in SETS.items() if v[1] == corpora)))
            else:
                print(f"skipping {name}: its corpus is not present", file=sys.stderr)
        else:
            sys.exit(f"unknown set {name!r}")
    header = "| judgements (queries) | corpus | searchlib |" + (" synonyms off | naive |" if args.compare else "")
    rows = []
    for label, judgements, corpora, index_name in runs:
        index = ensure_index(index_name, corpora, out)
        if args.verbose:
            print(f"== {label}")
        for part, part_file in split_files(judgements, out / "splits"):
            n = sum(1 for line in open(part_file, encoding="utf-8") if line.strip())
            part_label = label + (f", {part} half" if part else "")
            main_score = score(part_file, index, verbose=args.verbose)
            row = f"| {part_label} ({n}) | {index_name} | **{cell(main_score)}** |"
            if args.compare:
                off = score(part_file, index, {"SEARCHLIB_NO_SYNONYMS": "1"})
                naive = score(part_file, index, results=naive_results(part_file, corpora, out / f"naive-{index_name}",
                                                                      part_file.stem))
                row += f" {cell(off)} | {cell(naive)} |"
            rows.append(row)
            print(f"{part_label}: nDCG@10 / P@3 = {cell(main_score)}  "
                  + "  ".join(f"{k} {v['ndcg']:.3f}" for k, v in main_score.items() if k != "all"), file=sys.stderr)
    if args.write_expected:
        write_expected(runs, out)
    print("\nnDCG@10 / P@3 (grade 2)\n")
    print(header)
    print("|" + "|".join("---" for _ in header.split("|")[1:-1]) + "|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
