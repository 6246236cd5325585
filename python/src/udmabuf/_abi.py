"""The driver's user interface as numbers: ioctl requests, structures, paths.

Everything here comes from ``include/uapi/linux/u-dma-buf.h`` (ioctl
interface version 2, shared with the established u-dma-buf driver v4.7 and
later) and from the sysfs and manager interfaces described in
``docs/design.md``.
"""

from __future__ import annotations

import platform
import struct

CLASS_DIR = "/sys/class/u-dma-buf"
"""sysfs directory with one subdirectory per buffer."""

MANAGER_PATH = "/dev/u-dma-buf-mgr"
"""The manager device: ``create``/``delete`` commands, one per write."""

DIR_BIDIRECTIONAL = 0
DIR_TO_DEVICE = 1
DIR_FROM_DEVICE = 2
DIRECTIONS = (DIR_BIDIRECTIONAL, DIR_TO_DEVICE, DIR_FROM_DEVICE)

SYNC_CMD_NONE = 0
SYNC_CMD_FOR_CPU = 1
SYNC_CMD_FOR_DEVICE = 3

PACKED_SIZE_MAX = 0xFFFFFFF0
"""Largest size the packed sync argument (ioctl 5/6) can name."""
PACKED_OFFSET_LIMIT = 1 << 32
"""Offsets of the packed sync argument must be below this."""

DEV_INFO_DMA_COHERENT = 1 << 9
DEV_INFO_MMAP_MODE_SHIFT = 10
SYNC_FLAG_OWNER = 1 << 16

# _IOC() of asm-generic/ioctl.h; alpha, mips, powerpc and sparc use 13 size
# bits and 3 direction bits with other values.
_MACHINE = platform.machine().lower()
if _MACHINE.startswith(("ppc", "powerpc", "mips", "sparc", "alpha")):
    _IOC_NONE, _IOC_WRITE, _IOC_READ = 1, 4, 2
    _IOC_SIZEBITS = 13
else:
    _IOC_NONE, _IOC_WRITE, _IOC_READ = 0, 1, 2
    _IOC_SIZEBITS = 14
_IOC_DIRSHIFT = 16 + _IOC_SIZEBITS


def _ioc(direction: int, nr: int, size: int) -> int:
    return (direction << _IOC_DIRSHIFT) | (size << 16) | (ord("U") << 8) | nr


U64 = struct.Struct("=Q")
U32 = struct.Struct("=I")
DRV_INFO = struct.Struct("=Q16s")  # flags, version
DEV_INFO = struct.Struct("=QQQ")  # flags, size, addr
SYNC_ARGS = struct.Struct("=QQQ")  # flags, size, offset

IOCTL_GET_DRV_INFO = _ioc(_IOC_READ, 1, DRV_INFO.size)
IOCTL_GET_SIZE = _ioc(_IOC_READ, 2, U64.size)
IOCTL_GET_DMA_ADDR = _ioc(_IOC_READ, 3, U64.size)
IOCTL_GET_SYNC_OWNER = _ioc(_IOC_READ, 4, U32.size)
IOCTL_SET_SYNC_FOR_CPU = _ioc(_IOC_WRITE, 5, U64.size)
IOCTL_SET_SYNC_FOR_DEVICE = _ioc(_IOC_WRITE, 6, U64.size)
IOCTL_GET_DEV_INFO = _ioc(_IOC_READ, 7, DEV_INFO.size)
IOCTL_GET_SYNC = _ioc(_IOC_READ, 8, SYNC_ARGS.size)
IOCTL_SET_SYNC = _ioc(_IOC_WRITE, 9, SYNC_ARGS.size)
IOCTL_GET_CPU_PHYS_ADDR = _ioc(_IOC_READ, 11, U64.size)


def sync_arg(offset: int, size: int, direction: int) -> int:
    """The packed argument of ioctl 5/6 (``U_DMA_BUF_SYNC_ARG``).

    The size is rounded up to a multiple of 16; bits 0 and 1 are set so
    that the value is never 0 (nothing) nor 1 (the stored settings).
    """
    return (offset << 32) | ((size + 15) & 0xFFFFFFF0) | ((direction & 3) << 2) | 3
