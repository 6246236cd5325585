"""PYNQ-compatible ``allocate()``: NumPy arrays in DMA buffers of this process.

Each call creates a buffer through the manager (``/dev/u-dma-buf-mgr``),
maps it and returns a :class:`DmaBuffer`, an ``ndarray`` subclass with the
attributes and methods of PYNQ's ``PynqBuffer``.  The buffer is created
with ``auto-delete=1`` through one manager file that this process keeps
open, so the driver deletes it when the process ends, however it ends.
It is deleted earlier by ``freebuffer()``/``close()``, at the end of a
``with`` block, or when the last array that uses its memory (views and
slices included) is gone.
"""

from __future__ import annotations

import errno
import itertools
import mmap
import os
import threading
import weakref
from types import TracebackType
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple, Type

import numpy as np

from . import _abi
from .core import ShapeLike, Udmabuf
from .manager import Manager, OptionValue

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["allocate", "DmaBuffer", "PynqBuffer"]

_lock = threading.Lock()
_manager: Optional[Manager] = None
_names = itertools.count()
# None: not known yet; False: the driver refuses auto-delete=1 (then the
# buffers are deleted on free and by the finalizers at interpreter exit)
_auto_delete: Optional[bool] = None


def _process_manager() -> Manager:
    """The manager file of this process (a fork opens its own)."""
    global _manager
    with _lock:
        if _manager is None or _manager.pid != os.getpid():
            _manager = Manager()
        return _manager


def _create(mgr: Manager, size: int, options: Dict[str, OptionValue]) -> str:
    """Create a buffer of this process; returns its name."""
    global _auto_delete
    for _ in range(64):
        name = f"py-{os.getpid()}-{next(_names)}"
        try:
            if _auto_delete is not False:
                try:
                    mgr.create(name, size, auto_delete=True, **options)
                    _auto_delete = True
                    return name
                except OSError as e:
                    if e.errno != errno.EINVAL or _auto_delete:
                        raise
            mgr.create(name, size, auto_delete=False, **options)
            if _auto_delete is None:
                _auto_delete = False  # an older driver
            return name
        except FileExistsError:
            continue  # left by an earlier process of the same pid
    raise FileExistsError(errno.EEXIST, "no free buffer name", name)


def _byte_bounds(a: "np.ndarray[Any, Any]") -> Tuple[int, int]:
    """The lowest address of ``a``'s memory and the one past its highest."""
    lo = hi = int(a.__array_interface__["data"][0])
    if a.size == 0:
        return lo, hi
    for n, s in zip(a.shape, a.strides):
        if s < 0:
            lo += (n - 1) * s
        else:
            hi += (n - 1) * s
    return lo, hi + a.itemsize


def _release(dev: Udmabuf, mm: mmap.mmap, mgr: Manager, name: str, pid: int) -> None:
    """Delete the buffer and close its files (a finalizer: the arrays that
    used it are gone, or freebuffer() was called)."""
    if os.getpid() != pid:
        return  # a forked child's copy: the parent deletes it
    try:
        mgr.delete(name)
    except (OSError, ValueError):
        pass  # deleted already (by rmmod, or the manager file was closed)
    dev.close()
    # the mapping is never closed here: NumPy arrays keep the mmap object
    # as their base but hold no buffer export of it, so closing it would
    # pull the memory from under views still alive; it is unmapped when
    # the last of them is gone
    del mm


class _Allocation:
    """One buffer of allocate(): shared by the array and all its views."""

    def __init__(self, dev: Udmabuf, mm: mmap.mmap, mgr: Manager, cacheable: bool) -> None:
        self.dev = dev
        self.name = dev.name
        self.nbytes = len(mm)
        self.cacheable = cacheable
        self.phys = dev.phys_addr
        self.cpu_phys = dev.cpu_phys_addr
        self.coherent = dev.dma_coherent
        self.vaddr = 0  # set once the array exists
        self._finalizer = weakref.finalize(self, _release, dev, mm, mgr, dev.name, os.getpid())

    @property
    def freed(self) -> bool:
        return not self._finalizer.alive

    def free(self) -> None:
        self._finalizer()

    def contains(self, lo: int, hi: int) -> bool:
        return self.vaddr <= lo and hi <= self.vaddr + self.nbytes


if TYPE_CHECKING:
    _NDArray = np.ndarray[Any, Any]
else:
    _NDArray = np.ndarray


