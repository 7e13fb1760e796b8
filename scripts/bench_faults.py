#!/usr/bin/env python3
"""Faults × write commands: every write command (build, update, add, remove, optimize,
check --repair) is run under a fault at many points of its run, and each time every read
command (search, batch, figures, docs, stats, check) and web route must answer the previous
committed state or the new one, and a following write must complete.

Faults (``scripts/faultshim/sitecustomize.py``, a test-only shim put on the PYTHONPATH of
the command's process; it counts each file-system step of the write under the index's
folder: a file created, each write to it, an fsync, a rename, a removal, a folder made):

    kill -9                   SIGKILL just before step n (and after the last step)
    power cut: unsynced lost  what a power cut just before step n leaves: each file as of its
                              last fsync (never fsynced: empty), each folder's entries as of
                              its last fsync (creations, renames, removals since undone)
    power cut: dir ops kept   the same, but every folder operation done so far kept (a
                              journalled file system keeps them, in order), data unsynced lost
    ENOSPC                    the disk fills at the n-th step that needs space: that write and
                              every later one fail with "No space left on device"
    read-only                 every write fails with EROFS (a read-only file system)
    damage                    ``scripts/fault_matrix.py``'s 31 kinds of damage to an index's files
                              × every command (reads and writes) and web route
    hostile                   hostile indexes and files (``scripts/hostile_inputs.py``), each × the
                              commands it concerns, the CLI in its own process as a user runs it
                              (an index whose pickles would run code, in the table of contents, a
                              legacy one or a report's stored fields; synonyms files /dev/zero,
                              over 10 MB, a FIFO; .docx and .odt zip bombs; a FIFO, socket, device
                              symlink, symlink loop and a symlink out of the corpus, named or in a
                              folder; hostile --batch lines and POST bodies, odd doc and passage
                              ids, has_figures:maybe, --timeout nan; a binary file, a GBK file
                              name; a passage file cut short under a running ``serve``)

For each run the index is read as it is left (after a kill, as the disk is; after a power
cut, the image), and classified:

    previous  every read command and web route answered as on the index before the write
    new       ... as on the index the write makes when nothing goes wrong
    clear error  (ENOSPC, read-only) the write stopped with one ``Error:`` line and a
              non-zero exit status
    internal  a traceback, "internal error", an HTTP 500
    crash     a read command or route killed by a signal or not answering in time
    silent    answers that are neither the previous state nor the new one (or a mix)
    lost commit  the index no longer answers its last committed state ("damaged"), or a
              power cut after a point where the new state was already durable (or after
              the command finished) shows the previous one
    next write  the same write, run again without a fault, completes and leaves the new
              state's documents and an intact index (``searchlib check``)
    handled   (hostile) the command did the right thing: skipped the file with its reason
              and indexed the rest, answered, or (a repair) rebuilt the index; a clear error
              is one ``Error:`` line and exit 2 (a batch: one per bad line, the others
              answered), HTTP 4xx or 503 with a message; "silent" includes code planted in
              an index having run (its marker file exists) and any other wrong outcome; a
              crash, killed by a signal or no answer within 120 s

    .venv/bin/python scripts/bench_faults.py [--points 20] [--enospc 6] [--commands build,update,...]
                                             [--faults kill,power,enospc,readonly,damage,hostile] [--all-steps]
                                             [--json FILE]

``--points``: kill/power-cut points per command, spread over its steps (every step that is
not a write, and the first and last write of each file), always including the steps around
the commit and the end; ``--all-steps`` takes every such step. Work happens in a temporary
folder under /tmp, removed at the end. Prints one table and exits 1 when any run had an
internal error, a crash, a silent answer, a lost commit or a failed next write.
``tests/test_faults.py`` runs a fast subset on every test run.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIM = ROOT / "scripts" / "faultshim"
QUERIES = ["行政复议 案件", "法治政府 建设", "行政执法 -刑事"]
FAULTS = ("kill", "power", "enospc", "readonly", "damage", "hostile")
COMMANDS = ("build", "update", "add", "remove", "optimize", "check --repair")
STATE_NAMES = {"kill": "kill -9", "lost": "power cut: unsynced lost", "kept": "power cut: dir ops kept",
               "enospc": "ENOSPC", "readonly": "read-only"}
NEW_REPORT = "关于2021年法治政府建设的报告\n\n一、主要工作\n办理行政复议案件21件，全部依法审结。\n二、存在的问题\n行政执法人员培训不足。\n"
EXTRA_REPORT = "关于2022年依法行政工作的报告\n\n一、主要工作\n全年收到行政复议申请33件，审结30件。\n法律顾问实现全覆盖。\n"
DROPPED, REMOVED = "001_1019f52bb0b9dba4.txt", "003_67b0e456f0c9070f.txt"


def searchlib(*args) -> list[str]:
    return [sys.executable, "-m", "searchlib", *map(str, args)]


def run_cli(*args, env=None, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run(searchlib(*args), capture_output=True, text=True, env=env, cwd=str(ROOT))
    if check and done.returncode not in (0, 3):
        raise SystemExit(f"searchlib {' '.join(map(str, args))} failed:\n{done.stdout}{done.stderr}")
    return done


# ------------------------------------------------------------------------ probing a state

def _normal(value, ix: str):
    """An answer without what differs between copies of one index (its path, its size,
    timings); scores rounded."""
    if isinstance(value, dict):
        return {k: _normal(v, ix) for k, v in value.items() if k not in ("elapsed_ms", "index", "index_bytes")}
    if isinstance(value, list):
        return [_normal(v, ix) for v in value]
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, str):
        return value.replace(ix, "<INDEX>")
    return value


def _cli_answer(result, ix: str, parse, lines: bool = False) -> list:
    """[kind, payload]: kind "ok" (payload: the normalised answer), "err" (one Error: line,
    exit 2), "ERROR" (internal error), "SILENT" (an exit status or output not expected)."""
    out = (result.stdout or "") + (result.stderr or "")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return ["ERROR", f"{type(result.exception).__name__}: {result.exception}"]
    if "internal error" in out or "Traceback" in out:
        return ["ERROR", out.strip().splitlines()[-1]]
    if result.exit_code == 2:
        said = [line for line in (result.stderr or "").splitlines() if line.strip()]
        errors = [line for line in said if line.startswith("Error:")]
        # one Error: line; a batch, one per query line ("Error: line 3: …")
        clear = len(errors) == 1 or (lines and errors and len(errors) == len(said))
        return ["err", errors[0].replace(ix, "<INDEX>")] if clear else ["ERROR", out[-300:]]
    if result.exit_code not in (0, 1):
        return ["SILENT", f"exit {result.exit_code}: {out[-200:]}"]
    try:
        return ["ok", _normal(parse(result.stdout), ix)]
    except ValueError as e:
        return ["SILENT", f"unreadable output ({e}): {result.stdout[:200]}"]


def _hits(text: str):
    data = json.loads(text)
    return {"total": data.get("total"), "hits": [[h["passage_id"], h["score"]] for h in data["hits"]]}


def _batch(text: str):
    return [("error" if "error" in json.loads(line) else _hits(line)) for line in text.splitlines() if line.strip()]


def read_all(ix: Path, quick: bool = False) -> dict:
    """Every read command (through the CLI's own entry point) and web route on ``ix``."""
    from click.testing import CliRunner
    from searchlib.cli import main
    from searchlib.web import create_app

    runner, s = CliRunner(), str(ix)

    def cli(*args, input=None):
        return runner.invoke(main, ["--index", s, *args], input=input)

    out = {}
    for q in QUERIES[:1] if quick else QUERIES:
        out[f"search {q}"] = _cli_answer(cli("search", q, "--json", "--limit", "20"), s, _hits)
    out["docs"] = _cli_answer(cli("docs", "--json"), s,
                              lambda t: sorted([d["doc_id"], d["content_hash"]] for d in json.loads(t)))
    if not quick:
        batch = "".join(json.dumps({"query": q}, ensure_ascii=False) + "\n" for q in QUERIES)
        out["batch"] = _cli_answer(cli("search", "--batch", "-", "--json", input=batch), s, _batch, lines=True)
        out["figures"] = _cli_answer(cli("figures", QUERIES[0], "--json"), s, json.loads)
        out["stats"] = _cli_answer(cli("stats", "--json"), s, json.loads)
        out["check"] = _cli_answer(cli("check"), s, lambda t: "intact" if "is intact" in t else t)
    routes = {"web api/search": "/api/search?q=行政复议&limit=20", "web api/documents": "/api/documents"}
    if not quick:
        routes.update({"web page": "/?q=行政复议", "web api/health": "/api/health", "web api/stats": "/api/stats",
                       "web api/figures": "/api/figures?q=行政复议"})
    try:
        client = create_app(s).test_client()
    except Exception as e:          # noqa: BLE001 - the app must start on any index
        return dict(out, **{name: ["ERROR", f"create_app: {type(e).__name__}: {e}"] for name in routes})
    for name, url in routes.items():
        try:
            r = client.get(url)
        except Exception as e:      # noqa: BLE001
            out[name] = ["ERROR", f"{type(e).__name__}: {e}"]
            continue
        if r.status_code >= 500 and r.status_code != 503:
            out[name] = ["ERROR", f"HTTP {r.status_code}"]
        elif r.status_code == 503:
            out[name] = ["err", "HTTP 503"]
        elif r.is_json:
            body = r.get_json()
            if name == "web api/search":
                body = {"total": body.get("total"), "hits": [[h["passage_id"], h["score"]] for h in body["hits"]]}
            out[name] = ["ok", _normal(body, s)]
        else:
            out[name] = ["ok", r.status_code]
    return out


def follow_up(ix: Path, args: list) -> dict:
    """The write run again without a fault; then the documents and ``check``."""
    from click.testing import CliRunner
    from searchlib.cli import main
    runner = CliRunner()
    r = runner.invoke(main, ["--index", str(ix), *args])
    out = (r.stdout or "") + (r.stderr or "")
    ok = r.exception is None or isinstance(r.exception, SystemExit)
    ok = ok and "internal error" not in out and (r.exit_code in (0, 3) or (
        r.exit_code == 2 and args[0] == "remove" and "not in the index" in out))
    after = read_all(ix, quick=True)
    return {"ok": ok, "exit": r.exit_code, "output": out.strip()[-300:], "docs": after["docs"],
            "check": runner.invoke(main, ["--index", str(ix), "check"]).exit_code}


def probe_main(spec_file: str) -> None:
    """``--probe SPEC``: read (and write again) each state of SPEC in this process; print JSON."""
    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    out = []
    for state in spec["states"]:
        ix = Path(state["ix"])
        got = {"reads": read_all(ix, spec.get("quick", False))}
        if state.get("follow"):
            got["follow"] = follow_up(ix, state["follow"])
        out.append(got)
    print(json.dumps(out, ensure_ascii=False))


def probe(states: list[dict], quick: bool = False, timeout: float = 600) -> list:
    """Probe ``states`` ({"ix": path, "follow": args or None}) in a fresh process: a state
    that crashes the reader (a signal) does not take this script down with it."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump({"states": states, "quick": quick}, f)
    try:
        done = subprocess.run([sys.executable, __file__, "--probe", f.name], capture_output=True, text=True,
                              timeout=timeout, cwd=str(ROOT))
    except subprocess.TimeoutExpired:
        return [{"crash": "no answer in time"}] * len(states)
    finally:
        os.unlink(f.name)
    if done.returncode != 0:
        why = f"signal {-done.returncode}" if done.returncode < 0 else done.stderr.strip()[-300:]
        return [{"crash": why}] * len(states)
    return json.loads(done.stdout)


# ------------------------------------------------------------------------ scenarios

class Scenario:
    """A write command, the index it starts from (``before``: a folder holding ``ix``) and
    what the index answers before it and after it."""

    def __init__(self, name: str, args: list, before: Path, damaged: bool = False):
        self.name, self.args, self.before, self.damaged = name, [str(a) for a in args], before, damaged
        self.prev = self.new = None
        self.steps: list = []

    def commit_steps(self) -> set:
        """The steps that make a new state visible: a table of contents or an index folder
        put in place."""
        out = set()
        for step, kind, path, _ in self.steps:
            name = Path(path).name
            if kind in ("rename", "exchange") and (name.startswith("_MAIN_") and name.endswith(".toc") and
                                                   not path.startswith(".") or path == "ix"):
                out.add(step)
        return out


def _copy(src: Path, dst: Path) -> Path:
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    return dst


def setup(work: Path, commands, quick_reads: bool, inprocess: bool = False) -> list[Scenario]:
    """The corpora, the start index of each command, and its answers before and after."""
    write = _write_inprocess if inprocess else run_cli
    seeds = sorted(p for p in (ROOT / "corpus").iterdir() if p.suffix == ".txt")
    corpus = work / "corpus"
    corpus.mkdir()
    for p in seeds:
        shutil.copy2(p, corpus / p.name)
    extra = work / "extra"
    extra.mkdir()
    (extra / "e1.txt").write_text(EXTRA_REPORT, encoding="utf-8")
    (extra / "e2.txt").write_text(NEW_REPORT, encoding="utf-8")
    more = work / "more"
    more.mkdir()
    (more / "new.txt").write_text(NEW_REPORT.replace("2021", "2023"), encoding="utf-8")

    # the shared start: 3 segments' worth of history (a build, an add, a remove)
    base = work / "base"
    base.mkdir()
    write("--index", base / "ix", "build", corpus)
    write("--index", base / "ix", "add", extra / "e1.txt", "--root", extra)
    write("--index", base / "ix", "remove", REMOVED)

    def update_base() -> Path:
        # update's own corpus: after its index was built, a file changed, one deleted, one new
        ucorpus = work / "ucorpus"
        shutil.copytree(corpus, ucorpus)
        ubase = work / "ubase"
        ubase.mkdir()
        write("--index", ubase / "ix", "build", ucorpus)
        write("--index", ubase / "ix", "add", extra / "e1.txt", "--root", extra)
        changed = sorted(ucorpus.iterdir())[0]
        changed.write_text(changed.read_text(encoding="utf-8") + "\n补充说明：行政复议案件全部按期办结。\n",
                           encoding="utf-8")
        (ucorpus / DROPPED).unlink()
        (ucorpus / "new.txt").write_text(NEW_REPORT, encoding="utf-8")
        return ucorpus

    def damaged_base() -> Path:
        damaged = _copy(base, work / "dbase")
        seg = sorted((damaged / "ix").glob("*.seg"))[0]
        data = bytearray(seg.read_bytes())
        data[len(data) // 2:len(data) // 2 + 256] = bytes(range(256))
        seg.write_bytes(bytes(data))
        return damaged

    all_scenarios = {
        "build": lambda: Scenario("build", ["build", corpus, more], base),
        "update": lambda: Scenario("update", ["update", update_base()], work / "ubase"),
        "add": lambda: Scenario("add", ["add", extra / "e2.txt", "--root", extra], base),
        "remove": lambda: Scenario("remove", ["remove", DROPPED], base),
        "optimize": lambda: Scenario("optimize", ["optimize"], base),
        "check --repair": lambda: Scenario("check --repair", ["check", "--repair", corpus], damaged_base(),
                                           damaged=True),
    }
    out = []
    for name in commands:
        sc = all_scenarios[name]()
        # the new state: the command without a fault (under the shim, counting its steps)
        after = _copy(sc.before, work / f"after-{len(out)}")
        trace = work / f"trace-{len(out)}.jsonl"
        env = fault_env(after, TRACE=str(trace))
        run_cli("--index", after / "ix", *sc.args, env=env)
        sc.steps = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
        prev, new = (probe_here if inprocess else probe)([{"ix": str(sc.before / "ix")}, {"ix": str(after / "ix")}],
                                                         quick_reads)
        for got in (prev, new):
            if "crash" in got:
                raise SystemExit(f"{name}: reading the reference states crashed: {got['crash']}")
        sc.prev, sc.new = prev["reads"], new["reads"]
        sc.new_docs = sc.new["docs"]
        if any(v[0] != "ok" for v in sc.new.values()):
            raise SystemExit(f"{name}: the new state does not answer: {sc.new}")
        shutil.rmtree(after)
        out.append(sc)
    return out


def _write_inprocess(*args) -> None:
    from click.testing import CliRunner
    from searchlib.cli import main
    r = CliRunner().invoke(main, [str(a) for a in args])
    if r.exit_code not in (0, 3):
        raise SystemExit(f"searchlib {' '.join(map(str, args))} failed: {r.output}")


def probe_here(states: list[dict], quick: bool = False) -> list:
    """``probe`` in this process (the fast test: no interpreter to start per state)."""
    out = []
    for state in states:
        got = {"reads": read_all(Path(state["ix"]), quick)}
        if state.get("follow"):
            got["follow"] = follow_up(Path(state["ix"]), state["follow"])
        out.append(got)
    return out


def fault_env(root: Path, **values) -> dict:
    env = dict(os.environ, SEARCHLIB_FAULT_ROOT=str(root))
    env["PYTHONPATH"] = os.pathsep.join([str(SHIM), str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    for k, v in values.items():
        env[f"SEARCHLIB_FAULT_{k}"] = str(v)
    return env


# ------------------------------------------------------------------------ choosing points

def spread(candidates: list[int], n: int, must: set) -> list[int]:
    """``must`` and up to ``n`` in all, evenly spread over ``candidates``."""
    chosen = set(must)
    rest = [c for c in candidates if c not in chosen]
    k = max(0, n - len(chosen))
    if rest and k:
        if k >= len(rest):
            chosen.update(rest)
        else:
            chosen.update(rest[round(i * (len(rest) - 1) / max(k - 1, 1))] for i in range(k))
    return sorted(chosen)


def kill_points(sc: Scenario, n: int, every: bool) -> list[int]:
    """Every step that is not a write, the first and last write of each file, the steps
    around each commit and the end (the step after the last)."""
    first, last, cands = {}, {}, []
    for step, kind, path, _ in sc.steps:
        if kind == "write":
            first.setdefault(path, step)
            last[path] = step
        else:
            cands.append(step)
    cands = sorted(set(cands) | set(first.values()) | set(last.values()))
    end = sc.steps[-1][0]                  # the "exit" step: the command has done everything
    must = {end}
    for c in sc.commit_steps():
        must.update({c, c + 1})
    return cands if every else spread(cands, n, must)


def enospc_points(sc: Scenario, n: int) -> list[int]:
    """Indexes (1-based, among the steps that need space) spread over the run, always the
    first one and the first after each commit."""
    space = [step for step, _, _, needs in sc.steps if needs]
    commits = sorted(sc.commit_steps())
    must = {1}
    for c in commits:
        after = [i + 1 for i, s in enumerate(space) if s > c]
        if after:
            must.add(after[0])
    return spread(list(range(1, len(space) + 1)), n, must)


# ------------------------------------------------------------------------ classifying

def classify(sc: Scenario, reads: dict) -> str:
    """previous / new / internal / silent / lost (see the module's doc)."""
    kinds = []
    for name, got in reads.items():
        if got[0] == "ERROR":
            return "internal"
        prev, new = sc.prev.get(name), sc.new.get(name)
        is_prev = got == prev or (sc.damaged and got[0] == "err" and prev is not None and prev[0] == "err")
        is_new = got == new
        kinds.append("both" if is_prev and is_new else "prev" if is_prev else "new" if is_new else
                     "err" if got[0] == "err" else "silent")
    if "silent" in kinds:
        return "silent"
    if "err" in kinds:
        return "lost"                     # says "damaged" where a committed state should answer
    if all(k in ("prev", "both") for k in kinds):
        return "previous"
    if all(k in ("new", "both") for k in kinds):
        return "new"
    return "silent"                       # some answers of one state, some of the other


def clear_error(done: subprocess.CompletedProcess) -> bool:
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    return (done.returncode > 0 and len(errors) == 1 and "internal error" not in done.stderr
            and "Traceback" not in done.stderr + done.stdout)


class Row:
    def __init__(self):
        self.runs = self.previous = self.new = self.clear = self.internal = self.crash = 0
        self.silent = self.lost = self.next_ok = self.handled = 0
        self.notes: list[str] = []
        self.info: list[str] = []        # what a run measured (a hostile row: peak memory)
        self.writes = True               # False: damage rows (no write was interrupted: no next write)

    def add(self, outcome: str, follow_ok: bool, note: str) -> None:
        self.runs += 1
        self.next_ok += follow_ok
        attr = {"previous": "previous", "new": "new", "internal": "internal", "crash": "crash", "silent": "silent",
                "lost": "lost"}[outcome]
        setattr(self, attr, getattr(self, attr) + 1)
        if outcome not in ("previous", "new") or not follow_ok:
            self.notes.append(note)

    @property
    def bad(self) -> int:
        return self.internal + self.crash + self.silent + self.lost + (self.runs - self.next_ok if self.writes else 0)


def _outcome(sc: Scenario, got: dict) -> tuple[str, bool, str]:
    if "crash" in got:
        return "crash", False, got["crash"]
    outcome = classify(sc, got["reads"])
    follow = got.get("follow") or {}
    follow_ok = bool(follow.get("ok")) and follow.get("docs") == sc.new_docs and follow.get("check") == 0
    if outcome in ("silent", "internal", "lost"):
        bad = {k: v for k, v in got["reads"].items() if v != sc.prev.get(k) and v != sc.new.get(k)}
        return outcome, follow_ok, json.dumps(bad, ensure_ascii=False)[:400]
    return outcome, follow_ok, "" if follow_ok else f"next write: {json.dumps(follow, ensure_ascii=False)[:400]}"


def run_point(sc: Scenario, work: Path, env_values: dict, images: bool, quick_reads: bool, inprocess: bool = False):
    """The command under one fault; then the states it left, probed (and written again)."""
    root = _copy(sc.before, work / "root")
    img = work / "img"
    shutil.rmtree(img, ignore_errors=True)
    if images:
        env_values = dict(env_values, IMAGE=str(img))
    env = fault_env(root, **env_values)
    try:
        done = subprocess.run(searchlib("--index", root / "ix", *sc.args), capture_output=True, text=True, env=env,
                              cwd=str(ROOT), timeout=600, start_new_session=True)
    except subprocess.TimeoutExpired:
        done = subprocess.CompletedProcess([], -1, "", "timeout")
    states = {"process": root}
    if images and img.exists():
        states.update(lost=img / "lost", kept=img / "kept")
    got = (probe_here if inprocess else probe)([{"ix": str(p / "ix"), "follow": sc.args} for p in states.values()],
                                               quick_reads)
    result = dict(zip(states, got))
    for p in [root, img]:
        shutil.rmtree(p, ignore_errors=True)
    return done, result


def run_matrix(work: Path, commands, faults, points: int, every: bool, enospc: int, quick_reads: bool = False,
               log=print, inprocess: bool = False) -> dict:
    """{(fault kind, command): Row}. ``inprocess``: build the start indexes and read the
    states in this process (the fast test); the faulted writes always run in their own."""
    rows: dict = {}
    if "damage" in faults:
        damage_rows(work / "damage", rows, log)
    if "hostile" in faults:
        hostile_rows(work / "hostile", rows, log, quick=inprocess)
    scenarios = setup(work, commands, quick_reads, inprocess) if set(faults) - {"damage", "hostile"} else []
    for sc in scenarios:
        if "kill" in faults or "power" in faults:
            # a power cut at a point is a state from which the new commit may be gone only
            # while it was not yet durable: once an image showed it, every later one must
            seen_new = {"kill": None, "lost": None, "kept": None}
            end = sc.steps[-1][0]
            for n in kill_points(sc, points, every):
                t0 = time.perf_counter()
                done, got = run_point(sc, work, {"AT": n}, images="power" in faults, quick_reads=quick_reads,
                                      inprocess=inprocess)
                step = next((s for s in sc.steps if s[0] == n), None)
                where = f"step {n} of {end} ({step[1]} {step[2]})" if step else f"step {n}"
                for state, res in got.items():
                    kind = {"process": "kill", "lost": "lost", "kept": "kept"}[state]
                    if kind == "kill" and "kill" not in faults:
                        continue
                    outcome, follow_ok, note = _outcome(sc, res)
                    if outcome == "new" and seen_new[kind] is None:
                        seen_new[kind] = n
                    if outcome == "previous" and (seen_new[kind] is not None or n == end):
                        outcome, note = "lost", f"a durable commit lost (new at step {seen_new[kind]})"
                    if kind == "kill" and done.returncode != -9:
                        note = f"not killed (exit {done.returncode}): {done.stderr[-200:]} {note}"
                    rows.setdefault((STATE_NAMES[kind], sc.name), Row()).add(outcome, follow_ok, f"{where}: {note}")
                log(f"  {sc.name}: kill at {where}: " + ", ".join(
                    f"{k} {_outcome(sc, v)[0]}" for k, v in got.items()) + f" ({time.perf_counter() - t0:.1f} s)")
        for kind in ("enospc", "readonly"):
            if kind not in faults:
                continue
            points_ = enospc_points(sc, enospc) if kind == "enospc" else [0]
            for n in points_:
                env_values = {"ENOSPC": n} if kind == "enospc" else {"READONLY": 1}
                done, got = run_point(sc, work, env_values, images=False, quick_reads=quick_reads,
                                      inprocess=inprocess)
                res = got["process"]
                outcome, follow_ok, note = _outcome(sc, res)
                row = rows.setdefault((STATE_NAMES[kind], sc.name), Row())
                clear = clear_error(done)
                if done.returncode < 0:
                    outcome, note = "crash", f"the write died: signal {-done.returncode}"
                elif "internal error" in done.stderr or "Traceback" in done.stderr:
                    outcome, note = "internal", done.stderr.strip()[-300:]
                elif not clear and done.returncode in (0, 3):
                    # it finished despite the fault (the fault came after its last write)
                    clear = outcome == "new"
                    note = note or "finished"
                elif outcome == "new":
                    # it said it failed (and that the index is unchanged) but the new state is there
                    outcome, note = "silent", f"said '{done.stderr.strip()}' but the index changed"
                row.add(outcome, follow_ok, f"{kind} {n}: {note} {done.stderr.strip()[-200:]}")
                row.clear += clear
                log(f"  {sc.name}: {kind} {n}: exit {done.returncode}, {outcome}, "
                    f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}")
    return rows


def damage_rows(work: Path, rows: dict, log) -> None:
    """``scripts/fault_matrix.py``'s kinds of damage × every command and web route, as rows
    of this table: "previous state" = answered as on the intact index, "new state" = a
    repair (``check --repair``, ``update --rebuild``) that left an intact index, "clear
    error" = said "damaged" (one Error: line, exit 2; HTTP 503)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import fault_matrix
    columns, drows = fault_matrix.run_damage(work, log=log)
    name = f"damage ({len(drows)} kinds)"
    for column in columns:
        r = rows.setdefault((name, column), Row())
        r.writes = False
        for dname, cells in drows:
            cell = cells[column]
            r.runs += 1
            repair = column in ("check --repair", "update --rebuild")
            if cell == "ok":
                r.previous += 1
            elif cell == "damaged" and repair:
                r.new += 1
            elif cell == "damaged":
                r.clear += 1
            else:
                attr = {"SILENT": "silent", "ERROR": "internal", "CRASH": "crash"}[cell]
                setattr(r, attr, getattr(r, attr) + 1)
                r.notes.append(f"{dname}: {cell}")
    shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------------------ hostile inputs

HOSTILE_TIMEOUT = 120.0          # seconds a command may take on a hostile input before it counts as hung
A_REPORT = "甲县2019年法治政府建设工作报告\n\n一、主要工作\n\n全年办理行政复议案件42件，纠错率11%。\n"
ODD_ID = "a\tb\nc.txt"


class Ran:
    """What a command did: exit status (None: no answer in time; < 0: killed by that
    signal), its output and its peak resident memory (MB, its child processes included)."""

    def __init__(self, code, stdout: str, stderr: str, peak_mb: float = 0.0, seconds: float = 0.0):
        self.code, self.stdout, self.stderr, self.peak_mb, self.seconds = code, stdout, stderr, peak_mb, seconds

    @property
    def tail(self) -> str:
        return f"exit {self.code}: {(self.stdout + self.stderr).strip()[-240:]}"


def _spawn(cmd: list, stdin: bytes | None = None, timeout: float = HOSTILE_TIMEOUT) -> Ran:
    """``cmd`` in its own process group, killed (with its children) after ``timeout``;
    reaped with wait4 for its peak memory."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=str(ROOT), start_new_session=True)
    got = {"out": [], "err": []}

    def pump(stream, into):
        for block in iter(lambda: stream.read(65536), b""):
            into.append(block)

    def feed():
        try:
            proc.stdin.write(stdin or b"")
            proc.stdin.close()
        except OSError:               # it stopped reading
            pass
    threads = [threading.Thread(target=pump, args=(proc.stdout, got["out"]), daemon=True),
               threading.Thread(target=pump, args=(proc.stderr, got["err"]), daemon=True),
               threading.Thread(target=feed, daemon=True)]
    for t in threads:
        t.start()
    deadline, status, usage, hung = time.monotonic() + timeout, 0, None, False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            hung = True
            os.killpg(proc.pid, signal.SIGKILL)
            _, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)      # reaped here, not by Popen
    try:
        os.killpg(proc.pid, signal.SIGKILL)                   # anything it left behind
    except (ProcessLookupError, PermissionError):
        pass
    for t in threads:
        t.join(5)
    text = {k: b"".join(v).decode("utf-8", "replace") for k, v in got.items()}
    return Ran(None if hung else proc.returncode, text["out"], text["err"], (usage.ru_maxrss / 1024) if usage else 0.0,
               time.perf_counter() - t0)


def _cli_run(args: list, stdin: bytes | None = None, inprocess: bool = False) -> Ran:
    """``searchlib ARGS`` as a user runs it (its own process), or through click's runner."""
    args = [os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in args]
    if not inprocess:
        return _spawn(searchlib(*args), stdin)
    from click.testing import CliRunner
    from searchlib.cli import main
    t0 = time.perf_counter()
    r = CliRunner().invoke(main, args, input=stdin)
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        why = f"Traceback: {type(r.exception).__name__}: {r.exception}"
        return Ran(2, r.stdout, why, 0.0, time.perf_counter() - t0)
    return Ran(r.exit_code, r.stdout, r.stderr, 0.0, time.perf_counter() - t0)


def _judge(ran: Ran, expect) -> tuple[str, str]:
    out = ran.stdout + ran.stderr
    if ran.code is None:
        return "crash", f"no answer in {HOSTILE_TIMEOUT:.0f} s"
    if ran.code < 0:
        return "crash", f"killed by signal {-ran.code}"
    if "Traceback" in out or "internal error" in out:
        return "internal", ran.tail
    return expect(ran)


def said(*words, code: int = 2, or_done: bool = False, listed: str = ""):
    """A clear error: exit ``code``, one ``Error:`` line holding ``words`` (``listed``: and
    that in the lines before it, as ``check`` lists what it found; ``or_done``: or the
    command did its work, exit 0/3: a write that never reads what is planted)."""
    def check(ran: Ran):
        errors = [line for line in ran.stderr.splitlines() if line.startswith("Error:")]
        if (ran.code == code and len(errors) == 1 and all(w in errors[0] for w in words)
                and listed in ran.stderr):
            return "clear", errors[0][:200]
        if or_done and ran.code in (0, 3) and not errors:
            return "handled", ran.tail[-120:]
        return "silent", ran.tail
    return check


def done(*words, code: int = 0):
    """Handled: exit ``code`` and ``words`` in the output."""
    def check(ran: Ran):
        out = ran.stdout + ran.stderr
        if ran.code == code and all(w in out for w in words):
            return "handled", (ran.stdout.strip().splitlines() or [""])[0][:160]
        return "silent", ran.tail
    return check


def skipped(reasons: dict, documents: int):
    """Handled: exit 3, a ``skipped: …NAME: REASON`` line for each, and ``documents`` in the
    index after it (the rest indexed)."""
    import re

    def check(ran: Ran):
        lines = [line.strip() for line in (ran.stdout + ran.stderr).splitlines()]
        missing = [f"{name}: {why}" for name, why in reasons.items()
                   if not any(line.startswith("skipped:") and f"{name}: {why}" in line for line in lines)]
        count = re.search(r"(\d+) documents", ran.stdout + ran.stderr)
        if ran.code != 3 or missing or count is None or int(count.group(1)) != documents:
            return "silent", f"missing {missing}; {ran.tail}"
        return "handled", f"{len(reasons)} skipped with the reason, {documents} indexed"
    return check


def batch_said(words: str):
    """A batch of one bad line and one good one: exit 2, one ``Error: line 1: …`` line
    holding ``words``, and two JSON lines, the second with hits."""
    def check(ran: Ran):
        errors = [line for line in ran.stderr.splitlines() if line.strip()]
        try:
            answers = [json.loads(line) for line in ran.stdout.splitlines() if line.strip()]
        except ValueError:
            return "silent", ran.tail
        if (ran.code == 2 and len(errors) == 1 and errors[0].startswith("Error: line 1: ") and words in errors[0]
                and len(answers) == 2 and "error" in answers[0] and answers[1].get("hits")):
            return "clear", errors[0][:160]
        return "silent", ran.tail
    return check


def http(*statuses: int, words: str = ""):
    """The expected HTTP status (4xx/503 with a message: a clear error; 2xx: handled)."""
    def check(status, body: str):
        if status is None:
            return "crash", f"the server is gone: {body[:160]}"
        if status == "exception" or (status >= 500 and status != 503):
            return "internal", f"HTTP {status}: {body[:160]}"
        if status in statuses and words in body and (status < 400 or body.strip()):
            return ("clear" if status >= 400 else "handled"), f"HTTP {status}"
        return "silent", f"HTTP {status}: {body[:160]}"
    return check


def _web_requests(ix: Path, requests: list) -> list:
    """[(status, body)] of ``requests`` ((method, url, body, content type)) through the test client."""
    from searchlib.web import create_app
    try:
        client = create_app(str(ix)).test_client()
    except Exception as e:              # noqa: BLE001 - the app must start on any index
        return [("exception", f"create_app: {type(e).__name__}: {e}")] * len(requests)
    out = []
    for method, url, body, ctype in requests:
        try:
            r = client.open(url, method=method, data=body, content_type=ctype)
            out.append((r.status_code, r.get_data(as_text=True)))
        except Exception as e:          # noqa: BLE001
            out.append(("exception", f"{type(e).__name__}: {e}"))
    return out


class Server:
    """A real ``searchlib serve`` on a free port (its own process group)."""

    def __init__(self, ix: Path):
        import queue
        import re
        self.proc = subprocess.Popen(searchlib("--index", ix, "serve", "--port", "0"), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, cwd=str(ROOT), start_new_session=True)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.proc.stderr], daemon=True).start()
        self.url, self.said = None, []
        deadline = time.monotonic() + 60
        while self.url is None and time.monotonic() < deadline and self.proc.poll() is None:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            self.said.append(line.strip())
            found = re.search(r"on (http://\S+?/)", line)
            if found:
                self.url = found.group(1).rstrip("/")

    def get(self, path: str):
        if self.url is None:
            return None, f"did not start: {' '.join(self.said)[-200:]}"
        try:
            with urllib.request.urlopen(self.url + urllib.parse.quote(path, safe="/?=&%"), timeout=30) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")
        except OSError as e:
            return None, f"{type(e).__name__}: {e}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(wait)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass


def hostile_rows(work: Path, rows: dict, log, quick: bool = False) -> None:
    """Each hostile index and file of issue #26 × the commands it concerns, as rows of the
    table ("hostile: INPUT", the commands). ``quick``: a subset, the CLI through click's
    runner in this process (the fast test)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import hostile_inputs as H
    from searchlib import api
    from searchlib.errors import SearchlibError
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    corpus = work / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(A_REPORT, encoding="utf-8")
    base = work / "base"
    api.build([corpus], base, procs=1)
    n = [0]

    def fresh(src: Path = base) -> Path:
        n[0] += 1
        return _copy(src, work / f"ix{n[0]}")

    def add(fault: str, command: str, what: str, verdict: str, note: str, info: str = "") -> None:
        r = rows.setdefault((f"hostile: {fault}", command), Row())
        r.writes = False
        r.runs += 1
        setattr(r, verdict, getattr(r, verdict) + 1)
        if verdict not in ("handled", "clear", "new"):
            r.notes.append(f"{what}: {note}")
        if info:
            r.info.append(f"{what}: {info}")
        log(f"  hostile: {fault} / {what}: {verdict} {note[:140]}")

    def cli(fault, command, what, ix, args, expect, stdin: bytes | None = None, marker: Path | None = None,
            info=None) -> Ran:
        ran = _cli_run(["--index", ix, *args], stdin, inprocess=quick)
        verdict, note = _judge(ran, expect)
        if marker is not None and marker.exists():
            verdict, note = "silent", f"the planted code ran ({ran.tail})"
            marker.unlink()
        add(fault, command, what, verdict, note, info(ran) if info else "")
        return ran

    def web(fault, command, ix, requests, marker: Path | None = None) -> None:
        """requests: [(what, method, url, body, content type, expect)]."""
        got = _web_requests(ix, [r[1:5] for r in requests])
        for (what, *_, expect), (status, body) in zip(requests, got):
            verdict, note = expect(status, body)
            if marker is not None and marker.exists():
                verdict, note = "silent", "the planted code ran"
                marker.unlink()
            add(fault, command, what, verdict, note)

    def served(fault, command, ix, gets, before=None, marker: Path | None = None) -> None:
        """gets: [(what, path, expect)] on a real ``serve`` of ``ix`` (``before(server)``
        runs first: the damage done under it)."""
        server = Server(ix)
        try:
            if before is not None:
                before(server)
            for what, path, expect in gets:
                status, body = server.get(path)
                verdict, note = expect(status, body)
                if not server.alive():
                    verdict, note = "crash", f"serve died: exit {server.proc.returncode}"
                if marker is not None and marker.exists():
                    verdict, note = "silent", "the planted code ran"
                    marker.unlink()
                add(fault, command, what, verdict, note)
        finally:
            server.stop()

    # 1. indexes whose pickles would run code
    kinds = {"toc": "a pickle in the table of contents", "legacy": "a pickle in a legacy (-110) table of contents",
             "stored": "a pickle in a report's stored fields"}
    refused = said("not a searchlib index (", or_done=False)
    for kind, fault in kinds.items():
        if quick and kind == "legacy":
            continue
        marker = work / f"ran-{kind}"
        crafted = H.crafted_index(kind, base, corpus, work / f"crafted-{kind}", marker)
        if marker.exists():
            raise SystemExit(f"crafting {kind} ran the payload")
        batch = json.dumps({"query": "行政复议"}).encode() + b"\n"
        reads = [("search", ["search", "行政复议"], refused), ("docs", ["docs"], refused)]
        if not quick:
            writes_ok = said("not a searchlib index (", or_done=kind == "stored")   # writes never read a record
            reads += [("batch", ["search", "--batch", "-"], refused), ("figures", ["figures", "行政复议"], refused),
                      ("stats", ["stats"], writes_ok), ("show", ["show", "a.txt"], refused),
                      ("check", ["check"], said("is damaged", listed="not a searchlib index (")),
                      ("update", ["update", corpus], writes_ok), ("add", ["add", corpus / "a.txt"], writes_ok),
                      ("remove", ["remove", "a.txt"], writes_ok), ("optimize", ["optimize"], refused)]
        command = f"CLI: {', '.join(r[0] for r in reads)}"
        for what, args, expect in reads:
            cli(fault, command, what, fresh(crafted), args, expect, stdin=batch if what == "batch" else None,
                marker=marker)
        if not quick:
            for what, args in (("update --rebuild", ["update", "--rebuild", corpus]),
                               ("check --repair", ["check", "--repair", corpus])):
                ix = fresh(crafted)
                ran = _cli_run(["--index", ix, *args])
                verdict, note = _judge(ran, done())
                if verdict == "handled":
                    after = _cli_run(["--index", ix, "search", "行政复议", "--json"])
                    ok = after.code == 0 and json.loads(after.stdout or "{}").get("total") == 1
                    verdict, note = ("new", "rebuilt from the corpus") if ok else ("silent", f"after it: {after.tail}")
                if marker.exists():
                    verdict, note = "silent", "the planted code ran"
                    marker.unlink()
                add(fault, "CLI: update --rebuild, check --repair", what, verdict, note)
        routes = [("web page", "GET", "/?q=行政复议", None, None, http(503)),
                  ("web api/search", "GET", "/api/search?q=行政复议", None, None, http(503))]
        if not quick:
            routes += [("web api/health", "GET", "/api/health", None, None, http(503, 200)),
                       ("web api/stats", "GET", "/api/stats", None, None, http(503, 200)),
                       ("web api/documents", "GET", "/api/documents", None, None, http(503)),
                       ("web api/figures", "GET", "/api/figures?q=行政复议", None, None, http(503))]
        command = "web: 6 routes, serve, open_index" if not quick else "web: page, api/search; open_index"
        web(fault, command, crafted, routes, marker)
        if not quick:
            served(fault, command, crafted, [("serve api/search", "/api/search?q=行政复议", http(503)),
                                             ("serve api/health", "/api/health", http(503, 200))], marker=marker)
        try:
            with api.open_index(crafted) as idx:
                idx.search("行政复议")
            verdict, note = "silent", "open_index answered"
        except SearchlibError as e:
            verdict, note = ("clear", str(e)[:160]) if "not a searchlib index (" in str(e) else ("silent", str(e))
        except Exception as e:          # noqa: BLE001
            verdict, note = "internal", f"{type(e).__name__}: {e}"
        if marker.exists():
            verdict, note = "silent", "the planted code ran"
            marker.unlink()
        add(fault, command, "open_index", verdict, note)

    # 2. synonyms files: /dev/zero, an index's own over 10 MB, a FIFO
    one = json.dumps({"query": "行政复议"}).encode() + b"\n"
    fault = "--synonyms-file /dev/zero"
    zero = [("search", ["search", "行政复议", "--synonyms-file", "/dev/zero"], None)]
    if not quick:
        zero += [("batch", ["search", "--batch", "-", "--synonyms-file", "/dev/zero"], one),
                 ("synonyms", ["synonyms", "行政复议", "--synonyms-file", "/dev/zero"], None)]
    for what, args, stdin in zero:
        cli(fault, f"CLI: {', '.join(z[0] for z in zero)}", what, base, args, said("/dev/zero: not a regular file"),
            stdin=stdin)
    if not quick:
        big = fresh()
        with open(big / "synonyms.txt", "wb") as fh:
            fh.truncate(11_000_000)
        fault = "an index's synonyms.txt over 10 MB"
        for what, args, stdin, expect in (
                ("search", ["search", "行政复议"], None, said("larger than 10 MB")),
                ("batch", ["search", "--batch", "-"], one, said("larger than 10 MB")),
                ("synonyms", ["synonyms", "行政复议"], None, said("larger than 10 MB")),
                ("update", ["update", corpus], None, done("0 added"))):
            cli(fault, "CLI: search, batch, synonyms, update", what, big, args, expect, stdin=stdin)
        web(fault, "web: page, api/search, api/figures, api/suggest", big,
            [("web page", "GET", "/?q=行政复议", None, None, http(503, words="10 MB")),
             ("web api/search", "GET", "/api/search?q=行政复议", None, None, http(503, words="10 MB")),
             ("web api/figures", "GET", "/api/figures?q=行政复议", None, None, http(503, words="10 MB")),
             ("web api/suggest", "GET", "/api/suggest?q=行政", None, None, http(503, 200))])
        fifo = fresh()
        os.mkfifo(fifo / "synonyms.txt")
        fault = "an index's synonyms.txt a FIFO"
        cli(fault, "CLI: search; web: api/search", "search", fifo, ["search", "行政复议"], said("not a regular file"))
        web(fault, "CLI: search; web: api/search", fifo,
            [("web api/search", "GET", "/api/search?q=行政复议", None, None, http(503, words="not a regular file"))])

    # 3. zip bombs in a corpus (a 150 MB text part in a ~200 KB file)
    if not quick:
        bombs = work / "bombs"
        shutil.copytree(corpus, bombs)
        H.docx_bomb(bombs / "bomb.docx")
        H.odt_bomb(bombs / "bomb.odt")
        fault, command = "a .docx and an .odt zip bomb (150 MB text part)", "build, update, add"
        reasons = {"bomb.docx": "DOCX text part too large", "bomb.odt": "ODT text part too large"}

        def peak(ran):
            return f"peak RSS {ran.peak_mb:.0f} MB, {ran.seconds:.1f} s"
        cli(fault, command, "build", work / "bomb-ix", ["build", bombs], skipped(reasons, 1), info=peak)
        cli(fault, command, "update", fresh(), ["update", bombs], skipped(reasons, 1), info=peak)
        cli(fault, command, "add", fresh(), ["add", bombs / "bomb.docx", bombs / "bomb.odt"], skipped(reasons, 1),
            info=peak)

    # 4. FIFOs, sockets, devices, symlink loops, symlinks out of the corpus
    special = work / "special"
    shutil.copytree(corpus, special)
    (work / "outside").mkdir()
    (work / "outside" / "secret.txt").write_text(A_REPORT.replace("甲县2019", "乙县2020").replace("42件", "7件"),
                                                encoding="utf-8")
    files = H.special_files(special, work / "outside" / "secret.txt")
    outside = "symlink to a place outside the corpus"
    fault = "a FIFO, socket, device symlink, symlink loop, symlink out, in a corpus folder"
    reasons = {"fifo.txt": "not a regular file", "sock.txt": "not a regular file", "zero.txt": outside,
               "loop.txt": "symlink loop", "outside.txt": outside}
    command = "build, update, build --follow-links" if not quick else "build"
    cli(fault, command, "build", work / "special-ix", ["build", special], skipped(reasons, 1))
    if not quick:
        cli(fault, command, "update", fresh(), ["update", special], skipped(reasons, 1))
        followed = dict(reasons, **{"zero.txt": "not a regular file"})
        del followed["outside.txt"]
        cli(fault, command, "build --follow-links", work / "special-ix2", ["build", "--follow-links", special],
            skipped(followed, 2))
        fault, command = "a FIFO, socket, device symlink named on the command line", "build, update, add"
        for kind in ("fifo", "socket", "device symlink"):
            path = files[kind]
            named = {path.name: "not a regular file (a FIFO, device or socket)"}
            cli(fault, command, f"build {kind}", work / f"named-{path.stem}", ["build", path], skipped(named, 0))
            cli(fault, command, f"update {kind}", fresh(), ["update", path], skipped(named, 1))
            cli(fault, command, f"add {kind}", fresh(), ["add", path], said("not a readable file"))
        fault = "a symlink loop named on the command line"
        loop = files["symlink loop"]
        cli(fault, command, "build", work / "loop-ix", ["build", loop], said("symlink loop"))
        cli(fault, command, "update", fresh(), ["update", loop], said("symlink loop"))
        cli(fault, command, "add", fresh(), ["add", loop], said("not a readable file"))

    # 5. hostile batch lines, POST bodies, ids and options
    fault = "--batch: invalid UTF-8, a lone surrogate, 20k-deep JSON, a non-string query"
    for what, line, words in (("invalid UTF-8", b"\xff\xfe bad", "not UTF-8"),
                              ("lone surrogate", b'{"query": "\\ud800"}', "no searchable words"),
                              ("20k-deep JSON", b"[" * 20000 + b"]" * 20000, "nested more than 64 levels"),
                              ("non-string query", b'{"query": 5}', "must be text")):
        cli(fault, "CLI: search --batch", what, base, ["search", "--batch", "-", "--json"], batch_said(words),
            stdin=line + b"\n" + one)
    fault = "POST bodies: 20k-deep JSON, invalid UTF-8, a lone surrogate, a non-string query"
    json_type = "application/json"
    web(fault, "web: POST api/search", base,
        [("20k-deep JSON", "POST", "/api/search", b"[" * 20000 + b"]" * 20000, json_type, http(400)),
         ("invalid UTF-8", "POST", "/api/search", b'{"q": "\xff\xfe"}', json_type, http(400)),
         ("lone surrogate", "POST", "/api/search", b'{"q": "\\ud800"}', json_type, http(400)),
         ("non-string query", "POST", "/api/search", b'{"q": 5}', json_type, http(200, 400))])
    fault = "a non-ASCII digit in a passage id (², ١, ０)"
    for digit in ("²", "١", "０"):
        cli(fault, "CLI: show; web: api/passages", f"show #{digit}", base, ["show", f"a.txt#{digit}"],
            said("a passage id is DOC_ID#NUMBER"))
        web(fault, "CLI: show; web: api/passages", base,
            [(f"web #{digit}", "GET", f"/api/passages/{urllib.parse.quote('a.txt#' + digit)}", None, None,
              http(400))])
    fault = "has_figures:maybe"
    cli(fault, "CLI: search; web: api/search", "search", base, ["search", "行政复议 has_figures:maybe"],
        said("has_figures: must be true or false"))
    web(fault, "CLI: search; web: api/search", base,
        [("web api/search", "GET", f"/api/search?q={urllib.parse.quote('行政复议 has_figures:maybe')}", None, None,
          http(400, words="has_figures"))])
    cli("--timeout nan", "CLI: search", "search", base, ["search", "行政复议", "--timeout", "nan"], said("NaN"))
    if not quick:
        odd = work / "odd"
        odd.mkdir()
        (odd / ODD_ID).write_text(A_REPORT, encoding="utf-8")
        fault, command = "a doc id with a newline and a tab", "build, search, show, remove, web: document, passage"
        oddix = work / "odd-ix"
        cli(fault, command, "build", oddix, ["build", odd], done("1 documents"))
        cli(fault, command, "search", oddix, ["search", "行政复议", "--json"], done(json.dumps(ODD_ID)[1:-1]))
        cli(fault, command, "show", oddix, ["show", ODD_ID], done("行政复议"))
        cli(fault, command, "remove", fresh(oddix), ["remove", ODD_ID], done("removed 'a\\tb\\nc.txt'"))
        quoted = urllib.parse.quote(ODD_ID)
        web(fault, command, oddix,
            [("web api/documents", "GET", f"/api/documents/{quoted}", None, None, http(200)),
             ("web api/passages", "GET", f"/api/passages/{urllib.parse.quote(ODD_ID + '#0')}", None, None, http(200))])

    # 6. a binary file, a file name in GBK bytes
    binary = work / "binary"
    shutil.copytree(corpus, binary)
    H.binary_file(binary / "bin.txt")
    fault = "a binary file of \\x00\\xff bytes"
    cli(fault, "build, add" if not quick else "build", "build", work / "bin-ix", ["build", binary],
        skipped({"bin.txt": "binary file"}, 1))
    if not quick:
        cli(fault, "build, add", "add", fresh(), ["add", binary / "bin.txt"], skipped({"bin.txt": "binary file"}, 1))
        gbk = work / "gbk"
        shutil.copytree(corpus, gbk)
        H.gbk_named_file(gbk, A_REPORT.replace("2019", "2018"))
        fault, reason = "a file name in GBK bytes", {".txt": "file name is not valid UTF-8"}
        cli(fault, "build, update", "build", work / "gbk-ix", ["build", gbk], skipped(reason, 1))
        cli(fault, "build, update", "update", fresh(), ["update", gbk], skipped(reason, 1))

    # 7. a passage file cut short under a running server
    if not quick:
        fault, command = "a passage file cut short under a running serve", "serve: api/search, page, api/health"
        cut = fresh()

        def truncate(server):
            status, body = server.get("/api/search?q=行政复议")
            if status != 200:
                add(fault, command, "before", "silent", f"the intact index: HTTP {status} {body[:100]}")
            with open(next(cut.glob("*.spx")), "r+b") as fh:
                fh.truncate(64)
        served(fault, command, cut, [("serve api/search", "/api/search?q=行政复议", http(503, words="damaged")),
                                     ("serve page", "/?q=行政复议", http(503)),
                                     ("serve api/health", "/api/health", http(503))], before=truncate)
    shutil.rmtree(work, ignore_errors=True)


def table(rows: dict) -> str:
    lines = ["| fault | command | runs | previous state | new state | handled | clear error | internal errors | "
             "crashes | silent answers | lost commits | next write ok |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    total = Row()
    for (fault, command), r in rows.items():
        hostile = fault.startswith("hostile")
        clear = str(r.clear) if fault in ("ENOSPC", "read-only") or not r.writes else "—"
        previous = "—" if hostile else r.previous
        lines.append(f"| {fault} | {command} | {r.runs} | {previous} | {r.new} | {r.handled if hostile else '—'} | "
                     f"{clear} | {r.internal} | {r.crash} | {r.silent} | {r.lost if r.writes else '—'} | "
                     f"{r.next_ok if r.writes else '—'} |")
        for a in ("runs", "previous", "new", "handled", "clear", "internal", "crash", "silent", "lost", "next_ok"):
            setattr(total, a, getattr(total, a) + (getattr(r, a) if r.writes or a not in ("lost", "next_ok") else 0))
    writes = sum(r.runs for r in rows.values() if r.writes)
    lines.append(f"| **all** | | **{total.runs}** | {total.previous} | {total.new} | {total.handled} | {total.clear} | "
                 f"**{total.internal}** | **{total.crash}** | **{total.silent}** | **{total.lost}** | "
                 f"{total.next_ok} of {writes} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=20, help="kill / power-cut points per command (default 20)")
    ap.add_argument("--all-steps", action="store_true", help="every step that is not a write (and first/last writes)")
    ap.add_argument("--enospc", type=int, default=6, help="disk-full points per command (default 6)")
    ap.add_argument("--commands", default=",".join(COMMANDS), help="comma list (default: all six)")
    ap.add_argument("--faults", default=",".join(FAULTS),
                    help="comma list of kill,power,enospc,readonly,damage,hostile")
    ap.add_argument("--quick-reads", action="store_true", help="search, docs and two web routes only")
    ap.add_argument("--json", type=Path, help="write the rows and notes there")
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.probe:
        probe_main(args.probe)
        return 0
    commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = set(commands) - set(COMMANDS) | set(faults) - set(FAULTS)
    if unknown:
        ap.error(f"unknown: {', '.join(sorted(unknown))}")
    work = Path(tempfile.mkdtemp(prefix="searchlib-faults-")).resolve()
    t0 = time.perf_counter()
    try:
        rows = run_matrix(work, commands, faults, args.points, args.all_steps, args.enospc, args.quick_reads,
                          log=lambda m: print(m, file=sys.stderr, flush=True))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(table(rows))
    bad = sum(r.bad for r in rows.values())
    print(f"\n{sum(r.runs for r in rows.values())} runs in {time.perf_counter() - t0:.0f} s; "
          f"{'0 internal errors, crashes, silent answers, lost commits or failed next writes' if not bad else f'{bad} bad'}")
    for (fault, command), r in rows.items():
        for note in r.notes[:5]:
            print(f"  {fault} / {command}: {note}")
        for note in r.info:
            print(f"  {fault} / {command}: {note}")
    if args.json:
        args.json.write_text(json.dumps({f"{f} / {c}": vars(r) for (f, c), r in rows.items()}, ensure_ascii=False,
                                        indent=1), encoding="utf-8")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
