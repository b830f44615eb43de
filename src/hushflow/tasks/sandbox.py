"""The bubblewrap command line that confines one script task.

A script gets new mount, PID, IPC and UTS namespaces (and a network
namespace of its own with ``networkMode: none``). Its file system is built
from nothing: ``/usr`` and the interpreter's prefix read-only, the few
``/etc`` files programs need, a fresh ``/proc`` and ``/dev``, a private
size-limited ``/tmp``, its working folder writable, and its secret files on a
tmpfs of their own. ``HUSHFLOW_HOME`` (key file, database, other runs'
storage), the other working folders and hushflow's own process are not in it.

When hushflow runs as root, bubblewrap builds the sandbox and the command is
started through ``setpriv`` as an unprivileged uid with no capabilities and
``no_new_privs``; otherwise bubblewrap makes a user namespace (the script keeps
hushflow's uid, inside namespaces where nothing of hushflow is visible).
Limits are set with ``prlimit`` right before the command. The PID namespace
ends with the command: whatever it left running is killed with it.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from hushflow.tasks.sandbox_config import Limits
from hushflow.tasks.sandbox_etc import etc_folder

#: Where secret files appear inside the sandbox (Docker's convention).
SECRETS_DIR = "/run/secrets"
_TOP_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
_SECRET_FILES_SIZE = 4 << 20


class SandboxUnavailable(Exception):
    """bubblewrap (or what it needs) is missing; the message says what to install."""


@dataclass(frozen=True)
class SandboxSpec:
    """Everything one sandboxed run needs; turned into argv by :func:`bwrap_argv`."""

    workdir: Path
    network: bool
    limits: Limits
    uid: int = 65534
    gid: int = 65534
    readonly: tuple[Path, ...] = ()
    hidden: tuple[Path, ...] = ()
    #: this execution's stored files (earlier tasks' output files), shown read-only
    shared: tuple[Path, ...] = ()
    #: secret file name -> the fd (inherited by bwrap) its content is read from
    secret_fds: Mapping[str, int] = field(default_factory=dict)


def find_bwrap() -> str:
    """The bwrap binary, or a clear error saying how to get it."""
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "script tasks run in a bubblewrap sandbox, but 'bwrap' is not installed: "
            "install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install "
            "bubblewrap), or let an administrator allow unsandboxed scripts in hushflow.yml "
            "(sandbox.allow_unsandboxed)"
        )
    if os.geteuid() == 0 and (shutil.which("setpriv") is None or shutil.which("prlimit") is None):
        raise SandboxUnavailable("the sandbox needs 'setpriv' and 'prlimit' (package util-linux)")
    return path


def interpreter_prefixes() -> tuple[Path, ...]:
    """The folders hushflow's Python needs (its prefix and, for a venv, the base's)."""
    prefixes = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parents[1]}
    return tuple(sorted(p for p in prefixes if not _under(p, Path("/usr"))))


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _ancestors(dest: PurePosixPath, made: set[str]) -> list[str]:
    """``--dir`` for each parent folder bwrap would otherwise create private (0700)."""
    out: list[str] = []
    for parent in reversed(dest.parents):
        text = str(parent)
        if text in ("/", "/tmp", "/run") or text in made:
            continue
        made.add(text)
        out += ["--perms", "0755", "--dir", text]
    return out


def _system() -> list[str]:
    """``/usr`` read-only, the top-level links into it, and the /etc files programs use."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in _TOP_LINKS:
        top = Path("/") / name
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    return [*args, "--ro-bind", str(etc_folder()), "/etc"]


def limit_args(limits: Limits) -> list[str]:
    """``prlimit``'s options; CPU gets a soft limit first (SIGXCPU, then SIGKILL)."""
    return [
        f"--cpu={limits.cpu}:{limits.cpu + 1}",
        f"--as={limits.memory}",
        f"--nproc={limits.processes}",
        f"--nofile={limits.open_files}",
        f"--fsize={limits.disk}",
        "--core=0",
        "--",
    ]


def _secret_files(spec: SandboxSpec) -> list[str]:
    if not spec.secret_fds:
        return []
    args = ["--perms", "0755", "--size", str(_SECRET_FILES_SIZE), "--tmpfs", SECRETS_DIR]
    for name, fd in spec.secret_fds.items():
        args += ["--perms", "0400", "--file", str(fd), f"{SECRETS_DIR}/{name}"]
    return args


def _mounts(spec: SandboxSpec) -> list[str]:
    made: set[str] = set()
    args = ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777", "--size", str(spec.limits.tmp), "--tmpfs", "/tmp"]
    for folder in spec.readonly:
        args += _ancestors(PurePosixPath(folder), made)
        args += ["--ro-bind", str(folder), str(folder)]
    for folder in spec.hidden:  # on top of a read-only bind that would show it
        args += ["--tmpfs", str(folder)]
    for folder in spec.shared:
        if folder.is_dir():
            args += _ancestors(PurePosixPath(folder), made)
            args += ["--ro-bind", str(folder), str(folder)]
    args += _ancestors(PurePosixPath(spec.workdir), made)
    args += ["--bind", str(spec.workdir), str(spec.workdir)]
    return args + _secret_files(spec)


def _drop(spec: SandboxSpec) -> list[str]:
    """As root: capabilities only for ``setpriv`` (and chown of secret files), then none."""
    caps = ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    setpriv = [
        "/usr/bin/setpriv", f"--reuid={spec.uid}", f"--regid={spec.gid}", "--clear-groups",
        "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--",
    ]  # fmt: skip
    if not spec.secret_fds:
        return [*caps, "--", *setpriv]
    chown = f'chown -R {spec.uid}:{spec.gid} {SECRETS_DIR} && exec "$@"'
    return ["--cap-add", "CAP_CHOWN", *caps, "--", "/bin/sh", "-c", chown, "sh", *setpriv]


def bwrap_argv(bwrap: str, spec: SandboxSpec, argv: Sequence[str]) -> list[str]:
    """The full command line: bwrap, its options, the privilege drop, limits, ``argv``.

    No value goes on it (any user of the machine can read a command line): the
    environment is bwrap's own, given by the caller, and secret files are read
    from inherited file descriptors.
    """
    root = os.geteuid() == 0
    args = [bwrap, "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    if not root:
        args += ["--unshare-user", "--disable-userns"]
    if not spec.network:
        args.append("--unshare-net")
    args += ["--die-with-parent", "--new-session", "--hostname", "sandbox"]
    args += _system() + _mounts(spec)
    args += ["--chdir", str(spec.workdir)]
    head = _drop(spec) if root else ["--"]
    return [*args, *head, shutil.which("prlimit") or "prlimit", *limit_args(spec.limits), *argv]


def hand_over(workdir: Path, uid: int, gid: int) -> None:
    """Give the working folder to the sandbox's user (hushflow as root only)."""
    if os.geteuid() != 0:
        return
    for path in _walk(workdir):
        os.lchown(path, uid, gid)


def _walk(folder: Path) -> Iterable[Path]:
    yield folder
    for base, dirs, files in os.walk(folder):
        for name in (*dirs, *files):
            yield Path(base, name)
