"""HTML extraction: ``extract_html`` finds the article in a government web page and reads
the metadata the page states. The charset comes from the page's <meta>/XML declaration and
goes to ``decode_bytes``; the metadata from 政府网站发展指引 meta tags, 信息公开 table rows,
"label: value" info lines, the <h1> or a title-like element and <title>; the article is the
known container (TRS_Editor, zoom, *content* ...) or the deepest element holding most of the
running text, with navigation, share bars and footers inside it removed. Markup is parsed
with lxml's HTML parser only, after DOCTYPE internal subsets, ``<!ENTITY>`` declarations and
processing instructions have been stripped, so no external entity is ever resolved and no
entity expansion can blow up.
"""
from __future__ import annotations

import re
from typing import Optional

from lxml import etree
from lxml import html as lxml_html

from ..errors import IngestError
from ..normalize import normalize_document_text
from .decode import decode_text
from .plaintext import (LABELS, MAX_TITLE, MIN_TITLE, article_text, is_boilerplate, looks_like_title,
                        parse_meta_line, store_field)

_SNIFF_HTML_BYTES = 2048
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9._:-]+)""", re.IGNORECASE)
# Markup that could make a parser read files, fetch URLs or expand entities. Removed before
# parsing: a DOCTYPE with its internal subset, stray declarations, processing instructions.
# declarations removed before parsing (DOCTYPE with its internal subset, ENTITY, ATTLIST,
# ELEMENT, NOTATION, processing instructions): entities are never expanded, nothing is
# fetched. Found by a linear scan (_strip_declarations), not one regex over the page: an
# unterminated declaration repeated 20,000 times made a backtracking pattern quadratic.
_DECLARATION_START = re.compile(r"<(?:!(?:DOCTYPE|ENTITY|ATTLIST|ELEMENT|NOTATION)\b|\?)", re.IGNORECASE)
_DOCTYPE_STOP = re.compile(r"[\[>]")
_QUOTED_STOP = re.compile(r"""[>"']""")

# elements that never hold article text: removed from the whole page first
_NEVER_CONTENT = ("script", "style", "noscript", "template", "iframe", "frame", "object", "embed",
                  "applet", "input", "button", "select", "textarea", "svg", "canvas", "audio",
                  "video", "map")
# page furniture: removed inside the article (never the article itself or most of its text;
# <form> is here, not above, because ASP.NET pages wrap the whole page in one)
_FURNITURE_TAGS = frozenset(("nav", "header", "footer", "aside", "menu", "form"))
_FURNITURE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:nav\w*|menu|submenu|crumbs?|breadcrumbs?|location|position|weizhi|daohang"
    r"|share|bdshare\w*|fenxiang|print|dayin|close|guanbi|footer|foot|bottom|copyright|banquan"
    r"|top|header|logo|search|sousuo|pager?|pagination|prev|next|prenext|related|relate|xgwz"
    r"|xgxx|sidebar|side|info|xxgk\w*|toolbar|tools?|qrcode|ewm|erweima|ads?|banner)(?=$|[\s_\-\d])"
    r"|breadcrumb|bdshare|copyright")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# where article text usually lives (TRS, 政府网站集约化 platforms, legacy templates)
_ARTICLE_CLASS = re.compile(
    r"trs_editor|zoom|content|contxt|con_txt|artibody|article|zhengwen|neirong|detail|wenzhang"
    r"|(?:^|[\s_-])(?:zw|nr|txt|text|wz)(?=$|[\s_\-\d])")
_TITLE_CLASS = re.compile(r"(?:^|[\s_-])(?:title|tit|bt|biaoti|headline|articletitle)(?=$|[\s_\-\d])")
_SITE_NAME = re.compile(r"(?:人民政府|政府网|网站|门户网|政务网|政府门户)$")
_TITLE_SEPARATOR = re.compile(r"\s*[_|｜]\s*")
_TITLE_DASH = re.compile(r"(\s*[-–—]+\s*)")
_META_FIELDS = {"articletitle": "title", "pubdate": "published", "contentsource": "source",
                "sitename": "site"}

