"""The bubblewrap command line, built as data: what it unshares, shows and never holds."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from hushflow.tasks import sandbox
from hushflow.tasks.sandbox_config import Limits


def _argv(tmp_path: Path, **changes: object) -> list[str]:
    spec = sandbox.SandboxSpec(workdir=tmp_path / "work", network=True, limits=Limits())
    spec = replace(spec, **changes)  # type: ignore[arg-type]
    return sandbox.bwrap_argv("/usr/bin/bwrap", spec, ["/bin/sh", "-c", ". commands.sh"])


def test_namespaces_and_process_end(tmp_path: Path) -> None:
    argv = _argv(tmp_path)
    for flag in ("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
                 "--new-session"):  # fmt: skip
        assert flag in argv
    assert "--unshare-net" not in argv
    assert "--unshare-net" in _argv(tmp_path, network=False)


def test_only_the_working_folder_is_writable(tmp_path: Path) -> None:
    argv = _argv(tmp_path, readonly=(tmp_path / "prefix",), shared=())
    binds = [argv[i + 1] for i, a in enumerate(argv) if a == "--bind"]
    assert binds == [str(tmp_path / "work")]
    assert argv[argv.index("/usr") - 1 : argv.index("/usr") + 2] == ["--ro-bind", "/usr", "/usr"]
    assert "--dev-bind" not in argv


def test_hushflow_home_inside_a_shown_folder_is_covered(tmp_path: Path) -> None:
    home = tmp_path / "prefix" / "home"
    argv = _argv(tmp_path, readonly=(tmp_path / "prefix",), hidden=(home,))
    assert argv.index(str(home)) > argv.index(str(tmp_path / "prefix"))
    assert argv[argv.index(str(home)) - 1] == "--tmpfs"


def test_secret_files_come_from_descriptors_never_the_command_line(tmp_path: Path) -> None:
    argv = _argv(tmp_path, secret_fds={"db.pem": 7})
    at = argv.index("/run/secrets/db.pem")
    assert argv[at - 2 : at] == ["--file", "7"]
    assert argv[argv.index("/run/secrets") - 1] == "--tmpfs"


@pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop is for hushflow running as root")
def test_as_root_the_command_runs_unprivileged_with_no_new_privileges(tmp_path: Path) -> None:
    argv = _argv(tmp_path, uid=4242, gid=4343)
    drop = argv[argv.index("/usr/bin/setpriv") :]
    assert "--reuid=4242" in drop and "--regid=4343" in drop
    assert "--no-new-privs" in drop and "--bounding-set=-all" in drop
    assert "--unshare-user" not in argv
    limits = argv[argv.index("--cpu=600:601") - 1 :]
    assert limits[0].endswith("prlimit") and "--nproc=256" in limits
    assert argv[-3:] == ["/bin/sh", "-c", ". commands.sh"]
