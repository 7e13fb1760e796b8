"""The HTTP API and the server-rendered pages, at the HTTP level (Flask's test client;
the browser tests are in test_web_browser.py)."""
import json
import re
from html import unescape
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from searchlib import api
from searchlib.cli import main
from searchlib.serialize import HIT_COLUMNS
from searchlib.web import MAX_LIMIT, create_app
from tests.conftest import TIME_SCALE, CORPUS, ROOT
from tests.web_fixtures import HOSTILE_LINES, HOSTILE_TITLE, ODD_NAMES, build_web_index


@pytest.fixture(scope="module")
def client(seed_index_dir):
    return create_app(seed_index_dir).test_client()


@pytest.fixture(scope="module")
def odd_index(tmp_path_factory):
    return build_web_index(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def odd_client(odd_index):
    return create_app(odd_index).test_client()


def get_json(client, url, status=200, **kw):
    r = client.get(url, **kw)
    assert r.status_code == status, r.get_data(as_text=True)[:500]
    assert r.mimetype == "application/json"
    return r.get_json()


def test_search_json_is_the_cli_json(client, seed_index_dir):
    data = get_json(client, "/api/search?q=两法衔接&limit=3&facets=1&region=浙江")
    cli = json.loads(CliRunner().invoke(main, ["--index", str(seed_index_dir), "search", "两法衔接", "-n", "3",
                                               "--facets", "--region", "浙江", "--json"]).output)
    for d in (data, cli):
        d.pop("elapsed_ms")
    assert data == cli
    assert list(data["hits"][0]) == list(cli["hits"][0])      # the same field names, in the same order
    assert set(data["facets"]) >= {"province", "city", "county", "year", "type", "kind", "has_figures"}


def test_every_search_option(client, seed_index):
    url = "/api/search?q=行政复议&year=2017&kind=achievements&has_figures=true&sort=-date&per_doc=1&offset=1&limit=2"
    data = get_json(client, url)
    res = seed_index.search("行政复议", year=2017, kind="achievements", has_figures=True, sort="-date", per_doc=1,
                            offset=1, limit=2)
    assert [h["passage_id"] for h in data["hits"]] == [h.passage_id for h in res.hits]
    assert data["total"] == res.total and data["offset"] == 1
    assert all(h["year"] == 2017 and h["section_kind"] == "achievements" and h["figures"] for h in data["hits"])
    explained = get_json(client, "/api/search?q=行政复议&explain=1&limit=1")["hits"][0]
    assert "text_score" in explained["explanation"]
    off = get_json(client, "/api/search?q=两法衔接&synonyms=false")
    assert off["expanded_query"] == "两法衔接" and "行刑衔接" in get_json(client, "/api/search?q=两法衔接")["expanded_query"]
    grouped = get_json(client, "/api/search?q=行政复议&group_by_doc=1")
    assert "documents" in grouped and "hits" not in grouped


def test_post_search_takes_the_batch_shape(client):
    r = client.post("/api/search", json={"query": "行政复议", "filters": {"region": "北仑", "year": 2017}, "limit": 2})
    assert r.status_code == 200
    assert all("北仑" in h["region"] for h in r.get_json()["hits"])
    assert client.post("/api/search", data="not json", content_type="application/json").status_code == 400
    big = client.post("/api/search", data=b"x" * (100 * 1024), content_type="application/json")
    assert big.status_code == 413 and big.get_json()["status"] == 413


@pytest.mark.parametrize("url, message", [
    ("/api/search?q=(行政 复议", "parenthes"),
    ("/api/search?q=行政&region=火星", "unknown region"),
    ("/api/search?q=行政&year=abc", "year"),
    ("/api/search?q=行政&kind=nope", "section kind"),
    ("/api/search?q=行政&since=2018-13", "since"),
    ("/api/search?q=行政&limit=101", "limit"),
    ("/api/search?q=行政&limit=0", "limit"),
    ("/api/search?q=行政&offset=10001", "offset"),
    ("/api/search?q=行政&offset=-1", "offset"),
    ("/api/search?q=行政&sort=size", "sort"),
    ("/api/search?q=行政&bogus=1", "unknown parameter"),
    ("/api/search?q=行政&facets=maybe", "facets"),
    ("/api/search?q=" + "行" * 501, "longer than 500"),
    ("/api/search?q=", "empty"),
    ("/api/search?q=行政&format=xml", "format"),
    ("/api/passages/000_fe44817f17a5c838.txt%23x", "passage id"),
])
def test_bad_requests_are_400_with_a_message(client, url, message):
    t0 = time.perf_counter()
    data = get_json(client, url, status=400)
    assert message in data["error"] and data["status"] == 400
    assert "Traceback" not in data["error"]
    assert time.perf_counter() - t0 < 1.0 * TIME_SCALE


def test_documents_passages_stats_synonyms(client, seed_index):
    doc_id = seed_index.documents()[0]["doc_id"]
    doc = get_json(client, f"/api/documents/{quote(doc_id)}")
    assert doc["doc_id"] == doc_id and doc["passages_list"] and "path" not in doc
    found = get_json(client, f"/api/passages/{quote(doc_id + '#3')}?context=2")
    assert found["passage"]["ordinal"] == 3 and [p["ordinal"] for p in found["before"]] == [1, 2]
    assert [p["ordinal"] for p in found["after"]] == [4, 5]
    assert get_json(client, f"/api/passages/{quote(doc_id + '#3')}?context=21", status=400)
    listing = get_json(client, "/api/documents?region=浙江&limit=1")
    assert listing["total"] == len(seed_index.documents(region="浙江")) and len(listing["documents"]) == 1
    assert {"doc_id", "title", "region", "region_code", "passages"} <= set(listing["documents"][0])
    assert get_json(client, "/api/documents?offset=100")["documents"] == []
    rows = client.get("/api/documents?format=csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows[0].startswith("doc_id,title,doc_type") and "path" not in rows[0] and len(rows) == 6
    st = get_json(client, "/api/stats")
    assert st["documents"] == 5 and "index" not in st
    syn = get_json(client, "/api/synonyms?q=两法衔接")
    assert "行刑衔接" in syn["expansions"]["两法衔接"] and "concept 两法衔接" in syn["text"]
    assert get_json(client, "/api/health")["status"] == "ok"


def test_unknown_ids_and_paths_outside_the_index_are_404(client, odd_client):
    for url in ["/api/documents/nope.txt", "/api/documents/../../etc/passwd", "/api/documents/..%2F..%2Fetc%2Fpasswd",
                "/api/documents/%2Fetc%2Fpasswd", "/api/documents/a%00b", "/api/passages/nope.txt%2312",
                "/api/passages/000_fe44817f17a5c838.txt%23999", "/doc/..%2Fsetup.cfg", "/doc/%2e%2e/%2e%2e/setup.cfg",
                "/static/..%2f__init__.py", "/static/../__init__.py", "/api/documents/" + "x" * 2000,
                "/nothing-here"]:
        r = client.get(url)
        assert r.status_code == 404, url
        assert b"import" not in r.data and b"[metadata]" not in r.data and b"root:" not in r.data, url


def test_odd_doc_ids_round_trip(odd_client, odd_index):
    with api.open_index(odd_index) as idx:
        ids = {d["doc_id"] for d in idx.documents()}
    assert set(ODD_NAMES) <= ids
    for doc_id in ODD_NAMES:
        assert get_json(odd_client, "/api/documents/" + quote(doc_id, safe=""))["doc_id"] == doc_id
        assert get_json(odd_client, "/api/passages/" + quote(doc_id + "#0", safe=""))["passage"]["ordinal"] == 0
        page = odd_client.get("/doc/" + quote(doc_id, safe="/"))
        assert page.status_code == 200 and "办理行政复议案件1" in page.get_data(as_text=True)
    # the links the results page prints lead to the documents
    html = odd_client.get("/?q=行政复议 案件&per_doc=1").get_data(as_text=True)
    import re
    links = set(re.findall(r'href="(/doc/[^"]+)"', html))
    assert len(links) >= len(ODD_NAMES)
    for link in links:
        from html import unescape
        assert odd_client.get(unescape(link)).status_code == 200, link


def test_document_text_is_escaped(odd_client):
    html = "".join(odd_client.get(url).get_data(as_text=True)
                   for url in ("/?q=行政复议", "/doc/xss.txt", "/doc/xss.txt?q=行政复议 onerror script"))
    assert "<mark>行政复议</mark>" in html
    for raw in ["<script>window", "<img", "<svg", "<iframe", "<style>*", "</textarea>", "<b>粗体"]:
        assert raw not in html, raw
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html and "&amp;lt;script&amp;gt;" in html
    assert "<script" not in html.replace('<script src="/static/app.js" defer></script>', "")
    r = odd_client.get("/")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"] and r.headers["X-Frame-Options"] == "DENY"


def test_read_only(client):
    for method in ("post", "put", "delete", "patch"):
        for url in ("/", "/api/documents/000_fe44817f17a5c838.txt", "/api/documents"):
            assert getattr(client, method)(url).status_code == 405, (method, url)
    assert client.put("/api/search?q=x").status_code == 405


def test_search_page(client):
    html = client.get("/?q=两法衔接 案件").get_data(as_text=True)
    assert "共 <strong>" in html and "<mark>" in html and 'class="chip"' in html
    assert "同义词扩展" in html and "行刑衔接" in html and "不使用同义词" in html
    assert 'id="facet-region"' in html and "浙江省" in html
    assert "synonyms=0" in html and "per_doc=1" in html and "sort=-date" in html
    assert 'id="export-csv"' in html
    narrowed = client.get("/?q=两法衔接 案件&region=330000").get_data(as_text=True)
    assert "<strong>浙江省</strong>" in narrowed and "宁波市" in narrowed
    dated = client.get("/?q=行政复议&since=2018&until=2019-06").get_data(as_text=True)
    assert "发布日期：2018 至 2019-06" in dated and 'name="since" value="2018"' in dated
    off = client.get("/?q=两法衔接&synonyms=0").get_data(as_text=True)
    assert "未使用同义词扩展" in off and "检索词读作" not in off
    # how a question was read: its year, its topic, a quantity
    read = client.get("/?q=2018年行政复议案件有多少").get_data(as_text=True)
    assert "检索词读作" in read and "2018年度的报告" in read and "问数量" in read
    assert "下一步计划部分" in client.get("/?q=下一步 行政复议").get_data(as_text=True)
    rule = client.get("/?q=法律依据 行政复议").get_data(as_text=True)
    assert "法律依据</span>（法律、法规的条文）" in rule and "（部分）" not in rule
    assert client.get("/").status_code == 200 and "份文件" in client.get("/").get_data(as_text=True)
    bad = client.get("/?q=(行政 复议")
    assert bad.status_code == 400 and "unbalanced" in bad.get_data(as_text=True) and bad.mimetype == "text/html"


def test_document_page(client, seed_index):
    doc = seed_index.document("000_fe44817f17a5c838.txt")
    html = client.get("/doc/000_fe44817f17a5c838.txt?q=两法衔接&p=14").get_data(as_text=True)
    assert doc["title"] in html and 'class="toc"' in html
    assert html.count('class="passage kind-') == len(doc["passages_list"])
    assert 'id="p-14" class="passage kind-' in html and 'current"' in html.split('id="p-14"')[1].split(">")[0]
    assert client.get("/doc/nope.txt").status_code == 404
    # the query's terms and synonyms are marked in the document, as in the snippet
    assert "<mark>两法衔接</mark>" in html and "<mark>行政执法和刑事司法衔接</mark>" in html
    assert "<mark>" not in client.get("/doc/000_fe44817f17a5c838.txt").get_data(as_text=True)
    assert client.get("/doc/000_fe44817f17a5c838.txt?q=((").status_code == 200


def test_csv_and_json_export(client):
    r = client.get("/api/search?q=行政复议&format=csv&download=1&limit=100")
    assert r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    lines = r.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].split(",") == list(HIT_COLUMNS) and len(lines) > 10
    j = client.get("/api/search?q=行政复议&format=json&download=1&limit=100")
    assert "attachment" in j.headers["Content-Disposition"] and len(j.get_json()["hits"]) <= MAX_LIMIT
    jl = client.get("/api/search?q=行政复议&format=jsonl&limit=3").get_data(as_text=True).splitlines()
    assert len(jl) == 3 and json.loads(jl[0])["passage_id"]


def test_missing_index_is_503_until_built(tmp_path):
    app = create_app(tmp_path / "index").test_client()
    for url in ("/api/health", "/api/search?q=行政", "/api/stats"):
        body = get_json(app, url, status=503)
        assert body["status"] == 503 and str(tmp_path) not in json.dumps(body, ensure_ascii=False)
    page = app.get("/?q=行政")
    assert page.status_code == 503 and "索引暂不可用" in page.get_data(as_text=True)
    assert str(tmp_path) not in page.get_data(as_text=True)       # where the server keeps its files
    api.build([CORPUS], tmp_path / "index")
    assert get_json(app, "/api/search?q=行政复议")["total"] > 0


def test_sees_updates_by_another_process_without_restart(tmp_path):
    from tests.conftest import build_small_index
    index = build_small_index(tmp_path, {"a.txt": "甲市依法行政工作报告\n\n一、行政复议\n办理行政复议案件3件。\n"})
    client = create_app(index).test_client()
    assert get_json(client, "/api/search?q=执法记录仪")["total"] == 0
    new = tmp_path / "corpus" / "b.txt"
    new.write_text("乙市依法行政工作报告\n\n一、执法\n配备执法记录仪120台。\n", encoding="utf-8")
    cli = [sys.executable, "-m", "searchlib", "--index", str(index)]
    subprocess.run([*cli, "add", str(new), "--root", str(tmp_path / "corpus")], check=True, capture_output=True)
    assert get_json(client, "/api/search?q=执法记录仪")["hits"][0]["doc_id"] == "b.txt"
    subprocess.run([*cli, "remove", "b.txt"], check=True, capture_output=True)
    assert get_json(client, "/api/search?q=执法记录仪")["total"] == 0
    assert get_json(client, "/api/documents/b.txt", status=404)
    # a full rebuild swaps in a new index directory: seen from the next request too
    subprocess.run([*cli, "build", str(tmp_path / "corpus")], check=True, capture_output=True)
    assert get_json(client, "/api/search?q=执法记录仪")["hits"][0]["doc_id"] == "b.txt"


def test_concurrent_requests_share_one_index(seed_index_dir):
    app = create_app(seed_index_dir)
    queries = ["两法衔接", "行政复议 案件 数量", "法律顾问", "执法 经费", "存在问题", "政务公开"] * 4
    expected = {q: get_json(app.test_client(), f"/api/search?q={q}")["hits"] for q in set(queries)}
    errors, seen = [], []

    def worker(q):
        try:
            seen.append((q, get_json(app.test_client(), f"/api/search?q={q}")["hits"]))
        except Exception as e:           # pragma: no cover - reported below
            errors.append(e)
    threads = [threading.Thread(target=worker, args=(q,)) for q in queries]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(seen) == len(queries)
    assert all(hits == expected[q] for q, hits in seen)


def test_internal_errors_are_500_without_a_traceback(seed_index_dir, monkeypatch):
    app = create_app(seed_index_dir)
    idx = app.extensions["searchlib"].get()
    monkeypatch.setattr(idx, "search", lambda *a, **k: 1 / 0)
    r = app.test_client().get("/api/search?q=行政")
    assert r.status_code == 500 and r.get_json() == {"error": "internal error (see the server's log)",
                                                     "message_zh": "服务器内部错误（详见服务器日志）。",
                                                     "code": "internal", "status": 500}
    page = app.test_client().get("/?q=行政")
    assert page.status_code == 500 and "Traceback" not in page.get_data(as_text=True)


def test_serve_defaults_to_loopback_and_says_when_flask_is_missing(seed_index_dir, monkeypatch):
    import searchlib.web
    calls = []
    monkeypatch.setattr(searchlib.web, "serve", lambda index, **kw: calls.append((index, kw)))
    r = CliRunner().invoke(main, ["serve", "--index", str(seed_index_dir)])
    assert r.exit_code == 0 and len(calls) == 1 and callable(calls[0][1].pop("on_listen"))
    assert calls == [(str(seed_index_dir), {"host": "127.0.0.1", "port": 8000, "threads": 8, "workers": 1})]
    r = CliRunner().invoke(main, ["serve", "--index", str(seed_index_dir) + "-missing"])
    assert r.exit_code == 0 and "note: no index at" in r.output and "requests get 503" in r.output
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.undo()
        r = CliRunner().invoke(main, ["serve", "--index", str(seed_index_dir), "--port", str(taken.getsockname()[1])])
    assert r.exit_code == 2 and "Error: cannot listen on 127.0.0.1:" in r.output and "Traceback" not in r.output
    monkeypatch.setitem(sys.modules, "searchlib.web", None)
    r = CliRunner().invoke(main, ["serve"])
    assert r.exit_code == 2 and "Error: the web server needs Flask and waitress" in r.output


def test_region_sidebar_nests_province_city_county():
    from searchlib.web import region_choices, region_trail
    f = {"province": [{"value": "北京市", "code": "110000"}, {"value": "浙江省", "code": "330000"}],
         "city": [{"value": "市辖区", "code": "110100"}, {"value": "宁波市", "code": "330200"}],
         "county": [{"value": "朝阳区", "code": "110105"}, {"value": "北仑区", "code": "330206"}]}
    assert [v["value"] for v in region_choices(f, None)] == ["北京市", "浙江省"]
    assert [v["value"] for v in region_choices(f, "浙江")] == ["宁波市"]
    assert [v["value"] for v in region_choices(f, "330200")] == ["北仑区"]
    assert region_choices(f, "北仑") == []
    assert [v["value"] for v in region_choices(f, "北京")] == ["朝阳区"]       # no 市辖区 level
    assert region_trail("北仑") == [("330000", "浙江省"), ("330200", "宁波市"), ("330206", "北仑区")]
    assert [name for _, name in region_trail("110105")] == ["北京市", "朝阳区"]


def test_only_http_source_urls_become_links():
    from searchlib.web import _safe_url
    assert _safe_url("https://www.gov.cn/a.html") == "https://www.gov.cn/a.html"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "//evil", None, 3):
        assert _safe_url(bad) is None


