"""The command line: output, the JSON batch protocol, exit codes and error messages."""
import json

import pytest
from click.testing import CliRunner

from searchlib.cli import main
from tests.conftest import CORPUS

HIT_KEYS = {"doc_id", "title", "region", "year", "published", "source", "doc_number", "heading_path",
            "section_kind", "text", "snippet", "score", "figures"}


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def test_build_reports_counts(tmp_path):
    r = run("--index", tmp_path / "ix", "build", CORPUS)
    assert r.exit_code == 0, r.output
    assert "Indexed 5 documents" in r.output


def test_search_human_output(seed_index_dir):
    r = run("--index", seed_index_dir, "search", "两法衔接", "--limit", "3")
    assert r.exit_code == 0, r.output
    assert "关于2017年宁波市北仑区人民政府依法行政工作的报告" in r.output
    assert "宁波市北仑区" in r.output and "›" in r.output and "【" in r.output


def test_search_json(seed_index_dir):
    r = run("--index", seed_index_dir, "search", "行政复议", "--json", "--region", "北仑", "--year", "2017")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["hits"] and HIT_KEYS <= set(data["hits"][0])
    assert isinstance(data["hits"][0]["heading_path"], list)


def test_index_from_environment(seed_index_dir, monkeypatch):
    monkeypatch.setenv("SEARCHLIB_INDEX", str(seed_index_dir))
    assert run("stats").exit_code == 0


def test_batch_protocol_keeps_order(seed_index_dir):
    reqs = [{"query": "两法衔接", "filters": {}, "limit": 3},
            {"query": "行政复议", "filters": {"region": "北仑", "kind": "achievements"}, "limit": 2},
            {"query": "工作要点", "filters": {"type": "work_plan", "year": 2017}, "limit": 1}]
    stdin = "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in reqs)
    r = run("--index", seed_index_dir, "search", "--batch", "-", "--json", input=stdin)
    assert r.exit_code == 0, r.output
    lines = [json.loads(l) for l in r.output.splitlines()]
    assert [l["query"] for l in lines] == [q["query"] for q in reqs]
    assert len(lines[1]["hits"]) <= 2 and all(h["region"] == "宁波市北仑区" for h in lines[1]["hits"])
    assert all(h["doc_type"] == "work_plan" for h in lines[2]["hits"])


def test_batch_bad_line_is_reported_in_place(seed_index_dir):
    stdin = '{"query": "两法衔接"}\nnot json\n{"query": "行政复议", "filters": {"colour": 1}}\n'
    r = run("--index", seed_index_dir, "search", "--batch", "-", "--json", input=stdin)
    assert r.exit_code == 2
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    assert len(lines) == 3 and lines[0]["hits"] and "error" in lines[1] and "error" in lines[2]


def test_show_and_stats(seed_index_dir):
    r = run("--index", seed_index_dir, "show", "000_fe44817f17a5c838.txt")
    assert r.exit_code == 0 and "2017年依法行政工作回顾" in r.output
    r = run("--index", seed_index_dir, "stats")
    assert r.exit_code == 0 and "documents: 5" in r.output


def test_synonyms_command(seed_index_dir):
    r = run("--index", seed_index_dir, "synonyms", "两法衔接")
    assert r.exit_code == 0 and "行政执法与刑事司法衔接" in r.output


@pytest.mark.parametrize("args,message", [
    (["search", "两法衔接"], "no index"),
    (["show", "x.txt"], "no index"),
])
def test_missing_index_is_one_clear_line(tmp_path, args, message):
    r = run("--index", tmp_path / "none", *args)
    assert r.exit_code == 2
    assert r.output.strip().startswith("Error:") and message in r.output
    assert "Traceback" not in r.output


def test_unreadable_corpus_path(tmp_path):
    r = run("--index", tmp_path / "ix", "build", tmp_path / "does-not-exist")
    assert r.exit_code == 2 and r.output.startswith("Error:") and "does-not-exist" in r.output


def test_malformed_query(seed_index_dir):
    r = run("--index", seed_index_dir, "search", '"行政复议')
    assert r.exit_code == 2 and r.output.startswith("Error:") and "quote" in r.output


def test_unknown_document(seed_index_dir):
    r = run("--index", seed_index_dir, "show", "nope.txt")
    assert r.exit_code == 2 and "no document" in r.output


def test_incompatible_index_tells_user_to_rebuild(tmp_path):
    ix = tmp_path / "ix"
    assert run("--index", ix, "build", CORPUS).exit_code == 0
    (ix / "searchlib.json").write_text('{"schema": "0"}')
    r = run("--index", ix, "search", "两法衔接")
    assert r.exit_code == 2 and "rebuild" in r.output


def test_build_skips_bad_files_and_says_so(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.txt").write_text((CORPUS / "000_fe44817f17a5c838.txt").read_text(encoding="utf-8"),
                                     encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.html").write_bytes(bytes(range(256)) * 20)
    r = run("--index", tmp_path / "ix", "build", corpus)
    assert r.exit_code == 3
    assert "Indexed 1 documents" in r.output and "empty.txt" in r.output and "binary.html" in r.output


def test_docs_pages_at_the_source(seed_index_dir):
    """docs --limit/--offset: that page of the listing (by doc_id), with the total."""
    full = CliRunner().invoke(main, ["--index", seed_index_dir, "docs"])
    ids = [line.split()[0] for line in full.output.splitlines()[:-1]]
    assert full.output.splitlines()[-1] == f"{len(ids)} documents" and len(ids) == 5
    page = CliRunner().invoke(main, ["--index", seed_index_dir, "docs", "--limit", "2", "--offset", "1"])
    assert [line.split()[0] for line in page.output.splitlines()[:-1]] == ids[1:3]
    assert page.output.splitlines()[-1] == "2–3 of 5 documents"
