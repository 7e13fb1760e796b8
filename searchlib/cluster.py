"""Ray: builds whose files are read and analysed as tasks spread over a cluster, and search
served by one actor per shard replica. Optional: ``pip install 'searchlib[cluster]'``.

* **Build** (``ray_analyser``): the files are cut into chunks, each analysed by a Ray task
  (``pipeline``'s reading, metadata, structure, figures and tokenising: the work of a build)
  with ``max_retries`` (a task whose worker dies is run again elsewhere); the results come
  back in corpus order to the process that runs the build, which writes the shards exactly as
  a local build does (one Whoosh writer per shard; duplicates found in corpus order; the same
  progress, skip reasons and build report). Nothing is swapped in before every shard has
  been written and checked, so a failure leaves the previous index, and each of its
  committed shards, as it was. The files must be readable at the same path on every machine
  (a shared file system), as must the index on the machines that serve it.
* **Search** (``serve_shards``): one actor per replica of each shard holds the shard open
  (``shard_search.ShardSearcher``); a ``RayShard`` client per shard sends each call to one
  replica in turn and, when that replica fails, to the next (Ray restarts the failed actor:
  ``max_restarts``); with no replica left the shard is unavailable and the router answers
  without it (``result.missing_shards``). The router (``shard_search.ShardedSearcher``) runs
  in the web server's process, behind the same app and HTTP API.

Addresses: ``"local"`` starts a Ray instance for this process (``ray.init()``); ``"auto"``
joins the cluster this machine belongs to; ``"ray://HOST:10001"`` connects to a cluster's
client server.
"""
from __future__ import annotations

import itertools
import os
import threading
import time
from pathlib import Path
from typing import Optional

from .errors import SearchlibError
from .models import SkippedFile

CHUNK = 16              # files per analysis task
IN_FLIGHT = 4           # chunks per CPU of the cluster submitted ahead of the writer
TASK_RETRIES = 3        # a task whose worker died is run again this many times
CALL_TIMEOUT = 60.0     # seconds a replica may take to answer a call
# fault injection for the tests: the first analysis task to see this path (a file that does
# not exist yet) creates it and kills its worker, so that the build must retry the task
CRASH_ONCE = "SEARCHLIB_RAY_CRASH_ONCE"


class ClusterError(SearchlibError):
    """Ray is missing, or the cluster cannot be reached or failed a job."""


def _ray():
    try:
        import ray
    except ImportError:
        raise ClusterError("Ray is not installed: pip install 'searchlib[cluster]' (or pip install ray)") from None
    return ray


