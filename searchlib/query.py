"""Query planning: turning a user's query and filters into a plan the scorer evaluates.

Plain queries (no operators) are read as *concepts* separated by spaces. Each
concept is analysed with the index's analyzer; a multi-token concept matches as
a phrase (bonus) or as all its tokens; synonyms of a concept are added as
phrases at a lower weight. Concepts are OR-ed: the search ranks the passages that
hold every concept first and keeps the others after them, marked with what they miss.
A question typed without spaces is split into its topics, a pasted sentence is one
concept, and years, regions and section-intent words (下一步, 短板) weigh the passages
about the topic rather than being matched as text. Words that ask for a quantity (数量, 多少, a bare unit such as 条 or
件) are not matched as text: they favour passages that state figures (in that
unit).

Queries with Whoosh syntax (ASCII quotes, AND/OR/NOT, parentheses around words, field:value) go
through Whoosh's parser with the same analyzer and field weights.

Plans are Whoosh query trees (a well-known, printable representation); they are
evaluated by scorer.py over the passage files, not by Whoosh's matchers.
"""
from __future__ import annotations

import datetime
import difflib
import re
from dataclasses import dataclass, field
from typing import Optional

from whoosh import query as wq
from whoosh.qparser import FieldAliasPlugin, MultifieldParser, PlusMinusPlugin

from .analysis import curated_words, dictionary_parts, segment
from .errors import QuerySyntaxError
from .metadata import LEVELS, NATIONAL_CODE, NATIONAL_NAME, region_table
from .models import DOC_TYPES, RULE_TYPES, SECTION_KINDS
from .normalize import normalize
from .ranking import DEFAULT_RANKING, RankingConfig
from .schema import (DOC_TYPE, HAS_FIGURES, ISSUER, KIND, LEVEL, POSITIONAL_FIELDS, PUBLISHED, QUERY_FIELD_ALIASES, REGION,
                     TEXT_FIELDS, TITLE, UNITS, YEAR, query_schema)
from .structure import classify_heading
from .vocabulary import (FUNCTION_WORDS, INTENT_WORDS, QUANTITY_UNITS, QUANTITY_WORDS, QUERY_UNITS, QUOTES, base_unit,
                         chinese_year, digit_years)

MAX_QUERY_CHARS = 500
MAX_CONCEPTS = 12
_FIELD_EXAMPLES = {"level": "行政法规", "issuer": "国务院", "region": "宁波", "year": "2018", "type": "annual_report", "kind": "plans",
                   "since": "2018-01", "until": "2019", "has_figures": "true"}
MAX_PHRASE_WORDS = 16     # a concept's phrase is checked on its first words at most
# what a rule's name ends with: 法 unless it is a verb's (普法, 执法, 司法, 依法 …), 条例, 办法 …
_RULE_SUFFIX = r"(?:(?<![普执司立守学用方做违合依说])法|条例|办法|规定|规则|细则|规章)"
# a query that asks for the rule itself: a title in 《》, a law's or regulation's name, an
# article number, or words that ask for the legal basis
RULE_INTENT = re.compile(rf"《[^》]+》|\S{{2,}}{_RULE_SUFFIX}(?:\s|$)"
                         r"|第[一二三四五六七八九十百零\d]+条|法律依据|法律规定|法定|依据")

# a query word that names a rule: 《…》, 行政处罚法, 政府信息公开条例, …办法 (not 普法, 执法, 立法 …)
RULE_NAME = re.compile(rf"《[^》]+》|\S+{_RULE_SUFFIX}")
# Whoosh syntax: quotes, parentheses, boolean operators, text-field prefixes
# Whoosh syntax comes from ASCII only: a double quote, an operator, a text-field prefix, or
# parentheses that group words (a space inside). Typed text stays text: full-width
# brackets and quotes (（修订）《》“”), and ASCII brackets around one word ((2023年修订)).
_ADVANCED = re.compile(r'"|(?:^|\s)(?:AND|OR|NOT|ANDNOT|ANDMAYBE)(?:\s|$)|\b(?:title|heading|body):'
                       r'|\([^()]*\s')
# full-width brackets, which NFKC turns into ASCII ones, are kept apart from the syntax
_TYPED_BRACKETS = str.maketrans({"（": "〔", "）": "〕", "﹙": "〔", "﹚": "〕"})
# in a plain query: field:value filters, -excluded, +required, word^boost
GWR = "government_work_report"
FILTER_FIELDS = ("region", "year", "type", "kind", "since", "until", "has_figures", "level", "issuer")
_FIELD = re.compile(r"^([A-Za-z_]+):(.*)$")
_FIELD_INSIDE = re.compile(r"[A-Za-z_]+:")     # a field name anywhere in a word (的title:…): never split it out
_FIELD_NAME = re.compile(r"(?:^|[\s(])([A-Za-z_]+):(?!//)")
_BOOST = re.compile(r"^(.+?)\^(\d+(?:\.\d+)?)$")
# the year of the plans a plans query asks for (县域经济 今年工作打算), which their sections seldom write
PLANNED_YEAR_WORDS = frozenset("今年 本年 年内 新的一年 来年".split())
# words that, next to a word naming a kind of section (下一步, 存在的问题), only make up its
# heading: 下一步 工作 打算 asks for plans, not for passages saying 工作 and 打算
HEADING_FILLER = frozenset("工作 打算 计划 安排 思路 设想 重点 主要 任务 目标 方向 措施 建议 对策 原因 情况 "
                           "存在 问题 不足 困难 差距 短板 和 及 与".split())
# a question typed as one word (2018年行政复议案件有多少, 哪些地区开展了两法衔接): what is not
# the topic. Question words at the end and at the start, a leading year, the particle after
# a leading region, a trailing quantity word, and 开展/情况-style filler around the topic.
_CJK = re.compile(r"[\u4e00-\u9fff]")
_Q_TAIL = re.compile(r"(?:的)?(?:具体)?(?:(?:达到了?|达|约为?|共计?|总计|合计|控制在|保持在|稳定在)?"
                     r"(?:有多少|是多少|多少)(?P<unit>(?:十万|百万|千万|万|亿)?(?:" + "|".join(sorted(map(re.escape, QUERY_UNITS), key=len, reverse=True))
                     + r"))?(?:以内|以上|以下|左右)?|有几[个件项次名家]?|几[个件项次名家]|有哪些|是哪些|"
                     r"如何|怎么样|怎样|是什么|什么|吗|呢|[?？])+$")
_SCALE_LEAD = re.compile(r"^(?:十万|百万|千万|万|亿)")
_Q_LEAD = re.compile(r"^(?:请问|请|查询|查找|搜索|我想知道)?(?:哪些|哪个|哪几个|哪里|什么)"
                     r"(?:地区|地方|城市|省份|省|市|县|区县|县区|部门|单位|报告|人员|人)?(?:有|在|的|都)?")
_Q_YEAR = re.compile(r"^((?:19|20)\d\d年度?|[一二][〇零○一二三四五六七八九]{3}年(?=.))(?:以来|的)?")
_Q_OF = re.compile(r"^(?:的|在|有)")
_Q_QUANTITY = re.compile(r"(?:的)?(?:数量|件数|人数|次数|总数|金额|资金|经费|面积|比例|占比|时限)$")
_Q_FILLER_LEAD = re.compile(r"^(?:(?:开展|推进|推行|实施|实行|进行|落实|建立|出台)了?|关于)")
_Q_FILLER_TAIL = re.compile(r"(?:的)?(?:工作)?(?:情况|开展情况|进展)$|的$")
# question words inside a question (农业税是哪一年全面取消的, 生态环境保护还有哪些短板,
# 跨省异地就医直接结算是怎样推进的): the question splits there into its topics
_Q_INNER = re.compile(r"(?:是否|有没有|能否|可否|(?:还|都)?(?:存在|有|是)?(?:哪些|哪一年|哪年|哪个|哪几个|哪里)"
                      r"|(?:是|要|该|应)?(?:怎样|怎么样|怎么|如何)|(?:是|为)?什么|为何|(?:是|有)?(?:多少|多长时间|多久|多长|多大|几[个件项次名家年天])|吗|呢|[?？])")
# a question that asks for the rule behind something, typed whole: 制定地方性法规的法律依据 →
# 制定地方性法规 + 法律依据 (the rule intent, as when typed apart)
_Q_RULE_ASK = re.compile(r"的(法律依据|法律规定|法规依据|依据)$")
# what is left around the question words: particles and modal verbs at a piece's ends
_Q_PIECE_LEAD = re.compile(r"^(?:的|了|在|是|都|还|有|要|对|应当|应该|需要|必须|可以|能够|能)+")
_Q_PIECE_TAIL = re.compile(r"(?:的|了|是|在|有|还|都|呢|吗)+$")
# a question about what the law says, in users' words (吃野生动物 违法吗, 醉驾 怎么处罚,
# 辞退员工 经济补偿 怎么算, 见义勇为 受伤 谁来补偿): the words that only ask go, and the
# query asks for the rules; 怎么处罚 keeps 处罚, which the provisions say
_LEGAL_ASK = re.compile(r"(?:是否|算不算|算)?(?:违法|合法|犯法|犯罪|侵权)(?:吗|么)$|是否(?:违法|合法|犯法|犯罪)"
                        r"|(?:怎么|怎样|如何)(?:算|计算|认定)|(?:怎么|怎样|如何)(?=处罚|罚|判|赔|补偿|追责)"
                        # 可以向哪里举报, 找哪个部门投诉: the authority a rule names (有权向…举报)
                        r"|(?:可以|能|应该|应当|要)?(?:向|去|找|到)(?:哪里|哪儿|哪个部门|什么部门|哪个单位)"
                        r"|判几年|谁来赔(?!偿)|(?<=..)怎么办$|谁来|谁负责|谁承担|能不能|可不可以|可以吗|允许吗|有权吗|需要吗|要不要"
                        # …公交公司要赔吗, 合同还算数吗, 遗嘱有效吗: whether a duty or a deed holds
                        r"|(?:要|该|得)?赔(?:吗|么|不赔)$|算数(?:吗|么)$|算不算数|有没有效|有效(?:吗|么)$")
