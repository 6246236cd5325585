"""G5: allocate() against the real module (t_python.c loads it without
buffers); every test checks that what it allocated is gone again."""

import atexit
import gc
import os
import signal
import subprocess
import sys

import numpy as np

from udmabuf import DmaBuffer, PynqBuffer, Udmabuf, allocate
from ut import (MGR, check, eq, expect_syncs, fd_count, maps_of, mgr_list, pte, raises, sysfs_int, trace_start,
                trace_stop)


USER_A = 1000
USER_B = 1001


def names() -> list:
    return [line.split()[0] for line in mgr_list()]


def phys_of(name: str) -> int:
    for line in mgr_list():
        w = line.split()
        if w[0] == name:
            return int(w[2], 0)
    raise AssertionError(f"expected {name} in the manager's list, saw {mgr_list()}")


def pte_kind_expected(cacheable: bool) -> str:
    if os.uname().machine == "aarch64":
        return "normal" if cacheable else "normal-nc"
    return "wb" if cacheable else "wc"  # x86_64: PAT


def G5_allocate_array_and_addresses() -> None:
    before = mgr_list()
    b = allocate(shape=(1024,), dtype=np.uint32)
    check(isinstance(b, DmaBuffer) and isinstance(b, np.ndarray), f"an ndarray subclass, saw {type(b)}")
    check(PynqBuffer is DmaBuffer, "PynqBuffer is DmaBuffer")
    eq((b.shape, b.dtype, b.nbytes), ((1024,), np.dtype("u4"), 4096), "shape, dtype and nbytes")
    name = b.buffer_name
    check(name.startswith(f"py-{os.getpid()}-"), f"a name of this process, saw {name}")
    eq(len(mgr_list()), len(before) + 1, "buffers in the manager's list")
    eq(b.device_address, phys_of(name), "device_address vs the manager's list")
    eq(b.physical_address, b.device_address, "physical_address (PYNQ) is device_address")
    eq(b.device_address, sysfs_int(name, "phys_addr"), "device_address vs sysfs phys_addr")
    eq(b.cpu_physical_address, sysfs_int(name, "cpu_phys_addr"), "cpu_physical_address vs sysfs")
    eq(sysfs_int(name, "size"), 4096, "sysfs size")
    eq((b.cacheable, b.coherent), (True, bool(sysfs_int(name, "dma_coherent"))), "cacheable, coherent")
    eq(int(b.sum()), 0, "a new buffer is zeroed")
    b[:] = np.arange(1024, dtype=np.uint32)
    kind, pfn = pte(b.virtual_address)
    eq(kind, pte_kind_expected(True), "memory kind of a cacheable buffer's mapping")
    eq(pfn * 4096, b.cpu_physical_address, "pfn of the mapping as an address")
    with Udmabuf(name) as u:
        check(u.read(16) == np.arange(4, dtype=np.uint32).tobytes(), "read() of the buffer's device file")
    m = allocate((4, 8), "i2")
    eq((m.shape, m.dtype, sysfs_int(m.buffer_name, "size")), ((4, 8), np.dtype("i2"), 64), "a 4x8 i2 buffer")
    m.freebuffer()
    b.freebuffer()
    eq(mgr_list(), before, "the manager's list after freebuffer()")
    check(not os.path.exists("/dev/" + name), f"/dev/{name} gone")
    b.freebuffer()  # twice: nothing
    raises(ValueError, b.flush, what="flush() after freebuffer()")
    raises(ValueError, allocate, 0, what="allocate(0)")
    raises(ValueError, allocate, (4, 0), what="allocate((4, 0))")
    raises(ValueError, allocate, 4, cacheable=False, sync_mode=5, what="cacheable=False with sync_mode=5")
    e = raises(OSError, allocate, 4, bogus_option=1, what="allocate with an unknown manager option")
    check("dmesg" in str(e), f"a hint where the reason is, saw {e}")
    eq(mgr_list(), before, "the manager's list after refused allocations")


