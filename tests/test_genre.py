"""Genre-aware ranking and diversity: a report passage that says what was done beats a law
article that names the same term, unless the query asks for the rule itself; one document
does not fill the first page."""
import pytest

from searchlib import api
from searchlib.query import RULE_INTENT
from tests.conftest import build_small_index

LAW = """中华人民共和国行政复议法

第一章 总则

第一条 为了防止和纠正违法的或者不当的行政行为，保护公民、法人和其他组织的合法权益，监督和保障行政机关依法行使职权，根据宪法，制定本法。

第二条 公民、法人或者其他组织认为行政行为侵犯其合法权益，向行政复议机关提出行政复议申请，行政复议机关办理行政复议案件，适用本法。
"""

REPORT = """某某区2019年法治政府建设年度报告

一、主要工作

（一）行政复议工作。全年共收到行政复议申请42件，受理38件，审结35件，纠错率11.4%，行政复议案件办理质量进一步提升。

（二）行政应诉工作。全年行政诉讼案件21件，行政机关负责人出庭应诉率100%。
"""


@pytest.fixture(scope="module")
def genre_index(tmp_path_factory):
    files = {"law.txt": LAW, "report.txt": REPORT}
    files.update({f"filler{i}.txt": f"某县{i}号工作报告\n\n开展普法宣传活动{i + 3}场。\n" for i in range(3)})
    with api.open_index(build_small_index(tmp_path_factory.mktemp("genre"), files)) as idx:
        yield idx


def test_rule_intent():
    for q in ["行政复议法 第十二条", "《行政处罚法》", "行政许可 法律依据", "优化营商环境条例", "土地管理法"]:
        assert RULE_INTENT.search(q), q
    for q in ["两法衔接", "七五普法", "严格执法", "行政执法与刑事司法衔接", "行政复议 案件", "依法行政"]:
        assert not RULE_INTENT.search(q), q


def test_a_word_asking_for_the_rule_is_matched_by_the_rules(genre_index):
    """行政复议 案件 法律依据: 法律依据 is not looked for as text (the law does not say it);
    the law's article on 行政复议案件 comes before the report's figures."""
    plan = genre_index.plan("行政复议 案件 法律依据")
    assert plan.intent_concepts == ["法律依据"] and "matched by laws and regulations" in plan.describe()
    hits = genre_index.search("行政复议 案件 法律依据", limit=5).hits
    assert hits[0].doc_id == "law.txt" and "行政复议案件" in hits[0].text
    assert genre_index.search("行政复议 案件", limit=1).hits[0].doc_id == "report.txt"


def test_types_are_what_the_titles_say(genre_index):
    types = {d["doc_id"]: d["doc_type"] for d in genre_index.documents()}
    assert types["law.txt"] == "law" and types["report.txt"] == "annual_report"


def test_a_report_passage_beats_a_law_article_naming_the_term(genre_index):
    hits = genre_index.search("行政复议 案件", limit=5).hits
    assert hits[0].doc_id == "report.txt"
    assert hits[0].explanation is None
    law = [h for h in hits if h.doc_id == "law.txt"]
    assert law and law[0].score < hits[0].score


def test_a_query_for_the_rule_gets_the_law(genre_index):
    hits = genre_index.search("行政复议法 第二条", limit=5, explain=True).hits
    assert hits[0].doc_id == "law.txt" and "第二条" in hits[0].text
    assert hits[0].explanation["genre_prior"] > 1


def test_at_most_n_passages_per_document(seed_index):
    capped = seed_index.search("行政执法", limit=10).hits
    assert max(sum(h.doc_id == d for h in capped) for d in {h.doc_id for h in capped}) <= 3
    uncapped = seed_index.search("行政执法", limit=10, per_doc=0).hits
    assert len(uncapped) == 10 == len(capped)
    one = seed_index.search("行政执法", limit=10, per_doc=1).hits
    # the best passage of each of the four seeds that say 行政执法 first, then their next ones:
    # the cap orders, it hides nothing
    assert len({h.doc_id for h in one[:4]}) == 4 and len(one) == 10
    assert {h.doc_id for h in one[4:8]} == {h.doc_id for h in one[:4]}
    assert one[0].score >= one[3].score and one[4].score >= one[7].score
    assert seed_index.search("行政执法", per_doc=1).total == seed_index.search("行政执法", per_doc=0).total
    with pytest.raises(api.QuerySyntaxError):
        seed_index.search("行政执法", per_doc=-1)


QUANTITY = {
    "a.txt": "甲区工作报告\n\n一、城市绿化\n\n加强城市绿化管理，持续推进城市绿化工作，城市绿化水平不断提高，城市绿化成效明显。\n",
    "b.txt": "乙区工作报告\n\n一、城市绿化\n\n全年新增城市绿化面积12.5万平方米，建成口袋公园6个。\n",
    "c.txt": "丙区工作报告\n\n一、执法经费\n\n落实行政执法经费保障，全年执法经费380万元。\n",
}


@pytest.fixture(scope="module")
def quantity_index(tmp_path_factory):
    with api.open_index(build_small_index(tmp_path_factory.mktemp("qty"), QUANTITY)) as idx:
        yield idx


@pytest.mark.parametrize("query, first, unit", [("城市绿化 面积", "b.txt", "平方米"), ("执法 经费", "c.txt", "元")])
def test_a_quantity_word_asks_for_figures_in_its_units(quantity_index, query, first, unit):
    plan = quantity_index.plan(query)
    assert plan.wants_figures and unit in plan.units
    assert all(c not in ("面积", "经费") for c in plan.concepts)      # not searched as text
    hits = quantity_index.search(query, limit=3).hits
    assert hits[0].doc_id == first and any(f.unit == unit for f in hits[0].figures)


def test_kind_intent_ranks_by_relevance_not_document_order(seed_index):
    """下一步工作打算 names the plans: every plans passage answers it, the concrete ones
    first, not the first ones in the document."""
    hits = seed_index.search("下一步工作打算", limit=8).hits
    assert all(h.section_kind == "plans" for h in hits)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) > 1
    order = [(h.doc_id, int(h.passage_id.split("#")[1])) for h in hits]
    assert order != sorted(order)


def test_graded_coordination_keeps_passages_with_every_concept_on_top(seed_index):
    res = seed_index.search("行政复议 案件", limit=10, explain=True)
    flags = [h.explanation["all_concepts"] for h in res.hits]
    assert flags[0] and flags[:3] == [True, True, True]


def test_the_same_passage_in_two_reports_is_shown_once(tmp_path):
    text = "二、主要做法\n\n全年共办理行政复议案件58件，纠错率12%，行政复议主渠道作用进一步发挥。\n"
    index = build_small_index(tmp_path, {
        "a.txt": "甲县法治政府建设年度报告\n\n" + text,
        "b.txt": "乙县法治政府建设年度报告\n\n一、其他\n\n本县推进依法行政。\n\n" + text.replace("，", ", ")})
    with api.open_index(index) as idx:
        hits = idx.search("行政复议 案件", limit=10).hits
        assert sum("纠错率12%" in h.text for h in hits) == 1
        res = idx.search("行政复议 案件", limit=10)
        # the count is what paging can show; the copy is counted apart and shown on request
        assert res.total == 1 and res.duplicates_hidden == 1
        every = idx.search("行政复议 案件", limit=10, show_duplicates=True)
        assert every.total == 2 and every.duplicates_hidden == 0
        assert sum("纠错率12%" in h.text for h in every.hits) == 2


def test_a_near_duplicate_passage_is_shown_once(tmp_path):
    """A district's plan copied from the city's with its name changed is the same passage:
    shown once. The same paragraph with a figure of its own (next year's report) is news,
    and so is a passage that shares a sentence and says more."""
    from dataclasses import replace

    from searchlib.ranking import DEFAULT_RANKING
    task = ("（一）推进行政复议规范化建设。{who}畅通行政复议申请渠道，完善行政复议案件登记、立案审查、决定审批、"
            "送达执行等环节，每季度开展一次行政复议案件分析研判，通报典型案例{n}个，加强事前防范。\n")
    files = {"city.txt": "甲市2020年法治政府建设工作要点\n\n一、主要任务\n\n" + task.format(who="市司法局", n=3),
             "district.txt": "甲市乙区2020年法治政府建设工作要点\n\n一、主要任务\n\n" + task.format(who="区司法局", n=3),
             "next.txt": "甲市2021年法治政府建设工作要点\n\n一、主要任务\n\n" + task.format(who="市司法局", n=8),
             "more.txt": "丙县2020年法治政府建设工作要点\n\n一、主要任务\n\n（一）加强行政复议工作。畅通行政复议申请渠道。"
                         "全年办理行政复议案件42件，纠错率11%，组织行政复议人员培训3次，建立行政复议专家库。\n"}
    index = build_small_index(tmp_path, files)
    with api.open_index(index) as idx:
        hits = idx.search("行政复议", per_doc=0).hits
        copies = [h.doc_id for h in hits if "每季度开展一次行政复议案件分析研判" in h.text]
        assert len(copies) == 2 and "next.txt" in copies
        assert any(h.doc_id == "more.txt" for h in hits)
        res = idx.search("行政复议")
        assert (res.total, res.duplicates_hidden, res.counts_exact) == (3, 1, True)
        every = idx.search("行政复议", show_duplicates=True, per_doc=0)
        assert every.total == 4 == len(every.hits) and every.duplicates_hidden == 0
    with api.open_index(index, ranking=replace(DEFAULT_RANKING, collapse_near_duplicates=False)) as idx:
        assert len(idx.search("行政复议", per_doc=0).hits) == 4


def test_near_finds_words_close_together_in_any_order(tmp_path):
    from dataclasses import replace

    from whoosh import query as wq

    from searchlib.query import Near
    from searchlib.ranking import DEFAULT_RANKING
    from searchlib.scorer import Scorer
    far = "这是一段很长的文字" * 8
    index = build_small_index(tmp_path, {"a.txt": "甲报告\n\n规范执法行为，严格行政程序。\n",
                                         "b.txt": f"乙报告\n\n执法工作{far}行政改革。\n"})
    with api.open_index(index) as idx:
        snap = idx._searcher.snapshot()
        scorer = Scorer(snap.passages, snap.stats, DEFAULT_RANKING)
        near = scorer.evaluate(Near("body", ["行政", "执法"], window=4))
        anywhere = scorer.evaluate(wq.And([wq.Term("body", "行政"), wq.Term("body", "执法")]))
        assert len(anywhere) == 2 and len(near) == 1
        assert snap.passages.payload(int(near.ids[0]))["text"].startswith("规范执法行为")
    # as a ranking option: concepts whose words are close together score more
    with api.open_index(index, ranking=replace(DEFAULT_RANKING, proximity_window=4)) as idx:
        assert "near4" in str(idx.plan("行政执法规范").query)


PLAN = """某区2019年法治政府建设工作要点

一、主要任务

（九）强化依法行政监督

3.严格审计监督。实现公共资金、国有资产、国有资源和领导干部经济责任情况审计全覆盖，对审计中发现的问题及时纠正，对责任人员依法追究责任。
"""

DONE = """某市2019年法治政府建设工作报告

一、主要工作

（一）强化政府内部层级监督。依法开展审计监督，全市审计机关共完成审计项目111个，移送案件线索14个，提出审计建议270条。
"""


TWIN = """某县2019年法治政府建设工作报告

一、主要工作

（一）审计监督。全面开展审计监督，推进审计全覆盖工作。

二、下一步工作计划

（一）审计监督。全面开展审计监督，强化审计监督。
"""


