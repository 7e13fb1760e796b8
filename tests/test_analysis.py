"""The analyzer: positions, offsets, numbers with units, sub-words, query mode."""
import pytest

from searchlib.analysis import PolicyAnalyzer, segment, tokens
from searchlib.normalize import normalize, normalize_document_text


def _toks(text, mode="index"):
    return [(t.text, t.pos, t.startchar, t.endchar)
            for t in PolicyAnalyzer()(text, positions=True, chars=True, mode=mode)]


def test_positions_are_sequential_and_offsets_exact():
    text = "移交区检察院涉刑案件30件"
    toks = _toks(text, mode="query")
    assert [p for _, p, _, _ in toks] == list(range(len(toks)))
    for word, _, s, e in toks:
        assert text[s:e] == word


def test_numbers_keep_their_units_and_parts():
    words = [w for w, *_ in _toks("移交涉刑案件30件,胜诉率95.7%,处置违法建筑192.05万平方米")]
    assert "30件" in words and "30" in words and "件" in words
    assert "95.7%" in words and "95.7" in words
    assert "192.05万平方米" in words


def test_thousands_separator_is_one_number():
    assert "3823次" in tokens("抽查3,823次")


def test_subwords_share_the_position_of_their_word():
    toks = _toks("依法行政工作")
    pos = {w: p for w, p, _, _ in toks}
    assert pos["依法行政"] == pos["依法"] == pos["行政"]
    # query mode has no sub-words, so a phrase is not broken by them
    assert [w for w, *_ in _toks("依法行政工作", mode="query")] == ["依法行政", "工作"]


def test_policy_terms_are_whole_tokens_that_still_match_parts():
    words = [w for w, *_ in _toks("深化两法衔接工作")]
    assert "两法衔接" in words and "衔接" in words


def test_latin_lowercased_punctuation_dropped():
    words = [w for w, *_ in _toks("ABC,执法。")]
    assert "abc" in words and "," not in words and "。" not in words


def test_normalisation_is_width_and_space_insensitive():
    assert normalize("（一）加强　领导，ＡＢＣ１２３") == "(一)加强 领导,ABC123"
    assert tokens("ＡＢＣ　１２３件") == tokens("abc 123件")
    assert normalize_document_text("县委 :\n\n\n 一、 工作 开展") == "县委:\n\n一、工作开展"


def test_a_number_typeset_digit_by_digit_is_one_number():
    # the 1998 work report's PDF copy: 粮食总产量稳定在4 9 2 5 0 万吨 (the figure was never found)
    assert normalize_document_text("1 9 9 7 年粮食产量达到4 9 2 5 0 万吨，增长1 . 5 %") == \
        "1997年粮食产量达到49250万吨,增长1.5%"
    assert normalize_document_text("城镇新增就业3 5 5 5 万人") == "城镇新增就业3555万人"
    # numbers that are separate stay separate; Latin text keeps its spaces
    for text in ("ISO 9001 2015标准", "GB 12 号", "2018 2019", "版本 3. 5"):
        assert normalize_document_text(text) == text


def test_quotes_do_not_change_tokens():
    # the reports write “七五”普法 and “放管服”改革; users type 七五普法, 放管服改革
    assert tokens("全面落实“七五”普法计划") == tokens("全面落实七五普法计划")
    toks = _toks("落实“七五”普法")
    word = next(t for t in toks if t[0] == "七五普法")
    assert "落实“七五”普法"[word[2]:word[3]] == "七五”普法"     # offsets still index the original text


def test_on_demand_dictionary_segments_exactly_like_the_loaded_one(tmp_path):
    # queries read the dictionary from SQLite on demand; indexing loads it whole
    import jieba

    from searchlib.analysis import _full_segmenter, _LazyFreq, _write_dictionary_db
    from tests.conftest import SEEDS
    full = _full_segmenter()
    _write_dictionary_db(full, tmp_path / "d.sqlite")
    lazy = jieba.Tokenizer()
    lazy.FREQ = _LazyFreq(tmp_path / "d.sqlite")
    lazy.total, lazy.initialized = lazy.FREQ.total(), True
    text = "".join(p.read_text(encoding="utf-8") for p in SEEDS)[:20000]
    assert lazy.lcut(text, HMM=False) == full.lcut(text, HMM=False)


