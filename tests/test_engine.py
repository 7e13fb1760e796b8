"""The passage engine: the passage file format, merges and deletions, the vectorised
scorer against the reference ranking of the previous (Whoosh-matcher) engine, damaged
and stale indexes."""
import hashlib
import json
from dataclasses import replace

import numpy as np
import pytest

from searchlib import api, storage
from searchlib.errors import IndexDamagedError, IndexVersionError
from searchlib.ranking import DEFAULT_RANKING
from searchlib.passage_index import FIGURES_FLAG, SegmentBuilder, SegmentPassages, report_passages
from searchlib.normalize import display_text
from searchlib.synonyms import SynonymMap
from searchlib.pipeline import analyse_file
from tests.conftest import TIME_SCALE, CORPUS, ROOT, SEEDS

REFERENCE = ROOT / "tests" / "data" / "reference_top10.json"


@pytest.fixture(scope="module")
def seed_docs():
    return [analyse_file(p, CORPUS) for p in SEEDS]


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory, seed_docs):
    path = tmp_path_factory.mktemp("spx") / "seg.spx"
    b = SegmentBuilder()
    for i, d in enumerate(seed_docs):
        b.add_report(i, report_passages(d))
    b.write(path, len(seed_docs))
    return SegmentPassages(path)


def test_passage_file_holds_every_passage_with_its_payload(seed_file, seed_docs):
    sp = seed_file
    assert sp.passages == sum(len(d.passages) for d in seed_docs)
    assert sp.reports == len(seed_docs)
    assert list(sp.r_first) == list(np.cumsum([0] + [len(d.passages) for d in seed_docs]))
    for pid in (0, 14, sp.passages - 1):
        report = int(sp.p_report[pid])
        passage = seed_docs[report].passages[int(sp.p_ordinal[pid])]
        payload = sp.payload(pid)
        # displayed as written: the full-width punctuation normalisation took away is back
        assert payload["text"] == display_text(passage.text)
        assert payload["heading_path"] == [display_text(h) for h in passage.heading_path]
        assert [f["text"] for f in payload["figures"]] == [f.text for f in passage.figures]
        assert bool(sp.p_flags[pid] & FIGURES_FLAG) == bool(passage.figures)


def test_postings_and_positions(seed_file, seed_docs):
    sp = seed_file
    ti = sp.term_index("body", "两法衔接")
    ids, tf = sp.postings("body", ti)
    texts = [sp.payload(int(i))["text"] for i in ids]
    assert all("两法衔接" in t for t in texts) and len(ids) == 2
    owner, pos = sp.positions(ti, np.arange(len(ids)), tf)
    assert len(pos) == int(tf.sum())
    assert sp.term_index("body", "不存在的词语xyz") == -1
    # a word that is only a sub-word of longer words is still found (衔接 inside 两法衔接)
    assert sp.df("body", sp.term_index("body", "衔接")) >= 2
    lo, hi = sp.prefix_range("body", "行政复议")
    assert hi > lo and all(sp.term_at("body", i).startswith("行政复议") for i in range(lo, hi))


def test_heading_terms_are_indexed_once_per_section(seed_file):
    sp = seed_file
    ti = sp.term_index("heading", "法治")
    sections, _ = sp.postings("heading", ti)
    passages, owner = sp.section_passages(sections.astype(np.int64))
    assert sp.df("heading", ti) == len(passages) > len(sections)
    assert all("法治" in "".join(sp.payload(int(p))["heading_path"]) for p in passages[:20])


def test_merge_drops_deleted_reports_and_renumbers(tmp_path, seed_file):
    b = SegmentBuilder()
    b.add_segment(seed_file, np.array([0, -1, 1, 2, 3]))      # report 1 deleted
    b.write(tmp_path / "merged.spx", 4)
    merged = SegmentPassages(tmp_path / "merged.spx")
    kept = [r for r in range(5) if r != 1]
    assert merged.passages == sum(int(seed_file.r_first[r + 1] - seed_file.r_first[r]) for r in kept)
    for field_, term in (("body", "两法衔接"), ("body", "行政复议"), ("heading", "法治")):
        old_ids, old_tf = seed_file.postings(field_, seed_file.term_index(field_, term))
        new_ids, new_tf = merged.postings(field_, merged.term_index(field_, term))
        if field_ == "body":
            old_reports = seed_file.p_report[old_ids]
            assert len(new_ids) == int((old_reports != 1).sum())
            assert list(new_tf) == list(old_tf[old_reports != 1])
            texts_old = [seed_file.payload(int(i))["text"] for i, r in zip(old_ids, old_reports) if r != 1]
            assert [merged.payload(int(i))["text"] for i in new_ids] == texts_old
    # positions survive the merge: a phrase found before is found after
    idx_old = seed_file.term_index("body", "两法衔接")
    idx_new = merged.term_index("body", "两法衔接")
    ids_o, tf_o = seed_file.postings("body", idx_old)
    ids_n, tf_n = merged.postings("body", idx_new)
    assert list(seed_file.positions(idx_old, np.arange(len(ids_o)), tf_o)[1]) == \
        list(merged.positions(idx_new, np.arange(len(ids_n)), tf_n)[1])


