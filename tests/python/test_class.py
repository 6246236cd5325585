"""G4: the Udmabuf class against the real module (buffer udmabuf0 of
1 MiB, loaded by t_python.c), and python3 -m udmabuf."""

import errno
import gc
import json
import os
import subprocess

import numpy as np

import udmabuf
import udmabuf.core
from udmabuf import Direction, Udmabuf
from ut import (check, class_names, command, eq, expect_syncs, fd_count, maps_of,
                mgr, pte, raises, sysfs, sysfs_int, sysfs_write, trace_start, trace_stop)

DEV = "udmabuf0"
SIZE = 0x100000


def G4_class_open_and_addresses() -> None:
    u = Udmabuf(DEV)
    eq(u.interface, "ioctl", "interface found at open")
    eq((u.name, u.device_name, u.class_path), (DEV, "/dev/" + DEV, "/sys/class/u-dma-buf/" + DEV),
       "names")
    eq(u.buf_size, SIZE, "buf_size (ioctl 2)")
    eq(u.size, sysfs_int(DEV, "size"), "size vs sysfs size")
    eq(u.phys_addr, sysfs_int(DEV, "phys_addr"), "phys_addr (ioctl 3) vs sysfs phys_addr")
    eq(u.dma_addr, u.phys_addr, "dma_addr")
    eq(u.cpu_phys_addr, sysfs_int(DEV, "cpu_phys_addr"), "cpu_phys_addr (ioctl 11) vs sysfs")
    eq(u.dma_coherent, bool(sysfs_int(DEV, "dma_coherent")), "dma_coherent (ioctl 7) vs sysfs")
    eq(u.driver_version, sysfs(DEV, "driver_version"), "driver_version (ioctl 1) vs sysfs")
    check("udmabuf0" in repr(u), f"the name in repr(), saw {u!r}")
    # the mapping really is that memory: the pfn the kernel installed
    a = u.memmap(np.uint8)
    eq(a.shape, (SIZE,), "shape of memmap() without one")
    a[0] = 1
    a[SIZE - 1] = 2
    for off in (0, SIZE - 4096):
        kind, pfn = pte(a.ctypes.data + off)
        eq(pfn * 4096, u.cpu_phys_addr + off, f"pfn of the mapping at offset {off:#x} as an address")
    # by path too
    with Udmabuf("/dev/" + DEV) as v:
        eq((v.name, v.buf_size, v.phys_addr), (DEV, u.buf_size, u.phys_addr), "opened by path")
    e = raises(FileNotFoundError, Udmabuf, "nosuch", what="Udmabuf('nosuch')")
    check("no u-dma-buf buffer 'nosuch'" in str(e), f"a message naming the buffer, saw {e}")
    raises(ValueError, Udmabuf, DEV, interface="other")
    u.close()


def _seed_test_1(a: np.ndarray) -> None:
    for _ in range(0, 9):
        a *= 0
        a += 0x31


