"""Sentence-aware snippets with highlighted query terms.

The query's phrases (its concepts and their synonyms, as written) and the words the
user typed (as the analyzer made them) are found in the passage by plain substring
search — no second segmentation of the passage, so a snippet costs microseconds —
the passage is cut into sentences at 。；！？, and the sentence(s) with the most
phrases, then the most words, are shown, highlighted with ``<mark>…</mark>``.
"""
from __future__ import annotations

import functools
import re

from .normalize import fold_traditional
from .vocabulary import SENTENCE_ENDS, char_class

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
_SENTENCE_END = re.compile(char_class(SENTENCE_ENDS))


@functools.lru_cache(maxsize=4096)
def _fold_term(term: str) -> str:
    """A query term folded (the same terms recur in every hit of a search)."""
    return fold_traditional(term)


def term_spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Merged (start, end) character spans of ``terms`` in ``text`` (case-insensitive,
    traditional and simplified characters alike: both are compared folded, which keeps
    offsets). One-character terms are only marked when there is nothing longer to mark."""
    lowered = fold_traditional(text).lower()
    terms = {_fold_term(t) for t in terms}
    long_terms = [t for t in terms if len(t) > 1]
    spans = []
    for term in (long_terms or terms):
        start = lowered.find(term)
        while start >= 0:
            spans.append((start, start + len(term)))
            start = lowered.find(term, start + 1)
    return _merge(spans)


def sentence_spans(text: str) -> list[tuple[int, int]]:
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


def make_snippet(text: str, terms: set[str], phrases: set[str] = frozenset(), max_chars: int = 160) -> str:
    """The best sentence(s) of ``text`` for the query, up to ``max_chars``: sentences
    with more of the query's whole phrases (concepts, synonyms) win, then more of its
    words; ``terms`` and ``phrases`` are marked. The snippets of recent hits are kept
    (by text and terms: SNIPPET_CACHE of them)."""
    return _snippet(text, frozenset(terms), frozenset(phrases), max_chars)


SNIPPET_CACHE = 4096


@functools.lru_cache(maxsize=SNIPPET_CACHE)
def _snippet(text: str, terms: frozenset, phrases: frozenset, max_chars: int) -> str:
    if not text:
        return ""
    phrase_spans = term_spans(text, {p for p in phrases if p}) if phrases else []
    word_spans = term_spans(text, terms) if terms else []
    spans = _merge(phrase_spans + word_spans)
    sentences = sentence_spans(text)
    best, best_key = 0, None
    for i, (s, e) in enumerate(sentences):
        inside_p = {text[a:b].lower() for a, b in phrase_spans if a >= s and b <= e}
        inside_w = [text[a:b].lower() for a, b in word_spans if a >= s and b <= e]
        key = (len(inside_p), len(set(inside_w)), len(inside_w), -i)
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
    # one line: a passage's own line breaks (a list under its lead-in) become spaces
    flat = re.sub(r"[\r\n\t]", " ", text[s:e])
    snippet = highlight(flat, [(a, b) for a, b in spans if a < e and b > s], offset=s)
    return ("…" if s > 0 else "") + snippet + ("…" if e < len(text) else "")


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans covering the same characters."""
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]
