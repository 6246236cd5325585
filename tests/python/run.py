#!/usr/bin/env python3
"""Runs one test of tests/python in a guest (tests/guest/t_python.c calls it).

    run.py ID      run the test function ID (e.g. G5_allocate_pynq_snippet)
    run.py --list  every test id of the test_*.py files, one a line

A test is a function of a test_*.py file whose name is its id (the FEATURES
id first: G4_..., G5_...).  Output protocol of the C runner (ut.h): a
failure prints "UT-FAILMSG <file>:<line>: <what>" and the traceback and
exits 1; ut.skip(reason) prints "UT-SKIPMSG <reason>" and exits 77;
success exits 0.
"""

import ast
import importlib
import os
import re
import sys
import traceback
from typing import Callable, Dict

HERE = os.path.dirname(os.path.abspath(__file__))
ID = re.compile(r"^[A-Z][0-9]+_\w+$")


def tests() -> Dict[str, Callable[[], None]]:
    found: Dict[str, Callable[[], None]] = {}
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


def listed() -> list:
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


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if sys.argv[1] == "--list":
        for name in listed():
            print(name)
        return 0
    all_tests = tests()
    fn = all_tests.get(sys.argv[1])
    if fn is None:
        print(f"UT-FAILMSG run.py: no test {sys.argv[1]} in {HERE}/test_*.py", flush=True)
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


if __name__ == "__main__":
    sys.exit(main())
