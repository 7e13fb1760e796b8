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
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from whoosh import query as wq

from .passage_index import FIGURES_FLAG, SegmentPassages, kind_code
from .query import NamedTitle, Near, titled
from .ranking import RankingConfig
from .schema import BODY, HAS_FIGURES, HEADING, KIND, PASSAGE_ATTRIBUTE_FIELDS, SUBJECTS, \
    PASSAGE_TEXT_FIELDS, REPORT_FIELDS, REPORT_FILTER_FIELDS, UNITS

TEXT_FIELDS = PASSAGE_TEXT_FIELDS
PASSAGE_FIELDS = PASSAGE_ATTRIBUTE_FIELDS
MAX_EXPANSIONS = 512
_POS_SHIFT = 20          # key = candidate << 20 | position (positions < 65536)


class OutOfTime(Exception):
    """The scorer's deadline passed (raised between nodes, caught by the search)."""


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

    def concept_count(self, name: str, local: int) -> int:
        """How many passages a concept without whole forms (a year, a region, an intent)
        matches: ``local``, what its query matched here (a shard's statistics say how many
        it matches in every shard)."""
        return local


ReportMatcher = Callable[[wq.Query], tuple[np.ndarray, np.ndarray]]


def figure_passages(cp, group: list) -> Optional[np.ndarray]:
    """The passages (ascending) with a figure whose subject holds every word of one of the
    alternatives ``group`` ([(text, its tokens)]: a concept, its synonyms), or None: the
    ``subjects`` postings of each alternative's words intersected, the alternatives'
    passages united. Kept per snapshot (the NodeCache of ``cp``, the snapshot's passages):
    a concept's alternatives recur in query after query."""
    words = tuple(tuple(dict.fromkeys(tokens or [whole])) for whole, tokens in group)
    cache = NodeCache.of(cp)
    key = ("figure_passages", words)
    hit = cache.get(key)
    if hit is not None:
        return hit[0]
    about = None
    for alternative in words:
        found = None
        for t in alternative:
            post = cp.field_postings(SUBJECTS, t)
            if post is None:
                found = None
                break
            found = post[0] if found is None else np.intersect1d(found, post[0], assume_unique=True)
        if found is not None and len(found):
            about = found if about is None else np.union1d(about, found)
    cache.put(key, (about,), always=True)
    return about

PRESENCE_MIN = 20_000           # postings from which a word's presence is kept as bits (Scorer.matching)
NODE_CACHE_BYTES = 128 << 20    # what a NodeCache keeps, for every thread of an index generation (LRU) ...
NODE_CACHE_PER_PASSAGE = 192    # ... or this many bytes a passage of the index, when more (at most NODE_CACHE_MAX)
NODE_CACHE_MAX = 1 << 30
NODE_CACHE_ENV = "SEARCHLIB_NODE_CACHE_MB"    # set: the budget in MB, whatever the index's size
NODE_CACHE_MIN = 1 << 12        # ... those of at least this many bytes (smaller ones cost little to redo)
_NODE_ENTRY_BYTES = 256          # what an entry costs besides its arrays


def node_key(node: wq.Query, memo: Optional[dict] = None):
    """A key that two query trees share exactly when the scorer evaluates them alike: the
    node's class and every attribute the scorer reads (field, words, boost, slop or window,
    scale, tiebreak, a named rule's name), its children's keys; None for a node whose result
    is not kept (multi-term expansions, report-field ranges: they depend on more than that).
    ``memo`` (id → (node, key)) spares recomputing the keys of subtrees."""
    if memo is not None:
        hit = memo.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1]
    key = _node_key(node, memo)
    if memo is not None:
        memo[id(node)] = (node, key)
    return key


def _text_key(text):
    return (type(text).__name__, text)


def _children(nodes, memo) -> Optional[tuple]:
    keys = tuple(node_key(q, memo) for q in nodes)
    return None if any(k is None for k in keys) else keys


def _node_key(node, memo):
    cls = type(node)
    boost = float(node.boost) if hasattr(node, "boost") else 1.0
    if cls is wq.Term:
        return ("Term", node.fieldname, _text_key(node.text), boost)
    if cls is Near:
        return ("Near", node.fieldname, tuple(_text_key(w) for w in node.words), node.window, boost)
    if cls is wq.Phrase:
        return ("Phrase", node.fieldname, tuple(_text_key(w) for w in node.words), node.slop, boost)
    if cls is NamedTitle:
        subs = _children(node.subqueries, memo)
        return None if subs is None else ("NamedTitle", node.name, subs, boost)
    if cls in (wq.AndMaybe, wq.AndNot):
        a, b = node_key(node.a, memo), node_key(node.b, memo)
        return None if a is None or b is None else (cls.__name__, a, b, boost)
    if cls is wq.Not:
        q = node_key(node.query, memo)
        return None if q is None else ("Not", q, boost)
    if cls in (wq.And, wq.Or, wq.DisjunctionMax):
        subs = _children(node.subqueries, memo)
        if subs is None:
            return None
        return (cls.__name__, subs, boost, getattr(node, "scale", None), getattr(node, "tiebreak", None))
    if cls is wq.Every:
        return ("Every", getattr(node, "fieldname", None), boost)
    return None


