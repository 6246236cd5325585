"""Creating, deleting and listing buffers: ``/dev/u-dma-buf-mgr`` and sysfs."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any, Dict, List, Optional, Tuple, Type, Union

from . import _abi

OptionValue = Union[int, str, bool]


def _option_text(key: str, value: OptionValue) -> str:
    k = key.replace("_", "-")
    if not k or not all(c.isalnum() or c == "-" for c in k):
        raise ValueError(f"option {key!r}: not a manager option name")
    if isinstance(value, bool):
        v = "1" if value else "0"
    else:
        v = str(value)
    if not v or any(c.isspace() for c in v):
        raise ValueError(f"option {key}={value!r}: the value must be one word")
    return f"{k}={v}"


class Manager:
    """An open ``/dev/u-dma-buf-mgr`` (root, or a group the udev rule names).

    Buffers created with ``auto_delete=True`` belong to this open file: the
    driver deletes them when it is closed, the process's exit included.
    """

    def __init__(self, path: str = _abi.MANAGER_PATH) -> None:
        self.path = path
        self._fd = -1
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            raise FileNotFoundError(
                errno.ENOENT,
                "no buffer manager: the u-dma-buf module is not loaded (modprobe u-dma-buf)",
                path,
            ) from None
        except PermissionError:
            raise PermissionError(
                errno.EACCES,
                "no permission to use the buffer manager: run as root, or give a group "
                'access with the udev rule KERNEL=="u-dma-buf-mgr", GROUP="udmabuf", MODE="0660"',
                path,
            ) from None
        self.pid = os.getpid()

    def __enter__(self) -> "Manager":
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
        """Close the manager file (deletes its auto-delete buffers)."""
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._fd < 0

    def command(self, text: str) -> None:
        """Send one manager command (``create ...`` or ``delete ...``)."""
        if self._fd < 0:
            raise ValueError("the manager file is closed")
        try:
            os.write(self._fd, text.encode())
        except OSError as e:
            hint = {
                errno.EINVAL: " (the kernel log says why: dmesg | grep u-dma-buf-mgr)",
                errno.EEXIST: " (a buffer of that name exists)",
                errno.ENOENT: " (no buffer of that name)",
                errno.EPERM: " (only its creator or root may delete it)",
            }.get(e.errno or 0, "")
            raise OSError(e.errno, f"{e.strerror}: {text!r}{hint}") from None

    def create(self, name: str, size: int, *, auto_delete: bool = False, **options: OptionValue) -> None:
        """Create buffer ``name`` of ``size`` bytes; ``options`` are manager
        options (``sync_mode=2`` is sent as ``sync-mode=2``).  With
        ``auto_delete`` the buffer is deleted when this manager file closes."""
        if not name or any(c.isspace() for c in name):
            raise ValueError(f"buffer name {name!r}: expected one word")
        if int(size) <= 0:
            raise ValueError(f"size {size}: expected more than 0 bytes")
        words = ["create", name, str(int(size))]
        if auto_delete:
            words.append("auto-delete=1")
        words += [_option_text(k, v) for k, v in options.items()]
        self.command(" ".join(words))

    def delete(self, name: str) -> None:
        """Delete buffer ``name`` (its memory goes once no file or mapping
        of it is left)."""
        self.command(f"delete {name}")


def manager_list(path: str = _abi.MANAGER_PATH) -> List[Tuple[str, int, int]]:
    """What reading the manager shows: ``(name, size, phys_addr)`` per buffer."""
    out = []
    with open(path) as f:
        for line in f:
            words = line.split()
            if len(words) >= 3:
                out.append((words[0], int(words[1], 0), int(words[2], 0)))
    return out


@dataclass(frozen=True)
class BufferInfo:
    """What sysfs and ``/dev`` tell about one buffer, without opening it
    (no permission needed).  ``None``: the driver does not show it."""

    name: str
    device: str
    size: int
    phys_addr: int
    cpu_phys_addr: Optional[int]
    dma_coherent: Optional[bool]
    sync_mode: Optional[int]
    sync_offset: Optional[int]
    sync_size: Optional[int]
    sync_direction: Optional[int]
    sync_owner: Optional[int]
    quirk_mmap_mode: Optional[int]
    export_count: Optional[int]
    driver_version: Optional[str]
    dev_uid: Optional[int]
    dev_gid: Optional[int]
    dev_mode: Optional[int]

    def as_dict(self) -> Dict[str, Any]:
        """The fields as a dict."""
        return asdict(self)


def _attr(name: str, attr: str) -> Optional[str]:
    try:
        with open(f"{_abi.CLASS_DIR}/{name}/{attr}") as f:
            return f.read().strip()
    except OSError:
        return None


def _num(name: str, attr: str) -> Optional[int]:
    text = _attr(name, attr)
    try:
        return None if text is None else int(text, 0)
    except ValueError:
        return None


def buffer_info(name: str) -> BufferInfo:
    """The attributes of buffer ``name``; FileNotFoundError if there is none."""
    size, addr = _num(name, "size"), _num(name, "phys_addr")
    if "/" in name or size is None or addr is None:
        if not os.path.isdir(_abi.CLASS_DIR):
            raise FileNotFoundError(
                errno.ENOENT, "the u-dma-buf module is not loaded (modprobe u-dma-buf)", _abi.CLASS_DIR
            )
        raise FileNotFoundError(errno.ENOENT, f"no buffer {name!r}", f"{_abi.CLASS_DIR}/{name}")
    dev = "/dev/" + name
    try:
        st = os.stat(dev)
        uid: Optional[int] = st.st_uid
        gid: Optional[int] = st.st_gid
        mode: Optional[int] = stat.S_IMODE(st.st_mode)
    except OSError:
        uid = gid = mode = None
    coherent = _num(name, "dma_coherent")
    return BufferInfo(
        name=name,
        device=dev,
        size=size,
        phys_addr=addr,
        cpu_phys_addr=_num(name, "cpu_phys_addr"),
        dma_coherent=None if coherent is None else bool(coherent),
        sync_mode=_num(name, "sync_mode"),
        sync_offset=_num(name, "sync_offset"),
        sync_size=_num(name, "sync_size"),
        sync_direction=_num(name, "sync_direction"),
        sync_owner=_num(name, "sync_owner"),
        quirk_mmap_mode=_num(name, "quirk_mmap_mode"),
        export_count=_num(name, "export_count"),
        driver_version=_attr(name, "driver_version"),
        dev_uid=uid,
        dev_gid=gid,
        dev_mode=mode,
    )


def list_buffers() -> List[BufferInfo]:
    """Every buffer (parameters, device tree, manager), sorted by name; an
    empty list when the module is not loaded."""
    try:
        names = sorted(os.listdir(_abi.CLASS_DIR))
    except FileNotFoundError:
        return []
    out = []
    for n in names:
        try:
            out.append(buffer_info(n))
        except FileNotFoundError:
            pass  # deleted meanwhile
    return out
