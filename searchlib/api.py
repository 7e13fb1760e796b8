"""The public Python API. The CLI is a thin layer over this module.

    import searchlib
    idx = searchlib.open_index("index")
    result = idx.search("两法衔接", region="宁波", limit=5)
    for hit in result.hits:
        print(hit.title, " > ".join(hit.heading_path), hit.snippet)

A ``SearchIndex`` is opened once and searched many times, from any number of
threads: each thread gets its own Whoosh searcher, refreshed automatically when
another process has committed an update.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Iterable, Optional, Union

from .errors import DocumentNotFoundError, QuerySyntaxError
from .models import BuildReport, Figure, Hit, SearchResult
from .ranking import DEFAULT_RANKING, PolicyWeighting, RankingConfig
from .schema import DOCUMENT, PASSAGE, unpack_passage

PathLike = Union[str, os.PathLike]
MAX_LIMIT = 1000
DEFAULT_INDEX = "index"


def default_index_path() -> Path:
    return Path(os.environ.get("SEARCHLIB_INDEX") or DEFAULT_INDEX)


def build_index(corpus: Iterable[PathLike], index_dir: PathLike = None, progress=None,
                procs: Optional[int] = None) -> "SearchIndex":
    """Build a new index of every report under ``corpus`` and open it."""
    report = build(corpus, index_dir, progress=progress, procs=procs)
    idx = open_index(index_dir)
    idx.last_report = report
    return idx


def build(corpus: Iterable[PathLike], index_dir: PathLike = None, progress=None,
          procs: Optional[int] = None) -> BuildReport:
    """Build a new index (replacing any index at ``index_dir`` when done) and report what happened."""
    from .indexing import build_index as _build
    return _build(_paths(corpus), Path(index_dir or default_index_path()), progress=progress, procs=procs)


def _paths(corpus) -> list[Path]:
    from .errors import CorpusError
    paths = [Path(p) for p in ([corpus] if isinstance(corpus, (str, os.PathLike)) else corpus)]
    if not paths:
        raise CorpusError("no corpus path given")
    return paths


def update(corpus: Iterable[PathLike], index_dir: PathLike = None, progress=None,
           procs: Optional[int] = None, remove_missing: bool = True, rebuild: bool = False) -> BuildReport:
    """Index new and changed files under ``corpus``, remove documents whose files there
    are gone, leave unchanged ones untouched. A stale index (other analyzer, user
    dictionary or schema) raises IndexVersionError, or with ``rebuild`` is replaced by a
    full build of ``corpus`` (so is a missing one)."""
    from .indexing import update_index
    return update_index(_paths(corpus), Path(index_dir or default_index_path()), progress=progress,
                        procs=procs, remove_missing=remove_missing, rebuild=rebuild)


def add(files: Iterable[PathLike], index_dir: PathLike = None, root: PathLike = None) -> BuildReport:
    """Index single report files (doc_id relative to ``root``, default each file's folder)."""
    from .indexing import add_files
    return add_files(_paths(files), Path(index_dir or default_index_path()), root=root)


def remove(doc_ids: Iterable[str], index_dir: PathLike = None) -> tuple[list[str], list[str]]:
    """Remove documents by doc_id; returns (removed, unknown)."""
    from .indexing import remove_documents
    return remove_documents(list(doc_ids), Path(index_dir or default_index_path()))


def open_index(index_dir: PathLike = None, synonyms: Optional[PathLike] = None,
               ranking: RankingConfig = DEFAULT_RANKING) -> "SearchIndex":
    """Open an existing index for searching (IndexNotFoundError / IndexVersionError if unusable)."""
    return SearchIndex(index_dir or default_index_path(), synonyms=synonyms, ranking=ranking)


def _dir_identity(path: Path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


class SearchIndex:
    def __init__(self, index_dir: PathLike, synonyms: Optional[PathLike] = None,
                 ranking: RankingConfig = DEFAULT_RANKING):
        from whoosh import index as windex

        from .indexing import check_index
        self.path = Path(index_dir)
        self.meta = check_index(self.path)
        self._ix = windex.open_dir(str(self.path))
        self._ix_identity = _dir_identity(self.path)
        self.ranking = ranking
        self._synonym_path = synonyms
        self._synonyms = None
        self._local = threading.local()     # per thread: searcher, its index and document cache
        self._lock = threading.Lock()
        self.last_report: Optional[BuildReport] = None

    # -- resources ------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        s = getattr(self._local, "searcher", None)
        if s is not None:
            s.close()
            self._local.searcher = None

    def _searcher(self):
        """This thread's searcher on the latest committed version of the index. Call it
        once per operation and use that searcher throughout: refreshing closes the
        previous one."""
        self._follow_rebuild()
        local = self._local
        old = getattr(local, "searcher", None)
        if (old is not None and getattr(local, "ix", None) is self._ix
                and old.reader().generation() == self._ix.latest_generation()):
            return old
        # Not Searcher.refresh(): in whoosh-reloaded 2.7.5 it reuses the old segment readers,
        # whose deletions are out of date, and keeps segments that a merge replaced, so a
        # refreshed searcher shows replaced documents and merged ones twice. A new searcher
        # costs a few file opens, once per commit.
        s = self._ix.searcher(weighting=PolicyWeighting(self.ranking))
        if old is not None:
            old.close()
        local.searcher, local.ix, local.doc_cache = s, self._ix, {}
        return s

    def _follow_rebuild(self) -> None:
        """A full build (``build``, ``update --rebuild``) swaps in a new index directory,
        whose generation numbers may equal the old one's: reopen when the directory changed."""
        identity = _dir_identity(self.path)
        if identity is None or identity == self._ix_identity:
            return
        from whoosh import index as windex

        from .indexing import check_index
        with self._lock:
            if identity != self._ix_identity:
                self.meta = check_index(self.path)
                self._ix = windex.open_dir(str(self.path))
                self._ix_identity = identity

    # -- synonyms -------------------------------------------------------------------
    @property
    def synonyms(self):
        """Shipped synonyms + the index's own ``synonyms.txt`` + the file given at open."""
        if self._synonyms is None:
            from .synonyms import SynonymMap, default_synonyms_path
            maps = [SynonymMap.load(default_synonyms_path())]
            for extra in (self.path / "synonyms.txt", self._synonym_path):
                if extra and Path(extra).exists():
                    maps.append(SynonymMap.load(extra))
            self._synonyms = SynonymMap.merge(*maps)
        return self._synonyms

    def plan(self, query: str, synonyms: bool = True, searcher=None):
        from .search import QueryBuilder
        searcher = self._searcher() if searcher is None else searcher
        builder = QueryBuilder(self.synonyms if synonyms else None, self.ranking,
                               doc_frequency=lambda t: searcher.doc_frequency("body", t),
                               doc_count=searcher.doc_frequency("rtype", PASSAGE))
        return builder.plan(query, use_synonyms=synonyms)

    def explain_query(self, query: str, synonyms: bool = True) -> str:
        """What a query becomes (concepts, synonym expansions, Whoosh query)."""
        return self.plan(query, synonyms).describe()

    # -- search ---------------------------------------------------------------------
    def search(self, query: str, *, limit: int = 10, region: Optional[str] = None,
               year: Optional[int] = None, type: Optional[str] = None, kind: Optional[str] = None,
               since: Optional[str] = None, until: Optional[str] = None, has_figures: bool = False,
               synonyms: bool = True, explain: bool = False) -> SearchResult:
        """Ranked passages for ``query``. Filters: region (name at any level, or a
        GB/T 2260 code), year (covered), type (doc type), kind (section kind),
        since/until (published date, YYYY[-MM[-DD]]), has_figures."""
        from .search import Filters
        from .snippets import make_snippet

        t0 = time.perf_counter()
        if not isinstance(query, str):
            raise QuerySyntaxError(f"the query must be text, not {query.__class__.__name__}")
        try:
            limit = int(limit)
        except (TypeError, ValueError, OverflowError):
            raise QuerySyntaxError(f"limit must be a number, not {limit!r}") from None
        if limit < 1:
            raise QuerySyntaxError("limit must be at least 1")
        limit = min(limit, MAX_LIMIT)
        filters = Filters(region=region, year=year, type=type, kind=kind, since=since, until=until,
                          has_figures=has_figures)
        filters.validate()
        searcher = self._searcher()
        plan = self.plan(query, synonyms, searcher)
        fq = self._filter_docs(searcher, filters)
        if fq is not None and not fq:      # nothing passes the filters (Whoosh reads an empty set as "no filter")
            return SearchResult(query=query, hits=[], total=0, elapsed_ms=(time.perf_counter() - t0) * 1000)
        # Whoosh's block-quality skipping (optimize=True) costs more than it saves on
        # these queries: measured 62 → 36 ms p50, 215 → 117 ms p95 (300 reports)
        if plan.strict is not None:
            # passages with every concept first; only if they are too few, the relaxed
            # query fills the rest of the list in its own order
            results = searcher.search(plan.strict, limit=limit, filter=fq, terms=explain, optimize=False)
            ranked = list(results)
            if len(ranked) < limit:
                results = searcher.search(plan.query, limit=limit, filter=fq, terms=explain, optimize=False)
                seen = {r.docnum for r in ranked}
                ranked += [r for r in results if r.docnum not in seen][: limit - len(ranked)]
        else:
            results = searcher.search(plan.query, limit=limit, filter=fq, terms=explain, optimize=False)
            ranked = list(results)
        phrases, words = plan.highlight_terms()
        hits = []
        for r in ranked:
            stored = r.fields()
            p = unpack_passage(stored["data"])
            doc = self._document_meta(searcher, stored["doc_id"])
            region_info = doc.get("region") or {}
            hit = Hit(
                doc_id=stored["doc_id"], passage_id=stored["id"], title=doc.get("title", ""),
                text=p["text"], snippet=make_snippet(p["text"], words, phrases),
                score=round(float(r.score), 4), heading_path=p["heading_path"], section_kind=p["section_kind"],
                region=(region_info.get("city", "") + region_info.get("county", "")) or region_info.get("name"),
                region_code=region_info.get("code"), year=doc.get("year"), published=doc.get("published"),
                source=doc.get("source"), doc_number=doc.get("doc_number"), doc_type=doc.get("doc_type"),
                figures=[Figure(**f) for f in p["figures"]],
            )
            if explain:
                hit.explanation = self._explain(r, searcher, plan)
            hits.append(hit)
        total = results.estimated_length() if not results.has_exact_length() else len(results)
        return SearchResult(query=query, hits=hits, total=total,
                            expanded_query=str(plan.query) if plan.expansions else "",
                            elapsed_ms=(time.perf_counter() - t0) * 1000)

    def _explain(self, r, searcher, plan) -> dict:
        matched = sorted({f"{f}:{t.decode() if isinstance(t, bytes) else t}" for f, t in (r.matched_terms() or [])})
        c = float(searcher.reader().column_reader("concreteness")[r.docnum] or 0.0)
        factor = 1.0 + self.ranking.concreteness_weight * c
        return {"score": round(float(r.score), 4), "matched_terms": matched,
                "concreteness": round(c, 3), "concreteness_factor": round(factor, 3),
                "text_score": round(float(r.score) / factor, 4),
                "expansions": plan.expansions, "wants_figures": plan.wants_figures}

    def _filter_docs(self, searcher, filters):
        """The set of passage numbers a filter allows, or None for no filter. Sets are
        cached for the searcher they were computed on: the same filters recur."""
        fq = filters.query()
        if fq is None:
            return None
        cache = getattr(self._local, "filter_cache", None)
        if cache is None or cache[0] is not searcher:
            cache = self._local.filter_cache = (searcher, {})
        key = repr(fq)
        docs = cache[1].get(key)
        if docs is None:
            if len(cache[1]) > 256:
                cache[1].clear()
            docs = cache[1][key] = set(searcher.docs_for_query(fq))
        return docs

    def _document_meta(self, searcher, doc_id: str) -> dict:
        cache = getattr(self._local, "doc_cache", None)     # this thread's, for its current searcher
        if cache is None:
            cache = self._local.doc_cache = {}
        meta = cache.get(doc_id)
        if meta is None:
            stored = searcher.document(id=f"{DOCUMENT}:{doc_id}")
            meta = cache[doc_id] = (stored or {}).get("meta") or {}
        return meta

    # -- updates --------------------------------------------------------------------
    def update(self, corpus, progress=None, procs=None, remove_missing=True, rebuild=False) -> BuildReport:
        """``searchlib.update`` on this index; later searches see the result."""
        return update(corpus, self.path, progress=progress, procs=procs, remove_missing=remove_missing,
                      rebuild=rebuild)

    def add(self, files, root=None) -> BuildReport:
        return add(files, self.path, root=root)

    def remove(self, doc_ids) -> tuple[list[str], list[str]]:
        return remove(doc_ids, self.path)

    # -- documents ------------------------------------------------------------------
    def document(self, doc_id: str) -> dict:
        """A document's metadata and its passages (with heading paths), in order."""
        searcher = self._searcher()
        stored = searcher.document(id=f"{DOCUMENT}:{doc_id}")
        if stored is None:
            raise DocumentNotFoundError(f"no document {doc_id!r} in the index (see `searchlib stats` / search --json)")
        from whoosh import query as wq
        passages = sorted(
            (dict(ordinal=f["ordinal"], **unpack_passage(f["data"]))
             for f in (searcher.stored_fields(n) for n in searcher.docs_for_query(
                 wq.And([wq.Term("doc_id", doc_id), wq.Term("rtype", PASSAGE)])))),
            key=lambda p: p["ordinal"])
        return dict(doc_id=doc_id, content_hash=stored.get("content_hash"), **stored["meta"], passages_list=passages)

    def documents(self) -> list[dict]:
        """Metadata of every indexed document."""
        from whoosh import query as wq
        searcher = self._searcher()
        out = []
        for n in searcher.docs_for_query(wq.Term("rtype", DOCUMENT)):
            f = searcher.stored_fields(n)
            out.append(dict(doc_id=f["doc_id"], content_hash=f.get("content_hash"), **f["meta"]))
        return sorted(out, key=lambda d: d["doc_id"])

    def stats(self) -> dict:
        from collections import Counter
        docs = self.documents()
        size = sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
        return {
            "index": str(self.path), "documents": len(docs),
            "passages": sum(d.get("passages", 0) for d in docs),
            "characters": sum(d.get("chars", 0) for d in docs),
            "index_bytes": size,
            "doc_types": dict(Counter(d.get("doc_type") for d in docs).most_common()),
            "years": dict(sorted(Counter(d.get("year") for d in docs if d.get("year")).items())),
            "regions": dict(Counter((d.get("region") or {}).get("name") for d in docs if d.get("region")).most_common()),
            "built_with": {k: self.meta.get(k) for k in ("searchlib", "schema", "analysis")},
        }