def G5_allocate_pynq_snippet() -> None:
    before = mgr_list()
    # PYNQ-style code, as a notebook has it, with only the import changed
    code = """
import numpy as np
from udmabuf import allocate

input_buffer = allocate(shape=(5,), dtype=np.uint32)
output_buffer = allocate(shape=(5,), dtype=np.uint32)
for i in range(5):
    input_buffer[i] = i
input_buffer.flush()
print(input_buffer.buffer_name, output_buffer.buffer_name, hex(input_buffer.physical_address),
      hex(output_buffer.physical_address), flush=True)
input()                      # the "accelerator" runs here
output_buffer.invalidate()
print(list(output_buffer), flush=True)
input_buffer.freebuffer()
output_buffer.freebuffer()
with allocate(shape=(2, 3), dtype="u2", cacheable=False) as buf:
    buf[:] = 7
    buf.flush()
    print(int(buf.sum()), flush=True)
"""
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        pynq_accelerator(p)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    eq(mgr_list(), before, "the manager's list after the snippet")


def pynq_accelerator(p: "subprocess.Popen[str]") -> None:
    assert p.stdin is not None and p.stdout is not None
    first = p.stdout.readline().split()
    if len(first) != 4:
        p.kill()
        out, err = p.communicate()
        raise AssertionError(f"expected names and addresses from the snippet, saw {first} (stderr: {err})")
    src, dst = first[0], first[1]
    eq(int(first[2], 16), phys_of(src), "physical_address of input_buffer")
    eq(int(first[3], 16), phys_of(dst), "physical_address of output_buffer")
    eq(sysfs_int(src, "sync_owner"), 1, "input_buffer's owner after flush(): the device")
    # the accelerator: output = input * 3 + 1, through the buffers' files
    with Udmabuf(src) as i, Udmabuf(dst) as o:
        data = np.frombuffer(i.read(), dtype=np.uint32)
        o.write((data * 3 + 1).astype(np.uint32).tobytes())
        o.sync_for_device()
    p.stdin.write("\n")
    p.stdin.flush()
    out, err = p.communicate(timeout=60)
    eq(p.returncode, 0, f"exit status of the snippet (stderr: {err})")
    eq(out.splitlines(), ["[1, 4, 7, 10, 13]", "42"], "what the snippet printed")


def G5_allocate_flush_invalidate_owner() -> None:
    b = allocate((4096,), "u1")
    n = b.buffer_name
    b[:] = 1
    b.flush()
    eq(sysfs_int(n, "sync_owner"), 1, "owner after flush()")
    b.invalidate()
    eq(sysfs_int(n, "sync_owner"), 0, "owner after invalidate()")
    b.sync_to_device()
    eq(sysfs_int(n, "sync_owner"), 1, "owner after sync_to_device()")
    b.sync_from_device()
    eq(sysfs_int(n, "sync_owner"), 0, "owner after sync_from_device()")
    b[100:200].flush()
    eq(sysfs_int(n, "sync_owner"), 1, "owner after flush() of a slice")
    b.close()


def G5_allocate_views_keep_buffer() -> None:
    before = mgr_list()
    b = allocate((1024,), "u4")
    name = b.buffer_name
    base = b.device_address
    v = b[256:512]
    w = b.reshape(32, 32)[4]
    x = b[::-2]
    plain = np.asarray(b)
    check(isinstance(v, DmaBuffer) and isinstance(w, DmaBuffer), "slices are DmaBuffers")
    eq(v.device_address, base + 1024, "device_address of b[256:512]")
    eq(w.device_address, base + 4 * 32 * 4, "device_address of b.reshape(32, 32)[4]")
    eq(x.device_address, base + 4092, "device_address of b[::-2] (its first element)")
    eq(type(plain), np.ndarray, "np.asarray() of a DmaBuffer")
    c = b + 1
    eq(type(c), np.ndarray, "type of b + 1 (a computed result)")
    eq(type(b.sum()), np.uint64, "type of b.sum()")
    cp = b.copy()
    raises(ValueError, getattr, cp, "device_address", what="device_address of a copy")
    np.add(b, 1, out=b)
    eq(int(b[7]), 1, "np.add(b, 1, out=b) stores into the buffer")
    del b, c, cp
    gc.collect()
    check(name in names(), "the buffer lives while views of it do")
    v[:] = 7
    v.flush()
    eq(sysfs_int(name, "sync_owner"), 1, "a view's flush() reaches the buffer")
    del v, w
    gc.collect()
    check(name in names(), "the buffer lives while b[::-2] and np.asarray(b) do")
    del x
    gc.collect()
    check(name in names(), "the buffer lives while a plain ndarray view does")
    eq(int(plain[300]), 7, "what the slice stored, seen by np.asarray(b)")
    del plain
    gc.collect()
    eq(mgr_list(), before, "the manager's list once the last view is gone")
    eq(maps_of("/dev/" + name), [], "no mapping left")


