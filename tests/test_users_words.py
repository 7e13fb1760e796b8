"""Questions in users' words (#20 classes 5 and 6): the words that only ask go, a question
about what the law says asks for the rules, and everyday words reach the official terms the
texts use (searchlib/data/everyday.txt) below what was typed."""
import pytest

from searchlib import api
from searchlib.query import ask_parts
from searchlib.structure import _is_problems_statement
from searchlib.synonyms import SynonymMap, everyday_words_path, shipped_synonyms


@pytest.mark.parametrize("word, parts, legal", [
    ("违法吗", [], True),                         # only asks
    ("违法吗？", [], True),                       # ... with a question mark too
    ("吃野生动物", ["吃野生动物"], False),
    ("怎么处罚", ["处罚"], True),
    ("怎么算", ["计算"], True),                   # the provisions say 按…计算
    ("谁来补偿", ["补偿"], True),
    ("几年内缴足", ["缴足"], True),
    ("多少天内答复", ["答复"], True),
    ("每月多少", ["多少"], False),                # a rate asked for, not a topic
    ("罚款几倍", ["罚款", "多少"], False),
    ("行政复议", ["行政复议"], False),
    ("region:宁波", ["region:宁波"], False),
    # whether a duty or a deed holds, and a limit a provision sets, ask about the law
    ("公交公司要赔吗", ["公交公司", "责任"], True),   # a liability: 承担赔偿责任, 承担侵权责任
    ("被狗咬伤了谁来赔", ["被狗咬伤了", "责任"], True),
    ("谁来赔偿", ["赔偿"], True),
    ("发现有人搞非法集资可以向哪里举报", ["发现有人搞非法集资", "举报"], True),   # the authority a rule names
    ("会被判几年", ["有期徒刑"], True),         # 处三年以上七年以下有期徒刑; 会被 asks nothing
    ("口头协议算不算数", ["口头协议"], True),
    # a limit asked: 最多 only asks (a provision says 不得超过), the rest stays
    ("一个月最多能加多少个小时", ["一个月", "能加多少个小时"], True),
    ("租期最长几年", ["租期"], True),
    ("粮食产量达到多少", ["粮食产量达到多少"], False),
])
def test_ask_parts(word, parts, legal):
    assert ask_parts(word) == (parts, legal)


def test_a_legal_question_asks_for_rules_even_when_it_asks_how_many():
    from searchlib.query import QueryBuilder
    qb = QueryBuilder()
    plan = qb.plan("醉驾 怎么处罚")
    assert plan.concepts == ["醉驾", "处罚"] and plan.rule_intent and plan.legal_ask
    plan = qb.plan("申请政府信息公开 多少天内答复")
    assert plan.legal_ask and plan.rule_intent
    plan = qb.plan("环评未批先建 处罚")          # a provision's word on its own
    assert plan.rule_intent and not plan.legal_ask
    plan = qb.plan("行政处罚 案件 数量")           # a count of what was reported: not a rule question
    assert not plan.legal_ask and plan.wants_figures
    assert not qb.plan("行政复议 纠错率").rule_intent


def test_abbreviations_ship_both_ways():
    from searchlib.synonyms import abbreviations_path
    shipped = SynonymMap.load(abbreviations_path())
    assert len(shipped) >= 200
    merged = shipped_synonyms()
    assert "高等学校" in merged.expand("高校") and "高校" in merged.expand("高等学校")
    assert "国有企业" in merged.expand("国企")


def test_an_abbreviation_finds_the_full_form(tmp_path):
    from tests.conftest import build_small_index
    ix = build_small_index(tmp_path, {"2020_某省政府工作报告.txt": "某省政府工作报告\n\n全年普通高等学校招生12万人。\n"})
    with api.open_index(ix) as idx:
        hits = idx.search("高校 招生").hits
        assert hits and "高等学校" in hits[0].text and not hits[0].missing
        assert all(h.missing == ["高校"] for h in idx.search("高校 招生", synonyms=False).hits)


