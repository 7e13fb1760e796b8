"""Searching a sharded index so that it ranks exactly like one index of the same documents.

Each shard is searched by a ``ShardSearcher`` (in this process, or in a Ray actor holding the
open shard: ``cluster.py``); a ``ShardedSearcher`` is the router with the interface of
``search.IndexSearcher`` (``plan``, ``search``, ``document``, ``documents`` …), so that
``api.SearchIndex`` and through it every command and web route work on shards unchanged.

What the ranking computes over the whole index is gathered from the shards first and sent
with the query (Elasticsearch's ``dfs_query_then_fetch``):

* on open and after any shard changes (``info``/``configure``): passages, live passages
  and field lengths (BM25's N and average lengths), the texts that occur more than once in
  the whole index (repeats are counted once: ``Snapshot.shared_texts``) and each rule's
  latest edition (``Snapshot.current_editions``);
* per query (``df``, ``expand``): the document frequency of every term the planner and the
  scorer look at (planning is repeated until it asks for no term whose frequency is
  unknown), the index terms of wildcards and ranges, and how many passages the concepts
  without whole forms (a year, a region, a section intent) match;
* then every shard scores its passages with those statistics (``rank``) and returns its
  best candidates (or all of them when the order is not by score); the router merges
  them, ranks the pool, leaves out repeats and near copies (``search._select``, reading
  the candidates' text from their shards), counts what the paging can show, fetches the
  hits from their shards (``fetch``) and merges the facets (``facets``).

Ties between equal scores are broken by (doc_id, passage number), doc_ids compared by their
path components: the order of a single index built from the same corpus folder, whose
passages are numbered in the order of its sorted walk. (A single index built from several
folders, or changed by updates, numbers some passages otherwise: there, equal scores may
be listed in another order.) A shard
that cannot be reached (``ShardUnavailable``, from a cluster client whose replicas are all
gone) is left out and named in ``result.missing_shards``.
"""
from __future__ import annotations

import heapq
import itertools
import math
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Optional

import numpy as np
from whoosh import query as wq
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.searching import Searcher

from .errors import DocumentNotFoundError, QuerySyntaxError, SearchlibError
from .metadata import region_table
from .models import SECTION_KINDS, Hit, SearchResult
from .passage_index import FIGURES_FLAG
from .query import Filters, NamedTitle, QueryBuilder, QueryPlan
from .ranking import DEFAULT_RANKING, RankingConfig
from .reports import stats_dict
from .schema import BODY, HEADING, META, PASSAGE_TEXT_FIELDS, REGION, RULE_KEY, TITLE
from .scorer import NodeCache, OutOfTime, Scorer
from .search import (_END_PAGES, _TIER, FACET_NAMES, NEAR_DUPLICATE_DROPS, POOL_FACTOR, PRUNE_TIME_SHARE,
                     REPORT_FACETS, SMALL_LIST, IndexSearcher, _best_term, _close_terms, _concat_matched, _dir_identity,
                     _filter_reading, _members, _Pruning, _Ranked, _select, exhaustive_by_default, holds_every_concept,
                     scoped_cap, search_arguments, search_timeout, timeout_error)

_MULTITERM = (wq.Prefix, wq.Wildcard, wq.FuzzyTerm, wq.TermRange)
CONTEXTS = 16            # searches a shard keeps (scorer and matches) for their fetch and facets
TEXT_PREFETCH = 4        # a remote shard sends the texts of its best (offset + limit + this) candidates
DF_CACHE = 200_000       # document frequencies the router keeps per generation of the shards


class ShardUnavailable(SearchlibError):
    """No replica of a shard answered (a cluster whose actors for it are all gone)."""

    def __init__(self, shard: int, why: str = ""):
        super().__init__(f"shard {shard} is unavailable" + (f" ({why})" if why else ""))
        self.shard = shard


class _Stale(Exception):
    """A shard's generation is not the one the router's statistics are of: gather them again."""


# ============================================================================ statistics

@dataclass
class GlobalStats:
    """Statistics of the whole sharded index that a shard scores with (plain data: it is
    sent to the shards with each query)."""
    N: int                                    # live passages (BM25's N)
    avg_length: dict                          # field -> average length over every passage
    dfs: dict = field(default_factory=dict)   # (field, term) -> passages holding it, every shard
    counts: dict = field(default_factory=dict)   # concept -> passages its query matches, every shard
    title_docs: int = 1                       # report records, deleted or not (Whoosh's doc_count_all)
    title_length: int = 0                     # title terms of all records (Whoosh's field_length)
    generation: tuple = ()                    # every shard's generation these are of (a shard keeps the
                                              # results it evaluated with them: NodeCache)


def _doc_ranks(doc_ids: dict) -> dict:
    """{shard: the place of each of its reports (by docnum; -1 for none) among the doc_ids of
    every shard}, doc_ids compared by their path components: the order of a single index's
    sorted corpus walk, which orders equal scores."""
    entries = [(d.split("/"), k, n) for k, ids in doc_ids.items() for n, d in enumerate(ids) if d is not None]
    entries.sort(key=lambda e: e[0])
    ranks = {k: np.full(len(ids), -1, np.int64) for k, ids in doc_ids.items()}
    for place, (_, k, n) in enumerate(entries):
        ranks[k][n] = place
    return ranks


def _generation(tokens: list) -> tuple:
    """Every shard's generation as one hashable value (a shard's token may come back from a
    remote call as a list)."""
    return tuple(tuple(t) if t is not None else None for t in tokens)


class ShardStats:
    """``scorer.CorpusStats`` of the whole index as one shard sees it: N, average lengths
    and document frequencies from ``GlobalStats``; the shard's own segments (its
    vocabulary, for suggestions). A term the router did not gather (it should gather all)
    falls back to the shard's own count and is listed in ``missing``."""

    def __init__(self, local, g: GlobalStats):
        self.segments = local.segments
        self.N = g.N
        self.avg_length = g.avg_length
        self._local = local
        self._g = g
        self.missing: set = set()

    def df(self, field_: str, term: str) -> int:
        n = self._g.dfs.get((field_, term))
        if n is None:
            self.missing.add((field_, term))
            return self._local.df(field_, term)
        return n

    def idf(self, field_: str, term: str) -> float:
        return math.log(self.N / (self.df(field_, term) + 1)) + 1.0

    def concept_count(self, name: str, local: int) -> int:
        return self._g.counts.get(name, local)


class _RouterStats:
    """The statistics the router plans with: N and document frequencies of every shard
    (those not gathered yet are recorded in ``asked`` and read as 0 until they are)."""

    def __init__(self, N: int, known: dict):
        self.N = N
        self.known = known
        self.asked: set = set()
        self.unknown: set = set()

    def df(self, field_: str, term: str) -> int:
        key = (field_, term)
        self.asked.add(key)
        n = self.known.get(key)
        if n is None:
            self.unknown.add(key)
            return 0
        return n


class _IndexWideBM25F(BM25F):
    """Whoosh's BM25F (as a single index scores ``title:`` queries) with the title's idf and
    average length of every shard."""

    def __init__(self, g: GlobalStats):
        super().__init__()
        self.g = g

    def scorer(self, searcher, fieldname, text, qf=1):
        s = super().scorer(searcher, fieldname, text, qf=qf)
        if fieldname == TITLE and isinstance(s, BM25FScorer):
            df = self.g.dfs.get((TITLE, text.decode("utf-8") if isinstance(text, bytes) else str(text)))
            if df is not None:
                s.idf = math.log(self.g.title_docs / (df + 1)) + 1
            s.avgfl = (self.g.title_length / (self.g.title_docs or 1)) or 1
        return s


def _names_title(node) -> bool:
    return getattr(node, "fieldname", None) == TITLE or any(_names_title(c) for c in node.children())


