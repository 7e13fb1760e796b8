"""The web search page and HTTP API: a thin Flask (WSGI) layer over ``searchlib.api``.

    from searchlib.web import create_app
    app = create_app("index")          # a WSGI app: mount it, or `searchlib serve`

No search logic lives here: every answer comes from one shared ``SearchIndex``
(thread-safe; each request thread searches its own snapshot, replaced when another
process commits an update or swaps in a rebuilt index). This module parses and bounds
request parameters, maps errors to HTTP statuses, and renders JSON (the CLI's shapes,
from ``searchlib.serialize``) or server-side HTML (Jinja2, autoescaped).
"""
from __future__ import annotations

import datetime
import gzip
import hashlib
import json
import logging
import os
import re
import signal
import threading
import time
from pathlib import Path
from typing import Optional, Union
from urllib.parse import urlencode

from flask import Flask, Response, abort, g, jsonify, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from .. import __version__, api
from ..errors import (DocumentNotFoundError, IndexDamagedError, IndexLockedError, IndexNotFoundError,
                      IndexVersionError, QuerySyntaxError, QueryTimeoutError, SearchlibError, SynonymFileError)
from ..models import DOC_TYPES, SECTION_KINDS
from .messages import suggestions, translate
from .params import (API_VERSION, DOCUMENT, DOCUMENTS, ENDPOINTS, FIGURES, HEALTH, MAX_CONTEXT, MAX_FIGURE_PASSAGES,
                     MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS, OPENAPI, PAGE_SIZE, PASSAGE, SEARCH, STATS, SUGGEST,
                     SYNONYMS, BadRequest, _flag, _int, _text, openapi, parse)
from ..serialize import (DOC_COLUMNS, FIGURE_COLUMNS, HIT_COLUMNS, csv_text, doc_row, hit_row, jsonl_text,
                         number_text, read_request, result_dict)

log = logging.getLogger("searchlib.web")

# bounds on what one request may ask for: a hostile request gets a 4xx, quickly (the
# parameters' own bounds are in params.py, with their definitions)
MAX_ID_CHARS = 1000            # a doc_id or passage_id
MAX_BODY_BYTES = 64 * 1024     # a POST /api/search body
MAX_QUERY_STRING = 8 * 1024
TIME_BUDGET = 1.0              # seconds of search time per request (searchlib's own default is 0.5)
EXPORT_LIMIT = MAX_LIMIT       # hits in an export of the current results
GZIP_MIN_BYTES = 1024          # answers at least this long are gzipped for a client that accepts it

FILTERS = ("region", "year", "type", "kind", "since", "until", "has_figures", "level", "issuer")
BY_LABELS = {"": "按相关度", "region": "按地区", "period": "按时期", "year": "按年份", "document": "按文件"}
UNAVAILABLE = (IndexNotFoundError, IndexDamagedError, IndexVersionError, IndexLockedError)

# labels of the Chinese UI
TYPE_LABELS = {"annual_report": "年度报告", "work_plan": "工作要点/计划", "notice": "通知", "opinion": "意见",
               "regulation": "法规/规章", "law": "法律", "judicial_interpretation": "司法解释",
               "government_work_report": "政府工作报告", "other": "其他"}
KIND_LABELS = {"preamble": "导语", "achievements": "工作成效", "problems": "问题与不足", "plans": "下一步计划",
               "requirements": "工作要求", "other": "其他"}
SORT_LABELS = {"relevance": "相关度", "-date": "最新", "date": "最早"}
assert set(TYPE_LABELS) == set(DOC_TYPES) and set(KIND_LABELS) == set(SECTION_KINDS)


def without_index_path(message: str, path) -> str:
    """``message`` with the server's index folder (and any path inside it) written as
    "the index": a client sees what is wrong, not where the server keeps its files."""
    for form in {str(path), str(Path(path).resolve())}:
        message = message.replace(form, "<index>")
    return message


class IndexHolder:
    """The one open index of an app, opened on first use (503 until it exists) and
    reopened after it became unusable (a rebuild with another version, damage)."""

    def __init__(self, index: Union[str, os.PathLike, "api.SearchIndex"], synonyms=None):
        if isinstance(index, api.SearchIndex):
            self.path, self._idx = index.path, index
        else:
            self.path, self._idx = Path(index), None
        self._synonyms = synonyms
        self._lock = threading.Lock()

    def get(self) -> "api.SearchIndex":
        idx = self._idx
        if idx is None:
            with self._lock:
                if self._idx is None:
                    self._idx = api.open_index(self.path, synonyms=self._synonyms)
                idx = self._idx
        return idx

    def forget(self) -> None:
        """After an error that says the index is unusable: open it anew next time."""
        with self._lock:
            self._idx = None