def test_everyday_words_ship_and_weigh_less_than_a_synonym():
    shipped = SynonymMap.load(everyday_words_path())
    assert len(shipped) >= 200
    merged = shipped_synonyms()
    assert "醉酒驾驶机动车" in merged.expand("醉驾")
    assert "解除劳动合同" in merged.expand("辞退")
    assert 0 < merged.weight("吃", "食用") < 1.0


@pytest.mark.parametrize("paragraph, problems", [
    ("在肯定成绩的同时，我们也清醒看到面临的困难和挑战。世界经济增长动能不足。", True),
    ("同时我们清醒地看到，我省经济社会发展中老问题、新挑战仍然不少。", True),
    ("成绩固然可喜，问题也不容忽视。一是生态环境本底仍然脆弱。", True),
    ("要清醒地看到发展机遇，抓住用好战略窗口期。", False),
    ("加强生态环境保护，解决群众身边的突出问题。", False),
])
def test_a_work_reports_problems_paragraph_is_a_problems_passage(paragraph, problems):
    assert _is_problems_statement(paragraph) is problems


LAW = ("中华人民共和国野生动物保护法\n\n"
       "第三十一条禁止食用野生动物及其制品。禁止以食用为目的猎捕、交易、运输在野外环境自然生长繁殖的陆生野生动物。\n\n"
       "第五十二条违反本法第三十一条规定，食用国家重点保护野生动物的，处野生动物及其制品价值五倍以上二十倍以下罚款。\n")
REPORT = ("某县2020年工作报告\n\n一、主要工作\n"
          "开展野生动物保护宣传进社区活动，发放宣传资料3000份，引导群众不吃野味。\n\n"
          "难道群众吃得好、吃得饱吗？我们组织送餐入户服务120户。\n")
WORK = ("2021年政府工作报告\n\n一、2020年工作回顾\n全年新增就业5万人。\n\n"
        "在肯定成绩的同时，我们也清醒看到面临的困难和挑战：生态环境本底仍然脆弱，大气污染防治任务艰巨。\n\n"
        "二、2021年工作安排\n加强生态环境保护，实施大气污染防治行动。\n")


@pytest.fixture(scope="module")
def users_index(tmp_path_factory):
    from tests.conftest import build_small_index
    return build_small_index(tmp_path_factory.mktemp("users"), {
        "2018-10-26_野生动物保护法.txt": LAW, "2020_某县工作报告.txt": REPORT, "2021_政府工作报告.txt": WORK})


def test_a_legal_question_in_everyday_words_finds_the_provision(users_index):
    with api.open_index(users_index) as idx:
        hits = idx.search("吃野生动物 违法吗").hits
        assert hits and hits[0].doc_id == "2018-10-26_野生动物保护法.txt"
        assert "吗" not in idx.plan("吃野生动物 违法吗").reading()
        # the everyday words send 吃 to the statute's 食用; without them the law is still found
        # by 野生动物 (a one-character verb is not required of a passage), below its score with them
        assert "食用" in idx.plan("吃野生动物 违法吗").reading()
        assert "食用" not in idx.plan("吃野生动物 违法吗", synonyms=False).reading()
        bare = idx.search("吃野生动物 违法吗", synonyms=False).hits
        assert bare[0].doc_id == "2018-10-26_野生动物保护法.txt" and bare[0].score < hits[0].score


def test_problems_asked_in_other_words_find_the_reports_problems_paragraph(users_index):
    with api.open_index(users_index) as idx:
        hits = idx.search("大气污染防治 短板").hits
        assert hits and "清醒看到" in hits[0].text


def test_a_query_of_asking_words_only_is_searched_as_typed():
    from searchlib.query import QueryBuilder
    assert QueryBuilder().plan("违法吗").concepts == ["违法"]


