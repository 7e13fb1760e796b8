"""Document structure: the heading hierarchy, section kinds and the passages to index.

Input is the cleaned article text of one document (``SourceDocument.text``): NFKC-normalised,
one paragraph per line, without the title line. Two steps:

``parse_sections`` reads the lines once and returns the sections in document order.

* Headings are recognised by their marker: ``一、`` (also ``一.``), ``(一)`` (ASCII or
  full-width parentheses), ``1.``/``1、``/``1．`` (one type), ``(1)``/``1)``, ``①`` (NFKC turns
  it into a bare ``1`` directly followed by text; that form is accepted only in sequence),
  ``第一章``/``第一节``/``第一部分``. Lines without a marker are headings when they are short,
  carry no sentence punctuation and either use heading vocabulary (回顾, 问题, 思路, 目标…) or
  are followed by body text ("standalone" headings), or when they restate the document's
  subject before any other heading (the embedded title of a 工作要点 notice).
* Levels follow Word outline logic with a stack of open marker types: a marker type already
  open is a sibling of that entry; a type not open becomes a child of the deepest open
  section (unless it was used before at a shallower level and does not restart at 1). A
  standalone heading with summary vocabulary (…工作回顾, 存在的问题, …工作思路) is placed at
  the top, directly under an embedded title if there is one; other standalone headings nest.
  ``Section.level`` is the depth (0 = the root sections: preamble and closing remarks).
* A heading line may also carry body text. ``(一)加强领导统筹。进一步明确…``: the heading is
  the text up to the first 。 (also ; ! ? :) when that is at most 40 characters. Headings
  fused with the body without punctuation (``(一)宪法学习宣传实施成效明显全市政府系统…``) are
  split where a typical heading ending is followed by a typical sentence start. Otherwise
  the heading is the first clause, cut at 30 characters (marked with ``…``). The marker is
  kept in the heading (``(一)加强领导统筹``), and such a line is kept WHOLE as the first
  paragraph of its section, so that a passage shows the complete measure.
* ``一是…二是…``, ``第一,第二,`` and ``首先…其次`` are measures inside a paragraph, not
  headings. Salutations (``县委:``), signatures and dates are body lines.
* A closing paragraph (``回顾过去一年…``, a problems statement, ``下一步,…将``, ``2020年,…将继续``)
  that ends a run of numbered sections is attached to the top-most open section with a
  meaning of its own (e.g. ``2017年依法行政工作回顾``), or else to a closing root section
  without heading. To keep document order, the resumed section appears again in the list
  as a continuation entry (same heading, level, kind and heading_path).

Section kinds (``models.SECTION_KINDS``) come from the heading (``classify_heading``) and are
inherited from the parent; a child's own kind replaces the inherited one only when the
heading is short and mostly vocabulary (二、存在问题), and never to turn a part into
achievements. Otherwise the kind defaults by document type: in a ``work_plan`` numbered
tasks are ``plans``; in an ``annual_report`` top-level sections before the first
problems/plans/requirements part are ``achievements``. Text before the first heading is
``preamble``; an embedded title section is ``preamble`` too (its paragraph is the opening).

``split_passages`` makes one passage per paragraph (``split_paragraph`` handles one). A
paragraph longer than ``max_chars`` is split at its measures (二是, 三是…; the lead-in stays
with the first) and then at sentence ends; a single sentence longer than ``max_chars`` is
kept whole. Short non-sentence lines (salutation, signature, date, ``…如下:``) are joined to
a neighbouring paragraph of the same section. A passage's kind is its section's, except that
a problems statement (``…但仍存在…不足``) is ``problems`` and a closing plan (``下一步…``,
``2020年,…将继续``) is ``plans`` wherever they stand.

Everything is linear in the length of the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .figures import count_figures
from .models import Passage, Section
from .normalize import fold_traditional
from .vocabulary import (APPROX, CJK, CN_DIGITS, DATE_PARTS, DIVISIONS, FULL_STOPS, LARGE_SCALES, SENTENCE_ENDS,
                         UNITS, alternation, char_class, parse_chinese_number, unit_regex)

# --------------------------------------------------------------------------- limits

MAX_INLINE_HEADING = 40     # heading text before the first 。 of a heading line
MAX_HEADING_LINE = 50       # a marker line without sentence punctuation up to this is all heading
MAX_STANDALONE = 30         # a heading line without marker
MAX_CLAUSE_HEADING = 30     # fallback heading taken from the first clause
FUSED_MIN, FUSED_MAX = 6, 30
SHORT_LINE = 30             # salutations, signatures, dates: joined to a neighbour passage
LEAD_IN = 100               # a line ending with ':' (salutation, 主要有:) joins the next one
SIGNAL_WINDOW = 300         # where a problems statement must show itself

PREAMBLE, ACHIEVEMENTS, PROBLEMS, PLANS, REQUIREMENTS, OTHER = (
    "preamble", "achievements", "problems", "plans", "requirements", "other")
_MEANINGFUL = (ACHIEVEMENTS, PROBLEMS, PLANS, REQUIREMENTS)
_LATER_PARTS = (PROBLEMS, PLANS, REQUIREMENTS)

# marker types that are not numbered
STANDALONE, TITLE = "standalone", "title"

# --------------------------------------------------------------------------- markers

# the numeral of a heading (十二、, (三), 第一百章): digits, 十 and 百
_CN_NUM = "".join(CN_DIGITS) + "十百"
# after a bare number, what makes it a quantity or a date rather than a heading number
# (1年内, 3部法规, 20余家, 1至3月): a one-character unit as figures read it (with its
# guard: 部门 is a word, so 1部门… can be a heading), a date part, a large scale, an
# approximation marker, a one-character division (3章), and 至 季 级 星 届 (1至3月,
# 1季度, 3级, 5星级, 3届)
_QUANTITY_AFTER = (unit_regex(u for u in UNITS if len(u.text) == 1) + "|["
                   + DATE_PARTS + LARGE_SCALES + APPROX + "".join(d for d in DIVISIONS if len(d) == 1)
                   + "至季级星届]")

# (type, regex); group 1 is the number, group "unit" (chapters only) refines the type
_MARKERS = (
    ("chapter", re.compile(rf"^第([{_CN_NUM}]+|\d+)(?P<unit>{alternation(DIVISIONS)})")),
    ("cn", re.compile(rf"^([{_CN_NUM}]{{1,3}})(?:、|[.．](?!\d))")),
    ("paren_cn", re.compile(rf"^[((]([{_CN_NUM}]{{1,3}})[))]")),
    ("arabic", re.compile(r"^(\d{1,2})(?:[、．]|\.(?!\d))")),
    ("paren_arabic", re.compile(r"^(?:[((](\d{1,2})[))]|(\d{1,2})[))])")),
    ("circled", re.compile(r"^([\u2460-\u2473])")),
)
# ① after NFKC: a bare number glued to the text; accepted only in sequence (1, then n+1)
_BARE_NUMBER = re.compile(rf"^(1\d|20|[1-9])(?=[{CJK}])(?!{_QUANTITY_AFTER})")

_TERMINATOR = re.compile(char_class(SENTENCE_ENDS + ":"))      # ends the heading part of a line
_SENTENCE_PUNCT = re.compile(char_class(SENTENCE_ENDS))
_SENTENCE_END = re.compile(char_class(FULL_STOPS))
_CLAUSE_END = re.compile(char_class(SENTENCE_ENDS + ",:"))
_CLAUSE_PUNCT = re.compile(r"[,;:]")
_HAS_CJK = re.compile(f"[{CJK}]")
_TRAILING_PUNCT = " 。;:,.、!?"

# fused headings: a heading ending directly followed by a sentence start
_HEAD_END = re.compile(
    r"(稳步推进|进一步提升|成效明显|成效显著|明显|显著|推进|加强|提升|提高|完善|落实|有力|有效|扎实"
    r"|成效|工作|机制|建设|体系|水平|能力|深化|强化|规范|健全|突出|凸显|优化|改革|制度|全覆盖"
    r"|到位|见效|增强|创新|发挥|落地|新高|新突破|新进展)"
    r"(?=全市|全县|全区|全省|全镇|我市|我区|我县|我省|我局|我委|市政府|区政府|县政府|各级|各地"
    r"|各部门|坚持|围绕|通过|按照|根据|依据|为了|为进一步|为加强|为深入|为全面|为确保|为推进|为"
    r"|在|今年|年初|目前|截至|自|一是|20\d\d年)")

# --------------------------------------------------------------------------- line classes

_CN_DATE = "".join(d for d in CN_DIGITS if d != "两")    # dates are written 二〇一七年五月
_DATE_LINE = re.compile(rf"^(\d{{4}}|[{_CN_DATE}]{{4}})年[\d{_CN_DATE}十]{{1,3}}月[\d{_CN_DATE}十]{{1,3}}日$")
_SIGNATURE = re.compile(rf"^[{CJK}()()]{{2,30}}(人民政府|政府|办公室|办公厅|委员会|法制办|司法局"
                        r"|局|厅|委|办|院|部|中心|小组)$")
_SALUTATION = re.compile(r"^(尊敬的|各位)|(同志们|各位代表|各位委员|委员们)$")
_STANDALONE_VOCAB = re.compile(
    r"回顾|情况|成效|成绩|成果|做法|措施|举措|问题|不足|困难|差距|短板|思路|打算|计划|安排|目标|任务"
    r"|要求|保障|下一步|工作要点|总结|经验|进展|展望|建议|体会")
_SUBJECT_SUFFIX = re.compile(r"(工作要点|要点|实施方案|工作方案|方案|工作计划|工作报告|报告|规划|纲要"
                             r"|实施意见|意见|办法|通知|决定|总结)$")
_YEAR = re.compile(r"20\d\d年")
_PLACE = re.compile(r"[省市区县州旗盟镇乡]")

# --------------------------------------------------------------------------- kinds

_YEAR_PREFIX = re.compile(r"^(20\d\d|19\d\d)年度?")
_PROBLEMS_STRONG = re.compile(r"存在的?(主要|突出|一些)?(问题|不足|困难|差距|短板)|不足之处"
                              r"|面临的(主要)?(问题|困难|挑战)")
_PROBLEMS_WEAK = re.compile(
    r"(问题|不足|困难|差距|短板|薄弱环节)(和|与|及|、)(不足|困难|差距|短板|问题|原因|建议|对策)"
    r"|^(主要|突出)?(问题|不足|困难|差距|短板|薄弱环节)$")
_PROBLEM_ACTIONS = re.compile(r"解决|化解|破解|整改|补齐|补足|弥补|克服|攻坚|导向|聚焦|针对|排查|治理"
                              r"|整治|查处|回应")
_PLANS = re.compile(
    r"下一步|今后|明年|展望|思路|打算|工作计划|工作安排|工作要点|努力方向"
    r"|20\d\d年.{0,12}(计划|安排|重点|打算|任务)|^(重点工作|工作重点)$"
    r"|^(总体|主要|重点|工作|年度)?(目标|任务)((和|与|及|、)?(目标|任务))?$"
    r"|(主要|总体|发展)目标(和|与|及|、)?(重点|主要)?任务|时期的?(主要)?(目标|任务)")
# what was done, not what will be: 制定年度工作计划, 2019年工作计划执行情况
_NOT_PLANS = re.compile(r"(创新|理清|厘清|转变|拓宽|开拓|明确|完善|制定|编制|落实|印发|出台|完成)"
                        r"[^,;]{0,8}(思路|计划|安排|要点|任务)|情况$")
_REQUIREMENTS = re.compile(
    r"^((工作|有关|相关|几点|实施|具体)要求|保障措施|(组织|工作|实施|机制|制度)保障|组织实施|保障机制)$")
_ACHIEVEMENTS = re.compile(
    r"回顾|(开展|完成|执行|进展|落实|推进|建设|基本|工作)情况|主要做法|做法(和|与|及)(成效|经验)"
    r"|(取得|主要|工作)的?(成效|成绩|成果)|成效(明显|显著|突出)|成果(丰硕|显著|突出)"
    r"|工作总结|主要工作|进展|亮点|经验做法")
STRONG_HEADING = 12         # a child heading this short may change the kind it inherits

# passage-level signals
_PROBLEMS_STATEMENT = re.compile(
    r"(仍|还|也|尚|但|依然)[^。]{0,8}存在[^。]{0,12}(问题|不足|差距|困难|短板|薄弱)"
    r"|^(存在的?(主要)?问题|主要问题|问题和不足|不足之处)"
    # a work report's problems paragraph after its review: 在肯定成绩的同时，我们也清醒看到
    # 面临的困难和挑战…; 同时我们清醒地认识到…; 成绩固然可喜，问题也不容忽视
    r"|^[^。；]{0,16}?(清醒|清楚)地?(看到|认识到)[^。]{0,40}?(问题|困难|挑战|不足|差距|矛盾|短板|风险|薄弱|缺点)"
    r"|^[^。；]{0,20}?问题[^。；]{0,4}不容忽视")
_PLANS_STATEMENT = re.compile(
    r"^(下一步|今后|明年)"
    r"|^20\d\d年(度)?[,,]?[^。]{0,30}?将(继续|进一步|以|在|坚持|着力|重点|全面|深入|加强|持续|紧紧|不断"
    r"|围绕|按照|认真|努力|切实)")
_SUMMARY_OPENER = re.compile(r"^(回顾过去|回顾一年|总的来看|总的来说|总之|综上|总体来看|总体而言|总体上看)")

# --------------------------------------------------------------------------- measures

_ORDINALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
             "十一", "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十"]


# 一是, 二是… (not 十二是 when looking for 二是, nor 之一是/唯一是); 第一, 第二,…
_SHI_FAMILY = [re.compile(rf"(?<![十之唯第统]){o}是") for o in _ORDINALS]
_DI_FAMILY = [re.compile(rf"第{o}[,、]") for o in _ORDINALS]
_THEN_WORDS = ("其次", "再次", "最后")   # after 首先
_SENTENCE = re.compile(rf"{char_class(SENTENCE_ENDS, negate=True)}*(?:{char_class(SENTENCE_ENDS)}+[”’)]*|$)")


# --------------------------------------------------------------------------- public API

def classify_heading(heading: str) -> Optional[str]:
    """The kind a heading implies on its own, or None.

    Markers, a leading year and trailing punctuation are ignored. When several kinds are
    named, the one named first wins (存在问题及下一步打算 → problems). 问题 in an action
    (解决…问题, 问题导向) does not make a heading a problems heading.
    """
    text = _heading_core(fold_traditional(heading))      # 存在問題 reads as 存在问题
    if not text:
        return None
    bare = _YEAR_PREFIX.sub("", text)
    found: list[tuple[int, int, str]] = []
    m = _PROBLEMS_STRONG.search(text)
    if m and not _PROBLEM_ACTIONS.search(text, 0, m.start()):      # 整改存在的问题: an action
        found.append((m.start(), 0, PROBLEMS))
    m = _PROBLEMS_WEAK.search(bare)
    if m and not _PROBLEM_ACTIONS.search(text):
        found.append((m.start(), 0, PROBLEMS))
    m = _PLANS.search(text) or _PLANS.search(bare)
    if m and not _NOT_PLANS.search(text):
        found.append((m.start(), 1, PLANS))
    if _REQUIREMENTS.match(bare):
        found.append((0, 2, REQUIREMENTS))
    m = _ACHIEVEMENTS.search(text)
    if m:
        found.append((m.start(), 3, ACHIEVEMENTS))
    return min(found)[2] if found else None


def parse_sections(text: str, title: str = "", doc_type: str = "other",
                   heading_levels: Optional[dict[str, int]] = None) -> list[Section]:
    """The sections of a document in order: root sections (level 0, no heading) for the
    preamble and for closing remarks, and one section per heading. A law, regulation or
    judicial interpretation (lines starting 第一条, 第二条…) is read by article instead
    (``parse_articles``). ``heading_levels``: lines the file itself marks as headings (DOCX
    heading styles) with their outline level; such a line is a heading even without a
    marker, nested by its level."""
    lines = [ln.strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    if _has_articles(lines):
        return parse_articles(lines)
    headings = _scan(lines, title, heading_levels or {})
    return _Builder(lines, headings, doc_type).build()


# --------------------------------------------------------------------------- laws by article

# 第X编 / 分编 / 章 / 节 (outermost first), markdown # marks allowed before them
_LAW_UNITS = ("编", "分编", "章", "节")
_MARKDOWN = re.compile(r"^#{1,6}\s*")
_LAW_DIVISION = re.compile(rf"^第([{_CN_NUM}千零〇]+|\d+)(分编|编|章|节)\s*(.*)$")
# not 第十条第二款 / 第十条、第十一条 / 第十条至…: references, not articles
_ARTICLE = re.compile(rf"^第([{_CN_NUM}千零〇]+|\d+)条(之[{_CN_NUM}]+)?(?![、,至]|第[{_CN_NUM}]+[条款项])")
MAX_DIVISION_NAME = 30     # 第三章 行政复议申请: a division line is a heading, not a sentence


def _article_number(line: str) -> Optional[tuple[int, int]]:
    """(article, 之N) of a line that starts an article (第十二条, 第一百二十条之一), else None."""
    m = _ARTICLE.match(line)
    if not m:
        return None
    try:
        return _number(m.group(1)), _number(m.group(2)[1:]) if m.group(2) else 0
    except (KeyError, TypeError):
        return None


def _has_articles(lines: list[str]) -> bool:
    """A text of articles: lines that start 第一条 then 第二条, or (when the first ones
    are missing) three lines numbering consecutive articles."""
    numbers = [n for n in map(_article_number, lines) if n is not None and n[1] == 0]
    if (1, 0) in numbers and (2, 0) in numbers[numbers.index((1, 0)):]:
        return True
    return sum(1 for a, b in zip(numbers, numbers[1:]) if b[0] == a[0] + 1) >= 2


def _division(line: str) -> Optional[tuple[int, str]]:
    """(rank, heading) of a 第X编/分编/章/节 line, or of a markdown heading (rank 0), else None."""
    bare = _MARKDOWN.sub("", line)
    m = _LAW_DIVISION.match(bare)
    if m and len(m.group(3)) <= MAX_DIVISION_NAME and not _SENTENCE_PUNCT.search(m.group(3)):
        head = f"第{m.group(1)}{m.group(2)}"
        return _LAW_UNITS.index(m.group(2)) + 1, (f"{head} {m.group(3).strip()}" if m.group(3).strip() else head)
    if bare != line and bare and _article_number(bare) is None and len(bare) <= MAX_DIVISION_NAME:
        return 0, bare
    return None


def parse_articles(lines: list[str]) -> list[Section]:
    """A law by structure: 第X编 / 分编 / 章 / 节 lines are headings, each 第X条 a section of
    its own (heading path ``第三章 行政复议申请 › 第十二条``) whose lines, its 款 and 项,
    make one passage. Lines before the first heading or article (enactment dates, a
    preamble) are the ``preamble``. An article line must number higher than the previous
    article: a 款 that starts 第十条规定的… stays in its article."""
    sections: list[Section] = []
    stack: list[tuple[int, Section]] = []        # open divisions, outermost first
    current: Optional[Section] = None
    last = (0, 0)
    for line in lines:
        number = _article_number(line)
        if number is not None and number > last:
            last = number
            head = _ARTICLE.match(line).group(0)
            path = [s.heading for _, s in stack] + [head]
            current = Section(head, len(path), OTHER, path, [line], article=True)
            sections.append(current)
            continue
        division = _division(line)
        if division is not None:
            rank, head = division
            while stack and stack[-1][0] >= rank:
                stack.pop()
            path = [s.heading for _, s in stack] + [head]
            sec = Section(head, len(path), OTHER, path, [])
            sections.append(sec)
            stack.append((rank, sec))
            current = sec
            continue
        if current is None:
            current = Section("", 0, PREAMBLE, [], [])
            sections.append(current)
        current.paragraphs.append(_MARKDOWN.sub("", line))
    return sections


MAX_PASSAGE_CHARS = 3000    # a longer paragraph is cut (at a sentence end when there is one)


def split_passages(doc_id: str, sections: list[Section], max_chars: int = 600) -> list[Passage]:
    """The passages to index, in document order, numbered 0..n-1. No passage is longer
    than MAX_PASSAGE_CHARS, so one line of a huge file costs what any passage costs."""
    passages: list[Passage] = []
    for sec in sections:
        chunks = [("\n".join(sec.paragraphs), sec.kind)] if sec.article else _section_chunks(sec, max_chars)
        for text, kind in chunks:
            for piece in _bounded(text, MAX_PASSAGE_CHARS):
                passages.append(Passage(doc_id=doc_id, ordinal=len(passages), text=piece,
                                        heading_path=list(sec.heading_path), section_kind=kind))
    return passages


def _bounded(text: str, limit: int):
    """``text`` in pieces of at most ``limit`` characters, cut after the last sentence end
    within the limit, else at the limit."""
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind(c) for c in SENTENCE_ENDS) + 1
        if cut < limit // 2:
            cut = limit
        yield text[:cut]
        text = text[cut:]
    if text:
        yield text


# --------------------------------------------------------------------------- pass 1: lines

@dataclass(frozen=True)
class _Heading:
    htype: str                 # marker type, or STANDALONE / TITLE
    value: Optional[int]       # the number of a numbered heading
    text: str                  # heading as shown, marker kept, no trailing punctuation
    implied: Optional[str]     # classify_heading(text)
    has_body: bool = False     # the line carries body text too (kept whole as a paragraph)


def _scan(lines: list[str], title: str, styled: dict[str, int]) -> list[Optional[_Heading]]:
    """For each line, the heading it opens or None for a body line."""
    out: list[Optional[_Heading]] = []
    seen_heading = False
    last_bare = 0
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        h = _marker_heading(line)
        if line in styled:          # a styled heading: its outline level is its type, marker or not
            if h is None:
                text = line.rstrip(_TRAILING_PUNCT)
                h = _Heading(f"style:{styled[line]}", None, text, classify_heading(text))
            else:
                h = _Heading(f"style:{styled[line]}", h.value, h.text, h.implied, h.has_body)
        if h is None:
            m = _BARE_NUMBER.match(line)
            if m and int(m.group(1)) in (1, last_bare + 1):
                h = _numbered(line, "circled", int(m.group(1)), m.end())
                if h is not None:
                    last_bare = h.value
        if h is None and not seen_heading and _is_embedded_title(line, title):
            h = _Heading(TITLE, None, line.rstrip(_TRAILING_PUNCT), None)
        if h is None and _is_standalone(line, nxt):
            text = line.rstrip(_TRAILING_PUNCT)
            h = _Heading(STANDALONE, None, text, classify_heading(text))
        seen_heading = seen_heading or h is not None
        out.append(h)
    return out


def _marker_heading(line: str) -> Optional[_Heading]:
    for htype, rx in _MARKERS:
        m = rx.match(line)
        if m:
            if htype == "chapter":
                return _numbered(line, f"chapter:{m.group('unit')}", _number(m.group(1)), m.end())
            num = next(g for g in m.groups() if g)
            return _numbered(line, htype, _number(num), m.end())
    return None


def _numbered(line: str, htype: str, value: int, marker_end: int) -> Optional[_Heading]:
    """The heading of a line that starts with a marker; None if nothing follows it."""
    rest = line[marker_end:].lstrip()
    marker = line[:marker_end] + (" " if len(rest) < len(line) - marker_end else "")
    if not rest.strip(_TRAILING_PUNCT):
        return None
    term = _TERMINATOR.search(rest)
    # a short item that states figures in clauses is a measure, not a title: its text is
    # a passage too ((一)加强食品安全监管,全年抽检食品样品300批次。)
    one_sentence = term is None or not rest[term.end():].strip(_TRAILING_PUNCT + "”’)")
    stated = one_sentence and _CLAUSE_PUNCT.search(rest) is not None and count_figures(rest) > 0
    if term is None and len(rest) <= MAX_HEADING_LINE and not stated:
        head, has_body = rest, False
    elif term is not None and term.start() <= MAX_INLINE_HEADING and not stated:
        head = rest[:term.start()]
        has_body = bool(rest[term.end():].strip(_TRAILING_PUNCT + "”’)"))
    else:
        cut = _fused_split(rest)
        if cut:
            head = rest[:cut]
        else:
            head = _CLAUSE_END.split(rest, 1)[0]
            if len(head) > MAX_CLAUSE_HEADING:
                head = head[:MAX_CLAUSE_HEADING] + "…"
        has_body = True
    text = marker + head.rstrip(_TRAILING_PUNCT)
    return _Heading(htype, value, text, classify_heading(text), has_body)


def _fused_split(rest: str) -> int:
    """Where a heading glued to its body ends (0 if no such place)."""
    window = rest[:FUSED_MAX + 8]
    for m in _HEAD_END.finditer(window):
        pos = m.end()
        if pos > FUSED_MAX:
            break
        if pos >= FUSED_MIN and not _CLAUSE_PUNCT.search(rest, 0, pos):
            return pos
    return 0


def _number(s: str) -> int:
    if len(s) == 1 and "\u2460" <= s <= "\u2473":
        return ord(s) - 0x2460 + 1
    if s.isdecimal():
        return int(s)
    return parse_chinese_number(s)


def _is_heading_shaped(line: str, limit: int) -> bool:
    """Short, Chinese, and no sentence, salutation or list punctuation."""
    return (2 <= len(line) <= limit and _HAS_CJK.search(line) is not None
            and not _TERMINATOR.search(line) and line[-1] not in ",、,"
            and line[0] not in "((—-《[【" and not _DATE_LINE.match(line)
            and not _SALUTATION.search(line))


def _is_embedded_title(line: str, title: str) -> bool:
    """A line before any heading that names the document's subject (…工作要点, …工作要點)."""
    line, title = fold_traditional(line), fold_traditional(title or "")
    if not _is_heading_shaped(line, MAX_INLINE_HEADING) or len(line) < 8:
        return False
    if not _SUBJECT_SUFFIX.search(line):
        return False
    if title and (line == title or line in title):
        return True
    return bool(_YEAR.search(line) and _PLACE.search(line[:-4]))


