"""Figures: what a passage counts.

``extract_figures(text)`` finds every stated quantity -- a number (Arabic such as
``30``, ``3,823``, ``192.05`` or Chinese such as ``十余``, ``二十三``, ``两``),
an optional 万/亿 multiplier and 余/多 ("approximately") marker, then a unit or
counter (件, 项, 人次, 平方米, %, 个工作日 ...) -- and returns it as a
:class:`~searchlib.models.Figure` with the phrase it counts (``subject``).
Numerals, scales and units come from :mod:`searchlib.vocabulary`.

Values are scaled to the base unit: ``192.05万平方米`` is 1920500 平方米 and
``8.65亿元`` is 865000000 元 (``text`` keeps the figure as written).

What is deliberately *not* a figure: calendar years and dates (2017年,
2017年5月23日, 12月底前, 2015-2020年), ordinals (第10次, 第一批, 第十二条),
document and index numbers (〔2015〕69号, 00035727X/2019-33), times, section
enumerators ((一), 1., 一是), congress names (十八大, 十九届四中全会), numbers
inside 《titles》, Chinese numerals inside short “quotes”, set phrases that
contain numerals (三项制度, 最多跑一次, 一次性, 四个全面, 一户一档 ...) and the
indefinite article 一 + counter (一批典型案件, 一个窗口).

The concreteness score that uses the figure count is in :mod:`searchlib.concreteness`.

Extraction runs at index time on every passage, so every pattern is compiled
once at import and no state is kept between calls.
Input is expected to be normalised (NFKC, see :mod:`searchlib.normalize`).
"""
from __future__ import annotations

import re

from .analysis import segment
from .models import Figure
from .normalize import fold_traditional
from .vocabulary import (AMOUNT_UNITS, APPROX, CN_DIGITS, CN_NUMERAL_CHARS, CN_PLACES, CN_POINTS, COUNT, EVENT,
                         LARGE_SCALES, PEOPLE, PERCENT, RATIO, SCALES, TIME, alternation, char_class,
                         parse_chinese_decimal, parse_chinese_number, unit_regex, units_of)

__all__ = ["extract_figures", "count_figures"]

# --------------------------------------------------------------------------- numbers and units
# The tables live in searchlib.vocabulary; what figures read of them:

_CN_CHARS = CN_NUMERAL_CHARS          # short name for the patterns below
# digits after the decimal point (九十五点七): 两 is never one
_CN_FRACTION = "".join(d for d in CN_DIGITS if d != "两")
# the numeral of 百分之…: digits, 十 and 百 (a percentage is below a thousand)
_CN_PERCENT = "".join(CN_DIGITS) + "十百"
_UNIT_ALT = unit_regex(AMOUNT_UNITS)

# The pattern opens with one character class, so the engine skips to numeral
# characters in C; the "not preceded by" checks come after that first character.
# [0-9] rather than \d: the text is NFKC-normalised and \d is a slower Unicode test.
# Groups ar / cn hold the number WITHOUT its first character (see _scan).
_FIGURE_RE = re.compile(rf"""
    [0-9{_CN_CHARS}]
    (?:
        (?<=百)分之(?P<pct>[{_CN_PERCENT}]++(?:[{CN_POINTS}][{_CN_FRACTION}]++)?)
      | (?<=[0-9])(?<![0-9.A-Za-z第][0-9])
        (?P<ar>[0-9]{{0,2}}(?:,[0-9]{{3}})+(?![0-9])|[0-9]*+)
        (?P<dec>\.[0-9]++)?(?P<amult>{alternation(SCALES)})?
      | (?<=[{_CN_CHARS}])(?<![第数几{_CN_CHARS}][{_CN_CHARS}])(?<![{_CN_CHARS}][{CN_POINTS}][{_CN_CHARS}])
        (?P<cn>[{_CN_CHARS}]*+)(?P<cdec>[{CN_POINTS}][{_CN_FRACTION}]++)?
    )
    (?(pct)|(?P<approx>[{APPROX}])?(?P<mult2>[{LARGE_SCALES}])?(?P<unit>{_UNIT_ALT}))
""", re.X)