# -- parameters -------------------------------------------------------------------------
def search_args(params, *, strict: bool = True, page_size: int = PAGE_SIZE) -> dict:
    """Keyword arguments of ``SearchIndex.search`` (plus ``group_by_doc``) from request
    parameters (a query string's MultiDict or a JSON body), parsed by the table of
    params.py. ``strict``: unknown parameters are an error (the API), else ignored (the page)."""
    if isinstance(params, dict) and "filters" in params:
        params = dict(params)
        nested = params.pop("filters")
        if nested is not None:
            if not isinstance(nested, dict):
                raise BadRequest("filters must be an object")
            for k, v in nested.items():
                if k not in FILTERS:
                    raise BadRequest(f"unknown filter {str(k)[:40]!r} (filters: {', '.join(FILTERS)})")
                params.setdefault(k, v)
    v = parse(SEARCH, params, strict=strict)
    # page / hitsPerPage (1-based), as Algolia and Meilisearch call them, besides limit / offset
    limit = v["limit"] if _given(params, "limit") or v["hitsPerPage"] is None else v["hitsPerPage"]
    if not _given(params, "limit") and v["hitsPerPage"] is None:
        limit = page_size
    page = v["page"]
    if page is not None and page > MAX_OFFSET // limit + 1:
        raise BadRequest(f"page must be between 1 and {MAX_OFFSET // limit + 1}")
    args = dict(query=v["q"] or "", limit=limit,
                offset=(page - 1) * limit if page is not None and not _given(params, "offset") else v["offset"],
                per_doc=v["per_doc"], sort=v["sort"], facets=v["facets"], explain=v["explain"],
                synonyms=v["synonyms"], has_figures=v["has_figures"], group_by_doc=v["group_by_doc"],
                show_duplicates=v["show_duplicates"], disjunctive_facets=v["disjunctive_facets"])
    for name in ("region", "year", "type", "kind", "since", "until", "level", "issuer"):
        args[name] = v[name]
    return args


def _given(params, name: str) -> bool:
    value = params.get(name)
    return value is not None and value != ""


def values_of(value) -> list:
    """A parsed filter (None, a value, a list of values) as a list."""
    return [] if value is None or value == "" else list(value) if isinstance(value, list) else [value]


def _filtered(args: dict) -> bool:
    """Whether the search arguments give a filter (without words they browse by it)."""
    return any(args.get(k) not in (None, "", False) for k in FILTERS)


_STATUS_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
                 414: "uri_too_long", 431: "headers_too_large", 503: "index_unavailable", 500: "internal"}
_HTTP_MESSAGES = {  # status: (English, Chinese)
    400: ("the request is malformed", "请求格式有误。"),
    404: ("no such page", "没有这个页面。"),
    405: ("this server is read-only: GET (and POST /api/search) only", "本服务只读：只接受 GET（以及 POST /api/search）。"),
    413: (f"the request body is larger than {MAX_BODY_BYTES // 1024} KiB",
          f"请求内容太大（超过 {MAX_BODY_BYTES // 1024} KiB）。"),
    414: ("the URL is too long", "网址太长。"),
    431: ("the request's headers are too large", "请求头太大。"),
    500: ("internal error (see the server's log)", "服务器内部错误（详见服务器日志）。"),
}


def _with(params, **changes) -> str:
    """The search page's URL with ``params`` (a request's), some changed."""
    merged = {k: v for k, v in params.items() if v not in (None, "")}
    merged.update(changes)
    return "/?" + urlencode(merged)


def _check_id(value: str, name: str) -> str:
    """A doc_id or passage_id from a URL: bounded, no control characters but the tab and line
    breaks a file's name may hold. It is only ever looked up as a term of the index, never
    joined to a file path."""
    if len(value) > MAX_ID_CHARS or any((ord(c) < 32 and c not in "\t\n\r") or ord(c) == 127 for c in value):
        raise DocumentNotFoundError(f"no {name} {value[:80]!r} in the index")
    return value


def _public_doc(doc: dict) -> dict:
    """A document as the API shows it: the CLI's fields, less the server's file path."""
    return {k: v for k, v in doc.items() if k != "path"}


def _safe_url(url) -> Optional[str]:
    """A source URL to link to: http(s) only (never javascript: or data:)."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")) and len(url) < 2000:
        return url
    return None


# -- HTML helpers -----------------------------------------------------------------------
def marked(snippet: str) -> Markup:
    """A snippet with ``<mark>`` around matched terms, as safe HTML: every other
    character of the document's text is escaped."""
    out = []
    for i, part in enumerate(snippet.replace("</mark>", "<mark>").split("<mark>")):
        out.append(Markup("<mark>{}</mark>").format(part) if i % 2 else escape(part))
    return Markup("").join(out)


def marked_spans(text: str, spans) -> Markup:
    """``text`` escaped, with ``<mark>`` around the (start, end) character spans."""
    out, pos = [], 0
    for start, end in spans:
        out += [escape(text[pos:start]), Markup("<mark>{}</mark>").format(text[start:end])]
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


_NOT_A_CITY = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def region_trail(region: Optional[str]) -> list[tuple[str, str]]:
    """(code, name) from province down to the filtered region (for a breadcrumb)."""
    if not region:
        return []
    from ..metadata import region_table
    table = region_table()
    codes = table.codes_for(region)
    if not codes:
        return []
    trail = [(c, table.name_of(c)) for c in table.chain(codes[0])]
    return [t for t in trail[:-1] if t[1] not in _NOT_A_CITY] + trail[-1:]