def test_units_field_lists_the_passages_with_figures_in_a_unit(seed_file, seed_docs):
    ids, _ = seed_file.postings("units", seed_file.term_index("units", "件"))
    want = [(r, p.ordinal) for r, d in enumerate(seed_docs) for p in d.passages if any(f.unit == "件" for f in p.figures)]
    assert [(int(seed_file.p_report[i]), int(seed_file.p_ordinal[i])) for i in ids] == want
    assert seed_file.term_index("units", "不是单位") == -1


def test_truncated_passage_file_is_reported_as_damage(tmp_path, seed_file):
    data = seed_file.path.read_bytes()
    (tmp_path / "t.spx").write_bytes(data[: len(data) // 2])
    from searchlib.passage_index import PassageFileError
    with pytest.raises(PassageFileError, match="truncated"):
        SegmentPassages(tmp_path / "t.spx")


# --------------------------------------------------------------------------- ranking

# the ranking of the previous engine: tiers, no genre or kind prior, no per-document cap
REFERENCE_RANKING = replace(DEFAULT_RANKING, coordination_power=None, type_priors={}, kind_priors={}, answer_boost=0.0,
                            per_doc=0, partial_coordination=None,
                            kind_is_topical=False)


def test_ranking_matches_the_reference_engine(seed_index_dir):
    """The vectorised scorer ranks as the Whoosh-matcher engine did (reference recorded
    from it on the seeds): the same top passages for every request, and at least 9 of the top 10
    in common (the rest are near-ties: Whoosh quantised field lengths to a byte and
    counted document records in N). Since figure extraction was refined on hand labels
    (concreteness moved near-ties: 三项制度's first two, 43.5 and 41.3, swapped; 政务公开's
    5th and 6th), at least 4 of the top 5 in common, in any order."""
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
    seed_index = api.open_index(seed_index_dir, ranking=REFERENCE_RANKING)
    # the synonyms it had: no related-concept (weighted) rules yet
    seed_index._synonyms = SynonymMap(rule for rule in seed_index.synonyms.rules if not rule.weights)
    # passages are compared by their text: passages the structure parser has found since
    # (a one-line measure with figures) are left out of the comparison
    known = set(ref["passage_text_hashes"])
    for r in ref["requests"]:
        if seed_index.plan(r["query"]).kind_intent:
            # a query made of words naming a section kind (下一步 工作 打算): every passage of the
            # kind holds all of it, ranked by its own score; the reference re-scored them by a
            # strict query that no longer exists
            continue
        hits = seed_index.search(r["query"], limit=30, **r["filters"]).hits
        got = [t for t in (_text_hash(h.text) for h in hits) if t in known][:10]
        assert len(set(got[:5]) & set(r["top10_text_hash"][:5])) >= min(4, len(r["top10"])), r["query"]
        assert len(set(got) & set(r["top10_text_hash"])) >= min(9, len(r["top10"])), r["query"]


def _text_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def test_total_does_not_depend_on_the_limit(seed_index):
    results = [seed_index.search("行政复议 案件", limit=n) for n in (1, 5, 10, 100)]
    totals = {(r.total, r.total_partial) for r in results}
    assert len(totals) == 1 and results[0].total > 5 and results[0].total_partial > 10


def test_explain_parts_add_up(seed_index):
    res = seed_index.search("行政复议 案件 数量", limit=5, explain=True)
    for h in res.hits:
        e = h.explanation
        parts = (e["text_score"] * e["concreteness_factor"] + e["boosts"]) * e["genre_prior"] * e["answer_factor"]
        assert abs(parts - h.score) < 1e-3 * h.score
        assert any(t.startswith("body:") for t in e["matched_terms"])


# --------------------------------------------------------------------------- damaged and stale

def test_missing_passage_file_is_damage_not_a_traceback(tmp_path):
    index = tmp_path / "index"
    api.build([CORPUS], index)
    next(index.glob("*.spx")).unlink()
    with pytest.raises(IndexDamagedError, match="damaged"):
        api.open_index(index).search("行政复议")


def test_index_of_the_previous_schema_is_stale(tmp_path):
    index = tmp_path / "index"
    api.build([CORPUS], index)
    meta = json.loads((index / storage.META_FILE).read_text())
    meta["schema"] = "3"
    (index / storage.META_FILE).write_text(json.dumps(meta))
    with pytest.raises(IndexVersionError, match="schema version 3"):
        api.open_index(index)


def test_every_error_class_is_importable_from_the_package():
    import searchlib
    from searchlib import errors
    for name, obj in vars(errors).items():
        if isinstance(obj, type) and issubclass(obj, errors.SearchlibError):
            assert getattr(searchlib, name) is obj and name in searchlib.__all__


def test_optimize_merges_segments_and_keeps_answers(tmp_path):
    index = tmp_path / "index"
    api.build([CORPUS], index)
    for i, seed in enumerate(SEEDS[:2]):                 # two more segments
        folder = tmp_path / f"more{i}"
        folder.mkdir()
        (folder / f"copy{i}.txt").write_text(seed.read_text(encoding="utf-8") + f"\n附记mkextra{i}。", encoding="utf-8")
        api.add([folder / f"copy{i}.txt"], index)
    with api.open_index(index) as idx:
        before = [(h.passage_id, h.score) for h in idx.search("行政复议 案件", limit=50, per_doc=0).hits]
    assert len(list(index.glob("*.spx"))) == 3
    api.optimize(index)
    assert len(list(index.glob("*.spx"))) == 1
    with api.open_index(index) as idx:
        after = [(h.passage_id, h.score) for h in idx.search("行政复议 案件", limit=50, per_doc=0).hits]
    assert [p for p, _ in after] == [p for p, _ in before]
    assert all(abs(a - b) < 1e-6 for (_, a), (_, b) in zip(after, before))
    # a removed report's passages stay in their segment, masked, until a merge drops them
    api.remove(["001_1019f52bb0b9dba4.txt"], index)
    with api.open_index(index) as idx:
        remaining = {h.passage_id for h in idx.search("行政复议 案件", limit=50, per_doc=0).hits}
    before_ids = {p for p, _ in before}
    assert not any(p.startswith("001_") for p in remaining)
    assert {p for p in before_ids if not p.startswith("001_")} <= remaining
    api.optimize(index)
    with api.open_index(index) as idx:
        assert idx.stats()["passages"] == idx._searcher.passage_count()
        assert not any(h.doc_id.startswith("001_") for h in idx.search("行政复议 案件", limit=50, per_doc=0).hits)


def test_repeated_words_collapse(seed_index):
    """行政 × 240 (480 characters) once took minutes: a repeated word is one word."""
    import time
    t0 = time.perf_counter()
    long_one = seed_index.search("行政" * 240)
    assert time.perf_counter() - t0 < 2.0 * TIME_SCALE
    assert long_one.total == seed_index.search("行政" * 2).total > 0
    assert seed_index.search(" ".join(["行政"] * 12)).total == seed_index.search("行政").total


def test_positions_of_selected_postings_match_a_full_decode(seed_file):
    sp = seed_file
    term_of, ids, tf = sp.all_postings("body")
    every = sp.all_positions()
    offsets = np.r_[0, np.cumsum(tf)]
    rng = np.random.default_rng(7)
    for ti in rng.choice(sp.term_count("body"), 200, replace=False):
        rows = np.flatnonzero(term_of == ti)
        sel = np.sort(rng.choice(len(rows), min(len(rows), 3), replace=False))
        owner, pos = sp.positions(int(ti), sel, tf[rows])
        want = [(k, int(p)) for k, r in enumerate(rows[sel]) for p in every[offsets[r]:offsets[r + 1]]]
        assert list(zip(owner.tolist(), pos.tolist())) == want


def test_an_index_with_no_documents_answers_nothing(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "empty.txt").write_text("", encoding="utf-8")
    report = api.build([tmp_path / "c"], tmp_path / "i")
    assert report.documents == 0 and len(report.skipped) == 1
    with api.open_index(tmp_path / "i") as idx:
        res = idx.search("行政复议")
        assert res.total == 0 and res.hits == [] and idx.documents() == []


def test_dismax_takes_the_best_form_of_a_concept(seed_index_dir):
    """synonym_tiebreak: a concept's forms score as the best of them plus tiebreak × the
    rest (a passage naming 两法衔接 and its full form is not counted twice)."""
    summed = api.open_index(seed_index_dir)
    best = api.open_index(seed_index_dir, ranking=replace(DEFAULT_RANKING, synonym_tiebreak=0.0))
    a = {h.passage_id: h for h in summed.search("两法衔接", limit=5, explain=True).hits}
    b = {h.passage_id: h for h in best.search("两法衔接", limit=5, explain=True).hits}
    both = "000_fe44817f17a5c838.txt#14"     # says 行政执法和刑事司法衔接 and 两法衔接
    assert b[both].explanation["text_score"] < a[both].explanation["text_score"]
