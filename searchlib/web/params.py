"""The HTTP API's parameters and endpoints, defined once: the handlers parse requests with
``parse(ENDPOINT, params)`` and ``openapi()`` describes the same table as an OpenAPI 3.0
document (``/api/openapi.json``) and a reference page (``/api/docs``). A parameter added
here is parsed, bounded and documented at once; none is parsed anywhere else."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ..errors import SearchlibError
from ..models import DOC_TYPES, SECTION_KINDS

API_VERSION = "1"
MAX_QUERY_CHARS = 500          # the query language's own limit too
MAX_LIMIT = 100                # hits per request
MAX_OFFSET = 10_000
MAX_PER_DOC = 100
MAX_DOCS_LIMIT = 1000          # documents per /api/documents page
MAX_CONTEXT = 20               # neighbours of a passage
MAX_PARAM_CHARS = 200          # any other parameter
MAX_VALUES = 50                # values of one repeatable parameter
MAX_FIGURE_ROWS = 500          # rows of an answer table per request
MAX_FIGURE_PASSAGES = 1000     # passages read for an answer table (the CLI's --passages)
MAX_SUGGEST = 20
PAGE_SIZE = 10
FORMATS = ("json", "jsonl", "csv")
SORTS = ("relevance", "date", "-date")
BYS = ("region", "period", "year", "document")


class BadRequest(SearchlibError):
    """A request parameter out of bounds or malformed (HTTP 400)."""


@dataclass(frozen=True)
class Param:
    """One parameter: its name, type (string, integer, boolean, date), bounds and text."""
    name: str
    type: str
    en: str
    zh: str
    default: Any = None
    minimum: Optional[int] = None
    maximum: Optional[int] = None
    max_chars: int = MAX_PARAM_CHARS
    choices: tuple = ()
    check_choices: bool = True     # False: the library checks the value (with its own message)
    many: bool = False             # repeatable (region=浙江&region=江苏): any of the values
    where: str = "query"
    required: bool = False
    aliases: tuple = ()
    example: Any = None


@dataclass(frozen=True)
class Endpoint:
    """One API path: its methods, parameters, what it answers with."""
    path: str                      # OpenAPI form, relative to /api/v1 (and /api): /documents/{doc_id}
    name: str                      # the Flask endpoint
    summary: str
    zh: str
    params: tuple
    methods: tuple = ("GET",)
    formats: tuple = ("application/json",)
    result: str = "Object"         # the schema of a 200 answer
    errors: tuple = (400, 503)
    body: bool = False             # POST takes a JSON body of the same parameters


def _q(required=False, chars=MAX_QUERY_CHARS, en="The query, in the query language of `searchlib search`.",
       zh="检索词（与命令行 search 相同的检索式）。"):
    return Param("q", "string", en, zh, max_chars=chars, required=required, aliases=("query",), example="两法衔接")


_FILTERS = (
    Param("region", "string", "Region at any level (浙江, 宁波, 北仑) or a GB/T 2260 code; repeat it for any of "
          "several.", "地区：省、市、县名称或行政区划代码；可重复，表示“或”。", many=True, example="浙江"),
    Param("year", "integer", "Year the report covers; repeatable.", "报告年份；可重复。", minimum=1000, maximum=9999,
          many=True, example=2018),
    Param("type", "string", "Document type; repeatable.", "文件类型；可重复。", choices=DOC_TYPES, check_choices=False,
          many=True),
    Param("kind", "string", "Section kind; repeatable.", "章节类型；可重复。", choices=SECTION_KINDS,
          check_choices=False, many=True),
    Param("since", "date", "Published on or after (YYYY, YYYY-MM or YYYY-MM-DD).", "发布日期不早于（2018、2018-06 或 2018-06-30）。",
          example="2018"),
    Param("until", "date", "Published on or before (YYYY, YYYY-MM or YYYY-MM-DD).", "发布日期不晚于。", example="2020-06"),
)
_RULE_FILTERS = (
    Param("level", "string", "Laws and regulations of this 效力级别 (法律, 行政法规 …); repeatable.",
          "效力级别（法律、行政法规……）；可重复。", many=True),
    Param("issuer", "string", "Laws and regulations adopted by this body; repeatable.", "制定机关；可重复。", many=True),
)
_FORMAT = Param("format", "string", "json (default), jsonl (a row per line) or csv (with a UTF-8 byte-order mark).",
                "输出格式：json（默认）、jsonl 或 csv。", default="json", choices=FORMATS)
_DOWNLOAD = Param("download", "boolean", "Send as a file (Content-Disposition: attachment).", "作为文件下载。",
                  default=False)
_SYNONYMS = Param("synonyms", "boolean", "Expand policy jargon with the synonyms files.", "使用同义词扩展。", default=True)

SEARCH = Endpoint(
    "/search", "api_search", "Search passages (or, without q, browse by filters)",
    "检索段落；不给检索词时按筛选条件浏览文件。",
    (_q(), *_FILTERS,
     Param("has_figures", "boolean", "Only passages that state figures.", "只看含数据的段落。", default=False),
     *_RULE_FILTERS,
     Param("limit", "integer", "Hits per page.", "每页条数。", default=PAGE_SIZE, minimum=1, maximum=MAX_LIMIT),
     Param("offset", "integer", "Hits skipped (paging).", "跳过的条数（翻页）。", default=0, minimum=0, maximum=MAX_OFFSET),
     Param("page", "integer", "1-based page of `hitsPerPage` (or `limit`) hits, instead of offset.",
           "页码（从 1 开始），代替 offset。", minimum=1, maximum=MAX_OFFSET + 1),
     Param("hitsPerPage", "integer", "Hits per page (the same as limit).", "每页条数（同 limit）。",
           minimum=1, maximum=MAX_LIMIT),
     Param("sort", "string", "Order: relevance, date (oldest first) or -date (newest first).",
           "排序：relevance 相关度、date 最早、-date 最新。", default="relevance", choices=SORTS),
     Param("per_doc", "integer", "Passages of one document before the next of it (0: by score only).",
           "每个文件先列几条（0：只按得分）。", minimum=0, maximum=MAX_PER_DOC),
     Param("facets", "boolean", "Count the matches by province, city, county, year, type, kind, level, issuer.",
           "统计各筛选项的匹配数。", default=False),
     Param("disjunctive_facets", "boolean", "With facets: a facet a filter narrows is counted without that "
           "filter, so its other values show what they would add (OR within a facet).",
           "筛选项计数不受本项已选值限制（便于多选）。", default=False),
     Param("explain", "boolean", "How each hit was scored.", "显示评分说明。", default=False),
     _SYNONYMS,
     Param("group_by_doc", "boolean", "List each document once with its best passages.", "按文件分组。", default=False),
     Param("show_duplicates", "boolean", "Also list passages a better hit already shows.", "列出重复或相似的段落。",
           default=False),
     _FORMAT, _DOWNLOAD),
    methods=("GET", "POST"), formats=("application/json", "application/x-ndjson", "text/csv"),
    result="SearchResult", body=True, errors=(400, 413, 503))
DOCUMENTS = Endpoint(
    "/documents", "api_documents", "List the indexed documents (all, or those the filters allow)",
    "列出索引中的文件（全部或符合筛选条件的）。",
    (*(p for p in _FILTERS if p.name != "kind"), *_RULE_FILTERS,
     Param("limit", "integer", "Documents per page.", "每页文件数。", default=100, minimum=1, maximum=MAX_DOCS_LIMIT),
     Param("offset", "integer", "Documents skipped.", "跳过的文件数。", default=0, minimum=0, maximum=10_000_000),
     _FORMAT),
    formats=("application/json", "application/x-ndjson", "text/csv"), result="DocumentList")
DOCUMENT = Endpoint(
    "/documents/{doc_id}", "api_document", "One document with its passages", "一份文件及其全部段落。",
    (Param("doc_id", "string", "The document's id (URL-quoted).", "文件编号（需 URL 编码）。", where="path",
           required=True, max_chars=1000),),
    result="Document", errors=(404, 503))
PASSAGE = Endpoint(
    "/passages/{passage_id}", "api_passage", "One passage with its neighbours", "一个段落及其上下文。",
    (Param("passage_id", "string", "DOC_ID#N as hits show it (URL-quoted: %23 for #).",
           "段落编号 DOC_ID#N（# 写作 %23）。", where="path", required=True, max_chars=1000),
     Param("context", "integer", "Passages before and after it.", "前后各取几段。", default=1, minimum=0,
           maximum=MAX_CONTEXT)),
    result="Passage", errors=(400, 404, 503))
FIGURES = Endpoint(
    "/figures", "api_figures", "The answer table of a query: the figures its best passages state",
    "答案表：最相关段落中的数据。",
    (_q(required=True),
     Param("unit", "string", "Only figures in this unit (件, 万元, 亩) or class (count, money …).", "单位。",
           example="件"),
     Param("by", "string", "Group rows by region, period (year) or document.", "分组方式。", choices=BYS),
     Param("limit", "integer", "Rows.", "行数。", default=100, minimum=1, maximum=MAX_FIGURE_ROWS),
     Param("passages", "integer", "Best passages read.", "读取的段落数。", default=MAX_FIGURE_PASSAGES, minimum=1,
           maximum=MAX_FIGURE_PASSAGES),
     *_FILTERS, _SYNONYMS, _FORMAT, _DOWNLOAD),
    formats=("application/json", "application/x-ndjson", "text/csv"), result="FigureTable")
SYNONYMS = Endpoint(
    "/synonyms", "api_synonyms", "What a query becomes after synonym expansion", "检索词的同义词扩展。",
    (_q(required=True),), result="Synonyms")
SUGGEST = Endpoint(
    "/suggest", "api_suggest", "Completions of typed text: titles, jargon and frequent words of the index",
    "输入提示：文件标题、政策术语和索引中的常用词。",
    (_q(required=True, chars=100, en="The text typed so far.", zh="已输入的文字。"),
     Param("limit", "integer", "Suggestions.", "提示条数。", default=8, minimum=1, maximum=MAX_SUGGEST)),
    result="Suggestions")
STATS = Endpoint("/stats", "api_stats", "Counts of documents and passages by type, year and region",
                 "索引统计。", (), result="Object", errors=(503,))
HEALTH = Endpoint("/health", "api_health", "Whether the index can be searched", "服务状态。", (), result="Health",
                  errors=(503,))
OPENAPI = Endpoint("/openapi.json", "api_openapi", "This description (OpenAPI 3.0)", "本接口说明（OpenAPI 3.0）。",
                   (), result="Object", errors=())
ENDPOINTS = (SEARCH, DOCUMENTS, DOCUMENT, PASSAGE, FIGURES, SYNONYMS, SUGGEST, STATS, HEALTH, OPENAPI)


# -- parsing ------------------------------------------------------------------------------
def _flag(value, name: str, default: bool = False) -> bool:
    """A true/false parameter; absent, empty (``synonyms=``) or JSON null: ``default``."""
    if isinstance(value, bool):
        return value
    if value is None:
        return default
    v = str(value).strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    if v == "":
        return default
    raise BadRequest(f"{name} must be true or false, not {str(value)[:40]!r}")


def _int(value, name: str, lo: int, hi: int, default: Optional[int]) -> Optional[int]:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise BadRequest(f"{name} must be a whole number, not {value!r}")
    try:
        n = int(str(value).strip())
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {str(value)[:40]!r}") from None
    if not lo <= n <= hi:
        raise BadRequest(f"{name} must be between {lo} and {hi}")
    return n


def _text(value, name: str, limit: int = MAX_PARAM_CHARS) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise BadRequest(f"{name} must be text")
    value = str(value)
    if len(value) > limit:
        raise BadRequest(f"{name} is longer than {limit} characters")
    if "\x00" in value:
        raise BadRequest(f"{name} contains a NUL character")
    return value.strip() or None


def _one(p: Param, value):
    if p.type == "boolean":
        return _flag(value, p.name, bool(p.default))
    if p.type == "integer":
        return _int(value, p.name, p.minimum if p.minimum is not None else -2 ** 31,
                    p.maximum if p.maximum is not None else 2 ** 31, p.default)
    v = _text(value, p.name, p.max_chars)
    if v is None:
        return p.default
    if p.choices and p.check_choices and v not in p.choices:
        raise BadRequest(f"{p.name} must be one of: {', '.join(p.choices)}, not {v[:40]!r}")
    return v


def _raw(params, p: Param):
    """The value(s) of ``p`` in a query string (a MultiDict: every repeat) or a JSON body."""
    for name in (p.name, *p.aliases):
        if hasattr(params, "getlist"):
            values = params.getlist(name)
            if values:
                return values if p.many else values[0]
        elif name in params:
            return params[name]
    return None


def parse(endpoint: Endpoint, params, *, strict: bool = True) -> dict:
    """The values of ``endpoint``'s query parameters in ``params`` (a query string's MultiDict
    or a JSON object), checked and bounded, by name; absent ones are their default. A
    repeatable parameter is None, its one value, or a list of its values. ``strict``:
    unknown parameters are an error (the API), else ignored (the page)."""
    known = [p for p in endpoint.params if p.where == "query"]
    if strict:
        names = {n for p in known for n in (p.name, *p.aliases)}
        unknown = sorted(str(k)[:40] for k in params if k not in names)
        if unknown:
            shown = sorted(p.name for p in known if p.name != "download")
            raise BadRequest(f"unknown parameter(s): {', '.join(unknown)} (known: {', '.join(shown)})")
    out = {}
    for p in known:
        raw = _raw(params, p)
        if p.many:
            values = raw if isinstance(raw, list) else [] if raw is None else [raw]
            if len(values) > MAX_VALUES:
                raise BadRequest(f"{p.name} is given more than {MAX_VALUES} times")
            values = list(dict.fromkeys(v for v in (_one(p, v) for v in values) if v is not None))
            out[p.name] = None if not values else values[0] if len(values) == 1 else values
        else:
            out[p.name] = _one(p, raw)
    return out


# -- the OpenAPI document -------------------------------------------------------------------
_ERROR_TEXT = {304: "Not modified (If-None-Match matched the ETag of this index generation)",
               400: "A malformed query, filter or parameter", 404: "No such document or passage",
               405: "Method not allowed (the server is read-only)", 413: "The body is larger than 64 KiB",
               503: "The index is missing, damaged or being rebuilt", 500: "A bug (details in the server's log)"}


def _schema(p: Param) -> dict:
    base: dict = {"string": {"type": "string"}, "integer": {"type": "integer"}, "boolean": {"type": "boolean"},
                  "date": {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}}[p.type]
    base = dict(base)
    if p.minimum is not None:
        base["minimum"] = p.minimum
    if p.maximum is not None:
        base["maximum"] = p.maximum
    if p.type == "string":
        base["maxLength"] = p.max_chars
    if p.choices:
        base["enum"] = list(p.choices)
    if p.default is not None and not p.many:
        base["default"] = p.default
    if p.many:
        return {"type": "array", "items": base, "maxItems": MAX_VALUES}
    return base


def _parameter(p: Param) -> dict:
    d = {"name": p.name, "in": p.where, "required": p.required or p.where == "path",
         "description": p.en + (f" Also accepted as `{p.aliases[0]}`." if p.aliases else "") + f" ({p.zh})",
         "schema": _schema(p)}
    if p.many:
        d.update(style="form", explode=True)
    if p.example is not None:
        d["example"] = [p.example] if p.many else p.example
    return d


def _content(types: tuple, schema: str) -> dict:
    out = {}
    for t in types:
        out[t] = {"schema": {"$ref": f"#/components/schemas/{schema}"}} if t == "application/json" else \
            {"schema": {"type": "string"}}
    return out


def _operation(e: Endpoint, method: str) -> dict:
    responses = {"200": {"description": "OK", "content": _content(e.formats, e.result),
                         "headers": {"ETag": {"$ref": "#/components/headers/ETag"},
                                     "X-Searchlib-API-Version": {"$ref": "#/components/headers/Version"},
                                     "Server-Timing": {"$ref": "#/components/headers/ServerTiming"}}}}
    if method == "GET":
        responses["304"] = {"description": _ERROR_TEXT[304]}
    for status in sorted({*e.errors, 500}):
        responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    op = {"operationId": e.name + ("_post" if method == "POST" else ""), "summary": e.summary,
          "description": e.zh, "responses": responses}
    if method == "POST":
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/SearchRequest"}}}}
        op["parameters"] = []
    else:
        op["parameters"] = [_parameter(p) for p in e.params]
    return op


def _search_request() -> dict:
    props = {}
    for p in SEARCH.params:
        s = _schema(p)
        props[p.name] = {"oneOf": [s["items"], s]} if p.many else s
    props["query"] = {"type": "string", "maxLength": MAX_QUERY_CHARS, "description": "The same as q."}
    props["filters"] = {"type": "object", "description": "Filters as an object, as `searchlib search --batch` "
                        "takes them: region, year, type, kind, since, until, has_figures, level, issuer.",
                        "additionalProperties": True}
    return {"type": "object", "properties": props, "additionalProperties": False}


def _schemas() -> dict:
    obj = {"type": "object", "additionalProperties": True}
    facet = {"type": "array", "items": {"type": "object", "properties": {
        "value": {}, "code": {"type": "string"}, "passages": {"type": "integer"}, "documents": {"type": "integer"}}}}
    hit = {"type": "object", "properties": {
        "passage_id": {"type": "string"}, "doc_id": {"type": "string"}, "title": {"type": "string"},
        "region": {"type": "string", "nullable": True}, "year": {"type": "integer", "nullable": True},
        "heading_path": {"type": "array", "items": {"type": "string"}}, "section_kind": {"type": "string"},
        "snippet": {"type": "string", "description": "The passage text with <mark> tags, not escaped."},
        "score": {"type": "number"}}, "additionalProperties": True}
    return {
        "Object": obj,
        "Error": {"type": "object", "required": ["error", "message_zh", "code", "status"], "properties": {
            "error": {"type": "string", "description": "What went wrong, in English."},
            "message_zh": {"type": "string", "description": "The same in Chinese (what the page shows)."},
            "code": {"type": "string", "description": "Machine-readable: bad_request, unknown_region, bad_date, "
                     "unbalanced, query_too_long, not_found, method_not_allowed, too_large, headers_too_large, "
                     "uri_too_long, index_unavailable, internal …"},
            "status": {"type": "integer"}}},
        "Hit": hit,
        "SearchResult": {"type": "object", "properties": {
            "query": {"type": "string"}, "expanded_query": {"type": "string"}, "total": {"type": "integer"},
            "total_partial": {"type": "integer"}, "offset": {"type": "integer"}, "elapsed_ms": {"type": "number"},
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "documents": {"type": "array", "items": obj, "description": "With group_by_doc, instead of hits."},
            "facets": {"type": "object", "additionalProperties": facet}}, "additionalProperties": True},
        "Document": {"type": "object", "properties": {"doc_id": {"type": "string"}, "title": {"type": "string"},
                                                      "passages_list": {"type": "array", "items": obj}},
                     "additionalProperties": True},
        "DocumentList": {"type": "object", "properties": {"total": {"type": "integer"}, "offset": {"type": "integer"},
                                                          "documents": {"type": "array", "items": obj}}},
        "Passage": {"type": "object", "properties": {"passage_id": {"type": "string"}, "document": obj,
                                                     "passage": obj, "before": {"type": "array", "items": obj},
                                                     "after": {"type": "array", "items": obj}}},
        "FigureTable": {"type": "object", "properties": {"query": {"type": "string"}, "total": {"type": "integer"},
                                                         "rows": {"type": "array", "items": obj},
                                                         "groups": {"type": "array", "items": obj}},
                        "additionalProperties": True},
        "Synonyms": {"type": "object", "properties": {
            "query": {"type": "string"}, "concepts": {"type": "array", "items": {"type": "string"}},
            "expansions": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "related": {"type": "array", "items": {"type": "string"}}, "text": {"type": "string"}}},
        "Suggestions": {"type": "object", "properties": {
            "query": {"type": "string"}, "suggestions": {"type": "array", "items": {"type": "object", "properties": {
                "text": {"type": "string"}, "kind": {"type": "string", "enum": ["title", "jargon", "term"]}}}}}},
        "Health": {"type": "object", "properties": {"status": {"type": "string"}, "documents": {"type": "integer"},
                                                    "searchlib": {"type": "string"}}},
        "SearchRequest": _search_request(),
    }


def openapi(version: str) -> dict:
    """The OpenAPI 3.0 document of the API, from ``ENDPOINTS``."""
    paths: dict = {}
    for e in ENDPOINTS:
        item = paths.setdefault(e.path, {})
        for method in e.methods:
            item[method.lower()] = _operation(e, method)
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "searchlib HTTP API", "version": f"{API_VERSION} (searchlib {version})",
                 "description": "Full-text search of Chinese policy documents. Read-only. Every path is served "
                 "under /api/v1 (this version) and /api (the latest version); each answer says its version in "
                 "X-Searchlib-API-Version. GET answers carry an ETag keyed to the index generation (a commit "
                 "changes it; If-None-Match gets 304) and Cache-Control: no-cache; answers over 1 KiB are gzipped "
                 "when the client accepts it. Cross-origin calls need `searchlib serve --cors ORIGIN`. Errors are "
                 "JSON with a machine-readable code. 一个只读的政策文件全文检索接口。"},
        "servers": [{"url": "/api/v1", "description": "version 1"}],
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "responses": {f"E{s}": {"description": t, "content": error} for s, t in _ERROR_TEXT.items() if s != 304},
            "headers": {
                "ETag": {"description": "Weak validator of this answer at this index generation.",
                         "schema": {"type": "string"}},
                "Version": {"description": "The API version (1).", "schema": {"type": "string"}},
                "ServerTiming": {"description": "app (the whole request), parse, search, facets, render: "
                                 "milliseconds.", "schema": {"type": "string"}},
            },
        },
    }