# 一个月最多能加多少个小时, 利息最高多少, 最多不能超过多少: a limit a provision sets (a legal ask
# whose words stay: 超过 is what the provision says)
_LIMIT_ASK = re.compile(r"(?:最多|最少|最长|最高|最低)(?:能|可以|能够)?[^，,。；;]{0,4}(?:多少|几)")
_LIMIT_WORD = re.compile(r"最(?:多|少|长|高|低)")
# a question for a period (起诉期限 多长, 多少天内答复, 几年内缴足, 试用期 最长 多久): the
# figures of a time limit, and a question about the rules that set it
_PERIOD_ASK = re.compile(r"多长时间|多长|多久|(?:几|多少)(?:个工作日|个月|年|天|日)(?:内|以内)?")
# a word on its own that names what a provision states (环评未批先建 处罚, 商品房预售 条件):
# the query asks for the rules, unless it asks how many (处罚 案件 多少: what was reported)
LEGAL_CUES = frozenset("处罚 罚款 罚则 赔偿 补偿 期限 时效 条件 判刑 坐牢 刑罚 法律责任 违法 合法".split())
# a trailing quantity question on a short word (每月多少 → 每月 + 多少, 罚款几倍)
_HOW_MANY_TAIL = re.compile(r"(?<=..)(?:多少|几倍|多少倍)$")
_RATE = re.compile(r"每[年月周天日人户次件个]")
# a legal question asking for an amount, a period or a count (多少, 几年, 多久, 怎么算)
_ASKS_AMOUNT = re.compile(r"多少|几|多长|多久|算(?!数)")
_ASKS_HOW = re.compile(r"(?:请问)?(?:怎样|如何|怎么)")
# a word of a query that only asks how (怎么做, 如何办, 该怎么办): no topic of its own
_ONLY_ASKS = re.compile(r"(?:请问)?(?:应该|应当|该|要)?(?:怎样|如何|怎么|咋)(?:样)?(?:做|办|干|弄|搞|处理)?(?:呢|吗|啊|才好)?[?？]?")
_ASKING = re.compile(r"[吗呢么?？]$|可以|能不能|能否|是否|怎么|怎样|如何|多少|哪些|多长|什么|几|谁")
# a question typed as a sentence: what the words between its content say (pronouns, modal
# verbs, negations, particles, vague nouns), and the length from which one is split there
SENTENCE_STOPS = frozenset("我 你 他 她 它 我们 你们 他们 别人 人家 自己 对方 能 能够 可以 可不可以 能不能 会 想 想要 要 "
                           "应该 应当 需要 必须 得 不 没 没有 别 跟 给 对 把 被 让 向 从 就 都 还 也 又 再 这 那 "
                           "这个 那个 这种 那种 什么 怎么 怎样 如何 为什么 多少 几 哪些 哪个 最高 最多 最少 最长 东西 "
                           "了 吗 呢 吧 啊 呀 么 过 着 一下 一些 是不是 有没有 才 才能 才可以 去 来 一般 按 "
                           # people named in a question as its pronouns are (借钱给朋友, 老百姓告政府):
                           # the provisions say 出借人, 公民
                           "老百姓 朋友 亲戚".split())
CHUNK_MIN = 9
_STOP_CHARS = frozenset(w for w in SENTENCE_STOPS if len(w) == 1)   # 会被 (判几年) is no piece
# a question that asks about the law in a sentence (…能要双倍工资吗, …受法律保护)
_LEGAL_SENTENCE = re.compile(r"受法律保护|(?:能|可以|能不能|可不可以|有权)[^，,。？?]{1,14}(?:吗|么)$")
# question particles at the end of a short word (违法吗 → 违法)
_PARTICLE_TAIL = re.compile(r"(?<=..)[吗呢吧么]$")
# verbs too general to be a question's topic on their own (…是怎样推进的, 应当符合哪些条件)
GENERIC_VERBS = frozenset("推进 推动 开展 实施 落实 进行 加强 做好 完成 取得 实现 符合 解决 规定 处理 发展 "
                          "建设 执行 办理 提出 采取 规范".split())
# words that ask for the rule itself and are matched by the documents that are rules
RULE_WORDS = frozenset("法律依据 法规依据 法定依据 法律规定 法律条文 法条 法律条款".split())
# a year as a query word: 2018, 2018年, 2018年度
YEAR_WORD = re.compile(r"((?:19|20)\d\d)(?:年度?)?")


_GENERIC_EDGE = re.compile(rf"^(?:{'|'.join(sorted(GENERIC_VERBS, key=len, reverse=True))})(?:了)?"
                           rf"|(?:{'|'.join(sorted(GENERIC_VERBS, key=len, reverse=True))})(?:了)?$")


_SENTENCE_PUNCT = re.compile(r"[。，；：！,;:!]")
PASTE_CHARS = 20          # a query word this long with sentence punctuation is a pasted sentence
PASTE_WORDS = 12          # a concept of more words is matched by its rarest ones (and as a phrase)
_SPACE_IN_PASTE = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")


def is_pasted(word: str) -> bool:
    """Whether a query word is text copied from a passage (a sentence or more: long, with
    sentence punctuation) rather than a question or a name: a question typed with commas
    (物业公司因为我没交物业费就给我家停水停电，这合法吗) asks in its last clause."""
    if len(word) < PASTE_CHARS or not _SENTENCE_PUNCT.search(word):
        return False
    if word.rstrip()[-1:] in "?？":
        return False
    last = [c for c in _CLAUSES.split(word) if c.strip()]
    return not (last and _TYPED_ASK.search(last[-1].strip()))


# where a typed question's clauses part (…停水停电，这合法吗; a question mark stays with its clause)
_CLAUSES = re.compile(r"[。，；：！,;:!、]")
# how a typed question's last clause asks, as official texts never do (they say 可以, 如何,
# 什么, 几 in their own sentences: 可以向行政机关提出行政复议申请)
_TYPED_ASK = re.compile(r"[吗呢么]$|多少|能不能|可不可以|要不要|怎么办|怎么样|怎么算|有没有|是不是|算不算")


def content_chunks(piece: str) -> list[str]:
    """A question typed as a sentence (公司不跟我签劳动合同能要双倍工资, 网上买的东西不想要了可以七天
    无理由退货) as its runs of content words: the pronouns, modal verbs, negations and particles
    between them go (公司, 签劳动合同, 双倍工资). A piece without such words is returned whole."""
    if len(piece) < 4 or is_pasted(piece):
        return [piece]
    chunks, run = [], []
    for token in analyse_query_text(piece):
        if token in SENTENCE_STOPS:
            chunks.append("".join(run))
            run = []
        else:
            run.append(token)
    chunks.append("".join(run))
    chunks = [c.strip("的") for c in chunks]
    chunks = [c for c in chunks if len(c) >= 2 and c not in GENERIC_VERBS]
    return chunks if len(chunks) > 1 or (chunks and chunks[0] != piece) else [piece]


ACTION_VERBS = frozenset("推进 推动 开展 实施 落实 加强 做好 治理 改善 提高 提升 促进 保障 加快 深化 完善 健全 优化 "
                         "强化 扩大 降低 减少 减轻 支持 鼓励 防范 化解 打击 整治 保护 培育 构建 打造 建立 稳定 增加".split())
# what a verb before it names (生育支持政策, 社会保障体系): a modifier of that noun, not an action
_MODIFIED_HEADS = frozenset("政策 体系 机制 制度 措施 能力 水平 力度 工作 服务 资金 平台 项目".split())


def _action_pieces(piece: str) -> list[str]:
    """A question's piece of several actions typed together (治理大气污染改善空气质量), as
    their objects (大气污染, 空气质量); the piece itself when it holds one action or none."""
    runs: list[list[int]] = []       # [start, end] of each run of action verbs (防范化解: one action)
    for w, start, end, main in segment(piece):
        if main and w in ACTION_VERBS:
            if runs and runs[-1][1] == start:
                runs[-1][1] = end
            else:
                runs.append([start, end])
    # (完善生育支持政策: 支持 modifies 政策, one action)
    runs = [r for k, r in enumerate(runs) if k == 0 or piece[r[1]:] not in _MODIFIED_HEADS]
    if len(runs) < 2 or runs[0][0] != 0:
        return [piece]
    objects = [piece[end:nxt] for (_, end), nxt in zip(runs, [r[0] for r in runs[1:]] + [len(piece)])]
    return objects if all(len(o) >= 2 for o in objects) else [piece]


_JOINED = re.compile(r"(?<=[^\W\d_]{4})(?:和|与|以及|及)(?=[^\W\d_]{4})")


def _joined_pieces(piece: str) -> list[str]:
    """A question's piece of two topics joined by 和/与/及 (文物保护和历史文化遗产传承), as
    the two topics, when each is four characters or more (秸秆综合利用和禁烧 stays one: 禁烧
    is the first's, 秸秆禁烧) and the join is a word boundary."""
    m = _JOINED.search(piece)
    if m is None:
        return [piece]
    words = [(start, end) for _, start, end, main in segment(piece) if main]
    if m.start() not in {end for _, end in words} or m.end() not in {start for start, _ in words}:
        return [piece]
    return [piece[:m.start()], piece[m.end():]]


def _without_generic_verbs(piece: str) -> str:
    """A question's piece without a general verb at its ends (推进信访工作法治化 → 信访工作法治化;
    国企改革深化提升行动取得 → 国企改革深化提升行动), when at least two characters remain."""
    rest = _GENERIC_EDGE.sub("", piece)
    rest = _GENERIC_EDGE.sub("", rest) if len(rest) >= 2 else rest
    return rest if len(rest) >= 2 else piece


