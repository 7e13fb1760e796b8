"""Output formats shared by search and docs (--json, --jsonl, --csv), the docs command and
show of a passage id, through the CLI and the API."""
import csv
import io
import json

import pytest
from click.testing import CliRunner

from searchlib.cli import DOC_COLUMNS, HIT_COLUMNS, main
from searchlib.errors import DocumentNotFoundError, QuerySyntaxError


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_search_jsonl_is_one_hit_per_line(seed_index_dir):
    r = run("--index", seed_index_dir, "search", "行政复议", "-n", "4", "--jsonl")
    hits = [json.loads(line) for line in r.output.splitlines()]
    assert r.exit_code == 0 and len(hits) == 4 and all("passage_id" in h and "text" in h for h in hits)


def test_search_csv_has_the_documented_columns(seed_index_dir):
    r = run("--index", seed_index_dir, "search", "两法衔接", "--csv")
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert r.exit_code == 0 and list(rows[0]) == list(HIT_COLUMNS) and len(rows) == 2
    assert "<mark>" not in rows[0]["snippet"] and "两法衔接" in rows[0]["snippet"]
    assert " › " in rows[0]["heading_path"] and "30件" in rows[0]["figures"]


def test_docs_lists_documents_with_filters(seed_index_dir):
    r = run("--index", seed_index_dir, "docs")
    assert r.exit_code == 0 and r.output.splitlines()[-1] == "5 documents"
    r = run("--index", seed_index_dir, "docs", "--region", "浙江")
    assert r.output.splitlines() == ["000_fe44817f17a5c838.txt  2017  浙江省宁波市北仑区  annual_report  "
                                     "关于2017年宁波市北仑区人民政府依法行政工作的报告", "1 documents"]
    rows = list(csv.DictReader(io.StringIO(run("--index", seed_index_dir, "docs", "--csv").output)))
    assert list(rows[0]) == list(DOC_COLUMNS) and len(rows) == 5
    listed = json.loads(run("--index", seed_index_dir, "docs", "--json", "--year", "2018").output)
    assert [d["year"] for d in listed] == [2018] * len(listed) and listed
    none = run("--index", seed_index_dir, "docs", "--year", "1990")
    assert none.exit_code == 1 and none.output == "0 documents\n"


def test_show_a_passage_with_its_neighbours(seed_index_dir):
    r = run("--index", seed_index_dir, "show", "000_fe44817f17a5c838.txt#14")
    lines = r.output.splitlines()
    assert r.exit_code == 0 and lines[0].endswith("[000_fe44817f17a5c838.txt#14]")
    assert lines[1].startswith("[achievements] 2017年依法行政工作回顾 › ")
    assert [line[:2] for line in lines[2:]] == ["  ", "› ", "  "] and "两法衔接" in lines[3]
    data = json.loads(run("--index", seed_index_dir, "show", "000_fe44817f17a5c838.txt#0", "--json").output)
    assert data["before"] == [] and len(data["after"]) == 1 and data["passage"]["ordinal"] == 0
    bad = run("--index", seed_index_dir, "show", "000_fe44817f17a5c838.txt#9999")
    assert bad.exit_code == 2 and bad.output.startswith("Error: '000_fe44817f17a5c838.txt' has no passage 9999")


def test_api_passage_and_documents(seed_index):
    p = seed_index.passage("004_c33dbd6b483a1526.txt#31", context=2)
    assert "两法衔接" in p["passage"]["text"] and len(p["before"]) == 2 and p["document"]["year"] == 2018
    with pytest.raises(QuerySyntaxError):
        seed_index.passage("no-number")
    with pytest.raises(DocumentNotFoundError):
        seed_index.passage("nosuch.txt#1")
    assert [d["doc_id"] for d in seed_index.documents(region="宁波")] == ["000_fe44817f17a5c838.txt"]
    assert len(seed_index.documents()) == 5


@pytest.mark.parametrize("args, env, coloured", [([], {}, False), (["--color", "always"], {}, True),
                                                 (["--color", "always"], {"NO_COLOR": "1"}, True),
                                                 (["--color", "never"], {}, False)])
def test_colour_only_when_asked_or_on_a_terminal(seed_index_dir, args, env, coloured):
    r = CliRunner(env=env).invoke(main, [*args, "--index", str(seed_index_dir), "search", "两法衔接", "-n", "1"])
    assert r.exit_code == 0 and ("\x1b[" in r.output) == coloured
    assert ("【两法衔接】" in r.output) == (not coloured)


def test_snippets_have_no_raw_line_breaks(seed_index):
    for h in seed_index.search("法治政府 建设", limit=30).hits:
        assert "\n" not in h.snippet


def test_figures_of_the_matched_sentence_come_first(seed_index_dir):
    out = run("--index", seed_index_dir, "search", "两法衔接", "-n", "1").output
    line = next(x for x in out.splitlines() if x.strip().startswith("figures:"))
    assert line.strip().startswith("figures: 移交区检察院涉刑案件 30件")


def test_group_by_doc(seed_index, seed_index_dir):
    res = seed_index.search("行政复议", limit=12)
    groups = res.by_document()
    assert len({g["doc_id"] for g in groups}) == len(groups) > 1
    assert [h.passage_id for g in groups for h in g["hits"]] == sorted(
        (h.passage_id for h in res.hits), key=lambda p: [g["doc_id"] for g in groups].index(p.split("#")[0]))
    out = run("--index", seed_index_dir, "search", "行政复议", "-n", "12", "--group-by-doc").output.splitlines()
    import re
    assert f"shown from {len(groups)} documents" in out[0]
    assert sum(1 for x in out if re.match(r"^\d+\. ", x)) == len(groups)
    data = json.loads(run("--index", seed_index_dir, "search", "行政复议", "-n", "12", "--group-by-doc",
                          "--json").output)
    assert [d["doc_id"] for d in data["documents"]] == [g["doc_id"] for g in groups] and "hits" not in data


def test_csv_cells_that_would_be_spreadsheet_formulas_are_quoted():
    from searchlib.serialize import csv_text
    rows = list(csv.DictReader(io.StringIO(csv_text(
        [{"text": '=HYPERLINK("http://x","点击")', "value": -5, "unit": "-5", "subject": "@SUM(A1)", "title": "行政复议"}],
        ["text", "value", "unit", "subject", "title"]))))
    assert rows[0] == {"text": '\'=HYPERLINK("http://x","点击")', "value": "-5", "unit": "-5",
                       "subject": "'@SUM(A1)", "title": "行政复议"}