def stats_keys(plan: QueryPlan) -> tuple[set, list]:
    """The (field, term) pairs whose document frequency scoring ``plan`` reads, and its
    wildcard and range nodes on text fields (their terms are each shard's)."""
    keys: set = set()
    multi: list = []

    def walk(node):
        if isinstance(node, NamedTitle):
            keys.update((BODY, str(t.text)) for t in node.subqueries)
            return
        if isinstance(node, wq.Term):
            if node.fieldname in PASSAGE_TEXT_FIELDS or node.fieldname == TITLE:
                text = node.text.decode("utf-8", "replace") if isinstance(node.text, bytes) else str(node.text)
                keys.add((node.fieldname, text))
            return
        if isinstance(node, wq.Phrase):
            if node.fieldname in PASSAGE_TEXT_FIELDS:
                keys.update((node.fieldname, w.decode() if isinstance(w, bytes) else str(w)) for w in node.words)
            return
        if isinstance(node, _MULTITERM):
            if node.fieldname in PASSAGE_TEXT_FIELDS:
                multi.append(node)
            return
        for child in node.children():
            walk(child)

    walk(plan.query)
    for q in plan.concept_queries:
        walk(q)
    for q in plan.named_rules:
        walk(q)
    for name in plan.concept_names:
        for words in plan.whole_parts(name):
            for q in words:
                walk(q)
        for tokens in plan.whole_forms(name):
            keys.update((BODY, t) for t in tokens)
    for concept in plan.subject_concepts():      # the words ``unmatched`` looks up
        forms = plan.forms.get(concept)
        for w in (forms[0][1] if forms else []):
            keys.update(((BODY, w), (HEADING, w)))
    return keys, multi


def counted_concepts(plan: QueryPlan) -> list[str]:
    """The concepts whose weight in the coordination is the number of passages their query
    matches (no whole forms: a year, a region, an intent word)."""
    if plan.advanced or not plan.concept_queries:
        return []
    if len(plan.concept_queries) == 1 and not plan.whole_parts(plan.concept_names[0]):
        return []
    return [n for n in plan.concept_names if not plan.whole_forms(n)]


# ============================================================================ the shard's side

@dataclass
class _Context:
    """What a shard keeps of one search for its fetch and facets."""
    plan: QueryPlan
    scorer: Scorer
    ids: np.ndarray
    tier: np.ndarray
    score: np.ndarray
    text: np.ndarray
    flat: np.ndarray
    factor: np.ndarray
    prior: np.ndarray
    answer: np.ndarray
    snap: object = None        # the snapshot it ranked (checked on disk then): its later calls read it
    token: tuple = ()