class Near(wq.Phrase):
    """All of ``words`` within ``window`` positions of one another, in any order (a
    multi-word concept whose words are scattered across a long passage is a weaker match)."""

    def __init__(self, fieldname, words, window=8, boost=1.0):
        super().__init__(fieldname, words, slop=window, boost=boost)
        self.window = window

    def __repr__(self):
        return f"Near({self.fieldname!r}, {self.words!r}, window={self.window}, boost={self.boost})"

    def __str__(self):
        return f"{self.fieldname}:near{self.window}({' '.join(self.words)})"


class NamedTitle(wq.And):
    """The reports whose title is the rule ``name`` itself: 行政复议法 matches 中华人民共和国
    行政复议法 (and an edition of it, (2017修正)), not 行政复议法实施条例. Evaluated like the
    conjunction of the name's words on the title field, then kept where the title is the
    name; every passage of such a report matches, scored as a saturated mention of the name."""

    def __init__(self, name: str, words: list[str], boost: float = 1.0):
        super().__init__([wq.Term(TITLE, w) for w in words], boost=boost)
        self.name = name

    def __repr__(self):
        return f"NamedTitle({self.name!r}, boost={self.boost})"

    def __str__(self):
        return f"title:={self.name}"


_TITLE_PREFIX = re.compile(r"^(?:中华人民共和国|中华人民共和国国务院)")
_TITLE_EDITION = re.compile(r"[(（][^()（）]{0,20}[)）]$")


def titled(title: str, name: str) -> bool:
    """Whether ``title`` is the rule ``name`` itself (after 中华人民共和国 and an edition
    note such as (2017修正)): 中华人民共和国行政复议法 is 行政复议法; 行政复议法实施条例 is not."""
    t = _TITLE_EDITION.sub("", normalize(title or "").replace(" ", ""))
    name = normalize(name).strip("《》 ")
    return bool(name) and (t == name or _TITLE_PREFIX.sub("", t) == name or t.endswith("》" + name))


def _real_date(v: str) -> bool:
    """2018, 2018-06 and 2018-06-30 are dates; 2017-13 and 2017-02-30 are not."""
    parts = [int(x) for x in v.split("-")]
    try:
        datetime.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def _suggest(name: str) -> str:
    """'; did you mean …' with the closest region names, or a hint."""
    table = region_table()
    close = difflib.get_close_matches(name, list(table.full) + list(table.short), n=4, cutoff=0.5)
    if close:
        return f"; did you mean {', '.join(dict.fromkeys(close))}?"
    return " (a province, city or county name such as 浙江, 宁波, 北仑, or a GB/T 2260 code such as 330206)"


# the filters that take several values: OR within one of them, AND across them
MULTI_FILTERS = ("region", "year", "type", "kind", "level", "issuer")


def filter_values(value) -> tuple:
    """The values of a filter as a tuple: () for none, one for a scalar, each of a list."""
    if value is None or value == "":
        return ()
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(value)
    return (value,)


@dataclass
class Filters:
    """Report and passage filters. region, year, type, kind, level and issuer take one value
    or several (a list: 浙江 or 江苏, 2018 or 2019); several values of one filter are OR-ed,
    different filters AND-ed. After ``validate`` a filter given once holds that value, one
    given several times a tuple of its distinct values."""
    region: Optional[object] = None
    year: Optional[object] = None
    type: Optional[object] = None
    kind: Optional[object] = None
    since: Optional[str] = None
    until: Optional[str] = None
    has_figures: bool = False
    level: Optional[object] = None   # a law's or regulation's 效力级别 (法律, 行政法规, 地方性法规 …)
    issuer: Optional[object] = None  # the body that adopted it (国务院, 全国人民代表大会常务委员会 …)
    not_types: tuple = ()         # document types left out (answer tables leave out rules)

    @classmethod
    def from_dict(cls, d: Optional[dict]) -> "Filters":
        d = dict(d or {})
        unknown = set(d) - set(FILTER_FIELDS)
        if unknown:
            raise QuerySyntaxError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        f = cls(**d)
        f.validate()
        return f

    def values(self, name: str) -> tuple:
        """The values of filter ``name`` (a tuple, () when it is not given)."""
        return filter_values(getattr(self, name))

    def without(self, name: str) -> "Filters":
        """These filters less ``name`` (a facet's counts without its own filter)."""
        values = {k: getattr(self, k) for k in FILTER_FIELDS}
        values[name] = False if name == "has_figures" else None
        return Filters(**values, not_types=self.not_types)

    def validate(self) -> None:
        for name in MULTI_FILTERS:
            raw = getattr(self, name)
            if isinstance(raw, (list, tuple, set, frozenset)):
                checked = [self._checked(name, v) for v in raw]
                checked = list(dict.fromkeys(v for v in checked if v is not None))
                setattr(self, name, None if not checked else checked[0] if len(checked) == 1 else tuple(checked))
            else:
                setattr(self, name, self._checked(name, raw))
        for name in ("since", "until"):
            v = getattr(self, name)
            if v is not None:
                v = str(v)
                if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", v) or not _real_date(v):
                    raise QuerySyntaxError(f"--{name} must be a date like 2018, 2018-06 or 2018-06-30, not {v!r}")
                setattr(self, name, v)
        if self.since and self.until and self.since > self.until:
            raise QuerySyntaxError(f"--since {self.since} is after --until {self.until}")

    @staticmethod
    def _checked(name: str, value):
        """One value of a multi-value filter, checked (None: not given)."""
        if value is None:
            return None
        if name == "year":
            try:
                year = int(value)
            except (TypeError, ValueError, OverflowError):
                raise QuerySyntaxError(f"year must be a number, not {value!r}") from None
            if not 1000 <= year <= 9999:
                raise QuerySyntaxError(f"year must be a year like 2018, not {year}")
            return year
        if name == "region":
            region = str(value).strip()
            if not region:
                raise QuerySyntaxError("region is empty")
            if not region_table().codes_for(region):
                raise QuerySyntaxError(f"unknown region {region!r}" + _suggest(region))
            return region
        if value == "":
            return None
        if name == "level" and value not in LEVELS:
            raise QuerySyntaxError(f"unknown level {value!r} (one of: {', '.join(LEVELS)})")
        if name == "kind" and value not in SECTION_KINDS:
            raise QuerySyntaxError(f"unknown section kind {value!r} (one of: {', '.join(SECTION_KINDS)})")
        if name == "type" and value not in DOC_TYPES:
            raise QuerySyntaxError(f"unknown document type {value!r} (one of: {', '.join(DOC_TYPES)})")
        return value

    def merged(self, written: dict) -> "Filters":
        """These filters and those written in the query (region:宁波 …); a filter given
        both ways with different values is an error, but one of a filter's several values
        written in the query narrows it to that value."""
        values = {k: getattr(self, k) for k in FILTER_FIELDS}
        for name, value in written.items():
            given = values.get(name)
            if isinstance(given, tuple):
                if str(value) not in {str(v) for v in given}:
                    raise QuerySyntaxError(f"{name}:{value} in the query disagrees with the {name} filter "
                                           f"{','.join(str(v) for v in given)!r}")
            elif given not in (None, False) and str(given) != str(value):
                raise QuerySyntaxError(f"{name}:{value} in the query disagrees with the {name} filter {given!r}")
            values[name] = value
        merged = Filters(**values, not_types=self.not_types)
        merged.validate()
        return merged

    def report_query(self) -> Optional[wq.Query]:
        """The Whoosh query on report records for the report-level filters (region, year,
        type, published), or None when they restrict nothing; NullQuery when no report
        can pass (an unknown region)."""
        parts = []
        if self.region:
            codes = [c for r in self.values("region") for c in region_table().codes_for(r)]
            if not codes:
                return wq.NullQuery
            parts.append(wq.Or([wq.Term(REGION, c) for c in dict.fromkeys(codes)]))
        for name, field_ in (("year", YEAR), ("type", DOC_TYPE), ("level", LEVEL), ("issuer", ISSUER)):
            given = self.values(name)
            if given:
                terms = [wq.Term(field_, str(v)) for v in given]
                parts.append(terms[0] if len(terms) == 1 else wq.Or(terms))
        if self.not_types:
            parts.append(wq.Not(wq.Or([wq.Term(DOC_TYPE, t) for t in self.not_types])))
        if self.since or self.until:
            lo = self.since or None
            hi = (self.until + "-99") if self.until and len(self.until) < 10 else self.until
            parts.append(wq.TermRange(PUBLISHED, lo, hi))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def restricts(self) -> bool:
        """Whether any filter is given (a search without words browses by them)."""
        return any(getattr(self, k) not in (None, False, "", ()) for k in FILTER_FIELDS)

    def passage_query(self) -> Optional[wq.Query]:
        """The passage-level filters (section kind, has figures) as a query, or None."""
        parts = []
        kinds = self.values("kind")
        if kinds:
            terms = [wq.Term(KIND, k) for k in kinds]
            parts.append(terms[0] if len(terms) == 1 else wq.Or(terms))
        if self.has_figures:
            parts.append(wq.Term(HAS_FIGURES, True))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)


def _truth(value: str) -> bool:
    """has_figures:true / false (1/0, yes/no, y/n); anything else is an error, not false."""
    v = value.lower()
    if v in ("true", "1", "yes", "y"):
        return True
    if v in ("false", "0", "no", "n"):
        return False
    raise QuerySyntaxError(f"has_figures: must be true or false, not {value!r}")


def written_filters(text: str) -> Optional[dict]:
    """The filters of a query that is nothing else (``region:宁波 year:2020``, or no words
    at all: {}); None when the query has words to search for."""
    text = normalize((text or "").translate(_TYPED_BRACKETS)).strip()
    out: dict = {}
    for word in text.split():
        m = _FIELD.match(word)
        if not m or m.group(1).lower() not in FILTER_FIELDS or not m.group(2):
            return None
        name, value = m.group(1).lower(), m.group(2)
        value = _truth(value) if name == "has_figures" else value
        if name in out and out[name] != value:
            raise QuerySyntaxError(f"{name}: is given twice in the query")
        out[name] = value
    return out


