"""The HTTP API as another program uses it: its OpenAPI document (valid, and every path
and method it lists answers as it says), versioned paths, CORS, ETag/304 keyed to the
index generation, gzip, JSON errors for every status (waitress's own 413/431 too),
Server-Timing; several values of a filter (the API, the Python API, the CLI, the page's
check boxes); suggestions as you type."""
import gzip
import http.client
import json
import re
import statistics
import threading
import time
from html import unescape
from urllib.parse import quote, urlencode

import pytest
from click.testing import CliRunner

from searchlib import api
from searchlib.cli import main
from searchlib.suggest import Suggester
from searchlib.web import create_app, make_server
from searchlib.web.params import ENDPOINTS, SEARCH

DOC = "000_fe44817f17a5c838.txt"


@pytest.fixture(scope="module")
def client(seed_index_dir):
    return create_app(seed_index_dir).test_client()


@pytest.fixture(scope="module")
def spec(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    return r.get_json()


def test_the_openapi_document_validates(spec):
    from openapi_spec_validator import validate
    validate(spec)
    assert spec["servers"] == [{"url": "/api/v1", "description": "version 1"}]
    search = spec["paths"]["/search"]["get"]
    region = next(p for p in search["parameters"] if p["name"] == "region")
    assert region["schema"]["type"] == "array" and region["explode"] is True


def _inline(node, schemas):
    """A schema with its #/components/schemas references replaced by what they name."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(schemas[node["$ref"].rsplit("/", 1)[1]], schemas)
        return {k: _inline(v, schemas) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, schemas) for v in node]
    return node


def _response(spec, op, status):
    r = op["responses"][str(status)]
    if "$ref" in r:
        r = spec["components"]["responses"][r["$ref"].rsplit("/", 1)[1]]
    return r


def _check(spec, op, resp, want_status=None):
    """``resp`` is one of the answers ``op`` declares: its status, its content type and,
    for JSON, its schema."""
    from openapi_schema_validator import OAS30Validator
    assert str(resp.status_code) in op["responses"], (resp.status_code, op["operationId"])
    if want_status is not None:
        assert resp.status_code == want_status, (op["operationId"], resp.get_data(as_text=True)[:300])
    content = _response(spec, op, resp.status_code).get("content", {})
    assert resp.mimetype in content, (op["operationId"], resp.mimetype, list(content))
    if resp.mimetype == "application/json":
        schema = _inline(content["application/json"]["schema"], spec["components"]["schemas"])
        OAS30Validator(schema).validate(resp.get_json())


def test_every_endpoint_the_document_lists_answers_as_declared(client, spec):
    """Each path and method of the document, called with its required parameters (path
    parameters from the seed index) and with each output format it declares; then with a
    parameter it does not list (400) where it declares 400, and an unknown id (404) where
    it declares 404."""
    path_values = {"doc_id": quote(DOC, safe=""), "passage_id": quote(DOC + "#3", safe="")}
    called = 0
    for path, item in spec["paths"].items():
        url = "/api/v1" + re.sub(r"\{(\w+)\}", lambda m: path_values[m.group(1)], path)
        for method, op in item.items():
            # the query parameters it requires, and q (search needs q or a filter)
            required = {p["name"]: "行政复议" for p in op.get("parameters", [])
                        if p["in"] == "query" and (p["required"] or p["name"] == "q")}
            if method == "post":
                resp = client.post(url, json={"q": "行政复议", "region": ["浙江", "河北"], "limit": 2})
                _check(spec, op, resp, 200)
                _check(spec, op, client.post(url, data="[]", content_type="application/json"), 400)
                called += 1
                continue
            resp = client.get(url + ("?" + urlencode(required) if required else ""))
            _check(spec, op, resp, 200)
            called += 1
            fmt = next((p for p in op.get("parameters", []) if p["name"] == "format"), None)
            for value in (fmt["schema"]["enum"] if fmt else []):
                _check(spec, op, client.get(url + "?" + urlencode({**required, "format": value})), 200)
            if "400" in op["responses"]:
                bad = client.get(url + "?" + urlencode({**required, "nonsense": 1}))
                _check(spec, op, bad, 400)
                assert bad.get_json()["code"] == "unknown_parameter"
            if "404" in op["responses"]:
                _check(spec, op, client.get(url.replace(quote(DOC, safe=""), "nope.txt")), 404)
            # every GET is also served at /api/… (the latest version), with its version said
            latest = client.get(url.replace("/api/v1", "/api", 1) + ("?" + urlencode(required) if required else ""))
            assert latest.status_code == 200 and latest.headers["X-Searchlib-API-Version"] == "1"
    assert called == sum(len(item) for item in spec["paths"].values()) >= 11


def test_handlers_take_exactly_the_parameters_the_document_lists(client, spec):
    """The handlers parse with the table the document is made from: an unknown parameter's
    error names the documented ones, and each documented one is accepted."""
    for e in ENDPOINTS:
        documented = {p["name"] for p in spec["paths"][e.path]["get"].get("parameters", []) if p["in"] == "query"}
        assert documented == {p.name for p in e.params if p.where == "query"}
        if not documented:
            continue
        url = "/api/v1" + e.path.replace("{doc_id}", DOC).replace("{passage_id}", quote(DOC + "#2"))
        known = client.get(url + "?q=行政复议&bogus=1").get_json()["error"].split("(known: ")[1].rstrip(")")
        assert set(known.split(", ")) == documented - {"download"}


def test_several_values_of_a_filter_are_any_of_them(client, seed_index, seed_index_dir):
    zj = seed_index.search("行政复议", region="浙江", limit=50, per_doc=0)
    hb = seed_index.search("行政复议", region="河北", limit=50, per_doc=0)
    both = seed_index.search("行政复议", region=["浙江", "河北"], limit=50, per_doc=0)
    assert zj.total and hb.total and both.total == zj.total + hb.total
    assert {h.passage_id for h in both.hits} == {h.passage_id for h in zj.hits + hb.hits}
    data = client.get("/api/v1/search?q=行政复议&region=浙江&region=河北&limit=50&per_doc=0").get_json()
    assert [h["passage_id"] for h in data["hits"]] == [h.passage_id for h in both.hits]
    # AND across filters, OR within one
    years = seed_index.search("行政复议", year=[2017, 2018], region=["浙江", "河北"], limit=50, per_doc=0)
    assert {h.year for h in years.hits} <= {2017, 2018} and years.total == both.total
    assert seed_index.search("行政复议", year=[2019], region=["浙江", "河北"]).total == 0
    assert "region:浙江,河北" in seed_index.search("", region=["浙江", "河北"]).expanded_query
    # a region written in the query narrows a list that holds it, and disagrees with one that does not
    assert seed_index.search("行政复议 region:浙江", region=["浙江", "河北"], limit=50).total == zj.total
    with pytest.raises(Exception, match="disagrees"):
        seed_index.search("行政复议 region:安徽", region=["浙江", "河北"])
    assert len(seed_index.documents(type=["annual_report", "work_plan"])) == 5
    # the CLI repeats the option
    out = CliRunner().invoke(main, ["--index", str(seed_index_dir), "search", "行政复议", "--region", "浙江",
                                    "--region", "河北", "-n", "50", "--per-doc", "0", "--json"])
    assert out.exit_code == 0 and json.loads(out.output)["total"] == both.total
    docs = CliRunner().invoke(main, ["--index", str(seed_index_dir), "docs", "--year", "2017", "--year", "2018"])
    assert docs.output.strip().endswith("4 documents")
    # one bad value of several is the usual error
    bad = client.get("/api/v1/search?q=行政复议&region=浙江&region=火星").get_json()
    assert bad["code"] == "unknown_region" and bad["status"] == 400


def test_disjunctive_facets_count_a_filtered_facet_without_its_filter(seed_index):
    plain = seed_index.search("行政复议", facets=True).facets
    narrowed = seed_index.search("行政复议", region="浙江", year=2017, facets=True, disjunctive_facets=True).facets
    # the province list is the one without the region filter but with the year filter
    by_year = seed_index.search("行政复议", year=2017, facets=True).facets
    assert narrowed["province"] == by_year["province"] and len(narrowed["province"]) > 1
    assert narrowed["year"] == seed_index.search("行政复议", region="浙江", facets=True).facets["year"]
    assert seed_index.search("行政复议", region="浙江", facets=True).facets["province"] != plain["province"]
    browse = seed_index.search("", type="work_plan", facets=True, disjunctive_facets=True).facets
    assert {v["value"] for v in browse["type"]} == {"annual_report", "work_plan"}


def test_the_page_checks_several_values_and_shows_a_chip_for_each(client):
    html = client.get("/?q=行政复议&region=330000&region=130000&year=2017&year=2018").get_data(as_text=True)
    region = re.findall(r'id="facet-region".*?</section>', html, re.S)[0]
    checked = re.findall(r'aria-checked="true" href="[^"]*">([^<]+)<', region)
    assert sorted(checked) == ["河北省", "浙江省"]
    unchecked = dict((name, unescape(href)) for href, name in
                     re.findall(r'aria-checked="false" href="([^"]+)">([^<]+)<', region))
    assert "region=330000" in unchecked["陕西省"] and "region=130000" in unchecked["陕西省"] \
        and "region=610000" in unchecked["陕西省"]                     # a box adds its value to the others
    chips = re.findall(r'class="chip-filter" href="([^"]+)"[^>]*>([^<]+)<', html)
    labels = [label for _, label in chips]
    assert {"地区：浙江省 ×", "地区：河北省 ×", "年份：2017 ×", "年份：2018 ×"} <= set(labels)
    without_2017 = unescape(next(h for h, label in chips if label == "年份：2017 ×"))
    assert "year=2018" in without_2017 and "year=2017" not in without_2017 and without_2017.count("region=") == 2
    # the search box and the date form carry every value on
    assert html.count('type="hidden" name="region"') >= 2
    dates = re.findall(r'<form class="dates".*?</form>', html, re.S)[0]
    assert 'name="region" value="330000"' in dates and 'name="since"' in dates and 'name="year" value="2018"' in dates
    assert "发布日期" in html and 'id="apply-dates"' in html


def test_suggestions_from_titles_jargon_and_terms(client, seed_index):
    data = client.get("/api/v1/suggest?q=两法").get_json()
    assert data["suggestions"][0] == {"text": "两法衔接", "kind": "jargon"}
    kinds = {s["kind"] for s in client.get("/api/v1/suggest?q=秦皇岛").get_json()["suggestions"]}
    assert "title" in kinds
    inner = [s["text"] for s in client.get("/api/v1/suggest?q=复议").get_json()["suggestions"]]
    assert "行政复议" in inner                                       # containing the text, when few start with it
    assert client.get("/api/v1/suggest?q=").status_code == 400
    assert client.get("/api/v1/suggest?q=法治&limit=3").get_json()["suggestions"].__len__() == 3
    times = []
    for q in ["行政", "法治政府", "复议", "秦", "两法衔"] * 10:
        t = time.perf_counter()
        seed_index.suggest(q)
        times.append(time.perf_counter() - t)
    assert statistics.median(times) < 0.02


def test_suggester_ranks_prefixes_by_weight_then_titles_then_contained():
    s = Suggester(titles=["行政复议工作报告", "关于行政执法的通知"], jargon=[("行政执法", 50)],
                  terms=[("行政复议", 90), ("行政", 1000), ("复议机关", 5)])
    assert [x["text"] for x in s.suggest("行政", 3)] == ["行政复议", "行政执法", "行政复议工作报告"]
    assert [x["text"] for x in s.suggest("复议", 8)] == ["复议机关", "行政复议", "行政复议工作报告"]
    assert s.suggest("", 5) == [] and s.suggest("不在", 5) == []
    assert s.suggest("ＸＹ行政", 2) == []


def test_cors_is_off_by_default_and_answers_only_the_given_origins(seed_index_dir, client):
    r = client.get("/api/v1/stats", headers={"Origin": "https://app.example.org"})
    assert "Access-Control-Allow-Origin" not in r.headers
    c = create_app(seed_index_dir, cors=["https://app.example.org, https://b.example.org"]).test_client()
    r = c.get("/api/v1/search?q=行政复议", headers={"Origin": "https://app.example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "ETag" in r.headers["Access-Control-Expose-Headers"] and "Origin" in r.headers["Vary"]
    assert "Access-Control-Allow-Origin" not in c.get("/api/v1/stats", headers={"Origin": "https://evil.example"}).headers
    pre = c.open("/api/v1/search", method="OPTIONS", headers={
        "Origin": "https://b.example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Origin"] == "https://b.example.org"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"] and "Content-Type" in pre.headers[
        "Access-Control-Allow-Headers"]
    other = c.open("/api/v1/search", method="OPTIONS", headers={"Origin": "https://evil.example",
                                                                 "Access-Control-Request-Method": "GET"})
    assert other.status_code == 204 and "Access-Control-Allow-Origin" not in other.headers
    anyone = create_app(seed_index_dir, cors="*").test_client()
    assert anyone.get("/api/v1/health", headers={"Origin": "https://x.example"}).headers[
        "Access-Control-Allow-Origin"] == "*"
    # the page itself never gets CORS headers
    assert "Access-Control-Allow-Origin" not in anyone.get("/", headers={"Origin": "https://x.example"}).headers


def test_serve_takes_cors_origins(seed_index_dir, monkeypatch):
    import searchlib.web
    calls = []
    monkeypatch.setattr(searchlib.web, "serve", lambda index, **kw: calls.append(kw))
    r = CliRunner().invoke(main, ["serve", "--index", str(seed_index_dir), "--cors", "https://a.example",
                                  "--cors", "https://b.example,https://c.example"])
    assert r.exit_code == 0 and calls[0]["cors"] == ["https://a.example", "https://b.example,https://c.example"]
    from searchlib.web import _cors_origins
    assert _cors_origins(calls[0]["cors"]) == ("https://a.example", "https://b.example", "https://c.example")


def test_etag_follows_the_index_generation(tmp_path, monkeypatch):
    from tests.conftest import build_small_index
    index = build_small_index(tmp_path, {"a.txt": "甲市依法行政工作报告\n\n一、行政复议\n办理行政复议案件3件。\n"})
    app = create_app(index)
    c = app.test_client()
    first = c.get("/api/v1/search?q=行政复议")
    tag = first.headers["ETag"]
    assert tag.startswith('W/"') and first.headers["Cache-Control"] == "no-cache"
    assert c.get("/api/v1/search?q=行政复议&limit=3").headers["ETag"] != tag          # another answer
    idx = app.extensions["searchlib"].get()
    monkeypatch.setattr(idx, "search", lambda *a, **k: pytest.fail("searched for a 304"))
    again = c.get("/api/v1/search?q=行政复议", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.headers["ETag"] == tag and not again.data
    monkeypatch.undo()
    new = tmp_path / "corpus" / "b.txt"
    new.write_text("乙市依法行政工作报告\n\n一、行政复议\n办理行政复议案件5件。\n", encoding="utf-8")
    api.add([new], index, root=tmp_path / "corpus")                  # a commit
    after = c.get("/api/v1/search?q=行政复议", headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["ETag"] != tag and after.get_json()["total"] == 2
    assert c.get("/api/v1/health").headers["Cache-Control"] == "no-store"


def test_large_answers_are_gzipped_for_clients_that_accept_it(client):
    plain = client.get("/api/v1/search?q=行政复议&limit=20")
    zipped = client.get("/api/v1/search?q=行政复议&limit=20", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers and zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"] and len(zipped.data) < len(plain.data) / 2
    a, b = json.loads(gzip.decompress(zipped.data)), plain.get_json()
    a.pop("elapsed_ms"), b.pop("elapsed_ms")
    assert a == b
    small = client.get("/api/v1/health", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers
    assert "Content-Encoding" not in client.get("/api/v1/search?q=行政复议", headers={
        "Accept-Encoding": "gzip;q=0"}).headers


def test_server_timing_names_its_parts(client):
    timing = client.get("/api/v1/search?q=行政复议&facets=1").headers["Server-Timing"]
    parts = dict(p.split(";dur=") for p in timing.split(", "))
    assert set(parts) == {"app", "parse", "search", "facets", "render"}
    assert all(float(v) >= 0 for v in parts.values()) and float(parts["app"]) >= float(parts["search"])
    assert "facets;dur" in client.get("/?q=行政复议").headers["Server-Timing"]


@pytest.mark.parametrize("method, url, status, code", [
    ("GET", "/api/v1/nope", 404, "not_found"),
    ("GET", "/api/v1/documents/nope.txt", 404, "not_found"),
    ("DELETE", "/api/v1/search", 405, "method_not_allowed"),
    ("POST", "/api/v1/stats", 405, "method_not_allowed"),
    ("GET", "/api/v1/search?q=" + "x" * 9000, 414, "uri_too_long"),
])
def test_every_error_status_is_json_with_a_code(client, method, url, status, code):
    r = client.open(url, method=method)
    assert r.status_code == status and r.mimetype == "application/json"
    data = r.get_json()
    assert data["code"] == code and data["status"] == status and data["message_zh"] and data["error"]


def test_errors_500_and_503_are_json_with_a_code(seed_index_dir, tmp_path, monkeypatch):
    missing = create_app(tmp_path / "none").test_client().get("/api/v1/search?q=行政")
    assert missing.status_code == 503 and missing.get_json()["code"] in ("index_missing", "index_unavailable")
    app = create_app(seed_index_dir)
    monkeypatch.setattr(app.extensions["searchlib"].get(), "suggest", lambda *a, **k: 1 / 0)
    r = app.test_client().get("/api/v1/suggest?q=行政")
    assert r.status_code == 500 and r.get_json()["code"] == "internal"


@pytest.fixture(scope="module")
def real_server(seed_index_dir):
    server = make_server(create_app(seed_index_dir), host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server.effective_port
    server.task_dispatcher.shutdown(timeout=5)
    server.trigger.pull_trigger(server.close)
    thread.join(timeout=5)


def _raw(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def test_waitress_limits_answer_in_json_too(real_server):
    resp, data = _raw(real_server, "POST", "/api/v1/search", {"Content-Type": "application/json"},
                      b"{" + b" " * (200 * 1024) + b"}")
    assert resp.status == 413 and resp.getheader("Content-Type") == "application/json"
    assert json.loads(data)["code"] == "too_large"
    resp, data = _raw(real_server, "GET", "/api/v1/stats", {"X-Big": "x" * 30_000})
    assert resp.status == 431 and json.loads(data) == {
        "error": "the request's headers are too large", "message_zh": "请求头太大。", "code": "headers_too_large",
        "status": 431}
    import socket
    with socket.create_connection(("127.0.0.1", real_server), timeout=10) as sock:   # a malformed header line
        sock.sendall(b"GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n")
        raw = b""
        while b"}" not in raw:
            chunk = sock.recv(65536)
            if not chunk:
                break
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].endswith(b" 400 Bad Request") and b"application/json" in head
    assert json.loads(body)["code"] == "bad_request" and json.loads(body)["message_zh"] == "请求格式有误。"
    resp, data = _raw(real_server, "GET", "/api/v1/health")
    assert resp.status == 200


def test_the_api_reference_page_is_chinese_and_lists_every_endpoint(client):
    r = client.get("/api/docs")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "接口说明" in html and 'href="/api/openapi.json"' in html
    for e in ENDPOINTS:
        assert f"/api/v1{e.path}" in html, e.path
    for p in SEARCH.params:
        assert f"<code>{p.name}</code>" in html
    assert "--cors" in html and "If-None-Match" in html and "http" not in html.split("<main")[1].split("<pre>")[0] \
        .replace("https://app.example.org", "").replace("http://", "")       # no external CDN or link
    assert client.get("/api").status_code == 200