def region_choices(facets: dict, region: Optional[str]) -> list[dict]:
    """The next level of regions to narrow to: provinces, the cities of the filtered
    province (or its counties when it has no cities), the counties of the filtered city."""
    trail = region_trail(region)
    if not trail:
        return facets.get("province", [])
    code = trail[-1][0]
    counties = facets.get("county", [])
    if code.endswith("0000"):
        out = []
        for v in facets.get("city", []):
            if v["code"][:2] == code[:2]:
                # a city level without a city of its own (北京市 › 市辖区): its counties instead
                out += [c for c in counties if c["code"][:4] == v["code"][:4]] if v["value"] in _NOT_A_CITY else [v]
        return out or [v for v in counties if v["code"][:2] == code[:2]]
    if code.endswith("00"):
        return [v for v in counties if v["code"][:4] == code[:4]]
    return []


def outline(passages: list[dict]) -> list[dict]:
    """The heading outline of a document: each heading once, in order, with its depth and
    the first passage under it (``[{heading, depth, ordinal}]``)."""
    out, seen = [], set()
    for p in passages:
        path = p["heading_path"]
        for depth in range(len(path)):
            key = tuple(path[:depth + 1])
            if key not in seen:
                seen.add(key)
                out.append({"heading": path[depth], "depth": depth, "ordinal": p["ordinal"]})
    return out


def with_headings(passages: list[dict]) -> list[tuple[list[tuple[int, str]], dict]]:
    """Each passage with the headings to print before it: those of its heading path from
    the first level where it differs from the previous passage's (depth, heading), less
    a last heading the passage itself starts with (an inline heading)."""
    out, previous = [], []
    for p in passages:
        path = p["heading_path"]
        same = 0
        while same < min(len(path), len(previous)) and path[same] == previous[same]:
            same += 1
        heads = [(depth, path[depth]) for depth in range(same, len(path))]
        if heads and p["text"].startswith(heads[-1][1]):
            heads.pop()
        out.append((heads, p))
        previous = path
    return out


def figure_args(params, *, strict: bool = True) -> dict:
    """Keyword arguments of ``SearchIndex.figures`` from request parameters, bounded."""
    v = parse(FIGURES, params, strict=strict)
    args = dict(query=v["q"] or "", unit=v["unit"], by=v["by"] or None, limit=v["limit"], passages=v["passages"],
                synonyms=v["synonyms"])
    for name in ("region", "year", "type", "kind", "since", "until"):
        args[name] = v[name]
    return args


def answer_tables(idx, args: dict, timeout: float = TIME_BUDGET):
    """A preview of the query's answer table (its first figures), shown above the hits
    when the query asks for a quantity (数量, 件, 面积 …) or only passages with figures;
    None otherwise, and when its search runs out of time (the hits are shown all the same)."""
    plan = idx.plan(args["query"], args["synonyms"])
    if not (plan.wants_figures or args["has_figures"]):
        return None
    filters = {k: args[k] for k in ("region", "year", "type", "kind", "since", "until")}
    try:
        return idx.figures(args["query"], limit=8, synonyms=args["synonyms"], timeout=timeout, **filters)
    except QueryTimeoutError:
        return None


def figure_chart(table, width: int = 560, bar: int = 18) -> Optional[dict]:
    """A small chart of an answer table, as numbers for an inline SVG: by region, a bar
    per region (its first row: the latest report's best figure); by period (or year), a
    line per region (up to 6) over the single years, each point that region's first
    result of the year, with a labelled value axis. Only rows in the same unit as the
    first one."""
    if table.by not in ("region", "year", "period") or not table.groups:
        return None
    if table.by in ("year", "period"):
        return _series_chart(table, width)
    unit = table.groups[0]["rows"][0].unit
    points = [(str(g["key"]) if g["key"] is not None else "?", g["rows"][0])
              for g in table.groups if g["rows"][0].unit == unit][:20]
    if not points:
        return None
    top = max(r.value for _, r in points) or 1.0
    label_w = 120
    if table.by == "region":
        bars = [dict(label=k, value=r.value, text=r.text, subject=r.subject, y=i * (bar + 6),
                     w=max(1.0, (width - label_w - 90) * r.value / top)) for i, (k, r) in enumerate(points)]
        return dict(kind="bars", unit=unit, bars=bars, width=width, label_w=label_w, bar=bar,
                    height=len(bars) * (bar + 6))
    height = 160
    step = (width - 60) / max(1, len(points) - 1)
    dots = [dict(label=k, value=r.value, text=r.text, x=30 + i * step, y=10 + (height - 40) * (1 - r.value / top))
            for i, (k, r) in enumerate(points)]
    return dict(kind="line", unit=unit, dots=dots, width=width, height=height,
                path=" ".join(f"{'M' if i == 0 else 'L'}{d['x']:.1f},{d['y']:.1f}" for i, d in enumerate(dots)))


SERIES_COLOURS = ("#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#555555")


