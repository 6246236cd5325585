"""u-dma-buf from Python: DMA buffers as NumPy arrays.

- :class:`Udmabuf`: one existing buffer by name (``/dev/<name>``): size,
  DMA and CPU physical address, sync settings, a ``numpy.memmap`` of it and
  ``sync_for_cpu``/``sync_for_device`` of any range.
- :func:`allocate`: PYNQ's ``allocate()``: a new buffer of this process as
  an ndarray with ``.device_address``, ``.flush()``, ``.invalidate()`` and
  ``.freebuffer()``; it is deleted when the array is gone, and by the driver
  when the process ends.
- :class:`Manager`, :func:`list_buffers`, :func:`buffer_info`: creating,
  deleting and listing buffers.

``python -m udmabuf list`` and ``python -m udmabuf info NAME`` show them.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any
from typing import List as _List

from ._abi import DIR_BIDIRECTIONAL, DIR_FROM_DEVICE, DIR_TO_DEVICE
from .manager import BufferInfo, Manager, buffer_info, list_buffers, manager_list

if _TYPE_CHECKING:
    from .buffer import DmaBuffer, PynqBuffer, allocate
    from .core import Direction, SyncSettings, Udmabuf

# imported on first use, so that listing buffers (python -m udmabuf) needs
# neither NumPy nor its import time
_LAZY = {
    "allocate": "buffer",
    "DmaBuffer": "buffer",
    "PynqBuffer": "buffer",
    "Udmabuf": "core",
    "Direction": "core",
    "SyncSettings": "core",
}

__version__ = "0.1.0"

__all__ = [
    "Udmabuf",
    "Direction",
    "SyncSettings",
    "allocate",
    "DmaBuffer",
    "PynqBuffer",
    "Manager",
    "BufferInfo",
    "buffer_info",
    "list_buffers",
    "manager_list",
    "DIR_BIDIRECTIONAL",
    "DIR_TO_DEVICE",
    "DIR_FROM_DEVICE",
    "__version__",
]


def __getattr__(name: str) -> _Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module("." + mod, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> _List[str]:
    return sorted(__all__)
