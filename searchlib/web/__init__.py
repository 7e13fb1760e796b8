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

import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Optional, Union
from urllib.parse import urlencode

from flask import Flask, Response, abort, jsonify, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from .. import api
from ..errors import (DocumentNotFoundError, IndexDamagedError, IndexLockedError, IndexNotFoundError,
                      IndexVersionError, QuerySyntaxError, QueryTimeoutError, SearchlibError)
from ..models import DOC_TYPES, SECTION_KINDS
from .messages import suggestions, translate
from ..serialize import (DOC_COLUMNS, FIGURE_COLUMNS, HIT_COLUMNS, csv_text, doc_row, hit_row, jsonl_text,
                         number_text, result_dict)

log = logging.getLogger("searchlib.web")

# bounds on what one request may ask for: a hostile request gets a 4xx, quickly
MAX_QUERY_CHARS = 500          # the query language's own limit too
MAX_LIMIT = 100                # hits per request
MAX_OFFSET = 10_000
MAX_PER_DOC = 100
MAX_DOCS_LIMIT = 1000          # documents per /api/documents page
MAX_CONTEXT = 20               # neighbours of a passage
MAX_PARAM_CHARS = 200          # any other parameter
MAX_ID_CHARS = 1000            # a doc_id or passage_id
MAX_BODY_BYTES = 64 * 1024     # a POST /api/search body
MAX_QUERY_STRING = 8 * 1024
TIME_BUDGET = 1.0              # seconds of search time per request (searchlib's own default is 0.5)
PAGE_SIZE = 10
EXPORT_LIMIT = MAX_LIMIT       # hits in an export of the current results

FILTERS = ("region", "year", "type", "kind", "since", "until", "has_figures", "level", "issuer")
MAX_FIGURE_ROWS = 500          # rows of an answer table per request
FIGURE_PARAMS = {"q", "query", *FILTERS[:6], "unit", "by", "limit", "passages", "synonyms", "format", "download"}
MAX_FIGURE_PASSAGES = 1000     # passages read for an answer table (the CLI's --passages)
BY_LABELS = {"": "按相关度", "region": "按地区", "period": "按时期", "year": "按年份", "document": "按文件"}
SEARCH_PARAMS = {"q", "query", *FILTERS, "filters", "limit", "offset", "sort", "per_doc", "facets", "explain",
                 "synonyms", "group_by_doc", "format", "download", "show_duplicates", "page", "hitsPerPage"}
UNAVAILABLE = (IndexNotFoundError, IndexDamagedError, IndexVersionError, IndexLockedError)

# labels of the Chinese UI
TYPE_LABELS = {"annual_report": "年度报告", "work_plan": "工作要点/计划", "notice": "通知", "opinion": "意见",
               "regulation": "法规/规章", "law": "法律", "judicial_interpretation": "司法解释",
               "government_work_report": "政府工作报告", "other": "其他"}
KIND_LABELS = {"preamble": "导语", "achievements": "工作成效", "problems": "问题与不足", "plans": "下一步计划",
               "requirements": "工作要求", "other": "其他"}
SORT_LABELS = {"relevance": "相关度", "-date": "最新", "date": "最早"}
assert set(TYPE_LABELS) == set(DOC_TYPES) and set(KIND_LABELS) == set(SECTION_KINDS)


class BadRequest(SearchlibError):
    """A request parameter out of bounds or malformed (HTTP 400)."""


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


def _only(params: dict, shown: set, known: set) -> None:
    """BadRequest naming the parameters not in ``known`` (and listing ``shown``)."""
    unknown = sorted(str(k)[:40] for k in params if k not in known)
    if unknown:
        raise BadRequest(f"unknown parameter(s): {', '.join(unknown)} (known: {', '.join(sorted(shown))})")


def _filter_args(params, rules: bool = True) -> dict:
    """The report and section filters of a request (region, year, type, kind, since, until;
    with ``rules``, level and issuer), bounded."""
    names = ("region", "type", "kind", "since", "until") + (("level", "issuer") if rules else ())
    args = {name: _text(params.get(name), name) for name in names}
    args["year"] = _int(params.get("year"), "year", 1000, 9999, None)
    return args


def search_args(params: dict, *, strict: bool = True, page_size: int = PAGE_SIZE) -> dict:
    """Keyword arguments of ``SearchIndex.search`` (plus ``group_by_doc``) from request
    parameters (a query string or a JSON body), bounded. ``strict``: unknown parameters
    are an error (the API), else ignored (the page)."""
    params = dict(params)
    nested = params.pop("filters", None)
    if nested is not None:
        if not isinstance(nested, dict):
            raise BadRequest("filters must be an object")
        for k, v in nested.items():
            if k not in FILTERS:
                raise BadRequest(f"unknown filter {str(k)[:40]!r} (filters: {', '.join(FILTERS)})")
            params.setdefault(k, v)
    if strict:
        _only(params, SEARCH_PARAMS - {"query", "download"}, SEARCH_PARAMS)
    q = _text(params.get("q", params.get("query")), "q", MAX_QUERY_CHARS)
    # page / hitsPerPage (1-based), as Algolia and Meilisearch call them, besides limit / offset
    if params.get("hitsPerPage") is not None and params.get("limit") is None:
        params["limit"] = params["hitsPerPage"]
    limit = _int(params.get("limit"), "limit", 1, MAX_LIMIT, page_size)
    page = _int(params.get("page"), "page", 1, MAX_OFFSET // limit + 1, None)
    args = dict(
        query=q or "",
        limit=limit,
        offset=(page - 1) * limit if page is not None and params.get("offset") is None
        else _int(params.get("offset"), "offset", 0, MAX_OFFSET, 0),
        per_doc=_int(params.get("per_doc"), "per_doc", 0, MAX_PER_DOC, None),
        sort=_text(params.get("sort"), "sort") or "relevance",
        facets=_flag(params.get("facets"), "facets"),
        explain=_flag(params.get("explain"), "explain"),
        synonyms=_flag(params.get("synonyms"), "synonyms", True),
        has_figures=_flag(params.get("has_figures"), "has_figures"),
        group_by_doc=_flag(params.get("group_by_doc"), "group_by_doc"),
        show_duplicates=_flag(params.get("show_duplicates"), "show_duplicates"),
    )
    args.update(_filter_args(params))
    if args["sort"] not in SORT_LABELS:
        raise BadRequest(f"sort must be one of: relevance, date, -date, not {args['sort'][:40]!r}")
    return args


def _filtered(args: dict) -> bool:
    """Whether the search arguments give a filter (without words they browse by it)."""
    return any(args.get(k) not in (None, "", False) for k in FILTERS)


_STATUS_CODES = {400: "bad_request", 404: "not_found", 405: "read_only", 413: "too_large", 414: "uri_too_long",
                 503: "index_unavailable", 500: "internal"}


def _with(params, **changes) -> str:
    """The search page's URL with ``params`` (a request's), some changed."""
    merged = {k: v for k, v in params.items() if v not in (None, "")}
    merged.update(changes)
    return "/?" + urlencode(merged)


def _check_id(value: str, name: str) -> str:
    """A doc_id or passage_id from a URL: bounded, no control characters. It is only ever
    looked up as a term of the index, never joined to a file path."""
    if len(value) > MAX_ID_CHARS or any(ord(c) < 32 or ord(c) == 127 for c in value):
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


def figure_args(params: dict, *, strict: bool = True) -> dict:
    """Keyword arguments of ``SearchIndex.figures`` from request parameters, bounded."""
    if strict:
        _only(params, FIGURE_PARAMS - {"query"}, FIGURE_PARAMS)
    q = _text(params.get("q", params.get("query")), "q", MAX_QUERY_CHARS)
    args = dict(query=q or "", unit=_text(params.get("unit"), "unit"), by=_text(params.get("by"), "by"),
                limit=_int(params.get("limit"), "limit", 1, MAX_FIGURE_ROWS, 100),
                passages=_int(params.get("passages"), "passages", 1, MAX_FIGURE_PASSAGES, MAX_FIGURE_PASSAGES),
                synonyms=_flag(params.get("synonyms"), "synonyms", True))
    if args["by"] not in (None, *BY_LABELS):
        raise BadRequest(f"by must be region, year or document, not {args['by'][:40]!r}")
    args["by"] = args["by"] or None
    args.update(_filter_args(params, rules=False))
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
def create_app(index: Union[str, os.PathLike, "api.SearchIndex", None] = None, *, synonyms=None,
               time_budget: float = TIME_BUDGET, worker: Optional[int] = None) -> Flask:
    """The WSGI app serving the search page and the JSON API over ``index`` (a directory,
    default ``$SEARCHLIB_INDEX`` or ./index, or an open ``SearchIndex``). Read-only.
    ``worker``: the number of the serving process (``serve(workers=N)``), sent in an
    ``X-Searchlib-Worker`` header."""
    holder = IndexHolder(index if index is not None else api.default_index_path(), synonyms=synonyms)
    app = Flask(__name__)
    app.url_map.merge_slashes = False      # a doc_id is looked up as given, never redirected
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_AS_ASCII=False, JSON_SORT_KEYS=False)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["searchlib"] = holder
    app.jinja_env.globals.update(TYPE_LABELS=TYPE_LABELS, KIND_LABELS=KIND_LABELS, SORT_LABELS=SORT_LABELS,
                                 marked=marked, marked_spans=marked_spans, number_text=number_text)
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True

    def index_():
        return holder.get()

    def run_search(args: dict):
        args = dict(args)
        group = args.pop("group_by_doc", False)
        if not args["query"] and not _filtered(args):
            raise QuerySyntaxError("the query is empty (parameter q); give q, or filters to browse by")
        return index_().search(args.pop("query"), timeout=time_budget, **args), group

    # -- guards and errors ------------------------------------------------------------
    @app.before_request
    def _guard():
        if len(request.query_string) > MAX_QUERY_STRING:
            abort(414)
        if request.method not in ("GET", "HEAD") and not (request.method == "POST" and request.path == "/api/search"):
            abort(405)
        request.t0 = time.perf_counter()

    @app.after_request
    def _headers(resp: Response):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
                                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        if worker is not None:
            resp.headers["X-Searchlib-Worker"] = str(worker)
        t0 = getattr(request, "t0", None)
        if t0 is not None:
            resp.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - t0) * 1000:.1f}"
        return resp

    def status_of(e: Exception) -> int:
        if isinstance(e, UNAVAILABLE):
            return 503
        if isinstance(e, DocumentNotFoundError):
            return 404
        return 400

    def wants_json() -> bool:
        return request.path.startswith("/api/") or request.args.get("format") in ("json", "jsonl", "csv")

    @app.errorhandler(SearchlibError)
    def _searchlib_error(e: SearchlibError):
        status = status_of(e)
        if isinstance(e, (IndexDamagedError, IndexVersionError, IndexNotFoundError)):
            holder.forget()
        message = str(e)
        chinese, code = translate(message)
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
        message = {404: "no such page", 405: "this server is read-only: GET (and POST /api/search) only",
                   413: f"the request body is larger than {MAX_BODY_BYTES // 1024} KiB",
                   414: "the URL is too long"}.get(e.code, e.description or e.name)
        chinese = {404: "没有这个页面。", 405: "本服务只读：只接受 GET（以及 POST /api/search）。",
                   413: f"请求内容太大（超过 {MAX_BODY_BYTES // 1024} KiB）。", 414: "网址太长。"}.get(e.code, message)
        if wants_json():
            resp = jsonify(error=message, message_zh=chinese, code=_STATUS_CODES.get(e.code, "http_error"),
                           status=e.code)
        else:
            resp = Response(render_template("error.html", status=e.code, message=chinese, detail=message, q=""),
                            mimetype="text/html")
        resp.status_code = e.code
        return resp

    @app.errorhandler(Exception)
    def _internal(e: Exception):
        log.exception("internal error on %s", request.path)
        message = "internal error (see the server's log)"
        if wants_json():
            return jsonify(error=message, message_zh="服务器内部错误（详见服务器日志）。", code="internal", status=500), 500
        return render_template("error.html", status=500, message="服务器内部错误（详见服务器日志）。", detail=message,
                               q=""), 500

    # -- JSON API -----------------------------------------------------------------------
    @app.route("/api/search", methods=["GET", "POST"])
    def api_search():
        if request.method == "POST":
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                raise BadRequest("the body must be one JSON object (Content-Type: application/json)")
            params = body
        else:
            params = request.args.to_dict()
        args = search_args(params)
        fmt = _text(params.get("format"), "format") or "json"
        if fmt not in ("json", "jsonl", "csv"):
            raise BadRequest("format must be json, jsonl or csv")
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

    @app.get("/api/documents")
    def api_documents():
        p = request.args
        unknown = set(p) - {"region", "year", "type", "since", "until", "limit", "offset", "format"}
        if unknown:
            raise BadRequest(f"unknown parameter(s): {', '.join(sorted(unknown))}")
        fmt = p.get("format", "json")
        if fmt not in ("json", "jsonl", "csv"):
            raise BadRequest("format must be json, jsonl or csv")
        limit = _int(p.get("limit"), "limit", 1, MAX_DOCS_LIMIT, 100)
        offset = _int(p.get("offset"), "offset", 0, 10_000_000, 0)
        filters = _filter_args(p)
        filters.pop("kind")
        total, found = index_().document_page(offset=offset, limit=limit, **filters)     # the page alone is read
        rows = [_public_doc(doc_row(d)) for d in found]
        if fmt == "jsonl":
            return Response(jsonl_text(rows), mimetype="application/x-ndjson")
        if fmt == "csv":
            return Response("\ufeff" + csv_text(rows, [c for c in DOC_COLUMNS if c != "path"]), mimetype="text/csv")
        return jsonify(total=total, offset=offset, documents=rows)

    @app.get("/api/documents/<path:doc_id>")
    def api_document(doc_id):
        return jsonify(_public_doc(index_().document(_check_id(doc_id, "document"))))

    @app.get("/api/passages/<path:passage_id>")
    def api_passage(passage_id):
        context = _int(request.args.get("context"), "context", 0, MAX_CONTEXT, 1)
        found = index_().passage(_check_id(passage_id, "passage"), context=context)
        found["document"] = _public_doc(found["document"])
        return jsonify(found)

    @app.get("/api/figures")
    def api_figures():
        params = request.args.to_dict()
        args = figure_args(params)
        if not args["query"]:
            raise QuerySyntaxError("the query is empty (parameter q)")
        fmt = _text(params.get("format"), "format") or "json"
        if fmt not in ("json", "jsonl", "csv"):
            raise BadRequest("format must be json, jsonl or csv")
        table = index_().figures(args.pop("query"), timeout=time_budget, **args)
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

    @app.get("/api/synonyms")
    def api_synonyms():
        q = _text(request.args.get("q"), "q", MAX_QUERY_CHARS)
        if not q:
            raise QuerySyntaxError("the query is empty (parameter q)")
        plan = index_().plan(q)
        return jsonify(query=q, concepts=plan.concepts, expansions=plan.expansions,
                       related=sorted(plan.related), text=plan.describe())

    @app.get("/api/stats")
    def api_stats():
        st = index_().stats()
        st.pop("index", None)        # the server's directory is not the client's business
        return jsonify(st)

    @app.get("/api/health")
    def api_health():
        from ..storage import check_index
        check_index(holder.path)     # 503 when missing, stale or damaged
        idx = index_()
        return jsonify(status="ok", documents=idx.counts()["documents"], searchlib=idx.meta.get("searchlib"))

    # -- HTML -----------------------------------------------------------------------------
    @app.get("/")
    def page_search():
        args = search_args(request.args.to_dict(), strict=False)
        args["facets"] = True
        ctx = {"args": args, "q": args["query"], "result": None, "stats": None, "plan": None}
        if args["query"]:
            idx = index_()
            result, _ = run_search(args)
            if not result.browse:
                ctx["title_spans"] = idx.highlighter(args["query"], args["synonyms"])   # titles marked like snippets
            ctx.update(result=result, plan=idx.plan(args["query"], args["synonyms"]) if not result.browse else None,
                       choices=region_choices(result.facets or {}, args["region"]),
                       trail=region_trail(args["region"]),
                       answers=answer_tables(idx, args, time_budget) if not result.browse else None)
        elif _filtered(args):
            # filters alone: browse the documents they allow, newest first
            result, _ = run_search(args)
            ctx.update(result=result, choices=region_choices(result.facets or {}, args["region"]),
                       trail=region_trail(args["region"]))
        else:
            ctx["stats"] = index_().counts()
        ctx["link"] = _page_link(args)
        # the jump box repeats the search's parameters but the page
        ctx["page_params"] = {k: v for k, v in _page_params(args).items() if k not in ("offset",)}
        return render_template("search.html", **ctx)

    @app.get("/figures")
    def page_figures():
        args = figure_args(request.args.to_dict(), strict=False)
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

    @app.get("/doc/<path:doc_id>")
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


def _page_params(args: dict) -> dict:
    """The search page's parameters as they go into its URLs (None: left out)."""
    return {k: v for k, v in _page_keep(args).items() if v is not None and v != ""}


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
    some changed (None drops one); any change but paging goes back to the first page."""
    keep = _page_keep(args)

    def link(endpoint: str = "page_search", **changes) -> str:
        params = dict(keep)
        if "offset" not in changes:
            params["offset"] = None
        params.update(changes)
        return url_for(endpoint, **{k: v for k, v in params.items() if v is not None and v != ""})
    return link


def serve(index=None, host: str = "127.0.0.1", port: int = 8000, threads: int = 8, workers: int = 1,
          on_listen=None, **waitress_options) -> int:
    """Run the app with waitress (blocks until stopped; returns the exit status). Bounds on
    headers and bodies are waitress's first line; the app checks parameters itself.
    ``workers`` > 1: that many processes share one listening socket (see ``workers.py``),
    each with ``threads`` threads. ``on_listen(host, port)`` is called once the socket
    listens (port 0 picks a free one)."""
    import waitress
    from .workers import listening_socket, run_workers
    options = dict(max_request_header_size=MAX_QUERY_STRING + 16 * 1024, max_request_body_size=MAX_BODY_BYTES,
                   channel_timeout=30, ident="searchlib", clear_untrusted_proxy_headers=True)
    options.update(waitress_options)
    sock = listening_socket(host, port)
    if on_listen is not None:
        on_listen(*sock.getsockname()[:2])
    logging.basicConfig()

    def serve_one(sock, number: Optional[int]) -> None:
        server = waitress.create_server(create_app(index, worker=number), sockets=[sock], threads=threads,
                                        **options)
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
