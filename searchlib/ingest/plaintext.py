"""Plain-text cleaning: ``clean_text`` turns a scraped page's text into article text and
metadata. The header above the body gives the title and the "label: value" info lines
(发布日期, 来源, 文号, 索引号, 成文日期); boilerplate lines (print/close links, footers,
breadcrumbs, counters, toolbar buttons) are dropped wherever they are. The line-level pieces
are shared with HTML extraction (``html.py``): ``LABELS``, ``store_field``,
``parse_meta_line``, ``is_boilerplate``, ``looks_like_title``, ``MIN_TITLE``/``MAX_TITLE`` and
``article_text``. Text is normalised before it gets here (NFKC, so full-width colons are ':').
"""
from __future__ import annotations

import datetime
import re
from typing import Optional

from ..normalize import fold_traditional, normalize_document_text

LABELS: dict[str, Optional[str]] = {
    "索引号": "index_number",
    "发布机构": "source", "发文机关": "source", "发文单位": "source", "来源": "source",
    "信息来源": "source", "文章来源": "source", "稿件来源": "source", "来源单位": "source",
    "文号": "doc_number", "发文字号": "doc_number", "文件编号": "doc_number",
    "成文日期": "written", "成文时间": "written",
    "发布日期": "published", "发布时间": "published", "发表时间": "published",
    "发表日期": "published", "发文日期": "published", "公开日期": "published",
    "发稿时间": "published", "公布日期": "published", "日期": "published", "时间": "published",
    "名称": "title", "标题": "title", "文件名称": "title",
    # recognised so that their values are not taken for something else; not kept
    "主题分类": None, "主题词": None, "体裁分类": None, "组配分类": None, "服务对象": None,
    "信息分类": None, "分类": None, "有效性": None, "时效性": None, "作者": None,
    "责任编辑": None, "编辑": None, "浏览次数": None, "阅读次数": None, "访问次数": None,
    "点击数": None, "点击次数": None, "浏览量": None, "阅读量": None, "访问量": None,
    "字体": None, "字号": None, "文字大小": None, "背景色": None, "生效日期": None,
    "实施日期": None, "废止日期": None,
}
_DATE_KEYS = ("published", "written")
_LABEL_ALTERNATION = "|".join(sorted(map(re.escape, LABELS), key=len, reverse=True))
_LABEL = re.compile(rf"({_LABEL_ALTERNATION})\s*:\s*")
_LABEL_ONLY = re.compile(rf"(?:{_LABEL_ALTERNATION})\s*:")     # value on the next line
_DATE = re.compile(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATE_TIME = re.compile(_DATE.pattern + r"(?:\s*\d{1,2}[:时]\d\d(?:[:分]\d\d)?分?秒?)?")
_LEADING_DATE = re.compile(rf"\s*({_DATE_TIME.pattern})\s*(?=(?:{_LABEL_ALTERNATION})\s*:)")
_VALUE_CLUTTER = re.compile(r"[【\[|]")
_DOC_NUMBER = re.compile(r"[^\s:,;]{1,30}?[〔\[(]\s*(?:19|20)\d\d\s*[〕\])]\s*第?\s*\d+\s*号")
_EMPTY_VALUES = {"无", "暂无", "-", "--", "/"}
_MIN_FUSED_BODY = 10   # chars after a date that make the rest of the line a paragraph

# Markers of site furniture. Plain literals, no anchors, flags or character classes up front:
# then the regex engine skips quickly over text that cannot start a marker (10x faster).
_BOILERPLATE_LINE = re.compile("|".join((
    r"打印本页", r"打印此页", r"打印文章", r"【\s*打印\s*】", r"\[\s*打印\s*\]", r"关闭窗口",
    r"关闭本页", r"关闭此页", r"【\s*关闭\s*】", r"\[\s*关闭\s*\]", r"网站标识码", r"分享到",
    r"上一篇", r"下一篇", r"上一条", r"下一条", r"当前位置", r"当前的位置", r"您的位置",
    r"现在的位置", r"所在位置", r"扫一扫在手机", r"手机扫一扫", r"主办单位", r"承办单位",
    r"协办单位", r"技术支持", r"维护单位", r"请输入关键", r"网站首页", r"设为首页", r"加入收藏",
    r"收藏本页", r"网站地图", r"联系我们", r"无障碍浏览", r"无障碍阅读", r"无障碍模式", r"ICP备", r"ICP证", r"公网安备",
    r"Copyright", r"copyright", r"COPYRIGHT", r"All Rights Reserved", r"All rights reserved",
    r"all rights reserved", r"ALL RIGHTS RESERVED",
    r"版权所有", r"©", r"字体\s*[:\[【(]", r"字号\s*[:\[【(]", r"【\s*字号", r"文字大小", r"背景色",
    r"浏览次数", r"阅读次数", r"访问次数", r"点击数", r"点击次数", r"访问量", r"浏览量", r"阅读量",
    r"返回顶部", r"返回首页", r"返回列表", r"【\s*返回\s*】", r"责任编辑", r"纠错", r"进入专题",
)))
# markers that only count at the start of a line
_BOILERPLATE_START = re.compile(
    r"版权\s*:|[<‹«]+\s*返回|<!--|\(?(?:信息|文章|稿件)?来源\s*:|\(?(?:责任)?编辑\s*:"
    r"|相关(?:链接|文章|新闻|阅读|文件|信息|报道|文档|稿件)")
# markers no sentence of a report contains: they condemn even a line that ends like a sentence
_STRONG_BOILERPLATE = re.compile(r"网站标识码|ICP备|ICP证|公网安备|Copyright|copyright|COPYRIGHT|All Rights Reserved"
                                 r"|版权所有|扫一扫在手机|打印本页|关闭窗口|关闭本页")
_SHORT_LINE = 60        # a boilerplate marker condemns a line shorter than this ...
_LONG_LINE = 200        # ... or one shorter than this with two different markers that
_SENTENCE_END = ("。", "!", "?", ";", "…")   # does not end like a sentence
# whole lines that are toolbar buttons (compared without brackets and colons)
_TOOLBAR_WORDS = frozenset((
    "下载", "打印", "全屏", "收藏", "加大", "还原", "减小", "放大", "缩小", "默认", "大", "中", "小",
    "分享", "首页", "返回", "关闭", "繁体", "简体", "朗读", "字号", "字体", "大中小", "小中大",
    "无障碍", "长者模式", "关怀版"))
_TOOLBAR_DECORATION = re.compile(r"[\s【】\[\]:|]+")
_WORD = re.compile(r"\w")

_HEADER_LINES = 25      # the header above the body is at most this many non-empty lines
_MAX_NEXT_LINE_VALUE = 40   # a value on the line after its label is no longer than this
_SHORT_DEBRIS = 16      # header lines shorter than this before the title are menu debris
MIN_TITLE = 4
MAX_TITLE = 100
_HEADING_NUMBER = re.compile(r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条编部分]|[一二三四五六七八九十]+、"
                             r"|\([一二三四五六七八九十\d]+\)|\d+[.、])")