# -- the scope a query names comes first (#20 classes 2 and 3) ------------------------------
FILLER = "".join(f"（{i}）交通建设\n推进第{i}号道路工程建设，完成投资{i}亿元，新建桥梁{i}座。\n\n" for i in range(1, 61))
SCOPED = {
    "2026_广东省政府工作报告.txt": "2026年广东省政府工作报告\n\n一、2025年工作回顾\n"
        "壮大县域经济，培育特色产业集群，全省县域生产总值增长5%。\n\n" + FILLER,
    "2026_江西省政府工作报告.txt": "2026年江西省政府工作报告\n\n一、2025年工作回顾\n"
        "全面推进乡村振兴，壮大县域经济，完成村庄整治1200个。\n\n"
        "二、2026年工作安排\n全面推进乡村振兴，发展乡村产业。\n\n" + FILLER.replace("道路", "铁路"),
    "2026_浙江省政府工作报告.txt": "2026年浙江省政府工作报告\n\n一、2025年工作回顾\n"
        "强化食品安全监管，完成食品抽检12万批次。\n\n"
        "在肯定成绩的同时，我们也清醒看到面临的困难和挑战：食品药品安全风险仍然存在，基层监管力量薄弱。\n\n"
        + FILLER.replace("道路", "港口"),
}


@pytest.fixture(scope="module")
def scoped_index(tmp_path_factory):
    from tests.conftest import build_small_index
    return build_small_index(tmp_path_factory.mktemp("scoped"), SCOPED)


def test_the_named_regions_passage_with_half_the_topic_comes_before_another_regions_with_all(scoped_index):
    with api.open_index(scoped_index) as idx:
        hits = idx.search("广东 乡村振兴 县域经济").hits
        assert hits[0].doc_id == "2026_广东省政府工作报告.txt", [h.doc_id for h in hits]
        assert hits[0].missing == ["乡村振兴"]
        # without the order, the other region's passage with both topics would come first
        from searchlib.ranking import RankingConfig
        with api.open_index(scoped_index, ranking=RankingConfig(scope_topic_share=None)) as plain:
            assert plain.search("广东 乡村振兴 县域经济").hits[0].doc_id == "2026_江西省政府工作报告.txt"


def test_a_problems_query_puts_the_problems_passages_about_the_topic_first(scoped_index):
    with api.open_index(scoped_index) as idx:
        hits = idx.search("食品安全监管 存在的问题").hits
        assert "清醒看到" in hits[0].text, [h.text[:20] for h in hits]
        assert "抽检12万批次" in hits[1].text


def test_a_problems_passage_naming_only_a_common_part_of_the_topic_is_not_about_it(tmp_path):
    # 房地产市场 突出问题: a problems passage about 市场 (a word of one passage in twenty here)
    # is no problems passage about 房地产市场; the plans passage naming its risks comes first
    from tests.conftest import build_small_index
    filler = "\n\n".join(f"（{i}）第{i}项工作。加强生态环境保护，推进污水处理设施建设，完成植树造林{i}万亩。"
                         + ("培育壮大市场主体。" if i % 30 == 0 else "") for i in range(1, 120))
    a = ("甲市2021年政府工作报告\n\n一、2020年工作回顾\n\n" + filler
         + "\n\n二、存在的问题\n\n市场监管还不到位，市场秩序有待进一步规范，营商环境仍需改善。\n")
    b = "乙市2021年政府工作报告\n\n一、2021年工作安排\n\n防范化解重大风险。房地产市场风险隐患较多，三四线城市房地产库存仍然较多。\n"
    ix = build_small_index(tmp_path, {"2021_甲市政府工作报告.txt": a, "2021_乙市政府工作报告.txt": b})
    with api.open_index(ix) as idx:
        hits = idx.search("房地产市场 突出问题").hits
        assert "房地产库存" in hits[0].text and "市场秩序" in hits[1].text


