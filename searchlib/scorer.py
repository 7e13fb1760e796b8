"""Vectorised scoring: a query plan evaluated over a segment's passage file with numpy.

The planner (query.py) produces Whoosh query trees; this module evaluates them, node by
node, into arrays over the passages of one segment: which passages match, and their
score in two parts, ``text`` (BM25F of the text fields, to be multiplied by the
passage's concreteness factor) and ``flat`` (boosts for a section kind, figures or a
unit, and the coordination bonus, which the factor does not multiply). The final score
of a passage is ``text × (1 + W × concreteness) + flat``.

Semantics follow Whoosh's matchers, so plans mean what they meant when Whoosh ran them:

* ``Term(body|heading)``: BM25F, ``idf = log(N / (df + 1)) + 1`` over all passages,
  per-field B, field weight as the term's boost; heading terms are stored once per
  section and scored for each passage of it;
* ``Phrase``: the words in order at consecutive positions (``slop`` allows gaps), scored
  as the sum of its words; on a field without positions, all of its words;
* ``And`` sums, ``Or`` sums what matches, ``AndMaybe`` adds the optional side where it
  matches, ``AndNot``/``Not`` exclude, ``Or(scale=s)`` applies Whoosh's coordination
  (``(score + (m-1)/(T-s)²) × (T-1)/T``, m matching leaf terms of T);
* ``kind``/``has_figures``/``units`` terms match passage attributes and add their boost;
  report fields (title, region, year, doc_type, published) are evaluated by the Whoosh
  index of reports and match every passage of the matching reports, with the report's
  score as a flat part (so a title query alone lists a report's passages in order);
* ``Prefix``/``Wildcard``/``FuzzyTerm``/``TermRange`` on a text field expand to at most
  ``MAX_EXPANSIONS`` terms of the segment's dictionary.
"""
from __future__ import annotations

import fnmatch
import math
import re
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from whoosh import query as wq

from .passage_index import FIGURES_FLAG, SegmentPassages, kind_code
from .ranking import RankingConfig
from .schema import BODY, HAS_FIGURES, HEADING, KIND, PASSAGE_ATTRIBUTE_FIELDS, \
    PASSAGE_TEXT_FIELDS, REPORT_FIELDS, UNITS

TEXT_FIELDS = PASSAGE_TEXT_FIELDS
PASSAGE_FIELDS = PASSAGE_ATTRIBUTE_FIELDS
MAX_EXPANSIONS = 512
_POS_SHIFT = 20          # key = candidate << 20 | position (positions < 65536)


@dataclass
class Scored:
    """Matching passages of one segment (ascending) and their score parts."""
    ids: np.ndarray       # int64
    text: np.ndarray      # float64
    flat: np.ndarray      # float64
    count: np.ndarray     # int32: matching leaf terms, for coordination

    def __len__(self):
        return len(self.ids)

    def scaled(self, boost: float) -> "Scored":
        if boost == 1.0:
            return self
        return Scored(self.ids, self.text * boost, self.flat * boost, self.count)


def _empty() -> Scored:
    return Scored(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, np.int32))


def _flat(ids: np.ndarray, value: float) -> Scored:
    n = len(ids)
    return Scored(ids.astype(np.int64, copy=False), np.zeros(n), np.full(n, float(value)), np.ones(n, np.int32))


class CorpusStats:
    """Collection statistics over every segment of the searcher (BM25's N, df, average
    field lengths), computed on demand and kept for the searcher's lifetime."""

    def __init__(self, segments: list[SegmentPassages], live_passages: int):
        self.segments = segments
        self.N = max(live_passages, 1)
        total = {BODY: 0, HEADING: 0}
        for sp in segments:
            total[BODY] += sp.stats["body_length"]
            total[HEADING] += sp.stats["heading_length"]
        n_all = max(sum(sp.passages for sp in segments), 1)
        self.avg_length = {f: (total[f] / n_all) or 1.0 for f in TEXT_FIELDS}
        self._df: dict[tuple[str, str], int] = {}

    def df(self, field_: str, term: str) -> int:
        key = (field_, term)
        n = self._df.get(key)
        if n is None:
            n = 0
            for sp in self.segments:
                ti = sp.term_index(field_, term)
                if ti >= 0:
                    n += sp.df(field_, ti)
            if len(self._df) > 100_000:
                self._df.clear()
            self._df[key] = n
        return n

    def idf(self, field_: str, term: str) -> float:
        return math.log(self.N / (self.df(field_, term) + 1)) + 1.0


ReportMatcher = Callable[[wq.Query], tuple[np.ndarray, np.ndarray]]


