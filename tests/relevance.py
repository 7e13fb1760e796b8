"""Graded-relevance scoring of ranked passages (the method of ../shared/eval/score.py):
a hit earns the grade of the best judged anchor its text contains that no earlier hit has
earned; nDCG@10 and P@3 of grade-2 passages, averaged over the queries of a file."""
import json
import math
import re
import unicodedata
from pathlib import Path

K = 10


def _norm(text: str) -> str:
    return re.sub(r"[\s“”‘’\"'「」『』]", "", unicodedata.normalize("NFKC", text or ""))


def judge(item: dict, texts: list[str]) -> tuple[float, float]:
    anchors = [(_norm(a), g) for a, g in item["relevant"]]
    earned, gains = set(), []
    for text in texts[:K]:
        text = _norm(text)
        best = None
        for i, (a, g) in enumerate(anchors):
            if i not in earned and a in text and (best is None or g > anchors[best][1]):
                best = i
        if best is not None:
            earned.add(best)
        gains.append(anchors[best][1] if best is not None else 0)
    dcg = sum(g / math.log2(r + 2) for r, g in enumerate(gains))
    ideal = sorted((g for _, g in anchors), reverse=True)[:K]
    idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
    p3 = sum(1 for g in gains[:3] if g == 2) / min(3, sum(1 for _, g in anchors if g == 2) or 3)
    return (dcg / idcg if idcg else 0.0), min(p3, 1.0)


def score_file(idx, path: Path) -> dict:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    ndcg = p3 = 0.0
    for item in items:
        hits = idx.search(item["query"], limit=K, **(item.get("filters") or {})).hits
        n, p = judge(item, [h.text for h in hits])
        ndcg += n
        p3 += p
    return {"ndcg": round(ndcg / len(items), 4), "p3": round(p3 / len(items), 4), "n": len(items)}
