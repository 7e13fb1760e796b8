"""Laws and regulations as users know them: issuer, 效力级别, adoption / amendment /
effective dates from the lines under the title or the file name, the edition they make and
which indexed edition is current; filters, facets and the document's page say so. File-name
titles lose a library's date and region fields."""
import json

import pytest
from click.testing import CliRunner

from searchlib import api
from searchlib.cli import main
from searchlib.metadata import rule_facts

OLD = ("中华人民共和国行政复议法\n\n1999年4月29日第九届全国人民代表大会常务委员会第九次会议通过\n"
       "2017年9月1日第十二届全国人民代表大会常务委员会第二十九次会议修正\n\n"
       "第一条为了防止和纠正违法的或者不当的具体行政行为，保护公民、法人和其他组织的合法权益，制定本法。\n\n"
       "第九条公民、法人或者其他组织认为具体行政行为侵犯其合法权益的，可以自知道该具体行政行为之日起六十日内提出行政复议申请。\n")
NEW = ("中华人民共和国行政复议法\n\n1999年4月29日第九届全国人民代表大会常务委员会第九次会议通过\n"
       "2023年9月1日第十四届全国人民代表大会常务委员会第五次会议修订\n\n"
       "第一条为了防止、纠正违法的或者不当的行政行为，保护公民、法人和其他组织的合法权益，制定本法。\n\n"
       "第二十条公民、法人或者其他组织认为行政行为侵犯其合法权益的，可以自知道或者应当知道该行政行为之日起六十日内提出行政复议申请。\n\n"
       "第九十条本法自2024年1月1日起施行。\n")
LOCAL = ("浙江省行政执法监督条例\n\n2019年9月27日浙江省第十三届人民代表大会常务委员会第十四次会议通过\n\n"
         "第一条为了加强行政执法监督，制定本条例。\n")
RULES = {"2017-09-01_行政复议法.txt": OLD, "2023-09-01_行政复议法.txt": NEW, "2019-09-27_浙江省行政执法监督条例.txt": LOCAL,
         "2024-01-24_煤矿安全生产条例.txt": "煤矿安全生产条例\n\n第一条为了加强煤矿安全生产工作，制定本条例。\n",
         "2014_全国_2014年中华人民共和国国务院政府工作报告.txt": "政府工作报告\n\n各位代表：\n现在，我代表国务院，向大会报告政府工作。\n"}


def test_preamble_lines_give_issuer_level_dates_and_edition():
    facts = rule_facts("中华人民共和国行政复议法", NEW, "law", None, "2023-09-01_行政复议法.txt")
    assert facts == {"issuer": "全国人民代表大会常务委员会", "level": "法律", "adopted": "1999-04-29",
                     "amended": "2023-09-01", "effective": "2024-01-01", "edition": "2023年修订",
                     "edition_date": "2023-09-01", "rule_key": "行政复议法"}
    local = rule_facts("浙江省行政执法监督条例", LOCAL, "regulation", None)
    assert local["issuer"] == "浙江省人民代表大会常务委员会" and local["level"] == "地方性法规"
    named = rule_facts("煤矿安全生产条例", "第一条…", "regulation", None, "2024-01-24_煤矿安全生产条例.txt")
    assert (named["level"], named["edition"], named["edition_date"]) == ("行政法规", "2024年版", "2024-01-24")
    assert rule_facts("关于2019年法治政府建设情况的报告", "", "annual_report", None) is None


@pytest.fixture(scope="module")
def rules_index(tmp_path_factory):
    from tests.conftest import build_small_index
    return build_small_index(tmp_path_factory.mktemp("rules"), RULES)


def test_editions_filters_and_facets(rules_index):
    with api.open_index(rules_index) as idx:
        hits = idx.search("行政复议 申请 六十日", per_doc=0).hits
        by_doc = {h.doc_id: h for h in hits}
        assert by_doc["2023-09-01_行政复议法.txt"].current is True
        assert by_doc["2017-09-01_行政复议法.txt"].current is False
        assert by_doc["2017-09-01_行政复议法.txt"].edition == "2017年修正"
        assert {h.doc_id for h in idx.search("行政执法 监督", level="地方性法规").hits} == \
            {"2019-09-27_浙江省行政执法监督条例.txt"}
        assert idx.search("行政复议", issuer="国务院").total == 0
        assert idx.search("level:法律 行政复议").total == idx.search("行政复议", level="法律").total > 0
        levels = {v["value"] for v in idx.search("制定", facets=True).facets["level"]}
        assert levels == {"法律", "地方性法规", "行政法规"}
        doc = idx.document("2017-09-01_行政复议法.txt")
        assert doc["current"] is False and doc["published"] == "2017-09-01"
        assert [e["edition"] for e in doc["editions"]] == ["2023年修订", "2017年修正"]
        titles = {d["doc_id"]: d["title"] for d in idx.documents()}
        assert titles["2014_全国_2014年中华人民共和国国务院政府工作报告.txt"] == "2014年中华人民共和国国务院政府工作报告"
        assert titles["2024-01-24_煤矿安全生产条例.txt"] == "煤矿安全生产条例"
        with pytest.raises(api.QuerySyntaxError, match="unknown level"):
            idx.search("行政复议", level="法规")


def test_cli_and_page_show_the_edition(rules_index):
    run = CliRunner().invoke
    shown = run(main, ["--index", str(rules_index), "show", "2017-09-01_行政复议法.txt"]).output
    assert "rule: 法律 · 全国人民代表大会常务委员会 · 2017年修正 · a newer edition is indexed" in shown
    assert "other editions: 2023年修订 (2023-09-01_行政复议法.txt)" in shown
    listed = json.loads(run(main, ["--index", str(rules_index), "docs", "--level", "法律", "--json"]).output)
    assert len(listed) == 2
    from searchlib.web import create_app
    client = create_app(rules_index).test_client()
    page = client.get("/doc/2023-09-01_行政复议法.txt").get_data(as_text=True)
    assert "效力级别" in page and "2023年修订（现行版本）" in page and "2017年修正" in page
    found = client.get("/?q=行政复议&level=法律").get_data(as_text=True)
    assert "效力级别" in found and "共 " in found


def test_law_hits_say_their_level_and_edition(rules_index):
    from searchlib.web import create_app
    html = create_app(rules_index).test_client().get("/?q=行政复议 申请&per_doc=0").get_data(as_text=True)
    assert "法律 · 2023年修订（现行）" in html and "2017年修正（<strong>已有新版本</strong>）" in html
    out = CliRunner().invoke(main, ["--index", str(rules_index), "search", "行政复议 申请", "--per-doc", "0"]).output
    assert "法律 · 2017年修正, a newer edition is indexed" in out