def _series_chart(table, width: int, height: int = 200, max_series: int = 6) -> Optional[dict]:
    """By period: one line per region over the single years (multi-year totals and targets
    are not points of a yearly series), x the year, y the value on an axis from 0."""
    rows = [r for g in table.groups for r in g["rows"] if r.period_start is not None
            and r.period_start == r.period_end and r.role == "result"]
    if not rows:
        return None
    unit = rows[0].unit
    series: dict = {}
    for r in rows:
        if r.unit == unit:
            series.setdefault(r.region or "?", {}).setdefault(r.period_start, r)   # the region's first of the year
    names = sorted(series, key=lambda n: -len(series[n]))[:max_series]
    years = sorted({y for n in names for y in series[n]})
    top = max((r.value for n in names for r in series[n].values()), default=0) or 1.0
    left, right, bottom, top_pad = 70, 10, 24, 10
    span = max(1, len(years) - 1)
    x = {y: left + (width - left - right) * (i / span if len(years) > 1 else 0.5) for i, y in enumerate(years)}
    y_of = lambda v: top_pad + (height - top_pad - bottom) * (1 - v / top)      # noqa: E731
    lines = []
    for i, n in enumerate(names):
        dots = [dict(x=x[y], y=y_of(r.value), label=str(y), text=r.text) for y, r in sorted(series[n].items())]
        lines.append(dict(name=n, colour=SERIES_COLOURS[i % len(SERIES_COLOURS)], dots=dots,
                          path=" ".join(f"{'M' if j == 0 else 'L'}{d['x']:.1f},{d['y']:.1f}" for j, d in enumerate(dots))))
    ticks = [dict(y=y_of(v), text=number_text(v)) for v in (0.0, top / 2, top)]
    return dict(kind="series", unit=unit, width=width, height=height, left=left, lines=lines, ticks=ticks,
                years=[dict(x=x[y], text=str(y)) for y in years], bottom=height - bottom)


# -- the app ----------------------------------------------------------------------------
def _flask_rule(path: str) -> str:
    """An OpenAPI path (/documents/{doc_id}) as a Flask rule (/documents/<id:doc_id>)."""
    return re.sub(r"\{(\w+)\}", r"<id:\1>", path)


def _cors_origins(cors) -> tuple:
    """``--cors`` values (each an origin or a comma list; ``*`` for any) as a tuple."""
    if not cors:
        return ()
    items = [cors] if isinstance(cors, str) else list(cors)
    out = []
    for item in items:
        for origin in str(item).split(","):
            origin = origin.strip().rstrip("/")
            if origin:
                out.append(origin)
    return tuple(dict.fromkeys(out))


class _IdConverter(PathConverter):
    """A document or passage id in a URL: any characters, slashes, tabs and line breaks too
    (a file named with a line break is reachable; werkzeug's ``path`` stops at one)."""
    regex = r"[^/][\s\S]*?"