class ShardSearcher:
    """One shard of a sharded index, searched for a router (``ShardedSearcher``). Every
    method takes the shard generation the router's statistics are of (``token``) and
    answers ``{"stale": True}`` when the shard has another one (or has not been told the
    index-wide facts of it by ``configure``); arguments and answers are plain data."""

    def __init__(self, path, ranking: RankingConfig = DEFAULT_RANKING, shard: int = 0):
        self.path = Path(path)
        self.shard = shard
        self.ranking = ranking
        self.searcher = IndexSearcher(self.path, ranking)
        self._facts: Optional[tuple] = None       # (token, shared hashes, rule latest dates, doc ranks)
        self._masks: dict = {}                    # token -> (shared mask, current editions)
        self._contexts: OrderedDict = OrderedDict()
        self._caches: dict = {}                   # (generations) -> NodeCache (_node_cache)
        self._lock = threading.Lock()

    def close(self) -> None:
        self.searcher.close()

    # -- generations ------------------------------------------------------------------
    def _token(self, snap) -> tuple:
        ident = _dir_identity(self.path)
        return (ident[1] if ident else 0, -1 if snap.generation is None else int(snap.generation))

    def _snap(self, token, configured: bool = True):
        snap = self.searcher.snapshot()
        mine = self._token(snap)
        if token is not None and tuple(token) != mine:
            raise _Stale()
        if configured:
            facts = self._facts
            if facts is None or facts[0] != mine:
                raise _Stale()
            masks = self._masks.get(mine)
            if masks is None:
                masks = self._masks[mine] = self._global_masks(snap, facts)
                for old in [t for t in self._masks if t != mine]:
                    self._masks.pop(old, None)
            # the index-wide facts in the snapshot's caches, where its methods read them
            snap.tables["__shared__"], snap.tables["__current__"] = masks
            snap.tables["__global_doc_rank__"] = facts[3]
        return snap

    def _global_masks(self, snap, facts) -> tuple[np.ndarray, np.ndarray]:
        _, shared, latest, _ = facts
        hashes = snap.passages.p_hash
        shared_mask = _members(hashes, np.asarray(shared, np.uint64)) if len(shared) else np.zeros(len(hashes), bool)
        keys, values = snap.report_terms(RULE_KEY, None, "rule_key")
        dates = snap.report_dates()[:len(keys)]
        current = np.ones(len(keys), bool)
        ruled = np.flatnonzero(keys >= 0)
        if len(ruled):
            best = np.asarray([latest.get(v, 0) for v in values], np.int64)
            current[ruled] = dates[ruled] >= best[keys[ruled]]
        return shared_mask, current

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except _Stale:
            return {"stale": True}

    # -- index-wide facts -------------------------------------------------------------
    def info(self) -> dict:
        """This shard's generation and what the router sums into index-wide statistics."""
        snap = self.searcher.snapshot()
        sp = snap.passages
        hashes, counts = np.unique(sp.p_hash, return_counts=True)
        keys, values = snap.report_terms(RULE_KEY, None, "rule_key")
        dates = snap.report_dates()[:len(keys)]
        latest: dict = {}
        for k in np.flatnonzero(keys >= 0).tolist():
            v = values[keys[k]]
            latest[v] = max(latest.get(v, 0), int(dates[k]))
        segments = snap.stats.segments
        return {"token": self._token(snap), "shard": self.shard,
                "live": int(sum(v.live_passages() for v in snap.views)),
                "passages": int(sum(s.passages for s in segments)),
                "body_length": int(sum(s.stats["body_length"] for s in segments)),
                "heading_length": int(sum(s.stats["heading_length"] for s in segments)),
                "documents": int(snap.searcher.doc_count()), "hashes": hashes, "hash_counts": counts,
                "records": int(snap.searcher.doc_count_all()),
                "title_length": int(snap.searcher.reader().field_length(TITLE) or 0),
                "rule_latest": latest, "doc_ids": self._doc_ids_by_docnum(snap)}

    def _doc_ids_by_docnum(self, snap) -> list:
        """Every report record's doc_id by global docnum (None where a segment has none), from
        the report tables (no stored record is read): the router orders equal scores by it."""
        ids: list = [None] * snap.searcher.reader().doc_count_all()
        for table, docbase, _ in self.searcher._tables.segments(snap.searcher):
            column = table.column("doc_id")
            ids[docbase:docbase + len(column)] = column
        return ids

    def configure(self, token, shared: np.ndarray, rule_latest: dict, doc_rank: np.ndarray) -> dict:
        """The index-wide facts of generation ``token``: the texts of this shard that occur more
        than once in the whole index, each rule's latest edition date (YYYYMMDD), and the
        place of each of its reports (by global docnum) in the doc_id order of every shard."""
        self._facts = (tuple(token), np.asarray(shared, np.uint64), dict(rule_latest),
                       np.asarray(doc_rank, np.int64))
        self._masks.clear()
        return {"ok": True}

    # -- statistics of a query ------------------------------------------------------------
    def df(self, token, keys: list) -> dict:
        return self._call(self._df, token, keys)

    def _df(self, token, keys):
        snap = self._snap(token, configured=False)
        return {"df": [snap.searcher.doc_frequency(f, t) if f == TITLE else snap.stats.df(f, t) for f, t in keys]}

    def expand(self, token, plan: QueryPlan, count: list, g: GlobalStats, timeout: float) -> dict:
        return self._call(self._expand, token, plan, count, g, timeout)

    def _expand(self, token, plan, count, g, timeout):
        """The terms of the plan's wildcards and ranges here (with their frequency here), and
        how many passages each concept of ``count`` matches here."""
        snap = self._snap(token, configured=False)
        scorer = self._scorer(snap, g)
        scorer.deadline = time.perf_counter() + timeout
        _, multi = stats_keys(plan)
        terms = {}
        for node in multi:
            for t in scorer.expansion_terms(node):
                terms[(node.fieldname, t)] = snap.stats.df(node.fieldname, t)
        counts = {}
        try:
            for name, q in zip(plan.concept_names, plan.concept_queries):
                if name in count:
                    counts[name] = len(scorer.evaluate(q))
        except OutOfTime:
            raise timeout_error(timeout) from None
        return {"terms": terms, "counts": counts}

    def _scorer(self, snap, g: GlobalStats, cached: bool = False) -> Scorer:
        weighted = []

        def reports(node):
            if not _names_title(node):
                return snap.report_matches(node)
            # a title query's scores, with the title statistics of every shard
            if not weighted:
                weighted.append(Searcher(snap.searcher.reader(), weighting=_IndexWideBM25F(g), closereader=False))
            pairs = sorted((r.docnum, r.score) for r in weighted[0].search(node, limit=None))
            return (np.fromiter((d for d, _ in pairs), np.int64, len(pairs)),
                    np.fromiter((x for _, x in pairs), np.float64, len(pairs)))

        return Scorer(snap.passages, ShardStats(snap.stats, g), self.ranking, reports=reports,
                      report_title=lambda d: (snap.stored(d).get(META) or {}).get("title", ""),
                      cache=self._node_cache(g) if cached else None)

    def _node_cache(self, g: GlobalStats) -> Optional[NodeCache]:
        """The evaluated nodes this shard keeps for the generation of every shard that ``g``
        is of (their scores are computed with the index-wide statistics of that generation),
        as a single index keeps them for its own (search.py); None when ``g`` names none."""
        if not g.generation:
            return None
        key = g.generation        # (this shard's own among them: _snap checked it)
        with self._lock:
            cache = self._caches.get(key)
            if cache is None:
                self._caches.clear()          # (an older generation's results are of no use)
                cache = self._caches[key] = NodeCache.for_passages(self.searcher.snapshot().passages.passages)
            return cache

    # -- ranking ------------------------------------------------------------------------
    def rank(self, token, rid: str, req: dict) -> dict:
        return self._call(self._rank, token, rid, req)

    def _rank(self, token, rid, req):
        """Score the passages matching the query with the index-wide statistics (every one, or
        with ``req["prune"]`` the blocks that can reach the pool: ``whole`` False, the counts
        then lower bounds); return the candidates the router may need (``mode`` "pool": the
        best ``want × POOL_FACTOR`` by score, as a single index pools them, with every passage
        of a short list, or when pruned every evaluated passage from the pool's cutoff up;
        "all": all of them) with what it merges: counts, repeated texts, the concepts held."""
        snap = self._snap(token)
        checked = tuple(token) if token is not None else self._token(snap)    # (_snap compared them)
        plan, filters, g = req["plan"], req["filters"], req["stats"]
        # (the evaluated nodes kept for the shards' generation, as a single index keeps them;
        # not for explain, which reads the leaves)
        scorer = self._scorer(snap, g, cached=not req.get("explain"))
        timeout = req["timeout"]
        want, mode = req["want"], req["mode"]
        scorer.deadline = time.perf_counter() + timeout
        # pruned (a large index, in relevance order): the blocks that can reach this shard's
        # pool only, as a single index prunes (search._Pruning); the router's walk then reads
        # the candidates from the highest of the shards' cutoffs up
        prune = req.get("prune")
        if prune == "auto":         # as a single index of this shard's size decides (search.py)
            prune = not exhaustive_by_default(snap.passages.passages)
        walk = self._pruned(scorer, plan, filters, snap, want * POOL_FACTOR) if prune and mode == "pool" else None
        answer = None
        try:
            if walk is not None:
                m, answer = _concat_matched(walk.parts) if walk.parts else (None, None)
            else:
                m = self.searcher._match(scorer, plan, filters, snap)
        except OutOfTime:
            raise timeout_error(timeout) from None
        scorer.deadline = None
        whole = walk is None or walk.whole
        out = {"partial": scorer.partial, "notes": list(scorer.notes), "missing_stats": sorted(scorer.stats.missing),
               "whole": whole}
        if m is None:
            z = np.zeros(0)
            self._keep(rid, _Context(plan, scorer, np.zeros(0, np.int64), np.zeros(0, np.int8), z, z, z, z, z, z,
                                     snap, checked))
            out.update(n=0, n_complete=0, unshared=(0, 0), shared=(_NO_HASHES, _NO_HASHES), held=[], names=[],
                       complete=True, entries=None)
            return out
        ids, score, tier, level = m.ids, m.score, m.tier, m.level
        n = len(ids)
        if answer is not None:          # (the pruned search looked every evaluated passage's up)
            score = score * answer
        else:
            answer = np.ones(n)
        if self.ranking.answer_boost and walk is None:
            look = np.arange(n)
            pool = want * POOL_FACTOR
            if mode == "pool" and n > 4 * pool and n > SMALL_LIST:
                # as a single index does: below the pool's cutoff by more than the factor can
                # raise a score, a passage cannot reach the pool (its factor is not looked up)
                key = level * _TIER + score
                cutoff = key[np.argpartition(-key, pool - 1)[pool - 1]]
                look = np.flatnonzero(key + score * self.ranking.answer_boost >= cutoff)
            answer[look] = self.searcher._answer_factor(snap, ids[look], plan, m.concept_weight)
            score = score * answer
        key = level * _TIER + score
        if not whole:
            part = np.flatnonzero(key >= walk.theta)      # every matching passage from the cutoff up
        elif mode == "pool":
            pool = n if n <= SMALL_LIST else min(n, want * POOL_FACTOR)
            part = np.flatnonzero(key >= key[np.argpartition(-key, pool - 1)[pool - 1]]) if n > pool \
                else np.arange(n)
        else:
            part = np.arange(n)
        names = list(m.concept_weight) or plan.concept_names
        has = m.has
        held = sorted({names[k] for k in np.flatnonzero(has.any(axis=1))} if has is not None else set(names))
        shared = snap.shared_texts()[ids]
        hashes = snap.passages.p_hash[ids]
        complete = tier.astype(bool)
        out.update(n=n, n_complete=int(complete.sum()),
                   unshared=(int((complete & ~shared).sum()), int((~complete & ~shared).sum())),
                   shared=(np.unique(hashes[complete & shared]), np.unique(hashes[~complete & shared])),
                   held=held, names=names, complete=whole and len(part) == n,
                   entries=self._entries(snap, ids[part], score[part], tier[part],
                                         has[:, part] if has is not None else None, level[part]))
        prefetch = req.get("prefetch", 0)
        if prefetch:
            # a remote shard: the texts the router's walk reads first (near copies) and, when a
            # call is costly (ordinary actor calls: ``prefetch_hits``), the hits it most likely
            # shows, so that it need not ask for them (each call is a round trip)
            best = np.lexsort((ids[part], -score[part], -level[part]))[:prefetch]
            texts, hits = [None] * len(part), [None] * len(part)
            phrases, words = plan.highlight_terms()
            for rank_, j in enumerate(best.tolist()):
                pid = int(ids[part][j])
                if self.ranking.collapse_near_duplicates:
                    texts[j] = snap.passages.payload(pid)["text"]
                if rank_ < req["want"] and req.get("prefetch_hits", True) and not req.get("explain"):
                    hits[j] = self.searcher._hit(snap, pid, float(score[part][j]), phrases, words)
            out["entries"]["texts"] = texts
            out["entries"]["hits"] = hits
        self._keep(rid, _Context(plan, scorer, ids, tier, score, m.text, m.flat, m.factor, m.prior, answer,
                                 snap, checked))
        return out

    def _pruned(self, scorer: Scorer, plan: QueryPlan, filters: Filters, snap, pool: int) -> Optional[_Pruning]:
        """The pruned evaluation of this shard's blocks for a pool of ``pool`` (with
        PRUNE_TIME_SHARE of the time left), or None where it cannot be done exactly or in
        that time (the shard then evaluates every passage, as a single index does)."""
        deadline = scorer.deadline
        own = None if deadline is None else (
            time.perf_counter() + max(deadline - time.perf_counter(), 0.0) * PRUNE_TIME_SHARE)
        try:
            walk = _Pruning.start(self.searcher, scorer, plan, filters, snap, pool, own)
            if walk is None or not walk.run():
                return None
        except OutOfTime:
            return None
        finally:
            scorer.deadline = deadline
        walk.finish(scorer)
        return walk

    def _keep(self, rid: str, ctx: _Context) -> None:
        with self._lock:
            self._contexts[rid] = ctx
            while len(self._contexts) > CONTEXTS:
                self._contexts.popitem(last=False)

    def _entries(self, snap, pids: np.ndarray, score=None, tier=None, has=None, level=None) -> dict:
        """The columns the router merges candidates by (one row per passage of ``pids``)."""
        sp = snap.passages
        reports = sp.p_report[pids]
        n = len(pids)
        return {"pid": pids.astype(np.int64), "report": reports.astype(np.int64), "hash": sp.p_hash[pids],
                "tier": np.ones(n, np.int8) if tier is None else tier.astype(np.int8),
                # the order of the tiers (IndexSearcher._match): every concept = 3 when not given
                "level": np.full(n, 3, np.int8) if level is None else level.astype(np.int8),
                "score": np.zeros(n) if score is None else score,
                "date": snap.report_dates()[reports], "ordinal": sp.p_ordinal[pids].astype(np.int64),
                "docrank": snap.tables["__global_doc_rank__"][reports], "has": has}

    def texts(self, token, pids: list, rid: Optional[str] = None) -> dict:
        return self._call(self._texts, token, pids, rid)

    def _texts(self, token, pids, rid=None):
        snap = self._ranked_snap(token, rid)
        return {"texts": [snap.passages.payload(int(p))["text"] for p in pids]}

    def _ranked_snap(self, token, rid: Optional[str]):
        """The snapshot the search ``rid`` ranked, when it is of ``token`` (checked on disk
        when it ranked: the texts and hits of a search are read from what it ranked), else
        the current one checked now."""
        ctx = self._contexts.get(rid) if rid is not None else None
        if ctx is not None and ctx.snap is not None and token is not None and tuple(token) == ctx.token:
            return ctx.snap
        return self._snap(token)

    def _context(self, snap, rid, req) -> _Context:
        ctx = self._contexts.get(rid)
        if ctx is None:          # another replica ranked it, or it was dropped: rank it again here
            self._rank(self._token(snap), rid, dict(req, mode="all"))
            ctx = self._contexts[rid]
        return ctx

    def fetch(self, token, pids: list, scores: list, highlight: tuple, rid: Optional[str] = None,
              req: Optional[dict] = None, explain: bool = False) -> dict:
        return self._call(self._fetch, token, pids, scores, highlight, rid, req, explain)

    def _fetch(self, token, pids, scores, highlight, rid, req, explain):
        """The hits of these passages (with their merged scores), explained on request."""
        snap = self._ranked_snap(token, rid)
        phrases, words = highlight
        hits = [self.searcher._hit(snap, int(p), float(s), phrases, words) for p, s in zip(pids, scores)]
        if explain and rid is not None:
            ctx = self._context(snap, rid, req)
            at = np.searchsorted(ctx.ids, np.asarray(pids, np.int64))
            ranked = _Ranked(ctx.ids[at], np.asarray(scores, np.float64), ctx.text[at], ctx.flat[at], ctx.tier[at],
                             ctx.factor[at], ctx.prior[at], 0, ctx.ids[:0], ctx.answer[at])
            for i, h in enumerate(hits):
                h.explanation = self.searcher._explain(ranked, i, ctx.scorer, snap, ctx.plan)
        return {"hits": hits}

    def facets(self, token, rid: str, req: dict, exclude: list, use_complete: bool, dedupe: bool) -> dict:
        return self._call(self._facets, token, rid, req, exclude, use_complete, dedupe)

    def _facets(self, token, rid, req, exclude, use_complete, dedupe):
        snap = self._snap(token)
        ctx = self._context(snap, rid, req)
        ids = ctx.ids[ctx.tier.astype(bool)] if use_complete else ctx.ids
        if len(exclude):
            ids = ids[~_members(ids, np.sort(np.asarray(exclude, np.int64)))]
        return {"facets": _facet_parts(snap, ids, dedupe)}

    # -- browsing -----------------------------------------------------------------------
    def browse(self, token, filters: Filters, facets: bool, dedupe: bool) -> dict:
        return self._call(self._browse, token, filters, facets, dedupe)

    def _browse(self, token, filters, facets, dedupe):
        snap = self._snap(token)
        ids = self.searcher._browse_ids(snap, filters)
        shared = snap.shared_texts()[ids]
        return {"n": len(ids), "unshared": int((~shared).sum()),
                "shared": np.unique(snap.passages.p_hash[ids][shared]),
                "entries": self._entries(snap, ids) if len(ids) else None,
                "facets": _facet_parts(snap, ids, dedupe) if facets else None}

    # -- suggestions and documents ----------------------------------------------------------
    def close_terms(self, token, words: list) -> dict:
        return self._call(self._close_terms, token, words)

    def _close_terms(self, token, words):
        snap = self._snap(token, configured=False)
        return {"terms": {w: _close_terms(snap.stats, w) for w in words}}

    def document(self, token, doc_id: str) -> dict:
        return self._call(self._document, token, doc_id)

    def _document(self, token, doc_id):
        self._snap(token)
        try:
            return {"document": self.searcher.document(doc_id)}
        except DocumentNotFoundError:
            return {"document": None}

    def editions(self, token, rule_key: str) -> dict:
        return self._call(self._editions, token, rule_key)

    def _editions(self, token, rule_key):
        snap = self._snap(token)
        docs, _ = snap.report_matches(wq.Term(RULE_KEY, rule_key))
        out = []
        for d in docs:
            other = snap.stored(int(d))
            out.append(dict(doc_id=other["doc_id"], edition=(other[META].get("rule") or {}).get("edition"),
                            published=other[META].get("published")))
        return {"editions": out}

    def documents(self, token, filters: Optional[Filters], offset: int = 0, limit: Optional[int] = None) -> dict:
        return self._call(self._documents, token, filters, offset, limit)

    def _documents(self, token, filters, offset, limit):
        self._snap(token)
        total, page = self.searcher.documents(filters, offset, limit)
        return {"total": total, "documents": page}

    def document_ids(self, token, filters: Optional[Filters], limit: Optional[int]) -> dict:
        return self._call(self._document_ids, token, filters, limit)

    def _document_ids(self, token, filters, limit):
        self._snap(token)
        total, ids = self.searcher.document_ids(filters, limit)
        return {"total": total, "ids": ids}

    def stats(self, token) -> dict:
        return self._call(self._stats, token)

    def _stats(self, token):
        self._snap(token, configured=False)
        return {"stats": self.searcher.stats()}

    def counts(self) -> dict:
        snap = self.searcher.snapshot()
        return {"documents": int(snap.searcher.doc_count()),
                "passages": int(sum(v.live_passages() for v in snap.views))}