def G5_allocate_free_paths() -> None:
    before = mgr_list()
    n0 = fd_count()
    with allocate(100, "f8") as buf:
        name = buf.buffer_name
        check(name in names(), "the buffer inside the with block")
    check(name not in names(), "the buffer after the with block")
    del buf  # its mapping (and CPython's descriptor of it) goes with it
    b = allocate(100, "f8")
    name = b.buffer_name
    b.close()
    check(name not in names(), "the buffer after close()")
    b = allocate(100, "f8")
    name = b.buffer_name
    del b
    check(name not in names(), "the buffer after del (the last reference)")
    # freebuffer() with a view left: the name goes now, the memory with the view
    b = allocate(1000, "u1")
    name = b.buffer_name
    v = b[10:20]
    b.freebuffer()
    check(name not in names(), "the buffer after freebuffer() with a view left")
    check(maps_of("/dev/" + name), "the view's mapping still there")
    v[:] = 5
    eq(int(v.sum()), 50, "the view's memory still usable")
    raises(ValueError, v.flush, what="flush() of a view of a freed buffer")
    del b, v
    gc.collect()
    eq(maps_of("/dev/" + name), [], "no mapping once the view is gone")
    eq(mgr_list(), before, "the manager's list")
    eq(fd_count(), n0 + 1, "open files: the manager file of this process only")


def G5_allocate_noncacheable() -> None:
    before = mgr_list()
    b = allocate((1024,), "u4", cacheable=False)
    name = b.buffer_name
    eq(b.cacheable, False, "cacheable")
    eq(sysfs_int(name, "sync_mode"), 2, "sync_mode of cacheable=False (write-combine)")
    b.fill(0x11)  # memset: DC ZVA on arm64, fine on Normal-NC, a fault on Device memory
    b[1::2] = np.arange(512, dtype=np.uint32)
    kind, pfn = pte(b.virtual_address)
    eq(kind, pte_kind_expected(False), "memory kind of a cacheable=False mapping")
    eq(pfn * 4096, b.cpu_physical_address, "pfn of the mapping as an address")
    b.flush()
    eq(sysfs_int(name, "sync_owner"), 1, "owner after flush()")
    with Udmabuf(name) as u:
        got = np.frombuffer(u.read(), dtype=np.uint32)
    check(np.array_equal(got[0::2], np.full(512, 0x11, np.uint32)) and np.array_equal(got[1::2], np.arange(512)),
          "read() shows NumPy's stores")
    b.invalidate()
    eq(sysfs_int(name, "sync_owner"), 0, "owner after invalidate()")
    b.freebuffer()
    eq(mgr_list(), before, "the manager's list")


def G5_allocate_cycles_no_leak() -> None:
    # t_python.c measures free memory around this run (UDMABUF_TEST_CYCLES)
    cycles = int(os.environ.get("UDMABUF_TEST_CYCLES", "1000"))
    before = mgr_list()
    allocate(1).freebuffer()  # opens the manager file of this process
    n0 = fd_count()
    for i in range(cycles):
        b = allocate((4096,), "u4", cacheable=(i % 4 != 3))
        b[:] = i
        b.flush()
        b.invalidate()
        how = i % 4
        if how == 0:
            b.freebuffer()
        elif how == 1:
            with b:
                pass
        elif how == 2:
            v = b[1:3]
            del b
            eq(int(v[0]), i, "a view of the buffer")
            del v
        else:
            del b
        if i % 100 == 99:
            eq(mgr_list(), before, f"the manager's list after {i + 1} cycles")
            eq(fd_count(), n0, f"open files after {i + 1} cycles")
    gc.collect()
    eq(mgr_list(), before, f"the manager's list after {cycles} cycles")
    eq(fd_count(), n0, "open files after the cycles")
    with open("/proc/self/maps") as f:
        left = [line for line in f if "/dev/py-" in line]
    eq(left, [], "mappings of buffers left")


