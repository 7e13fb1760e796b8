"""Search: retrieval, ranking and hit assembly over an open index.

``IndexSearcher`` owns an index directory opened for reading. Each operation takes a
``Snapshot``, a consistent view of one committed generation (the Whoosh searcher of
report records, the segments' passage files, collection statistics and caches), kept
per thread and replaced when another process commits or rebuilds. ``search`` plans the
query (query.py), evaluates the plan on every segment (scorer.py), applies filters as
masks, ranks, and builds ``Hit``s with snippets, figures and, on request, explanations.

Ranking: passages matching every concept of a plain query (the plan's ``strict`` query)
come first, then the rest of the matches in score order. ``total`` counts every passage
that matches the query and the filters, whatever the limit.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
from whoosh import query as wq

from .errors import DocumentNotFoundError, QuerySyntaxError
from .models import Figure, Hit, SearchResult
from .passage_index import PassageFileError
from .query import Filters, QueryBuilder, QueryPlan
from .ranking import DEFAULT_RANKING, RankingConfig
from .schema import BODY, CONTENT_HASH, DOC_ID, META
from .scorer import CorpusStats, SegmentScorer
from .segments import PassageFiles, SegmentView
from .snippets import make_snippet
from .storage import DAMAGE_ERRORS, damaged, open_whoosh

MAX_LIMIT = 1000


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
    stats: CorpusStats
    generation: int
    meta_cache: dict = field(default_factory=dict)       # global docnum -> stored fields
    report_cache: dict = field(default_factory=dict)     # repr(query) -> (docnums, scores)

    def close(self) -> None:
        self.searcher.close()

    def report_matches(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        """Global docnums (ascending) and scores of the reports matching ``q``."""
        key = repr(q)
        hit = self.report_cache.get(key)
        if hit is None:
            results = self.searcher.search(q, limit=None)
            pairs = sorted((r.docnum, r.score) for r in results)
            docnums = np.fromiter((d for d, _ in pairs), np.int64, len(pairs))
            scores = np.fromiter((s for _, s in pairs), np.float64, len(pairs))
            if len(self.report_cache) > 256:
                self.report_cache.clear()
            hit = self.report_cache[key] = (docnums, scores)
        return hit

    def segment_reports(self, q: wq.Query, view: SegmentView) -> tuple[np.ndarray, np.ndarray]:
        docnums, scores = self.report_matches(q)
        lo, hi = np.searchsorted(docnums, [view.docbase, view.docbase + view.reader.doc_count_all()])
        return docnums[lo:hi] - view.docbase, scores[lo:hi]

    def stored(self, docnum: int) -> dict:
        meta = self.meta_cache.get(docnum)
        if meta is None:
            if len(self.meta_cache) > 50_000:
                self.meta_cache.clear()
            meta = self.meta_cache[docnum] = self.searcher.stored_fields(docnum)
        return meta


@dataclass
class _Candidate:
    tier: int
    score: float
    view: int
    pid: int
    docnum: int          # global Whoosh docnum of the report
    ordinal: int
    text: float
    flat: float

    def key(self):
        return (-self.tier, -self.score, self.docnum, self.ordinal)


class IndexSearcher:
    """Searching one index directory, from any number of threads."""

    def __init__(self, path: Path, ranking: RankingConfig = DEFAULT_RANKING):
        self.path = Path(path)
        self.ranking = ranking
        self._open()
        self._local = threading.local()
        self._lock = threading.Lock()

    def _open(self) -> None:
        self._ix = open_whoosh(self.path)
        self._files = PassageFiles(self.path)
        self._identity = _dir_identity(self.path)

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
            return snap
        # a new Whoosh searcher per commit, not Searcher.refresh(): in whoosh-reloaded 2.7.5
        # refresh keeps segment readers whose deletions are out of date
        try:
            searcher = ix.searcher()
        except DAMAGE_ERRORS as e:
            raise damaged(self.path, e) from None
        try:
            views = self._files.views(searcher)
        except (PassageFileError, *DAMAGE_ERRORS) as e:
            searcher.close()
            raise damaged(self.path, e) from None
        live = sum(v.live_passages() for v in views)
        new = Snapshot(searcher, views, CorpusStats([v.passages for v in views], live),
                       searcher.reader().generation())
        if snap is not None:
            snap.close()
        local.snap, local.ix = new, ix
        return new

    def close(self) -> None:
        snap = getattr(self._local, "snap", None)
        if snap is not None:
            snap.close()
            self._local.snap = None

    # -- planning -------------------------------------------------------------------------
    def plan(self, text: str, synonyms=None, snap: Optional[Snapshot] = None) -> QueryPlan:
        snap = snap or self.snapshot()
        stats = snap.stats
        builder = QueryBuilder(synonyms, self.ranking, doc_frequency=lambda t: stats.df(BODY, t),
                               doc_count=stats.N)
        return builder.plan(text, use_synonyms=synonyms is not None)

    # -- search ---------------------------------------------------------------------------
    def search(self, text: str, filters: Filters, limit: int = 10, synonyms=None,
               explain: bool = False) -> SearchResult:
        t0 = time.perf_counter()
        if not isinstance(text, str):
            raise QuerySyntaxError(f"the query must be text, not {text.__class__.__name__}")
        try:
            limit = int(limit)
        except (TypeError, ValueError, OverflowError):
            raise QuerySyntaxError(f"limit must be a number, not {limit!r}") from None
        if limit < 1:
            raise QuerySyntaxError("limit must be at least 1")
        limit = min(limit, MAX_LIMIT)
        filters.validate()
        snap = self.snapshot()
        plan = self.plan(text, synonyms, snap)
        report_filter = filters.report_query()
        passage_filter = filters.passage_query()
        total = 0
        candidates: list[_Candidate] = []
        scorers = []
        if report_filter is not wq.NullQuery:
            for vi, view in enumerate(snap.views):
                scorer = SegmentScorer(view.passages, snap.stats, self.ranking,
                                       reports=lambda q, v=view: snap.segment_reports(q, v))
                scorers.append(scorer)
                found, cands = self._search_segment(scorer, view, vi, plan, report_filter, passage_filter,
                                                    snap, limit)
                total += found
                candidates += cands
        candidates.sort(key=_Candidate.key)
        top = candidates[:limit]
        phrases, words = plan.highlight_terms()
        hits = [self._hit(snap, c, phrases, words) for c in top]
        if explain:
            for h, c in zip(hits, top):
                h.explanation = self._explain(c, scorers[c.view], snap, plan)
        return SearchResult(query=text, hits=hits, total=total,
                            expanded_query=str(plan.query) if plan.expansions else "",
                            elapsed_ms=(time.perf_counter() - t0) * 1000)

    def _search_segment(self, scorer: SegmentScorer, view: SegmentView, vi: int, plan: QueryPlan,
                        report_filter, passage_filter, snap: Snapshot, limit: int):
        sp = view.passages
        relaxed = scorer.evaluate(plan.query)
        if not len(relaxed):
            return 0, []
        keep = view.live(relaxed.ids)
        if report_filter is not None:
            docs, _ = snap.segment_reports(report_filter, view)
            allowed = np.zeros(sp.reports + 1, bool)
            allowed[docs] = True
            keep &= allowed[sp.p_report[relaxed.ids]]
        if passage_filter is not None:
            keep &= np.isin(relaxed.ids, scorer.evaluate(passage_filter).ids, assume_unique=True)
        ids = relaxed.ids[keep]
        if not len(ids):
            return 0, []
        factor = 1.0 + self.ranking.concreteness_weight * sp.p_conc[ids].astype(np.float64)
        text, flat = relaxed.text[keep], relaxed.flat[keep]
        score = text * factor + flat
        tier = np.zeros(len(ids), np.int8)
        if plan.strict is not None:
            strict = scorer.evaluate(plan.strict)
            if len(strict):
                idx = np.searchsorted(strict.ids, ids)
                idx[idx >= len(strict.ids)] = 0
                hit = strict.ids[idx] == ids
                tier[hit] = 1
                si = idx[hit]
                text = text.copy()
                flat = flat.copy()
                text[hit] = strict.text[si]
                flat[hit] = strict.flat[si]
                score[hit] = strict.text[si] * factor[hit] + strict.flat[si]
        # the best `limit` of this segment (ties resolved after the merge, by report and ordinal)
        key = tier.astype(np.float64) * 1e12 + score
        if len(ids) > limit:
            part = np.argpartition(-key, limit - 1)[:limit]
            cutoff = key[part].min()
            part = np.flatnonzero(key >= cutoff)          # keep ties at the cut
        else:
            part = np.arange(len(ids))
        docbase = view.docbase
        cands = [_Candidate(int(tier[i]), float(score[i]), vi, int(ids[i]), docbase + int(sp.p_report[ids[i]]),
                            int(sp.p_ordinal[ids[i]]), float(text[i]), float(flat[i])) for i in part]
        return len(ids), cands

    def _hit(self, snap: Snapshot, c: _Candidate, phrases, words) -> Hit:
        view = snap.views[c.view]
        p = view.passages.payload(c.pid)
        stored = snap.stored(c.docnum)
        doc = stored.get(META) or {}
        doc_id = stored[DOC_ID]
        region = doc.get("region") or {}
        return Hit(
            doc_id=doc_id, passage_id=f"{doc_id}#{c.ordinal}", title=doc.get("title", ""),
            text=p["text"], snippet=make_snippet(p["text"], words, phrases),
            score=round(c.score, 4), heading_path=p["heading_path"], section_kind=p["section_kind"],
            region=(region.get("city", "") + region.get("county", "")) or region.get("name"),
            region_code=region.get("code"), year=doc.get("year"), published=doc.get("published"),
            source=doc.get("source"), doc_number=doc.get("doc_number"), doc_type=doc.get("doc_type"),
            figures=[Figure(**f) for f in p["figures"]])

    def _explain(self, c: _Candidate, scorer: SegmentScorer, snap: Snapshot, plan: QueryPlan) -> dict:
        sp = snap.views[c.view].passages
        matched = set()
        for field_, term, res in scorer.leaf_results():
            if len(res):
                i = np.searchsorted(res.ids, c.pid)
                if i < len(res.ids) and res.ids[i] == c.pid:
                    matched.add(f"{field_}:{term}")
        conc = float(sp.p_conc[c.pid])
        factor = 1.0 + self.ranking.concreteness_weight * conc
        return {"score": round(c.score, 4), "matched_terms": sorted(matched),
                "all_concepts": bool(c.tier), "text_score": round(c.text, 4),
                "concreteness": round(conc, 3), "concreteness_factor": round(factor, 4),
                "boosts": round(c.flat, 4), "expansions": plan.expansions, "wants_figures": plan.wants_figures}

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
        return dict(doc_id=doc_id, content_hash=stored.get(CONTENT_HASH), **stored[META], passages_list=passages)

    def documents(self) -> list[dict]:
        """Metadata of every indexed document, by doc_id."""
        snap = self.snapshot()
        out = [dict(doc_id=f[DOC_ID], content_hash=f.get(CONTENT_HASH), **f[META])
               for f in snap.searcher.all_stored_fields()]
        return sorted(out, key=lambda d: d["doc_id"])

    def passage_count(self) -> int:
        return self.snapshot().stats.N
