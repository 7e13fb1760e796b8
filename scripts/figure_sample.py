#!/usr/bin/env python3
"""Sample answer-table rows for a labelling pass (the input of a figure audit such as
eval/figure-audit-2.jsonl, which scripts/figure_audit.py scores).

    .venv/bin/python scripts/figure_sample.py OUT.jsonl "问题一" "问题二" … [--rows 8] [--seed 1]
        [--index bench-out/eval-dev-full]

For each question, its table (``figures(q, limit=1000)`` on the full library's index) and
``--rows`` of its rows drawn at random; each row as the code gives it (region, report year,
subject, value, unit, the figure as written, its sentence, the section kind, period, role,
change). The questions are split into halves before anyone looks at a row (ordered by the
SHA-1 of the question; even positions ``tune``, odd ``test``). A helper who never read the
code then corrects ``period``, ``role`` and ``change`` to what the sentence says and sets
``subject_ok`` (the figure measures what the question asks), ``value_ok`` (value and unit as
stated), with notes, in place: those fields are the labels the audit compares against.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("questions", nargs="+")
    ap.add_argument("--rows", type=int, default=8, help="rows sampled per question (default 8)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--index", default=str(ROOT / "bench-out" / "eval-dev-full"))
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from searchlib.api import open_index
    order = sorted(args.questions, key=lambda q: hashlib.sha1(q.encode("utf-8")).hexdigest())
    split = {q: ("tune" if i % 2 == 0 else "test") for i, q in enumerate(order)}
    rng = random.Random(args.seed)
    out = []
    with open_index(args.index) as idx:
        for q in args.questions:
            rows = idx.figures(q, limit=1000).rows
            picked = sorted(rng.sample(range(len(rows)), min(args.rows, len(rows))))
            for rank in picked:
                r = rows[rank]
                out.append({"split": split[q], "question": q, "row_rank": rank, "doc_id": r.doc_id,
                            "passage_id": r.passage_id, "title": r.title, "region": r.region, "year": r.year,
                            "subject": r.subject, "value": r.value, "unit": r.unit, "text": r.text,
                            "sentence": r.sentence, "section_kind": r.section_kind, "period": r.period,
                            "role": r.role, "change": r.change, "subject_ok": None, "subject_note": None,
                            "value_ok": None, "label_note": None})
            print(f"{q} [{split[q]}]: {len(rows)} rows, {len(picked)} sampled", file=sys.stderr)
    Path(args.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")
    print(f"{len(out)} rows -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
