"""Suggestions as you type: completions of what was typed so far from the index itself.

Three sources, each entry with a weight:

- document titles (``title``), weighted by nothing but being titles (they come first
  among equals: a title is what a user most often looks for by name);
- the jargon of the synonyms files (``jargon``: 两法衔接, 放管服, 三去一降一补 …), weighted
  by how many passages of the index hold it when it is one indexed word;
- the index's frequent words (``term``): body terms of two or more characters held by at
  least ``MIN_DF`` passages, weighted by that count (the ``TERMS`` most frequent).

A ``Suggester`` is built once per committed generation of an index (lazily, on the first
request: ``SearchIndex.suggest``) and is read-only afterwards, so any number of threads
use it at once. Lookup is a binary search for the entries that start with the typed
text (ranked by kind, then weight), then, when those are fewer than asked for, a scan of
one joined string for entries that contain it (复议 → 行政复议): both in C, well under a
millisecond on the 3,525-document index.
"""
from __future__ import annotations

import heapq
import re
from bisect import bisect_left, bisect_right
from typing import Iterable

from .normalize import normalize

MIN_DF = 3            # a term held by fewer passages is not suggested
TERMS = 30_000        # the most frequent terms kept
MAX_TYPED = 100       # characters of typed text looked at
KIND_ORDER = {"title": 0, "jargon": 1, "term": 2}
_WORDISH = re.compile(r"[\u3400-\u9fff]")       # a suggested term has a Chinese character


def suggest_key(text: str) -> str:
    """What typed text and entries are compared on: normalised (full-width forms, traditional
    characters as the index reads them), whitespace removed, Latin letters lower-cased."""
    return "".join(normalize(text or "").split()).lower()


class Suggester:
    """Completions from titles, jargon and frequent terms (see the module's docstring)."""

    def __init__(self, titles: Iterable[str] = (), jargon: Iterable[tuple[str, int]] = (),
                 terms: Iterable[tuple[str, int]] = ()):
        best: dict[str, tuple[int, float, str]] = {}          # key -> (kind order, -weight, text)

        def add(text: str, kind: str, weight: float) -> None:
            text = " ".join((text or "").split())
            key = suggest_key(text)
            if len(key) < 2 or len(key) > 200:
                return
            entry = (KIND_ORDER[kind], -float(weight), text)
            if key not in best or entry < best[key]:
                best[key] = entry
        for t in titles:
            add(t, "title", 0)
        for t, w in jargon:
            add(t, "jargon", w)
        for t, w in terms:
            add(t, "term", w)
        self.keys = sorted(best)
        self.entries = [best[k] for k in self.keys]
        # one string of every key, each after a NUL, for the scan of entries containing the text
        self._starts = []
        parts, pos = [], 0
        for k in self.keys:
            self._starts.append(pos + 1)
            parts.append("\x00" + k)
            pos += len(k) + 1
        self._blob = "".join(parts)

    def __len__(self) -> int:
        return len(self.keys)

    def suggest(self, typed: str, limit: int = 8) -> list[dict]:
        """Up to ``limit`` entries for ``typed``, each ``{"text", "kind"}`` (kind: title,
        jargon or term): words (jargon and frequent terms, by passages holding them) and
        titles, half each when both are there; those starting with the text first, then, to
        fill the list, those containing it. [] for empty text."""
        key = suggest_key(typed[:MAX_TYPED])
        if not key or limit < 1:
            return []
        lo = bisect_left(self.keys, key)
        hi = bisect_left(self.keys, key + "\U0010ffff", lo)
        found = self._best(range(lo, hi), key, limit)
        if len(found) < limit and len(key) >= 2:
            seen = set(range(lo, hi))
            inner = []
            for m in re.finditer(re.escape(key), self._blob):
                i = bisect_right(self._starts, m.start()) - 1       # the entry the match is in
                if i not in seen:
                    seen.add(i)
                    inner.append(i)
                if len(inner) >= 5000:
                    break
            found += self._best(inner, key, limit - len(found))
        return [{"text": self.entries[i][2], "kind": _KIND_NAMES[self.entries[i][0]]} for i in found]

    def _best(self, candidates, key: str, limit: int) -> list[int]:
        """The best ``limit`` of the entries ``candidates``: words and titles, half each when
        both are there (the text itself left out)."""
        rank = lambda i: (self.entries[i][1], len(self.keys[i]), self.keys[i])      # noqa: E731
        words = heapq.nsmallest(limit, (i for i in candidates if self.entries[i][0] and self.keys[i] != key),
                                key=rank)
        titles = heapq.nsmallest(limit, (i for i in candidates if not self.entries[i][0] and self.keys[i] != key),
                                 key=rank)
        n_titles = min(len(titles), max(limit // 2, limit - len(words)))
        return words[:limit - n_titles] + titles[:n_titles]


_KIND_NAMES = {v: k for k, v in KIND_ORDER.items()}


def index_terms(segments, field_: str, min_df: int = MIN_DF, most: int = TERMS) -> list[tuple[str, int]]:
    """The ``most`` most frequent terms of ``field_`` over the passage segments (their
    ``{field}_df`` arrays), each with the passages holding it: terms of two or more
    characters with a Chinese character, held by at least ``min_df`` passages."""
    import numpy as np
    counts: dict[str, int] = {}
    for sp in segments:
        df = np.asarray(getattr(sp, f"{field_}_df"))
        for ti in np.flatnonzero(df >= min_df):
            term = sp.term_at(field_, int(ti))
            if len(term) >= 2 and _WORDISH.search(term):
                counts[term] = counts.get(term, 0) + int(df[ti])
    return heapq.nlargest(most, counts.items(), key=lambda kv: (kv[1], kv[0]))