def create_app(index: Union[str, os.PathLike, "api.SearchIndex", None] = None, *, synonyms=None,
               time_budget: float = TIME_BUDGET, cors=None, worker: Optional[int] = None) -> Flask:
    """The WSGI app serving the search page and the JSON API over ``index`` (a directory,
    default ``$SEARCHLIB_INDEX`` or ./index, or an open ``SearchIndex``). Read-only.
    ``cors``: origins (``https://app.example.org``, a comma list, or ``*``) whose pages may
    call the API from a browser; none by default. ``worker``: the number of the serving
    process (``serve(workers=N)``), sent in an ``X-Searchlib-Worker`` header."""
    holder = IndexHolder(index if index is not None else api.default_index_path(), synonyms=synonyms)
    origins = _cors_origins(cors)
    boot = f"{__version__}:{time.time_ns()}"          # a restart (new code) changes every ETag
    app = Flask(__name__)
    app.url_map.merge_slashes = False      # a doc_id is looked up as given, never redirected
    app.url_map.converters["id"] = _IdConverter
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_AS_ASCII=False, JSON_SORT_KEYS=False)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["searchlib"] = holder
    app.jinja_env.globals.update(TYPE_LABELS=TYPE_LABELS, KIND_LABELS=KIND_LABELS, SORT_LABELS=SORT_LABELS,
                                 marked=marked, marked_spans=marked_spans, number_text=number_text,
                                 values_of=values_of)
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    post_paths = {f"/api{SEARCH.path}", f"/api/v{API_VERSION}{SEARCH.path}"}

    def index_():
        return holder.get()

    def run_search(args: dict):
        args = dict(args)
        group = args.pop("group_by_doc", False)
        if not args["query"] and not _filtered(args):
            raise QuerySyntaxError("the query is empty (parameter q); give q, or filters to browse by")
        t = time.perf_counter()
        g.timing["parse"] = (t - g.t0) * 1000
        result = index_().search(args.pop("query"), timeout=time_budget, **args)
        g.timing["search"] = max(0.0, (time.perf_counter() - t) * 1000 - result.facets_ms)
        g.timing["facets"] = result.facets_ms
        g.searched = time.perf_counter()
        return result, group

    def api_route(endpoint):
        """Register a view at /api/v1/… and at /api/… (the latest version)."""
        def register(view):
            for prefix in ("/api", f"/api/v{API_VERSION}"):
                app.add_url_rule(prefix + _flask_rule(endpoint.path), endpoint.name, view,
                                 methods=list(endpoint.methods))
            return view
        return register

    # -- guards, caching, CORS, compression ---------------------------------------------
    def is_api() -> bool:
        return request.path == "/api" or request.path.startswith("/api/")

    def etag_of() -> Optional[str]:
        """The ETag of this GET at the index's current generation (None: the index is not
        usable; the request answers with the reason)."""
        try:
            generation = index_().generation()
        except SearchlibError:
            return None
        key = f"{boot}|{generation}|{request.full_path}".encode("utf-8", "surrogatepass")
        return 'W/"' + hashlib.blake2b(key, digest_size=12).hexdigest() + '"'

    @app.before_request
    def _guard():
        g.t0 = time.perf_counter()
        g.timing = {}
        if len(request.query_string) > MAX_QUERY_STRING:
            abort(414)
        if request.method == "OPTIONS":
            allowed = "GET, HEAD, POST, OPTIONS" if request.path in post_paths else "GET, HEAD, OPTIONS"
            resp = Response(status=204, headers={"Allow": allowed})
            if is_api() and cors_origin():
                resp.headers["Access-Control-Allow-Methods"] = allowed
                resp.headers["Access-Control-Allow-Headers"] = "Content-Type, If-None-Match"
                resp.headers["Access-Control-Max-Age"] = "600"
            return resp
        if request.method not in ("GET", "HEAD") and not (request.method == "POST" and request.path in post_paths):
            abort(405)
        if request.method in ("GET", "HEAD") and not request.path.startswith(("/static/", "/api/health",
                                                                                f"/api/v{API_VERSION}/health")):
            g.etag = etag_of()
            if g.etag and g.etag in _etags(request.headers.get("If-None-Match", "")):
                return Response(status=304)

    def cors_origin() -> Optional[str]:
        origin = request.headers.get("Origin")
        if not origin or not origins:
            return None
        if "*" in origins:
            return "*"
        return origin if origin.rstrip("/") in origins else None

    @app.after_request
    def _headers(resp: Response):
        h = resp.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Content-Security-Policy",
                     "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
                     "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        if is_api():
            h["X-Searchlib-API-Version"] = API_VERSION
            if origins:
                h.add("Vary", "Origin")
                allowed = cors_origin()
                if allowed:
                    h["Access-Control-Allow-Origin"] = allowed
                    h["Access-Control-Expose-Headers"] = ("ETag, Server-Timing, X-Searchlib-API-Version, "
                                                          "Content-Disposition")
                    h["Timing-Allow-Origin"] = allowed
        etag = getattr(g, "etag", None)
        if etag and resp.status_code in (200, 304):
            h["ETag"] = etag
            h["Cache-Control"] = "no-cache"          # stored, but asked again: a commit changes the ETag
        elif request.path.endswith("/health"):
            h["Cache-Control"] = "no-store"
        if (resp.status_code == 200 and not resp.direct_passthrough and "Content-Encoding" not in h
                and _accepts_gzip(request.headers.get("Accept-Encoding", ""))):
            body = resp.get_data()
            if len(body) >= GZIP_MIN_BYTES:
                resp.set_data(gzip.compress(body, 5))
                h["Content-Encoding"] = "gzip"
                h.add("Vary", "Accept-Encoding")
        if worker is not None:
            h["X-Searchlib-Worker"] = str(worker)
        t0 = getattr(g, "t0", None)
        if t0 is not None:
            parts = [f"app;dur={(time.perf_counter() - t0) * 1000:.1f}"]
            timing = getattr(g, "timing", {})
            for name in ("parse", "search", "facets"):
                if name in timing:
                    parts.append(f"{name};dur={timing[name]:.1f}")
            if getattr(g, "searched", None) is not None:
                parts.append(f"render;dur={(time.perf_counter() - g.searched) * 1000:.1f}")
            h["Server-Timing"] = ", ".join(parts)
        return resp

    def status_of(e: Exception) -> int:
        if isinstance(e, UNAVAILABLE + (SynonymFileError,)):      # a request names no synonyms file: the server's
            return 503
        if isinstance(e, DocumentNotFoundError):
            return 404
        return 400

    def wants_json() -> bool:
        return is_api() or request.args.get("format") in ("json", "jsonl", "csv")

    @app.errorhandler(SearchlibError)
    def _searchlib_error(e: SearchlibError):
        status = status_of(e)
        if isinstance(e, (IndexDamagedError, IndexVersionError, IndexNotFoundError)):
            holder.forget()
        message = str(e)
        chinese, code = translate(message)
        if status == 503:
            app.logger.warning("%s", message)        # the whole message for the operator, not the path to clients
            message = without_index_path(message, holder.path)
        if isinstance(e, SynonymFileError):     # the index's synonyms.txt (or the server's file) cannot be used
            chinese, code = "检索服务的同义词文件不可用，需要修正；请联系管理员。", "index_unavailable"
        if wants_json():
            return jsonify(error=message, message_zh=chinese, code=code or _STATUS_CODES.get(status, "bad_request"),
                           status=status), status
        # an unknown region: each suggestion is a link that runs the search with it
        fixes = [(s, _with(request.args, region=s)) for s in suggestions(message)] if code == "unknown_region" else []
        if fixes:
            chinese = chinese.split("；")[0] + "。"          # the suggestions follow as links
        return render_template("error.html", status=status, message=chinese, detail=message, fixes=fixes,
                               q=request.args.get("q", "")), status

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        message, chinese = _HTTP_MESSAGES.get(e.code, (e.description or e.name, f"请求有误（HTTP {e.code}）。"))
        if wants_json():
            resp = jsonify(error=message, message_zh=chinese, code=_STATUS_CODES.get(e.code, "http_error"),
                           status=e.code)
        else:
            resp = Response(render_template("error.html", status=e.code, message=chinese, detail=message, q=""),
                            mimetype="text/html")
        resp.status_code = e.code
        if e.code == 405:
            resp.headers["Allow"] = "GET, HEAD, POST, OPTIONS" if request.path in post_paths else "GET, HEAD, OPTIONS"
        return resp

    @app.errorhandler(Exception)
    def _internal(e: Exception):
        log.exception("internal error on %s", request.path)
        message, chinese = _HTTP_MESSAGES[500]
        if wants_json():
            return jsonify(error=message, message_zh=chinese, code="internal", status=500), 500
        return render_template("error.html", status=500, message=chinese, detail=message, q=""), 500

    # -- JSON API -----------------------------------------------------------------------
    @api_route(SEARCH)
    def api_search():
        if request.method == "POST":
            try:
                body = read_request(request.get_data(as_text=True)) if request.is_json else None
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise BadRequest("the body must be one JSON object (Content-Type: application/json)")
            params = body
        else:
            params = request.args
        args = search_args(params)
        fmt = parse(SEARCH, params, strict=False)["format"]
        result, group = run_search(args)
        download = _flag(params.get("download"), "download")
        if fmt == "json":
            resp = jsonify(result_dict(result, group))
        else:
            rows = [hit_row(h) for h in result.hits]
            body = jsonl_text(rows) if fmt == "jsonl" else csv_text(rows, HIT_COLUMNS)
            mimetype = "application/x-ndjson" if fmt == "jsonl" else "text/csv"
            resp = Response(("\ufeff" if fmt == "csv" else "") + body, mimetype=mimetype)
        if download:
            resp.headers["Content-Disposition"] = f'attachment; filename="searchlib-results.{fmt}"'
        return resp

    @api_route(DOCUMENTS)
    def api_documents():
        v = parse(DOCUMENTS, request.args)
        filters = {k: v[k] for k in ("region", "year", "type", "since", "until", "level", "issuer")}
        offset, limit, fmt = v["offset"], v["limit"], v["format"]
        total, found = index_().document_page(offset=offset, limit=limit, **filters)     # the page alone is read
        rows = [_public_doc(doc_row(d)) for d in found]
        if fmt == "jsonl":
            return Response(jsonl_text(rows), mimetype="application/x-ndjson")
        if fmt == "csv":
            return Response("\ufeff" + csv_text(rows, [c for c in DOC_COLUMNS if c != "path"]), mimetype="text/csv")
        return jsonify(total=total, offset=offset, documents=rows)

    @api_route(DOCUMENT)
    def api_document(doc_id):
        parse(DOCUMENT, request.args)
        return jsonify(_public_doc(index_().document(_check_id(doc_id, "document"))))

    @api_route(PASSAGE)
    def api_passage(passage_id):
        context = parse(PASSAGE, request.args)["context"]
        found = index_().passage(_check_id(passage_id, "passage"), context=context)
        found["document"] = _public_doc(found["document"])
        return jsonify(found)

    @api_route(FIGURES)
    def api_figures():
        params = request.args
        args = figure_args(params)
        if not args["query"]:
            raise QuerySyntaxError("the query is empty (parameter q)")
        fmt = parse(FIGURES, params, strict=False)["format"]
        t = time.perf_counter()
        g.timing["parse"] = (t - g.t0) * 1000
        table = index_().figures(args.pop("query"), timeout=time_budget, **args)
        g.timing["search"] = (time.perf_counter() - t) * 1000
        g.searched = time.perf_counter()
        if fmt == "json":
            resp = jsonify(table.to_dict())
        else:
            rows = [r.to_dict() for r in table.rows]
            body = jsonl_text(rows) if fmt == "jsonl" else csv_text(rows, FIGURE_COLUMNS)
            resp = Response(("\ufeff" if fmt == "csv" else "") + body,
                            mimetype="application/x-ndjson" if fmt == "jsonl" else "text/csv")
        if _flag(params.get("download"), "download"):
            resp.headers["Content-Disposition"] = f'attachment; filename="searchlib-figures.{fmt}"'
        return resp

    @api_route(SYNONYMS)
    def api_synonyms():
        q = parse(SYNONYMS, request.args)["q"]
        if not q:
            raise QuerySyntaxError("the query is empty (parameter q)")
        plan = index_().plan(q)
        return jsonify(query=q, concepts=plan.concepts, expansions=plan.expansions,
                       related=sorted(plan.related), text=plan.describe())

    @api_route(SUGGEST)
    def api_suggest():
        v = parse(SUGGEST, request.args)
        q = v["q"]
        if not q:
            raise QuerySyntaxError("the query is empty (parameter q)")
        t = time.perf_counter()
        found = index_().suggest(q, v["limit"])
        g.timing["search"] = (time.perf_counter() - t) * 1000
        return jsonify(query=q, suggestions=found)

    @api_route(STATS)
    def api_stats():
        st = index_().stats()
        st.pop("index", None)        # the server's directory is not the client's business
        return jsonify(st)

    @api_route(HEALTH)
    def api_health():
        from ..storage import check_index
        check_index(holder.path)     # 503 when missing, stale or damaged
        idx = index_()
        return jsonify(status="ok", documents=idx.counts()["documents"], searchlib=idx.meta.get("searchlib"))

    @api_route(OPENAPI)
    def api_openapi():
        return jsonify(openapi(__version__))

    @app.get("/api/docs")
    @app.get("/api")
    def page_api_docs():
        return render_template("api.html", endpoints=ENDPOINTS, version=API_VERSION, searchlib=__version__,
                               cors=bool(origins), q="")

    # -- HTML -----------------------------------------------------------------------------
    @app.get("/")
    def page_search():
        args = search_args(request.args, strict=False)
        args["facets"] = args["disjunctive_facets"] = True
        # a region named as one place (浙江) links as its code (330000), which the facets list
        regions = [_region_code(r) for r in values_of(args["region"])]
        args["region"] = None if not regions else regions[0] if len(regions) == 1 else regions
        one_region = regions[0] if len(regions) == 1 else None
        ctx = {"args": args, "q": args["query"], "result": None, "stats": None, "plan": None, "regions": regions}
        if args["query"] or _filtered(args):
            idx = index_()
            result, _ = run_search(args)
            ctx.update(result=result, choices=region_choices(result.facets or {}, one_region) if one_region else [],
                       provinces=(result.facets or {}).get("province", []), trail=region_trail(one_region),
                       region_names=[_region_name(r) for r in regions])
            if args["query"] and not result.browse:
                ctx["title_spans"] = idx.highlighter(args["query"], args["synonyms"])   # titles marked like snippets
                ctx.update(plan=idx.plan(args["query"], args["synonyms"]),
                           answers=answer_tables(idx, args, time_budget))
        else:
            ctx["stats"] = index_().counts()
        ctx["link"] = _page_link(args)
        ctx["toggle"] = _toggle_link(args)
        today = datetime.date.today()
        ctx["date_presets"] = [("近一年", (today - datetime.timedelta(days=365)).isoformat()),
                               ("近三年", str(today.year - 2)), ("近五年", str(today.year - 4))]
        # the jump box repeats the search's parameters but the page
        ctx["page_params"] = [(k, v) for k, v in _page_items(args) if k != "offset"]
        return render_template("search.html", **ctx)

    @app.get("/figures")
    def page_figures():
        args = figure_args(request.args, strict=False)
        table = None
        if args["query"]:
            query = args.pop("query")
            table = index_().figures(query, timeout=time_budget, **args)
            args["query"] = query
        keep = {k: v for k, v in dict(q=args["query"], unit=args["unit"], by=args["by"], region=args["region"],
                                      year=args["year"], type=args["type"], kind=args["kind"],
                                      since=args["since"], until=args["until"],
                                      passages=args["passages"] if args["passages"] != MAX_FIGURE_PASSAGES else None,
                                      synonyms=None if args["synonyms"] else 0).items() if v not in (None, "")}

        def flink(endpoint: str = "page_figures", **changes) -> str:
            params = dict(keep, **changes)
            return url_for(endpoint, **{k: v for k, v in params.items() if v is not None and v != ""})
        return render_template("figures.html", args=args, q=args["query"], table=table, flink=flink,
                               chart=figure_chart(table) if table else None, BY_LABELS=BY_LABELS)

    @app.get("/doc/<id:doc_id>")
    def page_document(doc_id):
        doc = index_().document(_check_id(doc_id, "document"))
        passages = doc.pop("passages_list")
        current = _int(request.args.get("p"), "p", 0, 10_000_000, None)
        q = _text(request.args.get("q"), "q", MAX_QUERY_CHARS) or ""
        spans = lambda text: []                              # noqa: E731
        if q:
            try:
                spans = index_().highlighter(q, synonyms=_flag(request.args.get("synonyms"), "synonyms", True))
            except QuerySyntaxError:
                pass                                         # a query that cannot be planned marks nothing
        # the passages the query marks, in order: each links to the one before and after it
        matched = [p["ordinal"] for p in passages if spans(p["text"])]
        around = {o: (matched[i - 1] if i else None, matched[i + 1] if i + 1 < len(matched) else None)
                  for i, o in enumerate(matched)}
        back = request.args.get("back") or ""
        # only a search page of this site (a path, never another host): no open redirect
        back = back if back.startswith("/?") and len(back) <= MAX_QUERY_STRING and "\\" not in back else None
        return render_template("document.html", doc=doc, passages=with_headings(passages), outline=outline(passages),
                               current=current, q=q, spans=spans, back=back, matched=matched, around=around,
                               source_url=_safe_url(doc.get("url")))

    return app


