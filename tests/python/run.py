#!/usr/bin/env python3
"""Runs the tests of tests/python in a guest (tests/guest/t_python.c calls it).

    run.py ID            run the test function ID (e.g. G5_allocate_pynq_snippet)
    run.py --list        every test id of the test_*.py files, one a line
    run.py --serve SOCK  a server of t_python.c: imports NumPy, the package and
                         the tests once, then for each connection on the Unix
                         socket SOCK forks a process that runs one test

A test is a function of a test_*.py file whose name is its id (the FEATURES
id first: G4_..., G5_...).  Output protocol of the C runner (ut.h): a
failure prints "UT-FAILMSG <file>:<line>: <what>" and the traceback and
exits 1; ut.skip(reason) prints "UT-SKIPMSG <reason>" and exits 77;
success exits 0.

The server saves the 2-3 s that importing NumPy takes in a TCG guest for
every test: a request is one message "ID\\nVAR=value ...\\n" carrying the
file descriptor that the test's output goes to (SCM_RIGHTS); the answer is
the test's exit status as a line (137: killed after TIMEOUT_S seconds).  The
server holds no file of the driver, so the runner unloads the module
between tests as usual.
"""

import ast
import atexit
import importlib
import os
import re
import signal
import socket
import sys
import time
import traceback
from typing import Callable, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
ID = re.compile(r"^[A-Z][0-9]+_\w+$")
TIMEOUT_S = 110  # below the C runner's alarm of 120 s


def tests() -> Dict[str, Callable[[], None]]:
    found: Dict[str, Callable[[], None]] = {}
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    for f in sorted(os.listdir(HERE)):
        if not (f.startswith("test_") and f.endswith(".py")):
            continue
        mod = importlib.import_module(f[:-3])
        for name, fn in vars(mod).items():
            if ID.match(name) and callable(fn) and getattr(fn, "__module__", "") == mod.__name__:
                if name in found:
                    raise SystemExit(f"test id {name} defined twice")
                found[name] = fn
    return found


def listed() -> List[str]:
    """The ids, read from the files without importing them (fast)."""
    ids = []
    for f in sorted(os.listdir(HERE)):
        if f.startswith("test_") and f.endswith(".py"):
            with open(os.path.join(HERE, f)) as src:
                tree = ast.parse(src.read(), f)
            ids += [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and ID.match(n.name)]
    if len(set(ids)) != len(ids):
        raise SystemExit("a test id is defined twice")
    return sorted(ids)


def run_one(all_tests: Dict[str, Callable[[], None]], test_id: str) -> int:
    """Run one test; its exit status."""
    fn = all_tests.get(test_id)
    if fn is None:
        print(f"UT-FAILMSG run.py: no test {test_id} in {HERE}/test_*.py", flush=True)
        return 1
    import ut

    try:
        fn()
    except ut.Skip as e:
        print(f"UT-SKIPMSG {e}", flush=True)
        return 77
    except BaseException as e:  # noqa: B902 - every failure is reported
        tb = traceback.extract_tb(e.__traceback__)
        # the innermost frame in a test file names the failing line
        where = next(
            (fr for fr in reversed(tb) if os.path.dirname(os.path.abspath(fr.filename)) == HERE and
             os.path.basename(fr.filename) != "ut.py"),
            tb[-1] if tb else None,
        )
        loc = f"{os.path.basename(where.filename)}:{where.lineno}" if where else "run.py"
        msg = str(e) if isinstance(e, AssertionError) and str(e) else f"{type(e).__name__}: {e}"
        print(f"UT-FAILMSG {loc}: {msg}", flush=True)
        traceback.print_exc(file=sys.stdout)
        sys.stdout.flush()
        return 1
    return 0


def serve_one(all_tests: Dict[str, Callable[[], None]], conn: socket.socket) -> None:
    msg, fds, _, _ = socket.recv_fds(conn, 4096, 1)
    lines = msg.decode().split("\n")
    if len(fds) != 1 or len(lines) < 2:
        for fd in fds:
            os.close(fd)
        conn.sendall(b"2\n")
        return
    test_id, env = lines[0], lines[1]
    pid = os.fork()
    if pid == 0:
        # the test's process: its output to the runner's pipe, a fresh
        # interpreter's exit (atexit handlers and finalizers run)
        conn.close()
        os.dup2(fds[0], 1)
        os.dup2(fds[0], 2)
        os.close(fds[0])
        os.chdir("/tmp")
        for item in env.split():
            k, _, v = item.partition("=")
            os.environ[k] = v
        rc = run_one(all_tests, test_id)
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc)
    os.close(fds[0])
    end = time.monotonic() + TIMEOUT_S
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            rc = os.waitstatus_to_exitcode(status)
            rc = rc if rc >= 0 else 128 - rc
            break
        if time.monotonic() > end:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            rc = 137
            break
        time.sleep(0.02)
    conn.sendall(f"{rc}\n".encode())


def serve(path: str) -> int:
    # a session of its own: the C runner kills the process group of the
    # test that started the server when that test ends; a server dying
    # that way still accepted the next test's connection, then reset it
    # (seen under a debug kernel's slow TCG)
    os.setsid()
    os.closerange(3, 1024)  # whatever the starting test had open
    all_tests = tests()  # NumPy, the package and the tests, once
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    tmp = f"{path}.{os.getpid()}"
    srv.bind(tmp)
    srv.listen(1)
    os.rename(tmp, path)  # clients connect only once it listens
    while True:
        conn, _ = srv.accept()
        with conn:
            try:
                serve_one(all_tests, conn)
            except OSError:
                pass  # the client went away (its alarm): take the next one


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        return serve(sys.argv[2])
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if sys.argv[1] == "--list":
        for name in listed():
            print(name)
        return 0
    return run_one(tests(), sys.argv[1])


if __name__ == "__main__":
    sys.exit(main())
