"""Helpers of the Python tests (run.py runs them; see tests/guest/t_python.c)."""

import os
import subprocess
import sys
from typing import Any, Callable, List, Optional, Sequence, Tuple, Type

CLASS_DIR = "/sys/class/u-dma-buf"
MGR = "/dev/u-dma-buf-mgr"
HELPER_KO = "/lib/modules/udmabuf-test-helper.ko"
HELPER_PTE = "/sys/kernel/debug/udmabuf-test/pte"
# what the C side compares with the arch_sync_dma_* calls it traced
EXPECT_FILE = "/tmp/udmabuf-py-expect"
TRACEFS = "/sys/kernel/tracing"


class Skip(Exception):
    """Raised by skip(): the test cannot run on this target."""


def skip(reason: str) -> None:
    raise Skip(reason)


def eq(seen: Any, expected: Any, what: str) -> None:
    if seen != expected:
        raise AssertionError(f"{what}: expected {expected!r}, saw {seen!r}")


def check(cond: Any, what: str) -> None:
    if not cond:
        raise AssertionError(f"expected {what}")


def raises(exc: Type[BaseException], fn: Callable[..., Any], *args: Any, errno: Optional[int] = None,
           what: str = "", **kwargs: Any) -> BaseException:
    """fn(*args, **kwargs) must raise exc (with that errno, if given)."""
    try:
        fn(*args, **kwargs)
    except exc as e:
        if errno is not None and getattr(e, "errno", None) != errno:
            raise AssertionError(f"{what or fn}: expected errno {errno}, saw {e!r}") from None
        return e
    raise AssertionError(f"{what or fn}: expected {exc.__name__}, nothing was raised")


def sysfs(name: str, attr: str) -> str:
    with open(f"{CLASS_DIR}/{name}/{attr}") as f:
        return f.read().strip()


def sysfs_int(name: str, attr: str) -> int:
    return int(sysfs(name, attr), 0)


def sysfs_write(name: str, attr: str, value: Any) -> None:
    with open(f"{CLASS_DIR}/{name}/{attr}", "w") as f:
        f.write(str(value))


def mgr(cmd: str) -> None:
    fd = os.open(MGR, os.O_WRONLY)
    try:
        os.write(fd, cmd.encode())
    finally:
        os.close(fd)


def mgr_list() -> List[str]:
    """The lines the manager shows (one per buffer)."""
    with open(MGR) as f:
        return sorted(line.strip() for line in f if line.strip())


def class_names() -> List[str]:
    return sorted(os.listdir(CLASS_DIR)) if os.path.isdir(CLASS_DIR) else []


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def maps_of(path: str) -> List[str]:
    """Lines of /proc/self/maps that map path (" (deleted)" once the node
    is gone)."""
    with open("/proc/self/maps") as f:
        return [line for line in f
                if line.rstrip().endswith(" " + path) or line.rstrip().endswith(f" {path} (deleted)")]


def arch() -> str:
    return os.uname().machine


def is_arm() -> bool:
    return arch() == "aarch64" or arch().startswith("armv")


def python(code: str, *args: str, timeout: int = 120) -> "subprocess.CompletedProcess[str]":
    """Run code in a new python3 (output captured)."""
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=timeout)


def command(args: Sequence[str], timeout: int = 120) -> "subprocess.CompletedProcess[str]":
    """Run python3 -m udmabuf ARGS (output captured)."""
    return subprocess.run([sys.executable, "-m", "udmabuf", *args], capture_output=True,
                          text=True, timeout=timeout)


def trace_start() -> None:
    """Empty the trace of the kprobes that t_python.c placed: what the test
    does from here on is what it expects (not the syncs of creating a
    buffer)."""
    check(os.path.exists(TRACEFS + "/events/udmabuf/enable"), "the kprobe events of t_python.c")
    with open(TRACEFS + "/trace", "w"):
        pass


def trace_stop() -> None:
    """Stop tracing (deleting buffers syncs too)."""
    with open(TRACEFS + "/events/udmabuf/enable", "w") as f:
        f.write("0")


def expect_syncs(calls: Sequence[Tuple[str, int, int, int]]) -> None:
    """For t_python.c: the arch_sync_dma_for_* calls the test caused, in
    order: ("cpu" | "dev", CPU physical address, size, direction)."""
    with open(EXPECT_FILE, "w") as f:
        for kind, paddr, size, direction in calls:
            f.write(f"{kind} 0x{paddr:x} {size} {direction}\n")


def pte(addr: int) -> Tuple[str, int]:
    """(memory kind, pfn) of the page-table entry that maps addr in this
    process (tests/kmod/udmabuf_test_helper.c); touch the page first."""
    if not os.path.exists(HELPER_PTE):
        subprocess.run(["insmod", HELPER_KO], check=False)
    check(os.path.exists(HELPER_PTE), f"{HELPER_PTE} after insmod {HELPER_KO}")
    fd = os.open(HELPER_PTE, os.O_RDWR)
    try:
        os.write(fd, b"0x%x" % addr)
        out = os.read(fd, 128).decode()
    finally:
        os.close(fd)
    words = out.split()
    check(len(words) == 4 and words[2] == "pfn", f"'<kind> 0x<pte> pfn 0x<pfn>' from {HELPER_PTE}, saw {out!r}")
    return words[0], int(words[3], 16)
