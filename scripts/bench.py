#!/usr/bin/env python3
"""Benchmark searchlib against the tokeniser floor and a naive jieba + Whoosh peer, in one run.

    .venv/bin/python scripts/bench.py --reports 1000 [--repeat 3] [--build-repeat 1]
        [--skip-floor] [--skip-naive] [--skip-searchlib] [--naive-procs 1,2] [--profile] [--out bench-out]

1. Generates (or reuses) a corpus of N documents with scripts/gen_corpus.py, cached under
   OUT/corpus-N-sSEED/, plus two extra reports that are not in it (for the update rows).
2. Measures, each stage in its own child process with a timeout (a failed stage is "n/a"):
   (a) floor: ``jieba.lcut_for_search`` over the extracted text of every document
       (``searchlib.ingest.read_document(...).text``), one core, jieba initialised first,
       only the tokenising timed;
   (b) naive peer: one Whoosh document per report (path ID stored, title TEXT, content
       TEXT(analyzer=jieba.analyse.ChineseAnalyzer())), one writer, procs=1 and procs=2
       (Whoosh's MpWriter); the same read_document text, read inside the timed build;
       queries through ``QueryParser("content", schema, group=OrGroup)``, top 10;
   (c) searchlib: ``searchlib.api.build`` (default procs), ``api.add`` of one new report,
       ``api.update`` of the corpus plus one new report, a no-op ``api.update``, warm
       ``SearchIndex.search`` latency over 30 domain queries (synonyms and ranking on) and
       the cold CLI (``searchlib --index X search 两法衔接``, process start to exit).
   Peak RSS is the child's ``ru_maxrss`` (largest single process of its tree, from wait4);
   "tree PSS" is the peak sum of PSS over the child's process tree, sampled every 0.5 s.
3. Prints a markdown table (plus the machine) and writes the raw numbers to OUT/results-N.json.

Query latency: one warm-up pass, then --repeat passes; p50/p95 are taken over the 30
per-query medians. Builds are repeated --build-repeat times (median). With --profile, one
searchlib build (procs=1, first --profile-docs documents) and the warm query loop run under
cProfile; the top 25 cumulative entries of each are printed and the .prof files kept in OUT.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

# (query, filters): jargon, multi-word concepts, quantities, filters
QUERIES = [
    ("两法衔接", {}),
    ("三项制度", {}),
    ("双随机一公开", {}),
    ("放管服", {}),
    ("最多跑一次", {}),
    ("行政复议 案件 数量", {}),
    ("法律顾问 全覆盖", {}),
    ("主动公开政府信息 条", {}),
    ("存在的问题和不足", {}),
    ("行政执法人员 执法证件", {}),
    ("行政执法公示制度", {}),
    ("重大行政决策 合法性审查", {}),
    ("规范性文件 备案审查", {}),
    ("行政机关负责人 出庭应诉", {}),
    ("执法全过程记录", {}),
    ("依申请公开 答复", {}),
    ("行政执法案卷评查", {}),
    ("领导干部 学法用法", {}),
    ("七五普法", {}),
    ("行政复议体制改革", {}),
    ("人民调解 矛盾纠纷", {}),
    ("权力清单 责任清单", {}),
    ("法治政府建设 第一责任人", {}),
    ("行政裁量权基准", {}),
    ("移交涉刑案件", {"has_figures": True}),
    ("行政复议 案件", {"region": "浙江"}),
    ("法治政府建设", {"year": 2018}),
    ("双随机一公开", {"region": "安徽", "year": 2019}),
    ("存在问题", {"kind": "problems", "type": "annual_report"}),
    ("下一步工作打算", {"year": 2020, "type": "annual_report"}),
]
COLD_QUERY = "两法衔接"
NAIVE_COLD = r"""
import logging, sys
import jieba
jieba.setLogLevel(logging.WARNING)
from whoosh import index
from whoosh.qparser import QueryParser, OrGroup
ix = index.open_dir(sys.argv[1])
with ix.searcher() as s:
    q = QueryParser("content", ix.schema, group=OrGroup).parse(sys.argv[2])
    for hit in s.search(q, limit=10):
        print(hit["path"])
