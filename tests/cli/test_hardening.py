"""The CLI marks its process non-dumpable before it reads any secret."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = (
    "import ctypes, ctypes.util, sys;"
    "from hushflow.cli.hardening import make_undumpable;"
    "libc = ctypes.CDLL(ctypes.util.find_library('c'));"
    "before = libc.prctl(3, 0, 0, 0, 0);"
    "ok = make_undumpable();"
    "print(before, libc.prctl(3, 0, 0, 0, 0), ok)"
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux only")
def test_make_undumpable_clears_the_dumpable_flag() -> None:
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "0", "True"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux only")
def test_the_cli_runs_undumpable() -> None:
    code = (
        "import ctypes, ctypes.util, sys; from hushflow.cli import main as m;"
        "libc = ctypes.CDLL(ctypes.util.find_library('c'));"
        "m.cli.add_command(__import__('click').command('dumpable')(lambda: print(libc.prctl(3, 0, 0, 0, 0))));"
        "m.main(['dumpable'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0"