@dataclass
class QueryPlan:
    """What a query string became: the Whoosh query and what it asks for."""
    text: str
    query: wq.Query
    concepts: list[str] = field(default_factory=list)
    expansions: dict = field(default_factory=dict)     # concept -> [synonyms used]
    related: set = field(default_factory=set)          # expansions that are related concepts (a => b^0.5)
    forms: dict = field(default_factory=dict)          # concept -> [(form, its tokens)]: itself and what it
                                                       # expanded to, analysed once when planned
    wants_figures: bool = False
    units: list[str] = field(default_factory=list)
    kind_intent: Optional[str] = None    # the query names a kind of section (存在的问题和不足 → problems)
    rule_intent: bool = False            # the query asks for a rule itself (《…法》, 条例, 第…条, 法律依据)
    legal_ask: bool = False              # ... in users' words (违法吗, 怎么处罚, 多久): even when it asks how many
    names_rule_cue: bool = False         # a word that names what a provision states (处罚, 条件, 期限 …)
    pasted: bool = False                 # a concept is a pasted sentence or paragraph
    asks_provision: bool = False         # a question for what a provision says, not how much: whether or who
                                         # (…违法吗, 谁来赔, 能不能…), or of a law it names (行政处罚法 听证 条件)
    asks_how: bool = False               # a question asking how (怎样…, 如何…, 怎么…): for the measures
    advanced: bool = False
    concept_queries: list = field(default_factory=list)   # one query per concept (for coordination)
    intent_concepts: list = field(default_factory=list)  # concepts matched by the section kind (下一步)
    regions: dict = field(default_factory=dict)           # region concept (浙江) -> its code: reports
                                                          # of the region, or passages naming it
    years: dict = field(default_factory=dict)             # year concept (2018年) -> the year it names:
                                                          # documents covering it, or passages naming it
    coordination: Optional[float] = None  # ranking.coordination_power the plan was made with
    concept_names: list = field(default_factory=list)     # the concept of each of concept_queries
    partial_concepts: set = field(default_factory=set)    # concepts also matched by a part alone (事项 of 证明事项)
    named_rules: list = field(default_factory=list)       # NamedTitle of each rule the query names (行政复议法)
    filters: dict = field(default_factory=dict)           # field:value filters written in the query

    def highlight_terms(self) -> tuple[set[str], set[str]]:
        """(phrases, words) to show in a snippet: the concepts and synonyms as written,
        and the single words the user typed. Words of a synonym expansion are not shown
        on their own (行政执法 from 行政执法与刑事司法衔接 would light up everywhere)."""
        if self.advanced:
            words = {t for f, t in self.query.iter_all_terms() if f in TEXT_FIELDS and isinstance(t, str)}
            return set(), words
        strip = str.maketrans("", "", QUOTES)
        # an intent word (下一步, 法律依据) is matched by the kind of passage, not in its text
        shown = [c for c in self.concepts if c not in self.intent_concepts]
        phrases = {c.translate(strip).lower() for c in shown}
        for alts in self.expansions.values():
            # a related concept is searched, not shown as if it were what the user typed
            phrases.update(a.translate(strip).lower() for a in alts if a not in self.related)
        # the words of a concept on their own, but not single characters (一 of 一网通办)
        words = {t for c in shown for t in analyse_query_text(c) if len(t) > 1}
        return phrases, words

    @property
    def rule_concepts(self) -> list[str]:
        """The intent words that ask for the rule (法律依据): matched by laws and regulations."""
        return [c for c in self.intent_concepts if c in RULE_WORDS]

    def alternatives(self) -> list[list[tuple[str, list[str]]]]:
        """Per concept: its alternatives (the concept, its synonyms and related concepts),
        each as (text as written, lower-cased; its tokens), for finding the concept in
        text (``mentions``). A Whoosh-syntax query: each of its words on its own."""
        if self.advanced:
            _, words = self.highlight_terms()
            return [[(w, [w]) for w in sorted(words)]] if words else []
        return [self.alternatives_of(c) for c in self.subject_concepts()]

    def weighs_only(self, concept: str) -> bool:
        """Whether ``concept`` is a year, a region or an intent word (下一步, 法律依据): it
        weighs the passages about the query's other words, it is not a topic that a passage
        or a figure has to name."""
        return concept in self.years or concept in self.regions or concept in self.intent_concepts

    def subject_concepts(self) -> list[str]:
        """The concepts a passage or a figure has to name (not the words that only weigh)."""
        return [c for c in self.concepts if c in self.forms and not self.weighs_only(c)]

    def alternatives_of(self, concept: str) -> list[tuple[str, list[str]]]:
        """One concept's alternatives, as in :meth:`alternatives`."""
        strip = str.maketrans("", "", QUOTES)
        return [(normalize(a).translate(strip).lower(), tokens) for a, tokens in self.forms.get(concept, [])]

    def whole_parts(self, concept: str) -> list[list]:
        """How a passage holds ``concept`` whole rather than by a part of it (证明事项, not 事项
        alone): per whole form, the queries of its words, all of which it must have (a piece
        of an unknown compound as its characters in order); [] when the concept has no forms
        or its query matches no part alone (every match holds it)."""
        forms = self.whole_forms(concept)
        if not forms or concept not in self.partial_concepts:
            return []
        def word(t) -> wq.Query:
            if isinstance(t, tuple):
                return wq.Phrase(POSITIONAL_FIELDS[0], list(t), slop=1)
            return wq.Or([wq.Term(f, t) for f in TEXT_FIELDS])
        return [[word(t) for t in dict.fromkeys(content_pieces(tokens))] for tokens in forms]

    def whole_forms(self, concept: str) -> list[list[str]]:
        """The tokens of each whole form of ``concept`` (itself, its synonyms and related
        concepts; not the parts a rare compound is relaxed to), [] when it has none (a year,
        an intent word, a Whoosh-syntax query)."""
        if self.weighs_only(concept):
            return []
        return [tokens for _, tokens in self.forms.get(concept, []) if tokens]

    def role(self, concept: str) -> str:
        """What a concept of the query is: a ``year`` or a ``region`` (its reports, or passages
        naming it), an ``intent`` (a section kind, or ``rule``: the laws and regulations),
        or a ``topic`` (its text)."""
        if concept in self.years:
            return "year"
        if concept in self.regions:
            return "region"
        if concept in self.intent_concepts:
            return "rule" if concept in RULE_WORDS else "intent"
        return "topic"

    def read_as(self) -> dict:
        """How the query was read, as data (``SearchResult.read_as``): its concepts with their
        role and forms, the filters written in it, the section kind and quantity it asks for."""
        if self.advanced:
            return {"syntax": True, "query": str(self.query), "filters": dict(self.filters)}
        concepts = []
        for c in self.concepts:
            item = {"text": c, "role": self.role(c)}
            if item["role"] == "year":
                item["year"] = self.years[c]
            elif item["role"] == "region":
                item["region_code"] = self.regions[c]
            elif item["role"] == "intent":
                item["kind"] = self.kind_intent
            alts = self.expansions.get(c) or []
            item["synonyms"] = [a for a in alts if a not in self.related]
            item["related"] = [a for a in alts if a in self.related]
            concepts.append(item)
        return {"syntax": False, "concepts": concepts, "filters": dict(self.filters),
                "section_kind": self.kind_intent, "rule": self.rule_intent,
                "quantity": self.wants_figures, "units": list(self.units)}

    def reading(self) -> str:
        """The query as it was searched, on one line: 两法衔接 (= 行政执法与刑事司法衔接 | 行刑衔接)
        + 2018年 (year) + 下一步 (plans sections)."""
        if self.advanced:
            return str(self.query)
        parts = []
        for c in self.concepts:
            role = self.role(c)
            if role == "year":
                parts.append(f"{c} (year {self.years[c]})")
            elif role == "region":
                parts.append(f"{c} (region {self.regions[c]})")
            elif role == "rule":
                parts.append(f"{c} (laws and regulations)")
            elif role == "intent":
                parts.append(f"{c} ({self.kind_intent} sections)")
            else:
                alts = self.expansions.get(c)
                parts.append(c + (" (= " + " | ".join(a + ("~" if a in self.related else "") for a in alts) + ")"
                                  if alts else ""))
        line = " + ".join(parts)
        if self.kind_intent and not self.intent_concepts:
            line += f" [{self.kind_intent} sections rank higher]"
        if self.wants_figures:
            line += " [figures" + (f" in {', '.join(self.units)}" if self.units else "") + "]"
        if self.filters:
            line += " " + " ".join(f"{k}:{v}" for k, v in self.filters.items())
        return line or self.text

    def describe(self) -> str:
        lines = [f"query: {self.text}"]
        if self.advanced:
            lines.append("  parsed with Whoosh syntax")
        for c in self.concepts:
            if c in self.intent_concepts and c in RULE_WORDS:
                lines.append(f"  concept {c}: matched by laws and regulations, not as text")
                continue
            if c in self.intent_concepts:
                lines.append(f"  concept {c}: matched by {self.kind_intent} sections, not as text")
                continue
            if c in self.years:
                also = f", the review in {self.years[c] + 1}'s 政府工作报告" if self.wants_figures else ""
                lines.append(f"  concept {c}: reports covering {self.years[c]}{also}, or passages naming it")
                continue
            if c in self.regions:
                lines.append(f"  concept {c}: reports of region {self.regions[c]}, or passages naming it")
                continue
            syn = self.expansions.get(c)
            shown = [a + " (related)" if a in self.related else a for a in syn or ()]
            lines.append(f"  concept {c}" + (f"  →  {' | '.join(shown)}" if shown else ""))
        if self.kind_intent and not self.intent_concepts:
            lines.append(f"  names a section kind: {self.kind_intent} passages match and rank higher")
        if self.rule_intent:
            lines.append("  asks for a rule: laws and regulations are not ranked below reports")
        if len(self.concept_queries) > 1:
            lines.append("  passages with every concept first; then those missing one, marked with what they miss"
                         + (f", scored × (share of the concepts they have, each weighed by its rarity) ^ {self.coordination:g}"
                            if self.coordination is not None else ""))
        if self.wants_figures:
            lines.append("  asks for a quantity: passages with figures"
                         + (f" in {', '.join(self.units)}" if self.units else "") + " rank higher")
        lines.append(f"  whoosh: {self.query}")
        return "\n".join(lines)