def connect(address: Optional[str] = "local"):
    """Ray, initialised: the instance this process already uses, else a new local one
    (``"local"``/None) or the cluster at ``address`` (``"auto"``, ``"ray://HOST:PORT"``)."""
    ray = _ray()
    if ray.is_initialized():
        return ray
    try:
        if address in (None, "", "local"):
            ray.init(include_dashboard=False, logging_level="WARNING", log_to_driver=False)
        else:
            ray.init(address=address, logging_level="WARNING", log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as e:
        raise ClusterError(f"cannot connect to the Ray cluster at {address}: {e}") from None
    return ray


# ============================================================================ distributed build

def _analyse_chunk(jobs: list, tokenise: bool) -> list:
    """Analyse a chunk of files (in a Ray worker): what ``pipeline.analyse_files`` yields."""
    from .analysis import get_segmenter
    from .pipeline import _analyse_job
    marker = os.environ.get(CRASH_ONCE)
    if marker:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pass
        else:
            os.close(fd)
            os._exit(1)               # the worker dies: Ray runs the task again
    if tokenise and len(jobs) > 1:
        get_segmenter(full=True)
    return [_analyse_job((Path(p), Path(r), tokenise)) for p, r in jobs]


def ray_analyser(address: Optional[str] = "local", chunk: int = CHUNK):
    """An ``analyse(jobs, procs, tokenise)`` for ``indexing.build_index``/``update_index``
    that runs the analysis as Ray tasks and yields the results in corpus order."""
    ray = connect(address)
    task = ray.remote(max_retries=TASK_RETRIES, retry_exceptions=False)(_analyse_chunk)

    def analyse(jobs, procs=None, tokenise=False):
        jobs = [(str(p), str(r)) for p, r in jobs]
        chunks = [jobs[i:i + chunk] for i in range(0, len(jobs), chunk)]
        try:
            cpus = int(ray.cluster_resources().get("CPU", 1))
        except Exception:
            cpus = 1
        ahead = max(2, IN_FLIGHT * cpus)
        refs: dict = {}
        nxt = 0
        for i, part in enumerate(chunks):
            while nxt < len(chunks) and nxt < i + ahead:      # a bounded number ahead of the writer
                refs[nxt] = task.remote(chunks[nxt], tokenise)
                nxt += 1
            ref = refs.pop(i)
            try:
                results = ray.get(ref)
            except ray.exceptions.RayError as e:
                # the task failed every retry: its files are reported, the build goes on
                why = f"analysis task failed on the cluster after {TASK_RETRIES} retries ({type(e).__name__})"
                results = [SkippedFile(str(p), why) for p, _ in part]
            yield from results

    return analyse


# ============================================================================ distributed search

class _ShardActor:
    """A replica of one shard, held open in a Ray actor (``ShardSearcher`` behind ``call``)."""

    def __init__(self, path: str, shard: int):
        from .shard_search import ShardSearcher
        self.shard = shard
        self.searcher = ShardSearcher(path, shard=shard)
        # direct connections' calls run beside the actor's ordinary calls: one at a time
        self._lock = threading.Lock()

    def call(self, method: str, *args):
        with self._lock:
            return getattr(self.searcher, method)(*args)

    def endpoint(self, key: bytes) -> tuple:
        """(host, port) of this replica's direct connection (``RayFanout``), opened on first
        ask; a router connects with ``key``."""
        if getattr(self, "_listener", None) is None:
            from multiprocessing.connection import Listener
            import ray
            self._listener = Listener((ray.util.get_node_ip_address(), 0), authkey=key)
            threading.Thread(target=self._accept, name="searchlib-accept", daemon=True).start()
        return self._listener.address

    def _accept(self) -> None:
        while True:
            try:
                conn = self._listener.accept()
            except Exception:          # a client that failed the key
                continue
            threading.Thread(target=_serve_connection, args=(conn, self), daemon=True).start()

    def ready(self) -> bool:
        return True


class RayShard:
    """The client of one shard's replicas (``shard_search.LocalShard``'s interface): a call
    goes to the replicas in turn; a replica that fails passes it to the next."""

    text_batch = 16        # candidates' texts read at once (near-copy detection)

    @property
    def hits_ahead(self) -> bool:
        """Whether a shard builds its best candidates' hits while it ranks, saving the router
        the round trip of a "fetch" call: with ordinary actor calls (~0.6 ms each), not over
        direct connections, where a round trip is cheaper than the hits (shards × limit) that
        the merge mostly drops. (Their texts, cheap to read, come with the ranking either way.)"""
        return self.group is None

    def __init__(self, shard: int, actors: list):
        self.shard = shard
        self.actors = actors
        self.group: Optional[RayFanout] = None     # the direct connections all shards share, if any
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def _order(self) -> list[int]:
        with self._lock:
            first = next(self._turn) % len(self.actors)
        return [(first + i) % len(self.actors) for i in range(len(self.actors))]

    def submit(self, method: str, *args):
        order = self._order()
        return [method, args, order, self.actors[order[0]].call.remote(method, *args)]

    def result(self, handle):
        ray = _ray()
        method, args, order, ref = handle
        last = None
        for j, replica in enumerate(order):
            if j:
                ref = self.actors[replica].call.remote(method, *args)
            try:
                return ray.get(ref, timeout=CALL_TIMEOUT)
            except ray.exceptions.RayTaskError as e:
                cause = getattr(e, "cause", None)
                if isinstance(cause, SearchlibError):
                    raise cause from None
                raise
            except (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError,
                    ray.exceptions.GetTimeoutError) as e:
                last = e                      # this replica is gone or restarting: the next one
        from .shard_search import ShardUnavailable
        raise ShardUnavailable(self.shard, f"no replica answered: {type(last).__name__}")

    def broadcast(self, method: str, *args) -> None:
        ray = _ray()
        refs = [a.call.remote(method, *args) for a in self.actors]
        done = 0
        for ref in refs:
            try:
                ray.get(ref, timeout=CALL_TIMEOUT)
                done += 1
            except (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError,
                    ray.exceptions.GetTimeoutError):
                pass
        if not done:
            from .shard_search import ShardUnavailable
            raise ShardUnavailable(self.shard, "no replica answered")

    def close(self) -> None:
        ray = _ray()
        if self.group is not None:
            self.group.close()
        for a in self.actors:
            try:
                ray.kill(a)
            except Exception:
                pass


class RayFanout:
    """The router's fan-outs over direct connections to the shard actors. Ray places,
    restarts and addresses the actors; the calls of a search travel over a connection that
    each actor serves in a thread (``multiprocessing.connection``: pickled messages on a
    connection authenticated by a key the router hands each actor through Ray), so that a
    fan-out costs a few hundred microseconds where ordinary actor calls cost ~0.6 ms each,
    and an idle server uses no CPU (Ray's compiled graphs, tried first, poll: about half a
    core per idle actor). One set of connections per replica column (the r-th replica of
    every shard); calls go to the columns in turn. A column whose connection fails (a replica
    died or timed out) is set aside at once: the call goes to the next column, or ``fan``
    returns None and the router makes ordinary actor calls, with their replica failover; a
    thread waits for the column's replicas to answer again (Ray restarts them) and connects
    anew."""

    repair_wait = 120.0      # seconds a column's replicas may take to come back

    def __init__(self, clients: list):
        self.clients = clients
        self.columns = min(len(c.actors) for c in clients)
        self._key = os.urandom(32)
        self._conns: list = [None] * self.columns       # per column: a connection per shard
        self._locks = [threading.Lock() for _ in range(self.columns)]
        self._turn = itertools.count()
        self._closed = False
        self.failures = 0        # calls that failed on a column and went elsewhere

    def _connect(self, r: int) -> list:
        from multiprocessing.connection import Client
        ray = _ray()
        addresses = ray.get([c.actors[r].endpoint.remote(self._key) for c in self.clients], timeout=CALL_TIMEOUT)
        conns = []
        try:
            for address in addresses:
                conn = Client(tuple(address), authkey=self._key)
                _no_delay(conn)
                conns.append(conn)
        except Exception:
            _close_all(conns)
            raise
        return conns

    def start(self) -> None:
        """Connect every column now (a column that cannot be reached uses ordinary calls)."""
        for r in range(self.columns):
            try:
                self._conns[r] = self._connect(r)
            except Exception:
                self._conns[r] = None

    def fan(self, method: str, args_by_shard: dict) -> Optional[dict]:
        """{shard: answer} of ``method`` called on each shard of ``args_by_shard``, or None
        when no column can take the call (the caller makes ordinary actor calls)."""
        first = next(self._turn)
        order = [(first + i) % self.columns for i in range(self.columns)]
        for blocking in (False, True):
            for r in order:
                if self._conns[r] is None or not self._locks[r].acquire(blocking=blocking):
                    continue
                try:
                    out = self._call(r, method, args_by_shard)
                finally:
                    self._locks[r].release()
                if out is not None:
                    for answer in out.values():
                        if isinstance(answer, _Raised):
                            raise answer.error
                    return out
        return None

    def _call(self, r: int, method: str, args_by_shard: dict) -> Optional[dict]:
        """The answers of column ``r`` (its lock held), or None when it failed (set aside)."""
        conns = self._conns[r]
        if conns is None:
            return None
        try:
            for k, args in args_by_shard.items():
                conns[k].send((method, tuple(args)))
            out = {}
            for k in args_by_shard:
                if not conns[k].poll(CALL_TIMEOUT):
                    raise TimeoutError(f"shard {k} did not answer in {CALL_TIMEOUT:.0f} s")
                out[k] = conns[k].recv()
            return out
        except Exception:
            self.failures += 1
            self._conns[r] = None
            _close_all(conns)
            self._repair(r)
            return None

    def _repair(self, r: int) -> None:
        def work():
            deadline = time.monotonic() + self.repair_wait
            while not self._closed and time.monotonic() < deadline:
                try:
                    conns = self._connect(r)
                except Exception:
                    time.sleep(0.5)
                    continue
                with self._locks[r]:
                    if self._closed:
                        _close_all(conns)
                    else:
                        self._conns[r] = conns
                return
        threading.Thread(target=work, name=f"searchlib-reconnect-{r}", daemon=True).start()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for r in range(self.columns):
            with self._locks[r]:
                conns, self._conns[r] = self._conns[r], None
            _close_all(conns or [])


class _Raised:
    """An exception a shard raised, sent back over its connection."""

    def __init__(self, error: BaseException):
        self.error = error


def _serve_connection(conn, actor: "_ShardActor") -> None:
    """An actor's side of one router connection: calls in, answers out, until it closes."""
    _no_delay(conn)
    try:
        while True:
            method, args = conn.recv()
            try:
                answer = actor.call(method, *args)
            except Exception as e:             # the router raises it as an ordinary call would
                answer = _Raised(e)
            try:
                conn.send(answer)
            except (EOFError, OSError):
                raise
            except Exception as e:             # an answer that cannot be pickled
                conn.send(_Raised(SearchlibError(f"the shard's answer could not be sent: {e}")))
    except (EOFError, OSError):
        pass
    finally:
        conn.close()


def _no_delay(conn) -> None:
    """No Nagle delay on a connection's socket (a large message is sent as header, then body)."""
    import socket
    try:
        sock = socket.socket(fileno=os.dup(conn.fileno()))
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        finally:
            sock.close()
    except OSError:
        pass


def _close_all(conns) -> None:
    for conn in conns:
        try:
            conn.close()
        except Exception:
            pass


def serve_shards(index_dir, address: Optional[str] = "local", replicas: int = 1,
                 max_restarts: int = -1, direct: bool = True) -> list[RayShard]:
    """Start ``replicas`` actors for each shard of the sharded index at ``index_dir`` (each
    opens its shard; spread over the cluster by Ray) and return a client per shard, for
    ``api.ShardedIndex(index_dir, clients=...)``. A failed actor is restarted by Ray
    (``max_restarts``, -1: always). ``direct``: the router's fan-outs go over direct
    connections to the actors (``RayFanout``) while they work, else each call is an ordinary
    actor call."""
    from .shards import is_sharded, read_layout
    from .storage import check_index
    index_dir = Path(index_dir).resolve()
    if not is_sharded(index_dir):
        raise ClusterError(f"{index_dir} is not a sharded index: build it with --shards N to serve it on Ray")
    check_index(index_dir)
    if not 1 <= int(replicas) <= 64:
        raise ClusterError(f"replicas must be between 1 and 64, not {replicas}")
    ray = connect(address)
    actor = ray.remote(num_cpus=0, max_restarts=max_restarts, max_task_retries=0)(_ShardActor)
    layout = read_layout(index_dir)
    clients = [RayShard(k, [actor.remote(str(p), k) for _ in range(int(replicas))])
               for k, p in enumerate(layout.shard_paths)]
    try:
        ray.get([a.ready.remote() for c in clients for a in c.actors], timeout=120)
    except ray.exceptions.RayError as e:
        raise ClusterError(f"the shard actors did not start: {e}") from None
    if direct:
        group = RayFanout(clients)
        group.start()
        for c in clients:
            c.group = group
    return clients


def open_on_ray(index_dir, address: Optional[str] = "local", replicas: int = 1, synonyms=None):
    """The sharded index at ``index_dir`` searched through Ray actors (``serve_shards``)."""
    from .api import ShardedIndex
    return ShardedIndex(index_dir, synonyms=synonyms, clients=serve_shards(index_dir, address, replicas))