# Exact tokens (as Pyserini tests its Chinese analyzers): the main tokens (query mode;
# positions in index mode) and the sub-words index mode adds at the same positions.
# Changing any of these changes what an index contains: bump ANALYZER_VERSION.
EXACT = [
    ("深化两法衔接工作",
     ["深化", "两法衔接", "工作"],
     ["两法", "衔接"]),
    ("全面落实“七五”普法规划",                                   # quotes are not word breaks
     ["全面落实", "七五普法", "规划"],
     ["全面", "落实", "七五", "普法"]),
    ("共移交涉刑案件30件",
     ["共", "移交", "涉刑案件", "30件"],
     ["刑案", "案件", "30", "件"]),
    ("处置违法建筑192.05万平方米",                                # scale + unit stay with the number
     ["处置", "违法", "建筑", "192.05万平方米"],
     ["192.05", "万平方米"]),
    ("行政诉讼胜诉率95.7%",
     ["行政诉讼", "胜诉率", "95.7%"],
     ["行政", "诉讼", "胜诉", "95.7", "%"]),
    ("推进行政执法与刑事司法衔接",
     ["推进", "行政执法", "与", "刑事司法", "衔接"],
     ["行政", "执法", "刑事", "司法"]),
    ("联合12部门开展检查",                                        # 部门 is a word, not 12部 + 门
     ["联合", "12", "部门", "开展", "检查"],
     []),
    ("抽查3,823次,培训1500余人次",
     ["抽查", "3823次", "培训", "1500余人次"],
     ["3823", "次", "1500", "余人次"]),
    ("增长3个百分点",
     ["增长", "3个百分点"],
     ["3", "个百分点"]),
    ("2017年度依法行政工作",                                      # the year stays whole before 度
     ["2017年", "度", "依法行政", "工作"],
     ["2017", "年", "依法", "行政"]),
    ("建党100周年",                                               # 周年 is a word, not 100周 + 年
     ["建党", "100", "周年"],
     []),
    ("受益1.5万余人",
     ["受益", "1.5万余人"],
     ["1.5", "万余人"]),
    ("企业开办压缩至3个工作日",
     ["企业", "开办", "压缩", "至", "3个工作日"],
     ["3", "个工作日"]),
]


@pytest.mark.parametrize("text, main, subwords", EXACT, ids=[t for t, _, _ in EXACT])
def test_exact_tokens(text, main, subwords):
    seg = list(segment(normalize(text), subwords=True))
    assert [w for w, _, _, is_main in seg if is_main] == main
    assert [w for w, _, _, is_main in seg if not is_main] == subwords
    assert [t.text for t in PolicyAnalyzer()(text, mode="query")] == main
    assert sorted(t.text for t in PolicyAnalyzer()(text)) == sorted(main + subwords)


# --------------------------------------------------------------------------- rjieba

def _seed_paragraphs():
    from tests.conftest import SEEDS
    from searchlib.normalize import normalize_document_text
    for path in SEEDS:
        yield from (p for p in normalize_document_text(path.read_text(encoding="utf-8")).split("\n") if p)


def test_rjieba_cuts_exactly_as_jieba():
    """The accelerator is only used because it gives jieba's words: checked on every
    seed paragraph (and, in scripts/bench.py's corpus, on 22k more: 0 differences)."""
    pytest.importorskip("rjieba")
    from searchlib import analysis
    jieba_seg = analysis._full_segmenter()
    rust_seg = analysis.RustSegmenter(jieba_seg)
    paragraphs = list(_seed_paragraphs())
    assert len(paragraphs) > 100
    for text in paragraphs:
        assert rust_seg.cut(text) == list(jieba_seg.cut(text, HMM=False)), text[:40]
    # the user dictionary reached both
    assert rust_seg.cut("推进两法衔接和双随机一公开") == list(jieba_seg.cut("推进两法衔接和双随机一公开", HMM=False))
    assert "两法衔接" in rust_seg.cut("推进两法衔接工作")


def test_index_records_its_segmenter(seed_index):
    assert seed_index.stats()["built_with"]["segmenter"].split()[0] in ("rjieba", "jieba")