_NO_HASHES = np.zeros(0, np.uint64)


def _facet_parts(snap, ids: np.ndarray, dedupe: bool) -> dict:
    """What a shard adds to each facet (``search.IndexSearcher._facets`` over the shards):
    per facet and value, [passages whose text is nowhere else in the index, the distinct
    hashes of the others (counted once over all shards), documents]."""
    sp = snap.passages
    reports = sp.p_report[ids]
    shared = snap.shared_texts()[ids] if dedupe else np.zeros(len(ids), bool)
    hashes = sp.p_hash[ids]
    out = {}

    def parts(codes: np.ndarray, values: list) -> dict:
        got = {}
        known = codes >= 0
        for c in np.unique(codes[known]).tolist():
            mine = codes == c
            got[values[c]] = [int((mine & ~shared).sum()), np.unique(hashes[mine & shared]),
                              int(len(np.unique(reports[mine])))]
        return got

    for name, field_, select in REPORT_FACETS:
        codes, values = snap.report_terms(field_, select, name)
        out[name] = parts(codes[reports], values)
    out["kind"] = parts(sp.p_kind[ids].astype(np.int64), list(SECTION_KINDS))
    figures = (sp.p_flags[ids] & FIGURES_FLAG).astype(bool)
    out["has_figures"] = parts(np.where(figures, 0, -1), [True])
    return out


