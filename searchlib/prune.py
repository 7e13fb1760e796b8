"""Block-max pruning: exact top-k without scoring every matching passage.

The passages of a snapshot (``segments.CombinedPassages``, numbered as one set) are cut
into blocks of ``BLOCK`` consecutive passages. For a query, ``Bounds`` computes for every
block an upper bound of the ranking key any passage of it can have (the lexicographic
``level`` of search.py, then the score), from

* per block and term, the largest BM25 impact of the term's postings in the block
  (``tf·(K1+1) / (tf + K1·(1-B+B·len/avg))``) × the passage's static factors (its
  concreteness factor and genre and section-kind priors), × idf and the node's boost at
  query time, kept per snapshot (``BlockIndex.term``); through the query tree: a sum for
  And/Or (Or's coordination bounded with its largest leaf count), DisjunctionMax, phrases
  as the sum of their words; per block, whether a node can match at all;
* the flat parts (boosts the concreteness factor does not multiply) × the block's largest
  prior; the answer factor (``1 + answer_boost`` where a passage of the block states a
  figure about the query, else 1); a named rule's prior; coordination ≤ 1. The level is 3
  where every concept of the query can match in the block, else 1.

``IndexSearcher._rank_pruned`` (search.py) evaluates the blocks in descending bound order,
in batches, through a ``Scorer`` restricted to them (``Domain``), and stops when no
remaining block's bound reaches the pool's k-th key among the passages evaluated: every
passage from that key up is then evaluated, and a walk of them that fills the page is the
exhaustive one's (a walk that runs short retries with a larger pool). What pruning leaves
unevaluated only lowers the counts (then lower bounds, ``total_relation = "gte"``).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Optional

import numpy as np
from whoosh import query as wq

from .passage_index import kind_code
from .query import NamedTitle, Near
from .scorer import Scored, Scorer, _empty, _members
from .schema import BODY, DOC_TYPE, KIND, PASSAGE_ATTRIBUTE_FIELDS, PASSAGE_TEXT_FIELDS, REPORT_FIELDS

BLOCK_SHIFT = 6
BLOCK = 1 << BLOCK_SHIFT          # passages per block
TERM_CACHE = 50_000               # terms whose block maxima a snapshot keeps
CONCEPT_CACHE = 256               # concepts whose block maxima a snapshot keeps
SLACK = 1e-7                      # relative margin on a bound (rounding of the scores' arithmetic)
EXACT_BELOW = 0.01                # a node matching at most this share of the passages (by the scorer's
                                  # estimate) is evaluated whole for its bound: its exact block maxima


def _union(arrays: list) -> np.ndarray:
    """The ids in any of ``arrays`` (of ids ≥ 0), ascending, once each."""
    arrays = [a for a in arrays if a is not None and len(a)]
    if not arrays:
        return np.zeros(0, np.int64)
    if len(arrays) == 1:
        return arrays[0]
    # (marked in a mask over the id range: no sort)
    mask = np.zeros(max(int(a.max()) for a in arrays) + 1, bool)
    for a in arrays:
        mask[a] = True
    return np.flatnonzero(mask).astype(np.int64, copy=False)


class Unbounded(Exception):
    """A query node whose score this module cannot bound (the search then evaluates every block)."""


class Domain:
    """Some blocks of the passages (ascending block numbers): what a restricted Scorer sees."""

    def __init__(self, blocks: np.ndarray, n: int, shift: int):
        self.blocks = np.asarray(blocks, np.int64)
        self.n = n
        self.shift = shift
        self.lo = self.blocks << shift
        self.hi = np.minimum((self.blocks + 1) << shift, n)
        nb = (n >> shift) + 1
        self.mask = np.zeros(nb, bool)
        self.mask[self.blocks] = True
        self._ids = None

    def select(self, ids: np.ndarray) -> np.ndarray:
        """Indexes of the ascending ``ids`` that fall in the domain's blocks."""
        if not len(ids):
            return np.zeros(0, np.int64)
        if len(self.blocks) * 32 < len(ids):
            lo = np.searchsorted(ids, self.lo)
            hi = np.searchsorted(ids, self.hi)
            counts = hi - lo
            total = int(counts.sum())
            if not total:
                return np.zeros(0, np.int64)
            starts = np.cumsum(counts) - counts
            return np.repeat(lo - starts, counts) + np.arange(total)
        return np.flatnonzero(self.mask[ids >> self.shift])

    def holds(self, ids: np.ndarray) -> bool:
        """Whether every one of ``ids`` is in the domain's blocks."""
        return bool(self.mask[np.asarray(ids, np.int64) >> self.shift].all()) if len(ids) else True

    def ids(self) -> np.ndarray:
        if self._ids is None:
            counts = self.hi - self.lo
            total = int(counts.sum())
            starts = np.cumsum(counts) - counts
            self._ids = np.repeat(self.lo - starts, counts) + np.arange(total)
        return self._ids


