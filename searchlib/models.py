"""Plain data classes that cross module boundaries. No Whoosh types here."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Optional

SECTION_KINDS = ("preamble", "achievements", "problems", "plans", "requirements", "other")
DOC_TYPES = ("annual_report", "work_plan", "notice", "opinion", "regulation", "law",
             "judicial_interpretation", "government_work_report", "other")
RULE_TYPES = ("law", "regulation", "judicial_interpretation")    # parsed by article (第X条)


@dataclass
class SourceDocument:
    """What ingestion makes of one file: clean text plus the metadata the file states."""
    path: str                      # absolute path of the file
    doc_id: str                    # path relative to its corpus root, '/'-separated
    text: str                      # normalised article text, one paragraph per line, no clutter
    title: str = ""
    published: Optional[str] = None    # YYYY-MM-DD
    source: Optional[str] = None       # 来源 / 发布机构
    doc_number: Optional[str] = None   # 文号, e.g. 莲政办发〔2017〕20号
    index_number: Optional[str] = None  # 索引号
    written: Optional[str] = None      # 成文日期 YYYY-MM-DD
    encoding: str = "utf-8"
    format: str = "txt"                # txt | html | pdf | docx | doc, wps, rtf, odt … (via LibreOffice)
    content_hash: str = ""             # sha1 of the raw bytes
    file_signature: Optional[str] = None   # size, times and inode when read (ingest.file_signature)
    site: Optional[str] = None         # SiteName meta, when the page has one
    # outline level of heading lines the file marks as headings (DOCX heading styles),
    # keyed by the line as it is in ``text``
    heading_levels: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)   # e.g. a low-confidence decoding
    ocr: Optional[dict] = None     # a scan read by OCR: {"pages", "confidence", "pages_left_out"}


@dataclass
class Region:
    """An administrative division resolved against GB/T 2260 codes."""
    code: str          # 6-digit GB/T 2260 code of the most specific level
    name: str          # full name, e.g. 浙江省宁波市北仑区
    province: str = ""
    city: str = ""
    county: str = ""
    level: str = ""    # province | city | county

    def short(self) -> str:
        return self.county or self.city or self.province


@dataclass
class Figure:
    """A quantity stated in a passage: value, unit and the phrase it counts."""
    value: float
    unit: str
    text: str          # the figure as written, e.g. 30件, 192.05万平方米, 95.7%
    subject: str = ""  # what it counts, e.g. 移交区检察院涉刑案件
    start: int = 0     # character offsets of `text` in the passage
    end: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Passage:
    doc_id: str
    ordinal: int                 # 0-based position within the document
    text: str
    heading_path: list[str] = field(default_factory=list)
    section_kind: str = "other"
    figures: list[Figure] = field(default_factory=list)
    concreteness: float = 0.0

    @property
    def passage_id(self) -> str:
        return f"{self.doc_id}#{self.ordinal}"


@dataclass
class Section:
    heading: str
    level: int
    kind: str
    heading_path: list[str]
    paragraphs: list[str] = field(default_factory=list)
    article: bool = False          # a law's 第X条: its paragraphs (款, 项) are one passage


@dataclass
class Document:
    """A fully analysed document: source metadata plus inferred metadata and passages."""
    source: SourceDocument
    doc_type: str = "other"
    year: Optional[int] = None
    region: Optional[Region] = None
    rule: Optional[dict] = None      # a law or regulation: metadata.rule_facts (issuer, level, edition …)
    sections: list[Section] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        return self.source.doc_id

    @property
    def title(self) -> str:
        return self.source.title


@dataclass
class Hit:
    """One search result: a passage with its document's metadata."""
    doc_id: str
    passage_id: str
    title: str
    text: str
    snippet: str
    score: float
    heading_path: list[str] = field(default_factory=list)
    section_kind: str = "other"
    region: Optional[str] = None
    region_code: Optional[str] = None
    year: Optional[int] = None
    published: Optional[str] = None
    source: Optional[str] = None
    doc_number: Optional[str] = None
    doc_type: Optional[str] = None
    figures: list[Figure] = field(default_factory=list)
    explanation: Optional[dict] = None
    missing: list[str] = field(default_factory=list)   # the query's concepts this passage does not hold
    edition: Optional[str] = None      # a law's or regulation's edition (2023年修订)
    level: Optional[str] = None        # … its 效力级别 (法律, 行政法规, 地方性法规 …)
    current: Optional[bool] = None     # whether that edition is the latest indexed one of its rule

    def to_dict(self) -> dict:
        d = asdict(self)
        if self.explanation is None:
            d.pop("explanation")
        return d


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    total: int                 # passages that hold every concept of the query (and pass the filters)
    expanded_query: str = ""   # the query as it was searched (concepts, synonyms, filters), one line
    elapsed_ms: float = 0.0
    offset: int = 0            # hits before the first one here (paging)
    facets: Optional[dict] = None   # name -> [{value, passages, documents}], when asked for
    partial: bool = False      # the time budget ran out: ranked on the query's first concepts only
    warnings: list = field(default_factory=list)   # e.g. a wildcard that matched too many terms
    total_partial: int = 0     # passages that match only some concepts: listed after ``total``, each
                               # hit with its ``missing`` concepts
    unmatched: list = field(default_factory=list)     # query words that no passage of the index holds
    suggestions: list = field(default_factory=list)   # [{"word", "suggestion", "query"}]: did you mean
    read_as: dict = field(default_factory=dict)       # how the query was read (QueryPlan.read_as)
    duplicates_hidden: int = 0   # matching passages left out as repeats of a shown one (show_duplicates)
    counts_exact: bool = True    # False: near duplicates further down may lower total / total_partial
    browse: Optional[str] = None   # a search without words: "documents" (a hit per document) or "passages"
    missing_shards: list = field(default_factory=list)   # shards of a sharded index that could not be searched
    facets_ms: float = 0.0       # of elapsed_ms, the time spent counting facets (a server's Server-Timing)
    # "eq": total (and total_partial, duplicates_hidden) count every matching passage; "gte": the
    # search ranked the page without evaluating every passage that cannot reach it (block-max
    # pruning), and the counts are lower bounds (search with exact_total for exact ones)
    total_relation: str = "eq"

    def by_document(self) -> list[dict]:
        """The hits grouped by document, each document once, in the order of its best hit:
        ``[{doc_id, title, region, region_code, year, doc_type, published, hits: [Hit]}]``."""
        groups: dict[str, dict] = {}
        for h in self.hits:
            g = groups.get(h.doc_id)
            if g is None:
                g = groups[h.doc_id] = {"doc_id": h.doc_id, "title": h.title, "region": h.region,
                                        "region_code": h.region_code, "year": h.year, "doc_type": h.doc_type,
                                        "published": h.published, "hits": []}
            g["hits"].append(h)
        return list(groups.values())

    def to_dict(self) -> dict:
        d = {"query": self.query, "expanded_query": self.expanded_query, "total": self.total,
             "total_relation": self.total_relation, "total_partial": self.total_partial, "duplicates_hidden": self.duplicates_hidden,
             "counts_exact": self.counts_exact, "offset": self.offset, "elapsed_ms": round(self.elapsed_ms, 2),
             "unmatched": list(self.unmatched), "suggestions": list(self.suggestions), "read_as": self.read_as,
             "hits": [h.to_dict() for h in self.hits]}
        if self.facets is not None:
            d["facets"] = self.facets
        if self.browse:
            d["browse"] = self.browse
        if self.partial:
            d["partial"] = True
        if self.missing_shards:
            d["partial"] = True
            d["missing_shards"] = list(self.missing_shards)
        if self.warnings:
            d["warnings"] = list(self.warnings)
        return d


