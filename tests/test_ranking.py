"""Synonym expansion and the concreteness-aware ranking, through the engine."""
import pytest

from searchlib.api import build, open_index

from .test_cli import run


def texts(result):
    return [h.text for h in result.hits]


# -- synonyms ------------------------------------------------------------------------

def test_abbreviation_finds_the_full_form_and_back(seed_index):
    # the seeds say "两法衔接" and "行政执法和刑事司法衔接"; users type any of the three
    for q in ("两法衔接", "行政执法与刑事司法衔接", "行刑衔接"):
        top = texts(seed_index.search(q, limit=3))
        assert any("移交区检察院涉刑案件30件" in t for t in top), q
        assert any("对全33个移送司法机关案件进行审查" in t for t in top), q


def test_one_way_rule_expands_in_one_direction_only(seed_index):
    plan = seed_index.plan("三项制度")
    assert "行政执法公示制度" in plan.expansions["三项制度"]
    back = seed_index.plan("行政执法公示制度")
    assert "三项制度" not in sum(back.expansions.values(), [])


def test_no_synonyms_switch(seed_index):
    assert seed_index.plan("行刑衔接", synonyms=True).expansions
    assert not seed_index.plan("行刑衔接", synonyms=False).expansions
    on = texts(seed_index.search("行刑衔接", synonyms=True, limit=3))
    off = texts(seed_index.search("行刑衔接", synonyms=False, limit=3))
    assert on != off


def test_expanded_terms_weigh_less_than_typed_ones(seed_index):
    hit = seed_index.search("两法衔接", limit=1).hits[0]
    assert "两法衔接" in hit.text          # the passage with the typed term comes first


@pytest.fixture()
def phrase_corpus(tmp_path):
    c = tmp_path / "c"
    c.mkdir()
    (c / "a.txt").write_text("甲区2018年依法行政工作报告\n一、工作成效\n严格落实执法全过程记录制度,配备执法记录仪200台。\n",
                             encoding="utf-8")
    (c / "b.txt").write_text("乙区2018年依法行政工作报告\n一、工作成效\n全过程推进执法工作,做好档案记录。规范执法程序。\n",
                             encoding="utf-8")
    build([c], tmp_path / "ix")
    (tmp_path / "ix" / "synonyms.txt").write_text("# user rule\nzfqgc => 执法全过程记录\n", encoding="utf-8")
    return tmp_path / "ix"


def test_multiword_expansion_matches_only_the_phrase(phrase_corpus):
    with open_index(phrase_corpus) as idx:     # the index's own synonyms.txt, no rebuild
        res = idx.search("zfqgc")
        assert [h.doc_id for h in res.hits] == ["a.txt"]


def test_user_synonyms_file_option(phrase_corpus, tmp_path):
    extra = tmp_path / "mine.txt"
    extra.write_text("档案三件套 => 档案记录\n", encoding="utf-8")
    with open_index(phrase_corpus, synonyms=extra) as idx:
        assert [h.doc_id for h in idx.search("档案三件套").hits] == ["b.txt"]
    r = run("--index", phrase_corpus, "search", "档案三件套", "--synonyms-file", extra, "--json")
    assert r.exit_code == 0 and '"b.txt"' in r.output


def test_synonyms_command_prints_the_expansion(seed_index_dir):
    r = run("--index", seed_index_dir, "synonyms", "三项制度")
    assert r.exit_code == 0
    assert "行政执法公示制度" in r.output and "重大执法决定法制审核制度" in r.output


# -- concreteness --------------------------------------------------------------------

@pytest.fixture()
def crafted_index(tmp_path):
    c = tmp_path / "c"
    c.mkdir()
    (c / "r.txt").write_text(
        "某区2018年法治政府建设情况报告\n"
        "一、主要工作\n"
        "(一)行政复议工作\n"
        "深入贯彻落实党的十九大精神,高度重视行政复议工作,进一步加强行政复议工作,不断提高工作水平。\n"
        "全年新收行政复议案件36件,审结30件,纠错5件,出台《行政复议案件办理规程》。\n"
        "(三)城市管理。全年拆除违法建筑120万平方米,整治道路45条,新增绿地300亩,完成投资8亿元,"
        "新建停车位2000个。\n",
        encoding="utf-8")
    build([c], tmp_path / "ix")
    with open_index(tmp_path / "ix") as idx:
        yield idx


def test_concrete_passage_outranks_boilerplate(crafted_index):
    res = crafted_index.search("行政复议")
    assert "新收行政复议案件36件" in res.hits[0].text
    assert "高度重视" in res.hits[1].text


def test_figures_do_not_win_off_topic(crafted_index):
    res = crafted_index.search("行政复议", limit=10)
    assert all("违法建筑" not in t for t in texts(res))


def test_explain_shows_the_concreteness_factor(crafted_index):
    hit = crafted_index.search("行政复议", explain=True).hits[0]
    e = hit.explanation
    assert e["concreteness_factor"] > 1 and "body:行政复议" in e["matched_terms"]
    assert abs(e["text_score"] * e["concreteness_factor"] * e["answer_factor"] - e["score"]) < 0.01


def test_quantity_query_puts_counts_first(seed_index):
    res = seed_index.search("主动公开政府信息 条", limit=3)
    assert all(any(f.unit == "条" for f in h.figures) for h in res.hits[:2])


def test_section_kind_query(seed_index):
    res = seed_index.search("存在的问题和不足", limit=3)
    assert [h.section_kind for h in res.hits[:2]] == ["problems", "problems"]


def test_json_has_figures(seed_index_dir):
    import json
    r = run("--index", seed_index_dir, "search", "涉刑案件", "--json", "--limit", "1")
    fig = json.loads(r.output)["hits"][0]["figures"]
    assert {"value": 30.0, "unit": "件"}.items() <= next(f for f in fig if f["value"] == 30).items()


def test_synonyms_apply_inside_whoosh_syntax(seed_index):
    res = seed_index.search('"行刑衔接" OR 三改一拆', limit=10)
    assert any("移交区检察院涉刑案件30件" in t for t in texts(res))
    assert not seed_index.search('"行刑衔接"', synonyms=False).hits


def test_explain_lists_the_synonym_phrase_that_matched(seed_index):
    hit = next(h for h in seed_index.search("两法衔接", explain=True).hits
               if "行政执法和刑事司法衔接" in h.text)
    assert any(t.startswith('body:"') and "刑事司法" in t for t in hit.explanation["matched_terms"])
