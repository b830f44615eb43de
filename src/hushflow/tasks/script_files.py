"""Files in and out of a script's working folder.

``inputFiles`` are written into the task's private working folder before the
script runs; ``outputFiles`` (glob patterns) are copied out afterwards into
hushflow's storage, ``$HUSHFLOW_HOME/storage/<execution>/<task run>/``. A copy
is masked on its way out, like every other thing a task produces: a script
that writes a secret into an output file leaves the mask token in storage, not
the secret.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath

from hushflow.tasks.context import TaskFailed
from hushflow.tasks.process_env import INTERNAL


def hushflow_home() -> Path:
    """hushflow's own folder: ``$HUSHFLOW_HOME`` or ``~/.hushflow``."""
    raw = os.environ.get("HUSHFLOW_HOME")
    return Path(raw).expanduser() if raw else Path.home() / ".hushflow"


def storage_folder(execution_id: str, task_run_id: str) -> Path:
    """Where the output files of one task run are kept."""
    return hushflow_home() / "storage" / execution_id / task_run_id


def _inside(workdir: Path, name: str) -> Path:
    """``workdir / name``, refusing absolute names and names that climb out."""
    rel = PurePosixPath(name)
    if not name or rel.is_absolute() or ".." in rel.parts:
        raise TaskFailed(f"input file name '{name}' must be a relative path in the working folder")
    return workdir.joinpath(*rel.parts)


def write_input_files(workdir: Path, files: Mapping[str, str]) -> None:
    """Write each ``name: content`` into ``workdir`` (owner-only permissions)."""
    for name, content in files.items():
        target = _inside(workdir, name)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)


def _matches(workdir: Path, patterns: Sequence[str]) -> dict[str, Path]:
    root = workdir.resolve()
    found: dict[str, Path] = {}
    for pattern in patterns:
        if PurePosixPath(pattern).is_absolute() or ".." in PurePosixPath(pattern).parts:
            raise TaskFailed(f"output file pattern '{pattern}' must be relative to the working dir")
        for path in sorted(workdir.glob(pattern)):
            real = path.resolve()
            if path.relative_to(workdir).parts[0] == INTERNAL:
                continue
            if real.is_file() and real.is_relative_to(root):
                found[path.relative_to(workdir).as_posix()] = real
    return found


def masked_bytes(data: bytes, mask: Callable[[str], str]) -> bytes:
    """``data`` with every registered secret form replaced, text or binary.

    Bytes that are not UTF-8 are carried through as lone surrogates
    (``surrogateescape``), so a secret inside a binary file is masked and
    every other byte comes back exactly as it was.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    return mask(text).encode("utf-8", errors="surrogateescape")


def collect_output_files(
    workdir: Path, patterns: Sequence[str], dest: Path, mask: Callable[[str], str]
) -> dict[str, str]:
    """Copy the files matching ``patterns`` into ``dest``, masked; map name -> stored path."""
    out: dict[str, str] = {}
    for name, source in _matches(workdir, patterns).items():
        # A file named after a secret is stored under its masked name.
        target = dest.joinpath(*PurePosixPath(mask(name)).parts)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        target.write_bytes(masked_bytes(source.read_bytes(), mask))
        target.chmod(0o600)
        out[name] = str(target)
    return out