_TITLE_END = re.compile(r"[。;:,!?、]$")
# what the title of an official document ends with
_DOCUMENT_TYPE_END = re.compile(
    r"(?:报告|通知|意见|决定|办法|规定|条例|方案|要点|规划|纲要|公告|通告|通报|批复|细则|规则|制度"
    r"|总结|计划|讲话|公报|决议|解释|答复|说明|清单|目录|指南|指引|章程|命令|白皮书|年报|法)"
    r"(?:\([^)]*\))?$")
_MIN_TYPED_TITLE = 6
_NON_WORD = re.compile(r"[\W_]+")
_MARKDOWN_HEADING = re.compile(r"^#+\s*")


def _iso_date(text: str) -> Optional[str]:
    """The first date in ``text`` as YYYY-MM-DD, or None."""
    for match in _DATE.finditer(text or ""):
        year, month, day = map(int, match.groups())
        try:
            return datetime.date(year, month, day).isoformat()
        except ValueError:
            continue
    return None


def _clean_value(key: str, value: str) -> Optional[str]:
    """A metadata value without the clutter that follows it on the same line."""
    value = value.strip()
    if key in _DATE_KEYS:
        return _iso_date(value)
    if key == "doc_number":
        match = _DOC_NUMBER.search(value)
        if match:
            return re.sub(r"\s+", "", match.group(0))
    value = _VALUE_CLUTTER.split(value, maxsplit=1)[0].strip()
    if key in ("source", "index_number", "doc_number"):
        value = value.split(" ", 1)[0]
    return None if value in _EMPTY_VALUES else value or None


