"""Reliability: kill -9 in the middle of an update, searching while another process
updates, bad input files that must not stop a batch nor damage the index, and hostile
queries that must give a result or a clear message quickly."""
import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchlib import api, indexing, storage
from searchlib.cli import main
from searchlib.errors import IndexLockedError, QuerySyntaxError, SearchlibError
from tests.conftest import TIME_SCALE, ROOT
from tests.test_update import MARKERS, SEED_PARAS, doc_ids, generation, make_corpus, write_report

GENERATED = 60


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def generate_reports(folder: Path, count: int = GENERATED, paras: int = 2) -> Path:
    """``count`` new reports of seed paragraphs, each with the marker mkgen."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        start = (i * 11) % (len(SEED_PARAS) - paras)
        body = SEED_PARAS[start:start + paras]
        body[0] += "本项工作编号mkgen。"
        (folder / f"g{i:03d}.txt").write_text(f"某某市第{i}号依法行政工作报告\n\n" + "\n".join(body) + "\n",
                                             encoding="utf-8")
    return folder


def ranked(index_dir, query="法治政府 建设", limit=30, scores=True):
    with api.open_index(index_dir) as idx:
        return [(h.passage_id, h.score if scores else None, h.text) for h in idx.search(query, limit=limit).hits]


def lock_is_held(index_dir) -> bool:
    from whoosh.util.filelock import FileLock
    lock = FileLock(str(Path(index_dir) / "MAIN_WRITELOCK"))
    if lock.acquire():
        lock.release()
        return False
    return True


def wait_for(condition, timeout: float, step: float = 0.01) -> bool:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if condition():
            return True
        time.sleep(step)
    return condition()


def start_update(index, corpus, *extra):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "searchlib", "--index", str(index), "update", *extra, str(corpus)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(ROOT))


def writing_has_begun(index) -> bool:
    """The writer's temporary files hold data: documents are being written."""
    tmp = Path(index) / "MAIN.tmp"
    try:
        return any(p.stat().st_size > 0 for p in tmp.iterdir())
    except OSError:
        return False


@pytest.fixture
def base(tmp_path):
    """A built index of 4 small reports, and GENERATED more reports waiting in corpus/new."""
    corpus = make_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    api.build([corpus], index)
    generate_reports(corpus / "new")
    return index, corpus


@pytest.fixture
def small_base(tmp_path):
    """A built index of 4 small reports, and 20 more reports waiting in corpus/new."""
    corpus = make_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    api.build([corpus], index)
    generate_reports(corpus / "new", count=20)
    return index, corpus


# --------------------------------------------------------------------------- kill -9

KILL_DELAYS = (0.4, 0.9, 1.4, 2.0)   # seconds after the update starts: loading, analysing, writing, committing


@pytest.mark.parametrize("delay", KILL_DELAYS)
def test_kill_9_during_update_leaves_the_index_before_or_after(base, delay):
    """SIGKILL at some point of an update: the index is exactly as it was before (same
    generation, documents and answers), or, if the update got to commit, as after it;
    never in between. The lock is freed and the next update completes the work."""
    index, corpus = base
    before_docs, before_hits, before_gen = doc_ids(index), ranked(index), generation(index)
    proc = start_update(index, corpus)            # default: worker processes, as a user would run it
    try:
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    indexing.check_index(index)
    if generation(index) == before_gen:
        assert doc_ids(index) == before_docs
        assert ranked(index) == before_hits
    else:                                         # it committed before the kill: all of it is there
        assert len(doc_ids(index)) == 4 + GENERATED
    assert wait_for(lambda: not lock_is_held(index), 10, 0.05)
    report = api.update([corpus], index, procs=1)
    assert not report.skipped and report.added + report.unchanged == 4 + GENERATED
    assert len(doc_ids(index)) == 4 + GENERATED
    with api.open_index(index) as idx:
        assert len({h.doc_id for h in idx.search("mkgen", limit=1000).hits}) == GENERATED


