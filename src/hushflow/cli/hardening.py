"""Process hardening done once at start-up, before any secret is read.

A script task runs as hushflow's own user. While hushflow is "dumpable", such
a process could read ``/proc/<hushflow pid>/environ`` (the master key, if it
was given in the environment) or attach to hushflow's memory. Marking the
process non-dumpable makes those files owned by root and refuses ptrace from
the same user. It is not a sandbox (a separate user is), but it closes the
cheapest path. Linux only; elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import sys

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    # The running interpreter already links libc: its symbols are found without
    # ``ctypes.util.find_library``, which starts ``ldconfig`` (tens of ms at start-up).
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def make_undumpable() -> bool:
    """Mark this process non-dumpable; True when it is."""
    libc = _libc()
    if libc is None:
        return False
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    return bool(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0)