@pytest.mark.parametrize("query, concepts", [
    ("公司不跟我签劳动合同能要双倍工资吗", ["公司", "签劳动合同", "双倍工资"]),
    ("借钱给别人利息最高多少受法律保护", ["借钱", "利息", "受法律保护"]),
    ("网上买的东西不想要了可以七天无理由退货吗", ["网上买", "七天无理由退货"]),
    ("农作物秸秆综合利用和禁烧怎么推进", ["农作物秸秆综合利用和禁烧"]),     # a topic stays whole
    # two topics joined by 和, each of four characters or more: two concepts
    ("怎样加强文物保护和历史文化遗产传承", ["文物保护", "历史文化遗产传承"]),
    # a legal ask (要不要) that no asking word (吗, 可以, 谁…) ends: still a sentence of words
    ("小孩在学校上课时受伤了学校要不要负责赔偿", ["小孩在学校上课时受伤", "学校", "负责赔偿"]),
    # people named as pronouns are (朋友, 老百姓) and a limit's 最高 only ask; a question typed
    # with commas is a sentence in each clause, however short
    ("借钱给朋友约定利息，最高多少法院才支持", ["借钱", "约定利息", "法院", "支持"]),
    ("老百姓告政府，局长县长要亲自去法院吗", ["告政府", "局长县长", "亲自", "法院"]),
])
def test_a_question_typed_as_a_sentence_is_its_content_words(query, concepts):
    from searchlib.query import QueryBuilder
    plan = QueryBuilder().plan(query)
    assert plan.concepts == concepts
    assert plan.legal_ask is (query not in ("农作物秸秆综合利用和禁烧怎么推进", "怎样加强文物保护和历史文化遗产传承",
                                            "老百姓告政府，局长县长要亲自去法院吗"))


def test_what_to_do_about_a_wrong_asks_what_the_law_provides():
    # 儿女不赡养老人怎么办: the remedy a rule gives (有要求…给付赡养费的权利), so the articles
    # are not ranked below reports; 怎么办 alone is no word of the topic
    from searchlib.query import QueryBuilder
    plan = QueryBuilder().plan("儿女不赡养老人怎么办")
    assert plan.legal_ask and plan.rule_intent and "怎么办" not in "".join(plan.concepts)
    assert not QueryBuilder().plan("怎么办好民生实事").legal_ask      # not at the end: no legal ask


ELDER_RULES = ("某省老年人权益保障条例\n\n第十二条 赡养人应当履行对老年人经济上供养、生活上照料和精神上慰藉的义务。"
               "成年子女不履行赡养义务的，老年人有要求子女给付赡养费的权利。\n\n"
               "第十三条 老年人可以向人民调解委员会申请调解赡养纠纷。\n")


def test_an_everyday_word_and_a_legal_ask_find_the_provision_before_a_reports_slogan(tmp_path):
    # 儿女 is 子女 in the statutes; the report's 中华儿女 names the word only
    from tests.conftest import build_small_index
    report = ("某市2020年政府工作报告\n\n一、2019年工作回顾\n\n"
              "海内外中华儿女团结奋斗，全市完成地区生产总值1200亿元，增长6.5%，新增就业3.2万人。\n")
    ix = build_small_index(tmp_path, {"2020-01-01_某省老年人权益保障条例.txt": ELDER_RULES,
                                      "2020_某市政府工作报告.txt": report})
    with api.open_index(ix) as idx:
        hits = idx.search("儿女不赡养老人怎么办").hits
        assert hits and "赡养费" in hits[0].text, [h.text[:20] for h in hits]


@pytest.mark.parametrize("piece, objects", [
    ("治理大气污染改善空气质量", ["大气污染", "空气质量"]),      # two actions: their objects
    ("完善生育支持政策", ["完善生育支持政策"]),                  # 支持 modifies 政策: one action
    ("健全社会保障体系", ["健全社会保障体系"]),
])
def test_a_question_of_several_actions_is_their_objects(piece, objects):
    from searchlib.query import _action_pieces
    assert _action_pieces(piece) == objects


