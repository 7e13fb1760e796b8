#!/usr/bin/env python3
"""Relevance evaluation: build an index of corpus/ (or use --index) and score it.

Runs ../shared/eval/score.py on ../shared/eval/dev.jsonl and on the project's own
judgements (eval/*.jsonl), through the real CLI protocol (`searchlib search --batch - --json`),
and prints one table per judgement file. With --compare it also scores the same index
with synonyms off, to show what expansion buys, and the naive set-up the product is
measured against (jieba's ChineseAnalyzer, one Whoosh document per paragraph of the
extracted text, plain OR query), built in the same run.

    .venv/bin/python scripts/eval.py [--index DIR] [--compare] [-v]
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def searchlib_cmd() -> str:
    exe = Path(sys.executable).with_name("searchlib")
    return str(exe) if exe.exists() else f"{sys.executable} -m searchlib"


def score(judgements: Path, index: Path, extra_args=(), verbose=False) -> str:
    cmd = searchlib_cmd()
    # score.py builds the command line itself; options of `search` reach it through the environment
    args = [sys.executable, str(SHARED / "eval" / "score.py"), str(judgements), "--cmd", cmd, "--index", str(index)]
    if verbose:
        args.append("-v")
    env = dict(os.environ, **dict(extra_args))
    out = subprocess.run(args, capture_output=True, text=True, env=env)
    if out.returncode:
        sys.exit(out.stdout + out.stderr)
    return out.stdout


def naive_results(judgements: Path, tmp: Path) -> Path:
    """Run the judgements' queries on the naive set-up; write batch results for score.py."""
    import json

    from jieba.analyse import ChineseAnalyzer
    from whoosh import fields, index
    from whoosh.qparser import OrGroup, QueryParser

    from searchlib.ingest import read_document
    schema = fields.Schema(text=fields.TEXT(analyzer=ChineseAnalyzer(), stored=True))
    ix = index.create_in(str(tmp), schema)
    with ix.writer() as w:
        for f in sorted((ROOT / "corpus").glob("*.txt")):
            for para in read_document(f, f.parent).text.split("\n"):
                if para.strip():
                    w.add_document(text=para)
    out = tmp / "naive.jsonl"
    parser = QueryParser("text", schema, group=OrGroup)
    with ix.searcher() as s, open(out, "w", encoding="utf-8") as fh:
        for line in open(judgements, encoding="utf-8"):
            if line.strip():
                item = json.loads(line)
                hits = s.search(parser.parse(item["query"]), limit=10)
                fh.write(json.dumps({"hits": [{"text": h["text"]} for h in hits]}, ensure_ascii=False) + "\n")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", help="score this index instead of building one of corpus/")
    ap.add_argument("--compare", action="store_true", help="also score with synonyms off")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per query")
    args = ap.parse_args()
    if not (SHARED / "eval" / "score.py").exists():
        sys.exit("../shared/eval is not present")
    files = [SHARED / "eval" / "dev.jsonl"] + sorted((ROOT / "eval").glob("*.jsonl"))
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(args.index) if args.index else Path(tmp) / "index"
        if not args.index:
            subprocess.run(searchlib_cmd().split() + ["--index", str(index), "build", str(ROOT / "corpus")],
                           check=True, stdout=subprocess.DEVNULL)
        for f in files:
            print(f"== {f.name}")
            print(score(f, index, verbose=args.verbose), end="")
            if args.compare:
                print(f"== {f.name} (synonyms off)")
                print(score(f, index, {"SEARCHLIB_NO_SYNONYMS": "1"}.items()), end="")
                naive_dir = Path(tmp) / f"naive-{f.stem}"
                naive_dir.mkdir()
                results = naive_results(f, naive_dir)
                print(f"== {f.name} (naive: ChineseAnalyzer, paragraph documents, OR)")
                out = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), str(f),
                                      "--results", str(results)], capture_output=True, text=True)
                print(out.stdout, end="")


if __name__ == "__main__":
    main()