# --------------------------------------------------------------------------- answer tables

def test_figures_api_is_the_python_table(client, seed_index):
    data = get_json(client, "/api/figures?q=行政复议&unit=件&by=region&limit=50")
    table = seed_index.figures("行政复议", unit="件", by="region", limit=50)
    data.pop("elapsed_ms")
    want = table.to_dict()
    want.pop("elapsed_ms")
    assert data == want and data["total"] > 0
    assert [g["key"] for g in data["groups"]] == [g["key"] for g in table.groups]


def test_figures_csv_export_and_errors(client):
    r = client.get("/api/figures?q=行政复议&unit=件&format=csv&download=1")
    assert r.status_code == 200 and r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    header = r.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert header == ("region,region_code,year,period,role,change,title,doc_id,passage_id,section_kind,subject,"
                      "measure,value,unit,text,sentence")
    assert get_json(client, "/api/figures?q=行政复议&by=bogus", 400)["error"].startswith("by must be")
    assert "unknown unit" in get_json(client, "/api/figures?q=行政复议&unit=斤斤", 400)["error"]
    assert get_json(client, "/api/figures?q=", 400)["error"].startswith("the query is empty")
    assert get_json(client, "/api/figures?q=行政复议&limit=100000", 400)["status"] == 400
    assert get_json(client, "/api/figures?q=行政复议&drop=1", 400)["error"].startswith("unknown parameter")


