#!/usr/bin/env python3
"""Pool, assemble and split a blind judgement set (eval/blind-*.dev-full.jsonl).

A blind set is written and graded by a helper who never reads the ranking code:

1. The helper writes queries, one JSON object per line:
   {"id", "kind", "query", "filters": {}, "grep": ["literal", ...]}
   (eight kinds: question, scoped, section, jargon, rule, figure, traditional, paste;
   ``grep`` holds the literal strings a passage answering the query would contain).
2. ``pool`` gathers each query's candidates from three systems: searchlib's top 10,
   searchlib without synonyms' top 10, and grep of every indexed passage (passages holding
   the most of the ``grep`` strings, first 10), shuffled so that rank is not visible:

       scripts/pool_blind.py pool QUERIES.jsonl POOL.jsonl [--index DIR]

3. The helper grades each candidate 0/1/2 in a file of {"id", "grades": {"<key>": grade}}.
4. ``assemble`` turns the graded passages into judgements whose anchors are the shortest
   fragments (≥ 20 characters, from a sentence start when one is unique) occurring once in
   the library, and ``split`` fixes the set's halves in eval/splits.json before any tuning
   (the rule written there: queries ordered by (kind, sha1(id)); even positions tune, odd test):

       scripts/pool_blind.py assemble QUERIES.jsonl POOL.jsonl GRADES.jsonl eval/blind-x.dev-full.jsonl
       scripts/pool_blind.py split eval/blind-x.dev-full.jsonl

The index defaults to scripts/eval.py's full-library index (built when missing).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval import ROOT, SETS, SPLITS, ensure_index  # noqa: E402  (the scripts folder)

from searchlib import api  # noqa: E402

DEPTH = 10


def _index(args):
    return api.open_index(args.index or ensure_index("dev-full", SETS["dev-full"][1], ROOT / "bench-out"))
MIN_ANCHOR = 20


def norm(text: str) -> str:
    """The scorer's normalisation (../shared/eval/score.py): NFKC, no spaces or quotes."""
    return re.sub(r"[\s“”‘’\"'「」『』]", "", unicodedata.normalize("NFKC", text or ""))


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def write_jsonl(path, rows) -> None:
    Path(path).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def all_passages(ix) -> dict[str, dict]:
    """Every indexed passage by its passage id, with its document's title."""
    out = {}
    for meta in ix.documents():
        doc = ix.document(meta["doc_id"])
        for p in doc["passages_list"]:
            out[f"{meta['doc_id']}#{p['ordinal']}"] = {
                "title": doc.get("title") or "", "heading": " > ".join(p.get("heading_path") or []),
                "text": p["text"]}
    return out


def grep_top(passages: dict[str, dict], needles: list[str]) -> list[str]:
    needles = [norm(n) for n in needles if norm(n)]
    if not needles:
        return []
    scored = []
    for pid, p in passages.items():
        text = norm(p["text"])
        n = sum(1 for s in needles if s in text)
        if n:
            scored.append((-n, hashlib.sha1(pid.encode()).hexdigest(), pid))
    scored.sort()
    return [pid for _, _, pid in scored[:DEPTH]]


def _filters(item: dict) -> dict:
    return {k: v for k, v in (item.get("filters") or {}).items() if v not in (None, "", [])}


def pool(args) -> int:
    ix = _index(args)
    passages = all_passages(ix)
    rows = []
    for item in read_jsonl(args.queries):
        found = []
        for synonyms in (True, False):
            res = ix.search(item["query"], limit=DEPTH, synonyms=synonyms, **_filters(item))
            found += [h.passage_id for h in res.hits]
        found += grep_top(passages, item.get("grep") or [])
        keys = sorted(set(found), key=lambda k: hashlib.sha1((item["id"] + k).encode()).hexdigest())
        rows.append({"id": item["id"], "kind": item["kind"], "query": item["query"],
                     "filters": item.get("filters") or {},
                     "candidates": [{"key": k, **passages[k]} for k in keys if k in passages]})
    write_jsonl(args.out, rows)
    print(f"{len(rows)} queries, {sum(len(r['candidates']) for r in rows)} candidates -> {args.out}")
    return 0


def anchor(text: str, library: str) -> str:
    """The shortest fragment of ``text`` (≥ MIN_ANCHOR characters, from a sentence start
    when possible) that occurs exactly once in ``library``; '' when none does."""
    t = norm(text)
    starts = [0] + [m.end() for m in re.finditer(r"[。;;!?!?]", t)]
    starts += [i for i in range(0, len(t), 7) if i not in starts]
    for start in starts:
        for length in (MIN_ANCHOR, 30, 45, 70):
            frag = t[start:start + length]
            if len(frag) < MIN_ANCHOR:
                break
            first = library.find(frag)
            if first >= 0 and library.find(frag, first + 1) < 0:
                return frag
    return ""


def assemble(args) -> int:
    ix = _index(args)
    library = "\n".join(norm(p["text"]) for p in all_passages(ix).values())
    pooled = {r["id"]: {c["key"]: c for c in r["candidates"]} for r in read_jsonl(args.pool)}
    grades = {g["id"]: g["grades"] for g in read_jsonl(args.grades)}
    out, lost = [], 0
    for item in read_jsonl(args.queries):
        relevant = []
        for key, grade in (grades.get(item["id"]) or {}).items():
            if int(grade) <= 0 or key not in pooled.get(item["id"], {}):
                continue
            a = anchor(pooled[item["id"]][key]["text"], library)
            if a:
                relevant.append([a, int(grade)])
            else:
                lost += 1
        out.append({"id": item["id"], "kind": item["kind"], "query": item["query"],
                    "filters": item.get("filters") or {}, "relevant": relevant})
    write_jsonl(args.out, out)
    print(f"{len(out)} queries, {sum(len(o['relevant']) for o in out)} graded passages "
          f"({lost} without a unique anchor) -> {args.out}")
    return 0


def split(args) -> int:
    items = read_jsonl(args.set)
    ordered = sorted(items, key=lambda it: (it["kind"], hashlib.sha1(it["id"].encode()).hexdigest()))
    splits = json.loads(SPLITS.read_text(encoding="utf-8"))
    name = Path(args.set).name
    if name in splits and not args.force:
        print(f"{name} already has its halves in {SPLITS}; they are fixed (--force to redo)", file=sys.stderr)
        return 1
    splits[name] = {"tune": [it["id"] for it in ordered[0::2]], "test": [it["id"] for it in ordered[1::2]]}
    SPLITS.write_text(json.dumps(splits, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{name}: {len(ordered[0::2])} tune, {len(ordered[1::2])} test -> {SPLITS}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, func, positional, index in (("pool", pool, ("queries", "out"), True),
                                          ("assemble", assemble, ("queries", "pool", "grades", "out"), True),
                                          ("split", split, ("set",), False)):
        p = sub.add_parser(name)
        for arg in positional:
            p.add_argument(arg)
        if index:
            p.add_argument("--index", help="the index (default: scripts/eval.py's full-library index)")
        else:
            p.add_argument("--force", action="store_true", help="redo a set's halves (they are fixed before tuning)")
        p.set_defaults(func=func)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
