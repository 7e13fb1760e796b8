"""Synonym rules (searchlib.synonyms) and the shipped domain vocabulary
(searchlib/data/synonyms.txt, searchlib/data/userdict.txt)."""
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from searchlib.errors import SynonymFileError
from searchlib.normalize import normalize
from searchlib.synonyms import SynonymMap, default_synonyms_path, term_key

DATA = Path(__file__).resolve().parent.parent / "searchlib" / "data"
USERDICT = DATA / "userdict.txt"


# ---------------------------------------------------------------- parsing
def test_equivalence_group_expands_each_term_to_the_others():
    m = SynonymMap.parse("两法衔接, 行政执法与刑事司法衔接, 行刑衔接\n")
    assert len(m) == 1
    assert m.expand("两法衔接") == ["行政执法与刑事司法衔接", "行刑衔接"]
    assert m.expand("行刑衔接") == ["两法衔接", "行政执法与刑事司法衔接"]
    assert m.expand("行政执法与刑事司法衔接") == ["两法衔接", "行刑衔接"]
    assert m.terms() == {"两法衔接", "行政执法与刑事司法衔接", "行刑衔接"}


def test_one_way_rule_expands_left_to_right_only():
    m = SynonymMap.parse("复议, 行政复议申请 => 行政复议\n")
    assert m.expand("复议") == ["行政复议"]
    assert m.expand("行政复议申请") == ["行政复议"]
    assert m.expand("行政复议") == []
    assert m.terms() == {"复议", "行政复议申请"}
    # left-hand terms of a one-way rule do not expand to each other
    assert "行政复议申请" not in m.expand("复议")


def test_expansions_merge_in_file_order_without_duplicates_or_self():
    m = SynonymMap.parse("a, b\na => c, b, a\na, d\n")
    assert m.expand("a") == ["b", "c", "d"]
    assert m.expand("unknown") == []


def test_comments_and_blank_lines_are_ignored():
    text = "# 执法\n\n   \n  # indented comment\n执法记录仪, 执法记录设备\n\n# end\n"
    m = SynonymMap.parse(text)
    assert len(m) == 1
    assert m.expand("执法记录仪") == ["执法记录设备"]


@pytest.mark.parametrize("line", [
    "a =>",
    "=> b",
    "a => b => c",
    "a, , b",
    "a, b,",
    "“”, b",
    "lonely",
])
def test_malformed_line_names_source_and_line(line):
    text = "# header\nx, y\n" + line + "\n"
    with pytest.raises(SynonymFileError) as info:
        SynonymMap.parse(text, source="user.txt")
    assert str(info.value).startswith("user.txt:3: ")


def test_terms_are_quote_width_space_and_case_insensitive():
    m = SynonymMap.parse("“七五”普法, 第七个五年普法\n互联网＋政务服务 => 一网通办\nAPP, 移动客户端\n")
    assert m.expand("七五普法") == ["第七个五年普法"]
    assert m.expand("“七五”普法") == ["第七个五年普法"]
    assert m.expand("七五 普法") == ["第七个五年普法"]
    assert m.expand("互联网+政务服务") == ["一网通办"]
    assert m.expand("app") == ["移动客户端"]
    assert "七五普法" in m.terms()
    assert term_key("‘双随机、一公开’") == "双随机、一公开"
    assert term_key("ＡＢＣ") == "abc"


# ---------------------------------------------------------------- find
def test_find_prefers_the_longest_term_and_reports_offsets():
    m = SynonymMap.parse(
        "执法, 执行法律\n行政执法, 行政机关执法\n两法衔接, 行刑衔接\n三项制度 => 行政执法公示\n")
    assert m.find("两法衔接案件") == [(0, 4, "两法衔接", ["行刑衔接"])]
    assert m.find("三项制度落实情况") == [(0, 4, "三项制度", ["行政执法公示"])]
    hits = m.find("推进行政执法与两法衔接")
    assert [(s, e, t) for s, e, t, _ in hits] == [(2, 6, "行政执法"), (7, 11, "两法衔接")]
    assert hits[0][3] == ["行政机关执法"]
    assert m.find("没有术语的查询") == []
    assert m.find("") == []


def test_find_skips_quotes_and_maps_offsets_to_the_original_text():
    m = SynonymMap.parse("七五普法, 第七个五年普法\n")
    text = "开展“七五”普法活动"
    [(start, end, term, exp)] = m.find(text)
    # the span runs from the first to the last character of the term; quote
    # marks inside it are skipped, the ones around it are not part of it
    assert (start, end, term, exp) == (3, 8, "七五普法", ["第七个五年普法"])
    assert text[start:end] == "七五”普法"


