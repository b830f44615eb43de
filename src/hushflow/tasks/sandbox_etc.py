"""The sandbox's ``/etc``: a copy of the few host files programs need, made once.

Binding each file on its own costs two mount operations per file for every
task; one read-only bind of a prepared folder costs two in all. The copy is
made again when one of the host files changes (a new ``resolv.conf``), and
removed when hushflow exits. It holds nothing secret: name-service and TLS
settings, public certificates, the users list; never ``/etc/ssl/private``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import threading
from pathlib import Path

from hushflow.tasks.scratch import scratch_dir

ETC_NAMES = (
    "alternatives", "ssl", "ca-certificates", "ca-certificates.conf", "ld.so.cache",
    "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "host.conf", "hosts",
    "resolv.conf", "gai.conf", "passwd", "group", "mime.types", "protocols", "services",
)  # fmt: skip
_PRIVATE = shutil.ignore_patterns("private")
_lock = threading.Lock()
#: the copy of each source folder, with the stamps of the files it was made from
_current: dict[Path, tuple[tuple[tuple[str, int], ...], Path]] = {}
#: every copy made; an older one may still be in use by a starting sandbox until exit
_made: list[Path] = []


def _stamp(source: Path) -> tuple[tuple[str, int], ...]:
    out = []
    for name in ETC_NAMES:
        with contextlib.suppress(OSError):
            out.append((name, (source / name).stat().st_mtime_ns))
    return tuple(out)


def _copy(source: Path, target: Path) -> None:
    for name in ETC_NAMES:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, target / name, symlinks=True, ignore=_PRIVATE)
        elif path.exists():  # a symlink (resolv.conf, localtime) is copied as what it points to
            shutil.copyfile(path, target / name)
            (target / name).chmod(0o644)


def etc_folder(source: Path = Path("/etc")) -> Path:
    """A folder holding copies of the host's ``ETC_NAMES``, up to date."""
    stamp = _stamp(source)
    with _lock:
        known = _current.get(source)
        if known is not None and known[0] == stamp and known[1].is_dir():
            return known[1]
        folder = scratch_dir("hushflow-etc-")
        _made.append(folder)
        folder.chmod(0o755)
        _copy(source, folder)
        _current[source] = (stamp, folder)
    return folder


@atexit.register
def _remove() -> None:
    for folder in _made:
        if os.path.isdir(folder):
            shutil.rmtree(folder, ignore_errors=True)