"""


# ============================================================================ child stages
# Each runs in its own process: bench.py _stage NAME SPEC.json RESULT.json

def _extracted_texts(corpus):
    """Yield (doc_id, title, text) of every readable corpus file, as the engines see them."""
    from searchlib.errors import IngestError
    from searchlib.ingest import discover, read_document
    for path, root in discover([corpus]):
        try:
            src = read_document(path, root)
        except IngestError:
            continue
        yield src.doc_id, src.title, src.text


def stage_floor(spec):
    import logging

    import jieba
    t0 = time.perf_counter()
    texts = [t for _, _, t in _extracted_texts(spec["corpus"])]
    extract_s = time.perf_counter() - t0
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    jieba.lcut_for_search("法治政府建设")
    tokens = 0
    t0 = time.perf_counter()
    for text in texts:
        tokens += len(jieba.lcut_for_search(text))
    seconds = time.perf_counter() - t0
    return dict(seconds=seconds, extract_s=extract_s, docs=len(texts), tokens=tokens,
                chars=sum(map(len, texts)), text_bytes=sum(len(t.encode("utf-8")) for t in texts))


def _naive_schema():
    from jieba.analyse import ChineseAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    return Schema(path=ID(stored=True, unique=True), title=TEXT(stored=True),
                  content=TEXT(analyzer=ChineseAnalyzer()))


def stage_naive_build(spec):
    import logging

    import jieba
    from whoosh import index
    jieba.setLogLevel(logging.WARNING)
    index_dir = Path(spec["index"])
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
    t0 = time.perf_counter()
    ix = index.create_in(str(index_dir), _naive_schema())
    procs = spec["procs"]
    writer = ix.writer(procs=procs, limitmb=256) if procs > 1 else ix.writer(limitmb=256)
    docs = 0
    for doc_id, title, text in _extracted_texts(spec["corpus"]):
        writer.add_document(path=doc_id, title=title, content=text)
        docs += 1
    t_added = time.perf_counter() - t0
    writer.commit()
    seconds = time.perf_counter() - t0
    with ix.searcher() as s:
        indexed = s.doc_count()
    return dict(seconds=seconds, add_s=t_added, commit_s=seconds - t_added, docs=docs, indexed=indexed,
                writer=type(writer).__name__, index_bytes=_dir_bytes(index_dir))


def stage_searchlib_build(spec):
    from searchlib import api
    t0 = time.perf_counter()
    # the generated corpus links the external texts in (symlinks out of it): follow them
    report = api.build([spec["corpus"]], spec["index"], procs=spec.get("procs"), follow_links=True)
    seconds = time.perf_counter() - t0
    return dict(seconds=seconds, docs=report.documents, passages=report.passages,
                skipped=len(report.skipped), duplicates=len(report.duplicates),
                skipped_examples=[f"{s.path}: {s.reason}" for s in report.skipped[:5]],
                index_bytes=_dir_bytes(Path(spec["index"])))


def _warm_searchlib():
    """Import and initialise what an update needs, as a long-running process would have:
    the modules, the region table and the segmenter in the state indexing uses."""
    import searchlib.indexing  # noqa: F401
    import searchlib.pipeline
    import whoosh.index  # noqa: F401 (loaded, as in a long-running process)
    from searchlib import analysis
    from searchlib.metadata import region_table
    try:
        analysis.get_segmenter(full=True)      # indexing's segmenter, where there is a distinction
    except TypeError:
        analysis.get_segmenter()
    list(analysis.PolicyAnalyzer()("两法衔接工作移交涉刑案件30件", positions=True, chars=True, mode="index"))
    region_table()
    seeds = sorted((ROOT / "corpus").glob("*.txt"))
    if seeds:       # ingest, structure, figures: their modules and regexes
        searchlib.pipeline.analyse_file(seeds[0], seeds[0].parent)


def stage_searchlib_add(spec):
    from searchlib import api
    if spec.get("warm"):
        _warm_searchlib()
    t0 = time.perf_counter()
    report = api.add([spec["file"]], spec["index"])
    return dict(seconds=time.perf_counter() - t0, added=report.added, docs=report.documents)


def stage_searchlib_update(spec):
    from searchlib import api
    if spec.get("warm"):
        _warm_searchlib()
    t0 = time.perf_counter()
    report = api.update(spec["roots"], spec["index"], follow_links=True)
    return dict(seconds=time.perf_counter() - t0, added=report.added, updated=report.updated,
                unchanged=report.unchanged, removed=report.removed, docs=report.documents)


def _time_queries(run, queries, repeat):
    for q in queries:                    # warm-up pass
        run(q)
    times = [[] for _ in queries]
    totals = [None] * len(queries)
    for _ in range(repeat):
        for i, q in enumerate(queries):
            t0 = time.perf_counter()
            totals[i] = run(q)
            times[i].append((time.perf_counter() - t0) * 1000)
    return dict(per_query_ms=times, totals=totals)


def stage_searchlib_queries(spec):
    from searchlib import api
    t0 = time.perf_counter()
    idx = api.open_index(spec["index"])
    open_s = time.perf_counter() - t0

    def run(q):
        text, filters = q
        # a 60 s budget: the benchmark times each query, whether or not it fits the default
        # 0.5 s (at 100,000 reports a first run computes its concepts' block maxima and ran
        # out of it; the stage then failed and measured nothing)
        result = idx.search(text, limit=10, timeout=60, **filters)
        return [result.total, len(result.hits)]

    out = _time_queries(run, spec["queries"], spec["repeat"])
    out["open_s"] = open_s
    return out


def stage_naive_queries(spec):
    import logging

    import jieba
    from whoosh import index
    from whoosh.qparser import OrGroup, QueryParser
    jieba.setLogLevel(logging.WARNING)
    ix = index.open_dir(spec["index"])
    searcher = ix.searcher()
    parser = QueryParser("content", ix.schema, group=OrGroup)

    def run(q):
        text, filters = q
        # the naive peer has no metadata fields: filters become extra words
        words = [text] + [str(v) for k, v in filters.items() if k in ("region", "year")]
        results = searcher.search(parser.parse(" ".join(words)), limit=10)
        paths = [hit["path"] for hit in results]
        return [len(results), len(paths)]

    return _time_queries(run, spec["queries"], spec["repeat"])


def _pstats_text(profile, limit=25) -> str:
    import io
    import pstats
    buf = io.StringIO()
    pstats.Stats(profile, stream=buf).strip_dirs().sort_stats("cumulative").print_stats(limit)
    return buf.getvalue()


def stage_profile_build(spec):
    import cProfile

    from searchlib import api
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    report = api.build(spec["files"], spec["index"], procs=1)
    prof.disable()
    seconds = time.perf_counter() - t0
    prof.dump_stats(spec["prof"])
    return dict(seconds=seconds, docs=report.documents, stats=_pstats_text(prof))


def stage_profile_queries(spec):
    import cProfile

    from searchlib import api
    idx = api.open_index(spec["index"])
    queries = spec["queries"]
    for text, filters in queries:
        idx.search(text, limit=10, **filters)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(spec["repeat"]):
        for text, filters in queries:
            idx.search(text, limit=10, **filters)
    prof.disable()
    seconds = time.perf_counter() - t0
    prof.dump_stats(spec["prof"])
    return dict(seconds=seconds, queries=len(queries) * spec["repeat"], stats=_pstats_text(prof))


def stage_profile_add(spec):
    import cProfile

    from searchlib import api
    _warm_searchlib()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    api.add([spec["file"]], spec["index"])
    prof.disable()
    seconds = time.perf_counter() - t0
    prof.dump_stats(spec["prof"])
    return dict(seconds=seconds, stats=_pstats_text(prof))


STAGES = {f.__name__[len("stage_"):]: f for f in (
    stage_floor, stage_naive_build, stage_searchlib_build, stage_searchlib_add, stage_searchlib_update,
    stage_searchlib_queries, stage_naive_queries, stage_profile_build, stage_profile_queries, stage_profile_add)}


def child_main(name, spec_path, result_path):
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    if "queries" in spec:
        spec["queries"] = [tuple(q) for q in spec["queries"]]
    result = STAGES[name](spec)
    Path(result_path).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


# ============================================================================ measuring a child

def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _proc_children() -> dict:
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        ppid = int(data[data.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return 0


class TreeSampler(threading.Thread):
    """Peak of the summed PSS of a process and its descendants, sampled."""

    def __init__(self, pid: int, interval: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.max_procs = 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            try:
                children = _proc_children()
                tree, i = [self.pid], 0
                while i < len(tree):
                    tree.extend(children.get(tree[i], []))
                    i += 1
                self.peak_kb = max(self.peak_kb, sum(_pss_kb(p) for p in tree))
                self.max_procs = max(self.max_procs, len(tree))
            except Exception:       # sampling is best effort
                pass
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join(timeout=5)


def run_stage(name: str, spec: dict, work: Path, timeout: float, log=None) -> dict:
    """Run one stage in a child process. Returns {ok, result, wall_s, maxrss_kb, tree_pss_kb, error}."""
    work.mkdir(parents=True, exist_ok=True)
    tag = f"{name}-{os.getpid()}-{time.monotonic_ns()}"
    spec_path, result_path = work / f".{tag}.spec.json", work / f".{tag}.result.json"
    spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    err_path = work / f".{tag}.stderr"
    cmd = [sys.executable, str(Path(__file__).resolve()), "_stage", name, str(spec_path), str(result_path)]
    out = dict(stage=name, ok=False, result=None, wall_s=None, maxrss_kb=None, tree_pss_kb=None, error=None)
    if log:
        log(f"  {name} ...")
    with open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        status = rusage = None
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > timeout:
                os.killpg(proc.pid, 9)
                pid, status, rusage = os.wait4(proc.pid, 0)
                out["error"] = f"timed out after {timeout:.0f} s"
                break
            time.sleep(0.05)
        out["wall_s"] = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop()
    out["maxrss_kb"] = rusage.ru_maxrss if rusage else None
    out["tree_pss_kb"] = sampler.peak_kb or None
    out["max_procs"] = sampler.max_procs
    if proc.returncode == 0 and result_path.exists():
        out["ok"] = True
        out["result"] = json.loads(result_path.read_text(encoding="utf-8"))
    elif not out["error"]:
        tail = err_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        out["error"] = f"exit {proc.returncode}: " + " | ".join(tail)
    for p in (spec_path, result_path, err_path):
        p.unlink(missing_ok=True)
    if log:
        log(f"  {name}: " + (f"{out['wall_s']:.1f} s" if out["ok"] else f"FAILED ({out['error']})"))
    return out


def run_timed(cmd: list, timeout: float) -> float | None:
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return time.perf_counter() - t0 if r.returncode == 0 else None


# ============================================================================ statistics & report

def percentile(values, q: float):
    xs = sorted(values)
    if not xs:
        return None
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def median(values):
    xs = [v for v in values if v is not None]
    return statistics.median(xs) if xs else None


def latency_summary(stage_results: list) -> dict | None:
    """p50/p95 over per-query medians (each query's median over all passes of all runs)."""
    ok = [s["result"] for s in stage_results if s and s["ok"]]
    if not ok:
        return None
    n = len(ok[0]["per_query_ms"])
    per_query = [statistics.median([t for r in ok for t in r["per_query_ms"][i]]) for i in range(n)]
    return dict(p50_ms=percentile(per_query, 0.5), p95_ms=percentile(per_query, 0.95), max_ms=max(per_query),
                mean_ms=statistics.fmean(per_query), per_query_median_ms=per_query, totals=ok[0]["totals"])


def machine_info() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    versions = {}
    for mod in ("searchlib", "whoosh", "jieba"):
        try:
            m = __import__(mod)
            v = getattr(m, "__version__", None) or getattr(m, "versionstring", lambda: "?")()
            versions[mod] = ".".join(map(str, v)) if isinstance(v, tuple) else str(v)
        except Exception:
            versions[mod] = "?"
    return dict(nproc=os.cpu_count(), affinity=len(os.sched_getaffinity(0)), cpu=model, memory=mem,
                python=platform.python_version(), platform=platform.platform(), versions=versions,
                date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def _f(v, fmt="{:.1f}", na="n/a"):
    return na if v is None else fmt.format(v)


def _ratio(a, b, fmt="{:.2f}×"):
    return "n/a" if a is None or b in (None, 0) else fmt.format(a / b)


def render_table(R: dict) -> str:
    m, c = R["machine"], R["corpus"]
    floor = R.get("floor") or {}
    naive = R.get("naive") or {}
    n1, n2 = naive.get("1") or {}, naive.get("2") or {}
    sl = R.get("searchlib") or {}
    sb = sl.get("build") or {}
    mb = c.get("text_bytes", 0) / 1e6 if c.get("text_bytes") else None
    docs = c.get("docs")
    # compare searchlib with the naive peer using the same number of processes
    sl_procs = sb.get("procs") or 1
    nref = n2 if sl_procs >= 2 and n2.get("seconds") else n1
    nref_label = "naive 2 procs" if nref is n2 and n2 else "naive 1 proc"
    f_s = floor.get("seconds")

    def build_cols(key, fmt="{:.1f}"):
        return [_f(d.get(key), fmt) for d in (floor, n1, n2, sb)]

    rows = []

    def row(label, cells, ratio="", budget=""):
        rows.append(f"| {label} | " + " | ".join(cells) + f" | {ratio} | {budget} |")

    def per(d, f):
        return None if not d.get("seconds") else f(d["seconds"])

    row("build wall time, s (median)", build_cols("seconds"), _ratio(sb.get("seconds"), nref.get("seconds")))
    row("build ÷ single-core floor", [_ratio(d.get("seconds"), f_s) for d in (floor, n1, n2, sb)],
        "", "≤ 0.6×")
    row("documents/s", [_f(per(d, lambda s: docs / s) if docs else None, "{:.1f}") for d in (floor, n1, n2, sb)],
        _ratio(per(sb, lambda s: 1 / s), per(nref, lambda s: 1 / s)))
    row("MB/s of extracted text", [_f(per(d, lambda s: mb / s) if mb else None, "{:.3f}") for d in (floor, n1, n2, sb)],
        _ratio(per(sb, lambda s: 1 / s), per(nref, lambda s: 1 / s)))
    row("peak RSS, largest process, MB", [_f(d.get("maxrss_kb") and d["maxrss_kb"] / 1024, "{:.0f}")
                                          for d in (floor, n1, n2, sb)],
        _ratio(sb.get("maxrss_kb"), nref.get("maxrss_kb")), "≤ 1500")
    row("peak PSS, whole process tree, MB", [_f(d.get("tree_pss_kb") and d["tree_pss_kb"] / 1024, "{:.0f}")
                                             for d in (floor, n1, n2, sb)],
        _ratio(sb.get("tree_pss_kb"), nref.get("tree_pss_kb")), "≤ 1500")
    row("index size, MB", ["—"] + [_f(d.get("index_bytes") and d["index_bytes"] / 1e6, "{:.1f}") for d in (n1, n2, sb)],
        _ratio(sb.get("index_bytes"), nref.get("index_bytes")))
    row("index ÷ text", ["—"] + [_ratio(d.get("index_bytes"), c.get("text_bytes")) for d in (n1, n2, sb)],
        "", "≤ 1.5×")
    up = sl.get("update") or {}
    full = sb.get("seconds")
    for key, label, budget in (("add", "add 1 new report (`api.add`), s (÷ full build)", "≤ 1 %"),
                               ("update", "update: corpus + 1 new report (`api.update`), s (÷ full build)", "≤ 2 %"),
                               ("noop", "update with nothing changed, s (÷ full build)", ""),
                               ("add_warm", "add 1 report, imports + jieba loaded first, s (÷ full build)", "")):
        s = up.get(key)
        cell = "n/a" if s is None else f"{s:.2f} ({_ratio(s, full, '{:.1%}')})"
        row(label, ["—", "—", "—", cell], "", budget)
    nq, sq = naive.get("queries") or {}, sl.get("queries") or {}
    row("warm query p50, ms (30 queries)", ["—", _f(nq.get("p50_ms")), "", _f(sq.get("p50_ms"))],
        _ratio(sq.get("p50_ms"), nq.get("p50_ms")), "≤ 5")
    row("warm query p95, ms", ["—", _f(nq.get("p95_ms")), "", _f(sq.get("p95_ms"))],
        _ratio(sq.get("p95_ms"), nq.get("p95_ms")), "≤ 15")
    row("warm query max, ms", ["—", _f(nq.get("max_ms")), "", _f(sq.get("max_ms"))],
        _ratio(sq.get("max_ms"), nq.get("max_ms")))
    nc, sc = naive.get("cold") or {}, sl.get("cold") or {}
    row(f"cold CLI query `{COLD_QUERY}`, s (median of {sc.get('runs', 5)})",
        ["—", _f(nc.get("median_s"), "{:.2f}"), "", _f(sc.get("median_s"), "{:.2f}")],
        _ratio(sc.get("median_s"), nc.get("median_s")), "≤ 0.6")
    head = (f"| metric | floor: jieba.lcut_for_search, 1 core | naive 1 proc | naive 2 procs | searchlib "
            f"(procs={sb.get('procs') or 'n/a'}) | searchlib ÷ {nref_label} | budget (10k) |\n"
            "|---|---|---|---|---|---|---|")
    corpus_line = (f"Corpus: {docs if docs is not None else 'n/a'} documents ({c.get('generated', '?')} generated, "
                   f"{c.get('generated_html', '?')} of them GBK HTML; {c.get('external', '?')} external), "
                   f"{_f(mb, '{:.1f}')} MB / {c.get('chars', 0) / 1e6:.1f}M characters of extracted text "
                   f"(files {c.get('file_bytes', 0) / 1e6:.1f} MB); extraction alone (read_document) "
                   f"{_f(floor.get('extract_s'), '{:.1f}')} s, included in the naive and searchlib build times, "
                   f"not in the floor.")
    p = R["params"]
    mline = (f"Machine: {m['nproc']} CPUs ({m['affinity']} usable), {m['cpu']}, {m['memory']} RAM; Python "
             f"{m['python']}; {m['platform']}; searchlib {m['versions'].get('searchlib')}, whoosh "
             f"{m['versions'].get('whoosh')}, jieba {m['versions'].get('jieba')}. {m['date']}. "
             f"Builds: median of {p['build_repeat']}; queries: {p['repeat']} passes after a warm-up, "
             f"p50/p95 over the per-query medians; updates: median of {p['repeat']}.")
    notes = []
    for name, st in R.get("failures", {}).items():
        notes.append(f"- {name}: {st}")
    return "\n".join([head] + rows + ["", corpus_line, mline] + (["", "Failures:"] + notes if notes else []))


# ============================================================================ orchestration

def searchlib_cmd() -> list:
    exe = Path(sys.executable).with_name("searchlib")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "searchlib"]


def ensure_corpus(out: Path, reports: int, seed: int, share: float, log) -> tuple[Path, dict]:
    import gen_corpus
    corpus = out / f"corpus-{reports}-s{seed}"
    params = dict(reports=reports, seed=seed, external_share=share)
    manifest = gen_corpus.cached_manifest(corpus, **params)
    if manifest:
        log(f"corpus: reusing {corpus}")
    else:
        log(f"corpus: generating {corpus} ...")
        manifest = gen_corpus.generate(corpus, reports, seed, share)
        log(f"corpus: {manifest['documents']} documents, {manifest['bytes'] / 1e6:.1f} MB in {manifest['seconds']} s")
    extras = out / f"extra-s{seed}"
    for k in (0, 1):
        d = extras / f"e{k}"
        if not any(d.glob("extra-*")):
            gen_corpus.make_extra_report(d, seed, k)
    return corpus, manifest


def measure_builds(name, spec_for, repeat, work, timeout, log, failures):
    """Run a build stage ``repeat`` times; median seconds and the max of the memory figures."""
    runs = [run_stage(name, spec_for(i), work, timeout, log) for i in range(repeat)]
    ok = [r for r in runs if r["ok"]]
    if not ok:
        failures[f"{name} {spec_for(0).get('procs', '')}".strip()] = runs[-1]["error"]
        return None
    res = dict(ok[-1]["result"])
    res.update(seconds=median([r["result"]["seconds"] for r in ok]),
               seconds_all=[r["result"]["seconds"] for r in ok],
               wall_s=median([r["wall_s"] for r in ok]),
               maxrss_kb=max(r["maxrss_kb"] or 0 for r in ok) or None,
               tree_pss_kb=max(r["tree_pss_kb"] or 0 for r in ok) or None,
               max_procs=max(r["max_procs"] for r in ok))
    return res


def measure_updates(index: Path, corpus: Path, extras: Path, repeat: int, work: Path, timeout, log, failures) -> dict:
    """add / update / no-op update on fresh copies of the built index; medians."""
    e0 = sorted((extras / "e0").glob("extra-*"))[0]
    e1_dir = extras / "e1"
    out = {k: [] for k in ("add", "update", "noop", "add_warm")}
    for r in range(repeat):
        copy = work / "searchlib-update"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(index, copy)
        steps = [("add", "searchlib_add", dict(index=str(copy), file=str(e0))),
                 ("update", "searchlib_update", dict(index=str(copy), roots=[str(corpus), str(e1_dir)])),
                 ("noop", "searchlib_update", dict(index=str(copy), roots=[str(corpus), str(e1_dir)]))]
        for key, stage, spec in steps:
            st = run_stage(stage, spec, work, timeout, log)
            if st["ok"]:
                out[key].append(st["result"]["seconds"])
                out.setdefault(key + "_detail", st["result"])
            else:
                failures[f"{key} run {r}"] = st["error"]
        # warm add into another fresh copy (imports and jieba loaded before the clock starts)
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(index, copy)
        st = run_stage("searchlib_add", dict(index=str(copy), file=str(e0), warm=True), work, timeout, log)
        if st["ok"]:
            out["add_warm"].append(st["result"]["seconds"])
        shutil.rmtree(copy, ignore_errors=True)
    summary = {k: median(v) for k, v in out.items() if isinstance(v, list)}
    summary["all"] = {k: v for k, v in out.items() if isinstance(v, list)}
    summary["detail"] = {k: v for k, v in out.items() if k.endswith("_detail")}
    return summary


def measure_cold(cmd: list, runs: int, timeout: float) -> dict | None:
    times = [run_timed(cmd, timeout) for _ in range(runs)]
    ok = [t for t in times if t is not None]
    return dict(median_s=median(ok), runs=len(ok), all_s=times) if ok else None


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=1000, help="corpus size (documents), default 1000")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--external-share", type=float, default=0.3)
    ap.add_argument("--repeat", type=int, default=3, help="query passes and update repetitions (default 3)")
    ap.add_argument("--build-repeat", type=int, default=1, help="full builds per engine (default 1)")
    ap.add_argument("--cold-runs", type=int, default=5)
    ap.add_argument("--naive-procs", default="1,2", help="Whoosh writer processes for the naive peer (default 1,2)")
    ap.add_argument("--searchlib-procs", type=int, default=None, help="procs for searchlib's build (default: its own)")
    ap.add_argument("--skip-floor", action="store_true")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--skip-searchlib", action="store_true")
    ap.add_argument("--skip-updates", action="store_true", help="searchlib: skip the add/update rows")
    ap.add_argument("--profile", action="store_true", help="also profile a searchlib build and the query loop")
    ap.add_argument("--profile-docs", type=int, default=200, help="documents in the profiled build (0: all)")
    ap.add_argument("--timeout", type=float, default=None, help="per stage, seconds (default 1800 + 0.5 s per document)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-out")
    ap.add_argument("--keep", action="store_true", help="keep the indexes in OUT/work-N")
    return ap.parse_args(argv)