# blocks that hold paragraphs of text; table cells too (legacy layouts put text in <td>)
_BLOCK_TAGS = frozenset((
    "html", "body", "div", "p", "section", "article", "main", "header", "footer", "nav", "aside",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead",
    "tbody", "tfoot", "tr", "td", "th", "caption", "blockquote", "pre", "center", "address",
    "figure", "figcaption", "fieldset", "hr", "menu"))
_CELL_TAGS = frozenset(("td", "th"))
_CONTAINER_TAGS = frozenset(("body", "div", "td", "th", "section", "article", "main", "blockquote",
                             "center", "table", "tbody", "dd"))
_PARAGRAPH_MIN = 30      # non-space characters that make a block count as running text
_MAX_LINK_SHARE = 0.3    # ... if at most this share of them is link text
_KNOWN_SHARE = 0.5       # a known container must hold this share of the running text
_SPECIFIC_SHARE = 0.9    # prefer a nested container holding this share of its ancestor's
_DENSITY_SHARE = 0.85    # otherwise the deepest element holding this share is the article
_FURNITURE_SHARE = 0.5   # never drop an element holding this share of the article's text
_MAX_INFO_LINE = 150
_MAX_LABEL_CELL = 200
_HTML_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_HUGE_HINT = re.compile(r",?\s*use XML_PARSE_HUGE option", re.IGNORECASE)


def extract_html(data: bytes) -> tuple[str, dict]:
    """Article text and metadata of an HTML page (raw bytes, any declared charset).

    Metadata, most trusted first: 政府网站发展指引 meta tags (ArticleTitle, PubDate,
    ContentSource, SiteName), 信息公开 table rows (索引号, 发布机构, 文号, 成文日期, 发布日期,
    名称), "label: value" info lines, the <h1> or title-class element, then <title> without the
    site name. The article is a known container (TRS_Editor, zoom, *content* ...) holding
    most of the running text, else the deepest element holding nearly all of it.

    Raises ``IngestError`` for undecodable bytes or unparseable markup; an article with no
    text comes back as "".
    """
    text, encoding, warning = decode_text(data, _declared_charset(data))
    root = _parse_html(text)
    etree.strip_elements(root, *_NEVER_CONTENT, with_tail=False)
    body = root.find("body")
    if body is None:
        body = root
    stats = _TextStats(body)
    meta: dict = {"encoding": encoding}
    if warning:
        meta["warnings"] = [warning]
    _meta_tag_fields(root, meta)
    _table_fields(body, stats, meta)
    _info_line_fields(body, meta)
    store_field(meta, "title", _heading_title(body, stats))
    store_field(meta, "title", _title_tag(root))
    article = _find_article(body, stats)
    if article is None:
        return "", meta
    _drop_furniture(article, stats)
    return article_text(_element_text(article), meta, take_title="title" not in meta), meta


def _declaration_end(text: str, start: int) -> int:
    """Index just past the declaration starting at ``start``, or -1 if it never ends.
    Every step moves forward: linear in the declaration's length."""
    head = text[start:start + 9].upper()
    if head.startswith("<?"):
        end = text.find(">", start)
        return end + 1 if end >= 0 else -1
    if head.startswith("<!DOCTYPE"):
        pos = start + 9
        while True:                      # skip an internal subset [ ... ] before the closing >
            m = _DOCTYPE_STOP.search(text, pos)
            if m is None:
                return -1
            if m.group() == ">":
                return m.end()
            close = text.find("]", m.end())
            if close < 0:
                return -1
            pos = close + 1
    pos = start + 2
    while True:                          # ENTITY, ATTLIST ...: a > outside quotes ends it
        m = _QUOTED_STOP.search(text, pos)
        if m is None:
            return -1
        if m.group() == ">":
            return m.end()
        close = text.find(m.group(), m.end())
        if close < 0:
            return -1
        pos = close + 1