def _is_standalone(line: str, nxt: str) -> bool:
    line, nxt = fold_traditional(line), fold_traditional(nxt or "")
    if not _is_heading_shaped(line, MAX_STANDALONE) or _SIGNATURE.match(line):
        return False
    if _STANDALONE_VOCAB.search(line):
        return True
    return _is_body_text(nxt)


def _is_body_text(line: str) -> bool:
    if not line or _marker_heading(line) is not None:
        return False
    return len(line) > MAX_STANDALONE or _SENTENCE_PUNCT.search(line) is not None


# --------------------------------------------------------------------------- pass 2: tree

@dataclass
class _Open:
    htype: str
    section: Section
    meaningful: bool           # implies a kind of its own, or is the embedded title


@dataclass
class _Builder:
    lines: list[str]
    headings: list[Optional[_Heading]]
    doc_type: str
    sections: list[Section] = field(default_factory=list)
    stack: list[_Open] = field(default_factory=list)
    levels: dict[str, int] = field(default_factory=dict)   # marker type -> last depth
    root: Optional[Section] = None                       # current level-0 section
    later_part: Optional[str] = None                     # latest problems/plans/... top part

    def build(self) -> list[Section]:
        next_heading = self._next_heading_index()
        for i, line in enumerate(self.lines):
            h = self.headings[i]
            if h is None:
                self._body(line, next_heading[i])
            else:
                self._heading(h, line)
        return self.sections

    def _next_heading_index(self) -> list[Optional[int]]:
        out: list[Optional[int]] = [None] * len(self.lines)
        nxt = None
        for i in range(len(self.lines) - 1, -1, -1):
            out[i] = nxt
            if self.headings[i] is not None:
                nxt = i
        return out

    # ---- body lines

    def _body(self, line: str, next_heading: Optional[int]) -> None:
        if self.stack and _is_closing(line):
            target = next((d for d, o in enumerate(self.stack) if o.meaningful), None)
            depth = 0 if target is None else target + 1
            if depth < len(self.stack) and self._closes_below(next_heading, depth):
                del self.stack[depth:]
                if self.stack:
                    self._resume(self.stack[-1])
                else:
                    self.root = None
        self._current().paragraphs.append(line)

    def _resume(self, entry: _Open) -> None:
        """Body text of a section after its subsections: a continuation entry (same heading,
        level, kind and path) keeps sections and passages in document order."""
        old = entry.section
        entry.section = Section(old.heading, old.level, old.kind, list(old.heading_path), [])
        self.sections.append(entry.section)

    def _closes_below(self, next_heading: Optional[int], depth: int) -> bool:
        """Whether the next heading would close every section deeper than ``depth``."""
        if next_heading is None:
            return True
        return self._depth(self.headings[next_heading]) <= depth + 1

    def _current(self) -> Section:
        if self.stack:
            return self.stack[-1].section
        if self.root is None:
            kind = PREAMBLE
            if self.sections:
                kind = OTHER                              # closing remarks
            elif not any(self.headings):
                kind = PLANS if self.doc_type == "work_plan" else OTHER
            self.root = Section("", 0, kind, [], [])
            self.sections.append(self.root)
        return self.root

    # ---- headings

    def _heading(self, h: _Heading, line: str) -> None:
        depth = self._depth(h)
        del self.stack[depth - 1:]
        parent = self.stack[-1] if self.stack else None
        kind = self._kind(h, parent)
        path = (parent.section.heading_path if parent else []) + [h.text]
        sec = Section(h.text, depth, kind, path, [line] if h.has_body else [])
        self.sections.append(sec)
        self.stack.append(_Open(h.htype, sec, h.htype == TITLE or bool(h.implied)))
        self.levels[h.htype] = depth
        self.root = None

    def _depth(self, h: _Heading) -> int:
        """1-based depth of a new heading, per the outline rules in the module docstring."""
        if h.htype == TITLE:
            return 1
        titles = sum(1 for o in self.stack if o.htype == TITLE)
        if h.htype.startswith("style:"):
            # a child of the deepest open styled heading of a higher level (or of the
            # embedded title); closes everything else
            level = int(h.htype[6:])
            for d in range(len(self.stack) - 1, -1, -1):
                other = self.stack[d].htype
                if other == TITLE or (other.startswith("style:") and int(other[6:]) < level):
                    return d + 2
            return 1
        if h.htype == STANDALONE:
            if h.implied:
                return titles + 1
            for d in range(len(self.stack) - 1, -1, -1):
                if self.stack[d].htype == STANDALONE:
                    # a sibling of an unnamed standalone heading, a child of a named one
                    return d + 1 if not self.stack[d].meaningful else len(self.stack) + 1
            return len(self.stack) + 1
        if h.value == 1 and self.stack and self.stack[-1].htype == STANDALONE and h.htype in self.levels:
            # a list numbered afresh right under a heading without a number, after the
            # document's own list of that kind (2026年省十件民生实事 / 一、… 十、 at the end of a
            # work report): the heading's items, not the document's next top-level sections
            return len(self.stack) + 1
        for d in range(len(self.stack) - 1, -1, -1):
            if self.stack[d].htype == h.htype:
                return d + 1
        known = self.levels.get(h.htype)
        if h.value != 1 and known is not None and titles < known <= len(self.stack):
            return known
        return len(self.stack) + 1

    def _kind(self, h: _Heading, parent: Optional[_Open]) -> str:
        if h.htype == TITLE:
            return PREAMBLE
        inherited = parent.section.kind if parent else None
        top = parent is None or parent.htype == TITLE
        if top and h.implied in _LATER_PARTS:
            self.later_part = h.implied
        if h.implied and (inherited not in _MEANINGFUL or _overrides_parent(h)):
            return h.implied
        if inherited in _MEANINGFUL:
            return inherited
        if self.doc_type == "work_plan":
            return PLANS
        if self.doc_type == "annual_report":
            if self.later_part is None:
                return ACHIEVEMENTS
            return self.later_part if self.later_part in (PLANS, REQUIREMENTS) else OTHER
        return OTHER


