"""Kestra's script tasks: shell and Python ``Commands`` and ``Script``, run in a sandbox.

Every task runs in a private working folder with an environment made of its
``env`` and a minimal base (never hushflow's own variables: see
:mod:`hushflow.tasks.process_env`). The rendered commands, which may hold
secrets, are written to an owner-only file and sourced by the shell instead
of being passed on its command line, where any user of the machine could
read them (``ps``). Output is masked as it streams (:mod:`hushflow.tasks.process`).
Kestra's ``{{ workingDir }}`` and ``{{ outputDir }}`` name the run's folders;
every file written to ``outputDir``, and each match of ``outputFiles``, is
kept (masked) as an output file.

Each script runs in a bubblewrap sandbox (:mod:`hushflow.tasks.script_runner`):
``networkMode``, ``limits`` and ``secretFiles`` are its options, and
``::{"secretOutputs": {...}}::`` lines return values that later tasks read
through expressions while everything else shows them masked. Container
runners do not exist: ``containerImage``, ``docker`` and Python
``dependencies`` are accepted so Kestra flows load, and said to be ignored in
the task's log.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, field_validator

from hushflow.models.state import State
from hushflow.tasks import kestra_shim
from hushflow.tasks.context import RunContext, Runnable, TaskFailed, TaskResult, as_text
from hushflow.tasks.process import ProcessResult
from hushflow.tasks.process_env import INTERNAL, child_environment
from hushflow.tasks.script_files import collect_output_files, storage_folder, write_input_files
from hushflow.tasks.script_runner import ScriptRun, check_runner_type, run_script

_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh"})
_DIR_VARIABLES = re.compile(r"\{\{\s*(workingDir|outputDir)\s*\}\}")


def _check_runner(value: Any) -> Any:
    if value is None:
        return value
    check_runner_type(value.get("type") if isinstance(value, dict) else None)
    return value


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        return [as_text(v) for v in parsed] if isinstance(parsed, list) else [value]
    if isinstance(value, list):
        return [as_text(v) for v in value]
    return [as_text(value)]


def _as_map(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise TaskFailed(f"{what} must be a map, or render to a JSON object") from None
    if not isinstance(value, dict):
        raise TaskFailed(f"{what} must be a map, not {type(value).__name__}")
    return value


def with_folders(value: Any, folders: dict[str, str]) -> Any:
    """``value`` with Kestra's ``{{ workingDir }}`` and ``{{ outputDir }}`` put in.

    They name this run's folders, which the expression variables cannot know;
    a plain ``{{ workingDir }}`` is replaced before rendering (a path holds no
    expression), anything else is left to the expression engine.
    """
    if isinstance(value, str):
        return _DIR_VARIABLES.sub(lambda m: folders[m.group(1)], value)
    if isinstance(value, list):
        return [with_folders(v, folders) for v in value]
    if isinstance(value, dict):
        return {k: with_folders(v, folders) for k, v in value.items()}
    return value


class _ScriptTask(Runnable):
    """What every script task has: files, environment, the shell around the commands."""

    interpreter: list[str] = Field(default_factory=lambda: ["/bin/sh", "-c"], min_length=1)
    before_commands: list[str] | str | None = None
    env: dict[str, Any] | str | None = None
    input_files: dict[str, Any] | str | None = None
    output_files: list[str] | str | None = None
    warning_on_std_err: bool | str = True
    fail_fast: bool | str = True
    task_runner: dict[str, Any] | None = None
    container_image: str | None = None
    docker: dict[str, Any] | None = None
    runner: str | None = None
    target_os: str | None = None
    namespace_files: dict[str, Any] | None = None
    network_mode: str | None = None
    limits: dict[str, Any] | None = None
    secret_files: dict[str, Any] | str | None = None

    _runner_check = field_validator("task_runner", mode="before")(_check_runner)

    def run(self, ctx: RunContext) -> dict[str, Any] | TaskResult:
        self._note_ignored(ctx)
        workdir = ctx.workdir()
        files = _as_map(self.render(ctx, workdir, self.input_files), "inputFiles")
        write_input_files(workdir, {name: as_text(v) for name, v in files.items()})
        argv = self._argv(workdir, self._body(ctx, workdir))
        path, extra = self._path(workdir), self.extra_env(workdir)
        env = child_environment(workdir, self._env(ctx, workdir), path=path, extra=extra)
        result = run_script(ctx, self._script_run(ctx, workdir, argv, env))
        _check_ended(result)
        outputs = {
            "exitCode": result.exit_code,
            "vars": {**result.vars, **{k: "" for k in result.secret_vars}},
            "outputFiles": self._collect(ctx, workdir),
        }
        sealed = {"vars": result.secret_vars} if result.secret_vars else {}
        state = State.SUCCESS
        if result.stderr_lines and self._flag(ctx, self.warning_on_std_err):
            state = State.WARNING
        return TaskResult(outputs, state, sealed=sealed)

    def _script_run(
        self, ctx: RunContext, workdir: Path, argv: list[str], env: dict[str, str]
    ) -> ScriptRun:
        runner = (self.task_runner or {}).get("type")
        files = _as_map(self.render(ctx, workdir, self.secret_files), "secretFiles")
        limits = _as_map(self.render(ctx, workdir, self.limits), "limits")
        network = self.render(ctx, workdir, self.network_mode)
        return ScriptRun(
            argv=argv,
            env=env,
            workdir=workdir,
            runner=check_runner_type(runner) if runner else None,
            network=str(network) if network else None,
            limits=limits,
            secret_files={str(k): as_text(v) for k, v in files.items()},
        )

    def main_commands(self, ctx: RunContext, workdir: Path) -> list[str]:
        """The lines that do the work, after ``beforeCommands``."""
        raise NotImplementedError

    def render(self, ctx: RunContext, workdir: Path, value: Any) -> Any:
        """Render a property, with ``{{ workingDir }}`` and ``{{ outputDir }}`` known."""
        folders = {"workingDir": str(workdir), "outputDir": str(_output_dir(workdir))}
        return ctx.render(with_folders(value, folders))

    def _body(self, ctx: RunContext, workdir: Path) -> str:
        """``set -e`` (``failFast``), then ``beforeCommands``, then the task's own lines."""
        lines = ["set -e"] if self._flag(ctx, self.fail_fast) else []
        lines += _as_list(self.render(ctx, workdir, self.before_commands))
        return "\n".join(lines + self.main_commands(ctx, workdir))

    def extra_env(self, workdir: Path) -> dict[str, str]:
        """Variables this task type adds to the base environment."""
        return {}

    def _path(self, workdir: Path) -> str | None:
        return None

    def _argv(self, workdir: Path, body: str) -> list[str]:
        """The interpreter's command line; a shell sources the body from a private file."""
        if os.path.basename(self.interpreter[0]) in _SHELLS and self.interpreter[-1] == "-c":
            path = _private_file(workdir, "commands.sh", body)
            return [*self.interpreter, f". {shlex.quote(str(path))}"]
        return [*self.interpreter, body]

    def _env(self, ctx: RunContext, workdir: Path) -> dict[str, str]:
        rendered = _as_map(self.render(ctx, workdir, self.env), "env")
        return {str(k): as_text(v) for k, v in rendered.items()}

    def _flag(self, ctx: RunContext, value: bool | str) -> bool:
        return value if isinstance(value, bool) else ctx.truthy(ctx.render(value))

    def _collect(self, ctx: RunContext, workdir: Path) -> dict[str, str]:
        """Files matching ``outputFiles``, and every file written to ``{{ outputDir }}``."""
        dest = storage_folder(ctx.execution_id, ctx.task_run_id)
        found = collect_output_files(_output_dir(workdir), ["**/*"], dest, ctx.mask)
        patterns = _as_list(self.render(ctx, workdir, self.output_files))
        if patterns:
            found.update(collect_output_files(workdir, patterns, dest, ctx.mask))
        return found

    def _note_ignored(self, ctx: RunContext) -> None:
        if self.container_image or self.docker or (self.runner or "").upper() == "DOCKER":
            ctx.log("DEBUG", "containerImage/docker ignored: scripts run in hushflow's sandbox")
        if self.namespace_files and self.namespace_files.get("enabled", True):
            ctx.log("WARN", "namespaceFiles are not available in hushflow yet; none were added")