def test_what_was_done_beats_a_plan_repeating_the_words(tmp_path):
    files = {"plan.txt": PLAN, "done.txt": DONE}
    files.update({f"filler{i}.txt": f"某县{i}号工作报告\n\n开展普法宣传活动{i + 3}场，加强行政监督。\n" for i in range(4)})
    index = build_small_index(tmp_path, files)
    with api.open_index(index) as idx:
        hits = idx.search("审计监督").hits
        assert hits[0].doc_id == "done.txt" and hits[0].section_kind == "achievements"
        assert any(h.section_kind == "plans" for h in hits[1:])
        # the same words planned and done, in one report: done first, planned first when asked
        both = build_small_index(tmp_path / "both", {"r.txt": TWIN})
        with api.open_index(both) as idx2:
            assert [h.section_kind for h in idx2.search("审计监督", per_doc=0).hits] == ["achievements", "plans"]
            assert [h.section_kind for h in idx2.search("审计监督 下一步", per_doc=0).hits][0] == "plans"
        # a query that asks for plans gets them
        planned = idx.search("审计监督 下一步工作").hits
        assert planned[0].section_kind == "plans"


INTENT = {
    "a.txt": "甲区2019年法治政府建设工作报告\n\n一、主要工作\n\n（一）行政复议工作。全年办理行政复议案件42件，纠错率11%。\n\n"
             "二、下一步工作打算\n\n下一步，我区将继续按照上级部署要求，重点推进以下工作：\n\n"
             "（一）深化“放管服”改革。推进政务服务标准化，压缩审批时限，优化营商环境。\n\n"
             "（二）完善行政复议工作机制。畅通行政复议申请渠道，加强行政复议规范化建设，提高办案质量。\n",
    "b.txt": "乙区2019年法治政府建设工作报告\n\n一、主要工作\n\n（一）普法宣传。开展普法活动12场。\n\n"
             "二、下一步工作打算\n\n（一）加强安全生产监管。开展隐患排查整治，落实企业主体责任。\n\n"
             "（二）推进城市管理执法规范化。规范执法程序，加强执法人员培训。\n",
}


def test_a_word_that_states_the_intent_is_matched_by_the_section_kind(tmp_path):
    """下一步 行政复议: the plans that name 行政复议 first; a plans lead-in line or a plan
    about something else misses half of the query and ranks below a report about it."""
    with api.open_index(build_small_index(tmp_path, INTENT)) as idx:
        plan = idx.plan("下一步 行政复议")
        assert plan.intent_concepts == ["下一步"] and plan.kind_intent == "plans"
        hits = idx.search("下一步 行政复议", per_doc=0).hits
        assert "完善行政复议工作机制" in hits[0].text and hits[0].section_kind == "plans"
        assert "纠错率11%" in hits[1].text           # about 行政复议, not a plan
        # lead-in lines and plans about other things are not results: the kind only weighs
        # the passages about the topic
        res = idx.search("下一步 行政复议")
        assert len(hits) == 2 and (res.total, res.total_partial) == (1, 1) and res.hits[1].missing == ["下一步"]
        assert all(h.explanation is None for h in hits)
        # heading words around it belong to the intent; all of them together mean the kind
        assert idx.plan("下一步 行政复议 工作").intent_concepts == ["下一步", "工作"]
        kinds = [h.section_kind for h in idx.search("下一步 工作 打算", per_doc=0).hits]
        n = kinds.count("plans")
        assert n == 5 and kinds[:n] == ["plans"] * n
        # the word alone still means its section kind
        assert {h.section_kind for h in idx.search("下一步工作打算", per_doc=0).hits} == {"plans"}


