"""``searchlib serve --workers N``: several processes share one port and the index, each
follows updates, and none outlives a stop (SIGTERM) or the parent's death."""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from searchlib import api
from tests.conftest import CORPUS, SEEDS

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")


def _start(index: Path, workers: int, *more: str):
    proc = subprocess.Popen([sys.executable, "-m", "searchlib", "--index", str(index), "serve", "--port", "0",
                             "--workers", str(workers), "--threads", "4", *more],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()           # "Serving … on http://127.0.0.1:PORT/ with 2 worker processes …"
    found = re.search(r":(\d+)/", line)
    if not found:
        proc.kill()
        pytest.fail(f"no listening line from serve: {line!r} {proc.stderr.read()[:500]}")
    return proc, int(found.group(1))


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _get(port: int, path: str) -> tuple[int, str, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.getheader("X-Searchlib-Worker"), json.loads(resp.read())
    finally:
        conn.close()


def _answers(port: int, path: str, want, seconds: float = 30.0) -> dict:
    """Concurrent requests (a new connection each) until every worker has answered
    ``path`` with a body ``want`` accepts: {worker: body}."""
    seen: dict = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        while time.monotonic() < deadline:
            with lock:
                if len(seen) == 2:
                    return
            status, worker, body = _get(port, path)
            assert status == 200, body
            if want(body):
                with lock:
                    seen[worker] = body
    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return seen


def test_two_workers_serve_concurrent_requests_follow_updates_and_stop_cleanly(tmp_path):
    index = tmp_path / "index"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in SEEDS[:3]:
        shutil.copy(f, corpus / f.name)
    api.build([corpus], index)
    proc, port = _start(index, 2)
    try:
        seen = _answers(port, "/api/search?q=" + "%E8%A1%8C%E6%94%BF%E5%A4%8D%E8%AE%AE", lambda b: b["total"] > 0)
        assert set(seen) == {"1", "2"}, f"answers came from workers {sorted(seen)}"
        assert seen["1"]["total"] == seen["2"]["total"]
        workers = _children(proc.pid)
        assert len(workers) == 2
        # a commit by another process: each worker sees it on its next request
        shutil.copy(SEEDS[3], corpus / SEEDS[3].name)
        api.update([corpus], index)
        seen = _answers(port, "/api/health", lambda b: b["documents"] == 4)
        assert set(seen) == {"1", "2"}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        assert not [p for p in workers if _alive(p)], "a worker outlived the server"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_workers_stop_when_the_parent_is_killed(seed_index_dir):
    proc, port = _start(seed_index_dir, 2)
    workers = []
    try:
        assert _get(port, "/api/health")[0] == 200
        deadline = time.monotonic() + 10
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = _children(proc.pid)
        assert len(workers) == 2
        proc.kill()                          # SIGKILL: the parent cannot stop them itself
        proc.wait()
        deadline = time.monotonic() + 15
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in workers if _alive(p)], "workers outlived their parent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in workers:
            if _alive(p):
                os.kill(p, signal.SIGKILL)


def test_each_worker_serves_the_whole_app_with_its_cors_origins(seed_index_dir):
    """A worker serves what one process serves: CORS for the origins given, ETag, gzip, and
    waitress's own errors in JSON (its channel class)."""
    proc, port = _start(seed_index_dir, 2, "--cors", "https://app.example.org")
    try:
        workers, deadline = {}, time.monotonic() + 30
        while len(workers) < 2 and time.monotonic() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("GET", "/api/documents", headers={"Origin": "https://app.example.org",
                                                           "Accept-Encoding": "gzip"})
                resp = conn.getresponse()
                resp.read()
                assert resp.status == 200
                workers[resp.getheader("X-Searchlib-Worker")] = resp
            finally:
                conn.close()
        assert set(workers) == {"1", "2"}
        for resp in workers.values():
            assert resp.getheader("Access-Control-Allow-Origin") == "https://app.example.org"
            assert resp.getheader("ETag") and resp.getheader("Content-Encoding") == "gzip"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", "/api/health", headers={"X-Big": "x" * (200 * 1024)})
            resp = conn.getresponse()
            assert resp.status == 431 and resp.getheader("Content-Type") == "application/json"
            assert json.loads(resp.read())["status"] == 431
        finally:
            conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_workers_and_ray_are_refused_together(seed_index_dir):
    from click.testing import CliRunner
    from searchlib.cli import main
    r = CliRunner().invoke(main, ["--index", str(seed_index_dir), "serve", "--workers", "2", "--ray"])
    assert r.exit_code == 2 and "--workers cannot be combined with --ray" in r.output