def _etags(header: str) -> set:
    """The entity tags of an If-None-Match header (weak and strong compare alike)."""
    tags = set()
    for t in header.split(","):
        t = t.strip()
        if t:
            tags.add(t if t.startswith("W/") else "W/" + t)
    return tags


def _accepts_gzip(header: str) -> bool:
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


def _region_code(region) -> str:
    """A region filter as its GB/T 2260 code when it names one place, else as given."""
    from ..metadata import region_table
    try:
        codes = region_table().codes_for(str(region))
    except Exception:        # noqa: BLE001 - an unknown region is reported by the search
        return region
    return codes[0] if len(codes) == 1 else region


def _region_name(region: str) -> str:
    """A region filter's name (浙江省 for 330000), as written when it is not a code."""
    trail = region_trail(region)
    return trail[-1][1] if trail else region


def _page_items(args: dict) -> list[tuple[str, object]]:
    """The search page's parameters as they go into its URLs and forms: (name, value) pairs,
    a repeatable filter once per value (None and empty ones left out)."""
    out = []
    for k, v in _page_keep(args).items():
        for x in (v if isinstance(v, list) else [v]):
            if x is not None and x != "":
                out.append((k, x))
    return out


def _page_keep(args: dict) -> dict:
    return {"q": args["query"], "region": args["region"], "year": args["year"], "type": args["type"],
            "kind": args["kind"], "since": args["since"], "until": args["until"],
            "has_figures": 1 if args["has_figures"] else None, "level": args.get("level"), "issuer": args.get("issuer"),
            "sort": args["sort"] if args["sort"] != "relevance" else None,
            "per_doc": args["per_doc"], "synonyms": None if args["synonyms"] else 0,
            "show_duplicates": 1 if args["show_duplicates"] else None, "offset": args["offset"] or None,
            "limit": args["limit"] if args["limit"] != PAGE_SIZE else None}