def test_missing_the_rare_concept_costs_more_than_missing_the_common_one(tmp_path):
    """执法记录仪 配备: a long passage naming the recorders once (by a synonym) and not
    配备 beats short, concrete passages that only say 配备 (a word in half of them): the
    share of the query a passage matches weighs each concept by its rarity."""
    from dataclasses import replace

    from searchlib.ranking import DEFAULT_RANKING
    files = _passages({"rec.txt": ("甲区2019年法治政府建设工作报告", "（一）规范执法行为。全面推行行政执法公示制度，健全执法程序，"
                                   "加强执法监督，规范执法文书，落实执法责任制，为执法部门购置执法记录设备320台，"
                                   "组织执法人员培训，开展案卷评查，执法质量进一步提高。")},
                      "（一）基层建设。配备专职人员2{i}名，配备办公设备3{i}台，配备车辆{i}辆。", 12, "common")
    files.update(_passages({}, "（一）普法宣传。开展普法宣传活动{i}场，发放资料10{i}份。", 8))
    index = build_small_index(tmp_path, files)
    with api.open_index(index) as idx:
        assert idx.search("执法记录仪 配备", per_doc=0).hits[0].doc_id == "rec.txt"
    # counting every concept the same, the common word's passages come first
    with api.open_index(index, ranking=replace(DEFAULT_RANKING, coordination_idf=False)) as flat:
        assert flat.search("执法记录仪 配备", per_doc=0).hits[0].doc_id != "rec.txt"


def _passages(named: dict, filler: str = "", fillers: int = 0, prefix: str = "filler") -> dict:
    """Files of one-passage reports: {name: (title, passage)}, plus ``fillers`` reports whose
    passage is ``filler`` formatted with i (0, 1, …)."""
    files = {name: f"{title}\n\n一、主要工作\n\n{passage}\n" for name, (title, passage) in named.items()}
    files.update({f"{prefix}{i}.txt": f"某镇{i}号工作报告\n\n一、主要工作\n\n{filler.format(i=i)}\n"
                  for i in range(fillers)})
    return files


def _review_reports(titles: dict) -> dict:
    """One report per file: TITLE法治政府建设工作报告 with one 行政复议 passage, whose case
    counts are 31, 42, 53 … in the order given."""
    body = "\n\n一、主要工作\n\n（一）行政复议工作。全年办理行政复议案件{n}件，纠错率{p}%，复议质量进一步提升。\n"
    return {name: title + "法治政府建设工作报告" + body.format(n=31 + 11 * i, p=9 + i)
            for i, (name, title) in enumerate(titles.items())}


def test_a_year_in_the_query_means_the_reports_covering_it(tmp_path):
    """2018年 行政复议: the report covering 2018 first (its passages need not say 2018年),
    a passage naming the year also counts; in an answer table the year is the year covered."""
    files = _review_reports({"y2017.txt": "甲区2017年", "y2018.txt": "甲区2018年", "y2019.txt": "甲区2019年"})
    with api.open_index(build_small_index(tmp_path, files)) as idx:
        plan = idx.plan("2018年 行政复议")
        assert plan.years == {"2018年": 2018} and "reports covering 2018" in plan.describe()
        for q in ("2018年 行政复议", "行政复议 2018", "行政复议 2018年度"):
            hits = idx.search(q, per_doc=0).hits
            assert hits[0].doc_id == "y2018.txt" and len(hits) == 3, q
        assert [(r.value, r.unit) for r in idx.figures("行政复议 案件 2018年").rows] == [(42, "件"), (10, "%")]
        assert {r.year for r in idx.figures("行政复议 2017 2019").rows} == {2017, 2019}
        # the year is not a subject an answer has to name
        assert idx.figures("行政复议 2018年", year=2019).rows[0].value == 53