# Units after which the counted thing usually FOLLOWS (7517台执法记录设备, 81个部门):
# the one-character counters of things and people.
_CLASSIFIERS = frozenset(u.text for u in units_of(COUNT, PEOPLE) if len(u.text) == 1)
# Units that a bare 一 may carry as a real quantity (一个工作日, 一次, 一倍): durations,
# events, multiples and percentages; with a counter of things or people 一 is the
# indefinite article (一批典型案件, 一个窗口, 一件事).
_ONE_OK_UNITS = frozenset(u.text for u in units_of(TIME, EVENT, RATIO, PERCENT))
# Named set phrases that contain numerals; a Chinese-numeral figure overlapping one is dropped.
_SET_PHRASES = [
    "三项制度", "八项规定", "最多跑一次", "跑一次", "一次性", "一次办", "一次告知", "一次办结",
    "一次不跑", "一次不用跑", "一次都不跑", "一次跑", "一件事", "四个全面", "四个意识", "四个自信",
    "四个服务", "两个维护", "两个确立", "两个责任", "两个一百年", "两个基本点", "两个毫不动摇",
    "三个代表", "三个区分开来", "一个中心", "五位一体", "四位一体", "一张网", "一张图",
    "一张蓝图", "四张清单", "五个一", "六个一", "三个一", "一站式", "一网通办", "一窗受理",
    "一把手", "一体化", "一刀切", "三改一拆", "五水共治", "双随机一公开", "七五普法", "六五普法",
    "八五普法", "一年一度", "一件事一次办", "过去一年", "一年来", "三次产业", "铁人三项",
    "九年义务教育", "九年一贯", "二人转", "五项原则", "二次供水", "二次创业", "二次开发", "二次污染",
    "四个现代化", "三个世界", "两个大局", "两个市场", "两种资源", "两条道路", "两类不同性质", "四项基本原则",
    "十项原则", "建党一百年", "建军一百年", "一国两制",
]
_SET_PHRASE_RE = re.compile("|".join(sorted(map(re.escape, _SET_PHRASES), key=len, reverse=True)))
_ONE_PAIR_RE = re.compile(r"[^\W\d_]{0,2}?一")            # 一户一档, 一年一度: 一X一Y
_CN_ONLY_MULT = frozenset(CN_PLACES)
_ORDINAL_LIST = frozenset(_CN_CHARS + "0123456789、至到")      # 第二、三、七项 / 第五至七项
_ONE_DEICTIC = frozenset("有这那某同当哪每又上下")   # 总有一天, 这一年, 又一次, 上一年: not a count
# N年 is an amount of time only after a word that measures one (缩短2年, 为期3年, 期限5年);
# otherwise a period (过去五年, 近三年, 五年来, 今后5年, 极不平凡的五年)
_DURATION_CUE = re.compile(r"(?:缩短|延长|提前|为期|期限|时限|长达|历时|满|压缩|缩减|减少|增加|延至|延期)(?:了|到|至|为)?$")
# a Chinese numeral + 期/轮 is a phase (二期工程) unless it follows a verb (举办三期)
_PHASE_VERBS = frozenset("办开举共计达了训讲行展经过满")

# --------------------------------------------------------------------------- subjects

_STOP_CHARS = ",。;:、!?()\n\t[]【】|—–~～-"     # what ends a clause
_STOP = frozenset(_STOP_CHARS)


def _rev_alt(words, guards=None):
    """Alternation of ``words`` written backwards (for matching on a reversed string)."""
    guards = guards or {}
    return "|".join(w[::-1] + guards.get(w, "") for w in sorted(words, key=len, reverse=True))


# Subjects before the number are found on the REVERSED text, so that "the clause
# ending here", "strip these trailing words" and "the last 共/累计" are all anchored
# matches at the start of a string (one C call each instead of a scan).
# The clause back to the previous stop, keeping “quoted” and 《titled》 spans whole:
# also a short (…) (镇(园区)调委会)
_REV_CLAUSE_RE = re.compile(rf"(?:”[^“”\n]{{0,30}}“|》[^《》\n]{{0,60}}《|\)[^()\n,。;:]{{1,8}}\("
                            rf"|{char_class(_STOP_CHARS + '“”《》', negate=True)})*+")
# words that may stand between the counted phrase and the number: 率达|95%, 共|30件
_TRAIL_WORDS = ["分别为", "分别达到", "分别达", "均为", "均达到", "均达", "已达到", "已达", "达到了",
                "达到", "高达", "多达", "共计", "总计", "合计", "累计", "共有", "共", "约为", "约", "近",
                "逾", "超过", "超", "不少于", "不低于", "不超过", "不多于", "不到", "至少", "仅", "为",
                "达", "了", "至", "到", "由", "从", "增至", "降至", "分别", "均", "已", "有", "计", "在",
                "的", " ", "压缩至", "压缩到", "缩短至", "缩短到", "提高至", "提高到", "提升至", "提升到",
                "增加至", "增加到", "减少至", "减少到", "下降至", "下降到", "上升至", "上升到", "降低至",
                "降低到", "和", "及", "与", "或",
                # change and attainment verbs: 地区生产总值增长|6.5%, 突破|3万亿元, 同比增长|15%
                "增长", "下降", "提高", "降低", "减少", "增加", "上升", "缩短", "延长", "压缩", "突破", "迈上", "跨过", "跨越", "跃上",
                "跃升至", "跃居", "历史性", "首次", "首超", "同比", "环比", "比上年", "比上一年", "比上年同期", "较上年", "比去年", "较去年",
                "年均", "平均每年", "每年", "实际", "名义", "分别增长", "就",
                # how a change is measured, not what changed: 扣除物价因素|增长8%, 按可比价格计算|增长6%
                "扣除物价因素", "扣除价格因素", "扣除物价上涨因素", "扣除价格上涨因素", "剔除价格因素",
                "按可比价格计算", "按可比价计算", "按不变价格计算", "预计"]
