#!/usr/bin/env python3
"""Answer-table rows against labels nobody tuned the code on (eval/figure-audit.jsonl:
300 rows of 24 analysts' questions, labelled by reading each sentence by a helper who
never read figures.py/answers.py/periods.py; 12 questions a tuning half, 12 a test half).

For each labelled row, the current table of its question is computed on the full library's
index and the row found again (same passage, same figure as written); its period, role,
change, value and unit are compared with the labels. Prints one table per half.

    .venv/bin/python scripts/figure_audit.py [--index bench-out/eval-dev-full] [--audit FILE] [-v]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AUDIT = ROOT / "eval" / "figure-audit.jsonl"


def print_recall(labelled: list, tables: dict, index: str) -> None:
    """Recall over every phrasing: of the figures the helper found by grep for a question
    (its ``truth``), how many the question's full table holds (same document, same value);
    the total per half."""
    from searchlib.api import open_index
    recall = [r for r in labelled if "recall_question" in r]
    if not recall:
        return
    print("| recall question | half | found before (labels) | found now |")
    print("|---|---|---|---|")
    with open_index(index) as idx:
        for r in recall:
            rows = idx.figures(r["recall_question"], limit=1000).rows
            have = {(x.doc_id, round(x.value, 2)) for x in rows} | {(x.doc_id, round(x.value * 1e-4, 2)) for x in rows}
            # truth: [{"doc_id", "value", "strict", "found"}, ...] or [[doc_id, value], ...]
            truth = [t if isinstance(t, dict) else {"doc_id": t[0], "value": t[1]} for t in r["truth"]]
            truth = [t for t in truth if t.get("strict", True)]
            now = sum((t["doc_id"], round(float(t["value"]), 2)) in have for t in truth)
            before = (f"{sum(bool(t.get('found')) for t in truth)}/{len(truth)}" if "found" in truth[0]
                      else f"{r.get('found_in_table', '?')}/{len(truth)}")
            print(f"| {r['recall_question']} | {r.get('split', 'test')} | {before} | {now}/{len(truth)} |")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default=str(ROOT / "bench-out" / "eval-dev-full"))
    ap.add_argument("-v", "--verbose", action="store_true", help="print each disagreement")
    ap.add_argument("--audit", type=Path, default=AUDIT, help="labelled rows (default eval/figure-audit.jsonl)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from searchlib.api import open_index
    labelled = [json.loads(line) for line in args.audit.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in labelled if "question" in r]
    tables = {}
    stats = defaultdict(lambda: defaultdict(int))
    with open_index(args.index) as idx:
        for r in rows:
            q = r["question"]
            if q not in tables:
                tables[q] = {(x.passage_id, x.text): x for x in idx.figures(q, limit=1000).rows}
            got = tables[q].get((r["passage_id"], r["text"]))
            s = stats[r["split"]]
            s["rows"] += 1
            s["year column = period (before)"] += str(r["year"]) == str(r["period"])
            s["subject ok (labels)"] += bool(r["subject_ok"])
            if got is None:
                if r["subject_ok"] and args.verbose:
                    print(f"[{r['split']}] right subject dropped: {r['subject']!r} — {q} — {r['text']} — "
                          f"{r['sentence'][:90]}")
                s["not in today's table"] += 1
                s["wrong subject dropped"] += not r["subject_ok"]
                continue
            s["found"] += 1
            s["kept, subject ok"] += bool(r["subject_ok"])
            if not r["subject_ok"] and args.verbose:
                print(f"[{r['split']}] subject kept: {got.subject!r} ({r.get('subject_note') or ''}) — {q} — "
                      f"{got.text} — {r['sentence'][:90]}")
            # value and unit as the label reads them (value_ok: the value stored then was right)
            if r.get("value_ok") is not None:
                s["value labelled"] += 1
                right = abs(got.value - r["value"]) <= 1e-6 * max(1.0, abs(r["value"])) and got.unit == r["unit"]
                s["value"] += right == bool(r["value_ok"])
                if right != bool(r["value_ok"]) and args.verbose:
                    print(f"[{r['split']}] value: got {got.value!r} {got.unit}, label {r['value']!r} {r['unit']} "
                          f"(value_ok {r['value_ok']}) — {q} — {got.text} — {r['sentence'][:90]}")
            for key in ("period", "role", "change"):
                ok = (got.period if key == "period" else getattr(got, key)) == r[key]
                s[key] += ok
                if not ok and args.verbose:
                    print(f"[{r['split']}] {key}: got {getattr(got, key)!r}, label {r[key]!r} — {q} — "
                          f"{got.text} — {r['sentence'][:90]}")
    print_recall(labelled, tables, args.index)
    if not rows:          # a file of recall questions only (eval/figure-recall-3.jsonl)
        return
    print()
    print("| half | rows | still in the table | year column = period (before) | period right | role right | "
          "change right | value and unit right | subject right: sampled → kept | right-subject rows kept |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for split in ("tune", "test"):
        s = stats[split]
        f = s["found"] or 1
        print(f"| {split} | {s['rows']} | {s['found']} | {s['year column = period (before)'] / s['rows']:.1%} | "
              f"{s['period'] / f:.1%} | {s['role'] / f:.1%} | {s['change'] / f:.1%} | "
              f"{s['value'] / (s['value labelled'] or 1):.1%} | "
              f"{s['subject ok (labels)'] / s['rows']:.1%} → {s['kept, subject ok'] / f:.1%} | "
              f"{s['kept, subject ok']}/{s['subject ok (labels)']} |")


if __name__ == "__main__":
    main()
