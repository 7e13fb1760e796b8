"""Ray: a distributed build gives the index a local build gives (skip reasons, report, a
task whose worker dies is run again), and search through one actor per shard replica answers
like the index opened here, through a replica's death, and says which shards are missing
when none of a shard's replicas is left. One local Ray instance for the module."""
import json
import os
import shutil
import threading

import pytest

ray = pytest.importorskip("ray")

from searchlib import api                                   # noqa: E402
from searchlib.cluster import CRASH_ONCE, RayShard, serve_shards   # noqa: E402
from tests.conftest import CORPUS                           # noqa: E402

QUERIES = ["两法衔接", "行政复议 案件 数量", "法律顾问 全覆盖", "存在的问题和不足", "下一步 行政复议", "浙江 营商环境",
           "三项制度", "放管服", "重大行政决策 合法性审查", "人民调解 矛盾纠纷"]


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    marker = tmp_path_factory.mktemp("crash") / "crashed-once"
    os.environ[CRASH_ONCE] = str(marker)            # the workers inherit it: the first task kills its worker
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield marker
    ray.shutdown()
    os.environ.pop(CRASH_ONCE, None)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster") / "corpus"
    shutil.copytree(CORPUS, root)
    (root / "empty.txt").write_bytes(b"")
    (root / "table.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    return root


def _dicts(result):
    d = result.to_dict()
    d.pop("elapsed_ms")
    return d


def test_ray_build_is_the_local_build(local_ray, corpus, tmp_path):
    seen = []
    remote = api.build([corpus], tmp_path / "ray", shards=2, ray="local", progress=lambda i, n: seen.append((i, n)))
    local = api.build([corpus], tmp_path / "local", shards=2)
    assert local_ray.exists()                        # a worker died during the build: its task was run again
    assert (remote.documents, remote.passages) == (local.documents, local.passages) == (5, 177)
    assert sorted((s.path, s.reason) for s in remote.skipped) == sorted((s.path, s.reason) for s in local.skipped)
    assert len(remote.skipped) == 2 and remote.by_format() == local.by_format()
    assert seen and seen[-1] == (6, 6)               # progress as in a local build
    with api.open_index(tmp_path / "ray") as a, api.open_index(tmp_path / "local") as b:
        assert a.documents() == b.documents()
        for q in QUERIES[:4]:
            assert _dicts(a.search(q)) == _dicts(b.search(q))
    # an update through Ray routes to the shards as a local one does
    (corpus / "新增.txt").write_text("关于2020年法治政府建设情况的报告\n\n一、主要成效\n推进行刑衔接平台建设，移送案件7件。\n",
                                   encoding="utf-8")
    try:
        report = api.update([corpus], tmp_path / "ray", ray="local")
        assert report.added == 1
        with api.open_index(tmp_path / "ray") as a:
            assert a.search("行刑衔接平台").hits[0].doc_id == "新增.txt"
    finally:
        (corpus / "新增.txt").unlink()


@pytest.fixture(scope="module")
def served(local_ray, corpus, tmp_path_factory):
    index = tmp_path_factory.mktemp("served") / "index"
    api.build([corpus], index, shards=2)
    clients = serve_shards(index, replicas=2)
    with api.open_index(index) as here:
        expected = {q: _dicts(here.search(q, facets=True)) for q in QUERIES}
    idx = api.ShardedIndex(index, clients=clients)
    yield idx, expected, clients
    idx.close()


def test_search_through_actors_survives_a_killed_replica(served):
    idx, expected, clients = served
    group = clients[0].group                 # the fan-outs go over direct connections
    assert group is not None and all(c.group is group for c in clients)
    assert all(g is not None for g in group._conns) and group.columns == 2
    for q in QUERIES[:3]:
        assert _dicts(idx.search(q, facets=True)) == expected[q]
    errors, done = [], []

    def load():
        for i in range(40):
            q = QUERIES[i % len(QUERIES)]
            try:
                r = idx.search(q, facets=True)
                assert _dicts(r) == expected[q], q
                done.append(q)
            except Exception as e:           # a failed request fails the test
                errors.append(repr(e))

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    while len(done) < 10 and not errors:
        threading.Event().wait(0.02)
    ray.kill(clients[0].actors[0], no_restart=False)        # Ray restarts it; its queries go to the other
    for t in threads:
        t.join()
    assert not errors and len(done) == 80
    # the restarted replica answers again (told the index-wide facts anew), and its column is
    # connected anew
    for _ in range(600):
        if all(g is not None for g in group._conns):
            break
        threading.Event().wait(0.1)
    assert all(g is not None for g in group._conns)
    assert ray.get(clients[0].actors[0].ready.remote(), timeout=60)
    for q in QUERIES:
        assert _dicts(idx.search(q, facets=True)) == expected[q]


def test_direct_fanout_answers_as_ordinary_calls(served):
    idx, expected, clients = served
    group = clients[0].group
    calls = {k: (idx._searcher._ensure(set()).tokens[k],) for k in range(len(clients))}
    fanned = group.fan("stats", calls)
    assert fanned is not None and set(fanned) == {0, 1}
    assert fanned == {k: clients[k].result(clients[k].submit("stats", *calls[k])) for k in calls}
    assert group.fan("stats", {1: calls[1]}) == {1: fanned[1]}      # one shard asked: one answer
    # a connection without the router's key is refused, and the actor goes on serving
    from multiprocessing import AuthenticationError
    from multiprocessing.connection import Client
    address = ray.get(clients[0].actors[0].endpoint.remote(b"ignored: the listener has its key"))
    with pytest.raises((AuthenticationError, EOFError, ConnectionError)):
        Client(tuple(address), authkey=b"not the key").send(("stats", calls[0]))
    assert group.fan("stats", calls) == fanned
    # an error a shard raises comes back as the error a local search raises
    from searchlib.errors import QueryTimeoutError
    with pytest.raises(QueryTimeoutError):
        idx.search(QUERIES[0], timeout=1e-7)
    assert _dicts(idx.search(QUERIES[0], facets=True)) == expected[QUERIES[0]]


def test_a_shard_without_replicas_is_named(served):
    idx, expected, clients = served
    for a in clients[1].actors:
        ray.kill(a, no_restart=True)
    for a in clients[1].actors:          # ray.kill returns before the actor is gone
        for _ in range(300):
            try:
                ray.get(a.ready.remote(), timeout=10)
            except ray.exceptions.RayError:
                break
            threading.Event().wait(0.1)
        else:
            pytest.fail("a killed actor still answers after 30 s")
    r = idx.search("两法衔接")
    assert r.missing_shards == [1]
    d = r.to_dict()
    assert d["partial"] is True and d["missing_shards"] == [1]
    assert r.total <= expected["两法衔接"]["total"]
    from searchlib.web import create_app
    page = create_app(idx).test_client().get("/?q=两法衔接")
    assert page.status_code == 200 and 'id="missing-shards"' in page.get_data(as_text=True)
    body = create_app(idx).test_client().get("/api/search?q=两法衔接").get_json()
    assert body["missing_shards"] == [1]


def test_cluster_errors_are_one_line(tmp_path):
    from click.testing import CliRunner
    from searchlib.cli import main
    api.build([CORPUS], tmp_path / "plain")
    r = CliRunner().invoke(main, ["--index", str(tmp_path / "plain"), "serve", "--ray", "--port", "0"])
    assert r.exit_code == 2 and "is not a sharded index" in r.output and "Traceback" not in r.output