def test_figures_page_shows_the_table_and_a_chart(client):
    r = client.get("/figures?q=行政复议&unit=件&by=region")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<h2>宁波市北仑区</h2>" in page and "<h2>秦皇岛市</h2>" in page
    assert "区政府新收行政复议案件" in page and 'class="bar"' in page
    year = client.get("/figures?q=行政复议&unit=件&by=year").get_data(as_text=True)
    assert 'class="series"' in year and "<h2>2017</h2>" in year and 'class="legend"' in year


def test_search_page_previews_the_answer_table_for_a_quantity_query(client):
    page = client.get("/?q=行政复议 案件 数量").get_data(as_text=True)
    assert "答案表" in page and 'id="answers-link"' in page and "/figures?" in page
    assert "答案表" not in client.get("/?q=两法衔接").get_data(as_text=True)


def test_figures_page_escapes_document_text(odd_client):
    page = odd_client.get("/figures?q=行政复议").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_figures_page_shows_small_converted_values(client):
    page = client.get("/figures?q=行政复议&unit=万件").get_data(as_text=True)
    assert '<td class="num">0.003</td>' in page            # 30件 (it showed 0)


def test_figures_api_takes_passages_like_the_cli(client, seed_index):
    """--passages of `searchlib figures` is a parameter of /api/figures too."""
    data = get_json(client, "/api/figures?q=行政复议&passages=1")
    assert data["passages"] == 1
    assert data["rows"] == seed_index.figures("行政复议", passages=1).to_dict()["rows"]
    assert get_json(client, "/api/figures?q=行政复议&passages=0", 400)["error"].startswith("passages must be")
    page = client.get("/figures?q=行政复议&passages=1").get_data(as_text=True)
    assert "passages=1" in page                   # kept in the export links