class DmaBuffer(_NDArray):
    """A NumPy array in a DMA buffer (PYNQ's ``PynqBuffer``).

    Views and slices are ``DmaBuffer`` too and keep the buffer alive; their
    :attr:`device_address` and :meth:`flush`/:meth:`invalidate` cover their
    own part of it.  Arrays computed from it (``buf + 1``) are plain
    ndarrays; a ``copy()`` is a DmaBuffer outside any buffer, whose DMA
    methods raise ValueError.
    """

    _alloc: Optional[_Allocation]

    def __new__(cls, shape: ShapeLike, dtype: npt.DTypeLike, buffer: mmap.mmap, alloc: _Allocation) -> "DmaBuffer":
        obj = super().__new__(cls, shape, dtype=dtype, buffer=buffer)
        obj._alloc = alloc
        return obj

    def __array_finalize__(self, obj: Any) -> None:
        alloc = getattr(obj, "_alloc", None)
        if alloc is not None and self.size:
            lo, hi = _byte_bounds(self)
            if not alloc.contains(lo, hi):
                alloc = None
        self._alloc = alloc

    def __array_wrap__(self, arr: Any, *args: Any, **kwargs: Any) -> Any:
        out = super().__array_wrap__(arr, *args, **kwargs)
        if isinstance(out, DmaBuffer) and out._alloc is None:
            out = out.view(np.ndarray)
            return out[()] if out.ndim == 0 else out
        return out

    def _allocation(self) -> _Allocation:
        a = self._alloc
        if a is None:
            raise ValueError("this array is not in a DMA buffer (a copy or a computed result)")
        return a

    def _range(self) -> Tuple[_Allocation, int, int]:
        a = self._allocation()
        if a.freed:
            raise ValueError(f"the DMA buffer {a.name} was freed")
        if not self.size:
            return a, 0, 0
        lo, hi = _byte_bounds(self)
        return a, lo - a.vaddr, hi - lo

    @property
    def virtual_address(self) -> int:
        """The address of the first element in this process."""
        return int(self.__array_interface__["data"][0])

    @property
    def device_address(self) -> int:
        """The DMA address of the first element: what a device is given."""
        a = self._allocation()
        return a.phys + (self.virtual_address - a.vaddr)

    @property
    def physical_address(self) -> int:
        """PYNQ's name of :attr:`device_address`."""
        return self.device_address

    @property
    def cpu_physical_address(self) -> int:
        """The CPU physical address of the first element (differs from the
        device address behind an IOMMU or a bus offset)."""
        a = self._allocation()
        return a.cpu_phys + (self.virtual_address - a.vaddr)

    @property
    def cacheable(self) -> bool:
        """False for ``allocate(..., cacheable=False)`` (write-combine)."""
        return self._allocation().cacheable

    @property
    def coherent(self) -> bool:
        """True when the DMA device is cache-coherent (no cache maintenance)."""
        return self._allocation().coherent

    @property
    def buffer_name(self) -> str:
        """The name of the u-dma-buf buffer (``/dev/<name>``)."""
        return self._allocation().name

    @property
    def udmabuf(self) -> Udmabuf:
        """The :class:`Udmabuf` of the whole buffer (sync settings, ioctls)."""
        return self._allocation().dev

    def flush(self) -> None:
        """Hand this array's bytes to the device: sync for the device,
        direction to-device (a cache clean on non-coherent ARM; for a
        write-combined buffer the driver's sync is the barrier that drains
        the CPU's write buffers)."""
        a, off, size = self._range()
        a.dev.sync_for_device(off, size, _abi.DIR_TO_DEVICE)

    def invalidate(self) -> None:
        """Take this array's bytes back from the device: sync for the CPU,
        direction from-device (a cache invalidate on non-coherent ARM)."""
        a, off, size = self._range()
        a.dev.sync_for_cpu(off, size, _abi.DIR_FROM_DEVICE)

    def sync_to_device(self) -> None:
        """Same as :meth:`flush`."""
        self.flush()

    def sync_from_device(self) -> None:
        """Same as :meth:`invalidate`."""
        self.invalidate()

    def freebuffer(self) -> None:
        """Delete the buffer now (all views of it included).  The memory
        goes when the last array using it is gone; do not hand it to a
        device any more."""
        if self._alloc is not None:
            self._alloc.free()

    def close(self) -> None:
        """Same as :meth:`freebuffer`."""
        self.freebuffer()

    def __enter__(self) -> "DmaBuffer":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.freebuffer()


PynqBuffer = DmaBuffer
"""PYNQ's name of :class:`DmaBuffer`."""


def allocate(
    shape: ShapeLike,
    dtype: npt.DTypeLike = "u4",
    target: Any = None,
    *,
    cacheable: bool = True,
    **options: OptionValue,
) -> DmaBuffer:
    """A NumPy array of ``shape`` and ``dtype`` in a new DMA buffer.

    As PYNQ's ``allocate``: ``target`` is accepted and ignored.
    ``cacheable=False`` maps the buffer write-combined (``sync_mode=2``
    with O_SYNC: Normal non-cacheable on ARM, WC on x86_64, never Device
    memory, so NumPy's stores and memset are safe; ``flush()`` before the
    device starts is the barrier).  Other keyword arguments are manager options
    (``dma_mask=40``, ``bind="pci/0000:01:00.0"``).  Needs permission to
    use ``/dev/u-dma-buf-mgr`` (root, or the group of its udev rule).
    """
    dt = np.dtype(dtype)
    dims = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    nbytes = int(np.prod(dims, dtype=np.int64)) * dt.itemsize
    if nbytes <= 0:
        raise ValueError(f"shape {shape!r} of {dt}: a DMA buffer needs at least one byte")
    opts = {k.replace("-", "_"): v for k, v in options.items()}
    if "auto_delete" in opts:
        raise ValueError("auto_delete: allocate() buffers always go with the process")
    if not cacheable:
        if opts.get("sync_mode", 2) != 2:
            raise ValueError("cacheable=False is sync_mode 2 (write-combine); do not give another sync_mode")
        opts["sync_mode"] = 2
    mgr = _process_manager()
    name = _create(mgr, nbytes, opts)
    dev = None
    try:
        dev = Udmabuf(name)
        flags = os.O_RDWR | os.O_CLOEXEC | (0 if cacheable else os.O_SYNC)
        fd = os.open(dev.device_name, flags)
        try:
            mm = mmap.mmap(fd, nbytes, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)  # the mapping keeps its own reference
    except BaseException:
        if dev is not None:
            dev.close()
        try:
            mgr.delete(name)
        except OSError:
            pass
        raise
    alloc = _Allocation(dev, mm, mgr, cacheable)
    arr = DmaBuffer(dims, dt, mm, alloc)
    alloc.vaddr = arr.virtual_address
    return arr
