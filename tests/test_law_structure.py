"""Laws, regulations and judicial interpretations read by structure: 第X编/章/节 headings,
one passage per 第X条 with its number in the heading path, doc type from title and issuer."""
import re

import pytest

from searchlib.metadata import infer_doc_type
from searchlib.normalize import normalize_document_text
from searchlib.structure import MAX_PASSAGE_CHARS, parse_sections, split_passages
from tests.conftest import SHARED

LAW = """中华人民共和国示例复议法
1999年4月29日第九届全国人民代表大会常务委员会第九次会议通过
## 第一章 总 则
第一条 为了防止和纠正违法的或者不当的行政行为，制定本法。
第二条 公民、法人或者其他组织认为行政行为侵犯其合法权益，适用本法。
前款所称行政行为，包括法律、法规、规章授权的组织的行政行为。
## 第三章 行政复议申请
### 第一节 申请人
第十一条 有下列情形之一的，可以依照本法申请行政复议：
（一）对行政机关作出的行政处罚决定不服；
（二）对行政机关作出的行政强制措施决定不服。
第十二条 依照本法申请行政复议的公民、法人或者其他组织是申请人。
第十一条第二款规定的组织，以其负责人为代表人。
第十二条之一 申请人可以委托代理人。
### 第二节 被申请人
第十三条 作出行政行为的行政机关是被申请人。
第四章 附 则
第九十条 本法自2024年1月1日起施行。
"""


def _passages(text, doc_type="law"):
    sections = parse_sections(normalize_document_text(text).split("\n", 1)[1], "", doc_type)
    return sections, split_passages("law.txt", sections)


def test_each_article_is_one_passage_under_its_chapter_and_section():
    _, passages = _passages(LAW)
    paths = [" › ".join(p.heading_path) for p in passages]
    assert paths == ["", "第一章 总则 › 第一条", "第一章 总则 › 第二条",
                     "第三章 行政复议申请 › 第一节 申请人 › 第十一条",
                     "第三章 行政复议申请 › 第一节 申请人 › 第十二条",
                     "第三章 行政复议申请 › 第一节 申请人 › 第十二条之一",
                     "第三章 行政复议申请 › 第二节 被申请人 › 第十三条",
                     "第四章 附则 › 第九十条"]
    # 款 and 项 stay in their article; a 款 citing 第十一条第二款 is not an article
    assert passages[2].text.endswith("包括法律、法规、规章授权的组织的行政行为。")
    assert "(二)对行政机关作出的行政强制措施决定不服" in passages[3].text
    assert passages[4].text.count("\n") == 1 and "以其负责人为代表人" in passages[4].text
    assert passages[0].section_kind == "preamble" and "第九次会议通过" in passages[0].text


def test_chapters_sections_and_books_nest_by_rank():
    text = ("民法典\n第一编 总则\n第一章 基本规定\n第一条 为了保护民事主体的合法权益，制定本法。\n"
            "第二编 物权\n第一分编 通则\n第一章 一般规定\n第二条 本编调整物权关系。\n")
    sections, passages = _passages(text)
    assert [p.heading_path for p in passages] == [["第一编 总则", "第一章 基本规定", "第一条"],
                                                  ["第二编 物权", "第一分编 通则", "第一章 一般规定", "第二条"]]
    assert [s.level for s in sections if s.article] == [3, 4]


def test_a_long_article_is_still_bounded():
    text = "某条例\n第一条 总则。\n第二条 " + "行政机关应当依法履行职责。" * 400 + "\n第三条 附则。\n"
    _, passages = _passages(text, "regulation")
    long = [p for p in passages if p.heading_path == ["第二条"]]
    assert len(long) > 1 and all(len(p.text) <= MAX_PASSAGE_CHARS for p in long)
    assert "".join(p.text for p in long).startswith("第二条")


def test_a_report_that_cites_an_article_is_not_read_as_a_law():
    text = ("某区2019年法治政府建设情况报告\n一、主要工作\n第一条规定的制度全面落实,全年办理行政复议案件36件。\n"
            "二、存在的问题\n基层执法力量不足。\n")
    sections, _ = _passages(text, "annual_report")
    assert not any(s.article for s in sections)
    assert [s.heading for s in sections if s.heading] == ["一、主要工作", "二、存在的问题"]


