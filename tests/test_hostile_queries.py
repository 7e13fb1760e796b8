"""Property test: any query built from the corpus vocabulary, operators, punctuation,
field names and odd Unicode gives an answer or one clear error, quickly, through the API
and the batch protocol (no traceback, no hang)."""
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from searchlib.errors import SearchlibError
from tests.conftest import TIME_SCALE

WORDS = ["行政复议", "两法衔接", "法治政府", "建设", "行政", "执法", "案件", "数量", "面积", "经费", "下一步",
         "存在的问题", "条", "件", "%", "三项制度", "普法", "依法行政", "的", "和", "政", "府"]
OPERATORS = ["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "(", ")", '"', "“", "”", "+", "-", "^2", "^", "~", "~2",
             "*", "?", "[", "]", "{", "}", " TO ", ":", "\\", "/", "》", "《"]
FIELDS = ["title:", "heading:", "body:", "kind:", "type:", "year:", "region:", "since:", "until:", "nosuch:",
          "has_figures:"]
ODD = ["\x00", "\u200b", "\ufeff", "🙂", "\u3000", "\t", "\n", "ｗｗｗ", "Ⅻ", "\U0010ffff", "𠀀", "a" * 30, "1" * 30]

token = st.one_of(st.sampled_from(WORDS), st.sampled_from(OPERATORS), st.sampled_from(FIELDS),
                  st.sampled_from(ODD), st.text(max_size=6))
query = st.lists(token, min_size=0, max_size=24).map(lambda parts: " ".join(parts) if len(parts) % 2 else
                                                     "".join(parts))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=query, limit=st.integers(1, 60), offset=st.integers(0, 30))
@example(q="的title:行政复议数量", limit=1, offset=0)     # a field only once the question is split: was a TypeError
def test_any_query_answers_or_fails_clearly(seed_index, q, limit, offset):
    t0 = time.perf_counter()
    try:
        res = seed_index.search(q, limit=limit, offset=offset, facets=True)
        assert res.total >= 0 and len(res.hits) <= limit
        # passages with every concept first; each document's passages of a group by score
        # (the per-document cap lets other documents in between). Within the tiers, the
        # passages of the section kind or the year/region the query names come first, so
        # score order holds among passages that miss the same concepts in the same kind
        order = [not h.missing for h in res.hits]
        assert order == sorted(order, reverse=True)

        def by_score_within_groups(hits, per_doc=True):
            groups = {}
            for h in hits:
                key = (tuple(h.missing or ()), h.section_kind, h.doc_id if per_doc else None)
                groups.setdefault(key, []).append(h.score)
            return all(scores == sorted(scores, reverse=True) for scores in groups.values())
        assert by_score_within_groups(res.hits)
        uncapped = seed_index.search(q, limit=limit, offset=offset, per_doc=0)
        order = [not h.missing for h in uncapped.hits]
        assert order == sorted(order, reverse=True) and uncapped.total == res.total
        assert by_score_within_groups(uncapped.hits, per_doc=False)
    except SearchlibError as e:
        assert str(e) and "\n" not in str(e)
    assert time.perf_counter() - t0 < 2.0 * TIME_SCALE, q


def test_out_of_time_ranks_on_the_concepts_evaluated_so_far(seed_index, monkeypatch):
    import itertools
    import time as time_module

    from searchlib.errors import QueryTimeoutError
    query = "行政复议 法律顾问 人民调解 普法"
    whole = seed_index.search(query, limit=10)
    assert not whole.partial
    ticks = itertools.count()
    monkeypatch.setattr(time_module, "perf_counter", lambda: float(next(ticks)))     # each look: 1 s later
    cut = seed_index.search(query, limit=10, timeout=12)
    assert cut.partial and 0 < cut.total + cut.total_partial < whole.total + whole.total_partial
    assert cut.to_dict()["partial"] is True
    with pytest.raises(QueryTimeoutError, match="needs more than 1 s of search time"):
        seed_index.search(query, limit=10, timeout=1)


def test_a_wildcard_over_too_many_terms_is_capped_with_a_note(seed_index, monkeypatch):
    from searchlib import scorer
    monkeypatch.setattr(scorer, "MAX_EXPANSIONS", 5)
    res = seed_index.search("(行* OR 行政)", limit=5)
    assert res.total > 0 and res.warnings and "only the first 5 were searched" in res.warnings[0]
    assert "only the first 5" in res.to_dict()["warnings"][0]