class _Packed:
    """A Scored as a NodeCache keeps it, in fewer bytes and exactly: passage ids as int32
    where they fit (an index of fewer than 2**31 passages), and a part whose every value is
    the same (the flat part of a text node, 0; the count of a word, 1) as that one value:
    a common word's whole result is then 12 bytes a passage instead of 28, so that the
    concepts of more queries stay (at 100,000 reports one concept can match a million
    passages)."""
    __slots__ = ("ids", "text", "flat", "count")

    def __init__(self, r: Scored):
        n = len(r.ids)
        self.ids = r.ids.astype(np.int32) if n and int(r.ids[-1]) < 2 ** 31 else r.ids   # (ascending)
        self.text = r.text
        self.flat = _same(r.flat)
        self.count = _same(r.count)

    def arrays(self) -> tuple:
        return (self.ids, self.text, self.flat, self.count)

    def unpack(self) -> Scored:
        n = len(self.ids)
        flat = self.flat if isinstance(self.flat, np.ndarray) else np.full(n, self.flat[0], np.float64)
        count = self.count if isinstance(self.count, np.ndarray) else np.full(n, self.count[0], np.int32)
        return Scored(self.ids.astype(np.int64), self.text, flat, count)


def _same(values: np.ndarray):
    """``values``, or (its one value,) when every value is the same, bit for bit."""
    if not len(values):
        return values
    bits = values.view(np.uint64) if values.dtype == np.float64 else values
    return (values[0],) if (bits == bits[0]).all() else values


class NodeCache:
    """Whole-index results of query nodes (``Scored``), and other per-generation results of
    the evaluation (report fields' passages, figure subjects, words' presence), kept for
    one index generation: a concept and its synonyms recur in query after query, and
    evaluating one is a few numpy calls per leaf (dozens of leaves for a concept with
    synonyms). A result is kept only when it is exact (not cut short by the deadline, no
    note); what is kept is never changed. Bounded by bytes; the least recently used go
    first. ``IndexSearcher`` gives the snapshots of every thread of one generation the
    same cache (``attach``), and a new generation a new one; safe from several threads."""

    @classmethod
    def for_passages(cls, passages: int) -> "NodeCache":
        """A cache for an index (or a shard) of ``passages`` passages: NODE_CACHE_BYTES, or
        NODE_CACHE_PER_PASSAGE bytes a passage up to NODE_CACHE_MAX (a concept matches more
        passages in a larger index: at 100,000 reports the concepts of a few dozen queries
        take about 0.5 GB, and re-evaluating them made most of a query's time);
        SEARCHLIB_NODE_CACHE_MB overrides it."""
        written = os.environ.get(NODE_CACHE_ENV, "").strip()
        if written:
            try:
                return cls(max_bytes=max(int(float(written) * (1 << 20)), 0))
            except ValueError:
                pass
        return cls(max_bytes=max(NODE_CACHE_BYTES, min(NODE_CACHE_MAX, NODE_CACHE_PER_PASSAGE * int(passages))))

    def __init__(self, max_bytes: Optional[int] = None, min_bytes: Optional[int] = None):
        self.max_bytes = NODE_CACHE_BYTES if max_bytes is None else max_bytes
        self.min_bytes = NODE_CACHE_MIN if min_bytes is None else min_bytes
        self.bytes = 0
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def of(cls, owner) -> "NodeCache":
        """The cache kept on ``owner`` (a snapshot's passages), made on first use."""
        cache = owner.__dict__.get("_node_cache")
        if cache is None:
            cache = owner.__dict__["_node_cache"] = cls()
        return cache

    def attach(self, owner) -> "NodeCache":
        """Make this the cache ``of(owner)``."""
        owner.__dict__["_node_cache"] = self
        return self

    def __len__(self):
        return len(self._entries)

    def get(self, key) -> Optional[Scored]:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            r = hit[0]
        return r.unpack() if isinstance(r, _Packed) else r

    def put(self, key, r, always: bool = False) -> None:
        """Keep ``r`` (a Scored, kept packed: ``_Packed``; or a tuple of arrays and small
        values) under ``key``; ``always``: however small it is."""
        if isinstance(r, Scored):
            r = _Packed(r)
        parts = r if isinstance(r, tuple) else r.arrays()
        size = sum(getattr(a, "nbytes", 0) for a in parts) + _NODE_ENTRY_BYTES
        if (size < self.min_bytes and not always) or size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (r, size)
            self.bytes += size
            while self.bytes > self.max_bytes and self._entries:
                _, (_, old) = self._entries.popitem(last=False)
                self.bytes -= old


