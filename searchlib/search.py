"""Search: retrieval, ranking and hit assembly over an open index.

``IndexSearcher`` owns an index directory opened for reading. Each operation takes a
``Snapshot``, a consistent view of one committed generation (the Whoosh searcher of
report records, the segments' passage files, collection statistics and caches), kept
per thread and replaced when another process commits or rebuilds. ``search`` plans the
query (query.py), evaluates the plan on every segment (scorer.py), applies filters as
masks, ranks, and builds ``Hit``s with snippets, figures and, on request, explanations.

Ranking: passages holding every concept of a plain query come first (``total`` counts
them, whatever the limit), then the partial matches, each with the concepts it misses
(``total_partial``); each group in score order.
"""
from __future__ import annotations

import functools
import math
import re

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from whoosh import query as wq

from .errors import DocumentNotFoundError, QuerySyntaxError, QueryTimeoutError
from .models import Figure, Hit, SearchResult
from .passage_index import FIGURES_FLAG, PassageFileError, kind_code, letter_shingles, passage_letters
from .query import Filters, QueryBuilder, QueryPlan, written_filters
from .ranking import DEFAULT_RANKING, RankingConfig
from .reports import ReportTables, doc_order, index_stats
from .metadata import region_table
from .models import SECTION_KINDS
from .schema import (BODY, CONTENT_HASH, DOC_ID, DOC_TYPE, HEADING, ISSUER, KIND, LEVEL, META, PUBLISHED, REGION,
                     RULE_KEY, YEAR)
from .prune import SLACK, BlockIndex, Bounds, Domain, Unbounded, passage_weights, report_blocks
from .scorer import (CorpusStats, NodeCache, OutOfTime, Scorer, _members, _within_distance, figure_passages,
                     sorted_unique)
from .integrity import IntegrityError, raise_if_records_damaged, raise_if_resized
from .segments import CombinedPassages, PassageFiles, SegmentView
from .snippets import make_snippet
from .storage import DAMAGE_ERRORS, damaged, open_whoosh

MAX_LIMIT = 1000
MAX_OFFSET = 10_000
DEFAULT_TIMEOUT = 0.5      # seconds of search time per query; then the concepts evaluated so far, or an error
SORTS = ("relevance", "date", "-date")   # date: oldest first, -date: newest first; ties by relevance
_TIER = 1e12          # a passage holding every concept ranks before any that misses one
SMALL_LIST = 200      # matching passages ranked whole, whatever the page
POOL_FACTOR = 5       # the best limit × this passages are ranked first (before the per-document cap
                      # and the removal of repeated passages)
PRUNE_FIRST_BLOCKS = 16   # blocks of the best bounds a pruned search evaluates first, or 1/2**PRUNE_FIRST_SHIFT
PRUNE_FIRST_MAX = 128     # of the index's blocks up to PRUNE_FIRST_MAX; then batches PRUNE_GROWTH times larger,
PRUNE_FIRST_SHIFT = 5     # once the pool's cutoff is known only of blocks whose bound reaches it
PRUNE_TIGHTEN_BLOCKS = 256   # more blocks than this reach the cutoff: each passage bounded first (_tighten)
PRUNE_GROWTH = 2          # each batch of blocks this many times the previous one
PRUNE_TIME_SHARE = 0.5      # of a search's time left, what a pruned search may take (then the exhaustive one)
PRUNE_ENV = "SEARCHLIB_EXHAUSTIVE"   # set to 1: every search evaluates every passage (no pruning)
PRUNE_MIN_PASSAGES = 200_000   # smaller indexes are searched exhaustively by default: pruning's fixed costs
                               # (bounds, rounds) cost more than it saves (scripts/bench_prune.py: ×1.2-1.5
                               # CPU at 25k and 100k passages, ×0.78 p50 / ×0.55 p95 at 251k)