@dataclass
class SkippedFile:
    path: str
    reason: str


_FORMAT_OF_SUFFIX = {".htm": "html", ".shtml": "html"}


def format_of(path: str) -> str:
    """The format a file is counted under in a report: txt, html, pdf, docx, or its suffix
    without the dot (doc, jpg), or "(no suffix)"."""
    name = path.rsplit("/", 1)[-1]
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name.lstrip(".") else ""
    return _FORMAT_OF_SUFFIX.get(suffix, suffix[1:] or "(no suffix)")


@dataclass
class BuildReport:
    documents: int = 0
    passages: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    duplicates: list[tuple[str, str]] = field(default_factory=list)   # (path, doc_id it duplicates)
    skipped: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0
    indexed_formats: dict[str, int] = field(default_factory=dict)   # format → files indexed by this run
    warnings: list[tuple[str, str]] = field(default_factory=list)   # (path, warning): indexed, but e.g.
                                                                     # its encoding was a low-confidence guess

    def by_format(self) -> dict[str, dict[str, int]]:
        """``{format: {"indexed": n, "skipped": n}}`` for the files this run indexed or
        skipped, by format (txt, html, pdf, docx) or, for other files, by suffix."""
        out: dict[str, dict[str, int]] = {}
        for fmt, n in self.indexed_formats.items():
            out.setdefault(fmt, {"indexed": 0, "skipped": 0})["indexed"] += n
        for s in self.skipped:
            out.setdefault(format_of(s.path), {"indexed": 0, "skipped": 0})["skipped"] += 1
        return dict(sorted(out.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["by_format"] = self.by_format()
        return d


@dataclass
class FigureRow:
    """One figure that answers the query, with where it was found."""
    region: Optional[str]
    region_code: Optional[str]
    year: Optional[int]
    title: str
    doc_id: str
    passage_id: str
    subject: str
    value: float          # in ``unit``; 万/亿 scaled (3.6亿元 → 360000000 元)
    unit: str
    text: str             # the figure as written (3.6亿元, 126件)
    sentence: str         # the sentence it comes from
    published: Optional[str] = None
    doc_type: Optional[str] = None
    heading_path: list[str] = field(default_factory=list)
    section_kind: str = "other"      # achievements, plans … (the section's; ``role`` is the figure's)
    period: Optional[str] = None     # the period the figure describes: "2025", "2021-2025"
    period_start: Optional[int] = None
    period_end: Optional[int] = None
    role: str = "result"             # result (achieved), target (planned), baseline (start of a change)
    change: Optional[str] = None     # increase / decrease for a figure of change (增长5%, 下降3.1%)
    measure: str = "asked"           # "related": its sentence names the asked measure only by a related,
                                     # broader or earlier one (城镇化率 for 常住人口城镇化率, 生活费收入 for 可支配收入)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FigureTable:
    """The answer table of a query: rows in ranking order, or grouped (``by``)."""
    query: str
    rows: list[FigureRow]
    by: Optional[str] = None
    unit: Optional[str] = None
    groups: list[dict] = field(default_factory=list)    # [{"key", "rows"}] when ``by`` is given
    total: int = 0               # figures that answer the query (rows may be fewer: limit)
    passages: int = 0            # matching passages read
    expansions: dict = field(default_factory=dict)
    elapsed_ms: float = 0.0
    partial: bool = False        # the time budget ran out: passages ranked on the first concepts only

    def to_dict(self) -> dict:
        d = {"query": self.query, "by": self.by, "unit": self.unit, "total": self.total,
             "passages": self.passages, "expansions": self.expansions, "elapsed_ms": round(self.elapsed_ms, 2),
             "rows": [r.to_dict() for r in self.rows]}
        if self.partial:
            d["partial"] = True
        if self.by:
            d["groups"] = [{"key": g["key"], "rows": [r.to_dict() for r in g["rows"]]} for g in self.groups]
        return d