def store_field(meta: dict, key: Optional[str], value: str) -> None:
    """Keep the first value found for ``key``: callers go from most to least trusted."""
    if key and key not in meta:
        cleaned = _clean_value(key, value)
        if cleaned:
            meta[key] = cleaned


def parse_meta_line(line: str) -> Optional[tuple[dict, str]]:
    """Read a line of "label: value" fields, like the info line under a title.

    Returns ``(fields, rest)`` or None if the line does not start with a known label (or a
    date followed by one). ``rest`` is a paragraph fused onto the end of the line after a
    date (``发表时间: 2019-05-07 16:56:142017年,在市委...``), else "". Traditional labels
    (發佈時間, 來源, 文號) are read through their simplified form, and so are the values.
    """
    line = fold_traditional(line)
    fields: dict = {}
    position = 0
    leading = _LEADING_DATE.match(line)
    if leading:
        store_field(fields, "published", leading.group(1))
        position = leading.end()
    labels = list(_LABEL.finditer(line, position))
    if not labels or labels[0].start() != position:
        return None
    rest = ""
    for label, following in zip(labels, labels[1:] + [None]):
        key = LABELS[label.group(1)]
        value = line[label.end():following.start() if following else len(line)]
        if key in _DATE_KEYS:
            stamp = _DATE_TIME.match(value)
            if not stamp:
                continue
            store_field(fields, key, stamp.group(0))
            leftover = value[stamp.end():].strip()
            if following is None and len(leftover) >= _MIN_FUSED_BODY:
                rest = leftover
        else:
            store_field(fields, key, value)
    return fields, rest


_ARTICLE_START = re.compile(r"第[一二三四五六七八九十百千零〇0-9]+条(?:之[一二三四五六七八九十])?\s*\S")


def is_boilerplate(line: str) -> bool:
    """A line of site furniture (print/close links, footer, breadcrumb, counters, toolbar
    buttons, punctuation debris).

    Only short lines are condemned by one marker, and longer ones only by several and when
    they do not end like a sentence, so a paragraph that mentions 版权 or 主办单位 survives.
    Traditional furniture (掃一掃在手機打開當前頁, 主辦單位) is read through its simplified form."""
    line = fold_traditional(line)
    if len(line) >= _LONG_LINE or _ARTICLE_START.match(line):
        return False                   # 第十五条承办单位办理诉求…: an article, whatever it names
    if not _WORD.search(line) or _TOOLBAR_DECORATION.sub("", line) in _TOOLBAR_WORDS:
        return True
    hits = _BOILERPLATE_LINE.findall(line)
    start = _BOILERPLATE_START.match(line)
    if start:
        hits.append(start.group(0))
    if line.endswith(_SENTENCE_END) and len(line) >= 12:
        # a sentence ("纠错5件。") is text, unless it carries a marker only furniture has
        return len(line) < _SHORT_LINE and bool(_STRONG_BOILERPLATE.search(line))
    if len(line) < _SHORT_LINE:
        return bool(hits)
    return len({h.lower() for h in hits}) > 1 and not line.endswith(_SENTENCE_END)


def _title_key(text: Optional[str]) -> str:
    return _NON_WORD.sub("", text or "")


def looks_like_title(line: str) -> bool:
    return (2 <= len(line) <= MAX_TITLE and not _TITLE_END.search(line)
            and not _HEADING_NUMBER.match(_MARKDOWN_HEADING.sub("", line)))