_REV_TRAIL_RE = re.compile("(?:" + _rev_alt(_TRAIL_WORDS, {
    "为": "(?![行作认成因称视以])", "均": "(?![日人户年月])", "及": "(?![惠涉普波顾危])",
    "就": "(?![成造迁])"}) + ")+")
# words that open the counted phrase: 共移交区检察院涉刑案件30件 -> 移交区检察院涉刑案件
_REV_BOUNDARY_RE = re.compile(
    "(?:计共|有共|计累|计合|计总|共一|共总)|(?<![同享建治性识产担赢])共")
_LEAD_RE = re.compile(
    r"(?:(?:和(?![谐平美睦])|及(?![时早格])|与(?![会])|或(?![许者])|今年以来|年初至今|从年初至今|截至目前|截至[0-9]+年底|目前|今年|年内|全年|当年|(?:到|至|从|截至)[0-9]{4}年(?:底|末)?|"
    r"其中|此外|同时|另外|并且|并|已经|已|还|先后|分别|又|均|都|累计|共计|总计|合计|一共|共|"
    r"(?:[0-9]{4}|[〇○零一二三四五六七八九]{4})年(?:度|底|初|末)?(?:以来)?|[0-9]{1,2}月(?:份|底|初)?(?:以来)?|"
    r"[0-9]{1,2}\.|\(\w{1,2}\)|[一二三四五六七八九十]+是|\s)+)")
# where the head noun of a subject starts: after the last 等 (复康路等道路), or after the last
# 的 of a long phrase, with the four characters that modify it (及以区政府和部门为|共同被告的
# 行政诉讼案件, 国家财政用于|经济建设的经费)
_HEAD_RE = re.compile(r"^.*等(?![级次同奖])(?=[^\W\d_]{2})|^.{4,}(?=.{4}的[^\W\d_]{2})")
# a year inside a subject (比1954年的铺轨里数, 部门2018年查办…案件): what follows it is the subject
_INNER_YEAR_RE = re.compile(r"^.*?(?:比|较|从|由)?[0-9]{4}年(?:的|度|底|末|初|以来)?(?:查办|办理|共|累计|全年)?")
# X占Y的N%: the share of X
_SHARE_OF_RE = re.compile(r"^([^\W\d_]{2,}?)占(?!比)[^\W\d_]{2,}(?<!比例)(?<!比重)(?<!份额)$")
# 对 + whom, then what was done to them: the latter was counted
_TARGET_RE = re.compile(r"^对.{1,14}?(?:干部|人员|企业|单位|群众|对象|部门|机关|国家|地区)(?=[^\W\d_]{2})")
# in a long subject, what follows its last verb is what was counted (严格依法深度治理|工业企业)
_LONG_VERB_RE = re.compile(r"^.*(?:治理|整治|淘汰|出台|审议|实现|开展|查办|查处|组建|培育|引进|建成|新建|承办|审核|出具|"
                           r"提供|推出|发布|制定|修订|清理|选调|聘请|邀请|签订|纳入|通过|设立|建立|举办|召开|开通)(?=[^\W\d_]{2})")
# a year or a period at the end of a subject: 从2020年的, 五年, 近三年
_TRAIL_TIME_RE = re.compile(rf"(?:将|要)?(?:从|由|比|较|到|至|近|过去)?(?:[0-9]{{4}}|[{_CN_CHARS}]{{1,4}})年(?:来|间|的|底|末|初)?$")
_AFTER_END_RE = re.compile(char_class(_STOP_CHARS + "《") + r"|[\d\s]")
_AFTER_CUT_RE = re.compile(
    r"的|以上|以下|以内|左右|之|等(?![级次同])|进行|开展|使用|情况|参与|参加|列席|签订|提供|实现|"
    r"完成|获得|通过|纳入|配备|建立|设立|开通|受理|办理|接受|进驻|入驻|签约|投入|达到|覆盖|全部|"
    r"组建|予以|给予|作为|正在|得到|成为|涉及|包括|其中|分别|发现|提出|形成|负责(?!人)|报送|同比|存在|参照|获批|以及|"
    r"就业|增至|降至|增加|增长|减少|下降|上升|缩短|压缩|提高|提升|降低|入选|获评|荣获|分解|"
    r"今年|目前|全年|先后|全覆盖|全面|公示|逐一|整体|"
    r"均|都|已|被(?!告|申请|执行|诉|害|征)|并|在(?!建|校|职|编|岗|押|逃|线|用)|"
    r"对(?!象|接|口|外)|向|从(?!业|事)|于|共|累计")