def G5_allocate_exit_deletes() -> None:
    before = mgr_list()
    code = """
from udmabuf import allocate
keep = allocate(4096)
bufs = [allocate(100, "u1") for _ in range(3)]
view = bufs[0][:10]
print(keep.buffer_name, flush=True)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    eq(r.returncode, 0, f"exit status of a program that frees nothing (stderr {r.stderr})")
    check(r.stdout.startswith("py-"), f"its buffer's name, saw {r.stdout!r}")
    eq(mgr_list(), before, "the manager's list after it exited")


def G5_allocate_fork() -> None:
    before = mgr_list()
    b = allocate(256, "u1")
    name = b.buffer_name
    pid = os.fork()
    if pid == 0:
        # the child allocates one of its own, then exits as Python does
        try:
            c = allocate(256, "u1")
            ok = c.buffer_name.startswith(f"py-{os.getpid()}-") and c.buffer_name in names()
            atexit._run_exitfuncs()
            os._exit(0 if ok else 3)
        except BaseException:
            os._exit(4)
    _, status = os.waitpid(pid, 0)
    eq(os.waitstatus_to_exitcode(status), 0, "the child's status (it allocated a buffer of its own)")
    check(name in names(), "the parent's buffer after the child's exit")
    eq(len(mgr_list()), len(before) + 1, "only the parent's buffer left")
    b[:] = 3
    b.flush()
    b.freebuffer()
    eq(mgr_list(), before, "the manager's list")


def G5_allocate_sync_calls_traced() -> None:
    # run by t_python.c with kprobes on arch_sync_dma_for_cpu/_for_device
    b = allocate((4096,), "u4")
    nc = allocate((1024,), "u4", cacheable=False)
    p = b.cpu_physical_address
    exp = []
    trace_start()
    b.flush()
    exp.append(("dev", p, 16384, 1))
    b[1024:2048].invalidate()
    exp.append(("cpu", p + 4096, 4096, 2))
    b[10:11].flush()  # 4 bytes: rounded up to 16
    exp.append(("dev", p + 40, 16, 1))
    b.reshape(64, 64)[:, 3].sync_from_device()  # a column: its whole extent
    exp.append(("cpu", p + 12, (63 * 256 + 4 + 15) & ~15, 2))
    nc[:] = 1
    nc.flush()  # the kernel's cacheable alias is cleaned, with a barrier
    exp.append(("dev", nc.cpu_physical_address, 4096, 1))
    trace_stop()
    expect_syncs(exp)
    b.freebuffer()
    nc.freebuffer()


def G5_allocate_process_death() -> None:
    # a process killed with its buffers: the driver deletes them (auto-delete=1
    # on the process's manager file); a mapping elsewhere keeps the memory
    before = mgr_list()
    code = """
import udmabuf.buffer
from udmabuf import allocate
bufs = [allocate(4096, "u1") for _ in range(3)]
bufs[0][:] = 9
view = bufs[1][10:20]
print(udmabuf.buffer._auto_delete, " ".join(b.buffer_name for b in bufs), flush=True)
input()
"""
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout is not None
        words = p.stdout.readline().split()
        eq(words[:1], ["True"], "allocate() used auto-delete=1")
        bufs = words[1:]
        eq(len(bufs), 3, "the names of its buffers")
        check(all(n in names() for n in bufs), "its buffers in the manager's list")
        with Udmabuf(bufs[0]) as u:
            a = u.memmap(np.uint8, shape=(4096,))
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    eq(mgr_list(), before, "the manager's list after the process was killed")
    check(not any(os.path.exists("/dev/" + n) for n in bufs), "their /dev nodes gone")
    eq(int(a.sum()), 9 * 4096, "the memory still mapped here, with the data")
    del a
    gc.collect()


def G5_allocate_without_auto_delete() -> None:
    # a driver that refuses auto-delete=1 (older releases): plain buffers,
    # deleted on free and at interpreter exit
    before = mgr_list()
    code = """
