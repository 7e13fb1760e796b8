"""Heading hierarchy, section kinds and passages (searchlib.structure)."""
import re
from pathlib import Path

import pytest

from searchlib.models import SECTION_KINDS
from searchlib.normalize import normalize_document_text
from searchlib.structure import classify_heading, parse_sections, split_paragraph, split_passages
from searchlib.vocabulary import CJK
from tests.conftest import TIME_SCALE

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

# seed file prefix -> (title, doc_type); titles as the files state them
SEEDS = {
    "000": ("关于2017年宁波市北仑区人民政府依法行政工作的报告", "annual_report"),
    "001": ("濉溪县人民政府关于2019年度法治政府建设情况的报告", "annual_report"),
    "002": ("厦门市湖里区法治政府建设创新情况报告", "annual_report"),
    "003": ("西安市莲湖区人民政府办公室关于印发莲湖区2017年法治政府建设工作要点的通知", "work_plan"),
    "004": ("秦皇岛市2018年度法治政府建设工作报告", "annual_report"),
}

# --------------------------------------------------------------------------- helpers

_META = re.compile(r"^(发布时间|发表时间|来源|发布机构|索引号|当前位置|<<返回|名称:|发文日期|文号)")
_CLUTTER = re.compile(r"^(上一篇|下一篇|扫一扫|打印|Copyright|主办单位|版权)")
_STAMP = re.compile(r"^发表时间 ?: ?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
_CJK = re.compile(f"[{CJK}]")


def _seed_path(prefix):
    return next(CORPUS.glob(f"{prefix}_*.txt"))


def _approx_clean(raw, title):
    """What the cleaner delivers, approximately: normalised, no title, metadata or clutter."""
    out = []
    for line in normalize_document_text(raw).split("\n"):
        line = _STAMP.sub("", line).strip()
        if line and line != title and not _META.match(line) and not _CLUTTER.match(line):
            out.append(line)
    return "\n".join(out)


def _ingest_text(prefix):
    try:
        from searchlib.ingest import read_document
        doc = read_document(_seed_path(prefix), CORPUS)
    except Exception as e:       # the cleaner is another module; only use it when it works
        pytest.skip(f"searchlib.ingest unavailable: {e}")
    return doc.text


def _seed_text(prefix, source="approx"):
    title, _ = SEEDS[prefix]
    if source == "ingest":
        return _ingest_text(prefix)
    return _approx_clean(_seed_path(prefix).read_text(encoding="utf-8"), title)


def _parse_seed(prefix, source="approx"):
    title, doc_type = SEEDS[prefix]
    text = _seed_text(prefix, source)
    sections = parse_sections(text, title, doc_type)
    return text, sections, split_passages(f"{prefix}.txt", sections)


def _section(sections, heading):
    found = [s for s in sections if s.heading == heading]
    assert found, f"no section {heading!r}; have {[s.heading for s in sections]}"
    return found[0]


def _passage(passages, needle):
    found = [p for p in passages if needle in p.text]
    assert len(found) == 1, f"{needle!r} in {len(found)} passages"
    return found[0]


def _cjk(text):
    return "".join(_CJK.findall(text))


def _is_subsequence(needle, haystack):
    it = iter(haystack)
    return all(ch in it for ch in needle)


def _parse(text, doc_type="other", title=""):
    return parse_sections(text, title, doc_type)


def _headings(sections):
    return [(s.level, s.heading) for s in sections if s.heading]


BODY = "全区各部门高度重视,认真落实各项工作任务,取得了较好的效果。"

# --------------------------------------------------------------------------- heading patterns


@pytest.mark.parametrize("line,heading", [
    ("一、总体要求", "一、总体要求"),
    ("十二、其他事项", "十二、其他事项"),
    ("(一)加强领导统筹", "(一)加强领导统筹"),
    ("（一）加强领导统筹", "（一）加强领导统筹"),           # full-width parentheses
    ("1.抓好贯彻落实", "1.抓好贯彻落实"),
    ("1、抓好贯彻落实", "1、抓好贯彻落实"),
    ("1．抓好贯彻落实", "1．抓好贯彻落实"),
    ("(1)抓好贯彻落实", "(1)抓好贯彻落实"),
    ("①抓好贯彻落实", "①抓好贯彻落实"),
    ("1抓好贯彻落实", "1抓好贯彻落实"),                   # ① after NFKC
    ("第一章 总则", "第一章 总则"),
    ("第二部分 主要任务", "第二部分 主要任务"),
    ("(一)加强组织领导。", "(一)加强组织领导"),          # trailing 。 dropped
])
def test_marker_headings(line, heading):
    sections = _parse(f"{line}\n{BODY}")
    assert _headings(sections) == [(1, heading)]
    assert sections[0].paragraphs == [BODY]


def test_marker_types_nest_in_order_of_appearance():
    text = "\n".join(["一、甲部分", "(一)乙事项", "1.丙任务", "(1)丁要求", "①戊细则", BODY,
                     "②己细则", BODY, "(2)庚要求", "2.辛任务", "(二)壬事项", "二、癸部分", BODY])
    levels = dict((h, lvl) for lvl, h in _headings(_parse(text)))
    assert levels == {"一、甲部分": 1, "(一)乙事项": 2, "1.丙任务": 3, "(1)丁要求": 4,
                      "①戊细则": 5, "②己细则": 5, "(2)庚要求": 4, "2.辛任务": 3,
                      "(二)壬事项": 2, "二、癸部分": 1}
    sec = _section(_parse(text), "②己细则")
    assert sec.heading_path == ["一、甲部分", "(一)乙事项", "1.丙任务", "(1)丁要求", "②己细则"]


def test_a_list_numbered_afresh_under_an_unnumbered_heading_is_its_items():
    # a work report's appendix: 2026年省十件民生实事, then its own 一、… after the report's 一、二、三、
    text = ("一、2025年工作回顾\n全年新增就业149万人。\n\n三、2026年工作安排\n稳就业。\n\n"
            "2026年省十件民生实事\n坚持民生为大，扎扎实实办好十件民生实事，切实让人民群众见到成效。\n"
            "一、提高低保标准\n城乡低保标准提高5%。\n"
            "二、深入推进“四好农村路”建设\n新建和改造提升农村公路2500公里。\n")
    sections = parse_sections(text, "2026年某省政府工作报告", "government_work_report")
    road = next(s for s in sections if "2500公里" in " ".join(s.paragraphs))
    assert road.heading_path == ["三、2026年工作安排", "2026年省十件民生实事", "二、深入推进“四好农村路”建设"]
    assert road.kind == "plans"
    # the document's own list going on after an unnumbered heading is not changed
    plain = parse_sections("一、回顾\n正文。\n\n专栏\n说明了一段很长的正文内容，这里有逗号。\n二、安排\n正文。\n",
                           "", "government_work_report")
    assert next(s for s in plain if s.heading == "二、安排").heading_path == ["二、安排"]


def test_level_follows_first_appearance_not_marker_kind():
    # a document that starts with (一) has (一) at level 1 and 1. below it
    sections = _parse("(一)甲事项\n1.乙任务\n" + BODY + "\n(二)丙事项\n" + BODY)
    assert _headings(sections) == [(1, "(一)甲事项"), (2, "1.乙任务"), (1, "(二)丙事项")]


@pytest.mark.parametrize("line", [
    "2017年,我区依法行政工作在区委的正确领导下,在区人大的监督支持下,取得了明显成效。",
    "1.5万人次参加了全市法治培训,优秀率达95%以上。",
    "3家单位被评为法治建设示范单位。",
    "一是优化机构设置。认真落实上级关于机构改革有关文件精神。",
    "第一责任人职责全面落实,各级领导干部带头学法。",
    "12345政务服务热线全年受理群众诉求3万余件。",
])
def test_body_lines_that_start_like_numbers_are_not_headings(line):
    sections = _parse(f"{line}\n{BODY}", "annual_report")
    assert _headings(sections) == []
    assert sections[0].paragraphs == [line, BODY]


@pytest.mark.parametrize("heading", ["1部门联动机制", "1人员培训", "1本级预算公开"])
def test_bare_number_before_a_word_that_starts_with_a_unit_is_a_heading(heading):
    # ① becomes a bare 1 under NFKC; 部门, 人员, 本级 are words, not 1 部, 1 人, 1 本
    # (the guards of vocabulary.UNITS)
    line = heading + "。全区32个部门建立联席会议制度,定期会商。"
    assert _headings(_parse(f"{line}\n{BODY}")) == [(1, heading)]


@pytest.mark.parametrize("line", [
    "1部法规草案提请审议。", "3本执法手册印发全区。", "2年内完成清理。", "1至3月开展专项检查。",
    "5星级窗口创建完成。", "3届法治论坛成功举办。", "1季度完成集中审查。", "20余家单位参加。",
])
def test_bare_number_with_a_unit_or_date_part_is_body_text(line):
    assert _headings(_parse(f"{line}\n{BODY}", "annual_report")) == []


def test_inline_heading_is_split_at_first_full_stop_and_line_kept_whole():
    line = "(一)加强领导统筹。进一步明确以区政府主要领导为组长的领导小组架构。"
    sec = _parse(line)[0]
    assert sec.heading == "(一)加强领导统筹"
    assert sec.paragraphs == [line]
    assert split_passages("d", [sec])[0].text == line


def test_inline_heading_with_long_first_sentence_uses_first_clause():
    line = ("(一)区政府各部门、各单位领导干部要从全面依法治国和深化行政管理体制改革的高度,"
            "充分认识推进依法行政、建设法治政府的重要性、紧迫性,切实增强责任感和使命感。")
    sec = _parse(line)[0]
    assert sec.heading.startswith("(一)区政府各部门、各单位领导干部")
    assert sec.heading.endswith("…") and len(sec.heading) <= len("(一)") + 31
    assert sec.paragraphs == [line]
    assert _parse("(三)区政府各部门、各单位要按照本要点,结合实际制定本单位2017年法治政府建设工作"
                  "计划,于6月5日前报区法制办,并抓好全年工作任务落实。")[0].heading == \
        "(三)区政府各部门、各单位要按照本要点"


@pytest.mark.parametrize("line,heading", [
    ("(一)宪法学习宣传实施成效明显全市政府系统将开展好宪法学习宣传实施作为树牢“四个意识”、坚定“四个自信”"
     "的现实检验,通过党委(党组)学习中心组学习、法治讲座等多种形式,不断加大宪法学习宣传实施力度。",
     "(一)宪法学习宣传实施成效明显"),
    ("(二)普法宣传教育稳步推进2018年全市共举办各类集中宣传900余场次,累计免费发放各类法治宣传手册"
     "20万余册,全社会基本形成了尊法、学法、用法、守法的良好氛围。",
     "(二)普法宣传教育稳步推进"),
    ("三、行政复议工作扎实有效我市通过完善行政复议工作标准及接待登记、受理、审理、决定履行、案件统计报告"
     "等一系列程序制度,努力提升办理行政复议能力水平。",
     "三、行政复议工作扎实有效"),
])
def test_fused_heading_is_split_from_its_body(line, heading):
    sec = _parse(line)[0]
    assert sec.heading == heading
    assert sec.paragraphs == [line]


def test_fused_split_needs_a_heading_of_six_chars():
    line = ("(一)工作在全市范围内开展,各部门高度重视,认真落实各项工作任务,按照要求全面推进法治政府建设"
            "各项工作,取得了明显成效。")
    assert _parse(line)[0].heading == "(一)工作在全市范围内开展"


def test_standalone_heading_above_numbered_sections():
    text = "\n".join([
        "主任、副主任、各位委员:", "现将2017年依法行政工作的情况汇报如下,请予审议。",
        "2017年依法行政工作回顾", "2017年,我区依法行政工作在区委的正确领导下,取得了明显成效。",
        "一、扎实推进法治政府建设基础工作", "(一)加强领导统筹。进一步明确领导小组架构。",
        "二、依法全面正确履行政府职能", "(一)致力改革,行政效率进一步提升。践行以人民为中心发展思想。",
        "2018年依法行政工作思路", "2018年,区政府将在区委的统一领导下,深入落实依法行政各项重点工作。",
        "一、加强领导,完善机制,确保法治政府建设工作落到实处", "加强领导统筹和组织落实,落实工作责任。",
    ])
    sections = _parse(text, "annual_report")
    assert _headings(sections) == [
        (1, "2017年依法行政工作回顾"), (2, "一、扎实推进法治政府建设基础工作"), (3, "(一)加强领导统筹"),
        (2, "二、依法全面正确履行政府职能"), (3, "(一)致力改革,行政效率进一步提升"),
        (1, "2018年依法行政工作思路"), (2, "一、加强领导,完善机制,确保法治政府建设工作落到实处")]
    assert sections[0].kind == "preamble" and sections[0].level == 0 and sections[0].heading_path == []
    assert sections[0].paragraphs[0] == "主任、副主任、各位委员:"
    kinds = [s.kind for s in sections[1:]]
    assert kinds == ["achievements"] * 5 + ["plans"] * 2


def test_standalone_summary_heading_after_numbered_sections_goes_to_top():
    text = "\n".join(["一、加强组织领导", "(一)完善机制", BODY, "存在的问题和不足", BODY,
                      "下一步工作打算", "一、加强队伍建设", BODY])
    sections = _parse(text, "annual_report")
    assert _headings(sections) == [(1, "一、加强组织领导"), (2, "(一)完善机制"), (1, "存在的问题和不足"),
                                   (1, "下一步工作打算"), (2, "一、加强队伍建设")]
    assert [s.kind for s in sections] == ["achievements", "achievements", "problems", "plans", "plans"]


def test_standalone_heading_without_vocabulary_needs_body_after_it():
    sections = _parse("加强组织领导\n" + BODY)
    assert _headings(sections) == [(1, "加强组织领导")]
    sections = _parse(BODY + "\n特此报告\n西安市莲湖区人民政府办公室\n2017年5月23日")
    assert _headings(sections) == []
    assert sections[0].paragraphs[1:] == ["特此报告", "西安市莲湖区人民政府办公室", "2017年5月23日"]


@pytest.mark.parametrize("salutation", ["主任、副主任、各位委员:", "县委:", "各位代表",
                                        "区人民政府各工作部门,各街道办事处,各直属机构:"])
def test_salutation_is_preamble(salutation):
    sections = _parse(f"{salutation}\n{BODY}\n一、工作开展情况\n{BODY}", "annual_report")
    assert sections[0].kind == "preamble" and sections[0].paragraphs == [salutation, BODY]
    assert _headings(sections) == [(1, "一、工作开展情况")]


def test_signature_and_date_at_the_end_are_not_headings():
    text = f"一、工作开展情况\n{BODY}\n西安市莲湖区人民政府办公室\n2020年2月28日"
    sections = _parse(text, "annual_report")
    assert _headings(sections) == [(1, "一、工作开展情况")]
    passages = split_passages("d", sections)
    assert len(passages) == 1 and passages[0].text.endswith("2020年2月28日")


def test_embedded_title_of_a_notice_is_a_top_heading():
    text = "\n".join(["各街道办事处:", "《莲湖区2017年法治政府建设工作要点》已经区政府常务会议研究同意,现印发给你们。",
                      "西安市莲湖区人民政府办公室", "2017年5月23日", "莲湖区2017年法治政府建设工作要点",
                      "为深入贯彻落实纲要,现提出2017年法治政府建设工作要点:", "一、总体目标", BODY,
                      "二、主要任务", "(一)加强组织领导。", "1.抓好贯彻落实。" + BODY, "三、工作要求",
                      "(一)各单位要高度重视。" + BODY])
    sections = _parse(text, "work_plan", title="西安市莲湖区人民政府办公室关于印发莲湖区2017年法治政府建设工作要点的通知")
    assert sections[0].kind == "preamble" and len(sections[0].paragraphs) == 4
    title = _section(sections, "莲湖区2017年法治政府建设工作要点")
    assert title.level == 1 and title.kind == "preamble"
    task = _section(sections, "1.抓好贯彻落实")
    assert task.heading_path == ["莲湖区2017年法治政府建设工作要点", "二、主要任务", "(一)加强组织领导",
                                 "1.抓好贯彻落实"]
    assert task.kind == "plans" and task.level == 4
    assert _section(sections, "一、总体目标").kind == "plans"
    assert _section(sections, "三、工作要求").kind == "requirements"
    assert _section(sections, "(一)各单位要高度重视").kind == "requirements"


def test_empty_and_blank_input():
    assert parse_sections("") == []
    assert parse_sections("\n\n  \n") == []
    assert split_passages("d", []) == []


# --------------------------------------------------------------------------- kinds


@pytest.mark.parametrize("heading,kind", [
    ("2017年依法行政工作回顾", "achievements"),
    ("一、工作开展情况", "achievements"),
    ("一、主要做法和成效", "achievements"),
    ("(一)宪法学习宣传实施成效明显", "achievements"),
    ("二、存在问题", "problems"),
    ("存在的问题和不足", "problems"),
    ("三、问题和不足", "problems"),
    ("存在问题及下一步打算", "problems"),
    ("2018年依法行政工作思路", "plans"),
    ("下一步工作打算", "plans"),
    ("三、2020年重点工作安排", "plans"),
    ("2019年工作计划", "plans"),
    ("一、总体目标", "plans"),
    ("二、主要任务", "plans"),
    ("三、工作要求", "requirements"),
    ("四、保障措施", "requirements"),
    ("五、组织保障", "requirements"),
    ("三、突出问题导向,切实提升依法行政能力", None),       # 问题导向 is not a problems heading
    ("(三)着力解决群众反映强烈的突出问题", None),
    ("(八)健全组织保障工作机制", None),
    ("(一)创新工作思路", None),
    ("(三)制定年度工作计划", None),
    ("(二)扎实推进重点工作", None),
    ("(一)年度目标任务完成情况", "achievements"),
    ("主要目标和任务", "plans"),
    ("(二)2019年工作计划执行情况", "achievements"),
    ("(一)圆满完成2019年各项任务", None),
    ("(三)及时整改存在的问题", None),
    ("存在问题及整改措施", "problems"),
    ("一、加强组织领导", None),
    ("", None),
])
def test_classify_heading(heading, kind):
    assert classify_heading(heading) == kind


def test_kinds_are_inherited_unless_a_child_implies_its_own():
    text = "\n".join(["一、工作开展情况", "(一)加强领导", BODY, "(二)健全组织保障工作机制", BODY,
                      "二、存在的问题和不足", BODY, "三、下一步工作打算", "(一)加强队伍建设", BODY,
                      "(二)确保法治政府建设取得新成效", BODY])
    kinds = {s.heading: s.kind for s in _parse(text, "annual_report")}
    assert kinds == {"一、工作开展情况": "achievements", "(一)加强领导": "achievements",
                     "(二)健全组织保障工作机制": "achievements", "二、存在的问题和不足": "problems",
                     "三、下一步工作打算": "plans", "(一)加强队伍建设": "plans",
                     "(二)确保法治政府建设取得新成效": "plans"}


@pytest.mark.parametrize("doc_type,kind", [("annual_report", "achievements"), ("work_plan", "plans"),
                                           ("other", "other"), ("notice", "other")])
def test_default_kind_of_unnamed_numbered_sections(doc_type, kind):
    sections = _parse(f"{BODY}\n一、加强组织领导\n{BODY}\n(一)完善机制\n{BODY}", doc_type)
    assert [s.kind for s in sections] == ["preamble", kind, kind]


def test_annual_report_sections_after_the_problems_part_are_not_achievements():
    text = f"一、加强组织领导\n{BODY}\n二、存在问题\n{BODY}\n三、下一步打算\n{BODY}\n四、加强队伍建设\n{BODY}"
    assert [s.kind for s in _parse(text, "annual_report")] == ["achievements", "problems", "plans", "plans"]


def test_document_without_headings():
    assert [s.kind for s in _parse(BODY)] == ["other"]
    assert [s.kind for s in _parse(BODY, "work_plan")] == ["plans"]


def test_passage_level_kind_overrides():
    text = "\n".join([
        "一、工作开展情况", "(一)加强领导", BODY,
        "2018年我市法治政府建设成绩显著,但与中央和省要求相比还存在一些不足:依法行政制度体系还不够科学系统。",
        "下一步,全市行政机关将以党的十九大精神为指导,紧盯2020年建成法治政府目标。",
        "2020年,濉溪县人民政府将继续坚持以习近平新时代中国特色社会主义思想为指引。"])
    sections = _parse(text, "annual_report")
    passages = split_passages("d", sections)
    assert [p.section_kind for p in passages] == ["achievements", "problems", "plans", "plans"]
    # closing remarks do not stay inside the last numbered subsection
    assert [p.heading_path for p in passages[1:]] == [["一、工作开展情况"]] * 3


def test_closing_remarks_without_a_named_part_go_to_a_root_section():
    text = "\n".join(["一、加强组织领导", BODY, "二、完善制度体系", BODY,
                      "2018年我市法治政府建设成绩显著,但还存在一些不足:基层法治基础仍较薄弱。"])
    sections = _parse(text, "annual_report")
    assert sections[-1].heading == "" and sections[-1].level == 0 and sections[-1].heading_path == []
    assert split_passages("d", sections)[-1].section_kind == "problems"


def test_problems_words_in_a_task_do_not_make_it_a_problems_passage():
    text = "一、主要任务\n1.认真谋划推进依法行政工作。研究解决推进依法行政工作中存在的突出问题,全面部署依法行政工作。"
    assert [p.section_kind for p in split_passages("d", _parse(text, "work_plan"))] == ["plans"]


# --------------------------------------------------------------------------- passages

MEASURES = ("2017年,湖里区政府高度重视法治政府建设工作,坚持在党委领导下有序推进。"
            + "".join(f"{n}是加强{n}项工作。" + "根据工作安排及时部署落实各项任务,取得良好效果。" * 4
                      for n in "一二三四五六"))


def test_long_paragraph_is_split_at_its_measures():
    pieces = split_paragraph(MEASURES, 300)
    assert len(pieces) == 6
    assert pieces[0].startswith("2017年,湖里区政府") and "一是加强一项工作" in pieces[0]
    assert [p[:2] for p in pieces[1:]] == ["二是", "三是", "四是", "五是", "六是"]
    assert "".join(pieces) == MEASURES


def test_short_paragraph_with_measures_stays_whole():
    para = "一是优化机构设置。二是完善行政审批制度。三是落实涉企收费清单制度。"
    assert split_paragraph(para, 600) == [para]


def test_measures_without_punctuation_before_them():
    para = ("(二)转变职能深化改革。一是制定印发实施意见" + "各项改革任务分工明确" * 20
            + "方便群众办事二是持续推进多证合一扩容升级" + "各项改革任务分工明确" * 20 + "。")
    pieces = split_paragraph(para, 300)
    assert [p[:2] for p in pieces] == ["(二", "二是"] and "".join(pieces) == para


@pytest.mark.parametrize("words", [("第一,", "第二,", "第三,"), ("首先,", "其次,", "最后,")])
def test_other_enumerations(words):
    filler = "要进一步加强法治政府建设,全面落实依法行政各项任务。" * 5
    para = "".join(w + filler for w in words)
    pieces = split_paragraph(para, 200)
    assert [p[:3] for p in pieces] == list(words) and "".join(pieces) == para


def test_long_paragraph_without_measures_is_packed_by_sentences():
    para = "".join(f"第{i}句话说明法治政府建设的一项具体工作成效。" for i in range(40))
    pieces = split_paragraph(para, 120)
    assert all(len(p) <= 120 for p in pieces) and "".join(pieces) == para
    assert all(p.endswith("。") for p in pieces)


def test_a_single_long_sentence_is_kept_whole():
    para = "加强法治政府建设," * 100 + "取得明显成效。"
    assert split_paragraph(para, 200) == [para]


def test_passages_fields_and_order():
    text = f"县委:\n{BODY}\n一、工作开展情况\n(一)加强领导。{MEASURES}\n二、存在问题\n{BODY}"
    sections = _parse(text, "annual_report")
    passages = split_passages("a/b.txt", sections, max_chars=300)
    assert [p.ordinal for p in passages] == list(range(len(passages)))
    assert passages[0].text == f"县委:\n{BODY}" and passages[0].section_kind == "preamble"
    assert passages[1].text.startswith("(一)加强领导。2017年")
    assert passages[1].heading_path == ["一、工作开展情况", "(一)加强领导"]
    assert passages[-1].heading_path == ["二、存在问题"] and passages[-1].section_kind == "problems"
    assert all(p.doc_id == "a/b.txt" and p.passage_id == f"a/b.txt#{p.ordinal}" for p in passages)
    assert all(p.text.strip() and len(p.text) <= 300 for p in passages)
    assert all(p.figures == [] and p.concreteness == 0.0 for p in passages)


# --------------------------------------------------------------------------- the seeds

SOURCES = ["approx", "ingest"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_nothing_lost(prefix, source):
    text, sections, passages = _parse_seed(prefix, source)
    # every Chinese character of the input, in order, in headings + passages
    pieces = []
    for sec in sections:
        pieces.append(sec.heading)
        pieces.extend(p.text for p in split_passages("d", [sec]))
    assert _is_subsequence(_cjk(text), _cjk("".join(pieces)))
    # passages are exactly the paragraphs, in order
    para_text = "".join("".join(s.paragraphs) for s in sections)
    assert re.sub(r"\s", "", "".join(p.text for p in passages)) == re.sub(r"\s", "", para_text)
    # and splitting the whole document is splitting each section in turn
    assert [p.text for p in passages] == [p.text for s in sections for p in split_passages("d", [s])]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_passage_invariants(prefix, source):
    _, sections, passages = _parse_seed(prefix, source)
    assert passages and [p.ordinal for p in passages] == list(range(len(passages)))
    for p in passages:
        assert p.text.strip()
        assert p.section_kind in SECTION_KINDS
        assert len(p.text) <= 600 or not re.search(r"[。!?;]", p.text[:-1])
    for s in sections:
        assert s.kind in SECTION_KINDS
        assert (s.level == 0) == (s.heading == "") and len(s.heading_path) == s.level
        if s.heading:
            assert s.heading_path[-1] == s.heading and not s.heading.endswith("。")


@pytest.mark.parametrize("source", SOURCES)
def test_seed_000_beilun(source):
    _, sections, passages = _parse_seed("000", source)
    tops = [(s.heading, s.kind) for s in sections if s.level == 1]
    assert list(dict.fromkeys(tops)) == [("2017年依法行政工作回顾", "achievements"),
                                         ("2018年依法行政工作思路", "plans")]
    base = _section(sections, "一、扎实推进法治政府建设基础工作")
    assert base.heading_path == ["2017年依法行政工作回顾", "一、扎实推进法治政府建设基础工作"]
    assert base.kind == "achievements"
    lead = _section(sections, "(一)加强领导统筹")
    assert lead.level == 3 and lead.kind == "achievements"
    assert lead.heading_path[:2] == base.heading_path
    numbered = [s for s in sections if s.heading_path[:1] == ["2017年依法行政工作回顾"] and s.level > 1]
    assert len(numbered) == 6 + 21 and all(s.kind == "achievements" for s in numbered)
    plans = [s for s in sections if s.heading_path[:1] == ["2018年依法行政工作思路"] and s.level == 2]
    assert [s.heading[:2] for s in plans] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert all(s.kind == "plans" for s in plans)

    p = _passage(passages, "移交区检察院涉刑案件30件")
    assert p.section_kind == "achievements" and len(p.heading_path) >= 2
    assert p.heading_path == ["2017年依法行政工作回顾", "四、严格规范公正文明执法", "(三)创新行政执法监督工作机制"]
    assert p.text.startswith("(三)创新行政执法监督工作机制。一是探索建立")
    assert _passage(passages, "新收行政复议案件36件").section_kind == "achievements"
    p = _passage(passages, "仍存在一定的差距")
    assert p.section_kind == "problems" and p.heading_path == ["2017年依法行政工作回顾"]
    assert _passage(passages, "2017年,我区依法行政工作在区委的正确领导下").section_kind == "achievements"
    assert _passage(passages, "2018年,区政府将在区委的统一领导下").section_kind == "plans"
    p = _passage(passages, "主任、副主任、各位委员:")
    assert p.section_kind == "preamble" and p.heading_path == [] and p.ordinal == 0
    assert _passage(passages, "(一)加强领导统筹。进一步明确").text.startswith("(一)加强领导统筹。")


@pytest.mark.parametrize("source", SOURCES)
def test_seed_001_suixi(source):
    _, sections, passages = _parse_seed("001", source)
    top = _section(sections, "一、工作开展情况")
    assert top.level == 1 and top.kind == "achievements"
    duty = _section(sections, "(一)依法全面履行政府职能")
    assert duty.heading_path == ["一、工作开展情况", "(一)依法全面履行政府职能"] and duty.kind == "achievements"
    measures = [p for p in passages if p.heading_path == duty.heading_path]
    assert [p.text[:2] for p in measures] == [f"{n}是" for n in "一二三四五六七八九十"]
    assert measures[0].text.startswith("一是优化机构设置。")
    assert all(p.section_kind == "achievements" for p in measures)
    assert _section(sections, "(八)健全组织保障工作机制").kind == "achievements"
    assert len([s for s in sections if s.heading_path[:1] == ["一、工作开展情况"] and s.level == 2]) == 8

    problems = _section(sections, "二、存在问题")
    assert problems.level == 1 and problems.kind == "problems"
    assert _passage(passages, "一是思想认识不够到位").section_kind == "problems"
    assert _passage(passages, "但仍存在部分问题").section_kind == "problems"

    plan = _section(sections, "三、2020年重点工作安排")
    assert plan.level == 1 and plan.kind == "plans"
    children = [s for s in sections if s.heading_path[:1] == [plan.heading] and s.level == 2]
    assert len(children) == 7 and all(s.kind == "plans" for s in children)
    assert _passage(passages, "下一步,我县将继续按照").section_kind == "plans"
    closing = _passage(passages, "2020年,濉溪县人民政府将继续")
    assert closing.section_kind == "plans" and closing.heading_path == ["三、2020年重点工作安排"]
    assert closing.ordinal == len(passages) - 1
    assert all("2020年2月28日" not in s.heading for s in sections)
    p = _passage(passages, "县委:")
    assert p.section_kind == "preamble" and p.ordinal == 0


@pytest.mark.parametrize("source", SOURCES)
def test_seed_002_huli(source):
    _, sections, passages = _parse_seed("002", source)
    assert sections[0].kind == "preamble"
    assert {s.kind for s in sections[1:]} == {"achievements"}
    assert [s.heading for s in sections if s.level == 1] == [
        "一、加强组织领导,推动法治政府建设工作落实", "二、加强机制体制创新,服务经济社会发展大局",
        "三、突出问题导向,切实提升依法行政能力"]
    assert len([s for s in sections if s.level == 2]) == 6
    p = _passage(passages, "2017年湖里区行政复议案件审理情况报告")
    assert p.section_kind == "achievements"
    assert p.heading_path == ["三、突出问题导向,切实提升依法行政能力", "(三)加强工作指导,全面提升依法行政工作水平"]
    # the long first section is split at its measures, lead-in with the first
    first = [p for p in passages if p.heading_path == ["一、加强组织领导,推动法治政府建设工作落实"]]
    assert first[0].text.startswith("2017年,湖里区政府") and "一是加强工作规划" in first[0].text
    assert [p.text[:2] for p in first[1:]] == ["二是", "三是", "四是", "五是", "六是"]


@pytest.mark.parametrize("source", SOURCES)
def test_seed_003_lianhu(source):
    _, sections, passages = _parse_seed("003", source)
    pre = sections[0]
    assert pre.kind == "preamble" and pre.level == 0
    assert pre.paragraphs[0].startswith("区人民政府各工作部门") and pre.paragraphs[-1] == "2017年5月23日"
    title = "莲湖区2017年法治政府建设工作要点"
    assert _section(sections, title).level == 1
    assert [s.heading for s in sections if s.level == 2] == ["一、总体目标", "二、主要任务", "三、工作要求"]
    assert _section(sections, "一、总体目标").kind == "plans"
    assert _section(sections, "二、主要任务").kind == "plans"
    org = _section(sections, "(一)加强组织领导")
    assert org.heading_path == [title, "二、主要任务", "(一)加强组织领导"] and org.kind == "plans"
    task = _section(sections, "1.抓好《纲要》贯彻落实")
    assert task.heading_path == [title, "二、主要任务", "(一)加强组织领导", "1.抓好《纲要》贯彻落实"]
    assert task.kind == "plans" and task.level == 4
    tasks = [s for s in sections if s.level == 4]
    assert len(tasks) == 5 + 5 + 6 + 2 + 3 + 6 + 3 + 5 + 4 and all(s.kind == "plans" for s in tasks)
    assert len([s for s in sections if s.level == 3 and s.heading_path[1] == "二、主要任务"]) == 9
    req = _section(sections, "三、工作要求")
    assert req.kind == "requirements"
    reqs = [s for s in sections if s.heading_path[1:2] == ["三、工作要求"] and s.level == 3]
    assert len(reqs) == 3 and all(s.kind == "requirements" for s in reqs)
    assert _passage(passages, "于6月5日前报区法制办").section_kind == "requirements"
    assert _passage(passages, "1.抓好《纲要》贯彻落实。根据《纲要》").section_kind == "plans"
    p = _passage(passages, "现印发给你们")
    assert p.section_kind == "preamble" and p.heading_path == []
    assert all(p.section_kind in ("plans", "requirements") for p in passages if len(p.heading_path) >= 2)


@pytest.mark.parametrize("source", SOURCES)
def test_seed_004_qinhuangdao(source):
    _, sections, passages = _parse_seed("004", source)
    fused = _section(sections, "(一)宪法学习宣传实施成效明显")
    assert fused.level == 2 and fused.kind == "achievements"
    assert fused.heading_path == ["一、以贯彻实施新宪法为主线,推进法治政府建设新跨越", fused.heading]
    assert fused.paragraphs[0].startswith("(一)宪法学习宣传实施成效明显全市政府系统")
    assert _passage(passages, "(一)宪法学习宣传实施成效明显全市政府系统").heading_path[-1] == fused.heading
    assert _section(sections, "(二)“七五”普法稳步推进").kind == "achievements"
    tops = [s for s in sections if s.level == 1]
    assert [s.heading[:2] for s in tops] == ["一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、"]
    assert all(s.kind == "achievements" for s in tops)
    assert len([s for s in sections if s.level == 2]) == 21
    assert _passage(passages, "还存在一些不足").section_kind == "problems"
    assert _passage(passages, "下一步,全市行政机关将").section_kind == "plans"
    assert _passage(passages, "依法解决170个房地产遗留问题").section_kind == "achievements"
    assert passages[0].section_kind == "preamble"


def test_linear_time_on_a_large_document():
    import time
    text = "\n".join(_seed_text(p) for p in sorted(SEEDS)) * 20          # ~0.8 M characters
    start = time.perf_counter()
    passages = split_passages("big", parse_sections(text, "", "annual_report"))
    assert passages and time.perf_counter() - start < 10 * TIME_SCALE


@pytest.mark.parametrize("heading, kind", [
    ("二、“十五五”时期的主要目标和重点任务", "plans"),
    ("二、“十五五”时期目标任务和2026年工作安排", "plans"),
    ("“十四五”时期主要目标", "plans"),
    ("（三）全面完成主要目标任务", None),            # what was done
    ("一、2025年和“十四五”时期工作回顾", "achievements"),
])
def test_work_report_plan_headings(heading, kind):
    assert classify_heading(heading) == kind