def G4_class_numpy_roundtrip_read() -> None:
    u = Udmabuf(DEV)
    a = u.memmap(np.uint32)
    check(isinstance(a, np.memmap) and u.array is a, "memmap() returns a numpy.memmap kept as .array")
    eq((a.shape, u.item_size), ((SIZE // 4,), 4), "shape and item_size")
    pattern = (np.arange(SIZE // 4, dtype=np.uint64) * 2654435761 % (1 << 32)).astype(np.uint32)
    a[:] = pattern
    a.flush()  # msync: a sync for the device
    eq(u.sync_owner, 1, "sync_owner after memmap.flush() (msync)")
    data = u.read()
    eq(len(data), SIZE, "bytes read()")
    check(np.array_equal(np.frombuffer(data, dtype=np.uint32), pattern),
          "read() returns what NumPy stored through the mapping")
    with open("/dev/" + DEV, "rb") as f:
        f.seek(4096)
        check(f.read(64) == pattern[1024:1040].tobytes(), "a plain read() of the device file at 4096")
    # write() -> the mapping
    other = np.full(2048, 0xA5A55A5A, dtype=np.uint32)
    eq(u.write(other.tobytes(), 8192), other.nbytes, "bytes written by write()")
    u.sync_for_cpu()
    check(np.array_equal(a[2048:4096], other), "the mapping shows what write() wrote")
    # a window, and an O_SYNC mapping of the same memory
    w = u.memmap(np.uint16, shape=(16, 64), offset=8192, o_sync=True)
    check(np.array_equal(w.reshape(-1).view(np.uint32), other[:512]), "an O_SYNC window at offset 8192")
    w[0, 0] = 0x1234
    eq(int(a[2048]) & 0xFFFF, 0x1234, "a store through the O_SYNC window seen by the first mapping")
    # the seeds' example program (udmabuf_test.py), in Python 3
    b = u.memmap(dtype=np.uint8, shape=(u.buf_size // np.dtype(np.uint8).itemsize,))
    comparison = np.zeros(u.buf_size, dtype=np.uint8)
    _seed_test_1(u.array)
    _seed_test_1(comparison)
    check(np.array_equal(u.array, comparison), "udmabuf0 == comparison (the seeds' check)")
    check(b is u.array, "array is the last memmap()")
    b.flush()
    check(u.read() == b"\x31" * SIZE, "read() after the seeds' program: 0x31 everywhere")
    u.close()


def G4_class_seed_api() -> None:
    u = Udmabuf(DEV)
    eq((u.sync_offset, u.sync_size, u.sync_direction), (None, None, None), "sync_* before set_sync_area")
    eq(u.get_value("size"), SIZE, "get_value('size')")
    eq(u.get_value("phys_addr", 16), u.phys_addr, "get_value('phys_addr', 16)")
    u.set_sync_to_device(offset=4096, size=8192)
    eq((sysfs_int(DEV, "sync_offset"), sysfs_int(DEV, "sync_size"), sysfs_int(DEV, "sync_direction")),
       (4096, 8192, 1), "sysfs after set_sync_to_device(4096, 8192)")
    eq((u.sync_offset, u.sync_size, u.sync_direction), (4096, 8192, 1), "attributes after it")
    u.set_sync_to_cpu()
    eq(sysfs_int(DEV, "sync_direction"), 2, "sync_direction after set_sync_to_cpu()")
    eq((u.sync_offset, u.sync_size), (4096, 8192), "offset and size read back by set_sync_to_cpu()")
    # the seeds wrote 3 here, which is no direction (the driver refuses it)
    u.set_sync_to_bidirectional()
    eq(sysfs_int(DEV, "sync_direction"), 0, "sync_direction after set_sync_to_bidirectional()")
    eq(u.sync_direction, 0, "sync_direction attribute after set_sync_to_bidirectional()")
    raises(ValueError, u.set_sync_area, 3, what="set_sync_area(direction=3)")
    eq(sysfs_int(DEV, "sync_direction"), 0, "sync_direction unchanged by a refused direction 3")
    u.set_sync_area()
    eq((u.sync_offset, u.sync_size, u.sync_direction), (4096, 8192, 0), "set_sync_area() reads back")
    u.sync_for_cpu()
    eq(sysfs_int(DEV, "sync_owner"), 0, "sync_owner after sync_for_cpu()")
    u.sync_for_device()
    eq(sysfs_int(DEV, "sync_owner"), 1, "sync_owner after sync_for_device()")
    u.set_value("sync_mode", 3)
    eq(sysfs_int(DEV, "sync_mode"), 3, "sync_mode after set_value('sync_mode', 3)")
    u.close()


def G4_class_sync_ranges() -> None:
    u = Udmabuf(DEV)
    sysfs_write(DEV, "sync_offset", 0x3000)
    sysfs_write(DEV, "sync_size", 0x5000)
    sysfs_write(DEV, "sync_direction", 1)
    stored = u.get_sync_settings()
    eq((stored.offset, stored.size, stored.direction), (0x3000, 0x5000, 1), "get_sync_settings() (ioctl 8)")
    eq(stored.mode, sysfs_int(DEV, "sync_mode"), "mode of get_sync_settings()")
    u.sync_for_cpu(4096, 8192, Direction.FROM_DEVICE)
    eq((u.sync_owner, sysfs_int(DEV, "sync_owner")), (0, 0), "owner after sync_for_cpu(4096, 8192, 2)")
    u.sync_for_device(0, 16, 1)
    eq((u.sync_owner, sysfs_int(DEV, "sync_owner")), (1, 1), "owner after sync_for_device(0, 16, 1)")
    u.sync_for_cpu(offset=SIZE - 5, size=5)  # a tail: rounded up to 16, cut at the end
    eq(u.sync_owner, 0, "owner after a sync of the last 5 bytes")
    u.sync_for_device(SIZE, 0)  # an empty range at the end
    eq(u.sync_owner, 1, "owner after an empty range")
    u.sync_for_cpu(offset=SIZE // 2)
    eq(u.sync_owner, 0, "owner after a sync from the middle to the end")
    after = u.get_sync_settings()
    eq((after.offset, after.size, after.direction), (0x3000, 0x5000, 1),
       "stored settings after ranged syncs (they must not change)")
    for bad in ((0, 16, 3), (0, 16, -1), (SIZE - 8, 16, 0), (-1, 16, 0), (0, SIZE + 1, 0), (SIZE + 1, 0, 0)):
        raises(ValueError, u.sync_for_device, *bad, what=f"sync_for_device{bad}")
    eq(u.sync_owner, 0, "owner unchanged by refused syncs")
    u.set_sync_settings(offset=0x1000, size=0x2000, direction=2, mode=5)
    eq([sysfs_int(DEV, a) for a in ("sync_offset", "sync_size", "sync_direction", "sync_mode")],
       [0x1000, 0x2000, 2, 5], "sysfs after set_sync_settings(0x1000, 0x2000, 2, 5)")
    u.sync_mode = 2
    eq((sysfs_int(DEV, "sync_mode"), u.sync_mode), (2, 2), "sync_mode after setting 2")
    u.sync_mode = 0  # through sysfs: SET_SYNC reads mode 0 as unchanged
    eq((sysfs_int(DEV, "sync_mode"), u.sync_mode), (0, 0), "sync_mode after setting 0")
    raises(ValueError, setattr, u, "sync_mode", 8, what="sync_mode = 8")
    u.close()
    raises(ValueError, u.sync_for_cpu, what="sync_for_cpu() after close()")


def G4_class_sysfs_fallback() -> None:
    # asked for explicitly
    s = Udmabuf(DEV, interface="sysfs")
    eq((s.interface, s.buf_size, s.phys_addr), ("sysfs", SIZE, sysfs_int(DEV, "phys_addr")),
       "interface, size and phys_addr through sysfs")
    s.sync_for_cpu(0x2000, 0x1000, 2)
    eq(sysfs_int(DEV, "sync_owner"), 0, "owner after a sysfs sync_for_cpu")
    eq([sysfs_int(DEV, a) for a in ("sync_offset", "sync_size", "sync_direction")], [0x2000, 0x1000, 2],
       "the seeds' way stores the range")
    s.sync_for_device()
    eq(s.sync_owner, 1, "owner after a sysfs sync_for_device() (sysfs sync_owner)")
    s.sync_for_cpu(0, 0)
    eq(s.sync_owner, 0, "owner after an empty range through sysfs")
    eq(s.get_sync_settings().size, 0x1000, "get_sync_settings() through sysfs")
    s.close()
    # a driver without the ioctls (the established one before v4.7)
    real = udmabuf.core.fcntl.ioctl

    def no_ioctl(*args: object, **kwargs: object) -> int:
        raise OSError(errno.ENOTTY, os.strerror(errno.ENOTTY))

    udmabuf.core.fcntl.ioctl = no_ioctl  # type: ignore[assignment]
    try:
        t = Udmabuf(DEV)
        eq(t.interface, "sysfs", "interface of a driver whose ioctls answer ENOTTY")
        eq(t.buf_size, SIZE, "size without ioctls")
        t.sync_for_device(0x4000, 0x800, 1)
        eq(sysfs_int(DEV, "sync_owner"), 1, "owner after a sync without ioctls")
        eq(t.cpu_phys_addr, sysfs_int(DEV, "cpu_phys_addr"), "cpu_phys_addr without ioctls")
        t.close()
    finally:
        udmabuf.core.fcntl.ioctl = real  # type: ignore[assignment]


def G4_class_context_manager() -> None:
    n0 = fd_count()
    with Udmabuf(DEV) as u:
        fd = u.fileno()
        eq(fd_count(), n0 + 1, "open files inside the with block")
        a = u.memmap(np.uint8, shape=(4096,))
    check(u.closed, "closed after the with block")
    raises(OSError, os.fstat, fd, errno=errno.EBADF, what="fstat of the closed descriptor")
    raises(ValueError, u.read, what="read() after close()")
    # CPython's mmap keeps a descriptor of its own while the array lives
    eq(fd_count(), n0 + 1, "open files after the with block")
    a[0] = 0x7E  # the mapping outlives the file
    with Udmabuf(DEV) as v:
        eq(v.read(1), b"\x7e", "read() of a store through a mapping made before close()")
    check(maps_of("/dev/" + DEV), "a mapping of the device while the array lives")
    del a
    u.array = None
    gc.collect()
    eq(maps_of("/dev/" + DEV), [], "mappings of the device once the arrays are gone")
    eq(fd_count(), n0, "open files once the arrays are gone")


def G4_class_sync_calls_traced() -> None:
    # run by t_python.c with kprobes on arch_sync_dma_for_cpu/_for_device
    u = Udmabuf(DEV)
    p = u.cpu_phys_addr
    exp = []
    trace_start()
    u.sync_for_cpu(0x3000, 0x5000, 2)
    exp.append(("cpu", p + 0x3000, 0x5000, 2))
    u.sync_for_device(0x1000, 0x20, 1)
    exp.append(("dev", p + 0x1000, 0x20, 1))
    u.sync_for_device(0x1008, 5, 0)  # rounded up to 16 bytes
    exp.append(("dev", p + 0x1008, 16, 0))
    u.sync_for_cpu(0x2000, 0, 2)  # empty: no maintenance
    u.set_sync_area(direction=0, offset=0x8000, size=0x1000)
    u.sync_for_cpu()
    exp.append(("cpu", p + 0x8000, 0x1000, 0))
    u.sync_for_device()
    exp.append(("dev", p + 0x8000, 0x1000, 0))
    a = u.memmap(np.uint8, shape=(8192,), offset=0x10000)
    a.flush()  # msync of the mapped range: to the device
    exp.append(("dev", p + 0x10000, 8192, 1))
    s = Udmabuf(DEV, interface="sysfs")
    s.sync_for_cpu(0x4000, 0x800, 2)
    exp.append(("cpu", p + 0x4000, 0x800, 2))
    trace_stop()
    expect_syncs(exp)


def G4_cli_list_info() -> None:
    # python3 -m udmabuf mirrors the udmabuf command: table, JSON keys, status
    mgr("create clitest 0x3000 sync-mode=3")
    r = command(["list"])
    eq(r.returncode, 0, f"exit status of list (stderr {r.stderr!r})")
    lines = r.stdout.splitlines()
    eq(lines[0].split(), ["NAME", "SIZE", "DMA", "ADDRESS", "COHERENT", "SYNC_MODE", "DEVICE"], "the header")
    eq(sorted(ln.split()[0] for ln in lines[1:]), class_names(), "names in the table")
    row = next(ln for ln in lines if ln.startswith("clitest "))
    eq(row.split(), ["clitest", "12", "KiB", f"0x{sysfs_int('clitest', 'phys_addr'):016x}",
                     "yes" if sysfs_int("clitest", "dma_coherent") else "no", "3", "/dev/clitest"],
       "the row of clitest")
    r = command(["list", "--json"])
    eq(r.returncode, 0, "exit status of list --json")
    data = json.loads(r.stdout)
    eq([d["name"] for d in data], class_names(), "names in list --json")
    for d in data:
        n = d["name"]
        eq(d, {"name": n, "device": "/dev/" + n, "size": sysfs_int(n, "size"),
               "dma_addr": sysfs_int(n, "phys_addr"), "sync_mode": sysfs_int(n, "sync_mode"),
               "dma_coherent": bool(sysfs_int(n, "dma_coherent"))}, f"{n} in list --json")
    for name in ("clitest", "/dev/clitest"):
        r = command(["info", name, "--json"])
        eq(r.returncode, 0, f"exit status of info {name} --json ({r.stderr})")
        d = json.loads(r.stdout)
        st = os.stat("/dev/clitest")
        eq(sorted(d), sorted(["name", "device", "sysfs", "size", "dma_addr", "cpu_phys_addr", "dma_coherent",
                              "dma_mask_bits", "quirk_mmap_mode", "sync_mode", "sync_owner", "sync_offset",
                              "sync_size", "sync_direction", "driver_version", "ioctl_version", "interface",
                              "node", "attributes"]), "the keys of info --json")
        eq((d["name"], d["device"], d["sysfs"], d["size"], d["dma_addr"], d["cpu_phys_addr"]),
           ("clitest", "/dev/clitest", f"/sys/dev/char/{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}", 0x3000,
            sysfs_int("clitest", "phys_addr"),
            sysfs_int("clitest", "cpu_phys_addr")), f"info {name} --json: names, size and addresses")
        eq((d["sync_mode"], d["sync_owner"], d["sync_offset"], d["sync_size"], d["sync_direction"]),
           (3, "device" if sysfs_int("clitest", "sync_owner") else "cpu", sysfs_int("clitest", "sync_offset"),
            sysfs_int("clitest", "sync_size"), sysfs_int("clitest", "sync_direction")), "sync settings")
        eq((d["interface"], d["ioctl_version"], d["dma_mask_bits"], d["driver_version"]),
           ("ioctl", 2, 32, sysfs("clitest", "driver_version")), "interface, ioctl version, DMA mask")
        eq(d["node"], {"major": os.major(st.st_rdev), "minor": os.minor(st.st_rdev), "uid": st.st_uid,
                       "gid": st.st_gid, "mode": f"{st.st_mode & 0o7777:04o}"}, "node")
        eq(d["attributes"]["size"], "12288", "attributes.size")
        eq(d["attributes"]["phys_addr"], sysfs("clitest", "phys_addr"), "attributes.phys_addr")
        check("uevent" not in d["attributes"], "no uevent in attributes")
    r = command(["info", "clitest"])
    eq(r.returncode, 0, "exit status of info")
    check("size             12288 (12 KiB)\n" in r.stdout, f"the size line, saw {r.stdout!r}")
    check(f"dma_addr         0x{sysfs_int('clitest', 'phys_addr'):016x} (give this to the device)\n" in r.stdout,
          "the dma_addr line")
    check("sync_mode        3 (cached; O_SYNC dma-coherent)\n" in r.stdout, "the sync_mode line")
    check("interface        ioctl (version 2)\n" in r.stdout, "the interface line")
    r = command(["info", "nosuch"])
    eq(r.returncode, 4, "exit status of info of a missing buffer")
    check("no buffer named 'nosuch'" in r.stderr and "udmabuf list" in r.stderr, f"a message naming it, saw {r.stderr!r}")
    for args in ([], ["bogus"], ["list", "extra"], ["info"], ["list", "--bogus"]):
        eq(command(args).returncode, 2, f"exit status of {args}")
    mgr("delete clitest")


def G4_module_missing_messages() -> None:
    # the module is not loaded for this test
    check(not os.path.exists("/sys/class/u-dma-buf"), "no u-dma-buf module loaded")
    for args in (["list"], ["list", "--json"], ["info", DEV]):
        r = command(args)
        check(r.returncode == 3 and "module is not loaded" in r.stderr and "modprobe u-dma-buf" in r.stderr,
              f"{args}: exit status 3 and why, saw {r!r}")
    e = raises(FileNotFoundError, Udmabuf, DEV)
    check("module is not loaded" in str(e), f"Udmabuf(): why, saw {e}")
    e = raises(FileNotFoundError, udmabuf.allocate, 16)
    check("module is not loaded" in str(e), f"allocate(): why, saw {e}")
    eq(udmabuf.list_buffers(), [], "list_buffers() without the module")


def G4_cli_same_as_udmabuf_command() -> None:
    # the C command of libudmabuf is /bin/udmabuf in the guests
    mgr("create clitest 0x5000 sync-mode=6")
    try:
        for args in (["list"], ["list", "--json"], ["info", DEV], ["info", "clitest", "--json"],
                     ["info", "/dev/clitest"], ["info", "nosuch"], ["info", "nosuch", "--json"]):
            c = subprocess.run(["udmabuf", *args], capture_output=True, text=True, timeout=60)
            p = command(args)
            eq(p.returncode, c.returncode, f"exit status of {args} (the command's stderr: {c.stderr!r})")
            if "--json" in args and c.returncode == 0:
                eq(json.loads(p.stdout), json.loads(c.stdout), f"the JSON of {args}")
            else:
                eq(p.stdout, c.stdout, f"the output of {args}")
            eq(p.stderr, c.stderr, f"the messages of {args}")
    finally:
        mgr("delete clitest")