def _page_link(args: dict):
    """``link(**changes)``: the URL of the search page with the current parameters,
    some changed (None drops one; a list repeats it); any change but paging goes back to
    the first page."""
    keep = _page_keep(args)

    def link(endpoint: str = "page_search", **changes) -> str:
        params = dict(keep)
        if "offset" not in changes:
            params["offset"] = None
        params.update(changes)
        return url_for(endpoint, **{k: v for k, v in params.items() if v is not None and v != "" and v != []})
    return link


def _toggle_link(args: dict):
    """``toggle(name, value)``: the search page's URL with ``value`` added to the values of
    filter ``name`` (any of them), or taken out when it is one of them: a facet's check box."""
    link = _page_link(args)

    def toggle(name: str, value) -> str:
        current = values_of(args.get(name))
        same = [v for v in current if str(v) == str(value)]
        values = [v for v in current if str(v) != str(value)] if same else current + [value]
        return link(**{name: values or None})
    return toggle


def make_server(app, host: str = "127.0.0.1", port: int = 8000, threads: int = 8, sockets=None,
                **waitress_options):
    """A waitress server of ``app`` whose own error answers (a body over the limit: 413;
    headers over it: 431; a malformed request: 400) are JSON like the app's, not plain text.
    ``sockets``: listening sockets to serve on instead of ``host`` and ``port`` (a worker
    of ``serve(workers=N)`` serves the socket its parent opened)."""
    import waitress
    options = dict(max_request_header_size=MAX_QUERY_STRING + 16 * 1024, max_request_body_size=MAX_BODY_BYTES,
                   channel_timeout=30, ident="searchlib", clear_untrusted_proxy_headers=True)
    options.update(waitress_options)
    where = dict(sockets=sockets) if sockets is not None else dict(host=host, port=port)
    server = waitress.create_server(app, threads=threads, **where, **options)
    from waitress.server import MultiSocketServer
    listeners = list(server.map.values()) if isinstance(server, MultiSocketServer) else [server]
    for listener in listeners:
        if hasattr(listener, "channel_class"):
            listener.channel_class = _json_error_channel()
    return server