_AFTER_LEAD_RE = re.compile(r"^(?:以上|以下|以内|左右|的|之|等|来)+")
_AFTER_RANGE_RE = re.compile(r"^(?:以上|以下|以内|左右)+")
_AFTER_PAREN_RE = re.compile(r"^[^\W\d_]{1,6}\([^()\n]{1,10}\)")
_AFTER_OF_RE = re.compile(r"^[^\W\d_]{2,8}?的(?=[^\W\d_]{3})")
_VERBISH = frozenset(["受理", "办结", "审结", "缩短", "压缩", "增加", "减少", "下降", "提高", "提升",
                      "增长", "降低", "上升", "增", "降", "减", "新增", "维持", "驳回", "撤销",
                      "保留", "废止", "修改", "明确", "明确了", "覆盖", "惠及", "涉及", "达", ""])
_CHANGE_VERBS = ("增加", "增长", "增至", "提高", "提升", "上升", "扩大", "减少", "下降", "降低", "降至", "缩短",
                 "缩小", "压缩")
_GAP_YEAR_RE = re.compile(r"[0-9]{4}年的?")        # 从2006年的18亿元增加到2010年的306亿元
_LINKERS = frozenset("、和及与或至到—–~～-")


def _strip_trailing(s: str) -> str:
    """``s`` without the linking words at its end (达到, 共, 为 …)."""
    rev = s[::-1]
    m = _REV_TRAIL_RE.match(rev)
    return rev[m.end():][::-1] if m else s


def _subject_before(text: str, start: int, floor: int) -> str:
    """Noun phrase ending at ``start``: back to the clause start (keeping whole
    《…》 and “…”) but not before ``floor``; cut after the last 共/累计; strip the
    linking words before the number (达, 为, 不少于 …) and leading adverbs."""
    lo = start - 40
    if lo < floor:
        lo = floor
    rev = text[lo:start][::-1]
    rev = rev[:_REV_CLAUSE_RE.match(rev).end()]
    m = _REV_TRAIL_RE.match(rev)
    if m:
        rev = rev[m.end():]
    m = _REV_BOUNDARY_RE.search(rev)
    if m and m.start() > 0:
        rev = rev[:m.start()]
    clause = rev[::-1]
    m = _LEAD_RE.match(clause)
    if m:
        clause = clause[m.end():]
    m = _TRAIL_TIME_RE.search(clause)
    if m:
        clause = _strip_trailing(clause[:m.start()])   # 人均地区生产总值从2020年 | 就业五年 (累计…) | 比1954年
    m = _INNER_YEAR_RE.search(clause)
    if m and len(clause) - m.end() >= 2:
        clause = clause[m.end():]                     # 市场监督管理部门2018年查办|一般程序行政处罚案件
    m = _SHARE_OF_RE.match(clause)
    if m:
        clause = m.group(1)                           # 案件受理总数|占年度总任务数(的130.37%)
    if len(clause) > 8:
        m = _LONG_VERB_RE.match(clause) or _TARGET_RE.match(clause)
        if m:
            clause = clause[m.end():]                 # 对县级以上领导干部|学法培训
    if " " in clause:
        clause = clause.replace(" ", "")
    m = _HEAD_RE.search(clause)
    if m:
        clause = clause[m.end():]                     # 复康路等|道路, …为共同被告的|行政诉讼案件
    return clause[-20:]


def _subject_after(text: str, end: int, raw: bool = False) -> str:
    """Noun phrase starting at ``end`` (7517台|执法记录设备使用情况 -> 执法记录设备)."""
    window = text[end:end + 24]
    if window[:1] in _LINKERS:
        return ""                                    # 30件和行政复议8件: the next item, not a subject
    window = _AFTER_LEAD_RE.sub("", window) if raw else _AFTER_RANGE_RE.sub("", window)   # 100个以上|项目
    paren = _AFTER_PAREN_RE.match(window)             # 25个省(自治区、直辖市)
    if paren:
        return paren.group()
    m = _AFTER_END_RE.search(window)
    if m:
        window = window[:m.start()]
    if not raw:
        m = _AFTER_OF_RE.match(window)
        if m:
            window = window[m.end():]                 # 9名新任职的|市政府部门行政负责人
        m = _AFTER_CUT_RE.search(window)
        if m:
            window = window[:m.start()]
    return window.replace(" ", "")[:12]


def _in_pair(text: str, start: int, end: int, open_: str, close: str, reach: int) -> bool:
    """True if [start, end) lies inside open_ ... close_ with both within ``reach``."""
    o = text.rfind(open_, max(0, start - reach), start)
    if o < 0 or text.rfind(close, o, start) >= 0:
        return False
    return text.find(close, end, end + reach) >= 0


# --------------------------------------------------------------------------- extraction

# an age is no amount (65岁以上老年人 names people), except a life expectancy's (人均预期寿命
# 达到78.6岁, 提高1岁): 寿命 in the clause just before it
_LIFE_AGE_RE = re.compile(r"寿命[^。；;，,：:！!？?\n]{0,10}?(?<![0-9.])([0-9]+(?:\.[0-9]+)?)岁(?!以上|以下|及以上)")


