#!/usr/bin/env python3
"""Load on the web server: p50 / p95 of the server-side time (the app's Server-Timing
header: parsing, search, facets, rendering) and of the client's round trip, with 1, 4
and 16 concurrent clients. Loopback only; bounded in requests and in time.

    .venv/bin/python scripts/bench_web.py --index index
    .venv/bin/python scripts/bench_web.py --index bench-out/eval-dev-full --requests 200
    .venv/bin/python scripts/bench_web.py --index bench-out/ix10k --workers 1,2 --clients 4,16

With ``--workers 1,2`` the same levels run against a server of 1 and then of 2 worker
processes (``serve --workers``) on the same index, one after the other, and the table
gives each level's requests/s at each worker count and their ratio.

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


def start_server(index: str, threads: int, workers: int = 1) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "searchlib", "--index", index, "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--threads", str(threads), "--workers", str(workers)],
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
                if "dur=" in timing:
                    server_ms.append(float(timing.split("dur=")[1]))
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
            "requests_per_s": round(len(client_ms) / wall, 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default=os.environ.get("SEARCHLIB_INDEX", "index"))
    ap.add_argument("--clients", default="1,4,16", help="concurrency levels (default 1,4,16)")
    ap.add_argument("--requests", type=int, default=200, help="requests per level (default 200)")
    ap.add_argument("--seconds", type=float, default=60, help="time limit per level (default 60)")
    ap.add_argument("--threads", type=int, default=8, help="server threads (default 8)")
    ap.add_argument("--workers", default="1", help="worker processes of the server, one run each (e.g. 1,2)")
    ap.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    args = ap.parse_args()
    paths = urls(queries())
    runs = {}
    for w in [int(x) for x in args.workers.split(",")]:
        proc, port = start_server(args.index, args.threads, w)
        try:
            for _ in range(2 * w):      # warm up: every query at least once in each worker, most likely
                run_level(port, 2 * w, len(paths), args.seconds, paths)
            runs[w] = [run_level(port, int(c), args.requests, args.seconds, paths) for c in args.clients.split(",")]
        finally:
            proc.terminate()
            proc.wait(20)
    if args.json:
        print(json.dumps({"index": args.index, "workers": {str(w): rows for w, rows in runs.items()}},
                         ensure_ascii=False))
        return
    print(f"index {args.index}: {len(paths)} distinct requests (search page and JSON search with facets)")
    for w, rows in runs.items():
        print(f"\n{w} worker process(es), {args.threads} threads each")
        print("clients  requests  server p50 / p95 ms  client p50 / p95 ms  req/s  statuses")
        for r in rows:
            print(f"{r['clients']:>7}  {r['requests']:>8}  {r['server_p50_ms']:>10} / {r['server_p95_ms']:<7}"
                  f"  {r['client_p50_ms']:>10} / {r['client_p95_ms']:<7}  {r['requests_per_s']:>5}  {r['statuses']}")
    if len(runs) > 1:
        first = min(runs)
        print(f"\nrequests/s relative to {first} worker(s), same index, same run")
        for i, c in enumerate(args.clients.split(",")):
            cells = "  ".join(f"{w} workers: {runs[w][i]['requests_per_s'] / runs[first][i]['requests_per_s']:.2f}x"
                              for w in runs if w != first)
            print(f"  {c:>3} clients: {cells}")


if __name__ == "__main__":
    main()