class BlockIndex:
    """Per snapshot: the blocks of its passages and their per-block maxima (concreteness,
    priors, terms' impacts), computed on first use and kept."""

    def __init__(self, cp, shift: Optional[int] = None):
        self.cp = cp
        self.shift = shift = BLOCK_SHIFT if shift is None else shift
        self.n = cp.passages
        self.nb = max(1, -(-self.n // (1 << shift)))
        self.starts = np.minimum(np.arange(self.nb) << shift, max(self.n - 1, 0))
        self._terms: OrderedDict = OrderedDict()
        self._cache: dict = {}

    @classmethod
    def of(cls, cp) -> "BlockIndex":
        bi = cp.__dict__.get("_block_index")
        if bi is None:
            bi = cp.__dict__["_block_index"] = cls(cp)
        return bi

    def block_max(self, values: np.ndarray) -> np.ndarray:
        """Per block, the largest of per-passage ``values``."""
        if not self.n:
            return np.zeros(self.nb)
        return np.maximum.reduceat(values, self.starts)

    def conc_max(self) -> np.ndarray:
        hit = self._cache.get("conc")
        if hit is None:
            hit = self._cache["conc"] = self.block_max(self.cp.p_conc.astype(np.float64))
        return hit

    def cached(self, key, make):
        hit = self._cache.get(key)
        if hit is None:
            if len(self._cache) > 512:
                conc = self._cache.get("conc")
                self._cache.clear()
                if conc is not None:
                    self._cache["conc"] = conc
            hit = self._cache[key] = make()
        return hit

    def concept(self, key, make):
        """A concept's block maxima (``Bounds._concept``), kept for the last CONCEPT_CACHE."""
        concepts = self.__dict__.setdefault("_concepts", OrderedDict())
        hit = concepts.get(key)
        if hit is None:
            hit = concepts[key] = make()
            if len(concepts) > CONCEPT_CACHE:
                concepts.popitem(last=False)
        else:
            concepts.move_to_end(key)
        return hit

    def presence(self, ids: np.ndarray) -> np.ndarray:
        """Which blocks hold one of ``ids``."""
        out = np.zeros(self.nb, bool)
        if len(ids):
            out[np.asarray(ids, np.int64) >> self.shift] = True
        return out

    def scored_max(self, ids: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Per block, the largest of ``values`` of the ascending ``ids`` in it (0 elsewhere;
        never below 0: a bound of what a match adds)."""
        out = np.zeros(self.nb)
        if len(ids):
            blk = np.asarray(ids, np.int64) >> self.shift
            first = np.flatnonzero(np.r_[True, blk[1:] != blk[:-1]])
            out[blk[first]] = np.maximum.reduceat(values, first)
        return np.maximum(out, 0.0)

    def term(self, field_: str, term: str, found, K1: float, B: float, avg: float, weights):
        """(blocks holding the term, the largest ``tf·(K1+1)/(tf+norm)`` × the passage's
        static factors (``weights``: PassageWeights) in each) from the term's postings
        ``found`` (ids, tf, length), kept per snapshot."""
        key = (field_, term, K1, B, avg, weights.key)
        hit = self._terms.get(key)
        if hit is not None:
            self._terms.move_to_end(key)
            return hit
        ids, tf, length = found
        tf = tf.astype(np.float64)
        norm = K1 * ((1.0 - B) + B * length / avg)
        impact = (tf * (K1 + 1.0)) / (tf + norm) * weights.fp[ids]
        blk = ids >> self.shift
        first = np.flatnonzero(np.r_[True, blk[1:] != blk[:-1]])
        hit = (blk[first], np.maximum.reduceat(impact, first))
        self._terms[key] = hit
        if len(self._terms) > TERM_CACHE:
            self._terms.popitem(last=False)
        return hit


class PassageWeights:
    """The static factors of each passage's score for one ranking and kind of query: the
    concreteness factor × the genre and section-kind priors (``fp``), and per block the
    largest prior (``prior_max``, for the parts the concreteness factor does not multiply)."""

    def __init__(self, key, fp: np.ndarray, prior: np.ndarray, prior_max: np.ndarray):
        self.key, self.fp, self.prior, self.prior_max = key, fp, prior, prior_max


def passage_weights(bi: BlockIndex, cp, snap, concreteness_weight: float, type_weights: dict,
                    kind_weights: Optional[dict]) -> PassageWeights:
    """PassageWeights for these priors (kept per snapshot): a document type's weight (1 for
    the others), × a section kind's (``kind_weights``; None: none)."""
    key = ("weights", concreteness_weight, tuple(sorted(type_weights.items())),
           tuple(sorted(kind_weights.items())) if kind_weights else None)

    def make():
        prior = np.ones(bi.n)
        for doc_type, weight in type_weights.items():
            if weight != 1.0:
                docs, _ = snap.report_matches(wq.Term(DOC_TYPE, doc_type))
                if len(docs):
                    ids, _ = cp.report_passages(np.asarray(docs, np.int64))
                    prior[ids] = weight
        if kind_weights:
            kinds = cp.p_kind
            for kind, weight in kind_weights.items():
                if weight != 1.0:
                    prior[kinds == kind_code(kind)] *= weight
        fp = (1.0 + concreteness_weight * cp.p_conc.astype(np.float64)) * prior
        return PassageWeights(key, fp, prior, bi.block_max(prior))

    return bi.cached(key, make)


_EXACT_NODES = (wq.Term, wq.And, wq.Or, wq.DisjunctionMax, wq.AndMaybe, wq.Every, NamedTitle)


def _pure(node, memo: dict) -> bool:
    """Whether the bounding evaluation of ``node`` is its exact evaluation (no phrase of
    several body words, no Near, no exclusion in it)."""
    hit = memo.get(id(node))
    if hit is not None:
        return hit
    if isinstance(node, Near) or isinstance(node, (wq.Not, wq.AndNot)):
        ok = False
    elif isinstance(node, wq.Phrase):
        ok = node.fieldname != BODY or len(node.words) <= 1
    elif isinstance(node, wq.AndMaybe):
        ok = _pure(node.a, memo) and _pure(node.b, memo)
    elif isinstance(node, wq.CompoundQuery):
        ok = all(_pure(q, memo) for q in node.subqueries)
    else:
        ok = True
    memo[id(node)] = ok
    return ok


class BoundingScorer(Scorer):
    """Evaluates a query over the whole index to an upper bound of each passage's result:
    a phrase (or Near) of several body words as their conjunction, without looking at
    positions (every passage that has the phrase, and some that only have its words; scored
    as the phrase is, the sum of its words), and no exclusion (AndNot, Not: their positive
    side, or every passage). Results of nodes without those (exact) go to ``parent``'s memo,
    where the scorers restricted to blocks take them from."""

    def __init__(self, parent):
        super().__init__(parent.sp, parent.stats, parent.config, reports=parent.reports,
                         report_title=parent.report_title, parent=parent)
        self._pure: dict = {}

    def evaluate(self, node, within=None):
        if within is None:
            whole = self.parent._memo.get(("node", id(node)))
            if whole is not None and whole[0] is node:
                return whole[1]
            if _pure(node, self._pure):
                # (only a node whose bound is its exact result: the bounds stay what they were)
                whole = self.parent.cached_whole(node)
                if whole is not None:
                    self.parent._memo[("node", id(node))] = (node, whole)
                    return whole
        notes = len(self.notes)
        result = super().evaluate(node, within)
        if within is None and _pure(node, self._pure):
            self.parent._memo[("node", id(node))] = (node, result)
            if len(self.notes) == notes:
                self.parent.keep_whole(node, result)
        return result

    def _phrase(self, node, within=None):
        words = [w.decode() if isinstance(w, bytes) else w for w in node.words]
        if node.fieldname != BODY or len(words) <= 1:
            return super()._phrase(node, within)
        return self._loose(words, words, node.boost, within)

    def _near(self, node, within=None):
        words = list(dict.fromkeys(str(w) for w in node.words))
        return self._loose(words, words, node.boost, within)

    def _loose(self, words, scored, boost, within):
        _, cand = self._all_words(words, within)
        if cand is None:
            return _empty()
        parts = [self._term(BODY, w, cand) for w in scored]
        text = np.sum([p.text for p in parts], axis=0)
        return Scored(cand, text, np.zeros(len(cand)), np.full(len(cand), len(scored), np.int32)).scaled(boost)

    def _evaluate(self, node, within):
        if isinstance(node, wq.AndNot):
            return self.evaluate(node.a, within).scaled(node.boost)
        if isinstance(node, wq.Not):
            return self._all(within).scaled(node.boost)
        if isinstance(node, wq.And):
            # the excluded parts left out: their passages stay (an upper bound)
            required = [q for q in node.subqueries if not isinstance(q, wq.Not)]
            return self._conjunction(required, within).scaled(node.boost)
        return super()._evaluate(node, within)


class _B:
    """A node's bound per block: ``text``, of its part of a passage's final score (× the
    passage's concreteness factor, priors and answer factor); ``flat``, of its flat part
    before the priors and the answer factor (× the block's largest of those at the end);
    whether it can match; the most leaf terms one passage can match in it (coordination)."""
    __slots__ = ("text", "flat", "present", "count")

    def __init__(self, text, flat, present, count):
        self.text, self.flat, self.present, self.count = text, flat, present, count

    def scaled(self, boost: float) -> "_B":
        if boost < 0:
            raise Unbounded("a negative boost")
        if boost == 1.0:
            return self
        return _B(self.text * boost, self.flat * boost, self.present, self.count)


class Bounds:
    """Upper bounds per block of a query's nodes, through a whole-index ``Scorer``."""

    def __init__(self, scorer, bi: BlockIndex, weights: PassageWeights, about: Optional[dict] = None,
                 answer_boost: float = 0.0, concepts: Optional[list] = None, key=()):
        """``about``: concept (None for a Whoosh-syntax query's words) → the passages
        (ascending) with a figure about it, whose answer factor can be above 1 (at most
        ``1 + answer_boost``); ``concepts``: (query, concept name, cache key) of the plan's
        concepts, whose bounds are kept per snapshot (``_concept``); ``key``: what else
        their bounds depend on (the ranking)."""
        self.scorer = scorer
        self.loose = BoundingScorer(scorer)
        self.bi = bi
        self.nb = bi.nb
        self.weights = weights
        self.answer_boost = answer_boost
        self.about = {c: ids for c, ids in (about or {}).items() if ids is not None and len(ids)} \
            if answer_boost else {}
        self.answer_ids = _union(list(self.about.values()))
        self.answer_block = self._answer_blocks(self.answer_ids)
        self.concepts = {id(q): (q, name, k) for q, name, k in (concepts or [])}
        self.key = key
        self._memo: dict = {}

    def _answer_blocks(self, ids: np.ndarray) -> np.ndarray:
        out = np.ones(self.nb)
        out[self.bi.presence(ids)] = 1.0 + self.answer_boost
        return out

    def _concept(self, node, name_key) -> "_B":
        """A concept's bound from its exact block maxima, kept per snapshot: computed once
        by evaluating the concept over the whole index, then reused by every query with it.
        Per block: its score's maximum with its own answer factor (M1) and without (M0),
        × the answer factor other concepts' figures can give (``max(M1, M0 × others)``)."""
        name, ckey = name_key
        own = self.about.get(name)
        key = ("concept", repr(node), name, ckey, self.weights.key, self.answer_boost, self.key)

        def make():
            r = self.scorer.evaluate(node)
            w = self.weights
            whole = np.maximum(r.text, 0.0) * w.fp[r.ids] + np.maximum(r.flat, 0.0) * w.prior[r.ids]
            m0 = self.bi.scored_max(r.ids, whole)
            m1 = m0 if own is None else self.bi.scored_max(
                r.ids, whole * (1.0 + self.answer_boost * _members(r.ids, own)))
            return m0, m1, self.bi.presence(r.ids), int(r.count.max()) if len(r) else 0

        m0, m1, present, count = self.bi.concept(key, make)
        others = _union([ids for c, ids in self.about.items() if c != name])
        return _B(np.maximum(m1, m0 * self._answer_blocks(others)), np.zeros(self.nb), present, count)

    def answer(self, ids: np.ndarray) -> np.ndarray:
        """The bound of the answer factor of each of ``ids`` (ascending)."""
        if not len(self.answer_ids):
            return np.ones(len(ids))
        return 1.0 + self.answer_boost * _members(ids, self.answer_ids)

    def _empty(self) -> _B:
        z = np.zeros(self.nb)
        return _B(z, z, np.zeros(self.nb, bool), 0)

    def _everywhere(self) -> _B:
        z = np.zeros(self.nb)
        present = np.zeros(self.nb, bool)
        present[:] = self.bi.n > 0
        return _B(z, z, present, 1)

    def _from_scored(self, r) -> _B:
        """The exact block maxima of a result (its whole score, priors and answer factor in)."""
        bi, w = self.bi, self.weights
        whole = (np.maximum(r.text, 0.0) * w.fp[r.ids] + np.maximum(r.flat, 0.0) * w.prior[r.ids]) * self.answer(r.ids)
        return _B(bi.scored_max(r.ids, whole), np.zeros(self.nb), bi.presence(r.ids),
                  int(r.count.max()) if len(r) else 0)

    def bound(self, node: wq.Query) -> _B:
        key = id(node)
        hit = self._memo.get(key)
        if hit is not None and hit[0] is node:
            return hit[1]
        b = self._bound(node)
        self._memo[key] = (node, b)
        return b

    @staticmethod
    def _sum(parts: list[_B], both: bool, nb: int) -> _B:
        text = np.zeros(nb)
        flat = np.zeros(nb)
        present = np.ones(nb, bool) if both else np.zeros(nb, bool)
        count = 0
        for p in parts:
            text = text + p.text
            flat = flat + p.flat
            present = (present & p.present) if both else (present | p.present)
            count += p.count
        return _B(text, flat, present, count)

    def _term(self, field_: str, text) -> _B:
        sc = self.scorer
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if field_ in PASSAGE_TEXT_FIELDS:
            found = sc._postings(field_, str(text))
            if found is None:
                return self._empty()
            cfg = sc.config
            B = cfg.body_B if field_ == BODY else cfg.B
            blocks, impact = self.bi.term(field_, str(text), found, cfg.K1, B, sc.stats.avg_length[field_],
                                          self.weights)
            t = np.zeros(self.nb)
            t[blocks] = np.maximum(impact * sc.stats.idf(field_, str(text)), 0.0) * self.answer_block[blocks]
            present = np.zeros(self.nb, bool)
            present[blocks] = True
            return _B(t, np.zeros(self.nb), present, 1)
        if field_ in PASSAGE_ATTRIBUTE_FIELDS:
            ids = sc._attribute(field_, text)
            present = self.bi.presence(ids)
            if field_ == KIND and sc.config.kind_is_topical:
                return _B(self.bi.scored_max(ids, self.weights.fp[ids] * self.answer(ids)), np.zeros(self.nb),
                          present, 1)
            return _B(np.zeros(self.nb), np.where(present, 1.0, 0.0), present, 1)
        if field_ in REPORT_FIELDS:
            return self._from_scored(sc._report_level(wq.Term(field_, text)))
        return self._empty()

    def _words(self, field_: str, words) -> list[_B]:
        return [self._term(field_, w.decode() if isinstance(w, bytes) else w) for w in words]

    def _bound(self, node: wq.Query) -> _B:
        nb, sc = self.nb, self.scorer
        if id(node) in self.concepts and self.concepts[id(node)][0] is node:
            return self._concept(node, self.concepts[id(node)][1:])
        if not isinstance(node, wq.Term) and isinstance(node, (wq.Phrase, wq.And, wq.Or, wq.AndMaybe, wq.AndNot,
                                                               NamedTitle, Near, wq.DisjunctionMax)) \
                and sc.estimate(node) <= EXACT_BELOW * max(self.bi.n, 1):
            # evaluated whole, phrases without their positions (BoundingScorer): per passage an
            # upper bound of its result, and the maxima per block of those
            return self._from_scored(self.loose.evaluate(node))
        if isinstance(node, wq.Term):
            return self._term(node.fieldname, node.text).scaled(node.boost)
        if isinstance(node, Near):
            words = list(dict.fromkeys(str(w) for w in node.words))
            if not words:
                return self._empty()
            b = self._sum(self._words(BODY, words), True, nb)
            return _B(b.text, b.flat, b.present, len(words)).scaled(node.boost)
        if isinstance(node, wq.Phrase):
            words = [w.decode() if isinstance(w, bytes) else w for w in node.words]
            if not words:
                return self._empty()
            if node.fieldname != BODY or len(words) == 1:
                return self._sum(self._words(node.fieldname, words), True, nb).scaled(node.boost)
            b = self._sum(self._words(BODY, words), True, nb)
            return _B(b.text, b.flat, b.present, len(words)).scaled(node.boost)
        if isinstance(node, wq.AndMaybe):
            a, b = self.bound(node.a), self.bound(node.b)
            return _B(a.text + b.text, a.flat + b.flat, a.present, a.count + b.count).scaled(node.boost)
        if isinstance(node, wq.AndNot):
            return self.bound(node.a).scaled(node.boost)
        if isinstance(node, wq.Not):
            return self._everywhere().scaled(node.boost)
        if isinstance(node, NamedTitle):
            return self._from_scored(sc._named_title(node))
        if isinstance(node, wq.And):
            required = [q for q in node.subqueries if not isinstance(q, wq.Not)]
            if not required:
                return self._everywhere().scaled(node.boost)
            return self._sum([self.bound(q) for q in required], True, nb).scaled(node.boost)
        if isinstance(node, wq.Or):
            b = self._sum([self.bound(q) for q in node.subqueries], False, nb)
            scale = getattr(node, "scale", None)
            if scale and len(node.subqueries) > 1:
                T = sc.leaf_count(node)
                if T == 0 or T == scale:
                    z = np.zeros(nb)
                    b = _B(z, z, b.present, b.count)
                else:
                    f = (T - 1) / T
                    if f < 0:
                        raise Unbounded("coordination below zero")
                    bonus = max(b.count - 1, 0) / (T - scale) ** 2
                    b = _B(b.text * f, (b.flat + bonus) * f, b.present, b.count)
            return b.scaled(node.boost)
        if isinstance(node, wq.DisjunctionMax):
            b = self._sum([self.bound(q) for q in node.subqueries], False, nb)
            tb = node.tiebreak if node.tiebreak is not None else 0.0
            if tb < 0:
                raise Unbounded("a negative tiebreak")
            if tb > 1:
                b = _B(b.text * tb, b.flat * tb, b.present, b.count)
            return b.scaled(node.boost)
        if isinstance(node, wq.Every):
            return self._everywhere()
        if isinstance(node, (wq.Prefix, wq.Wildcard, wq.FuzzyTerm, wq.TermRange)):
            field_ = node.fieldname
            if field_ in REPORT_FIELDS:
                return self._from_scored(sc._report_level(node))
            if field_ not in PASSAGE_TEXT_FIELDS:
                return self._empty()
            return self._sum([self._term(field_, t) for t in sc.expansion_terms(node)], False, nb).scaled(node.boost)
        if isinstance(node, wq.NullQuery.__class__):
            return self._empty()
        if isinstance(node, wq.Query) and getattr(node, "fieldname", None) in REPORT_FIELDS:
            return self._from_scored(sc._report_level(node))
        raise Unbounded(f"no bound for {node!r}")


def report_blocks(bi: BlockIndex, cp, docnums: np.ndarray) -> np.ndarray:
    """Which blocks hold a passage of the reports ``docnums`` (global, ascending)."""
    diff = np.zeros(bi.nb + 1, np.int64)
    for i, v in enumerate(cp.views):
        lo, hi = np.searchsorted(docnums, [v.docbase, v.docbase + v.reader.doc_count_all()])
        if hi <= lo:
            continue
        local = docnums[lo:hi] - v.docbase
        local = local[local < v.passages.reports]
        first = v.passages.r_first[local].astype(np.int64)
        end = v.passages.r_first[local + 1].astype(np.int64)
        ok = end > first
        first, end = first[ok] + cp.base[i], end[ok] + cp.base[i]
        np.add.at(diff, first >> bi.shift, 1)
        np.add.at(diff, ((end - 1) >> bi.shift) + 1, -1)
    return np.cumsum(diff[:-1]) > 0