def _life_ages(text: str) -> list[tuple[int, int, float, str]]:
    return [(m.start(1), m.end(), float(m.group(1)), "岁") for m in _LIFE_AGE_RE.finditer(text)]


def _scan(text: str) -> list[tuple[int, int, float, str]]:
    """(start, end, value, unit) of every accepted figure, in order."""
    ages = _life_ages(text) if "寿命" in text else []
    out = _scan_amounts(text)
    if ages:
        out = sorted(out + ages)
    return out


def _scan_amounts(text: str) -> list[tuple[int, int, float, str]]:
    out = []
    n = len(text)
    for m in _FIGURE_RE.finditer(text):
        pct, ar, dec, amult, cn, cdec, approx, mult2, unit = m.groups()
        s, e = m.span()
        if ar is not None:
            ar = text[s] + ar
        elif cn is not None:
            cn = text[s] + cn
        if pct is not None:
            out.append((s, e, parse_chinese_decimal(pct), "%"))
            continue
        prev = text[s - 1] if s else ""
        nxt = text[e] if e < n else ""
        if ar is not None:
            digits = ar.replace(",", "") if "," in ar else ar
            if unit == "年" and len(digits) >= 4:
                continue                                             # calendar year
            value = float(digits + dec if dec else digits)
            if amult:
                value *= SCALES[amult]
            # digits inside 《titles》 or a short “quoted term” (“8类案件”) are names
            if _in_pair(text, s, e, "《", "》", 60) or _in_pair(text, s, e, "“", "”", 12):
                continue
        else:
            first = cn[0]
            if first in _CN_ONLY_MULT and first != "十" and not approx:
                continue                                             # 万人, 千年大计, 百优
            if len(cn) > 1 and not any(c in _CN_ONLY_MULT for c in cn):
                continue                                             # 二〇一七年, 一二审
            value = parse_chinese_decimal(cn + cdec if cdec else cn)   # 一点三倍 -> 1.3
            if cn == "一" and not approx and not cdec:
                if unit not in _ONE_OK_UNITS or prev in _ONE_DEICTIC \
                        or prev == "前" and text[s - 2:s] != "提前":
                    continue                                         # 一批 / 一个 / 总有一天 / 上一年
                if unit == "次" and nxt not in _STOP and "每" not in text[max(0, s - 8):s]:
                    continue                                         # 这是一次重要会议
                if text.rfind("一", max(0, s - 5), s) >= 0:
                    continue                                         # 一网一门一次
                if unit == "年" and (prev == "的" or nxt in _STOP or not nxt):
                    continue                                         # 不平凡的一年, 关键一年。
            if nxt and nxt not in _STOP and _ONE_PAIR_RE.match(text, e):
                continue                                             # 一户一档, 两个一百年
            if unit == "类" and (prev == "劣" or nxt in ("水", "河", "标")):
                continue                                             # 劣五类水: a grade
            if (unit == "期" or unit == "轮") and prev not in _PHASE_VERBS:
                continue                                             # 榆林化学二期, 二轮延包
            if unit == "次" and prev == "届":
                continue                                             # 十一届九次全会
            if _in_pair(text, s, e, "“", "”", 30) or _in_pair(text, s, e, "《", "》", 60) \
                    or _in_pair(text, s, e, "「", "」", 30):
                continue
            p = _SET_PHRASE_RE.search(text, s - 4 if s > 4 else 0, e + 4)
            while p is not None and p.start() < e:
                if p.end() > s:
                    break
                p = _SET_PHRASE_RE.search(text, p.end(), e + 4)
            if p is not None and p.start() < e:
                continue                                             # 三项制度, 最多跑一次
        # ordinals without 第 of their own: 第二、三、七项 / 第五至七项 / 前五位 / 十次全会
        if prev in ("、", "至", "到"):
            j = text.rfind("第", max(0, s - 12), s)
            if j >= 0 and all(c in _ORDINAL_LIST for c in text[j + 1:s]):
                continue
        elif prev == "前" and (unit == "位" or unit == "名"):
            continue
        if unit == "年" and not _DURATION_CUE.search(text, max(0, s - 4), s):
            continue                                                 # 过去五年, 近三年, 今后5年: a period
        if unit == "次" and (text.startswith("全会", e) or text.startswith("全体会议", e)
                            or text.startswith("会议", e) and "届" in text[max(0, s - 8):s]):
            continue
        if mult2:
            if cn is not None and "亿" in cn and not cdec and SCALES[mult2] < SCALES["亿"]:
                # 七亿七千多万吨: the scale after 多 is the remainder's (七千万), not the whole's
                at = cn.rindex("亿") + 1
                value = float(parse_chinese_number(cn[:at]) + (parse_chinese_number(cn[at:]) or 0) * SCALES[mult2])
            else:
                value *= SCALES[mult2]
        out.append((s, e, value, unit))
    if _PEOPLE_NOUN_RE.search(text):
        out = _people_without_unit(text, out)
    return out


