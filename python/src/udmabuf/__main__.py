"""``python -m udmabuf``: list the buffers, or show one (as ``udmabuf list``
and ``udmabuf info``).

Exit status: 0 success, 1 the module, the buffer or a permission is
missing (the message says which and what to do), 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Optional

from . import __version__, _abi
from .manager import BufferInfo, buffer_info, list_buffers


def _human(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} B"


def _module_missing() -> bool:
    return not os.path.isdir(_abi.CLASS_DIR)


def _owner(info: BufferInfo) -> str:
    if info.dev_mode is None:
        return "-"
    try:
        import grp
        import pwd

        user = pwd.getpwuid(info.dev_uid).pw_name  # type: ignore[arg-type]
        group = grp.getgrgid(info.dev_gid).gr_name  # type: ignore[arg-type]
    except (KeyError, ImportError):
        user, group = str(info.dev_uid), str(info.dev_gid)
    return f"{user}:{group} {info.dev_mode:04o}"


def _cmd_list(args: argparse.Namespace) -> int:
    if _module_missing():
        print("udmabuf: the u-dma-buf module is not loaded (modprobe u-dma-buf)", file=sys.stderr)
        return 1
    infos = list_buffers()
    if args.json:
        json.dump([i.as_dict() for i in infos], sys.stdout, indent=2)
        print()
        return 0
    rows = [("NAME", "SIZE", "DMA ADDRESS", "SYNC MODE", "COHERENT", "OWNER", "DEVICE")]
    for i in infos:
        rows.append(
            (
                i.name,
                str(i.size),
                f"0x{i.phys_addr:016x}",
                str(i.sync_mode),
                "yes" if i.dma_coherent else "no",
                "device" if i.sync_owner else "cpu",
                _owner(i),
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    try:
        info = buffer_info(args.name)
    except FileNotFoundError as e:
        hint = "" if _module_missing() else " (python3 -m udmabuf list shows the buffers)"
        print(f"udmabuf: {e.strerror}{hint}", file=sys.stderr)
        return 1
    if args.json:
        json.dump(info.as_dict(), sys.stdout, indent=2)
        print()
        return 0
    d = info.as_dict()
    lines = [
        ("name", info.name),
        ("device", f"{info.device} ({_owner(info)})"),
        ("size", f"{info.size} ({_human(info.size)})"),
        ("phys_addr", f"0x{info.phys_addr:016x} (DMA address)"),
        ("cpu_phys_addr", "-" if info.cpu_phys_addr is None else f"0x{info.cpu_phys_addr:016x}"),
    ]
    for key in (
        "dma_coherent",
        "sync_mode",
        "sync_offset",
        "sync_size",
        "sync_direction",
        "sync_owner",
        "quirk_mmap_mode",
        "export_count",
        "driver_version",
    ):
        v = d[key]
        lines.append((key, "-" if v is None else str(int(v) if isinstance(v, bool) else v)))
    for k, v in lines:
        print(f"{k:<16}{v}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """The command line; returns the exit status."""
    p = argparse.ArgumentParser(prog="python3 -m udmabuf", description="Show u-dma-buf buffers.")
    p.add_argument("--version", action="version", version=f"udmabuf (Python) {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sp = sub.add_parser("list", help="list the buffers", description="List the buffers.")
    sp.add_argument("--json", action="store_true", help="a JSON array of objects")
    sp.set_defaults(func=_cmd_list)
    sp = sub.add_parser("info", help="all attributes of one buffer", description="Show one buffer.")
    sp.add_argument("name", metavar="NAME", help="buffer name (as in /dev/NAME)")
    sp.add_argument("--json", action="store_true", help="a JSON object")
    sp.set_defaults(func=_cmd_info)
    args = p.parse_args(argv)
    if not getattr(args, "func", None):
        p.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except PermissionError as e:
        print(f"udmabuf: {e}: run as root or see the udev rule in the README", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