_INTENT_LEAD = re.compile(r"^(?:还)?(?:存在|面临)(?:的)?|^(?:主要|突出)的")


def _section_tail(text: str) -> Optional[int]:
    """Where the words naming a kind of section start at the end of a question typed
    without spaces (科技创新|存在的短板和差距, 法治政府建设|下一步工作打算), after a topic of two
    characters or more; None when there are none. The tail must open with such a word
    (下一步, 存在的, 短板), not merely contain one."""
    if len(text) < 4 or _INTENT_LEAD.match(text) or any(text.startswith(w) for w in INTENT_WORDS):
        return None      # all of it names the kind (存在的问题和不足)
    for _, start, _, main in segment(text):
        if not main or start < 2:
            continue
        tail = text[start:]
        opening = _INTENT_LEAD.sub("", tail)
        if (opening != tail or any(opening.startswith(w) for w in INTENT_WORDS)) and intent_of(tail):
            return start
    return None


def intent_of(word: str) -> Optional[str]:
    """The section kind a query word asks for on its own (短板, 存在的薄弱环节 → problems;
    明年, 重点任务 → plans; a heading's words such as 存在的问题 too), or None."""
    return (INTENT_WORDS.get(word) or INTENT_WORDS.get(_INTENT_LEAD.sub("", word))
            or classify_heading(word))


def mentions(text: str, alternatives: list[tuple[str, list[str]]]) -> bool:
    """Whether ``text`` (lower-cased) names a concept (``QueryPlan.alternatives``): one of
    its alternatives as written, or every word of one, a long word also by the dictionary
    words it is made of (城镇居民 in 城镇常住居民: 城镇, 居民)."""
    for whole, tokens in alternatives:
        if whole and whole in text:
            return True
        if len(tokens) > 1 and all(t in text or _parts_in(t, text) for t in tokens):
            return True
    return False


def _parts_in(token: str, text: str) -> bool:
    """Whether every dictionary word that ``token`` is made of (in full) is in ``text``."""
    parts = subword_parts(token)
    return bool(parts) and sum(map(len, parts)) == len(token) and all(p in text for p in parts)


def _asked_in_provision_words(m: re.Match) -> str:
    """What a legal ask asks for, as a provision says it: 怎么算 → 计算 (按…计算), 判几年 →
    有期徒刑, 谁来赔 / 要赔吗 → 责任 (承担赔偿责任, 承担侵权责任); other asks only ask."""
    ask = m.group(0)
    if ask[-1] == "算":
        return " 计算 "
    if ask.startswith("判"):
        return " 有期徒刑 "
    if "赔" in ask:
        return " 责任 "
    return " "


def ask_parts(word: str) -> tuple[list[str], bool]:
    """A query word without the words that only ask what the law says (违法吗, 怎么算, 谁来)
    or for how long (多久, 几年内): its remaining pieces (时限 for a period asked), and
    whether it asked about the law. A word that does not ask is returned as it is."""
    if not _CJK.search(word) or _FIELD.match(word) or _BOOST.match(word) or word[0] in "+-" or is_pasted(word):
        return [word], False
    word = word.rstrip("?？") or word        # (违法吗? asks as 违法吗 does)
    legal = bool(_LEGAL_ASK.search(word) or _LIMIT_ASK.search(word))
    # 怎么算 asks how a provision counts: it says 计算 (按…计算)
    rest = _LEGAL_ASK.sub(_asked_in_provision_words, word)
    if _LIMIT_ASK.search(rest):
        # 利息最高多少, 租期最长几年: the limit asked; a provision sets it (不得超过, 超过…的除外)
        # and seldom says 最高
        rest = _LIMIT_WORD.sub(" ", rest)
    period = bool(_PERIOD_ASK.search(rest))
    rest = _PERIOD_ASK.sub(" ", rest)
    # an age asked (满多少岁才能, 几岁可以): a threshold a provision states, in 周岁
    if _AGE_ASK.search(rest):
        legal = True
        rest = _AGE_ASK.sub(" 周岁 ", rest)
    if not legal and not period:
        if len(word) > 4:
            return [word], False
        m = _HOW_MANY_TAIL.search(word)
        if m:       # 每月多少: a rate asked for, not a topic
            return ([] if _RATE.fullmatch(word[:m.start()]) else [word[:m.start()]]) + ["多少"], False
        return [_PARTICLE_TAIL.sub("", word)], False
    pieces = [p for p in (_PARTICLE_TAIL.sub("", p) for p in rest.split())
              if (len(p) >= 2 and not all(c in _STOP_CHARS for c in p)) or p in ("罚", "判")]
    pieces = ["处罚" if p == "罚" else "刑罚" if p == "判" else p for p in pieces]
    return pieces, True


def subword_parts(token: str) -> list[str]:
    """Dictionary words inside a long query token, longest first, not nested in each other."""
    if len(token) < 4 or not token.isalpha():
        return []
    grams = sorted(set(dictionary_parts(token)), key=len, reverse=True)
    out = []
    for g in grams:
        if not any(g in o for o in out):
            out.append(g)
    return out


def character_pieces(tokens: list[str]) -> list:
    """``tokens`` with each run of two or more single CJK characters (what the segmenter
    makes of a compound it does not know: 六稳六保 → 六 稳 六 保) replaced by its
    two-character pieces as tuples (("六", "稳"), ("六", "保")); an odd last character
    joins the piece before it. Other tokens are kept as they are."""
    out, run = [], []
    def flush():
        if len(run) >= 2:
            pieces = [tuple(run[i:i + 2]) for i in range(0, len(run) - len(run) % 2, 2)]
            if len(run) % 2:
                pieces[-1] += (run[-1],)
            out.extend(pieces)
        else:
            out.extend(run)
        run.clear()
    for t in tokens:
        if len(t) == 1 and _CJK.match(t):
            run.append(t)
        else:
            flush()
            out.append(t)
    flush()
    return out


# one-character verbs of everyday speech (骑电动车, 戴头盔, 吃野生动物, 买房): the texts say
# 驾驶, 佩戴, 食用, 购买; in a concept with a longer word they are not required of a passage
# (they still make its phrase)
LOOSE_VERBS = frozenset("骑 戴 吃 喝 买 卖 坐 拿 捡 借 租 住 交 抽 养 盖 拆 装 找 搞 弄 当 做".split())


def content_pieces(tokens: list[str]) -> list:
    """The words a passage must hold to hold a concept of ``tokens`` whole: no function
    words, a run of single characters as its two-character pieces (``character_pieces``),
    and no one-character everyday verb beside a longer word (``LOOSE_VERBS``)."""
    pieces = character_pieces([t for t in tokens if t not in FUNCTION_WORDS]) or character_pieces(tokens)
    required = [p for p in pieces if not (isinstance(p, str) and p in LOOSE_VERBS)]
    return required if any(not isinstance(p, str) or len(p) > 1 for p in required) else pieces


def coordinated_parts(tokens: list[str]) -> list[str]:
    """A coordinated pair inside a compound, distributed over its head: 食品药品 安全 →
    食品安全, 药品安全; 法律法规 清理 → 法律清理, 法规清理. A pair is two two-character
    words sharing a character in the same place (食品/药品, 法律/法规), which keeps out
    modifier + head words such as 行政执法 or 信息公开."""
    out = []
    for i, t in enumerate(tokens):
        if len(t) != 4 or not t.isalpha() or len(tokens) < 2:
            continue
        a, b = t[:2], t[2:]
        if (a[0] == b[0] or a[1] == b[1]) and a != b and a in _dictionary_words(t) and b in _dictionary_words(t):
            for part in (a, b):
                out.append("".join(tokens[:i] + [part] + tokens[i + 1:]))
    return out


def _dictionary_words(token: str) -> set[str]:
    return set(dictionary_parts(token))


_DAYS = re.compile(r"([0-9０-９一二三四五六七八九十百两]+)天")
# an age as statutes state it (十五岁 → 十五周岁)
_AGE = re.compile(r"([0-9０-９一二三四五六七八九十百两]+)岁")
_AGE_ASK = re.compile(r"满?(?:多少|几)周?岁|多大(?:年龄|岁数)?(?=才|可以|能|就)")
DAYS_WEIGHT = 0.9


def _word_boundaries(text: str) -> Optional[list[int]]:
    """Where the words of ``text`` start and end (the query analyzer's segmentation), so
    that jargon is never cut out of the middle of a word (酒后开车 inside 喝酒/后/开车);
    None when normalising changes the text's length (offsets would not line up)."""
    norm = normalize(text)
    if len(norm) != len(text):
        return None
    return sorted({i for _, start, end, main in segment(norm) if main for i in (start, end)})


def analyse_query_text(text: str) -> list[str]:
    """Main tokens of a query fragment: the index's analyzer in query mode."""
    return [w.lower() for w, _, _, main in segment(normalize(text)) if main]