# a number of people in 万 or 亿 with no unit, as reports count populations (农村贫困人口减少700万,
# 有3000万贫困人口解决了温饱, 再减少农村贫困人口1000万以上): the unit 人 is implied by the noun
_PEOPLE_NOUN_RE = re.compile(r"人口|农民工|劳动力|毕业生|职工|就业")
_PEOPLE_AFTER = r"(?:以上|左右)?(?:农村|城镇|城乡)?(?:贫困)?人口"
_PEOPLE_AFTER_RE = re.compile(_PEOPLE_AFTER)
# a number in 万/亿 that no unit follows (only 以上/左右, punctuation, the end, or 人口)
_BARE_SCALE_RE = re.compile(r"(?<![0-9.])(?<![0-9],)([0-9][0-9,]*(?:\.[0-9]+)?)[多余]?(万|亿)[多余]?"
                            rf"(?=以上|以下|左右|[^0-9A-Za-z\u4e00-\u9fff%‰]|$|{_PEOPLE_AFTER})")


def _people_without_unit(text: str, out: list) -> list:
    """``out`` with the numbers of people written without a unit after a word for people in
    their clause or before 人口 (see _BARE_SCALE_RE), as figures in 人."""
    taken = [(s, e) for s, e, _, _ in out]
    added = []
    for m in _BARE_SCALE_RE.finditer(text):
        s, e = m.span()
        if any(a < e and s < b for a, b in taken) or _in_pair(text, s, e, "《", "》", 60):
            continue
        lo = max(text.rfind(c, 0, s) for c in ",;:。") + 1
        if _PEOPLE_NOUN_RE.search(text, lo, s) or _PEOPLE_AFTER_RE.match(text, e):
            added.append((s, e, float(m.group(1).replace(",", "")) * SCALES[m.group(2)], "人"))
    return sorted(out + added) if added else out


_TIME_UNITS = frozenset(u.text for u in units_of(TIME))
# a sum of a rule followed by what it is: 处5000元以上2万元以下的罚款
_PENALTY_RE = re.compile(r"(?:以上|以下|以内|左右)?(?:[至到-]?[0-9.]+[万亿千百]*元(?:以上|以下)?)?的?"
                         r"(罚款|罚金|赔偿金|违约金|滞纳金|奖励|补助|补贴)")
# a percentage followed by the things it is a share of
_PERCENT_OF_RE = re.compile(r"(?:左右|以上|以下)?的?(?=[^\W\d_]{2})(?!的|左右|以上|以下|和|及|与|或|是|为|以|在|并|均|都|已|用于|来自)")
# a share named by a ratio word takes the subject of the figure before it
_SHARE_WORDS = frozenset(["占比", "比重", "占比重", "所占比重", "占全部", "占"])
_LIST_GAP_RE = re.compile(r"(?:左右|以上|以内|以下|多|余)?[、,和及与]{1,2}")
_CONJUNCTIONS = ("和", "及", "与")


def _list_items(text: str) -> list[str]:
    """The items of a list (A、B和C): split at 、 and at 和/及/与 where the segmenter reads them
    as words, not inside one (普及率, 参与率, 和谐)."""
    items = []
    for part in text.split("、"):
        cuts = [(start, end) for w, start, end, main in segment(part) if main and w in _CONJUNCTIONS]
        at = 0
        for start, end in cuts:
            items.append(part[at:start])
            at = end
        items.append(part[at:])
    return items


def _parallel_run(text: str, figures: list[Figure], first: int, run: list[Figure], respectively: bool) -> bool:
    """A run of figures that restates, in order, the things the figures just before it count
    (城镇居民人均可支配收入9422元，农村居民人均纯收入2936元，扣除价格因素，分别实际增长7.7%和6.8%;
    …分别达6.9万元、3.4万元，增长4.2%、5.3%): each takes its counterpart's subject. Only in one
    sentence, after figures of distinct subjects, and when 分别 says so or the run is of changes
    (percentages) after levels."""
    n = len(run)
    if first < n:
        return False
    before = figures[first - n:first]
    gap = text[before[0].start:run[0].start]
    subjects = [f.subject for f in before]
    if any(c in gap for c in "。;!?\n") or len(set(subjects)) < n or not all(len(x or "") >= 2 for x in subjects):
        return False
    lo = max(text.rfind(c, 0, run[0].start) for c in ",;:") + 1
    if any(x in text[lo:run[0].start] for x in subjects):
        return False                      # the run names its own subject
    changes = all(f.unit == "%" for f in run) and not any(f.unit == "%" for f in before)
    if not (respectively and text.find("分别", before[-1].end, run[0].start) >= 0 or changes):
        return False
    for f, x in zip(run, subjects):
        f.subject = x
    return True