def test_a_verbs_complement_is_no_word_of_the_topic(tmp_path):
    # 怎样保护好黑土地: 好 (保护好, 管好, 用好) says how well, not what; the passage about
    # 黑土地保护 that never writes 好 holds the whole topic
    report = ("某省2024年政府工作报告\n\n一、2023年工作回顾\n\n"
              "加强黑土地保护，实施保护性耕作1200万亩，新建高标准农田300万亩。\n\n"
              "建好、管好、护好、运营好农村公路，新改建农村公路5000公里。\n")
    result = _search_files(tmp_path, {"2024_某省政府工作报告.txt": report}, "怎样保护好黑土地")
    assert result.total == 1 and "黑土地保护" in result.hits[0].text


def _search_files(tmp_path, files: dict, query: str):
    """The result of ``query`` on an index of ``files`` (name -> text)."""
    from tests.conftest import build_small_index
    with api.open_index(build_small_index(tmp_path, files)) as idx:
        return idx.search(query)


DOG_RULES = ("某市养犬管理条例\n\n第十条 犬只伤人的，养犬人应当承担管理责任，由公安机关处2000元以上5000元以下罚款，"
             "并按每只犬500元补缴登记费、200元年检费。\n\n"
             "第十一条 犬只伤人的，养犬人应当依法承担侵权责任。\n")


@pytest.mark.parametrize("plain", [True, False])
def test_a_question_whether_or_who_under_the_law_ranks_the_provision_not_the_figures(tmp_path, plain):
    # 谁来赔 asks who is liable: the article saying 承担侵权责任 comes before the one with the
    # most figures (fees and fines), which a figure question would put first
    from tests.conftest import build_small_index
    ix = build_small_index(tmp_path, {"2020-01-01_某市养犬管理条例.txt": DOG_RULES})
    with api.open_index(ix) as idx:
        plan = idx.plan("被邻居家的狗咬伤了谁来赔")
        assert plan.asks_provision and "责任" in plan.concepts
        assert not idx.plan("狗咬伤 罚款多少").asks_provision
        assert idx.plan("养犬管理条例 伤人 责任").asks_provision     # a law named: its provisions
        assert not idx.plan("养犬管理条例 罚款 多少元").asks_provision
        if plain:
            hits = idx.search("被邻居家的狗咬伤了谁来赔").hits
            assert hits and "侵权责任" in hits[0].text
        else:   # the same article, asked how much, gives way to the figures
            hits = idx.search("养犬 伤人 罚款多少元").hits
            assert hits and "罚款" in hits[0].text


def test_a_one_character_everyday_verb_is_not_required_of_a_provision(tmp_path):
    # 戴头盔: the regulation says 佩戴安全头盔; 戴 makes the phrase, 头盔 the concept. A
    # one-character noun (钢 of 钢产量) stays required.
    from searchlib.query import content_pieces
    assert content_pieces(["戴", "头盔"]) == ["头盔"]
    assert content_pieces(["钢", "产量"]) == ["钢", "产量"]
    assert content_pieces(["吃"]) == ["吃"]                 # alone, it is the concept
    rules = ("某市电动自行车管理条例\n\n第二十条 驾驶电动自行车应当佩戴安全头盔。\n\n"
             "第三十条 违反本条例第二十条规定，驾驶电动自行车未佩戴安全头盔的，由公安机关交通管理部门处二十元罚款。\n\n"
             "第三十一条 电动自行车应当在非机动车道内行驶，不得戴耳机接听电话。\n")
    result = _search_files(tmp_path, {"2020-01-01_某市电动自行车管理条例.txt": rules}, "骑电动车不戴头盔会被罚款吗")
    assert "佩戴安全头盔" in result.hits[0].text and not result.hits[0].missing, \
        [(h.text[:20], h.missing) for h in result.hits]