def _merge_facets(parts: list) -> dict:
    """The facets of ``IndexSearcher._facets`` from each shard's ``_facet_parts``."""
    table = region_table()
    out = {}
    for name in FACET_NAMES:
        values: dict = {}
        for p in parts:
            for value, (unshared, hashes, documents) in p[name].items():
                v = values.setdefault(value, [0, [], 0])
                v[0] += unshared
                v[1].append(hashes)
                v[2] += documents
        rows = []
        for value, (unshared, hashes, documents) in values.items():
            n = unshared + len(np.unique(np.concatenate(hashes))) if hashes else unshared
            if n:
                rows.append((value, n, documents))
        rows.sort(key=lambda r: (-r[1], r[0]))
        field_ = next((f for fname, f, _ in REPORT_FACETS if fname == name), None)
        if field_ == REGION:
            out[name] = [{"value": table.name_of(v), "code": v, "passages": n, "documents": d} for v, n, d in rows]
        else:
            out[name] = [{"value": v, "passages": n, "documents": d} for v, n, d in rows]
    return out


# ============================================================================ clients

class LocalShard:
    """A shard searched in this process (the client interface of a cluster's shard:
    ``submit`` a call, read its ``result``; ``broadcast`` to every replica). Its calls run
    one after the other: threads, tried, made a fan-out to 4 shards slower (the GIL)."""

    def __init__(self, shard: ShardSearcher):
        self.shard = shard

    def submit(self, method: str, *args):
        try:
            return ("ok", getattr(self.shard, method)(*args))
        except BaseException as e:       # raised when the result is read, as a remote call would
            return ("error", e)

    def result(self, handle):
        status, value = handle
        if status == "error":
            raise value
        return value

    def broadcast(self, method: str, *args) -> None:
        getattr(self.shard, method)(*args)

    def close(self) -> None:
        self.shard.close()


# ============================================================================ the router

@dataclass
class _State:
    """The router's view of one generation of every shard."""
    tokens: list                 # per shard: its generation (None: unavailable)
    N: int
    avg_length: dict
    records: int = 1
    title_length: int = 0
    dfs: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    plans: dict = field(default_factory=dict)   # (text, synonyms) -> (synonyms, plan, its statistics)