def test_an_empty_or_null_flag_is_its_default(client):
    """synonyms= (empty) or "synonyms": null keeps synonyms on, as when it is absent (an
    empty value turned them off); a JSON null flag was a 400."""
    on = get_json(client, "/api/search?q=两法衔接")
    assert on["expanded_query"]
    assert get_json(client, "/api/search?q=两法衔接&synonyms=")["expanded_query"] == on["expanded_query"]
    r = client.post("/api/search", json={"q": "两法衔接", "synonyms": None, "facets": None, "explain": None})
    assert r.status_code == 200 and r.get_json()["expanded_query"] == on["expanded_query"]
    assert get_json(client, "/api/figures?q=两法衔接&synonyms=")["expansions"]


def test_answer_table_preview_keeps_the_apps_time_budget(seed_index_dir):
    """create_app(time_budget=…) bounds the answer-table preview of the search page as it
    bounds every other search (the preview used the module default)."""
    idx = api.open_index(seed_index_dir)
    seen, real = [], idx.figures

    def spy(*args, **kw):
        seen.append(kw.get("timeout"))
        return real(*args, **kw)
    idx.figures = spy
    c = create_app(idx, time_budget=0.25).test_client()
    assert c.get("/?q=行政复议 案件 数量").status_code == 200
    assert c.get("/figures?q=行政复议").status_code == 200
    assert seen == [0.25, 0.25]
    idx.close()


def test_a_preview_out_of_time_leaves_the_hits(seed_index_dir):
    """The answer-table preview is extra: when its own search runs out of time the page
    shows the hits without it (it was a 400 error page although the search had answered)."""
    from searchlib.errors import QueryTimeoutError
    idx = api.open_index(seed_index_dir)

    def out_of_time(*args, **kw):
        raise QueryTimeoutError("the query needs more than 1 s of search time")
    idx.figures = out_of_time
    r = create_app(idx).test_client().get("/?q=行政复议 案件 数量")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "区政府新收行政复议案件" in page and 'id="answers-link"' not in page
    idx.close()


def test_synonyms_api_marks_related_concepts(client):
    data = get_json(client, "/api/synonyms?q=两法衔接")
    assert "行刑衔接" in data["expansions"]["两法衔接"] and "行刑衔接" not in data["related"]
    assert "移送涉嫌犯罪案件" in data["related"]


def test_partial_matches_unmatched_words_and_did_you_mean_on_the_page(client):
    html = client.get("/?q=行政复议 案件&per_doc=0&limit=50").get_data(as_text=True)
    assert "只含部分检索词" in html and "缺少：案件" in html
    typo = client.get("/?q=行政附议").get_data(as_text=True)
    assert "您是不是要找" in typo and 'href="/?q=' in typo and "行政复议</a>" in typo
    none = client.get("/?q=qwzxkj").get_data(as_text=True)
    assert "没有段落含有" in none and "qwzxkj" in none
    data = get_json(client, "/api/search?q=行政复议 案件&limit=50&per_doc=0")
    assert data["total_partial"] > 0 and any(h["missing"] == ["案件"] for h in data["hits"])
    assert data["read_as"]["concepts"][1]["text"] == "案件"
    assert get_json(client, "/api/search?q=行政附议")["suggestions"][0]["suggestion"] == "行政复议"