def test_a_part_of_a_rare_compound_is_only_part_of_the_concept(tmp_path):
    """证明事项 取消: 证明事项 is rare and also finds its parts (事项); a passage saying 取消
    and 事项 (取消审批事项) has only half of 证明事项, not all of the query, and ranks below
    the passage about 证明事项 that does not say the common word 取消."""
    from dataclasses import replace

    from searchlib.ranking import DEFAULT_RANKING
    files = _passages({
        "proof.txt": ("甲区2019年法治政府建设工作报告", "（一）便民服务。全面清理证明事项，公布保留的证明事项清单12项，"
                                                 "推行告知承诺制，群众办事更加便利。"),
        "other.txt": ("乙区2019年法治政府建设工作报告", "（一）简政放权。取消审批事项35项，精简办事环节，压缩审批时限，推行网上办理。")},
        "（一）普法宣传。开展普法宣传活动{i}场，取消重复会议{i}次。", 12)     # 取消: a common word here
    index = build_small_index(tmp_path, files)
    with api.open_index(index) as idx:
        assert "证明事项" in idx.plan("证明事项 取消").partial_concepts
        hits = idx.search("证明事项 取消", per_doc=0, explain=True).hits
        assert [h.doc_id for h in hits[:2]] == ["proof.txt", "other.txt"]
        assert not hits[1].explanation["all_concepts"]
        other = hits[1].score
    # counting a part as the whole concept, 取消审批事项 has all of the query
    with api.open_index(index, ranking=replace(DEFAULT_RANKING, partial_coordination=None)) as whole:
        hit = next(h for h in whole.search("证明事项 取消", per_doc=0, explain=True).hits if h.doc_id == "other.txt")
        assert hit.explanation["all_concepts"] and hit.score > 2 * other


def test_a_figure_about_the_common_word_only_is_hardly_an_answer(tmp_path):
    """法律援助 案件: 行政诉讼案件30件 is a figure about 案件 (a word of many passages), not
    about 法律援助: its answer factor is a small share of the boost; 法律援助案件86件 has all of it."""
    files = _passages({
        "aid.txt": ("甲区2019年法治政府建设工作报告", "（一）法律援助。全年办理法律援助案件86件，法律援助工作站实现村（社区）全覆盖。"),
        "cases.txt": ("乙区2019年法治政府建设工作报告", "（一）行政应诉。全年办理行政诉讼案件30件，审结28件，"
                                                 "行政机关负责人出庭应诉率100%。")},
        "（一）执法办案。查处违法案件{i}件，开展普法活动{i}场。", 10)
    with api.open_index(build_small_index(tmp_path, files)) as idx:
        hits = idx.search("法律援助 案件", per_doc=0, limit=20, explain=True).hits
        factors = {h.doc_id: h.explanation["answer_factor"] for h in hits}
        assert hits[0].doc_id == "aid.txt" and factors["aid.txt"] == 1.5
        assert 1.0 < factors["cases.txt"] < 1.25


def test_a_named_rule_is_the_rule_itself_not_the_ones_citing_it(tmp_path):
    """行政复议法 第二条: the law's own article 2 (which says 本法, not its name) before article
    2 of its implementing regulation, which names 行政复议法 twice; the law alone lists the law."""
    from searchlib.query import titled
    regulation = ("中华人民共和国行政复议法实施条例\n\n第一章 总则\n\n第一条 为了进一步发挥行政复议制度的作用，"
                  "根据《中华人民共和国行政复议法》（以下简称行政复议法），制定本条例。\n\n第二条 各级行政复议机关应当认真履行"
                  "行政复议法规定的职责，依照行政复议法的规定办理行政复议事项。\n")
    files = {"law.txt": LAW, "regulation.txt": regulation, "report.txt": REPORT}
    files.update({f"filler{i}.txt": f"某县{i}号工作报告\n\n开展普法宣传活动{i + 3}场。\n" for i in range(3)})
    with api.open_index(build_small_index(tmp_path, files)) as idx:
        hits = idx.search("行政复议法 第二条", per_doc=0).hits
        assert hits[0].doc_id == "law.txt" and hits[0].text.startswith("第二条")
        assert [h.doc_id for h in idx.search("行政复议法", per_doc=0, limit=2).hits] == ["law.txt", "law.txt"]
        assert "title:=行政复议法" in idx.explain_query("行政复议法 第二条")
    assert titled("中华人民共和国行政复议法(2017修正)", "行政复议法")
    assert not titled("中华人民共和国行政复议法实施条例", "行政复议法")


