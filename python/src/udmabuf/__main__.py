"""``python3 -m udmabuf``: ``list`` and ``info`` as the ``udmabuf`` command
of libudmabuf shows them (the same table, JSON keys, messages and exit
status), without NumPy.

Exit status: 0 success, 1 failed (the driver or the system refused), 2 bad
command or option, 3 the u-dma-buf module is not loaded, 4 no such buffer,
5 permission denied.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from typing import Any, Dict, List, NoReturn, Optional

from . import __version__, _abi
from .manager import list_buffers

EX_OK, EX_FAIL, EX_USAGE, EX_NOMODULE, EX_NOBUF, EX_PERM = 0, 1, 2, 3, 4, 5

_MODE_NAMES = (
    "cached; O_SYNC cached",
    "cached; O_SYNC uncached",
    "cached; O_SYNC write-combine",
    "cached; O_SYNC dma-coherent",
    "cached; O_SYNC cached",
    "uncached",
    "write-combine",
    "dma-coherent",
)
_DIR_NAMES = ("bidirectional", "to-device", "from-device")


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _msg(text: str) -> None:
    print(f"udmabuf: {text}", file=sys.stderr)


def _fail(status: int, text: str) -> NoReturn:
    _msg(text)
    raise _Exit(status)


def _no_module() -> NoReturn:
    _fail(
        EX_NOMODULE,
        f"the u-dma-buf module is not loaded (no {_abi.CLASS_DIR}): "
        "load it with `modprobe u-dma-buf` (or `insmod u-dma-buf.ko`)",
    )


def human_size(n: int) -> str:
    """``1 MiB``, ``12 KiB``, ``100 B``: the largest unit that divides n."""
    for unit, shift in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} B"


def _list_entries() -> List[Dict[str, Any]]:
    if not os.path.isdir(_abi.CLASS_DIR):
        _no_module()
    return [
        {
            "name": i.name,
            "device": i.device,
            "size": i.size,
            "dma_addr": i.phys_addr,
            "sync_mode": i.sync_mode,
            "dma_coherent": i.dma_coherent,
        }
        for i in list_buffers()
    ]


def cmd_list(args: argparse.Namespace) -> int:
    entries = _list_entries()
    if args.json:
        print(json.dumps(entries, indent=2))
        return EX_OK
    print(f"{'NAME':<16} {'SIZE':>10}  {'DMA ADDRESS':<18}  {'COHERENT':<8}  {'SYNC_MODE':<9}  DEVICE")
    for e in entries:
        coh = "?" if e["dma_coherent"] is None else "yes" if e["dma_coherent"] else "no"
        mode = "?" if e["sync_mode"] is None else str(e["sync_mode"])
        print(
            f"{e['name']:<16} {human_size(e['size']):>10}  0x{e['dma_addr']:016x}  "
            f"{coh:<8}  {mode:<9}  {e['device']}"
        )
    if not entries:
        print("(no buffers: `udmabuf create NAME SIZE` makes one)", file=sys.stderr)
    return EX_OK


def _perm_message(path: str) -> NoReturn:
    try:
        st = os.stat(path)
        if stat.S_ISCHR(st.st_mode) and st.st_uid != 0:
            _fail(
                EX_PERM,
                f"permission denied on {path}: it belongs to uid {st.st_uid} "
                f"(mode {stat.S_IMODE(st.st_mode):04o}); its creator can let others in "
                "with mode=0660 when creating it, or run as root",
            )
    except OSError:
        pass
    _fail(
        EX_PERM,
        f"permission denied on {path}: run as root, or let a group use the buffers "
        'with the udev rule SUBSYSTEM=="u-dma-buf", ENV{DEVUID}=="", GROUP="udmabuf", '
        'MODE="0660" (commented in udev/99-u-dma-buf.rules) and join that group '
        "(usermod -aG udmabuf $USER)",
    )


def _open(name: str) -> Any:
    from .core import Udmabuf

    try:
        return Udmabuf(name)
    except FileNotFoundError:
        if not os.path.isdir(_abi.CLASS_DIR):
            _no_module()
        base = os.path.basename(name)
        if "/" not in name and os.path.isdir(f"{_abi.CLASS_DIR}/{name}"):
            _fail(EX_FAIL, f"buffer '{name}' exists but /dev/{name} does not: "
                  "is devtmpfs mounted on /dev (or udev running)?")
        _fail(
            EX_NOBUF,
            f"no buffer named '{name}' (`udmabuf list` shows the buffers; "
            f"`udmabuf create {'NAME' if '/' in name else base} SIZE` makes one)",
        )
    except PermissionError:
        _perm_message(name if "/" in name else "/dev/" + name)


def _info_dict(u: Any) -> Dict[str, Any]:
    st = os.fstat(u.fileno())
    settings = u.get_sync_settings()
    attrs: Dict[str, str] = {}
    for a in sorted(os.listdir(u.class_path)):
        path = f"{u.class_path}/{a}"
        if a.startswith(".") or a in ("uevent", "dev") or not os.path.isfile(path) or os.path.islink(path):
            continue
        try:
            with open(path) as f:
                attrs[a] = f.read().rstrip()
        except OSError:
            continue
    return {
        "name": u.name,
        "device": u.device_name,
        "sysfs": f"/sys/dev/char/{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}",
        "size": u.buf_size,
        "dma_addr": u.phys_addr,
        "cpu_phys_addr": u._cpu_phys_addr_known(),
        "dma_coherent": u.dma_coherent,
        "dma_mask_bits": u.dma_mask_bits,
        "quirk_mmap_mode": u.quirk_mmap_mode,
        "sync_mode": settings.mode,
        "sync_owner": "device" if settings.owner else "cpu",
        "sync_offset": settings.offset,
        "sync_size": settings.size,
        "sync_direction": settings.direction,
        "driver_version": u.driver_version,
        "ioctl_version": u.ioctl_version,
        "interface": u.interface,
        "node": {
            "major": os.major(st.st_rdev),
            "minor": os.minor(st.st_rdev),
            "uid": st.st_uid,
            "gid": st.st_gid,
            "mode": f"{stat.S_IMODE(st.st_mode):04o}",
        },
        "attributes": attrs,
    }


def cmd_info(args: argparse.Namespace) -> int:
    u = _open(args.name)
    try:
        d = _info_dict(u)
    finally:
        u.close()
    if args.json:
        print(json.dumps(d, indent=2))
        return EX_OK
    n = d["node"]
    lines = [
        ("name", d["name"]),
        ("device", f"{d['device']} (char {n['major']}:{n['minor']}, uid {n['uid']}, gid {n['gid']}, mode {n['mode']})"),
        ("sysfs", d["sysfs"]),
        ("size", f"{d['size']} ({human_size(d['size'])})"),
        ("dma_addr", f"0x{d['dma_addr']:016x} (give this to the device)"),
        ("cpu_phys_addr", "unknown (the driver does not say)" if d["cpu_phys_addr"] is None
         else f"0x{d['cpu_phys_addr']:016x}"),
        ("dma_coherent", "yes (no cache maintenance needed)" if d["dma_coherent"] else "no"),
    ]
    if d["dma_mask_bits"] is not None:
        lines.append(("dma_mask", f"{d['dma_mask_bits']} bits"))
    if d["quirk_mmap_mode"] is not None:
        lines.append(("quirk_mmap_mode", str(d["quirk_mmap_mode"])))
    m = d["sync_mode"]
    lines += [
        ("sync_mode", f"{m} ({_MODE_NAMES[m] if 0 <= m < 8 else '?'})"),
        ("sync_owner", d["sync_owner"]),
        ("sync_offset", str(d["sync_offset"])),
        ("sync_size", str(d["sync_size"])),
        ("sync_direction", f"{d['sync_direction']} ({_DIR_NAMES[d['sync_direction']] if d['sync_direction'] < 3 else '?'})"),
        ("driver_version", d["driver_version"] or "unknown"),
        ("interface", f"ioctl (version {d['ioctl_version']})" if d["interface"] == "ioctl" else "sysfs (no ioctls)"),
    ]
    for k, v in lines:
        print(f"{k:<16} {v}")
    print("sysfs attributes:")
    for k, v in d["attributes"].items():
        print(f"  {k:<16} {v}")
    return EX_OK


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        _fail(EX_USAGE, message)


def main(argv: Optional[List[str]] = None) -> int:
    """The command line; returns the exit status."""
    p = _Parser(prog="python3 -m udmabuf", description="Show u-dma-buf DMA buffers (as `udmabuf list/info`).")
    p.add_argument("--version", action="version", version=f"udmabuf (Python) {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sp = sub.add_parser("list", help="the buffers: name, size, DMA address",
                        description="List the buffers (from sysfs; needs no permission on the buffers).")
    sp.add_argument("-j", "--json", action="store_true",
                    help="a JSON array of objects: name, device, size, dma_addr, sync_mode, dma_coherent")
    sp.set_defaults(func=cmd_list)
    sp = sub.add_parser("info", help="everything about one buffer", description="Everything about buffer NAME.")
    sp.add_argument("name", metavar="NAME", help="buffer name (as in /dev/NAME) or a path to its node")
    sp.add_argument("-j", "--json", action="store_true", help='one JSON object (the attributes in "attributes")')
    sp.set_defaults(func=cmd_info)
    try:
        args = p.parse_args(argv)
        if not getattr(args, "func", None):
            p.print_help(sys.stderr)
            return EX_USAGE
        return int(args.func(args))
    except _Exit as e:
        return e.status
    except PermissionError as e:
        _msg(f"permission denied: {e}")
        return EX_PERM
    except OSError as e:
        _msg(str(e))
        return EX_FAIL


if __name__ == "__main__":
    sys.exit(main())