class ShardedSearcher:
    """The router: ``search.IndexSearcher``'s interface over the shards of a sharded index
    (``clients``: one per shard, ``LocalShard`` or a cluster's)."""

    def __init__(self, clients: list, ranking: RankingConfig = DEFAULT_RANKING):
        self.clients = clients
        self.ranking = ranking
        self._state: Optional[_State] = None
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self.missing_stats: list = []     # (field, term) a shard scored without index-wide figures (none expected)

    def close(self) -> None:
        for c in self.clients:
            c.close()

    # -- fan-out ------------------------------------------------------------------------
    def _fan(self, method: str, args_of, shards=None, missing: Optional[set] = None) -> dict:
        """Call ``method`` on the shards (all, or ``shards``) with ``args_of(k)``, in parallel;
        {shard: answer}. A shard that cannot be reached is added to ``missing`` (or raises
        when ``missing`` is None); an answer saying the shard changed raises _Stale."""
        ks = range(len(self.clients)) if shards is None else shards
        group = getattr(self.clients[0], "group", None)     # a cluster's direct connections
        out = group.fan(method, {k: args_of(k) for k in ks}) if group is not None else None
        if out is None:       # ordinary calls (in this process, or when no direct connection can)
            handles = {k: self.clients[k].submit(method, *args_of(k)) for k in ks}
            out = {}
            for k, h in handles.items():
                try:
                    out[k] = self.clients[k].result(h)
                except ShardUnavailable:
                    if missing is None:
                        raise
                    missing.add(k)
        if any(isinstance(r, dict) and r.get("stale") for r in out.values()):
            raise _Stale()
        return out

    def _ensure(self, missing: set) -> _State:
        state = self._state
        if state is None or any(state.tokens[k] is None for k in range(len(self.clients)) if k not in missing):
            state = self._refresh(missing)
        for k, t in enumerate(state.tokens):
            if t is None:
                missing.add(k)
        return state

    def _refresh(self, missing: set) -> _State:
        """Gather the index-wide statistics and facts of the shards' current generations and
        tell each shard its part of them."""
        with self._lock:
            infos = self._fan("info", lambda k: (), missing=missing)
            tokens = [infos[k]["token"] if k in infos else None for k in range(len(self.clients))]
            live = sum(i["live"] for i in infos.values())
            n_all = max(sum(i["passages"] for i in infos.values()), 1)
            avg = {BODY: (sum(i["body_length"] for i in infos.values()) / n_all) or 1.0,
                   HEADING: (sum(i["heading_length"] for i in infos.values()) / n_all) or 1.0}
            if infos:
                hashes = np.concatenate([i["hashes"] for i in infos.values()])
                counts = np.concatenate([i["hash_counts"] for i in infos.values()])
                order = np.argsort(hashes, kind="stable")
                hashes, counts = hashes[order], counts[order]
                starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]]) if len(hashes) else np.zeros(0, int)
                total = np.add.reduceat(counts, starts) if len(hashes) else counts
                shared = hashes[starts][total > 1] if len(hashes) else _NO_HASHES
            else:
                shared = _NO_HASHES
            latest: dict = {}
            for i in infos.values():
                for key, date in i["rule_latest"].items():
                    latest[key] = max(latest.get(key, 0), date)
            ranks = _doc_ranks({k: i["doc_ids"] for k, i in infos.items()})
            for k, i in infos.items():
                mine = shared[_members(shared, i["hashes"])] if len(shared) else _NO_HASHES
                try:
                    self.clients[k].broadcast("configure", i["token"], mine,
                                              {key: latest[key] for key in i["rule_latest"]}, ranks[k])
                except ShardUnavailable:
                    missing.add(k)
                    tokens[k] = None
            self._state = _State(tokens, max(live, 1), avg, sum(i["records"] for i in infos.values()),
                                 sum(i["title_length"] for i in infos.values()))
            return self._state

    def _retrying(self, fn):
        """Run ``fn(missing)``; when a shard changed under it, gather the statistics again and
        run it again (a search of one generation of every shard)."""
        for attempt in range(4):
            missing: set = set()
            try:
                return fn(missing)
            except _Stale:
                self._state = None
                if attempt == 3:
                    raise SearchlibError("the index keeps changing under the search: try again") from None

    # -- statistics ---------------------------------------------------------------------
    def _gather(self, state: _State, keys, missing: set) -> None:
        """Add the document frequencies of ``keys`` over every shard to ``state.dfs``."""
        keys = [k for k in dict.fromkeys(keys) if k not in state.dfs]
        if not keys:
            return
        answers = self._fan("df", lambda k: (state.tokens[k], keys),
                            shards=[k for k in range(len(self.clients)) if k not in missing], missing=missing)
        totals = np.zeros(len(keys), np.int64)
        for a in answers.values():
            totals += np.asarray(a["df"], np.int64)
        with state.lock:
            if len(state.dfs) > DF_CACHE:
                state.dfs.clear()
            state.dfs.update(zip(keys, totals.tolist()))

    def _live(self, missing: set) -> list:
        return [k for k in range(len(self.clients)) if k not in missing]

    def plan(self, text: str, synonyms=None, missing: Optional[set] = None) -> QueryPlan:
        """The plan of ``text`` with the statistics of every shard (planned again until it asks
        for no term whose frequency is not gathered yet)."""
        if missing is None:
            return self._retrying(lambda m: self._plan(self._ensure(m), text, synonyms, m)[0])
        return self._plan(self._ensure(missing), text, synonyms, missing)[0]

    def _plan(self, state: _State, text: str, synonyms, missing: set) -> tuple[QueryPlan, GlobalStats]:
        for _ in range(8):
            stats = _RouterStats(state.N, state.dfs)
            builder = QueryBuilder(synonyms, self.ranking, doc_frequency=lambda t: stats.df(BODY, t),
                                   doc_count=state.N)
            plan = builder.plan(text, use_synonyms=synonyms is not None)
            keys, _ = stats_keys(plan)
            if not stats.unknown:
                self._gather(state, keys, missing)
                used = stats.asked | keys
                return plan, GlobalStats(state.N, dict(state.avg_length), {k: state.dfs[k] for k in used},
                                         title_docs=state.records, title_length=state.title_length,
                                         generation=_generation(state.tokens))
            self._gather(state, stats.unknown | keys, missing)
        raise SearchlibError(f"planning {text!r} did not settle on the statistics of the shards")

    # -- search ---------------------------------------------------------------------------
    def search(self, text: str, filters: Filters, limit: int = 10, synonyms=None, explain: bool = False,
               per_doc: Optional[int] = None, offset: int = 0, sort: str = "relevance", facets: bool = False,
               timeout: Optional[float] = None, show_duplicates: bool = False,
               browse_all: bool = False, exact_total: bool = False,
               exhaustive: Optional[bool] = None) -> SearchResult:
        # as a single index: in relevance order, a shard of PRUNE_MIN_PASSAGES passages or more
        # evaluates only the blocks that can reach its pool and the counts are lower bounds
        # (total_relation "gte"); ``exhaustive`` True or False decides for every shard, and
        # exact_total, facets and explain score every passage
        t0 = time.perf_counter()
        asked_cap = per_doc is not None
        limit, offset, per_doc, browsing = search_arguments(text, limit, offset, per_doc, sort, self.ranking)
        filters.validate()
        if browsing is not None:
            filters = filters.merged(browsing)
            if not filters.restricts() and not browse_all:
                raise QuerySyntaxError("empty query: give words to search for, or filters to browse by")
            run = lambda m: self._browse(self._ensure(m), text, filters, limit, per_doc, offset, sort, facets,
                                         not show_duplicates, m)
        else:
            timeout = search_timeout(timeout)
            may_prune = sort == "relevance" and not (exhaustive or exact_total or facets or explain)
            # (by default each shard decides as a single index of its size would: pruning's fixed
            # costs are a loss on a smaller one, and a shard's candidates are as exact either way)
            prune = (True if exhaustive is False else "auto") if may_prune else False
            run = lambda m: self._search(self._ensure(m), text, filters, limit, synonyms, explain, per_doc, offset,
                                         sort, facets, timeout, show_duplicates, m, asked_cap, prune=prune)
        result = self._retrying(run)
        result.elapsed_ms = (time.perf_counter() - t0) * 1000
        return result

    def _search_plan(self, state: _State, text: str, synonyms, missing: set) -> tuple[QueryPlan, GlobalStats]:
        """``_plan``, kept in the state (one generation of every shard) for its later searches
        of the same text with the same synonyms, as a single index keeps its plans in its
        snapshot (search.IndexSearcher._search_plan): a plan depends on the text, the
        synonyms, the ranking and the statistics, and nothing changes it once made."""
        key = (text, id(synonyms))
        hit = state.plans.get(key)
        if hit is not None and hit[0] is synonyms:
            return hit[1], hit[2]
        plan, g = self._plan(state, text, synonyms, missing)
        with state.lock:
            if len(state.plans) >= 512:
                state.plans.clear()
            state.plans[key] = (synonyms, plan, g)
        return plan, g

    def _search(self, state, text, filters, limit, synonyms, explain, per_doc, offset, sort, facets, timeout,
                show_duplicates, missing, asked_cap: bool = True, prune=False) -> SearchResult:
        plan, g = self._search_plan(state, text, synonyms, missing)
        if plan.filters:
            filters = filters.merged(plan.filters)
        per_doc = scoped_cap(per_doc, asked_cap, plan)
        _, multi = stats_keys(plan)
        count = counted_concepts(plan)
        if multi or count:
            shards = self._live(missing)
            answers = self._fan("expand", lambda k: (state.tokens[k], plan, count, g, timeout), shards, missing)
            terms = {key for a in answers.values() for key in a["terms"]}
            self._gather(state, terms, missing)
            g.dfs.update({key: state.dfs[key] for key in terms})
            g.counts = {name: sum(a["counts"].get(name, 0) for a in answers.values()) for name in count}
        dedupe = not show_duplicates
        want = offset + limit
        rid = f"{id(self):x}-{next(self._ids)}"
        req = dict(plan=plan, filters=filters, stats=g, want=want, timeout=timeout, explain=explain,
                   mode="pool" if sort == "relevance" else "all", prune=prune,
                   prefetch=want + TEXT_PREFETCH if sort == "relevance" and any(
                       getattr(c, "text_batch", 0) for c in self.clients) else 0,
                   prefetch_hits=any(getattr(c, "hits_ahead", False) for c in self.clients))
        answers = self._fan("rank", lambda k: (state.tokens[k], rid, req), self._live(missing), missing)
        self.missing_stats = sorted({tuple(k) for a in answers.values() for k in a["missing_stats"]})
        evaluated_all = all(a.get("whole", True) for a in answers.values())
        if not evaluated_all and not plan.advanced and not holds_every_concept(plan, {c for a in answers.values()
                                                                             for c in a["held"]}):
            # the suggestions are decided on every passage (a concept the pruned shards did not
            # find may be held by a passage they left out), as a single index decides them
            return self._search(state, text, filters, limit, synonyms, explain, per_doc, offset, sort, facets,
                                timeout, show_duplicates, missing, asked_cap, prune=False)
        merged = _Candidates.merge(answers)
        n = sum(a["n"] for a in answers.values())
        text_of = _Texts(self, state, merged, missing, rid) if self.ranking.collapse_near_duplicates else None
        if sort != "relevance":
            dates = np.where(merged.date > 0, merged.date if sort == "date" else -merged.date,
                             np.iinfo(np.int64).max)
            order = np.lexsort((merged.ordinal, merged.docrank, -merged.score, dates))
            chosen = _select(order, merged.report[order], merged.hash[order], merged.level[order], per_doc, want,
                             text_of, complete=True, dedupe=dedupe)
        else:
            key = merged.level * _TIER + merged.score
            pool = n if n <= SMALL_LIST else min(n, want * POOL_FACTOR)
            part = np.flatnonzero(key >= key[np.argpartition(-key, pool - 1)[pool - 1]]) if n > pool \
                else np.arange(len(key))
            order = part[np.lexsort((merged.ordinal[part], merged.docrank[part], -merged.score[part],
                                     -merged.level[part]))]
            chosen = _select(order, merged.report[order], merged.hash[order], merged.level[order], per_doc, want,
                             text_of, complete=evaluated_all and len(part) == n, dedupe=dedupe)
            if chosen.short:          # repeats or a few documents fill the pool: rank them all
                req = dict(req, mode="all")
                answers = self._fan("rank", lambda k: (state.tokens[k], rid, req), self._live(missing), missing)
                n, evaluated_all = sum(a["n"] for a in answers.values()), True
                merged = _Candidates.merge(answers)
                text_of = _Texts(self, state, merged, missing, rid) if self.ranking.collapse_near_duplicates else None
                order = np.lexsort((merged.ordinal, merged.docrank, -merged.score, -merged.level))
                chosen = _select(order, merged.report[order], merged.hash[order], merged.level[order], per_doc,
                                 want, text_of, complete=True, dedupe=dedupe)
        part = chosen.shown[offset:want]
        near = np.asarray(chosen.near, np.int64)
        # the counts: what paging can show, as a single index counts them
        n_complete_raw = sum(a["n_complete"] for a in answers.values())
        if dedupe:
            whole = _union([a["shared"][0] for a in answers.values()])
            rest = np.setdiff1d(_union([a["shared"][1] for a in answers.values()]), whole, assume_unique=True)
            n_complete = sum(a["unshared"][0] for a in answers.values()) + len(whole)
            n_partial = sum(a["unshared"][1] for a in answers.values()) + len(rest)
            near_tier = merged.tier[near].astype(bool)
            n_complete -= int(near_tier.sum())
            n_partial -= int((~near_tier).sum())
            if not evaluated_all:
                # lower bounds, as a single index's pruned search counts them (search._rank_matched):
                # a repeated text evaluated only partly may be held whole by a passage left out
                # (the partial count is of the texts no other passage has), and the exhaustive
                # walk of a short list goes on past the page for near duplicates
                n_partial = sum(a["unshared"][1] for a in answers.values()) - int((~near_tier).sum())
                if text_of is not None and len(np.unique(merged.hash)) <= want + NEAR_DUPLICATE_DROPS + _END_PAGES:
                    more = NEAR_DUPLICATE_DROPS - len(chosen.near)
                    n_complete, n_partial = n_complete - more, n_partial - more
                shown_tier = merged.tier[np.asarray(chosen.shown, np.int64)].astype(bool)
                n_complete = max(n_complete, int(shown_tier.sum()))
                n_partial = max(n_partial, int((~shown_tier).sum()))
        else:
            n_complete, n_partial = n_complete_raw, n - n_complete_raw
        names = next((a["names"] for a in answers.values() if a["names"]), plan.concept_names)
        held = {c for a in answers.values() for c in a["held"]}
        phrases, words = plan.highlight_terms()
        hits = self._fetch(state, merged, part, (phrases, words), missing, rid, req, explain)
        for h, i in zip(hits, part.tolist()):
            has = merged.has_of(i)
            if has is not None:
                h.missing = [names[k] for k in np.flatnonzero(~has)]
        result = SearchResult(query=text, hits=hits, total=n_complete, total_partial=n_partial,
                              expanded_query=plan.reading(), offset=offset,
                              partial=any(a["partial"] for a in answers.values()),
                              warnings=list(dict.fromkeys(w for a in answers.values() for w in a["notes"])),
                              unmatched=IndexSearcher._unmatched(self, SimpleNamespace(stats=_KnownStats(state, g)),
                                                                 plan),
                              read_as=plan.read_as(), duplicates_hidden=n - n_complete - n_partial,
                              counts_exact=chosen.exact, total_relation="eq" if evaluated_all else "gte")
        absent = [c for c in plan.subject_concepts() if c not in held] if not plan.advanced else []
        if absent:
            result.suggestions = IndexSearcher._suggestions(self, None, plan, absent,
                                                            closest=self._closest(state, absent, missing))
        if facets:
            if n:
                exclude = {k: [] for k in answers}
                for i in near.tolist():
                    exclude[int(merged.shard[i])].append(int(merged.pid[i]))
                parts = self._fan("facets", lambda k: (state.tokens[k], rid, req, exclude[k], n_complete_raw > 0,
                                                       dedupe), list(answers), missing)
                result.facets = _merge_facets([p["facets"] for p in parts.values()])
            else:
                result.facets = {name: [] for name in FACET_NAMES}
        result.missing_shards = sorted(missing)
        return result

    def _fetch(self, state, merged: "_Candidates", part: np.ndarray, highlight, missing, rid=None, req=None,
               explain=False) -> list[Hit]:
        """The hits of the merged candidates ``part`` (in that order), from their shards."""
        hits: list = [None] * len(part)
        by_shard: dict = {}
        for j, i in enumerate(part.tolist()):
            sent = merged.hits[i] if i < len(merged.hits) and not explain else None
            if sent is not None:          # built by its shard with the candidates
                hits[j] = sent
            else:
                by_shard.setdefault(int(merged.shard[i]), []).append((j, i))
        if not by_shard:
            return hits
        if not explain:
            req = None          # the plan travels only when the shard must explain its hits
        answers = self._fan("fetch", lambda k: (state.tokens[k], [int(merged.pid[i]) for _, i in by_shard[k]],
                                                [float(merged.score[i]) for _, i in by_shard[k]], highlight, rid, req,
                                                explain), list(by_shard), missing)
        for k, a in answers.items():
            for (j, _), h in zip(by_shard[k], a["hits"]):
                hits[j] = h
        return [h for h in hits if h is not None]

    def _closest(self, state, words: list, missing: set):
        """A ``closest(word)`` for suggestions: the candidates of every shard, ranked by their
        frequency in the whole index."""
        words = [w.lower() for w in words]
        answers = self._fan("close_terms", lambda k: (state.tokens[k], words), self._live(missing), missing)
        found: dict = {}
        for a in answers.values():
            for w, terms in a["terms"].items():
                found.setdefault(w, {}).update(terms)
        self._gather(state, [(BODY, t) for terms in found.values() for t in terms], missing)
        return lambda word: _best_term(found.get(word.lower(), {}), lambda f, t: state.dfs.get((f, t), 0))

    # -- browsing -------------------------------------------------------------------------
    def _browse(self, state, text, filters, limit, per_doc, offset, sort, facets, dedupe, missing) -> SearchResult:
        browse = "passages" if filters.passage_query() is not None else "documents"
        answers = self._fan("browse", lambda k: (state.tokens[k], filters, facets, dedupe), self._live(missing),
                            missing)
        n = sum(a["n"] for a in answers.values())
        if not n:
            result = SearchResult(query=text, hits=[], total=0, offset=offset, browse=browse,
                                  expanded_query=_filter_reading(filters), facets={} if facets else None)
            result.missing_shards = sorted(missing)
            return result
        merged = _Candidates.merge(answers)
        dates = np.where(merged.date > 0, merged.date if sort == "date" else -merged.date, np.iinfo(np.int64).max)
        order = np.lexsort((merged.ordinal, merged.docrank, dates))
        want = offset + limit
        text_of = _Texts(self, state, merged, missing) if self.ranking.collapse_near_duplicates else None
        if browse == "documents":
            per_doc, dedupe, text_of = 0, False, None
        chosen = _select(order, merged.report[order], merged.hash[order], merged.level[order], per_doc, want, text_of,
                         complete=True, dedupe=dedupe)
        if dedupe:
            total = sum(a["unshared"] for a in answers.values()) + len(_union([a["shared"] for a in answers.values()]))
            total -= len(chosen.near)
        else:
            total = n
        hits = self._fetch(state, merged, chosen.shown[offset:want], (set(), set()), missing)
        result = SearchResult(query=text, hits=hits, total=total, offset=offset, browse=browse,
                              expanded_query=_filter_reading(filters), duplicates_hidden=n - total,
                              counts_exact=chosen.exact)
        if facets:
            result.facets = _merge_facets([a["facets"] for a in answers.values()])
        result.missing_shards = sorted(missing)
        return result

    # -- documents --------------------------------------------------------------------------
    def _owner(self, doc_id: str) -> int:
        from .shards import shard_of
        return shard_of(doc_id, len(self.clients))

    def document(self, doc_id: str) -> dict:
        def run(missing):
            state = self._ensure(missing)
            k = self._owner(doc_id)
            if k in missing:
                raise ShardUnavailable(k, f"it holds {doc_id!r}")
            doc = self._fan("document", lambda k: (state.tokens[k], doc_id), [k])[k]["document"]
            if doc is None:
                raise DocumentNotFoundError(f"no document {doc_id!r} in the index")
            rule_key = (doc.get("rule") or {}).get("rule_key")
            if rule_key and "editions" in doc:
                # the rule's editions in every shard, newest first
                answers = self._fan("editions", lambda k: (state.tokens[k], rule_key), self._live(missing), missing)
                editions = [e for a in answers.values() for e in a["editions"]]
                doc["editions"] = sorted(editions, key=lambda e: e["published"] or "", reverse=True)
            return doc
        return self._retrying(run)

    def documents(self, filters: Optional[Filters] = None, offset: int = 0,
                  limit: Optional[int] = None) -> tuple[int, list[dict]]:
        """``IndexSearcher.documents`` over the shards: (how many documents the filters allow
        in all of them, the page from ``offset`` of the list merged by doc_id). The shards'
        doc_ids of the first ``offset + limit`` documents (from their report tables, no record
        read) say which run of its own list each shard holds of the page; then each shard
        reads only those records."""
        def run(missing):
            state = self._ensure(missing)
            live = self._live(missing)
            if limit is None and offset == 0:          # the whole list: no need to place the page first
                answers = self._fan("documents", lambda k: (state.tokens[k], filters, 0, None), live, missing)
                docs = sorted((d for a in answers.values() for d in a["documents"]), key=lambda d: d["doc_id"])
                return sum(a["total"] for a in answers.values()), docs
            end = None if limit is None else offset + limit
            ids = self._fan("document_ids", lambda k: (state.tokens[k], filters, end), live, missing)
            total = sum(a["total"] for a in ids.values())
            merged = heapq.merge(*[[(d, k) for d in a["ids"]] for k, a in ids.items()])
            before: dict = {k: 0 for k in ids}          # documents of each shard before the page
            inside: dict = {k: 0 for k in ids}          # … and in it
            order = []                                  # the page's shards, in doc_id order
            for i, (_, k) in enumerate(merged):
                if end is not None and i >= end:
                    break
                if i < offset:
                    before[k] += 1
                else:
                    inside[k] += 1
                    order.append(k)
            wanted = [k for k in ids if inside[k]]
            pages = self._fan("documents", lambda k: (state.tokens[k], filters, before[k], inside[k]), wanted,
                              missing)
            runs = {k: iter(pages[k]["documents"]) for k in pages}
            return total, [next(runs[k]) for k in order if k in runs]
        return self._retrying(run)

    def stats(self) -> dict:
        """``IndexSearcher.stats`` over the shards: the sums of their counts (each shard's
        from its report tables, per generation)."""
        def run(missing):
            state = self._ensure(missing)
            answers = self._fan("stats", lambda k: (state.tokens[k],), self._live(missing), missing)
            return merge_stats([a["stats"] for a in answers.values()])
        return self._retrying(run)

    def _counts(self) -> list:
        return [c.result(c.submit("counts")) for c in self.clients]

    def passage_count(self) -> int:
        return max(sum(c["passages"] for c in self._counts()), 1)

    def document_count(self) -> int:
        return sum(c["documents"] for c in self._counts())