@pytest.fixture(scope="module")
def counted_client(tmp_path_factory):
    from tests.conftest import build_small_index
    from tests.test_semantics import COUNTED
    return create_app(build_small_index(tmp_path_factory.mktemp("counted-web"), COUNTED)).test_client()


def test_the_pager_ends_where_the_count_says(counted_client):
    url, seen = "/?q=行政执法&limit=4", []
    html = counted_client.get(url).get_data(as_text=True)
    assert "共 <strong>11</strong> 个段落匹配" in html and "另有 1 个段落与已列出的段落重复或相似" in html
    while True:
        seen += re.findall(r'href="/doc/([^"?]+)\?[^"]*p=(\d+)', html)
        nxt = re.search(r'rel="next" href="([^"]+)"', html)
        if not nxt:
            break
        html = counted_client.get(unescape(nxt.group(1))).get_data(as_text=True)
    assert len(seen) == len(set(seen)) == 11
    shown = counted_client.get(unescape(re.search(r'id="show-duplicates" href="([^"]+)"',
                                                  counted_client.get(url).get_data(as_text=True)).group(1)))
    assert "共 <strong>12</strong> 个段落匹配" in shown.get_data(as_text=True) and 'id="hide-duplicates"' in \
        shown.get_data(as_text=True)
    data = get_json(counted_client, "/api/search?q=行政执法&show_duplicates=1&limit=20")
    assert data["total"] == 12 and data["duplicates_hidden"] == 0