def _check_ended(result: ProcessResult) -> None:
    """A task that was stopped, went over a limit or exited non-zero fails, saying which."""
    if result.limit is not None:
        raise TaskFailed(f"Command stopped: {result.limit}")
    if result.killed:
        raise TaskFailed("Command killed before it finished")
    if result.exit_code != 0:
        raise TaskFailed(f"Command failed with exit code {result.exit_code}")


def _output_dir(workdir: Path) -> Path:
    folder = workdir / INTERNAL / "output"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _private_file(workdir: Path, name: str, content: str) -> Path:
    folder = workdir / INTERNAL
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    return path


class ShellCommands(_ScriptTask):
    """Run shell commands, one after another (``failFast``: stop at the first failure)."""

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.scripts.shell.Commands",)
    commands: list[str] | str

    def main_commands(self, ctx: RunContext, workdir: Path) -> list[str]:
        return _as_list(self.render(ctx, workdir, self.commands))


class ShellScript(_ScriptTask):
    """Run a multi-line shell script, written to a private file first."""

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.scripts.shell.Script",)
    script: str = Field(min_length=1)

    def main_commands(self, ctx: RunContext, workdir: Path) -> list[str]:
        path = _private_file(workdir, "script.sh", as_text(self.render(ctx, workdir, self.script)))
        return [f"exec /bin/sh {shlex.quote(str(path))}"]  # exec: one process fewer