def merge_stats(parts: list) -> dict:
    """The sum of several indexes' ``IndexSearcher.stats``, ordered as one index's are
    (counts by doc type and region most first, years ascending)."""
    docs = passages = chars = 0
    types, years, regions = Counter(), Counter(), Counter()
    for st in parts:
        docs += st["documents"]
        passages += st["passages"]
        chars += st["characters"]
        types.update({k or "": v for k, v in st["doc_types"].items()})
        years.update(st["years"])
        regions.update(st["regions"])
    return stats_dict(docs, passages, chars, types, years, regions)


def _union(arrays: list) -> np.ndarray:
    arrays = [a for a in arrays if len(a)]
    return np.unique(np.concatenate(arrays)) if arrays else _NO_HASHES


class _KnownStats:
    """Router-side statistics for ``unmatched``: N and the gathered document frequencies."""

    def __init__(self, state: _State, g: GlobalStats):
        self.N = g.N
        self._state, self._g = state, g

    def df(self, field_: str, term: str) -> int:
        key = (field_, term)
        n = self._g.dfs.get(key)
        return self._state.dfs.get(key, 0) if n is None else n


class _Candidates:
    """The candidates of every shard as one set of columns (``shard``, ``pid`` …), with
    ``docrank``: the rank of each one's doc_id, for the order of ties."""

    @classmethod
    def merge(cls, answers: dict) -> "_Candidates":
        c = cls()
        parts = [(k, a["entries"]) for k, a in sorted(answers.items()) if a.get("entries") is not None]
        cols = ("pid", "report", "hash", "tier", "level", "score", "date", "ordinal")
        if not parts:
            for name, dtype in zip(cols, (np.int64, np.int64, np.uint64, np.int8, np.int8, np.float64, np.int64, np.int64)):
                setattr(c, name, np.zeros(0, dtype))
            c.shard = c.docrank = np.zeros(0, np.int64)
            c._has, c.texts, c.hits = [], [], []
            return c
        for name in cols:
            setattr(c, name, np.concatenate([e[name] for _, e in parts]))
        c.shard = np.concatenate([np.full(len(e["pid"]), k, np.int64) for k, e in parts])
        # reports of different shards are different reports
        c.report = (c.shard << 40) | c.report
        c.docrank = np.concatenate([e["docrank"] for _, e in parts])
        c._has = [(len(e["pid"]), e["has"]) for _, e in parts]
        c.texts = [t for _, e in parts for t in (e.get("texts") or [None] * len(e["pid"]))]
        c.hits = [h for _, e in parts for h in (e.get("hits") or [None] * len(e["pid"]))]
        c._starts = np.cumsum([0] + [n for n, _ in c._has])
        return c

    def has_of(self, i: int) -> Optional[np.ndarray]:
        """Which concepts candidate ``i`` holds (None: a Whoosh-syntax query)."""
        j = int(np.searchsorted(self._starts, i, side="right")) - 1
        has = self._has[j][1]
        return None if has is None else has[:, i - int(self._starts[j])]