def _overrides_parent(h: _Heading) -> bool:
    """Whether a heading's own kind beats the kind it inherits: only a short heading that is
    mostly the kind's vocabulary (存在问题, 下一步打算), and never achievements (取得新成效
    under a plans heading is a goal)."""
    core = _YEAR_PREFIX.sub("", _heading_core(h.text))
    return h.implied != ACHIEVEMENTS and len(core) <= STRONG_HEADING


def _heading_core(heading: str) -> str:
    """A heading without its marker and trailing punctuation."""
    text = heading.strip()
    for _, rx in _MARKERS:
        m = rx.match(text)
        if m:
            text = text[m.end():]
            break
    else:
        m = _BARE_NUMBER.match(text)
        if m:
            text = text[m.end():]
    return text.strip().rstrip(_TRAILING_PUNCT + "…")


def _is_closing(line: str) -> bool:
    line = fold_traditional(line)
    return bool(_SUMMARY_OPENER.match(line) or _is_problems_statement(line)
                or _PLANS_STATEMENT.match(line))


def _is_problems_statement(paragraph: str) -> bool:
    return _PROBLEMS_STATEMENT.search(paragraph[:SIGNAL_WINDOW]) is not None


# --------------------------------------------------------------------------- passages

def _passage_kind(paragraph: str, section_kind: str) -> str:
    paragraph = fold_traditional(paragraph[:SIGNAL_WINDOW])
    if _PLANS_STATEMENT.match(paragraph):
        return PLANS
    if _is_problems_statement(paragraph):
        return PROBLEMS
    return section_kind


