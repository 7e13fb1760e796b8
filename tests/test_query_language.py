"""The query language of plain queries, one test per construct in the README's table."""
import pytest

from searchlib.errors import QuerySyntaxError


def ids(res):
    return [h.passage_id for h in res.hits]


def test_concepts(seed_index):                                   # 行政复议 案件
    res = seed_index.search("行政复议 案件", limit=5, explain=True)
    assert res.hits and res.hits[0].explanation["all_concepts"]


def test_exclude(seed_index):                                    # 行政执法 -刑事
    with_word = seed_index.search("行政执法", limit=100, per_doc=0)
    without = seed_index.search("行政执法 -刑事", limit=100, per_doc=0)
    assert any("刑事" in h.text for h in with_word.hits)
    assert not any("刑事" in h.text for h in without.hits) and 0 < without.total < with_word.total


def test_require(seed_index):                                    # +行政 +复议
    res = seed_index.search("+行政 +复议", limit=50, per_doc=0)
    where = ["".join(h.heading_path) + h.text for h in res.hits]      # text or heading path
    assert res.total > 0 and all("行政" in w and "复议" in w for w in where)
    loose = seed_index.search("行政 复议")
    assert res.total + res.total_partial < loose.total + loose.total_partial


def test_boost(seed_index):                                      # 普法^3 行政复议
    plain = seed_index.search("普法 行政复议", limit=1).hits[0]
    boosted = seed_index.search("普法^3 行政复议", limit=1).hits[0]
    assert "普法" in boosted.text and boosted.passage_id != plain.passage_id or "普法" in plain.text
    assert "2" not in seed_index.plan("行政^2").concepts
    # +2018年 requires the year as it is searched: the reports covering it, or a passage naming it
    required = seed_index.search("+2018年 行政复议", limit=50, per_doc=0)
    assert required.total >= seed_index.search("行政复议", year=2018).total
    assert any(h.year == 2018 and "2018" not in h.text for h in required.hits)
    # a year or region word takes its boost too (2018年^3 weighs the year's reports more)
    for word in ("2018年", "浙江"):
        top = [seed_index.search(f"{word}{b} 行政复议", limit=1).hits[0].score for b in ("", "^3")]
        assert top[1] > top[0], word


@pytest.mark.parametrize("query, option", [("region:宁波 行政复议", {"region": "宁波"}),
                                           ("year:2018 行政复议", {"year": 2018}),
                                           ("type:work_plan 行政复议", {"type": "work_plan"}),
                                           ("kind:plans 行政复议", {"kind": "plans"}),
                                           ("since:2019 行政复议", {"since": "2019"}),
                                           ("until:2018-06 行政复议", {"until": "2018-06"})])
def test_field_filters_are_filters(seed_index, query, option):
    written = seed_index.search(query, limit=20)
    given = seed_index.search("行政复议", limit=20, **option)
    assert ids(written) == ids(given) and written.total == given.total
    assert written.total < seed_index.search("行政复议").total


@pytest.mark.parametrize("query, message", [("foo:bar 行政", "unknown field 'foo'"),
                                            ("region: 行政", "needs a value"),
                                            ("region:宁波 region:西安 行政", "given twice")])
def test_query_language_errors(seed_index, query, message):
    with pytest.raises(QuerySyntaxError, match=message):
        seed_index.search(query)


def test_filters_alone_browse(seed_index):
    res = seed_index.search("region:宁波")
    assert res.browse == "documents" and res.total == 1 and "宁波" in res.hits[0].title


def test_a_filter_in_the_query_and_a_different_option(seed_index):
    with pytest.raises(QuerySyntaxError, match="disagrees"):
        seed_index.search("region:宁波 行政复议", region="西安")
    assert seed_index.search("region:宁波 行政复议", region="宁波").total > 0


def test_filters_also_apply_in_whoosh_syntax(seed_index):
    written = seed_index.search('region:宁波 "行政复议" OR 行政诉讼', limit=20)
    given = seed_index.search('"行政复议" OR 行政诉讼', limit=20, region="宁波")
    assert ids(written) == ids(given) and written.total == given.total > 0
    assert all(h.region.startswith("宁波") for h in written.hits)


def test_plus_minus_and_unknown_fields_in_whoosh_syntax(seed_index):
    excluded = seed_index.search('"行政复议" -诉讼', limit=100, per_doc=0)
    assert excluded.total > 0 and not any("诉讼" in h.text for h in excluded.hits)
    with pytest.raises(QuerySyntaxError, match="unknown field 'nosuch'"):
        seed_index.search("nosuch:x AND 行政")
    assert seed_index.search("type:annual_report OR 行政").total > 0


@pytest.mark.parametrize("question, concepts, figures", [
    ("2018年行政复议案件有多少", ["2018年", "行政复议案件"], True),
    ("哪些地区开展了两法衔接", ["两法衔接"], False),
    ("行政复议案件数量", ["行政复议案件"], True),
    ("宁波的行政复议情况", ["宁波", "行政复议"], False),
    ("浙江省营商环境怎么样", ["浙江省", "营商环境"], False),
    # jargon, phrases and section names stay whole
    ("行政执法与刑事司法衔接", ["行政执法与刑事司法衔接"], False),
    ("主动公开政府信息", ["主动公开政府信息"], False),
    ("存在的问题和不足", ["存在的问题和不足"], False),
    ("浙江省优化营商环境条例", ["浙江省优化营商环境条例"], False),
    # a section's name after the topic is a word of its own; 达到 before 多少 only asks
    ("法治政府建设下一步工作打算", ["法治政府建设", "下一步工作打算"], False),
    ("科技创新存在的短板和差距", ["科技创新", "存在的短板和差距"], False),
    ("行政复议今后重点任务", ["行政复议", "今后重点任务"], False),
    ("行政执法工作存在的短板和不足", ["行政执法", "存在的短板和不足"], False),
    ("森林覆盖率达到多少", ["森林覆盖率"], True),
    # several actions typed together are their objects; two verbs of one action stay
    ("怎样治理大气污染改善空气质量", ["大气污染", "空气质量"], False),
    ("怎样防范化解地方政府债务风险", ["防范化解地方政府债务风险"], False),
])
def test_a_question_typed_without_spaces_is_split_into_its_words(seed_index, question, concepts, figures):
    plan = seed_index.plan(question)
    assert plan.concepts == concepts and plan.wants_figures == figures


def test_a_question_finds_what_its_words_find(seed_index):
    asked = seed_index.search("哪些地区开展了两法衔接").hits
    assert asked and [h.passage_id for h in asked[:3]] == [h.passage_id for h in seed_index.search("两法衔接").hits[:3]]
    hits = seed_index.search("2018年行政复议案件有多少").hits
    assert hits[0].year == 2018 and hits[0].figures


def test_a_region_inside_a_word_is_not_split_off(seed_index):
    """宁波的行政复议情况 starts with the region 宁波; 长治久安建设 and 吉林大学毕业生 do not
    start with 长治 and 吉林, whatever the division table says."""
    assert seed_index.plan("宁波的行政复议情况").regions == {"宁波": "330200"}
    for word in ("长治久安建设", "吉林大学毕业生", "中山大学法学院"):
        assert not seed_index.plan(word).regions, word


def test_a_section_named_after_the_topic_asks_for_that_kind(seed_index):
    plan = seed_index.plan("法治政府建设下一步工作打算")
    assert plan.kind_intent == "plans"
    hits = seed_index.search("法治政府建设下一步工作打算", limit=5).hits
    assert hits and all(h.section_kind == "plans" for h in hits[:3])


def test_a_figure_question_with_a_unit_a_verb_or_a_year_in_chinese_numerals(seed_index):
    """达到多少斤, 控制在多少以内, 多少亿美元: the verb and the unit ask (the unit is wanted), the
    topic is what stays; 一九五七年 is the year 1957年."""
    plan = seed_index.plan("一九五七年全国粮食产量达到多少斤")
    assert plan.concepts == ["1957年", "全国", "粮食产量"] and plan.units == ["斤"]
    assert plan.years and plan.regions == {"全国": "100000"}
    assert seed_index.plan("城镇调查失业率控制在多少以内").concepts == ["城镇调查失业率"]
    assert seed_index.plan("外贸进出口总额达到多少亿美元").units == ["美元"]
    # a unit with its scale (多少万人, 多少万吨): the unit asked, and the question's other parts
    # as without it (全国 the national figure, 人数 a quantity word)
    plan = seed_index.plan("全国城镇新增就业人数是多少万人")
    assert plan.concepts == ["全国", "城镇新增就业"] and plan.units == ["人", "名", "人次"]
    assert seed_index.plan("粮食产量达到多少万吨").concepts == ["粮食产量"]
    assert seed_index.plan("粮食产量达到多少万吨").units == ["吨"]
    # a verb that states the rule stays: 不能超过 is what a provision says (不得超过)
    assert "超过" in "".join(seed_index.plan("定金 最多不能超过多少").concepts)


