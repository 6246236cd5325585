"""The ``Udmabuf`` class: one u-dma-buf buffer, opened by name.

It talks to the driver directly: ioctls on ``/dev/<name>`` (interface
version 2 of ``include/uapi/linux/u-dma-buf.h``), ``mmap`` and the sysfs
attributes of ``/sys/class/u-dma-buf/<name>``.  Drivers without the ioctls
(the established driver before v4.7) are served through sysfs.
"""

from __future__ import annotations

import enum
import errno
import fcntl
import os
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Optional, Tuple, Type, Union

from . import _abi

if TYPE_CHECKING:  # NumPy is imported where an array is made
    import numpy as np
    import numpy.typing as npt

ShapeLike = Union[int, Tuple[int, ...]]
MapMode = Literal["r", "r+"]


class Direction(enum.IntEnum):
    """DMA directions of a sync (the values the driver takes)."""

    BIDIRECTIONAL = _abi.DIR_BIDIRECTIONAL
    TO_DEVICE = _abi.DIR_TO_DEVICE
    FROM_DEVICE = _abi.DIR_FROM_DEVICE


@dataclass(frozen=True)
class SyncSettings:
    """The sync settings a buffer stores (sysfs ``sync_*``, ioctl 8/9).

    ``offset``/``size``/``direction`` are what a sync of the stored settings
    covers; ``mode`` is ``sync_mode`` (0..7: the cache kind of O_SYNC
    mappings); ``owner`` is 0 when the CPU owns the buffer, 1 the device.
    """

    offset: int
    size: int
    direction: int
    mode: int
    owner: int


def _check_direction(direction: int) -> int:
    d = int(direction)
    if d not in _abi.DIRECTIONS:
        raise ValueError(
            f"direction {direction!r}: expected 0 (bidirectional), "
            "1 (to the device) or 2 (from the device)"
        )
    return d