def _respectively(text: str, figures: list[Figure]) -> None:
    """"A、B、C分别提升至95%、96%、93%": the i-th figure of a run after 分别 counts the
    i-th item of the list before it (each figure's subject is set in place)."""
    i = 0
    while i < len(figures):
        j = i
        while j + 1 < len(figures) and _LIST_GAP_RE.fullmatch(text, figures[j].end, figures[j + 1].start):
            j += 1
        run = figures[i:j + 1]
        first = i
        i = j + 1
        if len(run) < 2:
            continue
        at = text.rfind("分别", max(0, run[0].start - 8), run[0].start)
        if at >= 0 and _listed_before(text, at, run):
            continue
        # a comma may end the values (…分别下降5.6%和4%，74个重点城市…: the text's ， is , once
        # normalised): the run up to it, when the whole run is not the list's
        cut = next((k for k in range(1, len(run)) if "," in text[run[k - 1].end:run[k].start]), len(run))
        if at >= 0 and 2 <= cut < len(run) and _listed_before(text, at, run[:cut]):
            continue
        _parallel_run(text, figures, first, run, at >= 0)


def _listed_before(text: str, at: int, run: list[Figure]) -> bool:
    """The items of the list before 分别 (at ``at``) as the subjects of ``run``, in order;
    False when no such list is there."""
    lo = at
    while lo > 0 and text[lo - 1] not in ",。;:!?\n" and at - lo < 80:
        lo -= 1
    if lo > 0 and text[lo - 1] == "," and _LEAD_RE.fullmatch(text, lo, at):
        # 农村居民人均纯收入和城镇居民人均可支配收入，2000年分别达到…: the list is the clause before
        hi = lo - 1
        lo = hi
        while lo > 0 and text[lo - 1] not in ",。;:!?\n" and hi - lo < 80:
            lo -= 1
        at = hi
    items = [x[m.end():] if (m := _LEAD_RE.match(x)) else x for x in _list_items(text[lo:at])]
    items = _shared_head(items, len(run))
    if len(items) == len(run) and all(len(x) >= 2 for x in items):
        for f, item in zip(run, items):
            f.subject = _strip_trailing(item)
        return True
    return False


# a measure word ending a list's last item (原煤、原油、天然气产量分别增长…)
_MEASURE_END_RE = re.compile(r"(?:总产量|年产量|产量|排放总量|排放量|零售额|销售额|交易额|增加值|总产值|产值|营业收入|"
                             r"营收|收入|总额|投资额|面积|人数|里程|装机容量|装机|用量|消耗量|占比|比重|"
                             r"普及率|覆盖率|达标率|合格率|入学率|参保率|利用率|处理率|治理率)$")
# 城乡居民… with 分别 and two figures: the urban then the rural measure
_URBAN_RURAL = ("城乡", ("城镇", "农村"))


def ends_with_measure(subject: str) -> bool:
    """Whether a subject ends with a measure word (原煤产量, 二氧化硫排放量), as the items of a
    list with 分别 are written in full."""
    return bool(subject) and _MEASURE_END_RE.search(subject) is not None


def _word_starts_at(text: str, at: int) -> bool:
    """Whether ``text`` opens with a word of ``at`` characters and a word starts after it,
    sub-words counted (农村|居民人均…, of 农村居民; not 化学需氧|量)."""
    words = segment(text, subwords=True)
    return any(s == 0 and e == at for _, s, e, _ in words) and any(s == at for _, s, _, _ in words)


def _shared_head(items: list[str], n: int) -> list[str]:
    """The items of a list before 分别 written in full: the measure word of the last item that
    the others leave out (原煤、原油、天然气产量 → 原煤产量, 原油产量, …); modifiers sharing the last item's head
    (城镇、农村居民人均可支配收入 → 城镇居民人均可支配收入, 农村居民人均可支配收入; the modifiers
    as long as each other, at most 4 characters), and 城乡居民… before two figures (城镇居民…,
    农村居民…)."""
    if len(items) == 1 and n == 2 and items[0].startswith(_URBAN_RURAL[0]) and len(items[0]) > 3:
        rest = items[0][len(_URBAN_RURAL[0]):]
        return [m + rest for m in _URBAN_RURAL[1]]
    if len(items) >= 2 and len(items) == n:
        size = len(items[0])
        last = items[-1]
        if size <= 4 and all(len(x) == size for x in items[:-1]) and len(last) >= size + 2 \
                and not any(x in last for x in items[:-1]) and _word_starts_at(last, size):
            head = last[size:]
            return [x + head for x in items[:-1]] + [last]
        # the measure the last item names, that the others leave out (原煤、原油、天然气产量;
        # 新能源汽车、智能家电、智能手机零售额): each item's
        m = _MEASURE_END_RE.search(last)
        if m and m.start() >= 1 and not any(_MEASURE_END_RE.search(x) for x in items[:-1]) \
                and all(len(x) <= 6 for x in items[:-1]):
            return [x + m.group(0) for x in items[:-1]] + [last]
    return items