def _strip_declarations(text: str) -> str:
    """The page without its declarations and processing instructions; an unterminated one
    takes the rest of the page with it (as a parser would)."""
    out, pos = [], 0
    for m in _DECLARATION_START.finditer(text):
        if m.start() < pos:
            continue                     # inside a declaration already removed
        out.append(text[pos:m.start()])
        end = _declaration_end(text, m.start())
        if end < 0:
            return "".join(out)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _declared_charset(data: bytes) -> Optional[str]:
    head = data[:_SNIFF_HTML_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii") if match else None


def _parse_html(text: str):
    markup = _strip_declarations(text).replace("\x00", "")
    parser = lxml_html.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True,
                                  remove_pis=True, huge_tree=False)
    try:
        root = lxml_html.document_fromstring(markup.encode("utf-8"), parser=parser)
    except (etree.LxmlError, ValueError) as exc:
        raise IngestError(f"unparseable HTML: {exc}") from None
    fatal = [e.message for e in parser.error_log if e.level == etree.ErrorLevels.FATAL]
    if fatal:   # e.g. nesting deeper than libxml2's limit: the rest of the page is lost
        raise IngestError(f"unparseable HTML: {_HUGE_HINT.sub('', fatal[0]).strip()}")
    return root


def _class_id(element) -> str:
    return f"{element.get('class', '')} {element.get('id', '')}".lower()


class _TextStats:
    """How much text each element of a page holds, computed in one pass over the tree.

    Text is counted in non-space characters and attributed to its nearest block ancestor
    (its *holder*). Per element, over its whole subtree: ``text`` (not inside links),
    ``links`` (inside <a>) and ``running`` (text of holders that look like paragraphs:
    long enough, few links, not boilerplate).
    """

    def __init__(self, root):
        self.elements = list(root.iter(etree.Element))
        self.depth: dict = {}
        self.text: dict = {}
        self.links: dict = {}
        self.running: dict = {}
        own_text: dict = {}
        holder: dict = {}
        in_link: dict = {}
        for element in self.elements:
            parent = element.getparent() if element is not root else None
            self.depth[element] = 0 if parent is None else self.depth[parent] + 1
            holder[element] = element if parent is None or element.tag in _BLOCK_TAGS else holder[parent]
            in_link[element] = ((element.tag == "a" and element.get("href") is not None)
                                or (parent is not None and in_link[parent]))
            self._count(own_text, holder[element], in_link[element], element.text)
            if parent is not None:
                self._count(own_text, holder[parent], in_link[parent], element.tail)
        for element in self.elements:
            self.text.setdefault(element, 0)
            self.links.setdefault(element, 0)
            self.running[element] = self._running(own_text.get(element), element)
        for element in reversed(self.elements[1:]):
            parent = element.getparent()
            self.text[parent] += self.text[element]
            self.links[parent] += self.links[element]
            self.running[parent] += self.running[element]

    def _count(self, own_text: dict, holder, is_link: bool, text: Optional[str]) -> None:
        if not text:
            return
        size = _weight(text)
        if is_link:
            self.links[holder] = self.links.get(holder, 0) + size
        else:
            self.text[holder] = self.text.get(holder, 0) + size
            own_text.setdefault(holder, []).append(text)

    def _running(self, pieces: Optional[list], element) -> int:
        size = self.text.get(element, 0)
        if not pieces or size < _PARAGRAPH_MIN:
            return 0
        if self.links.get(element, 0) > _MAX_LINK_SHARE * (size + self.links.get(element, 0)):
            return 0
        if is_boilerplate(normalize_document_text(" ".join(pieces))):
            return 0
        return size


def _weight(text: str) -> int:
    return len(text) - sum(map(text.count, " \t\n\r\u3000\xa0"))


def _meta_tag_fields(root, meta: dict) -> None:
    for tag in root.iter("meta"):
        key = _META_FIELDS.get((tag.get("name") or "").strip().lower())
        if key:
            store_field(meta, key, normalize_document_text(tag.get("content") or ""))


def _table_fields(body, stats: _TextStats, meta: dict) -> None:
    """信息公开 tables: rows of label cell / value cell pairs."""
    for row in body.iter("tr"):
        cells = [c for c in row if c.tag in _CELL_TAGS
                 and stats.text[c] + stats.links[c] <= _MAX_LABEL_CELL]
        for label_cell, value_cell in zip(cells, cells[1:]):
            label = _cell_text(label_cell).rstrip(":").strip()
            if label in LABELS:
                store_field(meta, LABELS[label], _cell_text(value_cell))