def test_search_keeps_working_while_another_process_updates(small_base, monkeypatch):
    index, corpus = small_base
    monkeypatch.setattr(storage, "LOCK_TIMEOUT", 0.2)
    idx = api.open_index(index)
    alpha = [(h.passage_id, h.text) for h in idx.search("mkalpha").hits]
    assert alpha and idx.search("mkgen").total == 0
    observed, errors = set(), []
    proc = start_update(index, corpus, "--procs", "1")

    def searching():
        while proc.poll() is None:
            try:
                observed.add(idx.search("mkgen", limit=1000).total)
                assert [(h.passage_id, h.text) for h in idx.search("mkalpha").hits] == alpha
            except Exception as e:   # noqa: BLE001 - collected and reported below
                errors.append(e)
            time.sleep(0.03)
    threads = [threading.Thread(target=searching) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        # a second writer meanwhile: a clear message, not a corrupt index
        assert wait_for(lambda: lock_is_held(index) or proc.poll() is not None, 30)
        if proc.poll() is None:
            with pytest.raises(IndexLockedError, match="being updated by another process"):
                api.update([corpus], index)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for t in threads:
            t.join()
    assert proc.returncode == 0, err.decode()
    assert "20 added" in out.decode()
    assert not errors, errors[:3]
    final = idx.search("mkgen", limit=1000).total       # the next search sees the update
    assert final >= 20
    assert observed <= {0, final} and 0 in observed       # never a half-written index
    assert len({h.doc_id for h in idx.search("mkgen", limit=1000).hits}) == 20
    idx.close()


# --------------------------------------------------------------------------- bad input

SECRET = "TOPSECRETLOCALFILE"


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list = []

    def do_GET(self):
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY remote "REMOTEENTITYTEXT">')

    def log_message(self, *args):
        pass


@pytest.fixture
def http_recorder():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _Recorder.requests
    server.shutdown()
    server.server_close()


def _page(title: str, paras: list[str], head: str = "", extra: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"{head}<html xmlns='http://www.w3.org/1999/xhtml'><head><meta charset='utf-8'>"
            f"<title>{title}</title></head><body><div class='content'><h1>{title}</h1>{extra}{body}</div>"
            f"</body></html>")


def bad_corpus(folder: Path, url: str, secret_file: Path) -> dict:
    """Write good and bad files; return {name: expected skip reason, or None if it may be indexed}."""
    folder.mkdir(parents=True)
    paras = SEED_PARAS[:3]
    expected = {}
    write_report(folder / "good1.txt", 70, "mkindia")
    write_report(folder / "good2.txt", 71, "mkjuliet")
    (folder / "empty.txt").write_bytes(b"")
    expected["empty.txt"] = "empty file"
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    expected["binary.txt"] = "binary file"
    (folder / "undecodable.txt").write_bytes(b"report " + b"\x80\xff" * 2000)
    expected["undecodable.txt"] = "cannot decode"
    (folder / "noarticle.html").write_text(
        "<html><body><ul>" + "".join(f"<li><a href='/p{i}'>栏目{i}</a></li>" for i in range(40)) + "</ul></body></html>",
        encoding="utf-8")
    expected["noarticle.html"] = "no article text found"
    with open(folder / "huge.txt", "wb") as f:
        f.write(("法治政府建设" * 1000 + "\n").encode("utf-8") * 2800)      # ~50 MB
    expected["huge.txt"] = "file too large"
    (folder / "nested.html").write_text("<html><body>" + "<div>" * 100_000 + "".join(paras) + "</div>" * 100_000
                                        + "</body></html>", encoding="utf-8")
    expected["nested.html"] = "unparseable HTML"
    (folder / "broken.html").write_text("<html><body><div class='content'><p>" + paras[0] + "</span></table><p>"
                                        + paras[1] + "<div><<<>>&&&#;&#xZZ;<td><p", encoding="utf-8")
    expected["broken.html"] = None
    os.symlink("loop.txt", folder / "loop.txt")                      # a symlink to itself
    expected["loop.txt"] = "symlink"
    (folder / "sub").mkdir()
    os.symlink("..", folder / "sub" / "up")                          # a directory loop
    write_report(folder / "sub" / "good3.txt", 72, "mkkilo")
    # XHTML with external entities: a local file, a remote DTD and a remote entity
    head = (f'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "{url}/x.dtd" [\n'
            f'<!ENTITY local SYSTEM "file://{secret_file}">\n<!ENTITY remote SYSTEM "{url}/entity">\n'
            f'<!ENTITY % dtd SYSTEM "{url}/param.dtd"> %dtd;\n]>\n')
    (folder / "xxe.html").write_text(_page("某某县外部实体测试报告", paras, head, "<p>&local;&remote;</p>"),
                                     encoding="utf-8")
    expected["xxe.html"] = None
    lol = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    lol += [f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(1, 10)]
    head = '<?xml version="1.0"?>\n<!DOCTYPE html [\n' + "\n".join(lol) + "\n]>\n"
    (folder / "bomb.html").write_text(_page("某某县实体膨胀测试报告", paras, head, "<p>&lol9;</p>"), encoding="utf-8")
    expected["bomb.html"] = None
    return expected


@pytest.fixture
def bad(tmp_path, http_recorder):
    url, requests = http_recorder
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    folder = tmp_path / "bad"
    return folder, bad_corpus(folder, url, secret), requests


def _check_bad_report(report, expected, requests):
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    for name, reason in expected.items():
        if reason is not None:
            assert reason in reasons.get(name, ""), (name, reasons)
    assert set(reasons) <= set(expected), reasons
    assert requests == []                                          # no network access


def _check_bad_index(index):
    ids = doc_ids(index)
    assert {"good1.txt", "good2.txt", "sub/good3.txt"} <= set(ids)
    assert not any(i.startswith("sub/up/") for i in ids)
    with api.open_index(index) as idx:
        texts = " ".join(h.text for q in ("法治政府", "外部实体", "实体膨胀", "mkindia") for h in idx.search(q, limit=200).hits)
        assert SECRET not in texts and "REMOTEENTITYTEXT" not in texts and "lollollollollol" not in texts
        for doc in idx.documents():
            assert SECRET not in doc["title"]
            assert doc["chars"] < 1_000_000
        assert {h.doc_id for h in idx.search("mkjuliet").hits} == {"good2.txt"}


def test_bad_files_in_a_build(tmp_path, bad):
    folder, expected, requests = bad
    t0 = time.perf_counter()
    r = run("--index", tmp_path / "index", "build", folder)
    assert time.perf_counter() - t0 < 20
    assert r.exit_code == 3, r.output
    assert "Traceback" not in r.output
    lines = r.output.splitlines()
    for name, reason in expected.items():
        if reason is not None:
            assert any(f"/{name}: " in line and reason in line for line in lines), (name, r.output)
    report = api.build([folder], tmp_path / "index")
    _check_bad_report(report, expected, requests)
    _check_bad_index(tmp_path / "index")


def test_bad_files_in_an_update(tmp_path, bad):
    folder, expected, requests = bad
    index = tmp_path / "index"
    corpus = make_corpus(tmp_path / "corpus")
    api.build([corpus], index)
    before = ranked(index, "mkalpha", scores=False)     # scores move with the corpus statistics
    shutil.move(str(folder), str(corpus / "bad"))
    report = api.update([corpus], index)
    expected = {("bad/" + k if "/" not in k else k): v for k, v in expected.items()}
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    for name, reason in expected.items():
        if reason is not None:
            assert reason in reasons.get(Path(name).name, ""), (name, reasons)
    assert requests == []
    assert ranked(index, "mkalpha", scores=False) == before
    assert {"bad/good1.txt", "bad/good2.txt", "bad/sub/good3.txt"} <= set(doc_ids(index))
    r = run("--index", index, "update", corpus)
    assert r.exit_code == 3 and "file(s) skipped" in r.output


def test_a_file_vanishing_mid_run(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", count=2)
    index = tmp_path / "index"
    api.build([corpus], index)
    for i in range(2, 5):
        write_report(corpus / f"r{i}.txt", i, MARKERS[i])

    def progress(done, total):
        if done == 1:
            (corpus / "r4.txt").unlink()
    report = api.update([corpus], index, progress=progress, procs=1)
    assert [(Path(s.path).name, s.reason) for s in report.skipped] == [("r4.txt", "file vanished before it could be read")]
    assert report.added == 2 and doc_ids(index) == ["r0.txt", "r1.txt", "r2.txt", "r3.txt"]
    report = api.update([corpus], index)
    assert (report.added, report.removed, report.unchanged, report.skipped) == (0, 0, 4, [])


def test_a_changed_file_that_can_no_longer_be_read_keeps_its_old_version(tmp_path, monkeypatch):
    corpus = make_corpus(tmp_path / "corpus", count=3)
    index = tmp_path / "index"
    api.build([corpus], index)
    (corpus / "r0.txt").write_bytes(b"")                                   # truncated by a writer
    report = api.update([corpus], index)
    assert [(Path(s.path).name, s.reason) for s in report.skipped] == [("r0.txt", "empty file")]
    assert report.removed == 0 and "r0.txt" in doc_ids(index)
    assert [h.doc_id for h in api.open_index(index).search("mkalpha").hits] == ["r0.txt"]
    write_report(corpus / "r0.txt", 30, "mkkilo")                          # written in full later
    report = api.update([corpus], index)
    assert report.updated == 1 and not report.skipped


def test_unreadable_files_simulated(tmp_path, monkeypatch):
    """Permission errors, simulated (the tests may run as root, who can read anything)."""
    corpus = make_corpus(tmp_path / "corpus", count=3, sub=True)
    index = tmp_path / "index"
    api.build([corpus], index)
    write_report(corpus / "r3.txt", 3, MARKERS[3])
    write_report(corpus / "r1.txt", 31, "mkkilo")
    locked_file, locked_dir = (corpus / "r3.txt").resolve(), (corpus / "sub").resolve()
    real_open, real_stat, real_scandir = Path.open, os.stat, os.scandir

    def guarded_open(self, *args, **kwargs):
        if self.resolve() in (locked_file, (corpus / "r1.txt").resolve()):
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    def guarded_stat(path, *args, **kwargs):
        p = Path(os.fsdecode(path)) if not isinstance(path, int) else None
        if p is not None and locked_dir in p.parents:
            raise PermissionError(13, "Permission denied", str(p))
        return real_stat(path, *args, **kwargs)

    def guarded_scandir(path="."):
        if Path(os.fsdecode(path)).resolve() == locked_dir:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)
    monkeypatch.setattr(Path, "open", guarded_open)
    monkeypatch.setattr(os, "stat", guarded_stat)
    monkeypatch.setattr(os, "scandir", guarded_scandir)
    report = api.update([corpus], index)
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert reasons == {"r3.txt": "permission denied", "r1.txt": "permission denied", "sub": "permission denied"}
    # nothing is removed because it could not be read: r1's old version and sub/s0.txt stay
    assert report.removed == 0 and report.added == 0
    assert doc_ids(index) == ["r0.txt", "r1.txt", "r2.txt", "sub/s0.txt"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read unreadable files")
def test_unreadable_files_for_real(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", count=2, sub=True)
    (corpus / "r1.txt").chmod(0)
    (corpus / "sub").chmod(0)
    try:
        r = run("--index", tmp_path / "index", "build", corpus)
        assert r.exit_code == 3 and "r1.txt: permission denied" in r.output and "sub: permission denied" in r.output
        assert doc_ids(tmp_path / "index") == ["r0.txt"]
    finally:
        (corpus / "sub").chmod(0o755)
        (corpus / "r1.txt").chmod(0o644)


# --------------------------------------------------------------------------- hostile queries

HOSTILE = [
    "行政" * 300, "行政 " * 120, "两法衔接" * 130, "a" * 499, "!!!", "。，、；：？！", "……", "'", '"', '"""',
    "((", "))", "(行政", "行政)", ")(", '"行政 (复议"', "title:(行政 OR", "(" * 200 + "行政" + ")" * 200,
    "foo:bar", "nosuch:行政", "title:", "year:", "year:abc", "year:99999999999999999999", "kind:nosuch",
    "region:330206", "id:x", "meta:x", "*:*", "*", "?", "body:*", "body:?*", "*行*", "title:*政*",
    "AND", "OR", "NOT", "AND OR NOT", "NOT 行政", "行政 AND", "OR 行政", "行政^1e400", "行政^nan", "行政^",
    "^", "~", "行政~5", "+", "-", "-行政", "- -", "title:[a TO", "year:[2020 TO 2010]", "year:{",
    "\x00", "\x00行政", "\ufffd", "\u200b", "🙂" * 100, "", " ", "\t\n", "\\", "行政\\", "<b>行政</b>", "&lt;",
    "%s%n", "{}", "[", '"' + "行政 " * 100 + '"', " OR ".join(["行政"] * 100), "行政 " * 12 + "复议",
    "行政 AND (复议 OR (诉讼 AND NOT (应诉 OR (调解 AND 仲裁))))",
]


@pytest.fixture(scope="module")
def warm(seed_index):
    seed_index.search("法治政府")            # load jieba and the region table outside the timings
    return seed_index


@pytest.mark.parametrize("query", HOSTILE, ids=[f"q{i}" for i in range(len(HOSTILE))])
def test_hostile_query_api(warm, query):
    t0 = time.perf_counter()
    try:
        result = warm.search(query, limit=50)
        assert result.total >= 0 and len(result.hits) <= 50
    except SearchlibError as e:
        assert str(e)
    assert time.perf_counter() - t0 < 2.0 * TIME_SCALE


@pytest.mark.parametrize("query", HOSTILE[::3], ids=[f"q{i}" for i in range(0, len(HOSTILE), 3)])
def test_hostile_query_cli(seed_index_dir, warm, query):
    t0 = time.perf_counter()
    r = run("--index", seed_index_dir, "search", "--json", "--", query)
    assert time.perf_counter() - t0 < 2.0 * TIME_SCALE
    assert r.exit_code in (0, 1, 2), r.output                  # 1: nothing found; 2: an error
    assert "Traceback" not in r.output and "internal error" not in r.output
    if r.exit_code == 2:
        assert r.output.startswith("Error:") and len(r.output.strip().splitlines()) == 1


@pytest.mark.parametrize("limit", [10**18, 2**64, float("inf"), float("nan"), -1, 0, "abc", None, 1.5])
def test_hostile_limit_api(warm, limit):
    try:
        result = warm.search("行政复议", limit=limit)
        assert 0 < len(result.hits) <= 1000
    except QuerySyntaxError as e:
        assert "limit" in str(e)


@pytest.mark.parametrize("limit", ["999999999999", "1001", "0", "-5", "abc", "inf"])
def test_hostile_limit_cli(seed_index_dir, limit):
    r = run("--index", seed_index_dir, "search", "行政复议", "--limit", limit)
    assert r.exit_code == 2 and r.output.startswith("Error: Invalid value for '--limit'")
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_hostile_batch(seed_index_dir):
    import json
    lines = ['{"query": "' + "行政" * 400 + '"}', '{"query": "(((("}', '{"query": "行政", "limit": 1e999}',
             '{"query": "行政", "limit": "lots"}', '{"query": "nosuch:x"}', "[1, 2]", "{",
             "[" * 20000 + "]" * 20000, '{"query": "行政"}']
    t0 = time.perf_counter()
    r = run("--index", seed_index_dir, "search", "--batch", "-", "--json", input="\n".join(lines) + "\n")
    assert time.perf_counter() - t0 < 5 * TIME_SCALE
    assert r.exit_code == 2 and "Traceback" not in r.output and "internal error" not in r.output
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == len(lines) and out[-1]["hits"]                  # every line answered, in order
    assert ["error" in o for o in out] == [True] * 8 + [False]          # nosuch: is an unknown field
    assert "nested more than 64 levels" in out[7]["error"]              # 20,000 brackets: refused, not parsed


def test_a_deeply_nested_post_body_is_a_bad_request(seed_index_dir):
    from searchlib.web import create_app
    client = create_app(seed_index_dir).test_client()
    r = client.post("/api/search", data="[" * 20000 + "]" * 20000, content_type="application/json")
    assert r.status_code == 400 and r.get_json()["code"] == "bad_request"
    ok = client.post("/api/search", json={"q": "行政复议"})          # a plain body still searches
    assert ok.status_code == 200 and ok.get_json()["hits"]


@pytest.mark.parametrize("query", [5, None, ["行政"], {"q": 1}])
def test_batch_query_that_is_not_a_string(seed_index_dir, query):
    """A JSON query that is not a string gets an error line, and the batch goes on."""
    import json
    stdin = json.dumps({"query": query}) + "\n" + '{"query": "行政"}\n'
    r = run("--index", seed_index_dir, "search", "--batch", "-", "--json", input=stdin)
    assert "internal error" not in r.output and "Traceback" not in r.output
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == 2 and "error" in out[0] and out[1]["hits"]


# --------------------------------------------------------------------------- linear-time parsing

PATHOLOGICAL_HTML = {
    "doctype_unterminated": "<html><body><p>" + "法治政府建设正文。" * 20 + "</p>" + "<!DOCTYPE a " * 20000,
    "doctype_subsets": "<!DOCTYPE x [" + "<!DOCTYPE y [" * 20000,
    "entity_declarations": "<!DOCTYPE x [" + "<!ENTITY a 'x'>" * 3600 + "]><html><body><p>" + "正文。" * 50
                           + "</p></body></html>",
    "entity_unterminated": "<html><body><p>" + "正文。" * 50 + "</p>" + "<!ENTITY a \"" * 20000,
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL_HTML))
def test_pathological_declarations_parse_in_linear_time(tmp_path, name):
    """A 200 KB page of 20,000 unterminated declarations once took 105 s to build."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / f"{name}.html").write_text(PATHOLOGICAL_HTML[name], encoding="utf-8")
    t0 = time.perf_counter()
    report = api.build([corpus], tmp_path / "i")
    assert time.perf_counter() - t0 < 5 * TIME_SCALE
    assert report.documents + len(report.skipped) == 1


def test_a_symlink_to_a_device_is_not_a_regular_file(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "zero.txt").symlink_to("/dev/zero")
    (corpus / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (corpus / "ok.txt").write_text("某县报告\n\n开展行政复议工作。\n", encoding="utf-8")
    report = api.build([corpus], tmp_path / "i")
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    # /dev/zero is outside the corpus: never opened, whatever it is
    assert reasons == {"zero.txt": "symlink to a place outside the corpus: skipped (--follow-links follows it)",
                       "gone.txt": "dangling symlink"}
    assert report.documents == 1


@pytest.mark.parametrize("err, words", [(28, "no space left on the device"), (30, "cannot be written")])
def test_a_failed_write_leaves_the_index_and_says_why(small_base, monkeypatch, err, words):
    """ENOSPC (28) or a read-only file system (EROFS, 30) while the passage file is written:
    one clear error, the index exactly as it was, and it still answers."""
    import errno
    import os as _os
    from searchlib import passage_index
    index, corpus = small_base
    before = (doc_ids(index), generation(index), ranked(index))

    def full_disk(*args, **kwargs):
        raise OSError(err, _os.strerror(err))
    monkeypatch.setattr(passage_index, "_write_file", full_disk)
    with pytest.raises(SearchlibError, match=words) as info:
        api.update([corpus], index)
    assert "the index is unchanged" in str(info.value) and err in (errno.ENOSPC, errno.EROFS)
    assert (doc_ids(index), generation(index), ranked(index)) == before
    r = run("--index", index, "update", corpus)
    assert r.exit_code == 2 and r.output.count("\n") == 1 and words in r.output
    monkeypatch.undo()
    assert api.update([corpus], index).added == 20                 # with space again, the update completes


def test_one_huge_line_is_cut_into_passages_and_memory_stays_bounded(tmp_path):
    """A 2 MB text on one line without punctuation: cut into passages of at most 3,000
    characters, built in a few seconds with a bounded peak (it was 727 MB for 5 MB)."""
    import random
    rng = random.Random(1)
    chars = "法治政府建设行政执法复议诉讼调解普法宣传工作推进加强完善"
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "line.txt").write_text("某县报告\n\n" + "".join(rng.choice(chars) for _ in range(2_000_000)),
                                     encoding="utf-8")
    # the child's own peak: VmHWM starts afresh at exec (ru_maxrss keeps the parent's peak
    # at fork, which is this whole test run's)
    code = (f"import re; from searchlib import api; r = api.build([{str(corpus)!r}], {str(tmp_path / 'i')!r}, procs=1); "
            "print(r.documents, r.passages, re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1))")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT),
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert out.returncode == 0, out.stderr
    documents, passages, peak_kb = map(int, out.stdout.split())
    peak_mb = peak_kb / 1024
    assert documents == 1 and passages >= 2_000_000 // 3000
    assert time.perf_counter() - t0 < 30 and peak_mb < 600


def test_a_file_over_its_time_budget_is_skipped_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("SEARCHLIB_FILE_TIMEOUT", "0.05")
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "slow.txt").write_text("某县报告\n\n" + "法治政府建设行政执法。" * 60_000, encoding="utf-8")
    (corpus / "ok.txt").write_text("某县报告\n\n开展行政复议工作。\n", encoding="utf-8")
    monkeypatch.setenv("SEARCHLIB_FILE_TIMEOUT", "0.05")
    report = api.build([corpus], tmp_path / "i", procs=1)
    assert report.documents == 1
    assert [(Path(s.path).name, s.reason) for s in report.skipped] == [
        ("slow.txt", "took longer than 0.05 s to analyse (SEARCHLIB_FILE_TIMEOUT)")]


@pytest.mark.parametrize("delay", (0.5, 1.5))
def test_kill_9_during_a_build_leaves_the_old_index(base, delay):
    """A build writes beside the index and swaps it in at the end: killed before that, the
    old index is untouched; the debris is cleaned by the next build or update."""
    index, corpus = base
    before_docs, before_hits = doc_ids(index), ranked(index)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "searchlib", "--index", str(index), "build", str(corpus)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=str(ROOT),
                            start_new_session=True)
    time.sleep(delay)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    indexing.check_index(index)
    if len(doc_ids(index)) == len(before_docs):
        assert doc_ids(index) == before_docs and ranked(index) == before_hits
    else:
        assert len(doc_ids(index)) == 4 + GENERATED                   # the build finished first
    assert wait_for(lambda: not lock_is_held(index), 10, 0.05)
    report = api.update([corpus], index, procs=1)
    assert not report.skipped and len(doc_ids(index)) == 4 + GENERATED


@pytest.mark.skipif(sys.platform != "linux", reason="file names as raw bytes")
def test_a_file_name_in_gbk_is_skipped_not_a_crash(tmp_path):
    """A file name that is not UTF-8 (GBK bytes, as unpacked from a Windows zip) reaches
    Python as lone surrogates, which no index term holds: the whole build stopped with an
    internal error. It is skipped with the reason; the other files are indexed."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from hostile_inputs import gbk_named_file
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "某市2019年法治政府建设年度报告\n全年办理行政复议案件30件。\n"
    (corpus / "good.txt").write_text(text, encoding="utf-8")
    gbk_named_file(corpus, text.replace("2019", "2018"))
    report = api.build([corpus], tmp_path / "index")
    assert report.documents == 1
    assert [s.reason for s in report.skipped] == [
        "file name is not valid UTF-8 (saved in another encoding, e.g. GBK): rename it"]
    out = CliRunner().invoke(main, ["--index", str(tmp_path / "index2"), "build", str(corpus)])
    assert out.exit_code == 3 and "Indexed 1 documents" in out.output


def test_a_document_named_with_a_tab_and_a_line_break_is_reachable_on_the_web(tmp_path):
    """werkzeug's path converter stops at a line break, and control characters were refused:
    such a file was indexed and found, and its link answered 404."""
    import html
    import re
    import urllib.parse
    from searchlib.web import create_app
    from tests.conftest import build_small_index
    name = "a\tb\nc.txt"
    index = build_small_index(tmp_path, {name: "关于2019年法治政府建设的报告\n\n一、主要工作\n办理行政复议案件12件。\n"})
    client = create_app(index).test_client()
    quoted = urllib.parse.quote(name)
    assert client.get(f"/api/documents/{quoted}").get_json()["doc_id"] == name
    assert client.get(f"/api/passages/{urllib.parse.quote(name + '#0')}").status_code == 200
    link = re.findall(r'href="(/doc/[^"]+)"', client.get("/?q=行政复议").get_data(as_text=True))[0]
    assert client.get(html.unescape(link)).status_code == 200
    assert client.get("/api/documents/a%01b.txt").status_code == 404          # other control characters: not found
    for digits in ("²", "١", "０"):            # digits Python's isdigit accepts and int() refuses or reads
        r = client.get(f"/api/passages/{urllib.parse.quote(name + '#' + digits)}")
        assert r.status_code == 400 and r.get_json()["code"] == "bad_request"


def test_a_file_inside_a_mapped_segment_is_read_without_a_copy():
    # Whoosh's BufferFile copied each file of a mapped compound segment into a BytesIO (the
    # stored records: tens of MB at 100,000 reports, for every new generation)
    import pickle
    from whoosh.filedb.structfile import BufferFile
    import searchlib.storage  # noqa: F401  (installs the reader)
    data = bytearray(b"\x00\x00\x00\x07line one\nline two\n" + pickle.dumps({"a": [1, 2]}))
    f = BufferFile(memoryview(data))
    assert not hasattr(f.file, "getvalue")            # not a BytesIO
    assert f.read_int() == 7 and f.readline() == b"line one\n" and f.tell() == 13
    assert f.read(9) == b"line two\n" and f.read_pickle() == {"a": [1, 2]} and f.read(5) == b""
    f.seek(4)
    assert list(f)[:2] == [b"line one\n", b"line two\n"]