def start_run(args):
    """What every benchmark run starts with: the output folder, the per-stage timeout, a
    timestamped logger and the (cached) corpus. Returns (out, timeout, log, corpus, manifest)."""
    t_start = time.perf_counter()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    timeout = args.timeout or 1800 + 0.5 * args.reports

    def log(msg):
        print(f"[{time.perf_counter() - t_start:7.1f}s] {msg}", file=sys.stderr, flush=True)

    corpus, manifest = ensure_corpus(out, args.reports, args.seed, args.external_share, log)
    return out, timeout, log, corpus, manifest


def main(argv=None):
    args = parse_args(argv)
    t_start = time.perf_counter()
    out, timeout, log, corpus, manifest = start_run(args)
    extras = out / f"extra-s{args.seed}"
    work = out / f"work-{args.reports}"
    work.mkdir(parents=True, exist_ok=True)
    failures = {}
    R = dict(machine=machine_info(), params=dict(vars(args), out=str(out)),
             corpus=dict(docs=None, generated=manifest["generated"], generated_html=manifest["generated_html"],
                         external=manifest["external"], file_bytes=manifest["bytes"],
                         file_chars=manifest["characters"]),
             failures=failures)
    R["params"]["queries"] = QUERIES

    # (a) floor (also measures the extracted text)
    if not args.skip_floor:
        log("floor")
        floor = measure_builds("floor", lambda i: dict(corpus=str(corpus)), args.build_repeat, work, timeout, log,
                               failures)
        R["floor"] = floor
        if floor:
            R["corpus"].update(docs=floor["docs"], chars=floor["chars"], text_bytes=floor["text_bytes"])

    # (b) naive peer
    if not args.skip_naive:
        log("naive peer")
        naive = {}
        for procs in [int(p) for p in args.naive_procs.split(",") if p.strip()]:
            naive[str(procs)] = measure_builds(
                "naive_build", lambda i, p=procs: dict(corpus=str(corpus), index=str(work / f"naive{p}"), procs=p),
                args.build_repeat, work, timeout, log, failures)
        qindex = next((work / f"naive{p}" for p in ("1", "2") if naive.get(p)), None)
        if qindex:
            st = run_stage("naive_queries", dict(index=str(qindex), queries=QUERIES, repeat=args.repeat), work,
                           timeout, log)
            naive["queries"] = latency_summary([st])
            if not st["ok"]:
                failures["naive queries"] = st["error"]
            naive["cold"] = measure_cold([sys.executable, "-c", NAIVE_COLD, str(qindex), COLD_QUERY],
                                         args.cold_runs, 120)
        R["naive"] = naive

    # (c) searchlib
    sl_index = work / "searchlib"
    if not args.skip_searchlib:
        log("searchlib")
        sl = {}
        build = measure_builds("searchlib_build",
                               lambda i: dict(corpus=str(corpus), index=str(sl_index), procs=args.searchlib_procs),
                               args.build_repeat, work, timeout, log, failures)
        if build:
            build["procs"] = args.searchlib_procs or min(2, os.cpu_count() or 1)
            if R["corpus"]["docs"] is None:
                R["corpus"]["docs"] = build["docs"]
        sl["build"] = build
        if build and sl_index.is_dir():
            st = run_stage("searchlib_queries", dict(index=str(sl_index), queries=QUERIES, repeat=args.repeat),
                           work, timeout, log)
            sl["queries"] = latency_summary([st])
            if st["ok"]:
                sl["queries"]["open_s"] = st["result"]["open_s"]
            else:
                failures["searchlib queries"] = st["error"]
            log("  cold CLI")
            sl["cold"] = measure_cold(searchlib_cmd() + ["--index", str(sl_index), "search", COLD_QUERY],
                                      args.cold_runs, 120)
            if not args.skip_updates:
                log("  updates")
                sl["update"] = measure_updates(sl_index, corpus, extras, args.repeat, work, timeout, log, failures)
        R["searchlib"] = sl

    # profiles
    if args.profile:
        log("profile")
        from searchlib.ingest import discover
        files = [str(p) for p, _ in discover([corpus])]
        if args.profile_docs:
            files = files[:: max(1, len(files) // args.profile_docs)][: args.profile_docs]
        pb = run_stage("profile_build", dict(files=files, index=str(work / "profile-index"),
                                             prof=str(out / f"profile-build-{args.reports}.prof")), work, timeout, log)
        qidx = sl_index if sl_index.is_dir() else work / "profile-index"
        # one pass: cProfile slows the query loop down several times
        pq = run_stage("profile_queries", dict(index=str(qidx), queries=QUERIES, repeat=1,
                                               prof=str(out / f"profile-queries-{args.reports}.prof")),
                       work, timeout, log)
        add_copy = work / "profile-add-index"
        shutil.rmtree(add_copy, ignore_errors=True)
        pa = None
        if qidx.is_dir():
            shutil.copytree(qidx, add_copy)
            e0 = sorted((extras / "e0").glob("extra-*"))[0]
            pa = run_stage("profile_add", dict(index=str(add_copy), file=str(e0),
                                               prof=str(out / f"profile-add-{args.reports}.prof")), work, timeout, log)
        R["profile"] = {k: st and st["result"] for k, st in (("build", pb), ("queries", pq), ("add", pa))}
        for label, st in (("build", pb), ("queries", pq), ("add", pa)):
            if st and st["ok"]:
                r = st["result"]
                what = {"build": lambda: f"searchlib build of {r['docs']} documents, procs=1: {r['seconds']:.1f} s",
                        "queries": lambda: f"warm query loop, {r['queries']} searches in {r['seconds']:.2f} s",
                        "add": lambda: f"api.add of 1 report, imports and jieba loaded first: {r['seconds']:.2f} s",
                        }[label]()
                print(f"\n### Profile: {what} under cProfile (index {qidx.name})\n\n```\n{r['stats'].strip()}\n```")
            elif st:
                failures[f"profile {label}"] = st["error"]

    R["total_s"] = time.perf_counter() - t_start
    results_path = out / f"results-{args.reports}.json"
    results_path.write_text(json.dumps(R, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(f"\n## Benchmark: {args.reports} documents\n")
    print(render_table(R))
    print(f"\nRaw numbers: {results_path}; total {R['total_s']:.0f} s")
    if not args.keep:
        for p in work.iterdir():
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_stage":
        child_main(*sys.argv[2:5])
    else:
        main()