def test_a_region_in_the_query_means_its_reports(tmp_path):
    """宁波 行政复议: the 宁波 district's report first although it never says 宁波; a county's
    short name is not taken for a region (too often a word)."""
    files = _review_reports({"hz.txt": "杭州市西湖区2018年", "nb.txt": "宁波市北仑区2018年", "wz.txt": "温州市鹿城区2018年"})
    with api.open_index(build_small_index(tmp_path, files)) as idx:
        plan = idx.plan("宁波 行政复议")
        assert plan.regions == {"宁波": "330200"} and "reports of region 330200" in plan.describe()
        for q in ("宁波 行政复议", "行政复议 宁波市", "浙江 行政复议 温州"):
            assert idx.search(q, per_doc=0).hits[0].doc_id in ("nb.txt", "wz.txt"), q
        assert idx.search("宁波 行政复议", per_doc=0).hits[0].doc_id == "nb.txt"
        assert {r.region for r in idx.figures("宁波 行政复议 案件").rows} == {"宁波市北仑区"}
        assert idx.plan("北仑 行政复议").regions == {}          # a county's short name: text only
        assert idx.plan("浙江 行政复议").regions == {"浙江": "330000"}


COMPOUNDS = {
    "a.txt": "甲区2019年法治政府建设工作报告\n\n一、主要工作\n\n（一）加强食品安全和药品安全监管，全年抽检食品样品300批次，查处违法案件12件。\n",
    "b.txt": "乙区2019年法治政府建设工作报告\n\n一、主要工作\n\n（一）健全失信行为惩戒机制，全年公示失信企业20家，限制高消费人员35名。\n",
    "c.txt": "丙区2019年法治政府建设工作报告\n\n一、主要工作\n\n（一）开展普法宣传活动12场，发放资料3000份。\n\n"
             "（二）加强安全生产监管，检查企业200家，做好政策衔接。\n",
}


def test_a_compound_query_reaches_its_parts(tmp_path):
    with api.open_index(build_small_index(tmp_path, COMPOUNDS)) as idx:
        # a coordinated pair distributed over its head: 食品药品安全 → 食品安全, 药品安全
        assert [h.doc_id for h in idx.search("食品药品安全").hits] == ["a.txt"]
        assert "食品安全" in idx.plan("食品药品安全").expansions["食品药品安全"]
        # jargon with synonyms reaches all of its parts (失信行为惩戒) ...
        assert [h.doc_id for h in idx.search("失信惩戒").hits] == ["b.txt"]
        # ... but not one part alone (衔接 is not 两法衔接)
        assert idx.search("两法衔接").total == 0
        # a one-line measure with figures is a passage of its own (not only a heading)
        assert idx.search("抽检食品样品").hits[0].passage_id == "a.txt#0"


ANSWERS = {
    "words.txt": "甲市2019年法治政府建设工作报告\n\n一、主要工作\n\n（一）群众满意度。开展群众满意度测评，提升群众满意度，"
                 "满意度测评覆盖全部12个部门。\n",
    "figure.txt": "乙市2019年法治政府建设工作报告\n\n一、主要工作\n\n（一）满意度调查。委托第三方开展调查，"
                  "公众满意度达72.93%。\n",
}


def test_a_figure_about_the_query_makes_an_answer(tmp_path):
    from dataclasses import replace
    from searchlib.ranking import DEFAULT_RANKING
    index = build_small_index(tmp_path, ANSWERS)
    with api.open_index(index) as idx:
        assert idx.search("满意度").hits[0].doc_id == "figure.txt"
    with api.open_index(index, ranking=replace(DEFAULT_RANKING, answer_boost=0.0)) as idx:
        assert idx.search("满意度").hits[0].doc_id == "words.txt"      # the words alone would win