def _cell_text(cell) -> str:
    return normalize_document_text(cell.text_content()).replace("\n", " ")


def _info_line_fields(body, meta: dict) -> None:
    """"label: value" lines anywhere on the page (the line under the title, list-style
    信息公开 blocks)."""
    for line in normalize_document_text(_element_text(body)).split("\n"):
        if len(line) <= _MAX_INFO_LINE:
            parsed = parse_meta_line(line)
            if parsed:
                for key, value in parsed[0].items():
                    meta.setdefault(key, value)


def _heading_title(body, stats: _TextStats) -> str:
    """The first plausible <h1>, else the first line of the first element with a
    title-like class or id (such a block often holds the info line too)."""
    headings = [(h, True) for h in body.iter("h1")]
    headings += [(e, False) for e in stats.elements if _TITLE_CLASS.search(_class_id(e))]
    for element, whole in headings:
        if 0 < stats.text[element] + stats.links[element] <= MAX_TITLE * 2:
            lines = normalize_document_text(_element_text(element)).split("\n")
            title = "".join(lines) if whole else lines[0]
            if len(title) >= MIN_TITLE and looks_like_title(title):
                return title
    return ""


def _title_tag(root) -> str:
    """<title> without the site name: ``文章_某某人民政府``, ``某某人民政府-文章``."""
    element = root.find(".//title")
    if element is None or not element.text_content():
        return ""
    title = normalize_document_text(element.text_content()).replace("\n", " ")
    segments = [s for s in _TITLE_SEPARATOR.split(title) if s]
    if not segments:
        return ""
    title = max([s for s in segments if not _SITE_NAME.search(s)] or segments, key=len)
    pieces = _TITLE_DASH.split(title)          # text, separator, text, ...
    while len(pieces) > 2 and _SITE_NAME.search(pieces[0]):
        pieces = pieces[2:]
    while len(pieces) > 2 and _SITE_NAME.search(pieces[-1]):
        pieces = pieces[:-2]
    return "".join(pieces)


def _find_article(body, stats: _TextStats):
    """The element holding the article, or None if the page has no text outside links."""
    measure = stats.running if stats.running[body] else stats.text
    total = measure[body]
    if not total:
        return None
    known = [e for e in stats.elements
             if measure[e] >= _KNOWN_SHARE * total and _ARTICLE_CLASS.search(_class_id(e))]
    if known:
        best = max(measure[e] for e in known)
        return max((e for e in known if measure[e] >= _SPECIFIC_SHARE * best), key=stats.depth.get)
    article = max((e for e in stats.elements if measure[e] >= _DENSITY_SHARE * total),
                  key=stats.depth.get)
    while article is not body and article.tag not in _CONTAINER_TAGS:
        article = article.getparent()
    return article


def _drop_furniture(article, stats: _TextStats) -> None:
    """Remove navigation, share/print bars, footers, info lines and hidden elements inside
    the article, but never one that holds most of its text."""
    limit = _FURNITURE_SHARE * stats.text[article]
    doomed = [e for e in article.iterdescendants(etree.Element)
              if stats.text.get(e, 0) <= limit and (
                  e.tag in _FURNITURE_TAGS or _FURNITURE_CLASS.search(_class_id(e))
                  or _HIDDEN_STYLE.search(e.get("style", "")) or e.get("hidden") is not None)]
    for element in doomed:
        element.drop_tree()


def _element_text(root) -> str:
    """Text of an element with line breaks where blocks, <br> and rows break the flow."""
    parts = []
    in_pre = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            in_pre += tag == "pre"
            if tag in _CELL_TAGS:
                parts.append(" ")
            elif tag in _BLOCK_TAGS or tag == "br":
                parts.append("\n")
            if tag and element.text:
                parts.append(element.text if in_pre else _HTML_SPACE.sub(" ", element.text))
        else:
            in_pre -= tag == "pre"
            if tag in _BLOCK_TAGS and tag not in _CELL_TAGS:
                parts.append("\n")
            if element is not root and element.tail:
                parts.append(element.tail if in_pre else _HTML_SPACE.sub(" ", element.tail))
    return "".join(parts)