import errno
import udmabuf.buffer
import udmabuf.manager

real = udmabuf.manager.Manager.create


def create(self, name, size, *, auto_delete=False, **options):
    if auto_delete:
        raise OSError(errno.EINVAL, "unknown option")
    real(self, name, size, **options)


udmabuf.manager.Manager.create = create
from udmabuf import allocate
keep = allocate(4096)
view = allocate(64)[1:3]
freed = allocate(16)
name = freed.buffer_name
freed.freebuffer()
print(udmabuf.buffer._auto_delete, name in open("/dev/u-dma-buf-mgr").read(), flush=True)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    eq((r.returncode, r.stdout.split()), (0, ["False", "False"]),
       f"status and output of the program (stderr {r.stderr!r}): no auto-delete, freebuffer() deleted")
    eq(mgr_list(), before, "the manager's list after it exited")


def G5_allocate_non_root() -> None:
    # a group may use the manager; a buffer belongs to its creator
    st0 = os.stat(MGR)
    os.chown(MGR, 0, USER_A)
    os.chmod(MGR, 0o660)
    before = mgr_list()
    code = """
import os
import numpy as np
from udmabuf import allocate
b = allocate(1024, "u4")
c = allocate(64, "u1", mode="0660")
b[:] = 5
b.flush()
u = b.udmabuf
u.sync_mode = 0            # sysfs: its attributes belong to the creator too
u.sync_mode = 3
print(b.buffer_name, c.buffer_name, u.sync_mode, flush=True)
input()
"""
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, user=USER_A, group=USER_A, extra_groups=[])
    try:
        assert p.stdout is not None and p.stdin is not None
        words = p.stdout.readline().split()
        if len(words) != 3:
            p.kill()
            raise AssertionError(f"expected two names and a mode from uid {USER_A}, saw {words} "
                                 f"({p.communicate()[1]})")
        b, c, mode = words
        eq(mode, "3", "sync_mode set by the creator")
        sb, sc = os.stat("/dev/" + b), os.stat("/dev/" + c)
        eq((sb.st_uid, sb.st_gid, sb.st_mode & 0o777), (USER_A, USER_A, 0o600), f"owner and mode of /dev/{b}")
        eq((sc.st_uid, sc.st_gid, sc.st_mode & 0o777), (USER_A, USER_A, 0o660), f"owner and mode of /dev/{c}")
        other = f"""
import errno, sys
from udmabuf import Manager, Udmabuf
try:
    Udmabuf("{b}")
    sys.exit(10)
except PermissionError:
    pass
with Udmabuf("{c}") as u:       # mode 0660, and this user is in the group
    u.read(4)
try:
    Manager().delete("{c}")
    sys.exit(11)
except PermissionError as e:
    assert e.errno == errno.EPERM, e
"""
        r = subprocess.run([sys.executable, "-c", other], capture_output=True, text=True, timeout=60,
                           user=USER_B, group=USER_A, extra_groups=[])
        eq(r.returncode, 0, f"uid {USER_B}: no access to {b}, access to {c}, no delete (stderr {r.stderr!r})")
        r = subprocess.run([sys.executable, "-m", "udmabuf", "info", b], capture_output=True, text=True,
                           timeout=60, user=USER_B, group=USER_A, extra_groups=[])
        check(r.returncode == 5 and f"belongs to uid {USER_A}" in r.stderr,
              f"info {b} as uid {USER_B}: exit status 5 naming the owner, saw {r.returncode} {r.stderr!r}")
        p.stdin.write("\n")
        p.stdin.flush()
        eq(p.wait(timeout=60), 0, "exit status of the creator")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.chown(MGR, st0.st_uid, st0.st_gid)
        os.chmod(MGR, st0.st_mode & 0o777)
    eq(mgr_list(), before, "the manager's list after the creator exited")