def test_filters_alone_browse_on_the_page_and_the_api(counted_client):
    html = counted_client.get("/?type=annual_report").get_data(as_text=True)
    assert "共 <strong>3</strong> 份文件，按发布日期从新到旧" in html
    assert html.index("乙县2020年") < html.index("甲县2019年") < html.index("丙县2018年")
    data = get_json(counted_client, "/api/search?type=annual_report&kind=achievements&limit=50")
    assert data["browse"] == "passages" and data["total"] == 11 == len(data["hits"])
    assert "份文件" in counted_client.get("/").get_data(as_text=True)       # no filters: the home page
    assert counted_client.get("/api/search").status_code == 400


def test_health_and_the_home_page_read_no_document_records(seed_index_dir, monkeypatch):
    from searchlib import api as api_module
    app = create_app(seed_index_dir)
    client = app.test_client()
    monkeypatch.setattr(api_module.SearchIndex, "documents", lambda *a, **k: pytest.fail("read every record"))
    monkeypatch.setattr(api_module.SearchIndex, "stats", lambda *a, **k: pytest.fail("read every record"))
    data = get_json(client, "/api/health")
    assert data["status"] == "ok" and data["documents"] == 5
    assert "份文件" in client.get("/").get_data(as_text=True)


def test_every_active_filter_shows_as_a_removable_chip(client):
    html = client.get("/?q=行政复议&region=330000&year=2017&since=2017&synonyms=0").get_data(as_text=True)
    chips = re.findall(r'class="chip-filter" href="([^"]+)"[^>]*>([^<]+)<', html)
    labels = [label for _, label in chips]
    assert any(l.startswith("地区：浙江省") for l in labels) and "年份：2017 ×" in labels
    assert any(l.startswith("发布日期：2017") for l in labels) and "不使用同义词 ×" in labels
    without_year = unescape(next(href for href, label in chips if label.startswith("年份")))
    assert "year=" not in without_year and "region=330000" in without_year
    clear = unescape(re.search(r'id="clear-filters" href="([^"]+)"', html).group(1))
    assert clear.startswith("/?q=") and not any(k in clear for k in ("region=", "year=", "since=", "synonyms="))


def test_numbered_pages_a_jump_box_and_a_way_back(counted_client):
    html = counted_client.get("/?q=行政执法&limit=3").get_data(as_text=True)
    assert "共 4 页" in html and 'aria-current="page">1<' in html                  # 11 passages, 3 a page
    assert re.search(r'class="page" href="[^"]*offset=9[^"]*">4<', html)
    assert 'name="page"' in html and 'max="4"' in html
    third = counted_client.get("/?q=行政执法&limit=3&page=3").get_data(as_text=True)
    assert 'aria-current="page">3<' in third and "显示第 7–9 条" in third
    beyond = counted_client.get("/?q=行政执法&limit=3&offset=30").get_data(as_text=True)
    assert "已超出最后一页（共 4 页）" in beyond and 'id="last-page"' in beyond
    assert get_json(counted_client, "/api/search?q=行政执法&hitsPerPage=2&page=2")["offset"] == 2
    # a hit's link carries the way back to this page of this search, filters kept
    href = unescape(re.search(r'<h3 class="title"><a href="([^"]+)"', third).group(1))
    doc = counted_client.get(href).get_data(as_text=True)
    back = unescape(re.search(r'<p class="back"><a href="([^"]+)"', doc).group(1))
    assert back.startswith("/?q=") and "offset=6" in back and "limit=3" in back
    evil = counted_client.get("/doc/many.txt?back=//evil.example/").get_data(as_text=True)
    assert "evil.example" not in evil