class _PythonTask(_ScriptTask):
    """Python tasks run with hushflow's own interpreter; ``python`` on the PATH is it.

    ``from kestra import Kestra`` works in them (see :mod:`hushflow.tasks.kestra_shim`).
    """

    dependencies: list[str] | str | None = None
    python_version: str | None = None
    dependency_cache_enabled: bool | str | None = None

    def run(self, ctx: RunContext) -> dict[str, Any] | TaskResult:
        if self.dependencies:
            ctx.log("WARN", "dependencies are not installed by hushflow; the script runs with "
                    "the packages already available to its interpreter")  # fmt: skip
        if self.python_version:
            ctx.log("DEBUG", f"pythonVersion ignored: using Python {sys.version.split()[0]}")
        return super().run(ctx)

    def extra_env(self, workdir: Path) -> dict[str, str]:
        library = workdir / INTERNAL / "python"
        library.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(kestra_shim.__file__, library / "kestra.py")
        return {
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": str(library),
        }

    def _path(self, workdir: Path) -> str:
        folder = workdir / INTERNAL / "bin"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for name in ("python", "python3"):
            wrapper = folder / name
            wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
            wrapper.chmod(0o700)
        base = os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")
        return f"{folder}{os.pathsep}{base}"


class PythonCommands(_PythonTask):
    """Run commands with ``python`` on the PATH being hushflow's interpreter."""

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.scripts.python.Commands",)
    commands: list[str] | str

    def main_commands(self, ctx: RunContext, workdir: Path) -> list[str]:
        return _as_list(self.render(ctx, workdir, self.commands))


class PythonScript(_PythonTask):
    """Run an inline Python script, written to a private file first."""

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.scripts.python.Script",)
    script: str = Field(min_length=1)

    def main_commands(self, ctx: RunContext, workdir: Path) -> list[str]:
        path = _private_file(workdir, "main.py", as_text(self.render(ctx, workdir, self.script)))
        return [f"exec {shlex.quote(sys.executable)} {shlex.quote(str(path))}"]  # one process fewer


SCRIPT_TASKS = (ShellCommands, ShellScript, PythonCommands, PythonScript)