def test_a_year_is_also_found_as_the_older_reports_write_it(seed_index):
    """1957年 is also 一九五七年 in a passage (the work reports before the 2000s)."""
    plan = seed_index.plan("1957年 粮食产量")
    assert "一九五七年" in str(plan.query) and "1957年" in str(plan.query)


def test_national_scope_of_a_figure_question(seed_index):
    """全国…多少 asks for the national figure: 全国 is the national scope (region 全国), not
    a word to find in passages (居全国首位); 全国统筹 stays a word."""
    plan = seed_index.plan("全国森林覆盖率达到多少")
    assert plan.concepts == ["全国", "森林覆盖率"] and plan.regions == {"全国": "100000"}
    assert not seed_index.plan("全国统筹 养老保险").regions


def test_jargon_inside_a_longer_word_is_matched_on_word_boundaries(seed_index):
    """喝酒后开车 segments as 喝酒/后/开车: 酒后开车 (a rule's key) is not cut out of it;
    each piece of jargon is replaced, alone and all at once (饮酒后驾驶机动车)."""
    plan = seed_index.plan("喝酒后开车")
    expanded = plan.expansions.get("喝酒后开车", [])
    assert "饮酒后驾驶机动车" in expanded
    assert not any(e.startswith("喝饮酒") for e in expanded)


def test_jargon_replaced_inside_a_longer_word_matches_its_words_apart(tmp_path):
    """两法衔接工作 → 行政执法与刑事司法衔接工作: a passage that says those words apart
    (行政执法与刑事司法相衔接的各项工作) holds the concept, as one that says 两法衔接工作 does."""
    from searchlib.api import open_index
    from .conftest import build_small_index
    index = build_small_index(tmp_path, {
        "a.txt": "甲区2020年法治政府建设年度报告\n一、主要工作\n推动行政执法与刑事司法相衔接的各项工作，全年移送涉嫌犯罪案件12件。\n",
        "b.txt": "乙区2020年法治政府建设年度报告\n一、主要工作\n扎实推进各项工作，全年办理政务服务事项3000件。\n",
    })
    idx = open_index(index)
    hits = idx.search("两法衔接工作").hits
    assert hits and "刑事司法相衔接" in hits[0].text
    idx.close()


def test_days_are_counted_as_statutes_count_them(seed_index):
    """七天内退货 also finds 七日内退货 (statutes count 日, people say 天)."""
    plan = seed_index.plan("七天内退货")
    assert "七日内退货" in plan.expansions.get("七天内退货", [])
    assert "15日" in "".join(seed_index.plan("15天 答复").expansions.get("15天", []))


def test_a_legal_question_in_everyday_words_also_searches_the_statutes_term_alone(seed_index):
    """被邻居家的狗咬伤了谁来赔: the provision says 饲养的动物 / 犬, and none of 邻居家 or 咬伤;
    the statute's term for one word of the piece is searched alone too (below the whole).
    A piece that asks no law keeps its replacements inside it only."""
    plan = seed_index.plan("被邻居家的狗咬伤了谁来赔")
    assert plan.legal_ask and "犬" in plan.expansions["邻居家的狗咬伤"]
    assert "犬" in plan.related                  # weighed below the words typed
    assert "犬" not in seed_index.plan("邻居家的狗咬伤").expansions["邻居家的狗咬伤"]


def test_a_question_asking_how_wants_measures_not_figures(seed_index):
    """怎样/如何/怎么…: the passages about the measures, not the one with the most figures;
    the concreteness factor is the ranking's how_concreteness_weight (0) for them."""
    assert seed_index.plan("怎样加强行政执法").asks_how and not seed_index.plan("行政执法 案件").asks_how
    hits = seed_index.search("怎样加强行政执法", limit=10, explain=True).hits
    assert hits and all(h.explanation["concreteness_factor"] == 1.0 for h in hits)
    assert any(h.explanation["concreteness_factor"] > 1.0
               for h in seed_index.search("加强行政执法", limit=10, explain=True).hits)
    # ... and a plan's measures weigh as much as what was done (the kind priors are off)
    plans = [h for h in seed_index.search("怎样加强行政执法", limit=50, explain=True).hits if h.section_kind == "plans"]
    assert plans and all(h.explanation["genre_prior"] == 1.0 for h in plans)
    plans = [h for h in seed_index.search("加强行政执法", limit=50, explain=True).hits if h.section_kind == "plans"]
    assert plans and all(h.explanation["genre_prior"] < 1.0 for h in plans)