class QueryBuilder:
    def __init__(self, synonyms=None, config: RankingConfig = DEFAULT_RANKING, doc_frequency=None,
                 doc_count: int = 0):
        self.synonyms = synonyms
        self.config = config
        self.doc_frequency = doc_frequency   # term -> number of passages containing it (body)
        self.doc_count = doc_count           # passages in the index

    def _is_jargon(self, word: str) -> bool:
        """Whether a word is a synonyms key (kept whole: its rule expands it)."""
        return self.synonyms is not None and any(a != word for a in self.synonyms.expand(word))

    def _distinctive(self, token: str) -> bool:
        if self.doc_frequency is None or not self.doc_count:
            return True
        return self.doc_frequency(token) <= self.config.partial_max_df * self.doc_count

    def _key_words(self, tokens: list[str]) -> list[str]:
        """A long concept (a pasted sentence or paragraph) as its PASTE_WORDS rarest words, in
        their order (its first words still make its phrase): the source passage has them
        all, and checking a hundred common words would cost most of a query's time."""
        content = list(dict.fromkeys(t for t in tokens if t not in FUNCTION_WORDS))
        if len(content) <= PASTE_WORDS or self.doc_frequency is None:
            return tokens
        rare = set(sorted(content, key=lambda t: (self.doc_frequency(t) or 0, len(content) - content.index(t)))
                   [:PASTE_WORDS])
        return [t for t in content if t in rare]

    # -- fields ----------------------------------------------------------------------
    def _multifield(self, make, fields=TEXT_FIELDS) -> wq.Query:
        subs = [make(f, w) for f, w in self.config.field_weights.items() if w > 0 and f in fields]
        return subs[0] if len(subs) == 1 else wq.Or(subs)

    def _tokens_query(self, tokens: list[str], boost: float = 1.0, loose: bool = True,
                      relax: Optional[str] = None, parts: Optional[list] = None,
                      phrase: Optional[list[str]] = None, some: bool = True) -> Optional[wq.Query]:
        """A concept's tokens: one term, or a phrase (bonus) / all words / some words (not
        with ``some=False``). ``loose=False`` (synonym expansions) matches the phrase only; ``relax`` lets a
        rare one-word concept also match any (``"any"``) or all (``"all"``) of its dictionary parts.
        ``parts``: a list that gets True when the query also matches a part of the concept only."""
        if not tokens:
            return None
        if len(tokens) == 1:
            q = self._multifield(lambda f, w: wq.Term(f, tokens[0], boost=w))
            sub = []
            if relax == "head" and self.config.partial_weight:
                # its head word (执法 of 行政执法), whatever its rarity
                sub = [p for p in subword_parts(tokens[0]) if tokens[0].endswith(p) and len(p) >= 2][:1]
            elif relax and self.config.partial_weight and self.doc_frequency is not None \
                    and self.doc_frequency(tokens[0]) < self.config.relax_below:
                sub = subword_parts(tokens[0])
                if relax == "all" and sum(map(len, sub)) != len(tokens[0]):
                    sub = []           # all parts: only when they make up the whole word
            if sub:
                # a rare compound (信访积案) also finds passages with its parts (信访), well
                # below it; a jargon word with synonyms only with all of them (失信惩戒 →
                # 失信行为惩戒, never 两法衔接 → 衔接 alone)
                part_q = [self._multifield(lambda f, w, t=t: wq.Term(f, t, boost=w)) for t in sub]
                both = wq.And if relax == "all" else wq.Or
                q = wq.Or([q, both(part_q, boost=self.config.partial_weight)])
                # a part of a rare compound is only a part of it; the head word of the topic of
                # a section-intent query (执法 of 行政执法 存在的问题) is the topic as such sections say it
                if parts is not None and relax == "any":
                    parts.append(True)
        else:
            words = (phrase or tokens)[:MAX_PHRASE_WORDS]     # ``phrase``: the words as written
            phrase = self._multifield(lambda f, w: wq.Phrase(f, words, slop=1, boost=w * self.config.phrase_bonus),
                                      POSITIONAL_FIELDS)
            # each distinct word once (行政行政… is not a longer conjunction); a run of single
            # characters (an unknown compound: 六稳六保 → 六 稳 六 保) as its two-character pieces,
            # each a phrase (六稳, 六保), never as the characters alone (东南西北 is not 东数西算)
            content = list(dict.fromkeys(content_pieces(tokens)))
            if not loose:
                q = phrase
            else:
                terms = [self._multifield(lambda f, w, t=t: wq.Term(f, t, boost=w)) if isinstance(t, str)
                         else self._multifield(lambda f, w, t=t: wq.Phrase(f, list(t), slop=1, boost=w),
                                               POSITIONAL_FIELDS)
                         for t in content]
                # the phrase bonus only where a phrase says more than its words: when every
                # word is common, checking positions costs most and ranks little
                anywhere = wq.And(terms)
                window = self.config.proximity_window
                if window and len(content) > 1 and all(isinstance(t, str) for t in content):
                    # the words close together count fully, scattered anywhere for less
                    anywhere = wq.Or([Near(POSITIONAL_FIELDS[0], content, window),
                                      anywhere.with_boost(self.config.scattered_weight)])
                subs = ([phrase] if any(not isinstance(t, str) or self._distinctive(t) for t in content)
                        else []) + [anywhere]
                # some of the words: found, but well below the whole concept; only the
                # distinctive ones (a word in most passages finds nothing in particular,
                # and scoring its postings is most of a query's time)
                few = [tq for t, tq in zip(content, terms) if not isinstance(t, str) or self._distinctive(t)]
                if self.config.relax_words and self.doc_frequency is not None and len(content) <= 3:
                    # a rare word of it also by the dictionary words inside it (企业承包制: 承包制 →
                    # 承包, as 承包经营责任制 says it), when those are distinctive themselves; a
                    # concept of a few words (not a pasted sentence: its words are as written)
                    for t in content:
                        if isinstance(t, str) and len(t) >= 3 and self.doc_frequency(t) < self.config.relax_below:
                            few += [self._multifield(lambda f, w, p=p: wq.Term(f, p, boost=w))
                                    for p in dictionary_parts(t) if len(p) >= 2 and p != t and p not in content
                                    and self._distinctive(p)]
                if some and len(content) > 1 and few and self.config.partial_weight:
                    subs.append(wq.Or(few, boost=self.config.partial_weight) if len(few) > 1
                                else few[0].with_boost(self.config.partial_weight))
                    if parts is not None:
                        parts.append(True)
                q = wq.Or(subs)
        return q.with_boost(boost) if boost != 1.0 else q

    def _concept(self, concept: str, use_synonyms: bool, plan: QueryPlan, head: bool = False) -> Optional[wq.Query]:
        """A concept's query: the concept, its synonyms and related concepts, its parts when
        it is a rare compound; ``head``: also its head word alone (执法 of 行政执法), for the
        topic of a query that names a kind of section."""
        alts, weight, inner = [], {}, set()
        if use_synonyms and self.synonyms is not None and not is_pasted(concept):   # a paste is as written
            alts = [a for a in self.synonyms.expand(concept) if a != concept]
            weight = {a: self.synonyms.weight(concept, a) for a in alts}
            # jargon inside a longer concept (两法衔接工作 → 两法衔接's synonyms + 工作)
            if not alts:
                found = self.synonyms.find(concept, boundaries=_word_boundaries(concept))
                for start, end, term, exps in found:
                    rest = concept[:start] + " " + concept[end:]
                    for e in exps:
                        alt = concept[:start] + e + concept[end:] if rest.strip() else e
                        alts.append(alt)
                        weight[alt] = self.synonyms.weight(term, e)
                        if rest.strip():
                            inner.add(alt)
                            if (plan.legal_ask or (plan.names_rule_cue and len(found) == 1)) \
                                    and self.config.legal_piece_weight and e not in weight:
                                # a question in everyday words, or a compound with one abbreviation
                                # asked about a provision (处罚, 条件): what a statute says for that
                                # word, on its own (被邻居家的狗咬伤了 → 犬; 路上捡到 → 拾得遗失物;
                                # 环评未批先建 处罚 → 环境影响评价), below the whole: the provision
                                # has none of the other words
                                alts.append(e)
                                weight[e] = self.synonyms.weight(term, e) * self.config.legal_piece_weight
                if len(found) > 1:
                    # every piece of jargon at once (喝酒后开车 → 饮酒后驾驶机动车), at the
                    # weight of the weakest
                    alt, at = "", 0
                    for start, end, term, exps in found:
                        alt += concept[at:start] + exps[0]
                        at = end
                    alt += concept[at:]
                    if alt not in weight:
                        alts.append(alt)
                        weight[alt] = min(self.synonyms.weight(t, e[0]) for _, _, t, e in found)
                        inner.add(alt)
        if use_synonyms and not is_pasted(concept) and (_DAYS.search(concept) or _AGE.search(concept)):
            # a number of days or an age as statutes count them (七天内退货 → 七日内退货, 15天 →
            # 15日, 十五岁 → 十五周岁)
            alt = _AGE.sub(r"\1周岁", _DAYS.sub(r"\1日", concept))
            if alt not in weight:
                alts.append(alt)
                weight[alt] = DAYS_WEIGHT
                inner.add(alt)
        # a rare compound also finds its parts: any of them, or all of them for jargon with synonyms
        written = analyse_query_text(concept)
        tokens = self._key_words(written)
        partial = []
        relax = "head" if head else "any" if self.config.parts_with_synonyms or not alts else "all"
        if not use_synonyms and not head and len(tokens) == 1 and tokens[0] in curated_words():
            relax = None        # jargon without its synonyms is itself, never its halves (两法, 衔接)
        main = self._tokens_query(tokens, relax=relax, parts=partial, phrase=written)
        if partial:
            plan.partial_concepts.add(concept)
        if use_synonyms:
            for alt in coordinated_parts(tokens):         # 食品药品安全 → 食品安全, 药品安全
                if alt not in alts:
                    alts.append(alt)
        if main is None:
            return None
        subs = [main]
        used = []
        forms = [(concept, tokens)]
        for alt in dict.fromkeys(alts):
            # a related concept (a => b^0.5 in the synonyms file) at that fraction of a synonym
            alt_tokens = analyse_query_text(alt)
            # jargon replaced inside a longer concept: its words as the concept's are (a phrase,
            # or all of them near or anywhere), never some of them
            loose = alt in inner
            q = self._tokens_query(alt_tokens, boost=self.config.synonym_weight * weight.get(alt, 1.0), loose=loose,
                                   some=False)
            if q is not None:
                subs.append(q)
                used.append(alt)
                forms.append((alt, alt_tokens))
                if weight.get(alt, 1.0) < 1.0:
                    plan.related.add(alt)
        if used:
            plan.expansions[concept] = used
        plan.forms.setdefault(concept, forms)
        if len(subs) == 1:
            return subs[0]
        tie = self.config.synonym_tiebreak
        # a passage that says both 两法衔接 and 行政执法与刑事司法衔接 says one concept twice
        return wq.Or(subs) if tie is None else wq.DisjunctionMax(subs, tiebreak=tie)

    def _report_word(self, word: str) -> Optional[tuple[str, str, float]]:
        """(field, value, boost) of a query word that names reports rather than text: a
        region (浙江, 宁波市) or a year (2018, 2018年); None for any other word."""
        code = None
        if self.config.region_boost:
            code = NATIONAL_CODE if word == NATIONAL_NAME else region_table().named(word)
        if code:
            return REGION, code, self.config.region_boost
        m = YEAR_WORD.fullmatch(word)
        return (YEAR, m.group(1), self.config.year_boost) if m else None

    # -- questions -------------------------------------------------------------------
    def question_parts(self, word: str) -> list[str]:
        """A question typed without spaces, as the words of a query: 2018年行政复议案件有多少
        → 2018年, 行政复议案件, 多少; 哪些地区开展了两法衔接 → 两法衔接; 宁波的行政复议情况 →
        宁波, 行政复议. Question words go, a leading year or region and a trailing quantity
        word become words of their own, the rest stays one concept. A word that is jargon
        (a synonyms key), a rule's name, a field, or an operator is left as it is."""
        if len(word) < 5 or _FIELD_INSIDE.search(word) or word[0] in "+-" or _BOOST.match(word) or not _CJK.search(word):
            return [word]
        if self.synonyms is not None and [a for a in self.synonyms.expand(word) if a != word]:
            return [word]
        if RULE_NAME.fullmatch(word):          # 浙江省优化营商环境条例: a rule's name, whole
            return [word]
        if is_pasted(word):                    # a sentence copied from a passage, not a question
            return [word]
        rest, parts, tail = word, [], []
        m = _Q_TAIL.search(rest)
        if m and m.start() >= 2:
            if "多少" in m.group(0) or "几" in m.group(0):
                tail.append("多少")
            if m.group("unit"):            # 达到多少斤, 多少亿美元: figures in that unit
                unit = m.group("unit")     # (多少万人: in 人, whatever the scale)
                tail.append(unit if unit in QUERY_UNITS else _SCALE_LEAD.sub("", unit))
            rest = rest[:m.start()]
        m = _Q_RULE_ASK.search(rest)
        if m and m.start() >= 2:
            tail.insert(0, m.group(1))
            rest = rest[:m.start()]
        m = _Q_LEAD.match(rest)
        if m and len(rest) - m.end() >= 2:
            rest = rest[m.end():]
        while True:
            m = _Q_YEAR.match(rest)
            if m and len(rest) - m.end() >= 2:
                parts.append(digit_years(m.group(1)))       # 一九五七年 is the year 1957年
                rest = rest[m.end():]
                continue
            # a region that is a word of its own there (宁波 of 宁波的…, not 长治 of 长治久安建设
            # or 吉林 of 吉林大学毕业生)
            named = [n for n in range(min(len(rest) - 2, 9), 1, -1) if region_table().named(rest[:n])]
            if not named and rest.startswith(NATIONAL_NAME) and "多少" in tail:
                named = [len(NATIONAL_NAME)]       # 全国森林覆盖率达到多少: the national figure
            ends = {end for _, _, end, main in segment(rest) if main} if named else set()
            region = next((rest[:n] for n in named if n in ends), None)
            if region:
                parts.append(region)
                rest = _Q_OF.sub("", rest[len(region):], count=1)
                continue
            break
        m = _Q_QUANTITY.search(rest)
        if m and m.start() >= 2:
            tail.insert(0, m.group(0))
            rest = rest[:m.start()]
        kind = _section_tail(rest)
        if kind:           # 法治政府建设下一步工作打算 → 法治政府建设, 下一步工作打算
            tail.insert(0, rest[kind:])
            rest = rest[:kind]
            if rest.endswith("工作") and len(rest) >= 4:
                rest = rest[:-2]       # 行政执法工作存在的短板 → 行政执法 (a section says 执法工作 or not)
        rest = _Q_FILLER_TAIL.sub("", _Q_FILLER_LEAD.sub("", rest, count=1), count=1) or rest
        pieces = [rest if rest == word else _Q_PIECE_TAIL.sub("", _Q_PIECE_LEAD.sub("", rest)) or rest]
        if _Q_INNER.search(rest):
            if any(q in m.group(0) for m in _Q_INNER.finditer(rest) for q in ("多", "几")) and "多少" not in tail:
                tail.append("多少")
            pieces = [_Q_PIECE_TAIL.sub("", _Q_PIECE_LEAD.sub("", p)) for p in _Q_INNER.split(rest)]
            pieces = [p for p in pieces if len(p) >= 2] or [rest]
            topical = [_without_generic_verbs(p) for p in pieces if p not in GENERIC_VERBS]
            pieces = topical or pieces
        pieces = [q for p in pieces for q in _action_pieces(p)]   # 治理大气污染|改善空气质量
        pieces = [q for p in pieces for q in _joined_pieces(p)]   # 文物保护|和|历史文化遗产传承
        if pieces == [word]:
            return [word]
        return [p for p in parts + pieces + tail if p]

    # -- plans -----------------------------------------------------------------------
    def plan(self, text: str, use_synonyms: bool = True) -> QueryPlan:
        plan = self._plan(text, use_synonyms)
        plan.asks_how = bool(_ASKS_HOW.match(plan.text or ""))
        plan.pasted = any(is_pasted(c) for c in plan.concepts)
        about_law = plan.legal_ask or bool(RULE_INTENT.search(plan.text))
        plan.asks_provision = about_law and not plan.wants_figures and not _ASKS_AMOUNT.search(plan.text or "")
        plan.rule_intent = about_law or any(c in LEGAL_CUES for c in plan.concepts)
        return plan

    def _plan(self, text: str, use_synonyms: bool = True) -> QueryPlan:
        text = normalize((text or "").translate(_TYPED_BRACKETS)).strip()
        if not text:
            raise QuerySyntaxError("empty query")
        if len(text) > MAX_QUERY_CHARS:
            raise QuerySyntaxError(f"query too long ({len(text)} characters, at most {MAX_QUERY_CHARS})")
        if _ADVANCED.search(text):
            # filters that are not index fields (region:宁波 names a place, since:/until: a
            # date) are taken out and applied as filters; year:, type:, kind: stay Whoosh terms
            written, rest = {}, []
            for word in text.split():
                m = _FIELD.match(word)
                if m and m.group(1).lower() in ("region", "since", "until", "level", "issuer") and m.group(2):
                    written[m.group(1).lower()] = m.group(2)
                else:
                    rest.append(word)
            plan = self._advanced(" ".join(rest), use_synonyms)
            plan.filters = written
            return plan
        plan = QueryPlan(text=text, query=wq.NullQuery)
        concepts = []
        required, excluded, boosts = [], [], {}
        if is_pasted(text) and not any(_FIELD.match(w) or w[0] in "+-" for w in text.split()):
            # a pasted sentence or paragraph is one concept, whatever spaces the copy left in it
            words = [_SPACE_IN_PASTE.sub("", text)]
        else:
            words = []
            typed = text.split()
            clauses = False
            if len(typed) == 1 and _SENTENCE_PUNCT.search(text) and not _FIELD.search(text):
                # a question typed with commas: its clauses are its words (the last one asks),
                # each a part of a sentence however short (老百姓告政府，局长县长要亲自去法院吗)
                typed = [c for c in _CLAUSES.split(text) if c.strip()] or typed
                clauses = len(typed) > 1 and len(text) >= CHUNK_MIN
            # a question typed as a sentence: each long word of it is read as one (content
            # words, not the pronouns and particles between them), not only the one that asks
            asking = len(typed) > 1 and any(_ASKING.search(w) for w in typed)
            for word in typed:
                if len(typed) > 1 and _ONLY_ASKS.fullmatch(word):
                    continue        # 下一步 矛盾纠纷化解 怎么做: a word that only asks how
                asked, legal = ask_parts(word)
                legal = legal or bool(_LEGAL_SENTENCE.search(word))
                plan.legal_ask |= legal
                parts = [part for w in asked for part in self.question_parts(w)]
                if (len(word) >= CHUNK_MIN or clauses) and (asking or legal or _ASKING.search(word)):
                    parts = [c for p in parts for c in (content_chunks(p) if not self._is_jargon(p) else [p])]
                words += parts
            if not words:         # only asking words (违法吗 alone): they are the query
                words = [_PARTICLE_TAIL.sub("", w) for w in text.split()]
        if not words:
            raise QuerySyntaxError(f"the query {text!r} has no searchable words")
        for word in words:
            m = _FIELD.match(word)
            if m:
                name, value = m.group(1).lower(), m.group(2)
                if name not in FILTER_FIELDS and name not in ("title", "heading", "body"):
                    raise QuerySyntaxError(f"unknown field {name!r} in the query (filters: "
                                           f"{', '.join(n + ':' for n in FILTER_FIELDS)}; text: title: heading: body:)")
                if not value:
                    raise QuerySyntaxError(f"{name}: needs a value (e.g. {name}:{_FIELD_EXAMPLES.get(name, '…')})")
                if name in plan.filters and plan.filters[name] != value:
                    raise QuerySyntaxError(f"{name}: is given twice in the query")
                plan.filters[name] = value if name != "has_figures" else _truth(value)
                continue
            if len(word) > 1 and word[0] in "+-":
                (required if word[0] == "+" else excluded).append(word[1:])
                if word[0] == "-":
                    continue
                word = word[1:]
            m = _BOOST.match(word)
            if m:
                word = m.group(1)
                boosts[word] = float(m.group(2))
            if word in QUANTITY_UNITS:            # 面积, 金额, 人数, 时限, 比例 ...: figures in those units
                plan.wants_figures = True
                plan.units.extend(u for u in QUANTITY_UNITS[word] if u not in plan.units)
            elif word in QUANTITY_WORDS:
                plan.wants_figures = True
            elif word in QUERY_UNITS:
                plan.wants_figures = True
                # figures store money in 元 and areas in 平方米 (figures.py scales 万/亿)
                if base_unit(word)[0] not in plan.units:
                    plan.units.append(base_unit(word)[0])
            else:
                concepts.append(word)
        if not concepts and not plan.wants_figures and plan.filters and not excluded:
            raise QuerySyntaxError("the query has filters but no words to search for")
        concepts = list(dict.fromkeys(concepts))[:MAX_CONCEPTS]     # a repeated concept counts once
        plan.concepts = concepts
        plan.names_rule_cue = any(c in LEGAL_CUES for c in concepts)
        subs, searched = [], []
        # the kind of section the words name together (存在的问题和不足, 下一步 行政复议), and the
        # words that only state it (下一步, and heading words such as 工作 around it)
        report_words = {c: w for c in concepts if (w := self._report_word(c))}
        plain = [c for c in concepts if c not in report_words]
        plan.kind_intent = None if any(map(is_pasted, plain)) else (   # a pasted text names no kind
            classify_heading("".join(plain)) or next(filter(None, map(intent_of, plain)), None))
        kind_words = {c for c in plain if plan.kind_intent and intent_of(c) == plan.kind_intent}
        if kind_words:
            kind_words |= {c for c in plain if c in HEADING_FILLER}
            if plan.kind_intent == "plans":
                # 县域经济 今年工作打算: the year of the plans, which their sections seldom write
                kind_words |= {c for c in plain if c in PLANNED_YEAR_WORDS}
        # with other words, the topic is looked for loosely there (a problems passage says 执法
        # as often as 行政执法)
        loose_topic = bool(kind_words) and len(kind_words) < len(plain)
        for c in concepts:
            if c in report_words:
                # a region (浙江, 宁波市) or a year (2018年): what the reports of that region or
                # covering that year say, or a passage naming it
                field_, value, boost = report_words[c]
                if field_ == REGION:
                    plan.regions[c] = value
                else:
                    plan.years[c] = int(value)
                # (全国 in a passage is a comparison, 居全国首位, not the national scope)
                text_q = self._tokens_query(analyse_query_text(c), loose=False) if value != NATIONAL_CODE else None
                if field_ == YEAR and text_q is not None:
                    # ... also as the reports before the 2000s write it (一九五七年)
                    spelt = self._tokens_query(analyse_query_text(chinese_year(int(value))), loose=False)
                    text_q = wq.Or([text_q, spelt]) if spelt is not None else text_q
                report_q = wq.Term(field_, value, boost=boost)
                if field_ == YEAR and plan.wants_figures:
                    # a 政府工作报告 is dated by its session: its review (achievements) is of the
                    # year before, so a figure of the year asked is also in the next year's
                    # report (2022年 粮食产量多少: the 2023 report). (A topic with a year, 2010年
                    # 遏制房价过快上涨, is read as that year's report: judges read it so.)
                    report_q = wq.Or([report_q, wq.And([wq.Term(YEAR, str(int(value) + 1), boost=boost),
                                                        wq.Term(DOC_TYPE, GWR), wq.Term(KIND, "achievements")])])
                q = wq.Or([report_q, text_q]) if text_q is not None else report_q
            else:
                q = self._concept(c, use_synonyms, plan, head=loose_topic and c not in kind_words)
            if q is not None and c not in report_words and self.config.named_rule_prior and RULE_NAME.fullmatch(c):
                # a rule named in the query (行政处罚法 第三十二条): its own articles do not say
                # its name, its title does; every article of the rule itself matches it
                words = analyse_query_text(c.strip("《》"))
                if words:
                    named = NamedTitle(c.strip("《》"), words)
                    plan.named_rules.append(named)
                    q = wq.Or([q, named])
            if q is not None:
                subs.append(q.with_boost(boosts[c]) if c in boosts else q)
                searched.append(c)
        if not subs:
            if plan.wants_figures:        # "多少" alone: every passage with figures
                plan.query = wq.Term(HAS_FIGURES, True)
                return plan
            raise QuerySyntaxError(f"the query {text!r} has no searchable words")
        kind = wq.Term(KIND, plan.kind_intent, boost=self.config.kind_boost) if plan.kind_intent else None
        intent = [i for i, c in enumerate(searched) if c in kind_words]
        if intent and len(intent) < len(subs):
            # a word that only states the intent (下一步, 存在的问题) is matched by the kind of
            # section, not as text: 下一步 行政复议 is a plans passage about 行政复议, and a
            # plans passage without 行政复议 misses half of the query
            plan.intent_concepts = [searched[i] for i in intent]
            subs = [kind if i in intent else q for i, q in enumerate(subs)]
            first = [i for i, q in enumerate(subs) if q is not kind or i == intent[0]]   # one kind term
            subs, searched = [subs[i] for i in first], [searched[i] for i in first]
        rule_words = [i for i, c in enumerate(searched) if c in RULE_WORDS]
        if rule_words and len(rule_words) < len(subs):
            # 法律依据 asks for a rule: the articles of laws and regulations match it, not the
            # passages that happen to say 法律依据
            rule = wq.Or([wq.Term(DOC_TYPE, t) for t in RULE_TYPES])
            plan.intent_concepts += [searched[i] for i in rule_words]
            subs = [rule if i in rule_words else q for i, q in enumerate(subs)]
            first = [i for i, q in enumerate(subs) if q is not rule or i == rule_words[0]]
            subs, searched = [subs[i] for i in first], [searched[i] for i in first]
        plan.concept_queries = subs
        plan.concept_names = searched
        plan.coordination = self.config.coordination_power
        core = subs[0] if len(subs) == 1 else wq.Or(subs, scale=self.config.coord_scale)
        if kind is not None and not plan.intent_concepts:
            # the passages of that kind are answers even when they word it differently
            core = wq.Or([core, kind])
        if plan.wants_figures:
            boosts = [wq.Term(HAS_FIGURES, True, boost=self.config.figures_boost)]
            boosts += [wq.Term(UNITS, u, boost=self.config.unit_boost) for u in plan.units]
            boost = wq.Or(boosts) if len(boosts) > 1 else boosts[0]
            core = wq.AndMaybe(core, boost)
        if required:
            # +word: a passage must have it (no extra score: it is a concept already)
            # (a year or a region as it is searched: its reports, or a passage naming it)
            soft = {c: q for c, q in zip(plan.concept_names, plan.concept_queries)
                    if c in plan.years or c in plan.regions}
            must = [q for q in (soft.get(c) or self._concept(c, use_synonyms, plan) for c in required)
                    if q is not None]
            core = wq.And([core] + [q.with_boost(0.0) for q in must])
        if excluded:
            # -word: no passage with it (nor with its synonyms)
            ban = [q for q in (self._concept(c, use_synonyms, plan) for c in excluded) if q is not None]
            if ban:
                ban_q = ban[0] if len(ban) == 1 else wq.Or(ban)
                core = wq.AndNot(core, ban_q)
        plan.query = core
        return plan

    def _advanced(self, text: str, use_synonyms: bool = True) -> QueryPlan:
        schema = query_schema()
        parser = MultifieldParser(list(self.config.field_weights), schema,
                                  fieldboosts=dict(self.config.field_weights))
        parser.add_plugin(FieldAliasPlugin(QUERY_FIELD_ALIASES))
        parser.add_plugin(PlusMinusPlugin())          # +word required, -word excluded, as in plain queries
        known = set(schema.names()) | {a for aliases in QUERY_FIELD_ALIASES.values() for a in aliases}
        for name in _FIELD_NAME.findall(text):
            if name.lower() not in known:
                raise QuerySyntaxError(f"unknown field {name!r} in the query (fields: "
                                       f"{', '.join(n + ':' for n in sorted(known - {'meta', 'content_hash', 'doc_id'}))})")
        if text.count('"') % 2:
            raise QuerySyntaxError('unbalanced quote in query: add the closing "')
        if text.count("(") != text.count(")"):
            raise QuerySyntaxError("unbalanced parentheses in query")
        try:
            q = parser.parse(text)
        except Exception as e:   # whoosh raises assorted errors on odd input
            raise QuerySyntaxError(f"cannot parse query {text!r}: {e}") from None
        if q is wq.NullQuery or isinstance(q, wq.NullQuery.__class__):
            raise QuerySyntaxError(f"the query {text!r} has no searchable words")
        plan = QueryPlan(text=text, query=q, advanced=True)
        expand = use_synonyms and self.synonyms is not None
        plan.query = q.accept(lambda node: self._rewrite_node(node, plan, expand))
        return plan

    def _rewrite_node(self, node: wq.Query, plan: QueryPlan, expand: bool) -> wq.Query:
        if isinstance(node, wq.Phrase) and node.fieldname not in POSITIONAL_FIELDS:
            # only the body keeps positions: elsewhere a phrase is all of its words
            node = wq.And([wq.Term(node.fieldname, w) for w in dict.fromkeys(node.words)], boost=node.boost)
            return node
        return self._expand_node(node, plan) if expand else node

    def _expand_node(self, node: wq.Query, plan: QueryPlan) -> wq.Query:
        """Synonyms for a term or phrase of a parsed Whoosh query (same field, lower weight)."""
        if isinstance(node, wq.Term) and node.fieldname in TEXT_FIELDS and isinstance(node.text, str):
            text = node.text
        elif isinstance(node, wq.Phrase) and node.fieldname in TEXT_FIELDS:
            text = "".join(node.words)
        else:
            return node
        alts = [a for a in self.synonyms.expand(text) if a != text]
        subs = [node]
        for alt in alts:
            tokens = analyse_query_text(alt)
            if tokens:
                boost = node.boost * self.config.synonym_weight * self.synonyms.weight(text, alt)
                if len(tokens) == 1:
                    subs.append(wq.Term(node.fieldname, tokens[0], boost=boost))
                elif node.fieldname in POSITIONAL_FIELDS:
                    subs.append(wq.Phrase(node.fieldname, tokens, slop=1, boost=boost))
        if len(subs) == 1:
            return node
        plan.expansions.setdefault(text, alts)
        return wq.Or(subs)