class Udmabuf:
    """A u-dma-buf buffer, opened by name (``"udmabuf0"``) or device path.

    The buffer must exist (module parameter, device tree or the manager);
    to make one for this process only, see :func:`udmabuf.allocate`.
    The device file stays open until :meth:`close` (or the end of a
    ``with`` block); arrays made by :meth:`memmap` stay valid after that.

    Attributes of the seeds' class are kept: ``name``, ``device_name``,
    ``class_path``, ``phys_addr`` (the DMA address: what a device is
    given), ``buf_size``, ``sync_offset``/``sync_size``/``sync_direction``
    (what :meth:`set_sync_area` last set, ``None`` before), ``item_size``
    and ``array`` (what :meth:`memmap` last made).

    ``interface``: ``"auto"`` (ioctls when the driver has them, else
    sysfs), ``"ioctl"`` or ``"sysfs"``.
    """

    def __init__(self, name: str, *, interface: str = "auto") -> None:
        if interface not in ("auto", "ioctl", "sysfs"):
            raise ValueError(f"interface {interface!r}: expected 'auto', 'ioctl' or 'sysfs'")
        if name.startswith("/"):
            self.device_name = name
            self.name = os.path.basename(name)
        else:
            self.name = name
            self.device_name = "/dev/" + name
        self.class_path = _abi.CLASS_DIR + "/" + self.name
        self._fd = -1
        if not os.path.isdir(self.class_path):
            if not os.path.isdir(_abi.CLASS_DIR):
                msg = "no u-dma-buf buffers: the u-dma-buf module is not loaded (modprobe u-dma-buf)"
            else:
                msg = f"no u-dma-buf buffer {self.name!r} (python3 -m udmabuf list shows them)"
            raise FileNotFoundError(errno.ENOENT, msg, self.class_path)
        try:
            self._fd = os.open(self.device_name, os.O_RDWR | os.O_CLOEXEC)
            self.writable = True
        except PermissionError:
            # syncs and read-only maps need no write permission
            self._fd = os.open(self.device_name, os.O_RDONLY | os.O_CLOEXEC)
            self.writable = False
        if interface == "auto":
            interface = "ioctl" if self._has_ioctls() else "sysfs"
        self.interface = interface
        self.buf_size: int = self._get_u64(_abi.IOCTL_GET_SIZE, "size", 10)
        self.phys_addr: int = self._get_u64(_abi.IOCTL_GET_DMA_ADDR, "phys_addr", 16)
        self.sync_offset: Optional[int] = None
        self.sync_size: Optional[int] = None
        self.sync_direction: Optional[int] = None
        self.item_size: Optional[int] = None
        self.array: Optional[np.memmap[Any, Any]] = None

    # ------------------------------------------------------------ basics
    def __repr__(self) -> str:
        state = "closed" if self.closed else self.interface
        return f"<Udmabuf {self.name!r} size={self.buf_size} phys_addr={self.phys_addr:#x} {state}>"

    def __enter__(self) -> "Udmabuf":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_fd", -1) >= 0:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = -1

    def close(self) -> None:
        """Close the device file (arrays made by :meth:`memmap` stay valid)."""
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._fd < 0

    def fileno(self) -> int:
        """The open file descriptor of ``/dev/<name>``."""
        self._check_open()
        return self._fd

    @property
    def size(self) -> int:
        """Size of the buffer in bytes (``buf_size``)."""
        return self.buf_size

    @property
    def dma_addr(self) -> int:
        """The DMA address: what a device is programmed with (``phys_addr``)."""
        return self.phys_addr

    @property
    def cpu_phys_addr(self) -> int:
        """The CPU physical address (differs from :attr:`phys_addr` behind an
        IOMMU or a bus offset); the DMA address where the driver cannot tell
        (the established driver)."""
        addr = self._cpu_phys_addr_known()
        return self.phys_addr if addr is None else addr

    def _cpu_phys_addr_known(self) -> Optional[int]:
        """The CPU physical address, or None where the driver does not say."""
        self._check_open()
        if self.interface == "ioctl":
            try:
                return self._ioctl_u64(_abi.IOCTL_GET_CPU_PHYS_ADDR)
            except OSError as e:
                if e.errno not in (errno.ENOTTY, errno.EINVAL):
                    raise
        try:
            return self.get_value("cpu_phys_addr", 16)
        except FileNotFoundError:
            return None

    def _dev_info_flags(self) -> Optional[int]:
        self._check_open()
        if self.interface != "ioctl":
            return None
        return int(_abi.DEV_INFO.unpack(self._ioctl(_abi.IOCTL_GET_DEV_INFO, bytes(_abi.DEV_INFO.size)))[0])

    @property
    def ioctl_version(self) -> int:
        """The driver's ioctl interface version (2 here), 0 through sysfs."""
        self._check_open()
        if self.interface != "ioctl":
            return 0
        flags = _abi.DRV_INFO.unpack(self._ioctl(_abi.IOCTL_GET_DRV_INFO, bytes(_abi.DRV_INFO.size)))[0]
        return int(flags) & 0xFF

    @property
    def dma_mask_bits(self) -> Optional[int]:
        """Bits of the DMA mask of the buffer's device (None without ioctls)."""
        flags = self._dev_info_flags()
        return None if flags is None else flags & 0xFF

    @property
    def quirk_mmap_mode(self) -> Optional[int]:
        """The quirk-mmap mode (1 off .. 4 page; None if the driver does not say)."""
        flags = self._dev_info_flags()
        if flags is not None:
            return (flags >> _abi.DEV_INFO_MMAP_MODE_SHIFT) & 7
        try:
            return self.get_value("quirk_mmap_mode")
        except FileNotFoundError:
            return None

    @property
    def dma_coherent(self) -> bool:
        """True when the DMA device is cache-coherent (syncs do no cache
        maintenance)."""
        self._check_open()
        flags = self._dev_info_flags()
        if flags is not None:
            return bool(flags & _abi.DEV_INFO_DMA_COHERENT)
        return self.get_value("dma_coherent") != 0

    @property
    def sync_owner(self) -> int:
        """0 when the CPU owns the buffer (after a sync for the CPU), 1 the device."""
        self._check_open()
        if self.interface == "ioctl":
            return int(_abi.U32.unpack(self._ioctl(_abi.IOCTL_GET_SYNC_OWNER, bytes(4)))[0])
        return self.get_value("sync_owner")

    @property
    def sync_mode(self) -> int:
        """``sync_mode`` 0..7: the cache kind of mappings opened with O_SYNC
        (see the driver reference); settable."""
        return self.get_sync_settings().mode

    @sync_mode.setter
    def sync_mode(self, mode: int) -> None:
        self.set_sync_settings(mode=mode)

    @property
    def driver_version(self) -> str:
        """The driver's version string (``5.5.0`` style)."""
        self._check_open()
        if self.interface == "ioctl":
            raw = self._ioctl(_abi.IOCTL_GET_DRV_INFO, bytes(_abi.DRV_INFO.size))
            version: bytes = _abi.DRV_INFO.unpack(raw)[1]
            return version.split(b"\0", 1)[0].decode("ascii", "replace")
        with open(self.class_path + "/driver_version") as f:
            return f.read().strip()

    # ------------------------------------------------------------ arrays
    def memmap(
        self,
        dtype: npt.DTypeLike = "u1",
        shape: Optional[ShapeLike] = None,
        offset: int = 0,
        *,
        mode: MapMode = "r+",
        o_sync: bool = False,
    ) -> np.memmap[Any, Any]:
        """Map the buffer as a ``numpy.memmap`` (also kept as ``self.array``).

        ``shape`` defaults to all of the buffer from ``offset`` in items of
        ``dtype``.  ``o_sync=True`` opens the mapping with O_SYNC: its cache
        kind is then the one ``sync_mode`` gives (uncached, write-combine or
        DMA-coherent; see "Cache modes" in docs/design.md).  ``.flush()`` of the
        result (msync) syncs the mapped range for the device.
        """
        import numpy as np

        if mode not in ("r", "r+"):
            raise ValueError(f"mode {mode!r}: expected 'r' or 'r+' (a shared mapping of the buffer)")
        dt = np.dtype(dtype)
        if offset < 0 or offset > self.buf_size:
            raise ValueError(f"offset {offset}: outside the buffer of {self.buf_size} bytes")
        if shape is None:
            shape = ((self.buf_size - offset) // dt.itemsize,)
        flags = os.O_RDONLY if mode == "r" else os.O_RDWR
        flags |= os.O_CLOEXEC | (os.O_SYNC if o_sync else 0)
        fd = os.open(self.device_name, flags)
        with os.fdopen(fd, "rb" if mode == "r" else "r+b", buffering=0) as f:
            arr = np.memmap(f, dtype=dt, mode=mode, shape=shape, offset=offset)
        self.item_size = dt.itemsize
        self.array = arr
        return arr

    def read(self, size: int = -1, offset: int = 0) -> bytes:
        """``size`` bytes from ``offset`` (all to the end with -1) through
        ``read()`` of the device file."""
        self._check_open()
        if size < 0:
            size = max(self.buf_size - offset, 0)
        return os.pread(self._fd, size, offset)

    def write(self, data: bytes, offset: int = 0) -> int:
        """Write ``data`` at ``offset`` through ``write()`` of the device
        file; returns the bytes written."""
        self._check_open()
        return os.pwrite(self._fd, data, offset)

    # ------------------------------------------------------------ syncs
    def sync_for_cpu(
        self,
        offset: Optional[int] = None,
        size: Optional[int] = None,
        direction: Optional[int] = None,
    ) -> None:
        """Give the buffer (or a range) to the CPU: on a non-coherent device
        the CPU caches of the range are invalidated (directions 0 and 2).

        Without arguments the stored settings are used (as the seeds' class
        did).  Otherwise the range is ``offset`` (default 0) and ``size``
        (default: to the end), ``direction`` defaults to 0 (bidirectional);
        the stored settings do not change.  Size 0 is an empty range: no
        cache maintenance, the owner changes.  Through the ioctl the size is
        rounded up to a multiple of 16 bytes (the driver's packed form).
        """
        self._sync(False, offset, size, direction)

    def sync_for_device(
        self,
        offset: Optional[int] = None,
        size: Optional[int] = None,
        direction: Optional[int] = None,
    ) -> None:
        """Give the buffer (or a range) to the device: on a non-coherent
        device the CPU caches of the range are written back.  Arguments as
        for :meth:`sync_for_cpu`."""
        self._sync(True, offset, size, direction)

    def get_sync_settings(self) -> SyncSettings:
        """The stored sync settings and the current owner."""
        self._check_open()
        if self.interface == "ioctl":
            flags, size, offset = self._get_sync_raw()
            return SyncSettings(
                offset=offset,
                size=size,
                direction=(flags >> 2) & 3,
                mode=(flags >> 8) & 0xFF,
                owner=1 if flags & _abi.SYNC_FLAG_OWNER else 0,
            )
        return SyncSettings(
            offset=self.get_value("sync_offset", 0),
            size=self.get_value("sync_size", 0),
            direction=self.get_value("sync_direction"),
            mode=self.get_value("sync_mode"),
            owner=self.get_value("sync_owner"),
        )

    def set_sync_settings(
        self,
        offset: Optional[int] = None,
        size: Optional[int] = None,
        direction: Optional[int] = None,
        mode: Optional[int] = None,
    ) -> None:
        """Change the stored sync settings (what is not given stays).

        Through the ioctl (SET_SYNC) the new offset and size must fit the
        buffer together; ``mode=0`` can only be written through sysfs (the
        ioctl reads 0 as "unchanged"), which needs root.
        """
        self._check_open()
        if direction is not None:
            direction = _check_direction(direction)
        if mode is not None and not 0 <= int(mode) <= 7:
            raise ValueError(f"sync mode {mode!r}: expected 0..7")
        if self.interface == "ioctl" and mode != 0:
            flags, cur_size, cur_offset = self._get_sync_raw()
            d = (flags >> 2) & 3 if direction is None else direction
            new = (_abi.SYNC_CMD_NONE | (d << 2) | ((int(mode) if mode else 0) << 8))
            arg = _abi.SYNC_ARGS.pack(
                new,
                cur_size if size is None else int(size),
                cur_offset if offset is None else int(offset),
            )
            self._ioctl(_abi.IOCTL_SET_SYNC, arg)
            return
        for attr, value in (
            ("sync_offset", offset),
            ("sync_size", size),
            ("sync_direction", direction),
            ("sync_mode", mode),
        ):
            if value is not None:
                self.set_value(attr, int(value))

    # ------------------------------------------------- the seeds' methods
    def get_value(self, name: str, radix: int = 10) -> int:
        """The number in sysfs attribute ``name`` (``radix`` 0 reads both
        decimal and 0x hex)."""
        with open(self.class_path + "/" + name) as f:
            return int(f.readline().strip(), radix)

    def set_value(self, name: str, value: Union[int, str]) -> None:
        """Write ``value`` to sysfs attribute ``name`` (needs root)."""
        with open(self.class_path + "/" + name, "w") as f:
            f.write(str(value))

    def set_sync_area(
        self,
        direction: Optional[int] = None,
        offset: Optional[int] = None,
        size: Optional[int] = None,
    ) -> None:
        """The seeds' method: store offset, size and direction in sysfs
        (what is ``None`` is read back instead) and remember them in
        ``sync_offset``/``sync_size``/``sync_direction``."""
        if direction is not None:
            direction = _check_direction(direction)
        if offset is None:
            self.sync_offset = self.get_value("sync_offset", 0)
        else:
            self.set_value("sync_offset", offset)
            self.sync_offset = offset
        if size is None:
            self.sync_size = self.get_value("sync_size", 0)
        else:
            self.set_value("sync_size", size)
            self.sync_size = size
        if direction is None:
            self.sync_direction = self.get_value("sync_direction")
        else:
            self.set_value("sync_direction", direction)
            self.sync_direction = direction

    def set_sync_to_device(self, offset: Optional[int] = None, size: Optional[int] = None) -> None:
        """The seeds' method: stored direction 1 (to the device)."""
        self.set_sync_area(Direction.TO_DEVICE, offset, size)

    def set_sync_to_cpu(self, offset: Optional[int] = None, size: Optional[int] = None) -> None:
        """The seeds' method: stored direction 2 (from the device, for the CPU)."""
        self.set_sync_area(Direction.FROM_DEVICE, offset, size)

    def set_sync_to_bidirectional(self, offset: Optional[int] = None, size: Optional[int] = None) -> None:
        """The seeds' method: stored direction 0 (bidirectional; the seeds
        wrote 3, which is no direction)."""
        self.set_sync_area(Direction.BIDIRECTIONAL, offset, size)

    # ---------------------------------------------------------- internals
    def _check_open(self) -> None:
        if self._fd < 0:
            raise ValueError(f"Udmabuf {self.name!r} is closed")

    def _ioctl(self, request: int, arg: bytes) -> bytes:
        buf = bytearray(arg)
        try:
            fcntl.ioctl(self._fd, request, buf, True)
        except OSError as e:
            raise OSError(e.errno, f"{e.strerror}: ioctl {request & 0xFF} on {self.device_name}") from None
        return bytes(buf)

    def _ioctl_u64(self, request: int) -> int:
        return int(_abi.U64.unpack(self._ioctl(request, bytes(8)))[0])

    def _has_ioctls(self) -> bool:
        try:
            fcntl.ioctl(self._fd, _abi.IOCTL_GET_DRV_INFO, bytearray(_abi.DRV_INFO.size), True)
        except OSError as e:
            if e.errno in (errno.ENOTTY, errno.EINVAL, errno.ENOSYS):
                return False
            raise
        return True

    def _get_u64(self, request: int, attr: str, radix: int) -> int:
        if self.interface == "ioctl":
            return self._ioctl_u64(request)
        return self.get_value(attr, radix)

    def _get_sync_raw(self) -> Tuple[int, int, int]:
        flags, size, offset = _abi.SYNC_ARGS.unpack(self._ioctl(_abi.IOCTL_GET_SYNC, bytes(_abi.SYNC_ARGS.size)))
        return flags, size, offset

    def _range(self, offset: Optional[int], size: Optional[int], direction: Optional[int]) -> Tuple[int, int, int]:
        off = 0 if offset is None else int(offset)
        if not 0 <= off <= self.buf_size:
            raise ValueError(f"offset {off}: outside the buffer of {self.buf_size} bytes")
        sz = self.buf_size - off if size is None else int(size)
        if sz < 0 or off + sz > self.buf_size:
            raise ValueError(f"offset {off} + size {sz}: beyond the buffer of {self.buf_size} bytes")
        d = _abi.DIR_BIDIRECTIONAL if direction is None else _check_direction(direction)
        return off, sz, d

    def _sync(self, for_device: bool, offset: Optional[int], size: Optional[int], direction: Optional[int]) -> None:
        self._check_open()
        attr = "sync_for_device" if for_device else "sync_for_cpu"
        req = _abi.IOCTL_SET_SYNC_FOR_DEVICE if for_device else _abi.IOCTL_SET_SYNC_FOR_CPU
        if offset is None and size is None and direction is None:
            # the stored settings
            if self.interface == "ioctl":
                self._ioctl(req, _abi.U64.pack(1))
            else:
                self.set_value(attr, 1)
            return
        off, sz, d = self._range(offset, size, direction)
        if sz == 0:
            off = 0  # an empty range anywhere: no maintenance, new owner
        packable = off < _abi.PACKED_OFFSET_LIMIT and sz <= _abi.PACKED_SIZE_MAX
        if self.interface == "ioctl" and packable:
            self._ioctl(req, _abi.U64.pack(_abi.sync_arg(off, sz, d)))
        elif self.interface == "ioctl":
            # beyond the packed form: SET_SYNC runs it, then the stored
            # settings are put back
            flags, cur_size, cur_offset = self._get_sync_raw()
            cmd = _abi.SYNC_CMD_FOR_DEVICE if for_device else _abi.SYNC_CMD_FOR_CPU
            self._ioctl(_abi.IOCTL_SET_SYNC, _abi.SYNC_ARGS.pack(cmd | (d << 2), sz, off))
            restore = _abi.SYNC_CMD_NONE | (flags & (3 << 2))
            self._ioctl(_abi.IOCTL_SET_SYNC, _abi.SYNC_ARGS.pack(restore, cur_size, cur_offset))
        elif sz == 0:
            self.set_value(attr, _abi.sync_arg(0, 0, d))
        else:
            # sysfs only (older drivers): the seeds' way, which changes the
            # stored settings
            self.set_value("sync_offset", off)
            self.set_value("sync_size", sz)
            self.set_value("sync_direction", d)
            self.set_value(attr, 1)