class _Texts:
    """``text(i)`` of merged candidates for near-copy detection: those the shards sent with
    their candidates, else read from their shard (a remote one: a batch at a time, the
    candidate asked for and the next ones of its shard)."""

    def __init__(self, router: ShardedSearcher, state: _State, merged: _Candidates, missing: set,
                 rid: Optional[str] = None):
        self.router, self.state, self.merged, self.missing, self.rid = router, state, merged, missing, rid
        self.cache: dict = {i: t for i, t in enumerate(merged.texts) if t is not None}
        self.by_shard: dict = {}
        self.next: dict = {}

    def __call__(self, i: int) -> str:
        text = self.cache.get(i)
        if text is None:
            m = self.merged
            k = int(m.shard[i])
            if k not in self.by_shard:
                mine = np.flatnonzero(m.shard == k)
                # best first: the order the walk reads them in
                self.by_shard[k] = mine[np.lexsort((m.ordinal[mine], m.docrank[mine], -m.score[mine], -m.level[mine]))]
            seq, cur, batch = self.by_shard[k], self.next.get(k, 0), [i]
            more = getattr(self.router.clients[k], "text_batch", 0)     # none in this process: a call is cheap
            while cur < len(seq) and len(batch) <= more:
                j = int(seq[cur])
                cur += 1
                if j not in self.cache and j != i:
                    batch.append(j)
            self.next[k] = cur
            a = self.router._fan("texts", lambda _k: (self.state.tokens[k], [int(m.pid[j]) for j in batch], self.rid),
                                 [k])
            self.cache.update(zip(batch, a[k]["texts"]))
            text = self.cache[i]
        return text
