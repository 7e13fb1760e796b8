#!/usr/bin/env python3
"""How much a law gets known about it: issuer, 效力级别, edition, dates, on the external
library's laws (../shared/corpus-external/lawrefbook-laws), with the level checked against
the collection's own category (法律/宪法/宪法相关法/… → 法律 or 宪法, 行政法规, 地方性法规,
部门规章, 司法解释).

    .venv/bin/python scripts/law_metadata.py [--limit N]
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAWS = ROOT.parent / "shared" / "corpus-external" / "lawrefbook-laws"
# the collection's folders → the 效力级别 searchlib should give
EXPECTED = {"行政法规": {"行政法规"}, "地方性法规": {"地方性法规", "地方政府规章"}, "部门规章": {"部门规章"},
            "司法解释": {"司法解释"}, "宪法": {"宪法", "法律"}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=0, help="only the first N files")
    args = ap.parse_args()
    if not LAWS.exists():
        sys.exit(f"{LAWS} is not present")
    sys.path.insert(0, str(ROOT))
    from searchlib.errors import IngestError
    from searchlib.ingest import read_document
    from searchlib.metadata import document_metadata, rule_facts
    files = sorted(p for p in LAWS.rglob("*.txt"))
    files = files[:args.limit] if args.limit else files
    have, agree, checked, total, rules = Counter(), 0, 0, 0, 0
    levels = Counter()
    t0 = time.perf_counter()
    for path in files:
        try:
            src = read_document(path, LAWS)
        except IngestError:
            continue
        total += 1
        doc_type, _, region = document_metadata(src)
        facts = rule_facts(src.title, src.text, doc_type, region, path.name)
        if not facts:
            continue
        rules += 1
        for key in ("issuer", "level", "edition", "adopted", "amended", "effective", "edition_date"):
            have[key] += bool(facts[key])
        levels[facts["level"]] += 1
        category = path.relative_to(LAWS).parts[0]
        expected = EXPECTED.get(category, {"法律"})
        checked += 1
        agree += facts["level"] in expected
    print(f"{total} laws read in {time.perf_counter() - t0:.0f} s; {rules} recognised as rules")
    print("| fact | laws that have it |\n|---|---|")
    for key in ("issuer", "level", "edition", "edition_date", "adopted", "amended", "effective"):
        print(f"| {key} | {have[key]} ({have[key] / max(rules, 1):.1%}) |")
    print(f"\nlevel agrees with the collection's category: {agree} of {checked} ({agree / max(checked, 1):.1%})")
    print("levels: " + ", ".join(f"{k} {v}" for k, v in levels.most_common()))


if __name__ == "__main__":
    main()
