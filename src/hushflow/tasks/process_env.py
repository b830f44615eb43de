"""The environment a task's child process gets: the task's ``env`` and nothing else of ours.

hushflow's own process holds its master key, its database URL and, with the
environment secret backend, every ``SECRET_*`` value. A child inherits none of
it: it starts from a minimal base (a search path, a home and a temp folder in
the task's private working folder, a UTF-8 locale) and adds what the task
declared.

This keeps hushflow's variables out of the child's own environment. What
else the child can reach (hushflow's files, ``/proc`` of the hushflow process)
is the sandbox's business: :mod:`hushflow.tasks.sandbox`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#: hushflow's own folder inside a working folder (scripts, temp files); never an output file.
INTERNAL = ".hushflow"


def child_environment(
    workdir: Path,
    task_env: Mapping[str, str],
    *,
    path: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The full environment of a child process run in ``workdir``.

    ``path`` defaults to this process's ``PATH`` (a list of folders, not a
    secret); ``extra`` is what the task type adds (such as ``PYTHONUNBUFFERED``);
    ``task_env`` comes last, so a flow can override any of it.
    """
    tmp = workdir / INTERNAL / "tmp"
    tmp.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {
        "PATH": path if path is not None else os.environ.get("PATH", DEFAULT_PATH),
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": str(tmp),
    }
    env.update(extra or {})
    env.update(task_env)
    return env