def _split_header(lines: list[str], meta: dict) -> tuple[list[str], list[str]]:
    """Split off the header: the lines above the first line that reads like body text.

    Info lines go into ``meta`` (a label whose value is on the next line is joined to it),
    boilerplate is dropped. Returns the remaining header lines (title candidates, subtitle,
    speaker ...) and the body lines.
    """
    candidates: list[str] = []
    pending = ""
    seen = 0
    for i, line in enumerate(lines):
        if not line:
            continue
        seen += 1
        if seen > _HEADER_LINES:
            return candidates, lines[i:]
        if _LABEL_ONLY.fullmatch(fold_traditional(line)):
            pending += line
            continue
        if pending and len(line) <= _MAX_NEXT_LINE_VALUE and not _TITLE_END.search(line):
            line = pending + line
        pending = ""
        parsed = parse_meta_line(line)
        if parsed is not None:
            fields, rest = parsed
            for key, value in fields.items():
                meta.setdefault(key, value)
            if rest:
                return candidates, [rest, *lines[i + 1:]]
            continue
        if is_boilerplate(line):
            continue
        if _DATE_TIME.fullmatch(line):
            store_field(meta, "published", line)
            continue
        if _DOC_NUMBER.fullmatch(fold_traditional(line)):
            store_field(meta, "doc_number", fold_traditional(line))      # 莲政办发〔2017〕20号 on its own line
            continue
        if candidates and len(line) <= 3 and not _DOCUMENT_TYPE_END.search(candidates[-1]) \
                and _DOCUMENT_TYPE_END.search(candidates[-1] + line):
            candidates[-1] += line             # a title broken by the layout: 政府工作报|告
            continue
        if not looks_like_title(line):
            return candidates, lines[i:]
        candidates.append(line)
    return candidates, []


_PLACEHOLDER_TITLE = re.compile(r"^(?:microsoft word\s*-|文档\d*$|document\d*$|新建|untitled|无标题)", re.IGNORECASE)


def property_title(stated: Optional[str]) -> Optional[str]:
    """A file's Title property (Word, WPS, PDF: File → Properties) as a title, when it names a
    document (…报告, …通知) and is not a placeholder the program left (文档1, Microsoft Word -
    x.doc); None otherwise. Used only when the text gives no title."""
    stated = normalize_document_text(stated or "").strip()
    if len(stated) < MIN_TITLE or _PLACEHOLDER_TITLE.match(stated) or not _DOCUMENT_TYPE_END.search(stated):
        return None
    return stated


def _choose_title(candidates: list[str]) -> Optional[str]:
    """The first header line shaped like a document title (ends in 报告, 通知, 条例 ...),
    else the first of reasonable length."""
    typed = [line for line in candidates
             if len(line) >= _MIN_TYPED_TITLE and _DOCUMENT_TYPE_END.search(line)]
    plausible = [line for line in candidates if len(line) >= MIN_TITLE]
    return next(iter(typed + plausible + candidates), None)


def _strip_header(lines: list[str], meta: dict, take_title: bool) -> list[str]:
    """Consume the header into ``meta`` and return the body lines.

    The title (when ``take_title`` and none is known) is chosen among the header lines.
    Copies of the title go, and so do the short lines before its last copy (breadcrumb
    and menu debris); other header lines (subtitle, speaker) stay, once each.
    """
    candidates, body = _split_header(lines, meta)
    if take_title and not meta.get("title"):
        title = _choose_title(candidates)
        if title:
            meta["title"] = _MARKDOWN_HEADING.sub("", title)
    key = _title_key(meta.get("title"))
    copies = [i for i, line in enumerate(candidates) if key and _title_key(line) == key]
    last_copy = copies[-1] if copies else -1
    kept = [line for i, line in enumerate(candidates)
            if i not in copies and (i > last_copy or len(line) >= _SHORT_DEBRIS)]
    return list(dict.fromkeys(kept)) + body


def article_text(text: str, meta: dict, take_title: bool) -> str:
    """Normalised article text: header consumed into ``meta``, boilerplate and blank lines
    dropped, one paragraph per line."""
    lines = normalize_document_text(text).split("\n")
    body = _strip_header(lines, meta, take_title)
    return "\n".join(line for line in body if line and not is_boilerplate(line))


def clean_text(text: str) -> tuple[str, dict]:
    """Article text and metadata of a scraped plain-text page.

    The header above the body gives the title (a 名称 line, else the first line shaped like
    a document title) and the info lines give published, source, doc_number, index_number
    and written. The header's clutter, the title's copies and boilerplate lines anywhere
    are dropped; every other line is kept.
    """
    meta: dict = {}
    return article_text(text, meta, take_title=True), meta