def test_the_year_of_asked_plans_is_part_of_the_intent():
    # 县域经济 今年工作打算: 今年 says which plans; a plans passage about 县域经济 seldom writes it
    from searchlib.query import QueryBuilder
    plan = QueryBuilder().plan("县域经济 今年工作打算")
    assert plan.kind_intent == "plans" and "今年" in plan.intent_concepts
    assert plan.subject_concepts() == ["县域经济"]
    assert "今年" in QueryBuilder().plan("今年 粮食产量").concepts      # no plans asked: a word as any other


def test_who_may_not_act_as_is_read_as_its_topics():
    # 哪些人不能给遗嘱当见证人: 哪些人 only asks (as 哪些地区 does), and 当 (act as) is an
    # everyday verb the statute writes 作为
    from searchlib.query import QueryBuilder, content_pieces
    assert content_pieces(["遗嘱", "当", "见证人"]) == ["遗嘱", "见证人"]
    plan = QueryBuilder().plan("哪些人不能给遗嘱当见证人")
    assert not any(c.startswith("人") for c in plan.concepts), plan.concepts


@pytest.mark.parametrize("name, rules, query, first", [
    # 哪些人 only asks, 当 is 作为, and 不能 is what the provision says
    ("2020-05-28_某法.txt",
     "某法\n\n第一千一百三十五条 代书遗嘱应当有两个以上见证人在场见证，由其中一人代书。\n\n"
     "第一千一百三十六条 打印遗嘱应当有两个以上见证人在场见证。遗嘱人和见证人应当在遗嘱每一页签名。\n\n"
     "第一千一百四十条 下列人员不能作为遗嘱见证人：（一）无民事行为能力人；（二）继承人、受遗赠人。\n\n"
     "第二百条 基金管理人不能支付赎回款项的，应当报告。\n",
     "哪些人不能给遗嘱当见证人", "不能作为遗嘱见证人"),
    # 环评未批先建 处罚: 未批先建 is in no dictionary and no article says 环评; asked about a
    # provision (处罚), the abbreviation's statutory term on its own (环境影响评价) finds the
    # article, above the generic penalty articles that only say 处罚
    ("2018-01-01_某省建设项目环境保护条例.txt",
     "某省建设项目环境保护条例\n\n"
     "第二十七条 建设单位未依法报批环境影响评价文件擅自开工建设的，由生态环境主管部门责令停止建设，依法予以处罚。\n\n"
     "第三十条 违反本条例规定的，依法给予处罚。\n\n"
     "第三十一条 处罚决定应当书面作出，处罚决定书应当载明违法事实。\n",
     "环评未批先建 处罚", "环境影响评价"),
])
def test_a_provision_asked_in_users_words_comes_first(tmp_path, name, rules, query, first):
    result = _search_files(tmp_path, {name: rules}, query)
    assert first in result.hits[0].text, [h.text[:20] for h in result.hits]


def test_generally_and_according_to_only_ask():
    # 一般 (generally) and 按 (according to) in a typed question are no part of its topics:
    # 离婚后孩子的抚养费一般按工资的多少给 asks about 抚养费 and 工资, not one long phrase
    from searchlib.query import content_chunks
    chunks = content_chunks("离婚后孩子的抚养费一般按工资")
    assert "工资" in chunks and not any("一般" in c or "按" in c for c in chunks), chunks
    chunks = content_chunks("离婚时孩子还不满两岁一般跟谁生活")
    assert not any("一般" in c for c in chunks), chunks


@pytest.mark.parametrize("query, concepts", [
    ("下一步 矛盾纠纷化解 怎么做", ["矛盾纠纷化解"]),
    ("垃圾分类 该怎么办", ["垃圾分类"]),
    ("怎么做", ["怎么做"]),              # only asking words: they are the query
])
def test_a_word_that_only_asks_how_is_no_topic(query, concepts):
    from searchlib.query import QueryBuilder
    plan = QueryBuilder().plan(query)
    assert [c for c in plan.concepts if c not in plan.intent_concepts] == concepts
