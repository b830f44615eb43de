"""Execution files (FILE inputs, task output files) under ``$HUSHFLOW_HOME/storage``.

Files are addressed as Kestra does, ``kestra:///<namespace as path>/<flow>/executions/<id>/...``,
so flows that pass such URIs around keep working.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from hushflow.storage.database import home

SCHEME = "kestra://"


def storage_root() -> Path:
    """Where execution files live."""
    return home() / "storage"


def _private_dirs(folder: Path) -> None:
    """Create ``folder`` and its missing parents 0700 (``mkdir``'s mode skips the parents)."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)


def execution_prefix(namespace: str, flow_id: str, execution_id: str) -> str:
    """The storage path of one execution's files."""
    return f"{namespace.replace('.', '/')}/{flow_id}/executions/{execution_id}"


def store_input_file(
    namespace: str, flow_id: str, execution_id: str, input_id: str, source: str
) -> str:
    """Copy a local file given as a FILE input into storage; return its URI."""
    if source.startswith(SCHEME):
        return source
    src = Path(source).expanduser()
    if not src.is_file():
        raise ValueError(f"no such file: {src.name}")
    relative = f"{execution_prefix(namespace, flow_id, execution_id)}/inputs/{input_id}/{src.name}"
    target = storage_root() / relative
    _private_dirs(target.parent)
    shutil.copyfile(src, target)
    target.chmod(0o600)
    return f"{SCHEME}/{relative}"
