#!/usr/bin/env python3
"""Load on the web server: p50 / p95 of the server-side time (the app's Server-Timing
header: parsing, search, facets, rendering) and of the client's round trip, with 1, 4
and 16 concurrent clients. Loopback only; bounded in requests and in time.

    .venv/bin/python scripts/bench_web.py --index index
    .venv/bin/python scripts/bench_web.py --index bench-out/eval-dev-full --requests 200
    .venv/bin/python scripts/bench_web.py --index DIR --baseline main     # against main, same run
    .venv/bin/python scripts/bench_web.py --index bench-out/ix10k --workers 1,2 --clients 4,16

With --baseline REV, the code of REV (``git archive``d into a temporary folder) is served
too, on its own port, and each level runs against both servers in turn (baseline first,
then this tree, then the other way round on the next level), so both see the same load
from the rest of the machine; the table gives the search page's and the JSON search's
server-side p50 / p95 apart, and the ratio (this tree / baseline; below 1: faster).
--suggest also times ``SearchIndex.suggest`` in this process over prefixes of the queries.

With ``--workers 1,2`` the same levels run against a server of 1 and then of 2 worker
processes (``serve --workers``) on the same index, one after the other, and the table
gives each level's requests/s at each worker count and their ratio (with --baseline,
both codes at each worker count; a REV without ``serve --workers`` can run 1 only).

The server is `searchlib serve` in its own process (waitress, --threads as given) on a
free port of 127.0.0.1. Each client sends, one after the other, the search page
(``/?q=…``: hits, facets, synonyms line) and the JSON search with facets
(``/api/search?q=…&facets=1``) for queries of the dev judgements (or built-in ones).
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ["两法衔接", "三项制度", "行政复议 案件 数量", "法律顾问", "执法 经费", "存在问题", "政务公开",
           "行政执法 -刑事", "重大行政决策", "法治政府 建设", "行政应诉 出庭", "普法", "信访", "营商环境"]


def queries() -> list[str]:
    dev = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    if dev.exists():
        found = [json.loads(line)["query"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
        return list(dict.fromkeys(found + QUERIES))
    return QUERIES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index: str, threads: int, code: Path = ROOT, workers: int = 1) -> tuple[subprocess.Popen, int]:
    """`searchlib serve` of the code in ``code`` (this tree, or a baseline's copy) with
    ``workers`` processes."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(code))
    proc = subprocess.Popen([sys.executable, "-m", "searchlib", "--index", index, "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--threads", str(threads),
                             *(["--workers", str(workers)] if workers != 1 else [])], cwd=str(code), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    until = time.monotonic() + 60
    while time.monotonic() < until:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/health")
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200:
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def urls(qs: list[str]) -> list[str]:
    out = []
    for q in qs:
        out.append("/?" + urlencode({"q": q}))
        out.append("/api/search?" + urlencode({"q": q, "facets": 1}))
    return out


def run_level(port: int, clients: int, requests: int, seconds: float, paths: list[str]) -> dict:
    """``clients`` threads share ``requests`` requests (or stop after ``seconds``)."""
    lock = threading.Lock()
    state = {"next": 0}
    server_ms, client_ms, statuses = [], [], {}
    by_kind = {"page": [], "api": []}
    deadline = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                i = state["next"]
                if i >= requests:
                    return
                state["next"] += 1
            path = paths[i % len(paths)]
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    statuses["error"] = statuses.get("error", 0) + 1
                continue
            elapsed = (time.perf_counter() - t0) * 1000
            timing = resp.getheader("Server-Timing") or ""
            with lock:
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
                client_ms.append(elapsed)
                if "app;dur=" in timing:
                    ms = float(timing.split("app;dur=")[1].split(",")[0])
                    server_ms.append(ms)
                    by_kind["api" if path.startswith("/api/") else "page"].append(ms)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0

    def pct(values, p):
        return round(statistics.quantiles(values, n=100)[p - 1], 1) if len(values) >= 2 else None
    return {"clients": clients, "requests": len(client_ms), "statuses": {str(k): v for k, v in statuses.items()},
            "server_p50_ms": pct(server_ms, 50), "server_p95_ms": pct(server_ms, 95),
            "client_p50_ms": pct(client_ms, 50), "client_p95_ms": pct(client_ms, 95),
            "page_p50_ms": pct(by_kind["page"], 50), "page_p95_ms": pct(by_kind["page"], 95),
            "api_p50_ms": pct(by_kind["api"], 50), "api_p95_ms": pct(by_kind["api"], 95),
            "requests_per_s": round(len(client_ms) / wall, 1)}


def baseline_code(rev: str, folder: Path) -> Path:
    """The searchlib package of ``rev`` (git archive) in ``folder``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "searchlib"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def time_suggest(index: str, qs: list[str]) -> dict:
    """p50 / p95 of SearchIndex.suggest over the prefixes of the queries (after the first
    call, which builds the structure: its time given apart)."""
    sys.path.insert(0, str(ROOT))
    from searchlib import api
    idx = api.open_index(index)
    t = time.perf_counter()
    idx.suggest("行政")
    build = (time.perf_counter() - t) * 1000
    prefixes = [q[:n] for q in qs for n in range(1, min(len(q), 6) + 1) if q[:n].strip()]
    ms = []
    for p in prefixes * 3:
        t = time.perf_counter()
        idx.suggest(p)
        ms.append((time.perf_counter() - t) * 1000)
    q = statistics.quantiles(ms, n=100)
    return {"calls": len(ms), "build_ms": round(build, 1), "p50_ms": round(q[49], 3), "p95_ms": round(q[94], 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default=os.environ.get("SEARCHLIB_INDEX", "index"))
    ap.add_argument("--clients", default="1,4,16", help="concurrency levels (default 1,4,16)")
    ap.add_argument("--requests", type=int, default=200, help="requests per level (default 200)")
    ap.add_argument("--seconds", type=float, default=60, help="time limit per level (default 60)")
    ap.add_argument("--threads", type=int, default=8, help="server threads (default 8)")
    ap.add_argument("--baseline", metavar="REV", help="also serve the code of git revision REV and compare")
    ap.add_argument("--suggest", action="store_true", help="also time suggestions (in this process)")
    ap.add_argument("--workers", default="1", help="worker processes of the server, one run each (e.g. 1,2)")
    ap.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    args = ap.parse_args()
    paths = urls(queries())
    import tempfile
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        codes = [("this tree", ROOT)]
        if args.baseline:
            codes.insert(0, (args.baseline, baseline_code(args.baseline, Path(tmp))))
        for w in [int(x) for x in args.workers.split(",")]:
            procs = []
            try:
                for name, code in codes:
                    proc, port = start_server(args.index, args.threads, code, w)
                    procs.append((name, proc, port))
                    for _ in range(2 * w):      # warm up: every query at least once in each worker, most likely
                        run_level(port, 2 * w, len(paths), args.seconds, paths)
                for k, c in enumerate(args.clients.split(",")):
                    order = procs if k % 2 == 0 else procs[::-1]
                    for name, _, port in order:
                        rows.append(dict(run_level(port, int(c), args.requests, args.seconds, paths), code=name,
                                         workers=w))
            finally:
                for _, proc, _ in procs:
                    proc.terminate()
                    proc.wait(20)
    suggest = time_suggest(args.index, queries()) if args.suggest else None
    if args.json:
        print(json.dumps({"index": args.index, "levels": rows, "suggest": suggest}, ensure_ascii=False))
        return
    print(f"index {args.index}: {len(paths)} distinct requests (search page and JSON search with facets)")
    print("code       workers clients  requests  page p50 / p95 ms  api p50 / p95 ms  client p50 / p95 ms  req/s  "
          "statuses")
    for r in rows:
        print(f"{r['code'][:10]:<10} {r['workers']:>7} {r['clients']:>7}  {r['requests']:>8}  "
              f"{r['page_p50_ms']:>8} / {r['page_p95_ms']:<7} {r['api_p50_ms']:>7} / {r['api_p95_ms']:<7}  "
              f"{r['client_p50_ms']:>10} / {r['client_p95_ms']:<7}  {r['requests_per_s']:>5}  {r['statuses']}")
    if args.baseline:
        print("ratio (this tree / baseline; below 1: faster)")
        for pair in (rows[i:i + 2] for i in range(0, len(rows), 2)):          # each level: both servers
            b = next(r for r in pair if r["code"] == args.baseline)
            r = next(r for r in pair if r["code"] != args.baseline)
            ratio = lambda k: f"{r[k] / b[k]:.2f}" if r[k] and b[k] else "-"      # noqa: E731
            print(f"{r['workers']:>2} worker(s) {r['clients']:>3} clients: page p50 {ratio('page_p50_ms')}  "
                  f"p95 {ratio('page_p95_ms')}   api p50 {ratio('api_p50_ms')}  p95 {ratio('api_p95_ms')}")
    counts = sorted({r["workers"] for r in rows})
    if len(counts) > 1:
        first = counts[0]
        print(f"requests/s relative to {first} worker(s), same index, same run")
        for name in dict.fromkeys(r["code"] for r in rows):
            for c in dict.fromkeys(r["clients"] for r in rows):
                at = {r["workers"]: r["requests_per_s"] for r in rows if r["code"] == name and r["clients"] == c}
                cells = "  ".join(f"{w} workers: {at[w] / at[first]:.2f}x" for w in counts[1:]
                                  if w in at and at.get(first))
                print(f"  {name[:10]:<10} {c:>3} clients: {cells}")
    if suggest:
        print(f"suggest: {suggest['calls']} calls, p50 {suggest['p50_ms']} ms, p95 {suggest['p95_ms']} ms "
              f"(first call, building the structure: {suggest['build_ms']} ms)")


if __name__ == "__main__":
    main()