def _count(codes: np.ndarray, reports: np.ndarray, values: list[str], label=None,
           hashes: Optional[np.ndarray] = None) -> list[dict]:
    """[{value, passages, documents}] for the codes (-1: none), most passages first; with
    ``hashes`` (the passages' text hashes; 0 for a text no other passage has) a text counts
    once per value, as a search with that value as a filter counts it; with ``label`` (regions) the value is the label and
    ``code`` the indexed term."""
    if not len(values):
        return []
    known = codes >= 0
    passages = np.bincount(codes[known], minlength=len(values))
    if hashes is not None:
        # hash 0: a text nowhere else in the index, counted as it is; the others once per value
        repeat = known & (hashes != 0)
        pairs = np.unique(np.stack([codes[repeat].astype(np.uint64), hashes[repeat]]), axis=1)
        passages -= np.bincount(codes[repeat], minlength=len(values))
        passages += np.bincount(pairs[0].astype(np.int64), minlength=len(values))
    pairs = np.unique(codes[known] * (int(reports.max(initial=0)) + 1) + reports[known])   # (value, report) once
    documents = np.bincount(pairs // (int(reports.max(initial=0)) + 1), minlength=len(values))
    order = sorted(np.flatnonzero(passages), key=lambda i: (-passages[i], values[i]))
    if label is not None:
        return [{"value": label(values[i]), "code": values[i], "passages": int(passages[i]),
                 "documents": int(documents[i])} for i in order]
    return [{"value": values[i], "passages": int(passages[i]), "documents": int(documents[i])} for i in order]


# the facets of report fields: (name, field, which of its terms); then kind and has_figures
REPORT_FACETS = (("province", REGION, lambda c: c.endswith("0000")),
                 ("city", REGION, lambda c: c.endswith("00") and not c.endswith("0000")),
                 ("county", REGION, lambda c: not c.endswith("00")),
                 ("year", YEAR, None), ("type", DOC_TYPE, None), ("level", LEVEL, None), ("issuer", ISSUER, None))
FACET_NAMES = tuple(f[0] for f in REPORT_FACETS) + ("kind", "has_figures")


NEAR_DUPLICATE = 0.8     # a passage this much of whose text an earlier hit already says is left out
# ... until this many have been left out; the rest are compared exactly only. A count of
# the passages before it, not of the page: page 2 leaves out what the whole list does
NEAR_DUPLICATE_DROPS = 30
_END_PAGES = 20          # ... and when the list ends within the drops and this many passages past the
                         # page, the walk goes to its end: the count on the last pages is exact
_SHINGLE = 4


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@functools.lru_cache(maxsize=1024)     # (about 10 KB a passage of 150 characters)
def shingles(text: str) -> tuple[frozenset, frozenset[str]]:
    """The passage's overlapping 4-character pieces of letters and digits (punctuation,
    spaces and layout left out), and the numbers it states. Each piece is an integer
    (passage_index.letter_shingles); the pieces of the passages that recent searches walked
    are kept (by text: the same text has the same pieces in any index)."""
    return frozenset(letter_shingles(passage_letters(text))), frozenset(_NUMBER.findall(text))


class _Shown:
    """The 4-character pieces and the numbers of the passages shown so far, each piece with
    the passages that have it: a passage is compared with the few that share one of its
    rarest pieces, not with every one shown (a 1,000-passage list compared half a million
    pairs: 1.1 s)."""

    INDEX_FROM = 64     # below this many shown, comparing with each is cheaper than indexing

    def __init__(self):
        self.shown: list[tuple[set[str], frozenset[str]]] = []
        self.owners: Optional[dict[str, list[int]]] = None

    def add(self, a: tuple[set[str], frozenset[str]]) -> None:
        self.shown.append(a)
        if self.owners is None and len(self.shown) >= self.INDEX_FROM:
            self.owners = {}
            for j, (pieces, _) in enumerate(self.shown):
                for p in pieces:
                    self.owners.setdefault(p, []).append(j)
        elif self.owners is not None:
            for p in a[0]:
                self.owners.setdefault(p, []).append(len(self.shown) - 1)

    def near_duplicate(self, a: tuple[set[str], frozenset[str]]) -> bool:
        """Whether ``NEAR_DUPLICATE`` or more of passage ``a``'s pieces are in one passage
        shown before it that states every number ``a`` states (the same text with a region's
        name changed, or a copy inside a longer passage). A passage with a number of its own
        is news (next year's report reusing last year's paragraph with new figures), and
        passages under 20 pieces are compared exactly only."""
        pieces, numbers = a
        if len(pieces) < 20 or not self.shown:
            return False
        need = math.ceil(NEAR_DUPLICATE * len(pieces))
        if self.owners is None:
            candidates = range(len(self.shown))
        else:
            # a passage with `need` of the pieces has one of any len - need + 1 of them: those
            # with the fewest owners find every candidate
            probe = sorted(pieces, key=lambda p: len(self.owners.get(p, ())))[:len(pieces) - need + 1]
            candidates = {j for p in probe for j in self.owners.get(p, ())}
        return any(numbers <= self.shown[j][1] and len(pieces & self.shown[j][0]) >= need
                   for j in sorted(candidates))


def _topic_queries(plan: QueryPlan) -> list:
    """The concept queries of ``plan`` that are its topic, when it also has words that only
    weigh it (a year, a region, an intent word); [] otherwise."""
    soft = [plan.weighs_only(name) for name in plan.concept_names]
    if not any(soft) or all(soft):
        return []
    return [q for q, s in zip(plan.concept_queries, soft) if not s]


def _whole_df(stats, forms: list[list[str]]) -> Optional[int]:
    """About how many passages have one of a concept's whole forms: for each form, its
    rarest word (an upper bound of the phrase's count), summed; None without forms."""
    if not forms:
        return None
    return min(stats.N, sum(min(stats.df(BODY, t) for t in tokens) for tokens in forms))


SUGGEST_MIN_DF = 2        # a suggested word is held by at least this many passages
SUGGEST_SCAN = 50_000     # terms of one first character compared at most, per segment


def _closest_term(stats, word: str) -> Optional[str]:
    """The indexed body term closest to ``word`` (one edit for words up to 4 characters, two
    for longer ones; same first character), held by at least SUGGEST_MIN_DF passages; the
    most frequent among the closest; None when there is none."""
    return _best_term(_close_terms(stats, word), stats.df)


def _best_term(found: dict[str, int], df: Callable[[str, str], int]) -> Optional[str]:
    """Of the terms ``found`` (term → edit distance), the closest held by at least
    SUGGEST_MIN_DF passages, the most frequent among those; None when there is none."""
    ranked = sorted(((d, -df(BODY, t), t) for t, d in found.items()))
    for d, neg_df, term in ranked:
        if -neg_df >= SUGGEST_MIN_DF:
            return term
    return None


def _close_terms(stats, word: str) -> dict[str, int]:
    """The indexed body terms one edit from ``word`` (two for words over 4 characters; same
    first character), each with its distance: the candidates of ``_closest_term``."""
    word = word.lower()
    most = 1 if len(word) <= 4 else 2
    found: dict[str, int] = {}
    for sp in stats.segments:
        lo, hi = sp.prefix_range(BODY, word[0])
        for ti in range(lo, min(hi, lo + SUGGEST_SCAN)):
            term = sp.term_at(BODY, ti)
            if term != word and abs(len(term) - len(word)) <= most and len(term) >= 2:
                d = next((d for d in range(1, most + 1) if _within_distance(word, term, d)), None)
                if d is not None:
                    found[term] = d
    return found


def _rounds(reports: np.ndarray, cap: int) -> np.ndarray:
    """For entries in rank order: how many earlier entries of the same report there are,
    divided by ``cap`` (0 for the best ``cap`` of each report, 1 for the next, ...); 0 for
    all without a cap."""
    n = len(reports)
    if not cap or not n:
        return np.zeros(n, np.int64)
    by_report = np.argsort(reports, kind="stable")        # each report's entries, in rank order
    sorted_r = reports[by_report]
    starts = np.r_[True, sorted_r[1:] != sorted_r[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    rank = np.empty(n, np.int64)
    rank[by_report] = np.arange(n) - first
    return rank // cap


@dataclass
class _Selection:
    """The entries of one page-long walk of a ranked list (see ``_select``)."""
    shown: np.ndarray          # entries shown, in display order, up to the limit
    near: list                 # entries left out as near duplicates of a shown one
    exact: bool                # every near duplicate of the list was looked for: the counts are exact
    short: bool                # the walk ran out of entries it could place before the limit


def _select(order: np.ndarray, reports: np.ndarray, hashes: np.ndarray, tiers: np.ndarray, cap: int,
            limit: int, text: Optional[Callable[[int], str]] = None, complete: bool = True,
            dedupe: bool = True) -> _Selection:
    """Walk the entries of ``order`` (best first; ``reports``, ``hashes``, ``tiers`` aligned
    with it) and show up to ``limit``. With ``dedupe``, a passage whose text a better one
    says is left out (counted in ``duplicates_hidden``), and with ``text`` (entry → passage
    text) so is a near duplicate of a shown one (``_Shown.near_duplicate``: a district's plan
    copied from the city's with its name changed). ``cap`` passages of a report come before
    the next ``cap`` of it do, among the passages of a tier: the first pages show many
    documents, and every passage is still reachable by paging (nothing is hidden by the cap).

    ``complete``: ``order`` holds every matching passage; otherwise it is the best of them
    (a pool cut by score), and only its entries that no passage below the pool could
    precede are walked (``short`` says the walk needed more)."""
    order = np.asarray(order, np.int64)
    keep = np.ones(len(order), bool)
    if dedupe and len(order):
        _, first = np.unique(hashes, return_index=True)
        keep[:] = False
        keep[first] = True
    order, reports, tiers = order[keep], reports[keep], tiers[keep]
    rounds = _rounds(reports, cap)
    display = np.lexsort((np.arange(len(order)), rounds, -tiers.astype(np.int64)))
    valid = len(display)
    if not complete and len(display):
        # below the pool are passages of its lowest tier: they precede its later rounds
        low = tiers.min()
        later = np.flatnonzero((tiers[display] == low) & (rounds[display] > 0))
        if len(later):
            valid = int(later[0])
    pieces = _Shown()
    shown, near = [], []
    # reading a passage's text costs a block of the passage file: after NEAR_DUPLICATE_DROPS
    # near duplicates, the rest is compared exactly only (a library of templated copies would
    # read thousands). Whether a passage is compared depends only on the passages before it,
    # so a page (offset, limit) is a slice of the longer list
    # Near the end of the list the walk goes on past the page, looking only for near
    # duplicates, so that the counts are exact where the pager needs them (the last page)
    near_possible = text is not None and dedupe
    finish = complete and len(display) <= limit + NEAR_DUPLICATE_DROPS + _END_PAGES
    walked = 0
    for j in display[:valid].tolist():
        if len(shown) >= limit and not (finish and near_possible and len(near) < NEAR_DUPLICATE_DROPS):
            break
        walked += 1
        i = int(order[j])
        if near_possible and len(near) < NEAR_DUPLICATE_DROPS:
            mine = shingles(text(i))
            if pieces.near_duplicate(mine):
                near.append(i)
                continue
            pieces.add(mine)
        if len(shown) < limit:
            shown.append(i)
    exact = complete and (not near_possible or finish or walked == len(display))
    return _Selection(np.asarray(shown, np.int64), near, exact, len(shown) < limit and not complete)


def _distinct(snap: "Snapshot", ids: np.ndarray, complete: np.ndarray) -> tuple[int, int]:
    """How many different texts the passages ``ids`` hold, among those ``complete`` marks
    and among the rest (a text of both counts with the first): only passages whose text is
    elsewhere in the index (``Snapshot.shared_texts``) can repeat, so only their hashes are
    compared."""
    shared = snap.shared_texts()[ids]
    hashes = snap.passages.p_hash[ids]
    whole = np.unique(hashes[complete & shared])
    rest = np.setdiff1d(np.unique(hashes[~complete & shared]), whole, assume_unique=True)
    return int((complete & ~shared).sum()) + len(whole), int((~complete & ~shared).sum()) + len(rest)


GENERIC_SHARE = 0.02     # a word in more than this share of the passages (市场, 服务, 行业) tells no topic


def _holds_telling_word(words: list, scorer, ids: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """Of the passages ``ids`` (``matched``: those holding part of a concept), which hold one
    of the concept's telling words (``QueryPlan.whole_parts``): a word at most
    GENERIC_SHARE of the index's passages hold (房地产 of 房地产市场, not 市场; 食品 of
    食品安全监管), or a run of characters the dictionary does not know."""
    stats = scorer.stats
    telling = []
    for q in words:
        if isinstance(q, wq.Or) and q.subqueries and isinstance(q.subqueries[0], wq.Term):
            text = q.subqueries[0].text
            text = text.decode() if isinstance(text, bytes) else text
            if stats.df(BODY, text) > GENERIC_SHARE * max(stats.N, 1):
                continue
        telling.append(q)
    if not telling or len(telling) == len(words):
        return matched
    out = np.zeros(len(ids), bool)
    for q in telling:
        out |= _members(ids, scorer.matching(q, ids[matched & ~out]))
    return matched & out


def scoped_cap(per_doc: int, asked: bool, plan: QueryPlan) -> int:
    """The cap on one report's passages in a page (``per_doc``), lifted when the caller did not
    set it and the query names a region or a year: it asks for those few reports, and a cap
    that spreads a page over many documents would put other regions' passages above theirs
    (广东 粤港澳大湾区建设: the Guangdong report's fourth passage below other laws'). Sets of
    judged queries, tune / test halves: +0.002 / +0.001 nDCG@10."""
    return 0 if not asked and (plan.regions or plan.years) else per_doc


def search_arguments(text, limit, offset, per_doc, sort: str, ranking: RankingConfig):
    """The checked paging and sorting arguments of a search: (limit, offset, per_doc, the
    filters a browse writes as its query or None); QuerySyntaxError for a bad one."""
    if not isinstance(text, str):
        raise QuerySyntaxError(f"the query must be text, not {text.__class__.__name__}")
    try:
        limit = int(limit)
    except (TypeError, ValueError, OverflowError):
        raise QuerySyntaxError(f"limit must be a number, not {limit!r}") from None
    if limit < 1:
        raise QuerySyntaxError("limit must be at least 1")
    limit = min(limit, MAX_LIMIT)
    try:
        offset = int(offset)
    except (TypeError, ValueError, OverflowError):
        raise QuerySyntaxError(f"offset must be a number, not {offset!r}") from None
    if not 0 <= offset <= MAX_OFFSET:
        raise QuerySyntaxError(f"offset must be between 0 and {MAX_OFFSET}")
    browsing = written_filters(text)
    try:
        per_doc = (0 if browsing is not None else ranking.per_doc) if per_doc is None else int(per_doc)
    except (TypeError, ValueError, OverflowError):
        raise QuerySyntaxError(f"per_doc must be a number, not {per_doc!r}") from None
    if per_doc < 0:
        raise QuerySyntaxError("per_doc must be 0 (no cap) or more")
    if sort not in SORTS:
        raise QuerySyntaxError(f"unknown sort {sort!r} (one of: {', '.join(SORTS)})")
    return limit, offset, per_doc, browsing


def search_timeout(timeout) -> float:
    """Seconds of search time (default DEFAULT_TIMEOUT); QuerySyntaxError for a bad value."""
    timeout = DEFAULT_TIMEOUT if timeout is None else float(timeout)
    if not math.isfinite(timeout):
        raise QuerySyntaxError("timeout must be a number of seconds, not NaN or infinity")
    if timeout <= 0:
        raise QuerySyntaxError("timeout must be more than 0 seconds")
    return timeout


def timeout_error(timeout: float) -> QueryTimeoutError:
    return QueryTimeoutError(f"the query needs more than {timeout:g} s of search time: narrow it (more "
                             "words, a filter, a phrase in quotes) or allow more time")


def _filter_reading(filters: Filters) -> str:
    """How a browse was read: its filters, one line (``browse region:宁波 kind:plans``)."""
    given = [f"{k}:{','.join(str(v) for v in filters.values(k))}"
             for k in ("region", "year", "type", "kind", "since", "until", "level", "issuer") if filters.values(k)]
    return "browse " + " ".join(given + (["has_figures:true"] if filters.has_figures else []))


def _dir_identity(path: Path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


@dataclass
class Snapshot:
    """One committed generation of the index, as one thread searches it."""
    searcher: object                         # Whoosh searcher of report records
    views: list[SegmentView]
    passages: CombinedPassages               # every segment's passages, numbered as one set
    stats: CorpusStats
    generation: int
    meta_cache: dict = field(default_factory=dict)       # global docnum -> stored fields
    report_cache: dict = field(default_factory=dict)     # repr(query) -> (docnums, scores), at most 256
    # whole-index tables read once per snapshot (dates, codes of a field, repeats, editions,
    # document order, stats): never emptied with the query results above (recomputing one
    # reads every report, 0.3-0.5 s at 10,000 reports; a shard's holds the index-wide facts)
    tables: dict = field(default_factory=dict)
    plans: dict = field(default_factory=dict)            # (text, synonyms, ranking) -> QueryPlan (IndexSearcher._search_plan)
    release: Optional[Callable[[], None]] = None         # gives back the passage files it holds

    def close(self) -> None:
        self.searcher.close()
        if self.release is not None:
            release, self.release = self.release, None
            release()

    def report_matches(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        """Global docnums (ascending) and scores of the reports matching ``q``."""
        key = repr(q)
        hit = self.report_cache.get(key)
        if hit is None:
            # the matches and scores of Whoosh's collector (each leaf's matcher stepped with
            # the searcher's context), without its Results, heap and sort by score: the
            # leaves are in docnum order, and so are their matches
            context = self.searcher.context()
            ids: list = []
            values: list = []
            for leaf, offset in self.searcher.leaf_searchers():
                m = q.matcher(leaf, context)
                while m.is_active():
                    ids.append(m.id() + offset)
                    values.append(m.score())
                    m.next()
            docnums = np.asarray(ids, np.int64)
            scores = np.asarray(values, np.float64)
            if len(docnums) > 1 and (np.diff(docnums) <= 0).any():
                order = np.argsort(docnums, kind="stable")
                docnums, scores = docnums[order], scores[order]
            if len(self.report_cache) > 256:
                self.report_cache.clear()
            hit = self.report_cache[key] = (docnums, scores)
        return hit

    def report_dates(self) -> np.ndarray:
        """Published date of every report as YYYYMMDD (0: unknown), by global docnum;
        read once per snapshot from the index's terms, not from stored documents."""
        dates = self.tables.get("__dates__")
        if dates is None:
            reader = self.searcher.reader()
            dates = np.zeros(reader.doc_count_all() + 1, np.int64)
            for term in reader.field_terms(PUBLISHED):
                value = term.decode() if isinstance(term, bytes) else term
                digits = value.replace("-", "")[:8].ljust(8, "0")
                if digits.isdigit():
                    docs = np.fromiter(reader.postings(PUBLISHED, term).all_ids(), np.int64)
                    dates[docs] = int(digits)
            self.tables["__dates__"] = dates
        return dates

    def report_terms(self, field_: str, select=None, name: str = "") -> tuple[np.ndarray, list[str]]:
        """(code of each report by global docnum, -1 for none; the values the codes stand
        for) for a single-valued report field, or the terms ``select`` keeps of a
        multi-valued one (region: one level of its codes). Read once per snapshot from the
        index's terms."""
        key = ("__terms__", field_, name)
        hit = self.tables.get(key)
        if hit is None:
            reader = self.searcher.reader()
            codes = np.full(reader.doc_count_all() + 1, -1, np.int64)
            values: list[str] = []
            for term in reader.field_terms(field_):
                value = term.decode() if isinstance(term, bytes) else str(term)
                if select is not None and not select(value):
                    continue
                codes[np.fromiter(reader.postings(field_, term).all_ids(), np.int64)] = len(values)
                values.append(value)
            hit = self.tables[key] = (codes, values)
        return hit

    def shared_texts(self) -> np.ndarray:
        """For every passage (global id): whether another passage of the index has the same
        text (hash). Computed once per snapshot; a query's repeat counts look at these only."""
        shared = self.tables.get("__shared__")
        if shared is None:
            # the hashes that occur more than once (one sort, no inverse permutation), then
            # each passage's hash looked up among them: 1.8x faster than np.unique's
            # inverse and counts (3.6M passages: 1.25 → 0.70 s)
            hashes = self.passages.p_hash
            ordered = np.sort(hashes)
            repeated = sorted_unique(ordered[1:][ordered[1:] == ordered[:-1]])
            if len(repeated):
                at = np.minimum(np.searchsorted(repeated, hashes), len(repeated) - 1)
                shared = repeated[at] == hashes
            else:
                shared = np.zeros(len(hashes), bool)
            self.tables["__shared__"] = shared
        return shared

    def current_editions(self) -> np.ndarray:
        """For every report by global docnum: whether it is the latest indexed edition of its
        rule (the latest published among the reports with its ``rule_key``); True for a
        report that is no rule. Read once per snapshot from the index's terms."""
        current = self.tables.get("__current__")
        if current is None:
            keys, _ = self.report_terms(RULE_KEY, None, "rule_key")
            dates = self.report_dates()[:len(keys)]
            current = np.ones(len(keys), bool)
            ruled = np.flatnonzero(keys >= 0)
            if len(ruled):
                latest = np.zeros(int(keys.max()) + 1, np.int64)
                np.maximum.at(latest, keys[ruled], dates[ruled])
                current[ruled] = dates[ruled] >= latest[keys[ruled]]
            self.tables["__current__"] = current
        return current

    def stored(self, docnum: int) -> dict:
        meta = self.meta_cache.get(docnum)
        if meta is None:
            if len(self.meta_cache) > 50_000:
                self.meta_cache.clear()
            meta = self.meta_cache[docnum] = self.searcher.stored_fields(docnum)
        return meta


def exhaustive_by_default(passages: int) -> bool:
    """Whether a search of ``passages`` passages (an index, or a shard of one) evaluates
    every one when the caller does not say: below PRUNE_MIN_PASSAGES, or SEARCHLIB_EXHAUSTIVE set."""
    return os.environ.get(PRUNE_ENV, "").lower() in ("1", "true", "yes") or passages < PRUNE_MIN_PASSAGES


def holds_every_concept(plan: QueryPlan, held) -> bool:
    """Whether the passages evaluated hold every concept the suggestions ("did you mean") are
    decided on: where a pruned search evaluated some passages only, a concept none of them
    holds may be held by one left out, so the suggestions need every passage."""
    return all(c in held or plan.expansions.get(c) or not 2 <= len(c) <= 12 for c in plan.subject_concepts())


class _Pruning:
    """The blocks of passages of a pruned search (prune.py), evaluated in descending order of
    their bound until no block left can reach the pool (the best ``pool`` keys): ``run``
    evaluates, ``parts`` holds the matching passages evaluated with their answer factors,
    ``theta`` the pool's cutoff among them (at most the exhaustive one: every matching
    passage from it up is evaluated), ``whole`` whether every matching passage was;
    ``widen`` asks for a pool four times larger. ``start`` is None where the bounds cannot
    be computed exactly (the caller evaluates every passage)."""

    @classmethod
    def start(cls, searcher: "IndexSearcher", scorer: Scorer, plan: QueryPlan, filters: Filters, snap: Snapshot,
              pool: int, own: Optional[float]) -> Optional["_Pruning"]:
        cp = snap.passages
        cfg = searcher.ranking
        if not cp.passages or filters.report_query() is wq.NullQuery:
            return None
        if (cfg.concreteness_weight < 0 or cfg.how_concreteness_weight < 0 or cfg.answer_boost < 0
                or (cfg.coordination_power is not None and cfg.coordination_power < 0)
                or min([*cfg.type_priors.values(), *cfg.rule_type_priors.values(), *cfg.kind_priors.values(),
                        cfg.named_rule_prior, 1.0]) < 0):
            return None
        bi = BlockIndex.of(cp)
        answers: dict = {}
        deadline, scorer.deadline = scorer.deadline, None     # the bounds evaluate only small nodes
        try:
            level_ub, score_ub, present, context = searcher._block_bounds(scorer, plan, filters, snap, bi, answers)
        except Unbounded:
            return None
        finally:
            scorer.deadline = deadline
        if own is not None and time.perf_counter() > own:
            return None
        return cls(searcher, scorer, plan, filters, snap, pool, own, bi, answers,
                   level_ub * _TIER + score_ub, present, context)

    def __init__(self, searcher, scorer, plan, filters, snap, pool, own, bi, answers, key_ub, present, context):
        self.searcher, self.scorer, self.plan, self.filters, self.snap = searcher, scorer, plan, filters, snap
        self.pool, self.own, self.bi, self.answers, self.key_ub, self.context = pool, own, bi, answers, key_ub, context
        self.cand = np.flatnonzero(present)
        # the blocks not taken yet, best bound first (equal bounds: in passage order)
        self.queue = self.cand[np.argsort(-key_ub[self.cand], kind="stable")]
        self.batch = max(PRUNE_FIRST_BLOCKS, min(PRUNE_FIRST_MAX, bi.nb >> PRUNE_FIRST_SHIFT))
        self.theta = None        # the pool's cutoff among the passages evaluated (≤ the exhaustive one)
        self.parts: list = []
        self.evaluated = 0       # matching passages evaluated
        self.left_out: list = []     # blocks _tighten left out (their matching passages only counted) ...
        self.skipped = 0         # ... and how many matching passages they hold
        self.stats = dict(blocks=bi.nb, candidates=len(self.queue), searched=0, tightened=0, rounds=0, pools=1)
        self.notes: list = []

    def cutoff(self) -> Optional[float]:
        if self.evaluated < self.pool:
            return None
        keys = np.concatenate([m.level * _TIER + m.score * a for m, a in self.parts])
        return keys[np.argpartition(-keys, self.pool - 1)[self.pool - 1]]

    @property
    def whole(self) -> bool:
        """Every matching passage evaluated: every block that can match was searched, and the
        blocks _tighten left out held none."""
        return not len(self.queue) and not self.skipped

    def run(self) -> bool:
        """Evaluate blocks until none left can reach the pool; False when a block's search
        ran out of time (its result would be partial)."""
        searcher, scorer, plan, filters, snap = self.searcher, self.scorer, self.plan, self.filters, self.snap
        cp, cfg, bi = snap.passages, searcher.ranking, self.bi
        while len(self.queue):
            if self.theta is None:
                # the next blocks by bound, until the pool's cutoff is known
                take, self.queue = self.queue[:self.batch], self.queue[self.batch:]
                self.batch *= PRUNE_GROWTH
            else:
                # the next blocks whose bound reaches the cutoff (descending: a prefix); the
                # cutoff rises as they are searched
                reach = int(np.count_nonzero(self.key_ub[self.queue] >= self.theta))
                if not reach:
                    break    # no block left can reach the pool
                step = min(reach, self.batch)
                self.batch *= PRUNE_GROWTH
                take, self.queue = self.queue[:step], self.queue[step:]
            self.stats["rounds"] += 1
            parent = scorer
            if self.theta is not None and len(take) > PRUNE_TIGHTEN_BLOCKS:
                # many blocks: the query alone (no coordination) on them bounds each
                # passage, and only the blocks of those that reach the cutoff are searched
                parent, kept, counted = searcher._tighten(scorer, plan, filters, snap, bi, self.context, take,
                                                          self.theta, self.answers, self.own)
                self.stats["tightened"] += len(take)
                if len(kept) < len(take):
                    self.left_out.append(np.setdiff1d(take, kept, assume_unique=True))
                    self.skipped += counted
                take = kept
                if not len(take):
                    continue
            self.stats["searched"] += len(take)
            # (the statistics the search scores with: a shard's are the whole index's)
            sub = Scorer(cp, scorer.stats, cfg, reports=scorer.reports, report_title=scorer.report_title,
                         domain=Domain(np.sort(take), cp.passages, bi.shift), parent=parent)
            sub.deadline = self.own
            m = searcher._match(sub, plan, filters, snap)
            self.notes += sub.notes
            if sub.partial:
                return False
            if m is not None:
                answer = np.ones(len(m.ids))
                if cfg.answer_boost:
                    answer = searcher._answer_factor(snap, m.ids, plan, m.concept_weight, self.answers)
                self.parts.append((m, answer))
                self.evaluated += len(m.ids)
            # the pool's cutoff among what was evaluated: at most the cutoff among all
            self.theta = self.cutoff()
        return True

    def widen(self) -> None:
        self.pool *= 4
        self.stats["pools"] += 1
        self.theta = self.cutoff()
        if self.left_out:
            self.queue = np.concatenate([self.queue, *self.left_out])
            self.queue = self.queue[np.lexsort((self.queue, -self.key_ub[self.queue]))]
            self.left_out, self.skipped = [], 0

    def finish(self, scorer: Scorer) -> None:
        """The notes of the blocks' searches to ``scorer``, and what pruning did (for
        benchmarks: blocks of the index, blocks that can match, blocks searched, blocks
        bounded per passage by _tighten, rounds of searches, pools tried)."""
        scorer.notes += self.notes
        self.stats["passages"] = self.evaluated
        scorer.prune_stats = self.stats
        if os.environ.get("SEARCHLIB_PRUNE_DEBUG") and self.theta is not None:
            self.stats["needed"] = int((self.key_ub[self.cand] >= self.theta).sum())


@dataclass
class _Ranked:
    """The top passages of a search (global passage ids, best first) and their score parts."""
    ids: np.ndarray
    score: np.ndarray
    text: np.ndarray
    flat: np.ndarray
    tier: np.ndarray
    factor: np.ndarray
    prior: np.ndarray
    total: int
    matched: np.ndarray        # the matching passages ``total`` counts, or if none those of ``partial`` (facets)
    answer: np.ndarray = None  # 1 + answer_boost for a passage with a figure about the query, else 1
    missing: Optional[list] = None   # per passage: the concepts it does not hold
    partial: int = 0           # matching passages that miss a concept (not in ``total``)
    held: set = field(default_factory=set)   # the concepts some matching passage holds
    duplicates: int = 0        # matching passages left out as repeats of a shown one
    counts_exact: bool = True  # False: near duplicates past this page may lower the counts
    exact: bool = True         # False: pruning left passages unevaluated; the counts are lower bounds

    @classmethod
    def empty(cls) -> "_Ranked":
        z = np.zeros(0)
        return cls(np.zeros(0, np.int64), z, z, z, np.zeros(0, np.int8), z, z, 0, np.zeros(0, np.int64), z)


def _concat_matched(parts: list) -> tuple["_Matched", np.ndarray]:
    """One _Matched (ascending ids) from those of disjoint blocks, with their answer factors."""
    if len(parts) == 1:
        return parts[0]
    ms = [m for m, _ in parts]
    ids = np.concatenate([m.ids for m in ms])
    order = np.argsort(ids, kind="stable")

    def cat(name):
        return np.concatenate([getattr(m, name) for m in ms])[order]

    has = None if ms[0].has is None else np.concatenate([m.has for m in ms], axis=1)[:, order]
    m = _Matched(ids[order], cat("text"), cat("flat"), cat("tier"), cat("level"), cat("factor"), cat("prior"),
                 cat("score"), has, ms[0].concept_weight)
    return m, np.concatenate([a for _, a in parts])[order]


@dataclass
class _Matched:
    """The passages matching a query and its filters (ascending ids), with their score and
    its parts before the answer factor (``IndexSearcher._match``)."""
    ids: np.ndarray
    text: np.ndarray
    flat: np.ndarray
    tier: np.ndarray          # 1: holds every concept
    level: np.ndarray         # the order of the tiers (0-3: see IndexSearcher._match)
    factor: np.ndarray        # concreteness factor
    prior: np.ndarray         # genre, named rule and section-kind priors
    score: np.ndarray         # (text × factor + flat) × prior
    has: Optional[np.ndarray]      # concepts × passages: which concepts each holds (None: Whoosh syntax)
    concept_weight: dict


class IndexSearcher:
    """Searching one index directory, from any number of threads."""

    def __init__(self, path: Path, ranking: RankingConfig = DEFAULT_RANKING):
        self.path = Path(path)
        self.ranking = ranking
        self._ranking_key = None       # repr(ranking): what cached bounds depend on (prune.py)
        self._open()
        self._local = threading.local()
        self._lock = threading.Lock()

    def _open(self) -> None:
        self._ix = open_whoosh(self.path)
        self._files = PassageFiles(self.path)
        self._tables = ReportTables(self.path)
        self._identity = _dir_identity(self.path)
        self._verified: set[int] = set()           # generations whose report records were checked
        self._intact: set = set()                  # (file, size, checksum) of those files found intact
        self._node_cache = None                    # (Whoosh index, generation, the NodeCache its snapshots share)

    # -- snapshots ----------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """This thread's view of the latest committed generation. Use one snapshot
        throughout an operation: taking a new one may close the previous one."""
        identity = _dir_identity(self.path)
        if identity is not None and identity != self._identity:
            # a full build swapped in a new directory (its generation numbers may repeat)
            with self._lock:
                if identity != self._identity:
                    self._open()
        local = self._local
        snap: Optional[Snapshot] = getattr(local, "snap", None)
        ix = self._ix
        if snap is not None and getattr(local, "ix", None) is ix and snap.generation == ix.latest_generation():
            # a passage file cut short under a running server would kill it on the next read
            # (SIGBUS): each search first checks that every mapped file still has its length
            for view in snap.views:
                if not view.passages.intact():
                    raise damaged(self.path, PassageFileError(f"{view.passages.path.name} was cut short "
                                                              "while the index was open"))
            return snap
        # a new Whoosh searcher per commit, not Searcher.refresh(): in whoosh-reloaded 2.7.5
        # refresh keeps segment readers whose deletions are out of date
        try:
            searcher = ix.searcher()
        except DAMAGE_ERRORS as e:
            raise damaged(self.path, e) from None
        try:
            generation = searcher.reader().generation()
            raise_if_resized(self.path, generation)           # a stat per file of the generation
            if generation not in self._verified:              # the report records' bytes, once per generation
                raise_if_records_damaged(self.path, generation, self._intact)    # (the files it added)
                self._verified.add(generation)
        except IntegrityError as e:
            searcher.close()
            raise damaged(self.path, e) from None
        try:
            views = self._files.views(searcher)
        except (PassageFileError, *DAMAGE_ERRORS) as e:
            searcher.close()
            raise damaged(self.path, e) from None
        live = sum(v.live_passages() for v in views)
        files = self._files
        new = Snapshot(searcher, views, CombinedPassages(views), CorpusStats([v.passages for v in views], live),
                       searcher.reader().generation(), release=lambda: files.release(views))
        with self._lock:        # one NodeCache for every thread's snapshot of a generation
            held = self._node_cache
            if held is None or held[0] is not ix or held[1] != new.generation:
                held = self._node_cache = (ix, new.generation, NodeCache.for_passages(new.passages.passages))
        held[2].attach(new.passages)
        if snap is not None:
            snap.close()
        local.snap, local.ix = new, ix
        return new

    def close(self) -> None:
        snap = getattr(self._local, "snap", None)
        if snap is not None:
            snap.close()
            self._local.snap = None

    def frequent_terms(self) -> list[tuple[str, int]]:
        """The index's most frequent body words with the passages holding them (suggestions)."""
        from .suggest import index_terms
        return index_terms(self.snapshot().stats.segments, BODY)

    # -- planning -------------------------------------------------------------------------
    def plan(self, text: str, synonyms=None, snap: Optional[Snapshot] = None, stats=None) -> QueryPlan:
        """The query plan; ``stats`` (default the snapshot's): the collection statistics it is
        made with (a shard plans with the statistics of every shard)."""
        if stats is None:
            stats = (snap or self.snapshot()).stats
        builder = QueryBuilder(synonyms, self.ranking, doc_frequency=lambda t: stats.df(BODY, t),
                               doc_count=stats.N)
        return builder.plan(text, use_synonyms=synonyms is not None)

    def _search_plan(self, text: str, synonyms, snap: Snapshot) -> QueryPlan:
        """``plan(text, synonyms, snap)``, kept in the snapshot for its later searches of the
        same text with the same synonyms and ranking (a plan depends on those and on the
        snapshot's statistics, and nothing changes it once made; ``plan`` itself, which
        callers may change, makes a new one each time)."""
        key = (text, id(synonyms), id(self.ranking))
        hit = snap.plans.get(key)
        if hit is not None and hit[0] is synonyms and hit[1] is self.ranking:
            return hit[2]
        plan = self.plan(text, synonyms, snap)
        if len(snap.plans) >= 512:
            snap.plans.clear()
        snap.plans[key] = (synonyms, self.ranking, plan)
        return plan

    # -- search ---------------------------------------------------------------------------
    def search(self, text: str, filters: Filters, limit: int = 10, synonyms=None,
               explain: bool = False, per_doc: Optional[int] = None, offset: int = 0,
               sort: str = "relevance", facets: bool = False, timeout: Optional[float] = None,
               show_duplicates: bool = False, browse_all: bool = False, exact_total: bool = False,
               exhaustive: Optional[bool] = None) -> SearchResult:
        """``browse_all``: without words or filters, browse every document (facets of the whole
        index) instead of raising QuerySyntaxError. In relevance order, the passages that
        cannot reach the page are not scored (block-max pruning, prune.py): the page is the
        one scoring every passage gives, and ``total`` may be a lower bound
        (``total_relation`` "gte"); ``exact_total`` counts every matching passage (as do
        ``facets`` and ``explain``); ``exhaustive`` scores every passage (True) or prunes
        whatever the index's size (False); by default it prunes on an index of at least
        PRUNE_MIN_PASSAGES passages unless the environment sets SEARCHLIB_EXHAUSTIVE=1."""
        t0 = time.perf_counter()
        asked_cap = per_doc is not None
        limit, offset, per_doc, browsing = search_arguments(text, limit, offset, per_doc, sort, self.ranking)
        filters.validate()
        snap = self.snapshot()
        if browsing is not None:
            filters = filters.merged(browsing)
            if not filters.restricts() and not browse_all:
                raise QuerySyntaxError("empty query: give words to search for, or filters to browse by")
            result = self._browse(snap, text, filters, limit, per_doc, offset, sort, facets, not show_duplicates)
            result.elapsed_ms = (time.perf_counter() - t0) * 1000
            return result
        plan = self._search_plan(text, synonyms, snap)
        if plan.filters:
            filters = filters.merged(plan.filters)
        per_doc = scoped_cap(per_doc, asked_cap, plan)
        scorer = Scorer(snap.passages, snap.stats, self.ranking, reports=snap.report_matches,
                        report_title=lambda d: (snap.stored(d).get(META) or {}).get("title", ""),
                        cache=None if explain else NodeCache.of(snap.passages))   # (explain reads the leaves)
        timeout = search_timeout(timeout)
        if not show_duplicates:
            # which texts repeat: a table of the snapshot read once, by its first search (0.7 s
            # at 100,000 reports), not part of any one query's search time
            snap.shared_texts()
        scorer.deadline = time.perf_counter() + timeout
        if exhaustive is None:
            exhaustive = exhaustive_by_default(snap.passages.passages)
        prune = not (exhaustive or exact_total or facets or explain)
        try:
            ranked = self._rank(scorer, plan, filters, snap, limit, per_doc, offset, sort, not show_duplicates,
                                prune=prune)
        except OutOfTime:
            raise timeout_error(timeout) from None
        scorer.deadline = None
        phrases, words = plan.highlight_terms()
        hits = [self._hit(snap, int(pid), float(score), phrases, words) for pid, score in zip(ranked.ids, ranked.score)]
        if explain:
            for i, h in enumerate(hits):
                h.explanation = self._explain(ranked, i, scorer, snap, plan)
        for h, missing in zip(hits, ranked.missing or ()):
            h.missing = missing
        unmatched = self._unmatched(snap, plan)
        result = SearchResult(query=text, hits=hits, total=ranked.total, total_partial=ranked.partial,
                              expanded_query=plan.reading(), offset=offset,
                              partial=scorer.partial, warnings=list(dict.fromkeys(scorer.notes)),
                              unmatched=unmatched, read_as=plan.read_as(), duplicates_hidden=ranked.duplicates,
                              counts_exact=ranked.counts_exact, total_relation="eq" if ranked.exact else "gte")
        absent = [c for c in plan.subject_concepts() if c not in ranked.held] if not plan.advanced else []
        result.suggestions = self._suggestions(snap, plan, absent)
        if facets:
            t_facets = time.perf_counter()
            result.facets = self._facets(snap, ranked.matched, dedupe=not show_duplicates)
            result.facets_ms = (time.perf_counter() - t_facets) * 1000
        result.elapsed_ms = (time.perf_counter() - t0) * 1000
        return result

    def _browse(self, snap: Snapshot, text: str, filters: Filters, limit: int, per_doc: int, offset: int,
                sort: str, facets: bool, dedupe: bool) -> SearchResult:
        """Filters without words: the documents they allow, newest first (each shown by its
        first passage; ``total`` counts documents), or with a passage filter (kind,
        has_figures) those documents' passages, newest document first and in document
        order (``total`` counts passages, repeats left out as in a search). ``sort="date"``:
        oldest first."""
        sp = snap.passages
        browse = "passages" if filters.passage_query() is not None else "documents"
        empty = SearchResult(query=text, hits=[], total=0, offset=offset, browse=browse,
                             expanded_query=_filter_reading(filters), facets={} if facets else None)
        ids = self._browse_ids(snap, filters)
        if not len(ids):
            return empty
        reports = sp.p_report
        dates = snap.report_dates()[reports[ids]]
        dates = np.where(dates > 0, dates if sort == "date" else -dates, np.iinfo(np.int64).max)
        order = np.lexsort((ids, dates))
        tiers = np.ones(len(ids), np.int8)
        want = offset + limit
        text_of = (lambda i: sp.payload(int(ids[i]))["text"]) if self.ranking.collapse_near_duplicates else None
        if browse == "documents":
            per_doc, dedupe, text_of = 0, False, None          # one passage per document, each shown
        chosen = _select(order, reports[ids[order]], sp.p_hash[ids[order]], tiers[order], per_doc, want,
                         text_of, complete=True, dedupe=dedupe)
        total = _distinct(snap, ids, np.ones(len(ids), bool))[0] - len(chosen.near) if dedupe else len(ids)
        hits = [self._hit(snap, int(ids[i]), 0.0, set(), set()) for i in chosen.shown[offset:want]]
        result = SearchResult(query=text, hits=hits, total=total, offset=offset, browse=browse,
                              expanded_query=_filter_reading(filters), duplicates_hidden=len(ids) - total,
                              counts_exact=chosen.exact)
        if facets:
            t_facets = time.perf_counter()
            result.facets = self._facets(snap, ids, dedupe=dedupe)
            result.facets_ms = (time.perf_counter() - t_facets) * 1000
        return result

    def _browse_ids(self, snap: Snapshot, filters: Filters) -> np.ndarray:
        """The passages a browse lists (ascending): each allowed document's first passage, or
        with a passage filter (kind, has_figures) the allowed documents' passages it keeps."""
        sp = snap.passages
        report_filter = filters.report_query()
        passage_filter = filters.passage_query()
        if report_filter is wq.NullQuery:
            return np.zeros(0, np.int64)
        docs, _ = snap.report_matches(report_filter if report_filter is not None else wq.Every())
        reports = sp.p_report
        if passage_filter is None:
            at = np.searchsorted(reports, docs)          # passages are in report order: each report's first
            ok = at < len(reports)
            ok[ok] = reports[at[ok]] == docs[ok]
            ids = at[ok]
        else:
            ids = Scorer(sp, snap.stats, self.ranking, reports=snap.report_matches).evaluate(passage_filter).ids
            ids = ids[_members(reports[ids], docs)]
        return ids[sp.live(ids)]

    def _unmatched(self, snap: Snapshot, plan: QueryPlan) -> list[str]:
        """The query's words that no passage of the index holds (in its text or headings):
        a concept none of whose words is indexed, else its words that are not."""
        if plan.advanced:
            return []
        stats = snap.stats
        out = []
        for concept in plan.subject_concepts():
            forms = plan.forms.get(concept)
            words = forms[0][1] if forms else []          # the concept as typed, not its synonyms
            unknown = [w for w in dict.fromkeys(words)
                       if not stats.df(BODY, w) and not stats.df(HEADING, w)]
            out.extend([concept] if unknown and len(unknown) == len(set(words)) else unknown)
        return list(dict.fromkeys(out))

    def _suggestions(self, snap: Snapshot, plan: QueryPlan, absent: list[str], closest=None) -> list[dict]:
        """Did you mean: for each concept no passage holds, the most frequent indexed word one
        or two edits from it (行政附议 → 行政复议), from the index's own vocabulary, with the
        query it makes."""
        out = []
        for concept in absent:
            if plan.expansions.get(concept) or not 2 <= len(concept) <= 12:
                continue
            best = closest(concept) if closest is not None else _closest_term(snap.stats, concept)
            if best:
                out.append({"word": concept, "suggestion": best,
                            "query": re.sub(rf"(?<!\S){re.escape(concept)}(?!\S)", best, plan.text, count=1)
                            if concept in plan.text.split() else plan.text.replace(concept, best, 1)})
        return out

    def _facets(self, snap: Snapshot, ids: np.ndarray, dedupe: bool = True) -> dict:
        """Counts of the matching passages and of their documents by province, city,
        county (region values carry their GB/T 2260 ``code``), year, document type, a rule's
        level and issuer, section kind and whether the passage states figures (``has_figures``: one value, true),
        largest first."""
        sp = snap.passages
        reports = sp.p_report[ids]
        # a text counts once per value: only texts found elsewhere in the index are compared
        hashes = np.where(snap.shared_texts()[ids], sp.p_hash[ids], np.uint64(0)) if dedupe else None
        out = {}
        table = region_table()
        for name, field_, select in REPORT_FACETS:
            codes, values = snap.report_terms(field_, select, name)
            out[name] = _count(codes[reports], reports, values,
                               table.name_of if field_ == REGION else None, hashes)
        out["kind"] = _count(sp.p_kind[ids].astype(np.int64), reports, list(SECTION_KINDS), hashes=hashes)
        figures = (sp.p_flags[ids] & FIGURES_FLAG).astype(bool)
        out["has_figures"] = _count(np.where(figures, 0, -1), reports, [True], hashes=hashes)
        return out

    def _rank(self, scorer: Scorer, plan: QueryPlan, filters: Filters, snap: Snapshot, limit: int,
              per_doc: int = 0, offset: int = 0, sort: str = "relevance", dedupe: bool = True,
              prune: bool = False) -> "_Ranked":
        """The passages ranked ``offset`` to ``offset + limit`` of those matching the plan
        and the filters, and how many match; with ``dedupe``, repeated passages are left out
        and counted apart. With ``prune`` (relevance order only), blocks of passages that
        cannot reach the page are not evaluated (prune.py): the same page, and ``total`` a
        lower bound where blocks were left out (``_Ranked.exact``)."""
        if prune and sort == "relevance":
            ranked = self._rank_pruned(scorer, plan, filters, snap, offset + limit, per_doc, offset, dedupe)
            if ranked is not None:
                return ranked
        m = self._match(scorer, plan, filters, snap)
        if m is None:
            return _Ranked.empty()
        return self._rank_matched(m, None, snap, plan, per_doc, offset, offset + limit, sort, dedupe)

    def _rank_matched(self, m: "_Matched", answer: Optional[np.ndarray], snap: Snapshot, plan: QueryPlan,
                      per_doc: int, offset: int, want: int, sort: str, dedupe: bool,
                      whole: bool = True, answers: Optional[dict] = None,
                      floor: Optional[float] = None) -> Optional["_Ranked"]:
        """The page and the counts from the matching passages ``m``. ``answer``: their answer
        factors when already known. ``whole``: ``m`` holds every matching passage; otherwise
        (the pruned search) it holds every matching passage whose key (level × _TIER + score)
        is at least ``floor`` and some others, the counts are lower bounds, and None is
        returned where the page may depend on the passages left out."""
        sp = snap.passages
        ids, text, flat, tier, level, factor, prior, score, has, concept_weight = (
            m.ids, m.text, m.flat, m.tier, m.level, m.factor, m.prior, m.score, m.has, m.concept_weight)
        looked = None           # the passages whose answer factor was looked up, when not all were
        if answer is not None:
            score = score * answer
        else:
            answer = np.ones(len(ids))
            if self.ranking.answer_boost:
                # the factor only raises a score (by at most 1 + answer_boost): a passage below the
                # pool's cutoff by more than that cannot reach the pool, so it is not looked up
                pool = want * POOL_FACTOR
                look = np.arange(len(ids))
                if sort == "relevance" and len(ids) > 4 * pool and len(ids) > SMALL_LIST:
                    key = level * _TIER + score
                    cutoff = key[np.argpartition(-key, pool - 1)[pool - 1]]
                    look = np.flatnonzero(key + score * self.ranking.answer_boost >= cutoff)
                answer[look] = self._answer_factor(snap, ids[look], plan, concept_weight, answers)
                looked = None if len(look) == len(ids) else look
                score = score * answer
        key = level * _TIER + score
        text_of = (lambda i: sp.payload(int(ids[i]))["text"]) if self.ranking.collapse_near_duplicates else None
        reports, hashes = sp.p_report[ids], sp.p_hash[ids]

        def select(order: np.ndarray, complete: bool) -> _Selection:
            return _select(order, reports[order], hashes[order], level[order], per_doc, want, text_of,
                           complete=complete, dedupe=dedupe)

        if sort != "relevance":
            # by published date (unknown dates last), then by relevance, then by position
            dates = snap.report_dates()[reports]
            dates = np.where(dates > 0, dates if sort == "date" else -dates, np.iinfo(np.int64).max)
            chosen = select(np.lexsort((ids, -score, dates)), True)
        else:
            # by tier and score, then by report and position in it (ids are in that order)
            # a short list is ranked whole: cheap, and its counts are then exact on every page
            if whole:
                n = len(ids)
                pool = n if n <= SMALL_LIST else min(n, want * POOL_FACTOR)
                if n > pool:
                    cutoff = key[np.argpartition(-key, pool - 1)[pool - 1]]
                    part = np.flatnonzero(key >= cutoff)
                else:
                    part = np.arange(len(ids))
                complete = len(part) == n
            else:
                # pruned: every matching passage from ``floor`` up is here (the head of the
                # exhaustive ranking; those below may not be). A walk of them that fills the
                # page before it reaches what a passage below could precede (``_select``, not
                # complete) is the exhaustive walk's page, whether that ranks a pool or all
                part = np.flatnonzero(key >= floor)
                complete = False
            chosen = select(part[np.lexsort((ids[part], -score[part], -level[part]))], complete)
            if chosen.short:     # duplicates or a few documents fill the pool: rank all
                if not whole:
                    return None
                if looked is not None:
                    # passages below the pool can be shown now: their answer factor counts too
                    below = np.ones(len(ids), bool)
                    below[looked] = False
                    unread = np.flatnonzero(below)
                    answer[unread] = self._answer_factor(snap, ids[unread], plan, concept_weight, answers)
                    score[unread] *= answer[unread]
                chosen = select(np.lexsort((ids, -score, -level)), True)
        part = chosen.shown[offset:want]
        names = list(concept_weight) or plan.concept_names
        missing = [[names[k] for k in np.flatnonzero(~has[:, i])] for i in part] if has is not None else None
        held = {names[k] for k in np.flatnonzero(has.any(axis=1))} if has is not None else set(names)
        # the counts: what paging can show (a text shown once; the near duplicates found on the
        # way to this page left out), and the passages left out as repeats
        complete_ = tier.astype(bool)
        if dedupe:
            n_complete, n_partial = _distinct(snap, ids, complete_)
            near_tier = tier[np.asarray(chosen.near, np.int64)].astype(bool)
            n_complete -= int(near_tier.sum())
            n_partial -= int((~near_tier).sum())
        else:
            n_complete, n_partial = int(complete_.sum()), int((~complete_).sum())
        duplicates = len(ids) - n_complete - n_partial
        if not whole and dedupe:
            # lower bounds. A text some evaluated passages share may be held whole by one left
            # out, which moves it from the partial count to the complete one: the partial
            # count is of the texts no other passage has. And the exhaustive walk of a short
            # list goes on past the page for near duplicates (``_select``), up to
            # NEAR_DUPLICATE_DROPS of them: where the list may be that short (these texts are
            # few), as many more may be left out of either count
            unique = ~snap.shared_texts()[ids]
            n_partial = int((~complete_ & unique).sum()) - int((~near_tier).sum())
            if text_of is not None and len(np.unique(hashes)) <= want + NEAR_DUPLICATE_DROPS + _END_PAGES:
                more = NEAR_DUPLICATE_DROPS - len(chosen.near)
                n_complete, n_partial = n_complete - more, n_partial - more
            # (and every passage walked to this page, shown, is one the exhaustive counts hold)
            shown_tier = tier[chosen.shown].astype(bool)
            n_complete = max(n_complete, int(shown_tier.sum()))
            n_partial = max(n_partial, int((~shown_tier).sum()))
        counted = ids[complete_] if complete_.any() else ids
        if chosen.near:             # a near duplicate left out of the list is left out of the facets
            counted = counted[~_members(counted, np.sort(ids[np.asarray(chosen.near, np.int64)]))]
        return _Ranked(ids[part], score[part], text[part], flat[part], tier[part], factor[part], prior[part],
                       n_complete, counted, answer[part], missing, n_partial, held,
                       duplicates=duplicates, counts_exact=chosen.exact, exact=whole)

    def _rank_pruned(self, scorer: Scorer, plan: QueryPlan, filters: Filters, snap: Snapshot, want: int,
                     per_doc: int, offset: int, dedupe: bool) -> Optional["_Ranked"]:
        """``_rank`` in relevance order, evaluating the blocks of passages (prune.py) in
        descending order of their bound and stopping when no block left can reach the pool
        (the best ``want × POOL_FACTOR``); None when this cannot be done exactly here (the
        caller then evaluates every passage). It has PRUNE_TIME_SHARE of the time left: out
        of it, the exhaustive evaluation has the rest (and ranks on the concepts it could
        search, as it does)."""
        deadline = scorer.deadline
        own = None
        if deadline is not None:
            now = time.perf_counter()
            own = now + max(deadline - now, 0.0) * PRUNE_TIME_SHARE
        try:
            return self._rank_pruned_within(scorer, plan, filters, snap, want, per_doc, offset, dedupe, own)
        except OutOfTime:
            return None
        finally:
            scorer.deadline = deadline

    def _rank_pruned_within(self, scorer: Scorer, plan: QueryPlan, filters: Filters, snap: Snapshot, want: int,
                            per_doc: int, offset: int, dedupe: bool, own: Optional[float]) -> Optional["_Ranked"]:
        """``_rank_pruned`` with the deadline ``own`` (time.perf_counter(); None: none)."""
        walk = _Pruning.start(self, scorer, plan, filters, snap, want * POOL_FACTOR, own)
        if walk is None:
            return None
        while True:
            if not walk.run():
                return None
            if not walk.parts:
                ranked = _Ranked.empty()     # (nothing matched: every block was searched)
                break
            m, answer = _concat_matched(walk.parts)
            ranked = self._rank_matched(m, answer, snap, plan, per_doc, offset, want, "relevance", dedupe,
                                        whole=walk.whole, answers=walk.answers, floor=walk.theta)
            if ranked is not None:
                break
            # the walk of the passages from the cutoff up ran out before the page was full (a
            # few documents or repeated texts fill the pool; the exhaustive ranking then ranks
            # every passage): a larger pool, a lower cutoff, more blocks
            walk.widen()
        walk.finish(scorer)
        if not walk.whole and not plan.advanced and not holds_every_concept(plan, ranked.held):
            return None
        return ranked

    def _block_bounds(self, scorer: Scorer, plan: QueryPlan, filters: Filters, snap: Snapshot, bi: BlockIndex,
                      answers: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per block: the highest level and score a passage of it can have, and whether one
        of it can match the query and the filters (Unbounded: a node without a bound)."""
        cp = snap.passages
        cfg = self.ranking
        asks_rule = plan.rule_intent and (plan.legal_ask or not plan.wants_figures)
        # (the larger of the two concreteness weights, whichever the query ranks with: an
        # upper bound; bounding with the query's own was measured no faster at 10,000 reports
        # and only lowered the lower-bound counts)
        weights = passage_weights(bi, cp, snap, max(cfg.concreteness_weight, cfg.how_concreteness_weight),
                                  cfg.rule_type_priors if asks_rule else cfg.type_priors,
                                  self._kind_priors(plan))
        about: dict = {}
        if cfg.answer_boost:
            for concept, ids in self._answer_groups(snap, plan, answers):
                if ids is not None:
                    about[concept] = ids if concept not in about else np.union1d(about[concept], ids)
        concepts = []
        if not plan.advanced:
            concepts = [(q, name, repr(plan.alternatives_of(name)))
                        for q, name in zip(plan.concept_queries, plan.concept_names)]
        if self._ranking_key is None:
            self._ranking_key = repr(cfg)
        bounds = Bounds(scorer, bi, weights, about, cfg.answer_boost, concepts, self._ranking_key)
        qb = bounds.bound(plan.query)
        present = qb.present.copy()
        report_filter = filters.report_query()
        if report_filter is not None:
            docs, _ = snap.report_matches(report_filter)
            present &= report_blocks(bi, cp, docs)
        passage_filter = filters.passage_query()
        if passage_filter is not None:
            present &= bounds.bound(passage_filter).present
        topic = _topic_queries(plan)
        if topic:
            on_topic = np.zeros(bi.nb, bool)
            for q in topic:
                on_topic |= bounds.bound(q).present
            present &= on_topic
        # the level: 3 at most where a passage can hold every concept, else 1
        queries = plan.concept_queries
        tier_possible = np.ones(bi.nb, bool)
        single = len(queries) == 1 and not plan.advanced and not plan.whole_parts(plan.concept_names[0])
        if queries and not plan.advanced and not single:
            for q in queries:
                tier_possible &= bounds.bound(q).present
            if plan.kind_intent and not plan.intent_concepts:
                tier_possible |= bi.presence(scorer._attribute(KIND, plan.kind_intent))
        level_ub = np.where(tier_possible, 3.0, 1.0)
        # concreteness, priors and the answer factor are in the text bound; the flat parts get
        # the block's largest prior and answer factor; a named rule's prior multiplies all
        named = max(1.0, cfg.named_rule_prior) ** len(plan.named_rules)
        score_ub = (qb.text + qb.flat * weights.prior_max * bounds.answer_block) * named
        return level_ub, score_ub * (1.0 + SLACK) + 1e-12, present, (bounds, named)

    def _tighten(self, scorer: Scorer, plan: QueryPlan, filters: Filters, snap: Snapshot, bi: BlockIndex,
                 context, blocks: np.ndarray, theta: float, answers: dict,
                 deadline: Optional[float] = None) -> tuple[Scorer, np.ndarray, int]:
        """The blocks of ``blocks`` holding a passage whose key can reach ``theta``, from the
        plan's query evaluated on them (each passage's score before coordination, × its
        concreteness factor, priors and answer factor; level 3 where it matches every
        concept); the scorer that evaluated it (the exact search of the remaining blocks
        reuses its results); and how many passages of the other blocks match."""
        bounds, named = context
        cp = snap.passages
        sub = Scorer(cp, scorer.stats, self.ranking, reports=scorer.reports, report_title=scorer.report_title,
                     domain=Domain(np.sort(blocks), cp.passages, bi.shift), parent=scorer)
        sub.deadline = deadline
        r = sub.evaluate(plan.query)
        if sub.partial:
            raise OutOfTime()       # (a bound needs every concept)
        sub.deadline = None
        if not len(r):
            return sub, np.zeros(0, np.int64), 0
        keep = self._keep(sub, plan, filters, snap, r.ids)
        ids = r.ids[keep]
        w = bounds.weights
        queries = plan.concept_queries
        single = len(queries) == 1 and not plan.advanced and not plan.whole_parts(plan.concept_names[0])
        # the answer factor as the search computes it (with the concepts' weights)
        if not self.ranking.answer_boost:
            answer = np.ones(len(ids))
        elif single:
            answer = self._answer_factor(snap, ids, plan, {plan.concept_names[0]: 1.0}, answers)
        elif queries and not plan.advanced:
            names = plan.concept_names
            answer = self._answer_factor(snap, ids, plan,
                                         dict(zip(names, self._concept_weights(sub, plan, names, queries))), answers)
        else:
            answer = self._answer_factor(snap, ids, plan, {}, answers)
        score = (np.maximum(r.text[keep], 0.0) * w.fp[ids] + np.maximum(r.flat[keep], 0.0) * w.prior[ids]) \
            * answer * named
        level = np.full(len(ids), 3.0)
        if queries and not plan.advanced and not single:
            every = np.ones(len(ids), bool)
            for q in queries:
                every &= _members(ids, sub.evaluate(q).ids)
            if plan.kind_intent and not plan.intent_concepts:
                every |= cp.p_kind[ids] == kind_code(plan.kind_intent)
            level = np.where(every, 3.0, 1.0)
        key = level * _TIER + score * (1.0 + SLACK) + 1e-12
        block_of = ids >> bi.shift                  # ascending, as ids are
        kept = sorted_unique(block_of[key >= theta])
        rejected = int(np.count_nonzero(~_members(block_of, kept))) if len(kept) else len(ids)
        return sub, kept, rejected

    def _in_scope(self, plan: QueryPlan, credit: np.ndarray, weights: dict,
                  scope_credit: np.ndarray) -> Optional[np.ndarray]:
        """For each passage: whether it is of every year, region and kind of section the
        query names (广东 百千万工程, 2009年 稳定就业 高校毕业生, 食品安全监管 存在的问题) and has
        at least ``scope_topic_share`` of its topic concepts by weight (a part of a concept
        counting ``partial_coordination``: for a kind, ``scope_credit``, a part that holds a
        telling word of it: 房地产市场 存在的问题 is not every problems passage naming 市场);
        None when the query names no scope or nothing
        else. A named region's passages about part of the topic come before other regions'
        passages about all of it that miss the scope; so do the problems passages of a
        problems query."""
        share_needed = self.ranking.scope_topic_share
        names = list(weights)
        place = [k for k, n in enumerate(names) if n in plan.regions or n in plan.years]
        kind = [k for k, n in enumerate(names) if n in plan.intent_concepts]
        topic = [k for k in range(len(names)) if k not in place and k not in kind]
        if share_needed is None or not (place or kind) or not topic:
            return None
        w = np.array([weights[names[k]] for k in topic])
        whole = credit[topic] >= 1.0
        scoped = np.ones(credit.shape[1], bool)
        if place:       # a place's or year's passages with half the topic whole
            scoped &= (credit[place] >= 1.0).all(axis=0) & ((w[:, None] * whole).sum(axis=0) / w.sum() >= share_needed)
        if kind:        # a kind's passages with half the topic, parts counting
            scoped &= (credit[kind] >= 1.0).all(axis=0) & ((w[:, None] * scope_credit[topic]).sum(axis=0) / w.sum()
                                                           >= share_needed)
        return scoped

    def _keep(self, scorer: Scorer, plan: QueryPlan, filters: Filters, snap: Snapshot,
              ids: np.ndarray) -> np.ndarray:
        """Which of the passages ``ids`` (matching the plan's query) the filters and the topic keep."""
        sp = snap.passages
        keep = sp.live(ids)
        report_filter = filters.report_query()
        if report_filter is not None:
            docs, _ = snap.report_matches(report_filter)
            keep &= _members(sp.p_report[ids], docs)
        passage_filter = filters.passage_query()
        if passage_filter is not None:
            keep &= _members(ids, scorer.evaluate(passage_filter).ids)
        topic = _topic_queries(plan)
        if topic:
            # a year, a region or an intent word only weighs the passages about the topic: 浙江
            # 营商环境 is not every passage of 浙江's reports
            about = np.zeros(len(ids), bool)
            for q in topic:
                about |= _members(ids, scorer.evaluate(q).ids)
            keep &= about
        return keep

    def _match(self, scorer: Scorer, plan: QueryPlan, filters: Filters, snap: Snapshot) -> Optional["_Matched"]:
        """Every passage matching the plan and the filters with its score and score parts
        (before the answer factor), or None when none matches. A shard of a sharded index
        runs this with the statistics of every shard (``scorer.stats``)."""
        sp = snap.passages
        report_filter = filters.report_query()
        if report_filter is wq.NullQuery:
            return None
        relaxed = scorer.evaluate(plan.query)
        scorer.deadline = None           # the rest reuses what the query evaluated, or is small
        if not len(relaxed):
            return None
        keep = self._keep(scorer, plan, filters, snap, relaxed.ids)
        ids = relaxed.ids[keep]
        if not len(ids):
            return None
        cw = self._concreteness_weight(plan)
        factor = 1.0 + cw * sp.p_conc[ids].astype(np.float64)
        text, flat = relaxed.text[keep], relaxed.flat[keep]
        # tier 1: the passages that hold every concept (whole, or through a synonym), ranked
        # before any that miss one; ``has`` says which concepts each passage holds
        tier = np.ones(len(ids), np.int8)
        scoped = None           # passages of the query's year, region or section kind (see _in_scope)
        power = self.ranking.coordination_power
        concept_weight: dict = {}
        has = None
        if len(plan.concept_queries) == 1 and not plan.advanced and not plan.whole_parts(plan.concept_names[0]):
            # one concept that no part of it matches: every matching passage holds it
            has, concept_weight = np.ones((1, len(ids)), bool), {plan.concept_names[0]: 1.0}
        elif plan.concept_queries and not plan.advanced:
            share, has, concept_weight, credit, scope_credit = self._coordination(scorer, plan, ids)
            tier = has.all(axis=0).astype(np.int8)
            scoped = self._in_scope(plan, credit, concept_weight, scope_credit)
            if len(plan.concept_queries) > 1 and power is not None:
                # among the partial matches: a score shrinks with the share of the concepts missed
                coord = np.minimum(share, 1.0) ** power
                text, flat = text * coord, flat * coord
        # the order of the tiers: every concept (of the kind of section the query names, then
        # of another kind); then, among the passages that miss one, those of the year, region or
        # section kind the query names with half its topic; then the rest
        level = tier.astype(np.int8) * 2
        if scoped is not None:
            level = np.where(tier > 0, level, scoped.astype(np.int8))
        if plan.kind_intent and not plan.intent_concepts and self.ranking.kind_first:
            level = np.where(tier > 0, 2 + (sp.p_kind[ids] == kind_code(plan.kind_intent)), level)
        else:
            level = np.where(tier > 0, 3, level)
        prior = self._genre_prior(snap, sp.p_report[ids], plan)
        for named in plan.named_rules:
            # the articles of the rule the query names, not those that cite it
            prior[_members(ids, scorer.evaluate(named).ids)] *= self.ranking.named_rule_prior
        kind_priors = self._kind_priors(plan)
        if kind_priors:
            kinds = sp.p_kind[ids]
            for kind, weight in kind_priors.items():
                if weight != 1.0:
                    prior[kinds == kind_code(kind)] *= weight
        score = (text * factor + flat) * prior
        return _Matched(ids, text, flat, tier, level.astype(np.int8), factor, prior, score, has, concept_weight)

    def _concept_weights(self, scorer: Scorer, plan: QueryPlan, names: list, queries: list,
                         found: Optional[list] = None) -> list:
        """Each concept's weight in the coordination share (see ``_coordination``); ``found``:
        the passages each concept's query matches, where already evaluated."""
        intent = [name in plan.intent_concepts for name in names]
        weights = []
        for k, (name, q) in enumerate(zip(names, queries)):
            if not self.ranking.coordination_idf:
                weights.append(1.0)
                continue
            df = _whole_df(scorer.stats, plan.whole_forms(name))
            if df is None:    # a year, a region, an intent: the passages its query matches (in every shard)
                # (the whole index's count, also when the scorer sees some blocks only)
                df = scorer.stats.concept_count(
                    name, len(found[k]) if found is not None and scorer.domain is None else scorer.count_full(q))
            weights.append(math.log(scorer.stats.N / (df + 1)) + 1.0)
        if self.ranking.coordination_idf and any(intent) and not all(intent):
            top = self.ranking.intent_weight * max(w for w, i in zip(weights, intent) if not i)
            weights = [top if i else w for w, i in zip(weights, intent)]
        return weights

    def _coordination(self, scorer: Scorer, plan: QueryPlan,
                      ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict, np.ndarray, np.ndarray]:
        """For each passage of ``ids``: the share of the query's concepts it has, by weight;
        which concepts it holds whole (a concepts × passages boolean array); and each
        concept's weight; and the credit each passage has for each concept (1 whole,
        ``partial_coordination`` a part), twice: for the share, and for the scope of a section
        kind the query names (``_in_scope``: a part only with a telling word of it; the same
        array when the query names none). A concept weighs its rarity
        (the idf of its whole forms: missing 法律顾问 costs more than missing 全覆盖); an intent
        (the section kind of 下一步, the rules of 法律依据) ``intent_weight`` × the heaviest
        topic; a passage with only a part of a relaxed concept (事项 of 证明事项) has
        ``partial_coordination`` of it."""
        queries = plan.concept_queries
        names = plan.concept_names
        if scorer.partial:
            # out of time: the tiers and the share are over the concepts searched so far
            kept = [i for i, q in enumerate(queries) if scorer.evaluated(q)] or [0]
            queries, names = [queries[i] for i in kept], [names[i] for i in kept]
        found = [scorer.evaluate(q).ids for q in queries]
        weights = self._concept_weights(scorer, plan, names, queries, found)
        held = np.zeros((len(names), len(ids)), bool)
        credit = np.zeros((len(names), len(ids)))       # 1 whole, ``part`` a part of it, 0
        # ... counting a part only with a telling word of it, where a section kind's scope reads it
        kind_scope = self.ranking.scope_topic_share is not None and bool(plan.intent_concepts)
        scope_credit = np.zeros((len(names), len(ids))) if kind_scope else credit
        part = self.ranking.partial_coordination
        for k, (name, ids_k, w) in enumerate(zip(names, found, weights)):
            matched = _members(ids, ids_k)
            forms = plan.whole_parts(name) if part is not None else []
            if forms:
                whole = np.zeros(len(ids), bool)
                for words in forms:
                    has_all = matched.copy()
                    for q in words:     # (looked for where the passages still hold every word)
                        has_all &= _members(ids, scorer.matching(q, ids[has_all]))
                    whole |= has_all
                held[k] = whole
                credit[k] = np.where(held[k], 1.0, part * matched)
                if kind_scope:      # 房地产 of 房地产市场 counts there, 市场 alone does not
                    telling = _holds_telling_word(forms[0], scorer, ids, matched)
                    scope_credit[k] = np.where(held[k], 1.0, part * (matched & telling))
            else:
                held[k] = matched
                credit[k] = matched
                if kind_scope:
                    scope_credit[k] = matched
        share = (np.array(weights)[:, None] * credit).sum(axis=0) / sum(weights)
        if plan.kind_intent and not plan.intent_concepts:
            # the kind named by the query as a whole (存在 问题): a passage of it answers all of it
            kind = scorer.sp.p_kind[ids] == kind_code(plan.kind_intent)
            share[kind], held[:, kind] = 1.0, True
        return share, held, dict(zip(names, weights)), credit, scope_credit

    def _kind_priors(self, plan: QueryPlan) -> Optional[dict]:
        """The section kinds' priors for a query (ranking and pruning bounds alike): what was
        done first, a plan or a to-do list weighing less, unless the query names a kind or
        asks how (怎样加强知识产权保护 wants the measures a plan lists); None: no priors."""
        if plan.kind_intent or plan.asks_how or not self.ranking.kind_priors:
            return None
        return self.ranking.kind_priors

    def _concreteness_weight(self, plan: QueryPlan) -> float:
        """The concreteness factor's weight for a query: none (``how_concreteness_weight``)
        for a question asking how (怎样加强知识产权保护: the measures, not a list of
        achievements naming the topic once), for a question for what a provision says (…谁来赔,
        合法吗, 行政处罚法 听证 条件: not the article with the most fines, fees and deadlines)
        and for a paste (its source and the passages making its point, with or without figures)."""
        if plan.asks_how or plan.asks_provision or plan.pasted:
            return self.ranking.how_concreteness_weight
        return self.ranking.concreteness_weight

    def _answer_factor(self, snap: Snapshot, ids: np.ndarray, plan: QueryPlan,
                       weights: Optional[dict] = None, cache: Optional[dict] = None) -> np.ndarray:
        """1 + ``ranking.answer_boost`` for a passage that states a figure about the query
        (a figure whose subject has every word of a concept or of one of its synonyms:
        公众满意度达72.93% for 满意度), 1 for the others. With several concepts, the boost is
        scaled by the share of the concepts' ``weights`` that its figures name: 法律援助案件
        1408件 answers 法律援助 案件 数量, a figure about other 案件 only a little. Read from the
        passage files' ``subjects`` field: a few postings lists, no passage text. ``cache``:
        a dict kept through one search (the passages about each concept, looked up once)."""
        groups = self._answer_groups(snap, plan, cache)
        named = np.zeros(len(ids))
        total = 0.0
        for concept, about in groups:
            w = (weights or {}).get(concept, 1.0)
            total += w
            if about is not None:
                named += w * _members(ids, about)
        if not total:
            return np.ones(len(ids))
        return 1.0 + self.ranking.answer_boost * (named / total if len(groups) > 1 else np.minimum(named, 1.0))

    def _answer_groups(self, snap: Snapshot, plan: QueryPlan, cache: Optional[dict] = None) -> list:
        """[(concept or None, the passages with a figure about it (ascending) or None)]."""
        if cache is not None and "answer_groups" in cache:
            return cache["answer_groups"]
        if plan.asks_provision:
            groups = []         # a question for what a provision says asks for no figure
        elif plan.advanced:
            groups = [(None, g) for g in plan.alternatives()]
        else:
            groups = [(c, plan.alternatives_of(c)) for c in plan.subject_concepts()]
        out = [(concept, figure_passages(snap.passages, group)) for concept, group in groups]
        if cache is not None:
            cache["answer_groups"] = out
        return out

    def _genre_prior(self, snap: Snapshot, reports: np.ndarray, plan: QueryPlan) -> np.ndarray:
        """Per-passage weight of its document's type (ranking.type_priors; with a query
        that asks for a rule, rule_type_priors)."""
        # a question of how many (多少, 数量) asks what was reported, even about rules (制定地方性法规
        # 多少件): the rules themselves state no such count
        asks_rule = plan.rule_intent and (plan.legal_ask or not plan.wants_figures)
        priors = self.ranking.rule_type_priors if asks_rule else self.ranking.type_priors
        prior = np.ones(len(reports))
        for doc_type, weight in priors.items():
            if weight != 1.0:
                docs, _ = snap.report_matches(wq.Term(DOC_TYPE, doc_type))
                if len(docs):
                    prior[_members(reports, docs)] = weight
        return prior

    def _hit(self, snap: Snapshot, pid: int, score: float, phrases, words) -> Hit:
        sp = snap.passages
        p = sp.payload(pid)
        stored = snap.stored(int(sp.p_report[pid]))
        doc = stored.get(META) or {}
        doc_id = stored[DOC_ID]
        region = doc.get("region") or {}
        rule = doc.get("rule") or {}
        return Hit(
            doc_id=doc_id, passage_id=f"{doc_id}#{int(sp.p_ordinal[pid])}", title=doc.get("title", ""),
            text=p["text"], snippet=make_snippet(p["text"], words, phrases),
            score=round(score, 4), heading_path=p["heading_path"], section_kind=p["section_kind"],
            region=(region.get("city", "") + region.get("county", "")) or region.get("name"),
            region_code=region.get("code"), year=doc.get("year"), published=doc.get("published"),
            source=doc.get("source"), doc_number=doc.get("doc_number"), doc_type=doc.get("doc_type"),
            figures=[Figure(**f) for f in p["figures"]], edition=rule.get("edition"), level=rule.get("level"),
            current=bool(snap.current_editions()[int(sp.p_report[pid])]) if rule else None)

    def _explain(self, ranked: "_Ranked", i: int, scorer: Scorer, snap: Snapshot, plan: QueryPlan) -> dict:
        pid = int(ranked.ids[i])
        matched = set()
        for field_, term, res in scorer.leaf_results():
            if len(res):
                j = np.searchsorted(res.ids, pid)
                if j < len(res.ids) and res.ids[j] == pid:
                    matched.add(f"{field_}:{term}")
        conc = float(snap.passages.p_conc[pid])
        return {"score": round(float(ranked.score[i]), 4), "matched_terms": sorted(matched),
                "all_concepts": bool(ranked.tier[i]), "text_score": round(float(ranked.text[i]), 4),
                "concreteness": round(conc, 3), "concreteness_factor": round(float(ranked.factor[i]), 4),
                "boosts": round(float(ranked.flat[i]), 4), "genre_prior": round(float(ranked.prior[i]), 4),
                "answer_factor": round(float(ranked.answer[i]), 4),
                "expansions": plan.expansions,
                "wants_figures": plan.wants_figures}

    # -- documents ------------------------------------------------------------------------
    def _locate(self, snap: Snapshot, doc_id: str) -> tuple[int, dict]:
        docnum = snap.searcher.document_number(**{DOC_ID: doc_id})
        if docnum is None:
            raise DocumentNotFoundError(f"no document {doc_id!r} in the index")
        return docnum, snap.stored(docnum)

    def document(self, doc_id: str) -> dict:
        """A document's metadata and its passages (with heading paths), in order."""
        snap = self.snapshot()
        docnum, stored = self._locate(snap, doc_id)
        passages = []
        for view in snap.views:
            local = docnum - view.docbase
            if 0 <= local < view.reader.doc_count_all():
                sp = view.passages
                for pid in range(int(sp.r_first[local]), int(sp.r_first[local + 1])):
                    passages.append(dict(ordinal=int(sp.p_ordinal[pid]), **sp.payload(pid)))
                break
        passages.sort(key=lambda p: p["ordinal"])
        out = dict(doc_id=doc_id, content_hash=stored.get(CONTENT_HASH), **stored[META], passages_list=passages)
        rule = stored[META].get("rule")
        if rule and rule.get("rule_key"):
            # the rule's editions in this index, newest first, and whether this one is current
            docs, _ = snap.report_matches(wq.Term(RULE_KEY, rule["rule_key"]))
            editions = []
            for d in docs:
                other = snap.stored(int(d))
                editions.append(dict(doc_id=other[DOC_ID], edition=(other[META].get("rule") or {}).get("edition"),
                                     published=other[META].get("published")))
            out["editions"] = sorted(editions, key=lambda e: e["published"] or "", reverse=True)
            out["current"] = bool(snap.current_editions()[docnum])
        return out

    def documents(self, filters: Optional[Filters] = None, offset: int = 0,
                  limit: Optional[int] = None) -> tuple[int, list[dict]]:
        """(how many documents the report-level filters allow, the metadata of ``limit`` of
        them from ``offset`` on, by doc_id). Only the page's records are read: the doc_id
        order comes from the segments' report tables, once per generation."""
        snap = self.snapshot()
        docnums = self._filtered_order(snap, filters)
        end = len(docnums) if limit is None else offset + limit
        page = [snap.stored(int(d)) for d in docnums[offset:end]]
        return len(docnums), [dict(doc_id=f[DOC_ID], content_hash=f.get(CONTENT_HASH), **f[META]) for f in page]

    def document_ids(self, filters: Optional[Filters] = None, limit: Optional[int] = None) -> tuple[int, list[str]]:
        """(how many documents the filters allow, the doc_ids of the first ``limit`` of them
        in doc_id order), from the report tables alone: a sharded index's router merges
        these to find which part of a page each shard holds."""
        snap = self.snapshot()
        docnums = self._filtered_order(snap, filters)
        first = docnums if limit is None else docnums[:limit]
        if not len(first):
            return len(docnums), []
        segments = self._tables.segments(snap.searcher)
        bases = np.asarray([base for _, base, _ in segments], np.int64)
        at = np.searchsorted(bases, first, side="right") - 1
        return len(docnums), [segments[i][0].value("doc_id", int(d - bases[i]))
                              for i, d in zip(at.tolist(), first.tolist())]

    def _filtered_order(self, snap: Snapshot, filters: Optional[Filters]) -> np.ndarray:
        """Global docnums of the live reports the filters allow, in doc_id order."""
        docnums = self._doc_order(snap)
        fq = filters.report_query() if filters is not None else None
        if fq is wq.NullQuery:
            return docnums[:0]
        if fq is not None:
            docs, _ = snap.report_matches(fq)
            rank = self._doc_rank(snap, docnums)
            docs = docs[docs < len(rank)]
            docs = docs[rank[docs] >= 0]
            docnums = docs[np.argsort(rank[docs], kind="stable")]
        return docnums

    def _doc_order(self, snap: Snapshot) -> np.ndarray:
        order = snap.tables.get("__doc_order__")
        if order is None:
            order = snap.tables["__doc_order__"] = doc_order(self._tables, snap.searcher)
        return order

    def _doc_rank(self, snap: Snapshot, docnums: np.ndarray) -> np.ndarray:
        """The place of each live report (by global docnum) in doc_id order; -1 for none."""
        rank = snap.tables.get("__doc_rank__")
        if rank is None:
            rank = np.full(snap.searcher.reader().doc_count_all(), -1, np.int64)
            rank[docnums] = np.arange(len(docnums))
            snap.tables["__doc_rank__"] = rank
        return rank

    def stats(self) -> dict:
        """Documents, passages, characters and counts by doc type, year and region, kept
        per generation (from the report tables' totals: no record is read)."""
        snap = self.snapshot()
        st = snap.tables.get("__stats__")
        if st is None:
            st = snap.tables["__stats__"] = index_stats(self._tables, snap.searcher)
        return dict(st)

    def passage_count(self) -> int:
        return self.snapshot().stats.N

    def document_count(self) -> int:
        """The documents indexed, from the index's own count: no stored record is read."""
        return self.snapshot().searcher.doc_count()