def test_a_pasted_sentence_ranks_its_source_and_its_point_not_the_figures(seed_index):
    """A paste wants its source and the passages making the same point: the concreteness
    factor is off for it, as for a question asking how."""
    paste = "今年根据实际工作情况,调整、补充了区政府法律顾问团组成人员,积极组织区政府法律顾问参与定期涉法信访接待"
    plan = seed_index.plan(paste)
    assert plan.pasted and not seed_index.plan("重大行政决策 法律顾问").pasted
    hits = seed_index.search(paste, limit=10, explain=True).hits
    assert hits and all(h.explanation["concreteness_factor"] == 1.0 for h in hits)
    assert any(h.explanation["concreteness_factor"] > 1.0
               for h in seed_index.search("重大行政决策 法律顾问", limit=10, explain=True).hits)


def test_ages_as_statutes_state_them(seed_index):
    """十五岁 also finds 十五周岁; 满多少岁才能 asks a provision for an age (周岁), and the verbs
    around it (才能, 去) are no part of the topic."""
    plan = seed_index.plan("十五岁的孩子")
    assert any("十五周岁" in a for a in plan.expansions.get("十五岁的孩子", []))
    plan = seed_index.plan("男生满多少岁才能去民政局领结婚证")
    assert plan.legal_ask and "周岁" in plan.concepts
    assert not any(c.startswith(("才", "去")) or "多少" in c for c in plan.concepts)


def test_a_query_naming_a_region_is_not_spread_over_other_documents(tmp_path):
    """广东 粤港澳大湾区建设 asks for Guangdong's report: its passages are not pushed below a
    weaker Guangdong regulation's by the cap that spreads a page over many documents; a cap
    the caller sets still holds."""
    from tests.conftest import build_small_index
    from searchlib.api import open_index
    report = "广东省2025年法治政府建设年度报告\n\n一、主要工作\n\n" + "\n\n".join(
        f"（{n}）第{n}项工作。全省深入推进粤港澳大湾区建设，完成第{n}批重点项目{k * 7}个，投资{k * 11}亿元。"
        for k, n in enumerate("一二三四五", 1))
    rule = "广东省某某促进条例\n\n" + "\n\n".join(
        f"第{n}条 有关部门应当支持参与粤港澳大湾区建设，推动交流合作。" for n in "一二三四")
    other = "浙江省2025年法治政府建设年度报告\n\n一、主要工作\n\n全省对接粤港澳大湾区建设，完成项目5个。"
    index = build_small_index(tmp_path, {"gd.txt": report, "gdrule.txt": rule, "zj.txt": other})
    with open_index(index) as idx:
        scoped = [h.title for h in idx.search("广东 粤港澳大湾区建设", limit=10).hits]
        capped = [h.title for h in idx.search("广东 粤港澳大湾区建设", limit=10, per_doc=3).hits]
        unscoped = [h.title for h in idx.search("粤港澳大湾区建设", limit=10).hits]
    assert scoped[:5] == ["广东省2025年法治政府建设年度报告"] * 5 and "条例" in scoped[5]
    assert "条例" in capped[3]
    assert len(set(unscoped[:4])) > 1           # without a scope the page still shows many documents


def test_a_question_typed_with_commas_is_a_question_not_a_pasted_sentence(seed_index):
    """物业公司因为我没交物业费就给我家停水停电，这合法吗: long, with a comma, but it asks in its
    last clause: its clauses are read as a question's words (content words, a legal ask), not
    as one pasted sentence; a sentence copied from a report stays one concept."""
    from searchlib.query import is_pasted
    question = "物业公司因为我没交物业费就给我家停水停电，这合法吗"
    assert not is_pasted(question)
    plan = seed_index.plan(question)
    assert plan.legal_ask and len(plan.concepts) > 1 and "物业公司" in "".join(plan.concepts)
    assert "交物业费" in plan.concepts or "物业费" in plan.concepts
    plan = seed_index.plan("坐公交车时司机急刹车把我摔伤了，公交公司要赔吗?")
    assert len(plan.concepts) > 1 and "摔伤" in plan.concepts and plan.legal_ask
    pasted = "全面推行行政执法公示制度，执法全过程记录制度，重大执法决定法制审核制度。"
    assert is_pasted(pasted) and len(seed_index.plan(pasted).concepts) == 1
    # an article says 可以, 什么, 如何 in its own sentences: still a paste
    assert is_pasted("公民、法人或者其他组织认为具体行政行为侵犯其合法权益的，可以向行政机关提出行政复议申请。")
    assert is_pasted("群众反映什么问题，就解决什么问题，这是我们工作的出发点")