def _json_error_channel():
    """waitress's channel class with an error task that answers in JSON."""
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask

    class JSONErrorTask(ErrorTask):
        def execute(self):
            e = self.request.error
            message, chinese = _HTTP_MESSAGES.get(e.code, (e.reason, f"请求有误（HTTP {e.code}）。"))
            body = json.dumps({"error": f"{message} ({e.body})" if e.code not in _HTTP_MESSAGES else message,
                               "message_zh": chinese, "code": _STATUS_CODES.get(e.code, "http_error"),
                               "status": e.code}, ensure_ascii=False).encode("utf-8")
            self.status = f"{e.code} {e.reason}"
            self.response_headers.extend([("Content-Type", "application/json"),
                                          ("X-Content-Type-Options", "nosniff")])
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class JSONErrorChannel(HTTPChannel):
        error_task_class = JSONErrorTask
    return JSONErrorChannel


def serve(index=None, host: str = "127.0.0.1", port: int = 8000, threads: int = 8, workers: int = 1, cors=None,
          on_listen=None, **waitress_options) -> int:
    """Run the app with waitress (blocks until stopped; returns the exit status). Bounds on
    headers and bodies are waitress's first line (answered in JSON); the app checks
    parameters itself. ``cors``: as for ``create_app``. ``workers`` > 1: that many
    processes share one listening socket (see ``workers.py``), each serving the app
    ``create_app`` makes (CORS included) with ``threads`` threads. ``on_listen(host,
    port)`` is called once the socket listens (port 0 picks a free one)."""
    from .workers import listening_socket, run_workers
    sock = listening_socket(host, port)
    if on_listen is not None:
        on_listen(*sock.getsockname()[:2])
    logging.basicConfig()

    def serve_one(sock, number: Optional[int]) -> None:
        server = make_server(create_app(index, cors=cors, worker=number), threads=threads, sockets=[sock],
                             **waitress_options)
        server.run()            # until SIGINT / SIGTERM (SystemExit): then its threads are stopped
    if workers <= 1:
        if threading.current_thread() is threading.main_thread():
            from .workers import _exit_loop
            signal.signal(signal.SIGTERM, _exit_loop)       # stop as on Ctrl-C: threads first
        try:
            serve_one(sock, None)
        finally:
            sock.close()
        return 0
    return run_workers(sock, workers, serve_one)
