"""Scratch folders for task runs, grouped per process so a crash leaves nothing behind for long.

Every working folder a process makes lives under one folder of its own in the
temporary directory, named for its pid and the kernel's start time of that
pid (``hushflow-run-<pid>-<start>``). A process that ends normally removes
its task folders as each task ends; one killed with ``kill -9`` cannot, so
every engine sweeps, when it starts, the folders whose process is gone (the
pid is dead, or now belongs to a process that started at another time).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path

from hushflow.procinfo import start_ticks

PREFIX = "hushflow-run-"

_roots: dict[int, Path] = {}
_lock = threading.Lock()


def process_root() -> Path:
    """This process's own scratch folder (0700), made on first use."""
    pid = os.getpid()
    with _lock:
        root = _roots.get(pid)
        if root is None:
            name = f"{PREFIX}{pid}-{start_ticks(pid) or 0}"
            root = Path(tempfile.gettempdir()) / name
            root.mkdir(mode=0o700, exist_ok=True)
            _roots[pid] = root
    return root


@atexit.register
def _remove_own() -> None:
    root = _roots.get(os.getpid())
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)


def scratch_dir(prefix: str) -> Path:
    """A new folder for one task run (or one prepared file set) under :func:`process_root`."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=process_root()))


def sweep_stale(folder: Path | None = None) -> list[Path]:
    """Remove the scratch folders of processes that are gone; return what was removed."""
    base = folder or Path(tempfile.gettempdir())
    removed = []
    for path in base.glob(f"{PREFIX}*"):
        pid, _, ticks = path.name.removeprefix(PREFIX).partition("-")
        if not pid.isdigit() or not path.is_dir() or path.is_symlink():
            continue
        if start_ticks(int(pid)) == ticks:
            continue  # its process is still running
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed
