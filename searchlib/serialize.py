"""The output shapes of search results and documents, shared by the CLI and the web
layer: one code path for ``--json`` / ``--jsonl`` / ``--csv`` and the HTTP API."""
from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from typing import Iterable

from .models import Hit, SearchResult

HIT_COLUMNS = ("doc_id", "passage_id", "title", "region", "region_code", "year", "published", "doc_type",
               "section_kind", "heading_path", "score", "figures", "snippet", "text")
DOC_COLUMNS = ("doc_id", "title", "doc_type", "year", "published", "region", "region_code", "source",
               "doc_number", "passages", "format", "ocr_confidence", "path")


FIGURE_COLUMNS = ("region", "region_code", "year", "period", "role", "change", "title", "doc_id", "passage_id",
                  "section_kind", "subject", "measure", "value", "unit", "text", "sentence")


MAX_JSON_DEPTH = 64       # a request is a flat object with a filters object: never deeper than this


def read_request(text: str):
    """A JSON request (a ``--batch`` line, a POST body) parsed, or ValueError saying why not:
    nesting deeper than MAX_JSON_DEPTH is refused before it is parsed (Python's parser
    recurses: 20,000 brackets would exhaust the stack)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
        elif ch in "]}":
            depth -= 1
    return json.loads(text)


def number_text(value: float) -> str:
    """A figure's value as the table shows it: 12,000 · 1,666.67 · 0.0036 (a small value
    in a large unit keeps its digits instead of showing as 0)."""
    if value == int(value):
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return format(Decimal(repr(float(f"{value:.4g}"))), "f")


def result_dict(result: SearchResult, group_by_doc: bool = False) -> dict:
    """A result set as ``search --json`` prints it (``documents`` instead of ``hits``
    with ``group_by_doc``)."""
    data = result.to_dict()
    if group_by_doc:
        data["documents"] = [dict(g, hits=[h.to_dict() for h in g["hits"]]) for g in result.by_document()]
        del data["hits"]
    return data


def hit_row(hit: Hit) -> dict:
    """A hit as one flat row (``--jsonl``, ``--csv``): heading path and figures as text,
    the snippet without markup."""
    d = hit.to_dict()
    d["heading_path"] = " › ".join(hit.heading_path)
    d["figures"] = "; ".join(f"{f.subject} {f.text}".strip() for f in hit.figures)
    d["snippet"] = hit.snippet.replace("<mark>", "").replace("</mark>", "")
    return d


def figure_row(row) -> dict:
    """An answer-table row as one flat row (``figures --jsonl``, ``--csv``): the heading path
    as text, as in a hit's row."""
    d = row.to_dict()
    d["heading_path"] = " › ".join(row.heading_path or [])
    return d


def doc_row(doc: dict) -> dict:
    """A document's metadata as ``docs --json`` prints it (region name and code flat)."""
    region = doc.get("region") or {}
    ocr = doc.get("ocr") or {}
    return dict(doc, region=region.get("name"), region_code=region.get("code"), ocr_confidence=ocr.get("confidence"))


def jsonl_text(rows: Iterable[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def _cell(value) -> object:
    """A CSV cell; text a spreadsheet would run as a formula (=, +, -, @ first: document
    text can say anything) gets a leading apostrophe, numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_text(rows: Iterable[dict], columns) -> str:
    """CSV with a header row; missing values empty; text that would start a spreadsheet
    formula is quoted with an apostrophe."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    return buf.getvalue()
