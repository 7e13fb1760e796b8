"""Ingestion: find corpus files, decode them and turn each into a ``SourceDocument``.

Three stages, each usable on its own:

* ``discover`` walks the corpus paths (sorted, symlink-loop safe, hidden entries skipped).
* ``decode_bytes`` turns raw bytes into text (BOM, UTF-8, the declared charset, GB18030).
* ``extract_html`` / ``clean_text`` separate the article text from site clutter and read the
  metadata the page states (title, 发布日期, 来源/发布机构, 文号, 索引号, 成文日期).

``read_document`` ties them together for one file. Every failure that concerns one file is
raised as ``IngestError`` with a short reason; a corpus path that cannot be used at all is a
``CorpusError``. Character normalisation is delegated to ``searchlib.normalize``.

HTML is parsed with lxml's HTML parser only, after the markup has been stripped of DOCTYPE
internal subsets, ``<!ENTITY>`` declarations and processing instructions, so no external
entity is ever resolved and no entity expansion can blow up.
"""
from __future__ import annotations

import codecs
import datetime
import hashlib
import os
import re
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from lxml import etree
from lxml import html as lxml_html

from ..errors import CorpusError, IngestError
from ..models import SourceDocument
from ..normalize import normalize_document_text

SUFFIXES = (".txt", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")

ErrorCallback = Callable[[Path, str], None]

# --------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),   # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)
# Labels of the GB family, all decoded with the gb18030 codec (a superset: pages labelled
# gb2312 are GBK in practice). The value is the name reported for the label.
_GB_LABELS = {
    "gb2312": "gb2312", "csgb2312": "gb2312", "euc-cn": "gb2312", "euccn": "gb2312",
    "gb_2312-80": "gb2312", "iso-ir-58": "gb2312", "chinese": "gb2312", "hz-gb-2312": "gb2312",
    "gbk": "gbk", "x-gbk": "gbk", "cp936": "gbk", "ms936": "gbk", "windows-936": "gbk",
    "gb18030": "gb18030",
}
# Single-byte Western labels decode anything; on Chinese sites they are usually wrong, so
# GB18030 is tried before them.
_WEAK_LABELS = {"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "ascii", "us-ascii"}
# A UTF-16/32 label on bytes without a BOM and without NULs is simply wrong: ignored.
_WIDE_LABEL_PREFIXES = ("utf-16", "utf16", "utf-32", "utf32", "ucs", "unicode")
_SNIFF_BYTES = 8192
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.02
_MAX_REPLACEMENT_SHARE = 0.005


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding_name)``.

    Order: byte-order mark, strict UTF-8, the ``declared`` charset, strict GB18030, then a
    lenient UTF-8/GB18030 decode if it needs almost no replacement characters.

    The reported name is ``"utf-8"`` (with or without BOM), ``"utf-16"``/``"utf-32"`` for a
    BOM, the declared label for the GB family as written (``"gb2312"``, ``"gbk"``,
    ``"gb18030"``; aliases such as ``x-gbk``/``cp936`` report ``"gbk"``) although the bytes are
    always decoded as GB18030, ``"gb18030"`` when GB bytes were recognised without a label,
    and the codec name for any other declared charset.

    Raises ``IngestError("binary file")`` for NUL bytes or many control characters and
    ``IngestError("cannot decode text (not UTF-8 or GB18030)")`` when nothing fits.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return _reject_binary(data.decode(codec)), name
            except UnicodeDecodeError:
                raise IngestError(f"cannot decode text (invalid {name} after byte-order mark)") from None
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise IngestError("binary file")
    for codec, name in _candidate_codecs(declared):
        try:
            return _reject_binary(data.decode(codec)), name
        except (UnicodeDecodeError, LookupError):
            continue
    return _lenient_decode(data)


def _candidate_codecs(declared: str | None) -> list[tuple[str, str]]:
    """The (codec, reported name) pairs to try strictly, in order."""
    label = (declared or "").strip().lower()
    candidates = [("utf-8", "utf-8")]
    if label in _GB_LABELS:
        candidates.append(("gb18030", _GB_LABELS[label]))
    elif label and label not in _WEAK_LABELS and not label.startswith(_WIDE_LABEL_PREFIXES):
        try:
            candidates.append((label, codecs.lookup(label).name))
        except LookupError:
            pass
    candidates.append(("gb18030", "gb18030"))
    if label in _WEAK_LABELS:
        candidates.append((label, codecs.lookup(label).name))
    return candidates


def _lenient_decode(data: bytes) -> tuple[str, str]:
    """UTF-8, then GB18030, with a few bad bytes replaced. UTF-8 goes first: GB18030 reads
    most UTF-8 byte pairs as (wrong) characters, the reverse is not true."""
    for codec in ("utf-8", "gb18030"):
        text = data.decode(codec, errors="replace")
        if text.count("\ufffd") < _MAX_REPLACEMENT_SHARE * len(text):
            return _reject_binary(text), codec
    raise IngestError("cannot decode text (not UTF-8 or GB18030)")


def _reject_binary(text: str) -> str:
    sample = text[:_SNIFF_BYTES]
    if sample and len(_CONTROL.findall(sample)) / len(sample) > _MAX_CONTROL_SHARE:
        raise IngestError("binary file")
    return text


# --------------------------------------------------------------------------- discovery

def discover(paths: Iterable[str | os.PathLike], on_error: Optional[ErrorCallback] = None
             ) -> Iterator[tuple[Path, Path]]:
    """Yield ``(file_path, root)`` for every corpus file under ``paths``.

    A directory is walked recursively, entries sorted by name (so the order equals sorting
    the paths), hidden entries (``.name``) skipped, symlinked directories followed once per
    real directory (a loop or a second link to the same directory is skipped silently).
    ``root`` is the directory as given, or the parent of a file given directly.

    A given path that is missing or unreadable raises ``CorpusError``. Problems below it (an
    unreadable subdirectory, a file vanishing mid-walk, a dangling symlink, a file given
    directly with another suffix) are reported to ``on_error(path, reason)`` and skipped.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    report = on_error or (lambda path, reason: None)
    for given in map(Path, paths):
        _check_corpus_path(given)
        if given.is_dir():
            yield from _walk(given, report)
        elif _has_suffix(given.name):
            yield given, given.parent
        else:
            report(given, f"not a {'/'.join(SUFFIXES)} file")


def _check_corpus_path(path: Path) -> None:
    if not path.exists():
        raise CorpusError(f"corpus path does not exist: {path}")
    mode = os.R_OK | os.X_OK if path.is_dir() else os.R_OK
    if not os.access(path, mode):
        raise CorpusError(f"corpus path is not readable: {path}")


def _has_suffix(name: str) -> bool:
    return name.lower().endswith(SUFFIXES)


def _walk(root: Path, report: ErrorCallback) -> Iterator[tuple[Path, Path]]:
    """Depth first with each directory's entries in name order, which is the order of the
    sorted paths. Iterative, so directory depth does not meet the recursion limit."""
    visited = {os.path.realpath(root)}
    pending = [iter(_list_dir(root, report))]
    while pending:
        path = next(pending[-1], None)
        if path is None:
            pending.pop()
            continue
        try:
            if path.is_dir():
                real = os.path.realpath(path)
                if real not in visited:
                    visited.add(real)
                    pending.append(iter(_list_dir(path, report)))
            elif not _has_suffix(path.name):
                continue
            elif path.is_file():
                yield path, root
            elif path.is_symlink():
                report(path, "dangling symlink")
            elif path.exists():
                report(path, "not a regular file")
            else:
                report(path, "vanished during the scan")
        except OSError as exc:
            report(path, _os_reason(exc))


def _list_dir(directory: Path, report: ErrorCallback) -> list[Path]:
    try:
        with os.scandir(directory) as entries:
            names = sorted(e.name for e in entries if not e.name.startswith("."))
    except OSError as exc:
        report(directory, _os_reason(exc))
        return []
    return [directory / name for name in names]


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "vanished during the scan"
    return exc.strerror or str(exc)


def doc_id_for(path: Path, root: Path) -> str:
    """The document id: ``path`` relative to ``root``, '/'-separated."""
    path, root = Path(path), Path(root)
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(os.path.relpath(path.resolve(), root.resolve()))
    return relative.as_posix()


# --------------------------------------------------------------------------- one file

def read_document(path: Path, root: Path, max_bytes: int = 20_000_000) -> SourceDocument:
    """Read one corpus file into a ``SourceDocument`` or raise ``IngestError`` saying why.

    ``.html``/``.htm`` files go through ``extract_html``, ``.txt`` files through
    ``decode_bytes`` and ``clean_text``. When no title is found the file name (without
    suffix) is used.
    """
    path, root = Path(path), Path(root)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(f"unsupported file type: {suffix or 'no suffix'}")
    data = _read_bytes(path, max_bytes)
    if suffix in HTML_SUFFIXES:
        text, meta = extract_html(data)
    else:
        decoded, encoding = decode_bytes(data)
        text, meta = clean_text(decoded)
        meta["encoding"] = encoding
    if not text.strip():
        raise IngestError("no article text found")
    return SourceDocument(
        path=str(path.resolve()),
        doc_id=doc_id_for(path, root),
        text=text,
        title=meta.get("title") or path.stem,
        published=meta.get("published"),
        source=meta.get("source"),
        doc_number=meta.get("doc_number"),
        index_number=meta.get("index_number"),
        written=meta.get("written"),
        encoding=meta.get("encoding", "utf-8"),
        format="html" if suffix in HTML_SUFFIXES else "txt",
        content_hash=hashlib.sha1(data).hexdigest(),
        site=meta.get("site"),
    )


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(f"file too large ({_megabytes(size)} MB > {_megabytes(max_bytes)} MB limit)")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise IngestError("file vanished before it could be read") from None
    except IsADirectoryError:
        raise IngestError("is a directory, not a file") from None
    except PermissionError:
        raise IngestError("permission denied") from None
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise IngestError(f"file too large (> {_megabytes(max_bytes)} MB limit)")
    if not data:
        raise IngestError("empty file")
    return data


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".removesuffix(".0")


# --------------------------------------------------------------------------- metadata lines
# Shared by plain text and HTML: "label: value" lines (the info line under a title, 信息公开
# rows), boilerplate lines, the header above the body, titles and dates. Text is normalised
# before it gets here (NFKC, so full-width colons are ':').

_LABELS: dict[str, Optional[str]] = {
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
_LABEL_ALTERNATION = "|".join(sorted(map(re.escape, _LABELS), key=len, reverse=True))
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
    r"收藏本页", r"网站地图", r"联系我们", r"无障碍", r"ICP备", r"ICP证", r"公网安备",
    r"Copyright", r"copyright", r"COPYRIGHT", r"All Rights Reserved", r"All rights reserved",
    r"all rights reserved", r"ALL RIGHTS RESERVED",
    r"版权所有", r"©", r"字体\s*[:\[【(]", r"字号\s*[:\[【(]", r"【\s*字号", r"文字大小", r"背景色",
    r"浏览次数", r"阅读次数", r"访问次数", r"点击数", r"点击次数", r"访问量", r"浏览量", r"阅读量",
    r"返回顶部", r"返回首页", r"返回列表", r"【\s*返回\s*】", r"责任编辑", r"纠错", r"进入专题",
)))
# markers that only count at the start of a line
_BOILERPLATE_START = re.compile(
    r"版权\s*:|<<\s*返回|<!--|\(?(?:信息|文章|稿件)?来源\s*:|\(?(?:责任)?编辑\s*:"
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
    "分享", "首页", "返回", "关闭", "繁体", "简体", "朗读", "字号", "字体", "大中小", "小中大"))
_TOOLBAR_DECORATION = re.compile(r"[\s【】\[\]:|]+")
_WORD = re.compile(r"\w")

_HEADER_LINES = 25      # the header above the body is at most this many non-empty lines
_MAX_NEXT_LINE_VALUE = 40   # a value on the line after its label is no longer than this
_SHORT_DEBRIS = 16      # header lines shorter than this before the title are menu debris
_MIN_TITLE = 4
_MAX_TITLE = 100
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


def _store(meta: dict, key: Optional[str], value: str) -> None:
    """Keep the first value found for ``key``: callers go from most to least trusted."""
    if key and key not in meta:
        cleaned = _clean_value(key, value)
        if cleaned:
            meta[key] = cleaned


def _parse_meta_line(line: str) -> Optional[tuple[dict, str]]:
    """Read a line of "label: value" fields, like the info line under a title.

    Returns ``(fields, rest)`` or None if the line does not start with a known label (or a
    date followed by one). ``rest`` is a paragraph fused onto the end of the line after a
    date (``发表时间: 2019-05-07 16:56:142017年,在市委...``), else "".
    """
    fields: dict = {}
    position = 0
    leading = _LEADING_DATE.match(line)
    if leading:
        _store(fields, "published", leading.group(1))
        position = leading.end()
    labels = list(_LABEL.finditer(line, position))
    if not labels or labels[0].start() != position:
        return None
    rest = ""
    for label, following in zip(labels, labels[1:] + [None]):
        key = _LABELS[label.group(1)]
        value = line[label.end():following.start() if following else len(line)]
        if key in _DATE_KEYS:
            stamp = _DATE_TIME.match(value)
            if not stamp:
                continue
            _store(fields, key, stamp.group(0))
            leftover = value[stamp.end():].strip()
            if following is None and len(leftover) >= _MIN_FUSED_BODY:
                rest = leftover
        else:
            _store(fields, key, value)
    return fields, rest


def _is_boilerplate(line: str) -> bool:
    """A line of site furniture (print/close links, footer, breadcrumb, counters, toolbar
    buttons, punctuation debris).

    Only short lines are condemned by one marker, and longer ones only by several and when
    they do not end like a sentence, so a paragraph that mentions 版权 or 主办单位 survives."""
    if len(line) >= _LONG_LINE:
        return False
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


def _looks_like_title(line: str) -> bool:
    return (2 <= len(line) <= _MAX_TITLE and not _TITLE_END.search(line)
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
        if _LABEL_ONLY.fullmatch(line):
            pending += line
            continue
        if pending and len(line) <= _MAX_NEXT_LINE_VALUE and not _TITLE_END.search(line):
            line = pending + line
        pending = ""
        parsed = _parse_meta_line(line)
        if parsed is not None:
            fields, rest = parsed
            for key, value in fields.items():
                meta.setdefault(key, value)
            if rest:
                return candidates, [rest, *lines[i + 1:]]
            continue
        if _is_boilerplate(line):
            continue
        if _DATE_TIME.fullmatch(line):
            _store(meta, "published", line)
            continue
        if not _looks_like_title(line):
            return candidates, lines[i:]
        candidates.append(line)
    return candidates, []


def _choose_title(candidates: list[str]) -> Optional[str]:
    """The first header line shaped like a document title (ends in 报告, 通知, 条例 ...),
    else the first of reasonable length."""
    typed = [line for line in candidates
             if len(line) >= _MIN_TYPED_TITLE and _DOCUMENT_TYPE_END.search(line)]
    plausible = [line for line in candidates if len(line) >= _MIN_TITLE]
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


def _article_text(text: str, meta: dict, take_title: bool) -> str:
    """Normalised article text: header consumed into ``meta``, boilerplate and blank lines
    dropped, one paragraph per line."""
    lines = normalize_document_text(text).split("\n")
    body = _strip_header(lines, meta, take_title)
    return "\n".join(line for line in body if line and not _is_boilerplate(line))


def clean_text(text: str) -> tuple[str, dict]:
    """Article text and metadata of a scraped plain-text page.

    The header above the body gives the title (a 名称 line, else the first line shaped like
    a document title) and the info lines give published, source, doc_number, index_number
    and written. The header's clutter, the title's copies and boilerplate lines anywhere
    are dropped; every other line is kept.
    """
    meta: dict = {}
    return _article_text(text, meta, take_title=True), meta


# --------------------------------------------------------------------------- HTML

_SNIFF_HTML_BYTES = 2048
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9._:-]+)""", re.IGNORECASE)
# Markup that could make a parser read files, fetch URLs or expand entities. Removed before
# parsing: a DOCTYPE with its internal subset, stray declarations, processing instructions.
_UNSAFE_MARKUP = re.compile(
    r"<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*>"
    r"|<!DOCTYPE[^>]*>"
    r"""|<!(?:ENTITY|ATTLIST|ELEMENT|NOTATION)\b(?:[^>"']|"[^"]*"|'[^']*')*>"""
    r"|<\?[^>]*>",
    re.IGNORECASE)

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
    text, encoding = decode_bytes(data, _declared_charset(data))
    root = _parse_html(text)
    etree.strip_elements(root, *_NEVER_CONTENT, with_tail=False)
    body = root.find("body")
    if body is None:
        body = root
    stats = _TextStats(body)
    meta: dict = {"encoding": encoding}
    _meta_tag_fields(root, meta)
    _table_fields(body, stats, meta)
    _info_line_fields(body, meta)
    _store(meta, "title", _heading_title(body, stats))
    _store(meta, "title", _title_tag(root))
    article = _find_article(body, stats)
    if article is None:
        return "", meta
    _drop_furniture(article, stats)
    return _article_text(_element_text(article), meta, take_title="title" not in meta), meta