def test_find_does_not_cut_a_term_out_of_its_own_written_out_expansion():
    m = SynonymMap.parse("复议 => 行政复议\n")
    assert m.find("行政复议案件") == []
    assert m.find("复议案件") == [(0, 2, "复议", ["行政复议"])]


def test_find_with_token_boundaries():
    m = SynonymMap.parse("信访, 来信来访\n")
    text = "信访积案化解"
    assert m.find(text)[0][:3] == (0, 2, "信访")
    # tokens 信访积案 / 化解: 信访 ends inside a token, so it is not reported
    assert m.find(text, boundaries=[0, 4, 6]) == []
    assert m.find("信访工作", boundaries=[0, 2, 4])[0][:3] == (0, 2, "信访")


# ---------------------------------------------------------------- load / merge
def test_load_reads_utf8_with_bom(tmp_path):
    path = tmp_path / "syn.txt"
    path.write_bytes("\ufeff# user rules\n法制办, 法制办公室\n".encode("utf-8"))
    m = SynonymMap.load(path)
    assert len(m) == 1
    assert m.expand("法制办") == ["法制办公室"]


def test_load_error_names_the_file(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("a, b\nc => \n", encoding="utf-8")
    with pytest.raises(SynonymFileError, match=re.escape(f"{path}:2: ")):
        SynonymMap.load(path)


def test_merge_adds_user_rules_after_the_shipped_ones():
    shipped = SynonymMap.parse("普法, 法治宣传教育\n")
    user = SynonymMap.parse("普法 => 普法宣传\n司法局 => 法制办\n")
    merged = SynonymMap.merge(shipped, user)
    assert len(merged) == 3
    assert merged.expand("普法") == ["法治宣传教育", "普法宣传"]
    assert merged.expand("司法局") == ["法制办"]
    assert shipped.expand("普法") == ["法治宣传教育"]  # inputs unchanged


def test_module_imports_without_jieba():
    code = "import sys, searchlib.synonyms; assert 'jieba' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- shipped synonyms.txt
@pytest.fixture(scope="module")
def shipped():
    return SynonymMap.load(default_synonyms_path())


def test_shipped_file_is_the_package_data_file(shipped):
    assert default_synonyms_path() == DATA / "synonyms.txt"
    assert len(shipped) >= 90


def test_shipped_two_laws_group_both_ways(shipped):
    assert "行政执法与刑事司法衔接" in shipped.expand("两法衔接")
    assert "行刑衔接" in shipped.expand("两法衔接")
    assert "两法衔接" in shipped.expand("行政执法与刑事司法衔接")
    assert "两法衔接" in shipped.expand("行刑衔接")


def test_shipped_three_systems_is_one_way(shipped):
    exp = shipped.expand("三项制度")
    for term in ["行政执法公示制度", "执法全过程记录制度", "重大执法决定法制审核制度",
                 "行政执法公示", "行政执法全过程记录", "重大行政执法决定法制审核",
                 "重大执法决定法制审核", "执法全过程记录"]:
        assert term in exp
    assert "三项制度" not in shipped.expand("行政执法公示制度")
    assert "三项制度" not in shipped.expand("行政执法公示")


def test_shipped_required_groups(shipped):
    assert {"简政放权", "放管结合", "优化服务"} <= set(shipped.expand("放管服"))
    assert "放管服" not in shipped.expand("简政放权")
    assert "双随机" in shipped.expand("双随机一公开")
    assert "双随机一公开" in shipped.expand("双随机、一公开")
    assert "第七个五年普法" in shipped.expand("“七五”普法")
    assert "执法记录设备" in shipped.expand("执法记录仪")
    assert "执法记录仪" in shipped.expand("执法记录设备")
    assert "普法" in shipped.expand("法治宣传教育")
    assert "谁执法谁普法" in shipped.expand("普法责任制")
    assert "行政复议" in shipped.expand("复议")
    assert "复议" not in shipped.expand("行政复议")
    assert "最多跑一次改革" in shipped.expand("最多跑一次")
    assert "一网通办" in shipped.expand("互联网+政务服务")
    assert "互联网+政务服务" not in shipped.expand("一网通办")
    # related but not the same: a weaker one-way rule, or kept apart
    assert shipped.weight("公职律师", "政府法律顾问") < 1.0
    assert "司法局" not in shipped.expand("法制办")


def test_shipped_find_on_unsegmented_queries(shipped):
    [(s, e, term, exp)] = shipped.find("两法衔接案件")
    assert (s, e, term) == (0, 4, "两法衔接")
    assert "行政执法与刑事司法衔接" in exp
    hits = shipped.find("三项制度落实情况")
    assert hits[0][:3] == (0, 4, "三项制度")


def test_every_shipped_term_is_in_normal_form(shipped):
    for rule in shipped.rules:
        for term in rule.lhs + (rule.targets or ()):
            assert term == term_key(term)
            assert term == unicodedata.normalize("NFKC", term)


# ---------------------------------------------------------------- userdict.txt
_USERDICT_LINE = re.compile(r"^(\S+) ([1-9][0-9]*)(?: ([a-z]+))?$")


def _userdict_entries():
    lines = USERDICT.read_text(encoding="utf-8").splitlines()
    return [_USERDICT_LINE.match(line) for line in lines]


def test_userdict_has_jieba_format():
    entries = _userdict_entries()
    assert len(entries) >= 200
    assert all(entries), "every line is 'word freq [tag]'"
    words = [m.group(1) for m in entries]
    assert len(set(words)) == len(words), "no duplicate entries"
    for word in words:
        assert not word.startswith("#")
        assert word == unicodedata.normalize("NFKC", word)
        assert word == normalize(word)


@pytest.fixture(scope="module")
def tokenizer():
    jieba = pytest.importorskip("jieba")
    jieba.setLogLevel(60)
    tok = jieba.Tokenizer()
    tok.load_userdict(str(USERDICT))
    return tok


def _strip_quotes(text):
    return re.sub(r"[“”‘’\"']", "", text)


# sentences from the seed reports (corpus/), as the engine sees them
SEED_SENTENCES = [
    ("两法衔接", "进一步完善行政执法和刑事司法衔接机制,推进“两法衔接”共享信息平台建设。"),
    ("双随机一公开", "强化事中事后监管,实行权责清单动态管理,全面实施“双随机一公开”。"),
    ("三改一拆", "提前完成了全年市定“三改一拆”目标任务。"),
    ("最多跑一次", "践行以人民为中心发展思想,全力推进“最多跑一次”改革。"),
    ("七五普法", "认真组织实施“七五”普法活动,推动“谁执法谁普法”普法责任制落实"),
]


@pytest.mark.parametrize("term,sentence", SEED_SENTENCES)
def test_userdict_keeps_jargon_whole_in_seed_sentences(tokenizer, term, sentence):
    text = normalize(_strip_quotes(sentence))
    assert term in tokenizer.lcut(text, HMM=False)
    if term in sentence:  # with the quotes left in too
        assert term in tokenizer.lcut(normalize(sentence), HMM=False)


def test_seed_sentences_are_from_the_corpus():
    corpus = Path(__file__).resolve().parent.parent / "corpus"
    texts = [normalize(p.read_text(encoding="utf-8")) for p in sorted(corpus.glob("*.txt"))]
    if not texts:
        pytest.skip("corpus/ not present")
    everything = "\n".join(texts)
    for _, sentence in SEED_SENTENCES:
        assert normalize(sentence) in everything


def test_every_userdict_entry_is_one_token_on_its_own(tokenizer):
    for m in _userdict_entries():
        word = m.group(1)
        assert tokenizer.lcut(word, HMM=False) == [word]


# ---------------------------------------------------------------- related concepts (a => b^0.5)

def test_weighted_one_way_rule_parses_and_keeps_the_larger_weight():
    m = SynonymMap.parse("执法记录仪 => 执法全过程记录^0.5, 执法记录设备\n甲 => 乙^0.3\n甲 => 乙^0.6")
    assert m.expand("执法记录仪") == ["执法全过程记录", "执法记录设备"]
    assert m.weight("执法记录仪", "执法全过程记录") == 0.5
    assert m.weight("执法记录仪", "执法记录设备") == 1.0
    assert m.weight("甲", "乙") == 0.6
    assert m.expand("执法全过程记录") == []                 # one-way


@pytest.mark.parametrize("line, message", [
    ("a^0.5, b", "targets of a one-way rule"),
    ("a => b^2", "at most 1"),
    ("a => b^0", "above 0"),
    # a weight where none belongs, or not a number, was kept as part of a term (never matched)
    ("a^0.5 => c", "targets of a one-way rule"),
    ("a, b^0.5 => c", "targets of a one-way rule"),
    ("a => b^", "a weight is written term\\^0.5"),
    ("a => b^0.5^0.5", "a weight is written"),
    ("a => b^1e-1", "a weight is written"),
])
def test_bad_weights_are_errors_with_the_line(line, message):
    with pytest.raises(SynonymFileError, match=message):
        SynonymMap.parse(line, source="mine.txt")


def test_related_concept_is_searched_at_its_weight():
    from searchlib.query import QueryBuilder
    m = SynonymMap.parse("两法衔接 => 移送涉嫌犯罪案件^0.5, 行刑衔接")
    plan = QueryBuilder(synonyms=m).plan("两法衔接")
    _, related, synonym = plan.query.subqueries
    assert related.words == ["移送", "涉嫌犯罪", "案件"]
    assert related.boost == pytest.approx(0.5 * synonym.boost)