class SegmentScorer:
    """Evaluates query trees over one segment. ``reports(node)`` evaluates a query on
    report fields and returns (report docnums in this segment, scores)."""

    def __init__(self, sp: SegmentPassages, stats: CorpusStats, config: RankingConfig,
                 reports: Optional[ReportMatcher] = None):
        self.sp = sp
        self.stats = stats
        self.config = config
        self.reports = reports
        self._memo: dict = {}
        self.notes: list[str] = []

    # -- entry ------------------------------------------------------------------------
    def evaluate(self, node: wq.Query) -> Scored:
        key = ("node", id(node))
        hit = self._memo.get(key)
        if hit is not None and hit[0] is node:
            return hit[1]
        result = self._evaluate(node)
        self._memo[key] = (node, result)
        return result

    def leaf_results(self):
        """(field, text, Scored) of every term evaluated so far (for explanations)."""
        for key, value in self._memo.items():
            if key[0] == "term":
                yield key[1], key[2], value

    def _evaluate(self, node: wq.Query) -> Scored:
        if isinstance(node, wq.Term):
            return self._term(node.fieldname, node.text).scaled(node.boost)
        if isinstance(node, wq.Phrase):
            return self._phrase(node)
        if isinstance(node, wq.AndMaybe):
            return self._and_maybe(self.evaluate(node.a), self.evaluate(node.b)).scaled(node.boost)
        if isinstance(node, wq.AndNot):
            return self._exclude(self.evaluate(node.a), self.evaluate(node.b)).scaled(node.boost)
        if isinstance(node, wq.Not):
            return self._exclude(self._all(), self.evaluate(node.query)).scaled(node.boost)
        if isinstance(node, wq.And):
            return self._and(node)
        if isinstance(node, wq.Or):
            return self._or(node)
        if isinstance(node, wq.Every):
            return self._all()
        if isinstance(node, (wq.Prefix, wq.Wildcard, wq.FuzzyTerm, wq.TermRange)):
            return self._multiterm(node)
        if isinstance(node, wq.NullQuery.__class__):
            return _empty()
        if isinstance(node, wq.Query) and getattr(node, "fieldname", None) in REPORT_FIELDS:
            return self._report_level(node)
        raise ValueError(f"unsupported query node {node!r}")

    # -- leaves -----------------------------------------------------------------------
    def _term(self, field_: str, text) -> Scored:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        key = ("term", field_, text)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        if field_ in TEXT_FIELDS:
            result = self._text_term(field_, str(text))
        elif field_ in PASSAGE_FIELDS:
            result = _flat(self._attribute(field_, text), 1.0)
        elif field_ in REPORT_FIELDS:
            result = self._report_level(wq.Term(field_, text))
        else:
            result = _empty()
        self._memo[key] = result
        return result

    def _text_term(self, field_: str, term: str) -> Scored:
        sp = self.sp
        ti = sp.term_index(field_, term)
        if ti < 0:
            return _empty()
        ids, tf = self._postings(field_, ti)
        if field_ == HEADING:
            passages, owner = sp.section_passages(ids)
            length = sp.s_len[ids][owner]
            tf = tf[owner]
            ids = passages
        else:
            length = sp.p_len[ids]
        cfg = self.config
        B = cfg.body_B if field_ == BODY else cfg.B
        K1 = cfg.K1
        idf = self.stats.idf(field_, term)
        tf = tf.astype(np.float64)
        norm = K1 * ((1.0 - B) + B * length.astype(np.float64) / self.stats.avg_length[field_])
        score = idf * (tf * (K1 + 1.0)) / (tf + norm)
        return Scored(ids, score, np.zeros(len(ids)), np.ones(len(ids), np.int32))

    def _postings(self, field_: str, ti: int):
        key = ("postings", field_, ti)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self.sp.postings(field_, ti)
        return hit

    def _attribute(self, field_: str, value) -> np.ndarray:
        """Passages whose kind / figures / units attribute matches."""
        key = ("attr", field_, str(value))
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        sp = self.sp
        if field_ == KIND:
            ids = np.flatnonzero(sp.p_kind == kind_code(str(value)))
        elif field_ == HAS_FIGURES:
            want = value is True or str(value).lower() in ("true", "1", "yes", "t", "y")
            has = (sp.p_flags & FIGURES_FLAG) != 0
            ids = np.flatnonzero(has if want else ~has)
        else:
            ti = sp.term_index(UNITS, str(value))
            ids = self._postings(UNITS, ti)[0] if ti >= 0 else np.zeros(0, np.int64)
        self._memo[key] = ids
        return ids

    def _report_level(self, node: wq.Query) -> Scored:
        if self.reports is None:
            return _empty()
        docnums, scores = self.reports(node)
        if not len(docnums):
            return _empty()
        sp = self.sp
        first = sp.r_first[docnums].astype(np.int64)
        counts = sp.r_first[docnums + 1].astype(np.int64) - first
        owner = np.repeat(np.arange(len(docnums)), counts)
        within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        ids = first[owner] + within
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        flat = np.asarray(scores, np.float64)[owner][order]     # a report's score, not the passage's text
        return Scored(ids, np.zeros(len(ids)), flat, np.ones(len(ids), np.int32))

    def _phrase(self, node: wq.Phrase) -> Scored:
        words = [w.decode() if isinstance(w, bytes) else w for w in node.words]
        if not words:
            return _empty()
        if node.fieldname != BODY or len(words) == 1:
            subs = [self._term(node.fieldname, w) for w in words]
            return self._intersect_all(subs).scaled(node.boost)
        sp = self.sp
        tis = [sp.term_index(BODY, w) for w in words]
        if min(tis) < 0:
            return _empty()
        subs = [self._term(BODY, w) for w in words]
        both = self._intersect_all(subs)
        if not len(both):
            return both
        cand = both.ids
        cur = None
        slop = max(int(node.slop), 1)
        for i, ti in enumerate(tis):
            ids, tf = self._postings(BODY, ti)
            sel = np.searchsorted(ids, cand)
            owner, pos = sp.positions(ti, sel, tf)
            keys = np.unique((owner.astype(np.int64) << _POS_SHIFT) | pos.astype(np.int64))
            if cur is None:
                cur = keys
            else:
                nxt = [keys[np.isin(keys, cur + d, assume_unique=True)] for d in range(1, slop + 1)]
                cur = np.unique(np.concatenate(nxt)) if len(nxt) > 1 else nxt[0]
            if not len(cur):
                return _empty()
        keep = np.unique(cur >> _POS_SHIFT)
        return Scored(cand[keep], both.text[keep], both.flat[keep], both.count[keep]).scaled(node.boost)

    def _multiterm(self, node) -> Scored:
        field_ = node.fieldname
        if field_ in REPORT_FIELDS:
            return self._report_level(node)
        if field_ not in TEXT_FIELDS:
            return _empty()
        sp = self.sp
        if isinstance(node, wq.TermRange):
            lo, hi = sp.term_range(field_, node.start or None, None)
            terms = [sp.term_at(field_, i) for i in range(lo, min(hi, lo + 100_000))]
            end = node.end
            terms = [t for t in terms if end is None or t < end or (node.endexcl is False and t == end)]
            if node.start and node.startexcl:
                terms = [t for t in terms if t != node.start]
        else:
            text = node.text
            if isinstance(node, wq.Wildcard):
                prefix = re.split(r"[*?\[]", text, maxsplit=1)[0]
                pattern = re.compile(fnmatch.translate(text))
                accept = pattern.match
            elif isinstance(node, wq.FuzzyTerm):
                prefix = text[:node.prefixlength]
                maxdist = node.maxdist
                accept = (lambda t: _within_distance(t, text, maxdist))
            else:
                prefix = text
                accept = None
            lo, hi = sp.prefix_range(field_, prefix)
            terms = [sp.term_at(field_, i) for i in range(lo, min(hi, lo + 100_000))]
            if accept is not None:
                terms = [t for t in terms if accept(t)]
        if len(terms) > MAX_EXPANSIONS:
            self.notes.append(f"{node} matches {len(terms)} terms; only the first {MAX_EXPANSIONS} were searched")
            terms = terms[:MAX_EXPANSIONS]
        subs = [self._term(field_, t) for t in terms]
        return self._union(subs).scaled(node.boost)

    def _all(self) -> Scored:
        return _flat(np.arange(self.sp.passages, dtype=np.int64), 0.0)

    # -- combinations -----------------------------------------------------------------
    def _and(self, node: wq.And) -> Scored:
        required, excluded = [], []
        for sub in node.subqueries:
            if isinstance(sub, wq.Not):
                excluded.append(self.evaluate(sub.query))
            else:
                required.append(self.evaluate(sub))
        result = self._intersect_all(required) if required else self._all()
        for ex in excluded:
            result = self._exclude(result, ex)
        return result.scaled(node.boost)

    def _or(self, node: wq.Or) -> Scored:
        subs = [self.evaluate(s) for s in node.subqueries]
        result = self._union(subs)
        scale = getattr(node, "scale", None)
        if scale and len(node.subqueries) > 1:
            result = self._coordinate(result, self.leaf_count(node), scale)
        return result.scaled(node.boost)

    def _coordinate(self, r: Scored, T: int, scale: float) -> Scored:
        if T == 0 or T == scale or not len(r):
            return Scored(r.ids, np.zeros(len(r)), np.zeros(len(r)), r.count)
        f = (T - 1) / T
        return Scored(r.ids, r.text * f, (r.flat + (r.count - 1) / (T - scale) ** 2) * f, r.count)

    def leaf_count(self, node: wq.Query) -> int:
        """Leaf terms of ``node`` that exist in the index (Whoosh's coordination count)."""
        if isinstance(node, wq.Term):
            if node.fieldname in TEXT_FIELDS:
                return 1 if self.stats.df(node.fieldname, str(node.text)) else 0
            return 1
        if isinstance(node, wq.Phrase):
            words = [str(w) for w in node.words]
            if node.fieldname == BODY and len(words) > 1:
                return len(words) if all(self.stats.df(BODY, w) for w in words) else 0
            return sum(1 for w in words if self.stats.df(node.fieldname, w)) if node.fieldname in TEXT_FIELDS \
                else len(words)
        if isinstance(node, wq.AndMaybe):
            return self.leaf_count(node.a) + self.leaf_count(node.b)
        if isinstance(node, (wq.AndNot,)):
            return self.leaf_count(node.a)
        if isinstance(node, wq.Not):
            return 0
        if isinstance(node, wq.CompoundQuery):
            return sum(self.leaf_count(s) for s in node.subqueries)
        return 1

    @staticmethod
    def _intersect(a: Scored, b: Scored) -> Scored:
        if not len(a) or not len(b):
            return _empty()
        if len(a) > len(b):
            a, b = b, a
        idx = np.searchsorted(b.ids, a.ids)
        idx[idx >= len(b.ids)] = 0
        hit = b.ids[idx] == a.ids
        ia, ib = np.flatnonzero(hit), idx[hit]
        return Scored(a.ids[ia], a.text[ia] + b.text[ib], a.flat[ia] + b.flat[ib], a.count[ia] + b.count[ib])

    def _intersect_all(self, subs: list[Scored]) -> Scored:
        if not subs:
            return _empty()
        subs = sorted(subs, key=len)
        result = subs[0]
        for s in subs[1:]:
            result = self._intersect(result, s)
            if not len(result):
                break
        return result

    def _union(self, subs: list[Scored]) -> Scored:
        subs = [s for s in subs if len(s)]
        if not subs:
            return _empty()
        if len(subs) == 1:
            return subs[0]
        total = sum(len(s) for s in subs)
        n = self.sp.passages
        if total * 8 > n:       # large: accumulate densely over the segment
            text = np.zeros(n)
            flat = np.zeros(n)
            count = np.zeros(n, np.int32)
            for s in subs:
                text[s.ids] += s.text
                flat[s.ids] += s.flat
                count[s.ids] += s.count
            ids = np.flatnonzero(count)
            return Scored(ids, text[ids], flat[ids], count[ids])
        ids = np.concatenate([s.ids for s in subs])
        uniq, inv = np.unique(ids, return_inverse=True)
        m = len(uniq)
        return Scored(uniq, np.bincount(inv, np.concatenate([s.text for s in subs]), m),
                      np.bincount(inv, np.concatenate([s.flat for s in subs]), m),
                      np.bincount(inv, np.concatenate([s.count for s in subs]), m).astype(np.int32))

    @staticmethod
    def _and_maybe(a: Scored, b: Scored) -> Scored:
        if not len(a) or not len(b):
            return a
        idx = np.searchsorted(b.ids, a.ids)
        idx[idx >= len(b.ids)] = 0
        hit = b.ids[idx] == a.ids
        text, flat, count = a.text.copy(), a.flat.copy(), a.count.copy()
        ib = idx[hit]
        text[hit] += b.text[ib]
        flat[hit] += b.flat[ib]
        count[hit] += b.count[ib]
        return Scored(a.ids, text, flat, count)

    @staticmethod
    def _exclude(a: Scored, b: Scored) -> Scored:
        if not len(a) or not len(b):
            return a
        keep = ~np.isin(a.ids, b.ids, assume_unique=True)
        return Scored(a.ids[keep], a.text[keep], a.flat[keep], a.count[keep])


def _within_distance(a: str, b: str, maxdist: int) -> bool:
    """Levenshtein distance of a and b is at most maxdist (small strings)."""
    if abs(len(a) - len(b)) > maxdist:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > maxdist:
            return False
        prev = cur
    return prev[-1] <= maxdist