@pytest.mark.parametrize("title,issuer,text,kind", [
    ("中华人民共和国行政复议法", "", "", "law"),
    ("中华人民共和国刑法修正案(十一)", "", "", "law"),
    ("中华人民共和国民法典", "", "", "law"),
    ("全国人民代表大会常务委员会关于修改《中华人民共和国行政复议法》的决定", "", "", "law"),
    ("中华人民共和国外交特权与豁免条例", "", "1986年9月5日第六届全国人民代表大会常务委员会第十七次会议通过", "law"),
    ("中华人民共和国行政复议法实施条例", "", "2007年5月23日国务院第177次常务会议通过", "regulation"),
    ("浙江省电梯安全条例", "", "", "regulation"),
    ("北京市人民代表大会常务委员会关于加强市级预算审查监督的决定", "", "", "regulation"),
    ("最高人民法院关于审理行政案件适用法律规范问题的座谈会纪要", "", "", "judicial_interpretation"),
    ("关于审理非法行医刑事案件具体应用法律若干问题的解释", "最高人民法院", "", "judicial_interpretation"),
    ("关于处理自首和立功具体应用法律若干问题的解释", "", "1998年4月6日最高人民法院审判委员会第972次会议通过",
     "judicial_interpretation"),
    ("人民检察院刑事诉讼规则", "", "", "judicial_interpretation"),
    ("最高人民法院工作报告", "", "", "annual_report"),
    ("宁波市北仑区2019年法治政府建设情况报告", "", "", "annual_report"),
])
def test_rule_types_from_title_and_issuer(title, issuer, text, kind):
    assert infer_doc_type(title, issuer, text) == kind


LAWS = SHARED / "corpus-external" / "lawrefbook-laws"
_ARTICLE_LINE = re.compile(r"^\s*第[一二三四五六七八九十百千零〇]+条(?:之[一二三四五六七八九十]+)?[\s\u3000]")
SAMPLE = ["诉讼与非诉讼程序法/2023-09-01_行政复议法.txt", "行政法规/2007-05-29_行政复议法实施条例.txt",
          "刑法/2020-12-26_刑法.txt", "民法典/2020-05-28_合同编.txt",
          "司法解释/1998-04-17_最高人民法院关于处理自首和立功具体应用法律若干问题的解释.txt"]


@pytest.mark.parametrize("name", SAMPLE)
def test_articles_of_real_laws(name):
    """On the external corpus: as many article passages as the file has 第X条 lines, each
    heading path ending in its article number."""
    from searchlib.pipeline import analyse_file
    path = LAWS / name
    if not path.is_file():
        pytest.skip("../shared/corpus-external/lawrefbook-laws is not present")
    want = [ln.split()[0] for ln in path.read_text(encoding="utf-8").splitlines() if _ARTICLE_LINE.match(ln)]
    doc = analyse_file(path, path.parent)
    articles = [s.heading for s in doc.sections if s.article]
    assert articles == want
    assert doc.doc_type in ("law", "regulation", "judicial_interpretation")
    for p in doc.passages:
        if p.heading_path and p.heading_path[-1].endswith("条"):
            assert p.text.startswith(p.heading_path[-1])


def test_xingzheng_fuyi_fa_paths():
    path = LAWS / SAMPLE[0]
    if not path.is_file():
        pytest.skip("../shared/corpus-external/lawrefbook-laws is not present")
    from searchlib.pipeline import analyse_file
    doc = analyse_file(path, path.parent)
    assert doc.doc_type == "law" and doc.region.code == "100000"
    paths = {" › ".join(p.heading_path) for p in doc.passages}
    assert "第二章 行政复议申请 › 第一节 行政复议范围 › 第十一条" in paths
    assert len([p for p in doc.passages if p.heading_path and p.heading_path[-1].endswith("条")]) == 90


def test_search_hits_carry_the_article_path_and_type(tmp_path):
    from searchlib import api
    from tests.conftest import build_small_index
    index = build_small_index(tmp_path, {
        "law.txt": LAW,
        "si.txt": "关于处理自首和立功具体应用法律若干问题的解释\n1998年4月6日最高人民法院审判委员会第972次会议通过\n"
                  "第一条 犯罪以后自动投案，如实供述自己的罪行的，是自首。\n第二条 被采取强制措施的犯罪嫌疑人如实供述的，以自首论。\n"})
    with api.open_index(index) as idx:
        hits = idx.search("申请人 代理人", type="law").hits
        assert hits and hits[0].heading_path == ["第三章 行政复议申请", "第一节 申请人", "第十二条之一"]
        assert [h.doc_id for h in idx.search("自首", type="judicial_interpretation").hits][:1] == ["si.txt"]
