"""The public Python API. The CLI is a thin layer over this module.

    import searchlib
    idx = searchlib.open_index("index")
    result = idx.search("两法衔接", region="宁波", limit=5)
    for hit in result.hits:
        print(hit.title, " > ".join(hit.heading_path), hit.snippet)

A ``SearchIndex`` is opened once and searched many times, from any number of
threads: each thread searches its own snapshot of the index, replaced automatically
when another process has committed an update.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterable, Optional, Union

from .answers import GROUPINGS, ROLES, answer_rows, group_rows, unit_converter
from .errors import CorpusError, DocumentNotFoundError, QuerySyntaxError
from .metadata import region_table
from .models import RULE_TYPES, BuildReport, FigureTable, SearchResult
from .query import Filters
from .ranking import DEFAULT_RANKING, RankingConfig
from .search import IndexSearcher
from .storage import check_index
from .synonyms import SynonymMap, default_synonyms_path

PathLike = Union[str, os.PathLike]
DEFAULT_INDEX = "index"


def default_index_path() -> Path:
    return Path(os.environ.get("SEARCHLIB_INDEX") or DEFAULT_INDEX)


def build_index(corpus: Iterable[PathLike], index_dir: PathLike = None, progress=None,
                procs: Optional[int] = None, follow_links: bool = False) -> "SearchIndex":
    """Build a new index of every report under ``corpus`` and open it."""
    report = build(corpus, index_dir, progress=progress, procs=procs, follow_links=follow_links)
    idx = open_index(index_dir)
    idx.last_report = report
    return idx


def build(corpus: Iterable[PathLike], index_dir: PathLike = None, progress=None,
          procs: Optional[int] = None, follow_links: bool = False) -> BuildReport:
    """Build a new index (replacing any index at ``index_dir`` when done) and report what
    happened. A symlink that leads outside the corpus is skipped unless ``follow_links``."""
    from .indexing import build_index as _build_index  # the write path (lxml, workers): not loaded to search
    return _build_index(_paths(corpus), Path(index_dir or default_index_path()), progress=progress, procs=procs,
                        follow_links=follow_links)


def _paths(corpus) -> list[Path]:
    paths = [Path(p) for p in ([corpus] if isinstance(corpus, (str, os.PathLike)) else corpus)]
    if not paths:
        raise CorpusError("no corpus path given")
    return paths


def update(corpus: Iterable[PathLike], index_dir: PathLike = None, progress=None,
           procs: Optional[int] = None, remove_missing: bool = True, rebuild: bool = False,
           follow_links: bool = False) -> BuildReport:
    """Index new and changed files under ``corpus``, remove documents whose files there
    are gone, leave unchanged ones untouched. A stale index (other analyzer, user
    dictionary or schema) raises IndexVersionError, or with ``rebuild`` is replaced by a
    full build of ``corpus`` (so is a missing one)."""
    from .indexing import update_index  # the write path (lxml, workers): not loaded to search
    return update_index(_paths(corpus), Path(index_dir or default_index_path()), progress=progress,
                        procs=procs, remove_missing=remove_missing, rebuild=rebuild, follow_links=follow_links)


def add(files: Iterable[PathLike], index_dir: PathLike = None, root: PathLike = None) -> BuildReport:
    """Index single report files (doc_id relative to ``root``, default each file's folder)."""
    from .indexing import add_files  # the write path (lxml, workers): not loaded to search
    return add_files(_paths(files), Path(index_dir or default_index_path()), root=root)


def remove(doc_ids: Iterable[str], index_dir: PathLike = None) -> tuple[list[str], list[str]]:
    """Remove documents by doc_id; returns (removed, unknown)."""
    from .indexing import remove_documents  # the write path (lxml, workers): not loaded to search
    return remove_documents(list(doc_ids), Path(index_dir or default_index_path()))


def optimize(index_dir: PathLike = None) -> None:
    """Merge the index's segments into one (searches touch fewer files; deleted reports
    are dropped for good). Updates never need it."""
    from .indexing import optimize_index  # the write path (lxml, workers): not loaded to search
    optimize_index(Path(index_dir or default_index_path()))


def _positive(value, name: str) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError, OverflowError):
        raise QuerySyntaxError(f"{name} must be a number, not {value!r}") from None
    if not 1 <= value <= 1000:
        raise QuerySyntaxError(f"{name} must be between 1 and 1000, not {value}")
    return value


