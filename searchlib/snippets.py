"""Sentence-aware snippets with highlighted query terms.

The query's terms (as the analyzer made them) are found in the passage by plain
substring search — no second segmentation of the passage, so a snippet costs
microseconds — the passage is cut into sentences at 。；！？, and the sentence(s)
with the most distinct query terms are shown, highlighted with ``<mark>…</mark>``.
"""
from __future__ import annotations

import re

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
_SENTENCE_END = re.compile(r"[。;；!！?？]")


def term_spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Merged (start, end) character spans of ``terms`` in ``text`` (case-insensitive).
    One-character terms are only marked when there is nothing longer to mark."""
    lowered = text.lower()
    long_terms = [t for t in terms if len(t) > 1]
    spans = []
    for term in (long_terms or terms):
        start = lowered.find(term)
        while start >= 0:
            spans.append((start, start + len(term)))
            start = lowered.find(term, start + 1)
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def _sentences(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append((start, m.end()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def highlight(text: str, spans: list[tuple[int, int]], offset: int = 0) -> str:
    parts, pos = [], 0
    for s, e in spans:
        s, e = s - offset, e - offset
        if e <= 0 or s >= len(text):
            continue
        s, e = max(s, 0), min(e, len(text))
        parts += [text[pos:s], MARK_OPEN, text[s:e], MARK_CLOSE]
        pos = e
    parts.append(text[pos:])
    return "".join(parts)


def make_snippet(text: str, terms: set[str], max_chars: int = 160) -> str:
    if not text:
        return ""
    spans = term_spans(text, terms) if terms else []
    sentences = _sentences(text)
    best, best_key = 0, None
    for i, (s, e) in enumerate(sentences):
        inside = [text[a:b].lower() for a, b in spans if a >= s and b <= e]
        key = (len(set(inside)), len(inside), -i)
        if best_key is None or key > best_key:
            best, best_key = i, key
    s, e = sentences[best]
    # grow with following (then preceding) sentences while there is room
    j = best + 1
    while j < len(sentences) and sentences[j][1] - s <= max_chars:
        e = sentences[j][1]
        j += 1
    k = best - 1
    while k >= 0 and e - sentences[k][0] <= max_chars:
        s = sentences[k][0]
        k -= 1
    if e - s > max_chars:      # one long sentence: a window around its first match
        first = next((a for a, b in spans if a >= s and b <= e), s)
        s = max(s, first - max_chars // 3)
        e = min(e, s + max_chars)
    snippet = highlight(text[s:e], [(a, b) for a, b in spans if a < e and b > s], offset=s)
    return ("…" if s > 0 else "") + snippet + ("…" if e < len(text) else "")
