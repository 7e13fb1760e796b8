"""The analyzer: positions, offsets, numbers with units, sub-words, query mode."""
from searchlib.analysis import PolicyAnalyzer, tokens
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