def _is_short_line(paragraph: str) -> bool:
    """Salutation, signature, date or lead-in (…如下:): joined to a neighbour passage."""
    if _SENTENCE_END.search(paragraph):
        return False
    return len(paragraph) <= SHORT_LINE or (paragraph[-1] == ":" and len(paragraph) <= LEAD_IN)


def _continues_list(paragraph: str) -> bool:
    """Whether a paragraph is a later item of a list (二是…, 第三，…, 其次…)."""
    head = paragraph[:4]
    return (any(rx.match(head) for rx in _SHI_FAMILY[1:] + _DI_FAMILY[1:])
            or head.startswith(_THEN_WORDS))


def _section_chunks(sec: Section, max_chars: int) -> list[tuple[str, str]]:
    """(text, kind) of the passages of one section; short lines join a neighbour. The items
    of a list that a problems or plans statement opens (我们也清醒地看到…一是…, then 二是…
    三是… as paragraphs of their own) are of its kind."""
    chunks: list[list] = []          # [text, kind]
    carry: list[str] = []
    run = None                       # the kind a statement gave the list being read
    for para in sec.paragraphs:
        if _is_short_line(para):
            carry.append(para)
            continue
        kind = _passage_kind(para, sec.kind)
        if kind != sec.kind:
            run = kind
        elif run is not None and _continues_list(para):
            kind = run
        else:
            run = None
        pieces = split_paragraph(para, max_chars)
        if carry:
            joined = "\n".join(carry + [pieces[0]])
            if len(joined) <= max_chars:
                pieces[0] = joined
            else:
                chunks.append(["\n".join(carry), sec.kind])
            carry = []
        chunks.extend([p, kind] for p in pieces)
    if carry:
        tail = "\n".join(carry)
        if chunks and len(chunks[-1][0]) + 1 + len(tail) <= max_chars:
            chunks[-1][0] += "\n" + tail
        else:
            chunks.append([tail, sec.kind])
    return [(t, k) for t, k in chunks]