def count_figures(text: str) -> int:
    """How many figures ``text`` states: ``len(extract_figures(text))`` without the subjects."""
    return len(_scan(fold_traditional(text))) if text else 0


def extract_figures(text: str) -> list[Figure]:
    """Every quantity stated in ``text`` (normalised), in order of appearance.

    Traditional Chinese is read in its simplified form (3.5萬元 is 3.5万元, 50個 is 50个;
    folding keeps offsets), each figure's ``text`` and, where it is written in the
    passage, its ``subject`` as written.

    >>> [(f.value, f.unit, f.subject) for f in extract_figures("移交区检察院涉刑案件30件")]
    [(30.0, '件', '移交区检察院涉刑案件')]
    """
    if not text:
        return []
    folded = fold_traditional(text)
    if folded is text or folded == text:
        return _extract(text)
    figures = _extract(folded)
    for f in figures:
        f.text = text[f.start:f.end]
        if f.subject:
            # the subject as written: where the folded passage has it, nearest the figure
            lo = max(0, f.start - 60)
            at = folded.rfind(f.subject, lo, f.start)
            if at < 0:
                at = folded.find(f.subject, f.end, f.end + 60)
            if at >= 0:
                f.subject = text[at:at + len(f.subject)]
    return figures


def _extract(text: str) -> list[Figure]:
    figures: list[Figure] = []
    sources: list[str] = []
    prev_end = 0
    for s, e, value, unit in _scan(text):
        subject, source = "", ""
        implied = unit == "人" and text[e - 1] in "万亿多余"     # 700万 of people (see _people_without_unit)
        if implied and not _PEOPLE_AFTER_RE.match(text, e):
            pass                                       # what it counts is named before it
        elif unit in _CLASSIFIERS or len(unit) == 2 and unit[1] in _CLASSIFIERS and unit[0] == "个":
            subject = _subject_after(text, e)
            source = "after" if subject else ""
        elif unit in _TIME_UNITS and text.startswith("内", e) and e + 1 < len(text) and text[e + 1].isalpha():
            subject = _subject_after(text, e + 1, raw=True)   # 3个工作日内|发放进口配额许可证
            source = "after" if subject else ""
        elif unit == "元" and (m := _PENALTY_RE.match(text, e)):
            subject, source = m.group(1), "after"     # 处2万元以上10万元以下的|罚款
        elif unit == "%" and (m := _PERCENT_OF_RE.match(text, e)):
            subject = _subject_after(text, m.end())          # 70%(的)村卫生室, 百分之四十左右的主要工业产品
            source = "after" if subject else ""
        if not subject:
            subject = _subject_before(text, s, prev_end)
            source = "before"
            if subject in _VERBISH and figures and prev_end and \
                    all(c in _LINKERS or c in subject or c in "由从增降减缩提压至到" for c in text[prev_end:s]) \
                    and figures[-1].unit == unit and figures[-1].subject:
                subject, source = figures[-1].subject, "inherit"     # 由344个增至346个
            elif not subject:
                subject = _subject_after(text, e) or _subject_after(text, e, raw=True)
                if subject.startswith(_CHANGE_VERBS):
                    subject = ""          # 由1997年的5160元|增加到…: a verb, not what it counts
                source = "after" if subject else ""
                if not subject and figures and s - prev_end <= 12 and \
                        all(c in _STOP or c in _LINKERS
                            for c in _strip_trailing(_GAP_YEAR_RE.sub("", text[prev_end:s]))):
                    subject, source = figures[-1].subject, "inherit"  # 抽查3823次,57973户
        figures.append(Figure(value=value, unit=unit, text=text[s:e], subject=subject, start=s, end=e))
        sources.append(source)
        prev_end = e
    for k in range(1, len(figures)):
        if figures[k].subject in _SHARE_WORDS and figures[k - 1].subject and sources[k] == "before":
            figures[k].subject = figures[k - 1].subject + figures[k].subject     # 新能源装机 … 占比44.7%
    _respectively(text, figures)
    # lists sharing one noun: 18项、46项和50项改革任务 / 197家、2429家
    for k in range(len(figures) - 2, -1, -1):
        a, b = figures[k], figures[k + 1]
        gap = text[a.end:b.start]
        if gap and len(gap) <= 2 and all(c in _LINKERS for c in gap) and a.unit == b.unit \
                and sources[k + 1] == "after" and sources[k] != "after":
            a.subject, sources[k] = b.subject, "after"
    for k in range(1, len(figures)):
        a, b = figures[k - 1], figures[k]
        gap = text[a.end:b.start]
        if gap and len(gap) <= 2 and all(c in _LINKERS for c in gap) and a.unit == b.unit \
                and sources[k] == "before" and b.subject in _VERBISH:
            b.subject = a.subject
    return figures

