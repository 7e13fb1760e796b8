"""Serving with several processes: one listening socket, opened by a parent process and
shared by N forked workers, each a waitress server with its own threads and its own open
index (the passage files are memory-mapped, so the workers share their pages through the
page cache; each worker follows commits and rebuilds as a single server does).

The parent only supervises: it restarts a worker that dies (unless workers keep dying at
once, then it stops them all and fails), and on SIGTERM, SIGINT (Ctrl-C) or SIGHUP it
stops the workers (SIGTERM; waitress finishes the requests in hand) and waits for them,
killing any that has not exited after ``STOP_GRACE`` seconds. On Linux a worker also gets
SIGTERM when the parent dies without that chance (kill -9), so no worker outlives it.
"""
from __future__ import annotations

import ctypes
import errno
import logging
import os
import signal
import socket
import sys
import time
from typing import Callable

log = logging.getLogger("searchlib.web")

STOP_GRACE = 10.0          # seconds a worker has to finish after SIGTERM
RESPAWN_WINDOW = 10.0      # a worker that dies within this many seconds of its start ...
MAX_QUICK_DEATHS = 5       # ... this many times in a row stops the server


class ServeError(OSError):
    """The server could not start or its workers kept failing."""


def listening_socket(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """A bound, listening TCP socket for ``host``:``port`` (IPv4 or IPv6 as ``host`` says)."""
    infos = socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    last = None
    for family, kind, proto, _, addr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(addr)
            sock.listen(backlog)
            return sock
        except OSError as e:
            sock.close()
            last = e
    raise last or OSError(errno.EADDRNOTAVAIL, f"cannot resolve {host}")


def _die_with_parent() -> None:
    """Linux: SIGTERM to this process when its parent exits (PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)    # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def run_workers(sock: socket.socket, workers: int, serve_one: Callable[[socket.socket, int], None]) -> int:
    """Fork ``workers`` processes, each calling ``serve_one(sock, number)`` (numbers from
    1), supervise them until a stop signal, then stop them. Returns the exit status."""
    parent = os.getpid()
    children: dict[int, tuple[int, float]] = {}      # pid -> (worker number, start time)
    state = {"stopping": False, "quick_deaths": 0, "failed": False}

    def spawn(number: int) -> None:
        pid = os.fork()
        if pid == 0:                                  # the worker
            status = 0
            try:
                for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                    signal.signal(sig, signal.SIG_DFL)
                _die_with_parent()
                if os.getppid() != parent:            # the parent died before prctl took effect
                    os._exit(0)
                signal.signal(signal.SIGTERM, _exit_loop)
                signal.signal(signal.SIGINT, _exit_loop)
                serve_one(sock, number)
            except (SystemExit, KeyboardInterrupt):
                pass
            except BaseException:                     # noqa: BLE001 - a worker never returns into the parent's code
                log.exception("worker %d failed", number)
                status = 1
            finally:
                logging.shutdown()
                os._exit(status)
        children[pid] = (number, time.monotonic())

    def stop(signum, _frame) -> None:
        state["stopping"] = True
        for pid in list(children):
            _signal(pid, signal.SIGTERM)

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        for n in range(1, workers + 1):
            spawn(n)
        while children:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            if pid not in children:
                continue
            number, started = children.pop(pid)
            if state["stopping"]:
                continue
            quick = time.monotonic() - started < RESPAWN_WINDOW
            state["quick_deaths"] = state["quick_deaths"] + 1 if quick else 0
            log.warning("worker %d (pid %d) exited (%s); %s", number, pid, _describe(status),
                        "restarting it" if state["quick_deaths"] < MAX_QUICK_DEATHS else "stopping")
            if state["quick_deaths"] >= MAX_QUICK_DEATHS:
                state["failed"] = True
                stop(None, None)
                continue
            spawn(number)
    finally:
        _reap(children)
        for sig, handler in old.items():
            signal.signal(sig, handler)
        sock.close()
    return 1 if state["failed"] else 0


def _exit_loop(signum, _frame):
    raise SystemExit(0)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _reap(children: dict) -> None:
    """Wait for the workers still running (after SIGTERM), killing those that take longer
    than STOP_GRACE seconds."""
    deadline = time.monotonic() + STOP_GRACE
    for pid in list(children):
        _signal(pid, signal.SIGTERM)
    while children:
        for pid in list(children):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                children.pop(pid, None)
        if not children:
            break
        if time.monotonic() > deadline:
            for pid in list(children):
                _signal(pid, signal.SIGKILL)
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass
                children.pop(pid, None)
            break
        time.sleep(0.05)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"status {os.WEXITSTATUS(status)}"