def split_paragraph(paragraph: str, max_chars: int = 600) -> list[str]:
    """One paragraph as passage texts: whole if it fits, else its measures (一是…二是…,
    第一,第二, 首先…其次), then sentences packed up to ``max_chars``."""
    if len(paragraph) <= max_chars:
        return [paragraph]
    starts = _measure_starts(paragraph)
    bounds = [0] + starts + [len(paragraph)]
    pieces = [paragraph[a:b] for a, b in zip(bounds, bounds[1:]) if paragraph[a:b].strip()]
    out: list[str] = []
    for piece in pieces:
        out.extend([piece] if len(piece) <= max_chars else _pack_sentences(piece, max_chars))
    return out


def _measure_starts(text: str) -> list[int]:
    """Offsets where the 2nd, 3rd… measure of an enumeration starts (empty if none)."""
    for family in (_SHI_FAMILY, _DI_FAMILY):
        m = family[0].search(text)
        if m is None:
            continue
        starts, pos = [], m.end()
        for rx in family[1:]:
            m = rx.search(text, pos)
            if m is None:
                break
            starts.append(m.start())
            pos = m.end()
        if starts:
            return starts
    first = text.find("首先")
    if first >= 0 and text.find("其次", first) > 0:
        starts, pos = [], first
        for word in _THEN_WORDS:
            nxt = text.find(word, pos + 2)
            if nxt >= 0:
                starts.append(nxt)
                pos = nxt
        return starts
    return []


def _pack_sentences(text: str, max_chars: int) -> list[str]:
    out: list[str] = []
    cur = ""
    for m in _SENTENCE.finditer(text):
        s = m.group(0)
        if not s:
            continue
        if cur and len(cur) + len(s) > max_chars:
            out.append(cur)
            cur = ""
        cur += s
    if cur:
        out.append(cur)
    return out