@pytest.mark.parametrize("url, chinese", [
    ("/?q=行政复议&region=火星", "没有“火星”这个地区。"),
    ("/?q=行政复议&since=20xx", "起始日期应写作 2018、2018-06 或 2018-06-30，而不是“20xx”。"),
    ("/?q=(行政 复议", "检索式中的引号或括号没有配对。"),
    ("/?q=foo:bar 行政", "检索式中的“foo:”不是可用的字段"),
    ("/?q=" + "行" * 600, "检索词太长（最多 500 字）。"),
    ("/?q=行政复议&limit=x", "每页条数应为整数，而不是“x”。"),
    ("/nope", "没有这个页面。"),
])
def test_errors_on_the_page_are_in_chinese(client, url, chinese):
    r = client.get(url)
    html = r.get_data(as_text=True)
    assert r.status_code in (400, 404) and chinese in html and r.mimetype == "text/html"


def test_an_unknown_region_suggests_links_and_the_api_gives_a_code(client):
    html = client.get("/?q=行政复议&region=火星").get_data(as_text=True)
    links = re.findall(r'<p class="suggest">.*?</p>', html)[0]
    assert "region=%E7%BA%A2%E6%98%9F" in links and "q=%E8%A1%8C" in links          # 红星, the query kept
    data = get_json(client, "/api/search?q=行政复议&region=火星", status=400)
    assert data["code"] == "unknown_region" and data["message_zh"].startswith("没有“火星”这个地区")
    assert "火星" in data["error"]
    assert get_json(client, "/api/nope", status=404)["code"] == "not_found"


def test_titles_are_highlighted_like_snippets(client):
    html = client.get("/?q=法治政府建设").get_data(as_text=True)
    titles = re.findall(r'<h3 class="title"><a [^>]*>(.*?)</a></h3>', html)
    assert titles and any("<mark>法治政府建设</mark>" in t or "<mark>法治政府</mark>" in t for t in titles)
    browse = client.get("/?region=330000").get_data(as_text=True)
    assert "<mark>" not in re.findall(r'<h3 class="title">.*?</h3>', browse)[0]


def test_the_document_page_counts_the_matches_and_links_them_in_order(client, seed_index):
    hit = seed_index.search("行政复议").hits[0]
    html = client.get(f"/doc/{quote(hit.doc_id)}?q=行政复议").get_data(as_text=True)
    count = int(re.search(r"有 <strong>(\d+)</strong> 处匹配", html).group(1))
    marked = re.findall(r'<p id="p-(\d+)" class="passage[^"]*">(?:(?!</p>).)*<mark>', html, re.S)
    assert count == len(marked) >= 2
    nexts = re.findall(r'class="next-match" href="#p-(\d+)"', html)
    assert nexts == marked[1:]                              # each match links to the next one
    assert re.findall(r'class="prev-match" href="#p-(\d+)"', html) == marked[:-1]


def test_long_facets_fold_the_rest_under_more(tmp_path_factory):
    from tests.conftest import build_small_index
    provinces = ["北京", "天津", "河北省", "山西省", "辽宁省", "吉林省", "江苏省", "浙江省", "安徽省", "福建省", "江西省",
                 "山东省", "河南省", "湖北省", "湖南省"]
    files = {f"r{i:02d}.txt": f"{p}{2000 + i}年政府工作报告\n\n一、工作回顾\n\n全年推进依法行政，办理行政复议案件{i + 5}件。\n"
             for i, p in enumerate(provinces)}
    client = create_app(build_small_index(tmp_path_factory.mktemp("facets-more"), files)).test_client()
    html = client.get("/?q=行政复议").get_data(as_text=True)
    region = re.findall(r'id="facet-region".*?</section>', html, re.S)[0]
    n = region.count("<li>")
    assert n > 12 and 'id="more-regions"' in region and f"更多（{n - 12}）" in region
    years = re.findall(r'id="facet-year".*?</section>', html, re.S)[0]
    assert 'id="more-years"' in years and "更早（7 个年份）" in years
    assert years.index(">2014<") < years.index("more-years") < years.index(">2006<")      # newest first