def open_index(index_dir: PathLike = None, synonyms: Optional[PathLike] = None,
               ranking: RankingConfig = DEFAULT_RANKING) -> "SearchIndex":
    """Open an existing index for searching (IndexNotFoundError / IndexVersionError if unusable)."""
    return SearchIndex(index_dir or default_index_path(), synonyms=synonyms, ranking=ranking)


class SearchIndex:
    """An open index: search it, read its documents, update it. A facade over
    search.IndexSearcher (retrieval) and indexing (writes)."""

    def __init__(self, index_dir: PathLike, synonyms: Optional[PathLike] = None,
                 ranking: RankingConfig = DEFAULT_RANKING):
        self.path = Path(index_dir)
        self.meta = check_index(self.path)
        self.ranking = ranking
        self._searcher = IndexSearcher(self.path, ranking)
        self._synonym_path = synonyms
        self._synonyms = None
        self.last_report: Optional[BuildReport] = None

    # -- resources ------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self._searcher.close()

    # -- synonyms -------------------------------------------------------------------
    @property
    def synonyms(self) -> SynonymMap:
        """Shipped synonyms + the index's own ``synonyms.txt`` + the file given at open."""
        if self._synonyms is None:
            maps = [SynonymMap.load(default_synonyms_path())]
            for extra in (self.path / "synonyms.txt", self._synonym_path):
                if extra and Path(extra).exists():
                    maps.append(SynonymMap.load(extra))
            self._synonyms = SynonymMap.merge(*maps)
        return self._synonyms

    def plan(self, query: str, synonyms: bool = True):
        """The query plan (concepts, expansions, the query tree the scorer evaluates)."""
        return self._searcher.plan(query, self.synonyms if synonyms else None)

    def explain_query(self, query: str, synonyms: bool = True) -> str:
        """What a query becomes (concepts, synonym expansions, query tree)."""
        return self.plan(query, synonyms).describe()

    def highlighter(self, query: str, synonyms: bool = True):
        """A function ``text -> [(start, end)]``: the character spans of ``text`` that a
        snippet for ``query`` would mark (its concepts, synonyms and words)."""
        from .snippets import merge_spans, term_spans
        phrases, words = self.plan(query, synonyms).highlight_terms()
        phrases = {p for p in phrases if p}
        return lambda text: merge_spans(term_spans(text, phrases) + term_spans(text, words))

    # -- search ---------------------------------------------------------------------
    def search(self, query: str, *, limit: int = 10, region: Optional[str] = None,
               year: Optional[int] = None, type: Optional[str] = None, kind: Optional[str] = None,
               since: Optional[str] = None, until: Optional[str] = None, has_figures: bool = False,
               level: Optional[str] = None, issuer: Optional[str] = None,
               synonyms: bool = True, explain: bool = False, per_doc: Optional[int] = None,
               offset: int = 0, sort: str = "relevance", facets: bool = False,
               timeout: Optional[float] = None, show_duplicates: bool = False) -> SearchResult:
        """Ranked passages for ``query``. Filters: region (name at any level, or a
        GB/T 2260 code), year (covered), type (doc type), kind (section kind),
        since/until (published date, YYYY[-MM[-DD]]), has_figures; for laws and regulations
        level (效力级别: 法律, 行政法规, 部门规章, 地方性法规, 地方政府规章, 司法解释, 宪法) and
        issuer (全国人民代表大会常务委员会, 国务院, 浙江省人民代表大会常务委员会 …). ``per_doc``: at most
        this many passages of one document (default ``ranking.per_doc``, 3; 0: no cap).
        ``offset``: skip that many hits (paging; the order is stable). ``sort``:
        ``relevance``, ``date`` (published, oldest first) or ``-date`` (newest first), ties
        by relevance. ``facets``: also count the matching passages and documents by
        province, city, year, type and section kind (``result.facets``). ``timeout``:
        seconds of search time (default 0.5); past it the query is ranked on the concepts
        evaluated so far (``result.partial``) or, if none, QueryTimeoutError.
        A passage whose text a better hit already shows (a copy in another report, or a
        near copy with no figure of its own) is left out and counted in
        ``result.duplicates_hidden``; ``show_duplicates`` shows them."""
        filters = Filters(region=region, year=year, type=type, kind=kind, since=since, until=until,
                          has_figures=has_figures, level=level, issuer=issuer)
        return self._searcher.search(query, filters, limit=limit, synonyms=self.synonyms if synonyms else None,
                                     explain=explain, per_doc=per_doc, offset=offset, sort=sort, facets=facets,
                                     timeout=timeout, show_duplicates=show_duplicates)

    def figures(self, query: str, *, unit: Optional[str] = None, by: Optional[str] = None, limit: int = 100,
                region: Optional[str] = None, year: Optional[int] = None, type: Optional[str] = None,
                kind: Optional[str] = None, since: Optional[str] = None, until: Optional[str] = None,
                role: Optional[str] = None, synonyms: bool = True, passages: int = 1000,
                timeout: Optional[float] = None) -> FigureTable:
        """The answer table of ``query``: the figures that the best ``passages`` matching
        passages state about the query's concepts, one row per figure (region, year,
        document, subject, value, unit, sentence), at most ``limit`` rows. ``unit``: a
        unit (件, 万元, 亩) or a class (count, money, area, people, time, percent);
        comparable units match and convert (件 also finds case counts in 宗/起, 亩 areas
        in 公顷). Each row says the period its figure describes (``period``: "2025",
        "2021-2025"), its ``role`` (result, target, baseline) and, for a change, its
        direction (``change``). ``by``: ``region``, ``period`` (``year`` is the same: a time
        series by period) or ``document`` groups the rows (``table.groups``). ``role``: only
        results, targets or baselines. A year in the query (2024年城镇新增就业) keeps the figures
        of that year (not a multi-year total ending in it), from any report; ``year`` filters by the year a report covers.
        Filters as in :meth:`search`; laws and regulations (rules, not reported figures) only
        with ``type``."""
        t0 = time.perf_counter()
        if by is not None and by not in GROUPINGS:
            raise QuerySyntaxError(f"cannot group by {by!r} (one of: {', '.join(GROUPINGS)})")
        limit = _positive(limit, "limit")
        unit = unit.strip() or None if isinstance(unit, str) else unit     # --unit "" or " ": no unit
        unit_converter(unit)                         # an unknown unit fails before searching
        if role is not None and role not in ROLES:
            raise QuerySyntaxError(f"unknown role {role!r} (one of: {', '.join(ROLES)})")
        plan = self.plan(query, synonyms)
        # a year in the query (2024年城镇新增就业) is the period the figures describe, from any
        # report (the 2025 work report states 2024's result, the 2024 one its target),
        # unless a year filter is given (--year, or year: written in the query)
        written = plan.filters
        years = set(plan.years.values()) if year is None and "year" not in written else set()
        # a region in it (行政复议 宁波): as --region
        # (浙江省宁波市, 宁波市北仑区 name one region: the most specific)
        table = region_table()
        regions = set(plan.regions.values())
        regions = {c for c in regions if not any(o != c and c in table.chain(o) for o in regions)}
        if region is None and "region" not in written and len(regions) == 1:
            region = next(iter(regions))
        # laws and regulations state rules (处五千元以下罚款), not what a region reported: in a
        # table only when asked for by --type (and then they do not use up the passages read)
        filters = Filters(region=region, year=year, type=type, kind=kind, since=since, until=until, has_figures=True,
                          not_types=() if type else RULE_TYPES)
        # every report's copy of a sentence is that report's figure: no passage is left out as a repeat
        result = self._searcher.search(query, filters, limit=_positive(passages, "passages"),
                                       synonyms=self.synonyms if synonyms else None, per_doc=0, timeout=timeout,
                                       show_duplicates=True)
        hits = result.hits
        if len(regions) > 1 and region is None and "region" not in written:
            # two regions (浙江 江苏) keep both, as two years do
            hits = [h for h in hits if h.region_code and regions & set(table.chain(h.region_code))]
        rows = answer_rows(hits, plan, unit)
        if years:
            # the figures of that year: not a five-year total that ends in it
            rows = [r for r in rows if r.period_start is not None and r.period_start == r.period_end
                    and r.period_start in years]
        if role:
            rows = [r for r in rows if r.role == role]
        total = len(rows)
        rows = rows[:limit]
        return FigureTable(query=query, rows=rows, by=by, unit=unit, groups=group_rows(rows, by), total=total,
                           passages=len(result.hits), expansions=plan.expansions,
                           elapsed_ms=(time.perf_counter() - t0) * 1000, partial=result.partial)

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
        return self._searcher.document(doc_id)

    def documents(self, *, region: Optional[str] = None, year: Optional[int] = None, type: Optional[str] = None,
                  since: Optional[str] = None, until: Optional[str] = None, level: Optional[str] = None,
                  issuer: Optional[str] = None, offset: int = 0, limit: Optional[int] = None) -> list[dict]:
        """Metadata of the indexed documents, all or those the filters allow, by doc_id;
        ``offset`` and ``limit`` page the list at the source (only the page's records
        are read)."""
        return self.document_page(region=region, year=year, type=type, since=since, until=until, level=level,
                                  issuer=issuer, offset=offset, limit=limit)[1]

    def document_page(self, *, region: Optional[str] = None, year: Optional[int] = None,
                      type: Optional[str] = None, since: Optional[str] = None, until: Optional[str] = None,
                      level: Optional[str] = None, issuer: Optional[str] = None, offset: int = 0,
                      limit: Optional[int] = None) -> tuple[int, list[dict]]:
        """(how many documents the filters allow, the metadata of ``limit`` of them from
        ``offset`` on, by doc_id)."""
        filters = Filters(region=region, year=year, type=type, since=since, until=until, level=level, issuer=issuer)
        filters.validate()
        if offset < 0 or (limit is not None and limit < 0):
            raise QuerySyntaxError("offset and limit must not be negative")
        return self._searcher.documents(filters, offset, limit)

    def passage(self, passage_id: str, context: int = 1) -> dict:
        """One passage by its id (``doc_id#ordinal``, as hits show it) with its document's
        title and metadata and ``context`` passages before and after it."""
        doc_id, sep, ordinal = passage_id.rpartition("#")
        if not sep or not ordinal.isdigit():
            raise QuerySyntaxError(f"a passage id is DOC_ID#NUMBER (as shown under each hit), not {passage_id!r}")
        doc = self.document(doc_id)
        passages = doc.pop("passages_list")
        n = int(ordinal)
        at = next((i for i, p in enumerate(passages) if p["ordinal"] == n), None)
        if at is None:
            raise DocumentNotFoundError(f"{doc_id!r} has no passage {n} (it has {len(passages)})")
        return dict(passage_id=passage_id, document=doc, passage=passages[at],
                    before=passages[max(0, at - context):at], after=passages[at + 1:at + 1 + context])

    def counts(self) -> dict:
        """Documents and passages in the index, in constant time (the home page, health
        checks)."""
        return {"documents": self._searcher.document_count(), "passages": self._searcher.passage_count()}

    def stats(self) -> dict:
        """Counts of documents, passages and characters, by doc type, year and region:
        computed once per index generation from the segments' report tables (no stored
        record is read)."""
        st = self._searcher.stats()
        size = sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
        return {
            "index": str(self.path), "documents": st["documents"], "passages": st["passages"],
            "characters": st["characters"], "index_bytes": size, "doc_types": st["doc_types"], "years": st["years"],
            "regions": st["regions"],
            "built_with": {k: self.meta.get(k) for k in ("searchlib", "schema", "analysis", "segmenter")},
        }