def _declared_charset(data: bytes) -> Optional[str]:
    head = data[:_SNIFF_HTML_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii") if match else None


def _parse_html(text: str):
    markup = _UNSAFE_MARKUP.sub("", text).replace("\x00", "")
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
        if _is_boilerplate(normalize_document_text(" ".join(pieces))):
            return 0
        return size


def _weight(text: str) -> int:
    return len(text) - sum(map(text.count, " \t\n\r\u3000\xa0"))


def _meta_tag_fields(root, meta: dict) -> None:
    for tag in root.iter("meta"):
        key = _META_FIELDS.get((tag.get("name") or "").strip().lower())
        if key:
            _store(meta, key, normalize_document_text(tag.get("content") or ""))


def _table_fields(body, stats: _TextStats, meta: dict) -> None:
    """信息公开 tables: rows of label cell / value cell pairs."""
    for row in body.iter("tr"):
        cells = [c for c in row if c.tag in _CELL_TAGS
                 and stats.text[c] + stats.links[c] <= _MAX_LABEL_CELL]
        for label_cell, value_cell in zip(cells, cells[1:]):
            label = _cell_text(label_cell).rstrip(":").strip()
            if label in _LABELS:
                _store(meta, _LABELS[label], _cell_text(value_cell))


def _cell_text(cell) -> str:
    return normalize_document_text(cell.text_content()).replace("\n", " ")


def _info_line_fields(body, meta: dict) -> None:
    """"label: value" lines anywhere on the page (the line under the title, list-style
    信息公开 blocks)."""
    for line in normalize_document_text(_element_text(body)).split("\n"):
        if len(line) <= _MAX_INFO_LINE:
            parsed = _parse_meta_line(line)
            if parsed:
                for key, value in parsed[0].items():
                    meta.setdefault(key, value)


def _heading_title(body, stats: _TextStats) -> str:
    """The first plausible <h1>, else the first line of the first element with a
    title-like class or id (such a block often holds the info line too)."""
    headings = [(h, True) for h in body.iter("h1")]
    headings += [(e, False) for e in stats.elements if _TITLE_CLASS.search(_class_id(e))]
    for element, whole in headings:
        if 0 < stats.text[element] + stats.links[element] <= _MAX_TITLE * 2:
            lines = normalize_document_text(_element_text(element)).split("\n")
            title = "".join(lines) if whole else lines[0]
            if len(title) >= _MIN_TITLE and _looks_like_title(title):
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
