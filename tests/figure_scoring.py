"""Scoring figure extraction against the hand labels in tests/data/figure_labels.jsonl.

Each label line is a sentence from the seeds or ../shared/corpus-external with every
number-like token in it labelled: ``figures`` (value with 万/亿 scaled, unit, subject:
the shortest span saying what is counted) and ``non_figures`` (dates, 文号, ordinals,
names, periods ... with why). The labels were written by hand before the extractor was
tuned on them (see the file's README entry) and are not edited to match its output.

A predicted figure is *right* when a labelled figure of the sentence has its value
(relative error < 1e-6) and unit (each labelled figure is matched once), or is the far
end of a labelled range (5000元以上2万元以下: 20000 元).
Value+unit precision = right / predicted; recall = matched labels / labels.
A matched figure's subject is right when it contains the labelled subject and adds at
most ``SUBJECT_SLACK`` characters to it (qualifiers such as 区政府新收 are fine; a
subject that misses the counted noun, or runs on into the clause, is not). Labels
with no subject (null) are not scored for subjects.
"""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

LABELS = sorted((Path(__file__).parent / "data").glob("figure_labels*.jsonl"))
SUBJECT_SLACK = 6
_UNIT_ALIASES = {"工作日": "个工作日", "百分点": "个百分点", "千米": "公里", "千克": "公斤"}


def _unit(u: str) -> str:
    u = unicodedata.normalize("NFKC", u or "")
    return _UNIT_ALIASES.get(u, u)


def _same_value(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


@dataclass
class FigureScore:
    predicted: int = 0
    right: int = 0
    labelled: int = 0
    found: int = 0
    subjects_scored: int = 0
    subjects_right: int = 0
    subjects_exact: int = 0
    wrong: list = field(default_factory=list)        # (sentence, predicted text, value, unit)
    missed: list = field(default_factory=list)       # (sentence, label)
    bad_subjects: list = field(default_factory=list)  # (sentence, predicted, labelled)

    @property
    def precision(self) -> float:
        return self.right / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.labelled if self.labelled else 1.0

    @property
    def subject_precision(self) -> float:
        return self.subjects_right / self.subjects_scored if self.subjects_scored else 1.0

    @property
    def subject_exact(self) -> float:
        return self.subjects_exact / self.subjects_scored if self.subjects_scored else 1.0


def load_labels(paths=None) -> list[dict]:
    """The label records of ``paths`` (default: every tests/data/figure_labels*.jsonl)."""
    out = []
    for path in paths or LABELS:
        with open(path, encoding="utf-8") as f:
            out += [json.loads(line) for line in f if line.strip()]
    return out


def score(labels: list[dict]) -> FigureScore:
    from searchlib.figures import extract_figures
    from searchlib.normalize import normalize
    s = FigureScore()
    for item in labels:
        sentence = normalize(item["sentence"])
        gold = list(item.get("figures") or [])
        s.labelled += len(gold)
        used = set()
        for f in extract_figures(sentence):
            s.predicted += 1
            match = next((i for i, g in enumerate(gold) if i not in used and _same_value(f.value, g["value"])
                          and _unit(f.unit) == _unit(g["unit"])), None)
            if match is None:
                # the far end of a labelled range (5000元以上2万元以下) is a figure too
                if any(g.get("range_to") is not None and _same_value(f.value, g["range_to"])
                       and _unit(f.unit) == _unit(g["unit"]) for g in gold):
                    s.right += 1
                else:
                    s.wrong.append((item["sentence"], f.text, f.value, f.unit))
                continue
            used.add(match)
            s.right += 1
            s.found += 1
            want = normalize(gold[match].get("subject") or "")
            if want:
                s.subjects_scored += 1
                got = f.subject or ""
                if want in got and len(got) <= len(want) + SUBJECT_SLACK:
                    s.subjects_right += 1
                    s.subjects_exact += got == want
                else:
                    s.bad_subjects.append((item["sentence"], got, want))
        s.missed += [(item["sentence"], g) for i, g in enumerate(gold) if i not in used]
    return s
