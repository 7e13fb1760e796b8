"""Figure extraction measured against the hand labels (tests/data/figure_labels.jsonl).

    python scripts/eval_figures.py [--show wrong|missed|subjects] [--by stratum]

Prints value+unit precision and recall and subject precision (definitions in
tests/figure_scoring.py); --show lists the errors to read.
"""
import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.figure_scoring import load_labels, score      # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", choices=["wrong", "missed", "subjects"], action="append", default=[])
    ap.add_argument("--by", choices=["stratum"], help="Also score each stratum (seeds, reports, ...) alone.")
    args = ap.parse_args()
    labels = load_labels()
    groups = {"all": labels}
    if args.by:
        split = defaultdict(list)
        for item in labels:
            split[item.get("stratum") or item["source"].split("/")[0]].append(item)
        groups.update(sorted(split.items()))
    print(f"{'labels':<22}{'sentences':>10}{'figures':>9}{'predicted':>10}{'precision':>10}{'recall':>8}"
          f"{'subject P':>10}{'exact':>7}")
    for name, items in groups.items():
        s = score(items)
        print(f"{name:<22}{len(items):>10}{s.labelled:>9}{s.predicted:>10}{s.precision:>10.3f}{s.recall:>8.3f}"
              f"{s.subject_precision:>10.3f}{s.subject_exact:>7.3f}")
    s = score(labels)
    for what in args.show:
        rows = {"wrong": s.wrong, "missed": s.missed, "subjects": s.bad_subjects}[what]
        print(f"\n{what} ({len(rows)}):")
        for row in rows:
            print("  " + " | ".join(str(x) for x in row[1:]) + "   ← " + row[0][:90])


if __name__ == "__main__":
    main()