class Scorer:
    """Evaluates query trees over a set of passages (``segments.CombinedPassages``, or a
    single ``SegmentPassages`` with the same methods). ``reports(node)`` evaluates a
    query on report fields and returns (global report docnums, ascending; scores)."""

    def __init__(self, sp, stats: CorpusStats, config: RankingConfig,
                 reports: Optional[ReportMatcher] = None, report_title: Optional[Callable[[int], str]] = None,
                 domain=None, parent: Optional["Scorer"] = None, cache: Optional[NodeCache] = None):
        self.sp = sp
        self.stats = stats
        self.config = config
        self.reports = reports
        self.report_title = report_title      # global report docnum -> its title
        self._memo: dict = {}
        # ``domain`` (prune.Domain): only the passages of some blocks exist for this scorer
        # (every leaf is cut to them, so every node's result is its whole result restricted
        # to them); ``parent``: the scorer of the whole index, whose leaves it shares
        self.domain = domain
        self.parent = parent
        self._shared: dict = parent._shared if parent is not None else self._memo
        self.notes: list[str] = []
        self.deadline: Optional[float] = None     # time.perf_counter() value; None: no bound
        self.partial = False                      # the deadline cut the evaluation short
        # ``cache``: whole-index results of earlier searches of the same snapshot (NodeCache;
        # the scorer of the whole index only: a domain scorer cuts its results from it)
        self.cache = cache if parent is None and domain is None else None
        self._keys: dict = {}

    # -- entry ------------------------------------------------------------------------
    def evaluate(self, node: wq.Query, within: Optional[np.ndarray] = None) -> Scored:
        """The passages matching ``node`` and their scores; with ``within`` (ascending
        passage ids), only those among them: a conjunction evaluates its rarest part
        first and the others only where it matched, so common words cost little."""
        if within is None:
            hit = self._memo.get(("node", id(node)))
            if hit is not None and hit[0] is node:
                return hit[1]
        if self.parent is not None and self.domain is not None:
            # evaluated whole already (for the bounds, or by an earlier search): its part in the domain
            whole = self.parent._memo.get(("node", id(node)))
            whole = whole[1] if whole is not None and whole[0] is node else self.cached_whole(node)
            if whole is not None:
                r = self._cut(whole)
                if within is not None:
                    return _restrict(r, within)
                self._memo[("node", id(node))] = (node, r)
                return r
        ckey = None
        if self.cache is not None:
            ckey = self._cache_key(node)
            if ckey is not None:
                whole = self.cache.get(ckey)
                if whole is not None:
                    if within is not None:
                        return _restrict(whole, within)
                    self._memo[("node", id(node))] = (node, whole)
                    return whole
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise OutOfTime()
        if within is not None:
            return self._evaluate(node, within)
        key = ("node", id(node))
        notes, partial = len(self.notes), self.partial
        result = self._evaluate(node, None)
        self._memo[key] = (node, result)
        if ckey is not None and len(self.notes) == notes and self.partial == partial:
            # exact: not cut short by the deadline (an Or ranked on the concepts it had time
            # for), no note (an expansion cut at MAX_EXPANSIONS)
            self.cache.put(ckey, result)
        return result

    def _root(self) -> "Scorer":
        root = self
        while root.parent is not None:
            root = root.parent
        return root

    def _cache_key(self, node: wq.Query, part: str = "node"):
        """The NodeCache key of ``node`` for this scorer's ranking (what a leaf's score reads
        of it), or None (not kept: a word's result is its cached postings scored, a few numpy
        calls, not worth the memory). ``part``: which result of the node ("node": its
        evaluation; "rlevel": its reports' passages, before its boost)."""
        if type(node) is wq.Term and node.fieldname in TEXT_FIELDS:
            return None
        nk = node_key(node, self._keys)
        if nk is None:
            return None
        cfg = self.config
        return (cfg.K1, cfg.B, cfg.body_B, cfg.kind_is_topical, part, nk)

    def cached_whole(self, node: wq.Query, part: str = "node") -> Optional[Scored]:
        """``node``'s whole-index result if an earlier search of this snapshot kept it."""
        root = self._root()
        if root.cache is None:
            return None
        ckey = root._cache_key(node, part)
        return None if ckey is None else root.cache.get(ckey)

    def keep_whole(self, node: wq.Query, result: Scored, part: str = "node") -> None:
        """Keep ``result``, ``node``'s exact whole-index result, for later searches."""
        root = self._root()
        if root.cache is not None:
            ckey = root._cache_key(node, part)
            if ckey is not None:
                root.cache.put(ckey, result)

    def matching(self, node: wq.Query, among: np.ndarray) -> np.ndarray:
        """The passages of ``among`` (ascending) that ``node`` matches. Evaluated on them
        alone (a common word's whole list is not scored), except by a scorer of the whole
        index without a NodeCache, whose evaluated leaves an explanation reads afterwards."""
        if self.domain is None and self.cache is None:
            return self.evaluate(node).ids
        if not len(among):
            return among
        present = self._presence(node)
        if present is None:
            return self.evaluate(node, among).ids
        kind, arr = present
        if kind == "ids":
            return among[_members(among, arr)]
        return among[((arr[among >> 3] >> (7 - (among & 7)).astype(np.uint8)) & 1).astype(bool)]

    def _presence(self, node: wq.Query) -> Optional[tuple[str, np.ndarray]]:
        """For a word (a Term on a text or report field, or an Or of such Terms): which
        passages of the whole index it matches, kept in the NodeCache: ("bits", a bit a
        passage in np.packbits order) for a word in PRESENCE_MIN passages or more, else
        ("ids", the passages, ascending); None for other nodes."""
        root = self._root()
        if root.cache is None:
            return None
        leaves = node.subqueries if type(node) is wq.Or else [node]
        if not all(type(q) is wq.Term and (q.fieldname in TEXT_FIELDS or q.fieldname in REPORT_FIELDS)
                   for q in leaves):
            return None
        words = tuple(sorted({(q.fieldname, q.text.decode("utf-8", "replace") if isinstance(q.text, bytes)
                               else q.text) for q in leaves}, key=repr))
        key = ("presence", words)
        hit = root.cache.get(key)
        if hit is not None:
            return hit
        found: list = []
        for field_, t in words:
            if field_ in TEXT_FIELDS:
                f = self._postings(field_, str(t))
                if f is not None:
                    found.append(f[0])
            elif root.reports is not None:
                # every passage of the reports it matches (as _term reads it), not kept as a
                # scored result: a title word (政府 of 政府工作报告) is in most reports' titles
                docnums, _ = root.reports(wq.Term(field_, t))
                if len(docnums):
                    found.append(np.sort(root.sp.report_passages(docnums)[0]))
        if sum(len(f) for f in found) < PRESENCE_MIN:
            ids = _sorted_union(found)
            present = ("ids", ids)
        else:
            mask = np.zeros(self.sp.passages, bool)
            for f in found:
                mask[f] = True
            present = ("bits", np.packbits(mask))
        root.cache.put(key, present, always=True)
        return present

    def count_full(self, node: wq.Query) -> int:
        """How many passages of the whole index ``node`` matches (a domain scorer asks its parent)."""
        root = self
        while root.parent is not None and root.domain is not None:
            root = root.parent
        return len(root.evaluate(node))

    def _cut(self, r: Scored) -> Scored:
        """``r`` (a result over the whole index) restricted to the domain."""
        if self.domain is None or not len(r):
            return r
        sel = self.domain.select(r.ids)
        return Scored(r.ids[sel], r.text[sel], r.flat[sel], r.count[sel])

    def _cut_ids(self, ids: np.ndarray) -> np.ndarray:
        return ids if self.domain is None or not len(ids) else ids[self.domain.select(ids)]

    def evaluated(self, node: wq.Query) -> bool:
        """Whether ``node`` has been evaluated whole (not cut short by the deadline)."""
        hit = self._memo.get(("node", id(node)))
        return hit is not None and hit[0] is node

    def leaf_results(self):
        """(field, text, Scored) of every whole term and phrase evaluated so far (for
        explanations); a phrase's text is its words in quotes."""
        for key, value in self._memo.items():
            if key[0] == "term":
                yield key[1], key[2], value
            elif key[0] == "node" and isinstance(value[0], wq.Phrase):
                node = value[0]
                yield node.fieldname, '"' + " ".join(map(str, node.words)) + '"', value[1]

    def _evaluate(self, node: wq.Query, within) -> Scored:
        if isinstance(node, wq.Term):
            return self._term(node.fieldname, node.text, within).scaled(node.boost)
        if isinstance(node, Near):
            return self._near(node, within)
        if isinstance(node, wq.Phrase):
            return self._phrase(node, within)
        if isinstance(node, wq.AndMaybe):
            a = self.evaluate(node.a, within)
            return self._and_maybe(a, self.evaluate(node.b, a.ids)).scaled(node.boost)
        if isinstance(node, wq.AndNot):
            a = self.evaluate(node.a, within)
            return self._exclude(a, self.evaluate(node.b, a.ids)).scaled(node.boost)
        if isinstance(node, wq.Not):
            universe = self._all(within)
            return self._exclude(universe, self.evaluate(node.query, universe.ids)).scaled(node.boost)
        if isinstance(node, NamedTitle):
            return _restrict(self._cut(self._named_title(node)), within)
        if isinstance(node, wq.And):
            return self._and(node, within)
        if isinstance(node, wq.Or):
            return self._or(node, within)
        if isinstance(node, wq.DisjunctionMax):
            # a concept and its synonyms: the best of them, plus tiebreak × the rest
            return self._union([self.evaluate(q, within) for q in node.subqueries],
                               tiebreak=node.tiebreak).scaled(node.boost)
        if isinstance(node, wq.Every):
            return self._all(within)
        if isinstance(node, (wq.Prefix, wq.Wildcard, wq.FuzzyTerm, wq.TermRange)):
            return self._multiterm(node, within)
        if isinstance(node, wq.NullQuery.__class__):
            return _empty()
        if isinstance(node, wq.Query) and getattr(node, "fieldname", None) in REPORT_FIELDS:
            return _restrict(self._cut(self._report_level(node)), within)
        raise ValueError(f"unsupported query node {node!r}")

    def estimate(self, node: wq.Query) -> float:
        """About how many passages ``node`` matches (to order the parts of a conjunction)."""
        if isinstance(node, wq.Term):
            if node.fieldname in TEXT_FIELDS:
                return self.stats.df(node.fieldname, str(node.text))
            return self.stats.N / 4
        if isinstance(node, wq.Phrase):
            return min((self.stats.df(node.fieldname, str(w)) for w in node.words), default=0) \
                if node.fieldname in TEXT_FIELDS else self.stats.N / 4
        if isinstance(node, (wq.AndMaybe, wq.AndNot)):
            return self.estimate(node.a)
        if isinstance(node, wq.And):
            return min((self.estimate(q) for q in node.subqueries if not isinstance(q, wq.Not)),
                       default=self.stats.N)
        if isinstance(node, wq.Or):
            return sum(self.estimate(q) for q in node.subqueries)
        return self.stats.N

    # -- leaves -----------------------------------------------------------------------
    def _term(self, field_: str, text, within=None) -> Scored:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if within is not None:
            key = ("term", field_, text)
            if key in self._memo:                    # already computed whole: restrict it
                return _restrict(self._memo[key], within)
            if field_ in TEXT_FIELDS:
                return self._text_term(field_, str(text), within)
            return _restrict(self._term(field_, text), within)
        key = ("term", field_, text)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        if field_ in TEXT_FIELDS:
            result = self._text_term(field_, str(text))
        elif field_ in PASSAGE_FIELDS:
            ids = self._cut_ids(self._attribute(field_, text))
            if field_ == KIND and self.config.kind_is_topical:
                # the section kind a query names is topical: concrete passages of that kind
                # come first (the concreteness factor multiplies it, as it does text scores)
                result = Scored(ids, np.ones(len(ids)), np.zeros(len(ids)), np.ones(len(ids), np.int32))
            else:
                result = _flat(ids, 1.0)
        elif field_ in REPORT_FIELDS:
            result = self._cut(self._report_level(wq.Term(field_, text)))
        else:
            result = _empty()
        self._memo[key] = result
        return result

    def _text_term(self, field_: str, term: str, within=None) -> Scored:
        if self.domain is None or (within is not None and self.domain.holds(within)):
            # (passages ``within`` the domain: found in the whole list, by binary search when
            # they are few, without cutting the list to the domain first)
            found = self._postings(field_, term)
        else:
            found = self._domain_postings(field_, term)
        if found is None:
            return _empty()
        ids, tf, length = found
        if within is not None:
            sel = _positions_in(ids, within)
            ids, tf, length = ids[sel], tf[sel], length[sel]
        cfg = self.config
        B = cfg.body_B if field_ == BODY else cfg.B
        K1 = cfg.K1
        idf = self.stats.idf(field_, term)
        tf = tf.astype(np.float64)
        norm = K1 * ((1.0 - B) + B * length / self.stats.avg_length[field_])
        score = idf * (tf * (K1 + 1.0)) / (tf + norm)
        return Scored(ids, score, np.zeros(len(ids)), np.ones(len(ids), np.int32))

    def _postings(self, field_: str, term: str):
        """The term's postings over the whole index (ids, tf, length), shared with the parent."""
        key = ("postings", field_, term)
        memo = self._shared
        if key not in memo:
            memo[key] = self.sp.field_postings(field_, term)
        return memo[key]

    def _domain_postings(self, field_: str, term: str):
        """The term's postings in the domain's blocks (slices of the whole list)."""
        key = ("dpostings", field_, term)
        if key not in self._memo:
            found = self._postings(field_, term)
            if found is not None:
                sel = self.domain.select(found[0])
                found = (found[0][sel], found[1][sel], found[2][sel])
                if not len(found[0]):
                    found = None
            self._memo[key] = found
        return self._memo[key]

    def _attribute(self, field_: str, value) -> np.ndarray:
        """Passages whose kind / figures / units attribute matches."""
        key = ("attr", field_, str(value))
        hit = self._shared.get(key)
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
            found = self._postings(UNITS, str(value))
            ids = found[0] if found is not None else np.zeros(0, np.int64)
        self._shared[key] = ids
        return ids

    def _named_title(self, node: NamedTitle) -> Scored:
        key = ("ntitle", id(node))
        hit = self._shared.get(key)
        if hit is not None and hit[0] is node:
            return hit[1]
        result = self._named_title_whole(node)
        self._shared[key] = (node, result)
        return result

    def _named_title_whole(self, node: NamedTitle) -> Scored:
        """Every passage of the reports whose title is the rule ``node.name`` itself, scored
        as a saturated mention of the name's words (× the node's boost)."""
        if self.reports is None or self.report_title is None:
            return _empty()
        docnums, _ = self.reports(wq.And(node.subqueries))
        docnums = np.asarray([d for d in docnums.tolist() if titled(self.report_title(d), node.name)], np.int64)
        if not len(docnums):
            return _empty()
        ids, _ = self.sp.report_passages(docnums)
        ids = np.sort(ids)
        # as if each article said the name as strongly as BM25 allows (its own articles say 本法)
        full = sum(self.stats.idf(BODY, str(t.text)) for t in node.subqueries) * (self.config.K1 + 1)
        n = len(ids)
        return Scored(ids.astype(np.int64), np.full(n, full * node.boost), np.zeros(n), np.ones(n, np.int32))

    def _report_level(self, node: wq.Query) -> Scored:
        """Every passage of the reports matching ``node`` (over the whole index, shared)."""
        key = ("rlevel", repr(node))
        hit = self._shared.get(key)
        if hit is None:
            # a region's, year's or type's passages: kept for the snapshot's later searches too
            whole = type(node) is wq.Term
            hit = self.cached_whole(node, "rlevel") if whole else None
            if hit is None:
                hit = self._report_level_whole(node)
                if whole:
                    self.keep_whole(node, hit, "rlevel")
            self._shared[key] = hit
        return hit

    def _report_level_whole(self, node: wq.Query) -> Scored:
        if self.reports is None:
            return _empty()
        docnums, scores = self.reports(node)
        if not len(docnums):
            return _empty()
        ids, owner = self.sp.report_passages(docnums)
        order = np.argsort(ids, kind="stable")
        if isinstance(node, wq.Term) and node.fieldname in REPORT_FILTER_FIELDS:
            # a region, year or type either is the report's or is not: its boost, not a BM25
            # score of a one-word field
            flat = np.full(len(ids), float(node.boost))
        else:
            flat = np.asarray(scores, np.float64)[owner][order]     # a report's score, not the passage's text
        return Scored(ids[order], np.zeros(len(ids)), flat, np.ones(len(ids), np.int32))

    def _phrase(self, node: wq.Phrase, within=None) -> Scored:
        words = [w.decode() if isinstance(w, bytes) else w for w in node.words]
        if not words:
            return _empty()
        if node.fieldname != BODY or len(words) == 1:
            return self._conjunction([wq.Term(node.fieldname, w) for w in words], within).scaled(node.boost)
        postings = [self._postings(BODY, w) for w in words]
        if any(p is None for p in postings):
            return _empty()
        cand = self._candidates(postings, within)
        if not len(cand):
            return _empty()
        cur = None
        slop = max(int(node.slop), 1)
        for w, (ids, tf, _) in zip(words, postings):
            owner, pos = self.sp.term_positions(w, ids, tf, cand)
            # (candidate, position) keys, ascending: candidates and each one's positions are
            keys = (owner.astype(np.int64) << _POS_SHIFT) | pos.astype(np.int64)
            if cur is None:
                cur = keys
            else:
                hit = np.zeros(len(keys), bool)
                for d in range(1, slop + 1):      # this word 1..slop positions after the previous one
                    hit |= _members(keys - d, cur)
                cur = keys[hit]
            if not len(cur):
                return _empty()
        found = cur >> _POS_SHIFT
        cand = cand[found[np.r_[True, found[1:] != found[:-1]]]]
        # scored as the sum of its words, where they all occur in order
        parts = [self._term(BODY, w, cand) for w in words]
        text = np.sum([p.text for p in parts], axis=0)
        return Scored(cand, text, np.zeros(len(cand)), np.full(len(cand), len(words), np.int32)).scaled(node.boost)

    def _candidates(self, postings, within):
        """Passages with every word, from the raw postings, rarest first."""
        cand = within
        for ids, _, _ in sorted(postings, key=lambda p: len(p[0])):
            if cand is None and self.domain is not None:
                cand = self._cut_ids(ids)
                continue
            cand = ids if cand is None else cand[_positions_in(cand, ids)] if len(cand) < len(ids) \
                else ids[_positions_in(ids, cand)]
            if not len(cand):
                break
        return cand

    def _all_words(self, words: list, within=None):
        """The body postings of ``words`` and the passages (within ``within``) holding every
        one of them; (postings, None) when none does."""
        postings = [self._postings(BODY, w) for w in words]
        if not words or any(p is None for p in postings):
            return postings, None
        cand = self._candidates(postings, within)
        return postings, (cand if cand is not None and len(cand) else None)

    def _near(self, node, within=None) -> Scored:
        words = list(dict.fromkeys(str(w) for w in node.words))
        postings, cand = self._all_words(words, within)
        if cand is None:
            return _empty()
        keys = []
        for w, (ids, tf, _) in zip(words, postings):
            owner, pos = self.sp.term_positions(w, ids, tf, cand)
            keys.append((owner.astype(np.int64) << _POS_SHIFT) | pos.astype(np.int64))
        anchor = min(range(len(words)), key=lambda i: len(keys[i]))
        a = keys[anchor]
        ok = np.ones(len(a), bool)
        floor = (a >> _POS_SHIFT) << _POS_SHIFT          # the anchor's passage: never look into the one before
        for i, k in enumerate(keys):
            if i != anchor:
                lo = np.searchsorted(k, np.maximum(a - node.window, floor))
                hi = np.searchsorted(k, a + node.window, side="right")
                ok &= hi > lo
        found = a[ok] >> _POS_SHIFT
        if not len(found):
            return _empty()
        cand = cand[np.unique(found)]
        parts = [self._term(BODY, w, cand) for w in words]
        text = np.sum([p.text for p in parts], axis=0)
        return Scored(cand, text, np.zeros(len(cand)), np.full(len(cand), len(words), np.int32)).scaled(node.boost)

    def _multiterm(self, node, within=None) -> Scored:
        field_ = node.fieldname
        if field_ in REPORT_FIELDS:
            return _restrict(self._cut(self._report_level(node)), within)
        if field_ not in TEXT_FIELDS:
            return _empty()
        subs = [self._term(field_, t, within) for t in self.expansion_terms(node)]
        return self._union(subs).scaled(node.boost)

    def expansion_terms(self, node) -> list[str]:
        """The index terms a Prefix, Wildcard, FuzzyTerm or TermRange on a text field stands
        for (at most MAX_EXPANSIONS; a note says when there were more)."""
        field_ = node.fieldname
        sp = self.sp
        if isinstance(node, wq.TermRange):
            terms = sp.terms_between(field_, node.start or None, None, 100_000)
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
            terms = sp.terms_between(field_, prefix, prefix + "\U0010ffff", 100_000)
            if accept is not None:
                terms = [t for t in terms if accept(t)]
        if len(terms) > MAX_EXPANSIONS:
            self.notes.append(f"{node} matches more than {MAX_EXPANSIONS} index terms; only the first "
                              f"{MAX_EXPANSIONS} were searched")
            terms = terms[:MAX_EXPANSIONS]
        return terms

    def _all(self, within=None) -> Scored:
        if within is None:
            ids = np.arange(self.sp.passages, dtype=np.int64) if self.domain is None else self.domain.ids()
        else:
            ids = within
        return _flat(ids, 0.0)

    # -- combinations -----------------------------------------------------------------
    def _conjunction(self, required: list[wq.Query], within, excluded: list[wq.Query] = ()) -> Scored:
        """Every one of ``required``, none of ``excluded``: the rarest part first, each
        next part evaluated only on the passages that still match."""
        if not required:
            result = self._all(within)
        else:
            result = None
            for q in sorted(required, key=self.estimate):
                part = self.evaluate(q, within if result is None else result.ids)
                result = part if result is None else self._intersect(result, part)
                if not len(result):
                    return _empty()
        for q in excluded:
            result = self._exclude(result, self.evaluate(q, result.ids))
        return result

    def _and(self, node: wq.And, within=None) -> Scored:
        required = [q for q in node.subqueries if not isinstance(q, wq.Not)]
        excluded = [q.query for q in node.subqueries if isinstance(q, wq.Not)]
        return self._conjunction(required, within, excluded).scaled(node.boost)

    def _or(self, node: wq.Or, within=None) -> Scored:
        scale = getattr(node, "scale", None)
        subs = []
        for q in node.subqueries:
            try:
                subs.append(self.evaluate(q, within))
            except OutOfTime:
                if not scale or not subs:
                    raise
                # the query's concepts (a coordinated Or): out of time after some of them,
                # rank on those; the rest of the plan is cheap and runs unbounded
                self.partial, self.deadline = True, None
                break
        result = self._union(subs)
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
        ia, ib = _matches(a.ids, b.ids)
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

    def _union(self, subs: list[Scored], tiebreak: Optional[float] = None) -> Scored:
        """Passages matching any of ``subs``, their scores summed; with ``tiebreak``, the
        best score plus ``tiebreak`` × the others' (Lucene's DisjunctionMax)."""
        subs = [s for s in subs if len(s)]
        if not subs:
            return _empty()
        if len(subs) == 1:
            return subs[0]
        total = sum(len(s) for s in subs)
        n = self.sp.passages
        if total * 4 > n:       # a large share of the passages: accumulate densely (no sorting)
            # (only the arrays needed: zeroing and scattering over every passage is the cost)
            text = np.zeros(n)
            has_flat = any(s.flat.any() for s in subs)
            flat = np.zeros(n) if has_flat else None
            count = np.zeros(n, np.int16)
            best = np.zeros(n) if tiebreak is not None else None
            for s in subs:
                text[s.ids] += s.text
                if has_flat:
                    flat[s.ids] += s.flat
                count[s.ids] += s.count.astype(np.int16, copy=False)
                if best is not None:
                    np.maximum.at(best, s.ids, s.text)
            ids = np.flatnonzero(count)
            flat_ids = flat[ids] if has_flat else np.zeros(len(ids))
            counts = count[ids].astype(np.int32)
            if best is not None:
                return Scored(ids, best[ids] + tiebreak * (text[ids] - best[ids]), flat_ids, counts)
            return Scored(ids, text[ids], flat_ids, counts)
        # otherwise merge the sorted lists: a stable sort of concatenated sorted runs is a
        # merge (timsort), then equal ids are summed. The sums add the lists one after the
        # other, as the dense accumulation does: a passage's score is then the same to the
        # last bit whichever way it is computed (a search pruned to some blocks of passages
        # takes this path where the whole index takes the other; see prune.py)
        ids = np.concatenate([s.ids for s in subs])
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        first = np.empty(len(ids), bool)
        first[0] = True
        np.not_equal(ids[1:], ids[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        group = np.empty(len(ids), np.int64)         # each concatenated entry's passage (index into starts)
        group[order] = np.cumsum(first) - 1

        def summed(values: list) -> np.ndarray:
            out = np.zeros(len(starts))
            at = 0
            for v in values:
                out[group[at:at + len(v)]] += v      # (a list holds a passage once)
                at += len(v)
            return out

        text = summed([s.text for s in subs])
        if tiebreak is not None:
            best = np.maximum.reduceat(np.concatenate([s.text for s in subs])[order], starts)
            text = best + tiebreak * (text - best)
        if any(s.flat.any() for s in subs):
            flat = summed([s.flat for s in subs])
        else:
            flat = np.zeros(len(starts))
        # how many lists each passage is in: the length of its run (each list counts its own)
        if all((s.count == 1).all() for s in subs):
            count = np.diff(np.append(starts, len(ids))).astype(np.int32)
        else:
            count = np.add.reduceat(np.concatenate([s.count for s in subs])[order], starts).astype(np.int32)
        return Scored(ids[starts], text, flat, count)

    @staticmethod
    def _and_maybe(a: Scored, b: Scored) -> Scored:
        if not len(a) or not len(b):
            return a
        ia, ib = _matches(a.ids, b.ids)
        text, flat, count = a.text.copy(), a.flat.copy(), a.count.copy()
        text[ia] += b.text[ib]
        flat[ia] += b.flat[ib]
        count[ia] += b.count[ib]
        return Scored(a.ids, text, flat, count)

    @staticmethod
    def _exclude(a: Scored, b: Scored) -> Scored:
        if not len(a) or not len(b):
            return a
        keep = ~_members(a.ids, b.ids)
        return Scored(a.ids[keep], a.text[keep], a.flat[keep], a.count[keep])


def _positions_in(ids: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Indexes of the elements of ascending ``ids`` that are in ascending ``within``:
    by binary search when one side is much smaller, else through a mask."""
    if not len(ids) or not len(within):
        return np.zeros(0, np.int64)
    if len(within) * 16 < len(ids):
        idx = np.searchsorted(ids, within)
        idx[idx >= len(ids)] = len(ids) - 1
        return idx[ids[idx] == within]
    return np.flatnonzero(_members(ids, within))


def _matches(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(indexes into a, indexes into b) of the ids both ascending arrays hold."""
    if len(a) * 16 < len(b) or len(b) * 16 < len(a):
        small, big, swap = (a, b, False) if len(a) <= len(b) else (b, a, True)
        idx = np.searchsorted(big, small)
        idx[idx >= len(big)] = len(big) - 1
        hit = big[idx] == small
        i_small, i_big = np.flatnonzero(hit), idx[hit]
        return (i_big, i_small) if swap else (i_small, i_big)
    where = np.empty(int(max(a[-1], b[-1])) + 1, np.int64)
    where[b] = np.arange(len(b))
    ia = np.flatnonzero(_members(a, b))
    return ia, where[a[ia]]


def _restrict(r: Scored, within) -> Scored:
    if within is None or not len(r):
        return r
    sel = _positions_in(r.ids, within)
    return Scored(r.ids[sel], r.text[sel], r.flat[sel], r.count[sel])


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """An ascending array without its repeats: a neighbour test, not np.unique (whose hash
    table or sort is work the order already did)."""
    if len(values) < 2:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def _sorted_union(lists: list) -> np.ndarray:
    """The ids of ascending id lists as one ascending list without repeats (a single list
    as it is; a sort and a neighbour test for several)."""
    if not lists:
        return np.zeros(0, np.int64)
    if len(lists) == 1:
        return np.asarray(lists[0]).astype(np.int64, copy=False)
    return sorted_unique(np.sort(np.concatenate(lists).astype(np.int64, copy=False), kind="stable"))


def _members(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in the ascending array ``sorted_set`` (no sorting): a
    binary search per value when there are few values, else a mask over the id range."""
    if not len(sorted_set) or not len(values):
        return np.zeros(len(values), bool)
    if len(values) * 16 < len(sorted_set):
        idx = np.searchsorted(sorted_set, values)
        idx[idx >= len(sorted_set)] = len(sorted_set) - 1
        return sorted_set[idx] == values
    hi = int(max(sorted_set[-1], values.max())) + 1
    if hi > 64 * (len(values) + len(sorted_set)):      # a sparse range: search after all
        idx = np.searchsorted(sorted_set, values)
        idx[idx >= len(sorted_set)] = len(sorted_set) - 1
        return sorted_set[idx] == values
    mask = np.zeros(hi, bool)
    mask[sorted_set] = True
    return mask[values]


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
