"""The top-level command: every sub-command reachable, and ``--help`` without heavy imports."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hushflow.cli.main import COMMANDS, cli


@pytest.mark.parametrize(("module", "attr", "summary"), COMMANDS, ids=[c[1] for c in COMMANDS])
def test_each_listed_command_is_its_modules_group_with_that_summary(
    module: str, attr: str, summary: str
) -> None:
    command = getattr(import_module(module), attr)
    assert isinstance(command, click.Group)
    assert (command.help or "").splitlines()[0].strip() == summary


def test_help_lists_every_command_with_its_summary() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for _, attr, summary in COMMANDS:
        assert attr.replace("_", "-") in result.output
        assert summary.split()[0] in result.output


def test_a_sub_command_runs_through_the_lazy_group() -> None:
    result = CliRunner().invoke(cli, ["expression", "render", "{{ 1 + 2 }}"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "3"


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["nope"])
    assert result.exit_code == 2
    assert "No such command 'nope'" in result.output


def test_top_level_help_imports_neither_the_engine_nor_sqlalchemy() -> None:
    probe = (
        "import sys\n"
        "from hushflow.cli.main import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('sqlalchemy', 'hushflow.engine', 'hushflow.expressions', 'pydantic')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "HEAVY []" in out


def test_reading_executions_does_not_load_the_engine(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from hushflow.cli.main import main\n"
        "try:\n"
        "    main(['execution', 'list'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('hushflow.engine.runner', 'hushflow.tasks', 'hushflow.expressions')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUSHFLOW_")}
    env["HUSHFLOW_HOME"] = str(tmp_path / "home")
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env=env
    )
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout
