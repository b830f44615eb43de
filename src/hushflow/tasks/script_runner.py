"""Kestra's ``taskRunner`` for scripts: the bubblewrap sandbox, or (if allowed) none.

``io.kestra.plugin.core.runner.Process`` (and no ``taskRunner`` at all) means
the sandboxed process of :mod:`hushflow.tasks.sandbox`. An unconfined process
is a runner type of its own, :data:`UNSANDBOXED`, that only the server's
configuration can allow (``sandbox.allow_unsandboxed``); where bubblewrap is
missing, a task fails with a message saying what to install, never silently
unconfined. Limits, the network mode and secret files are decided here, from
the server's settings narrowed by the task's own.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hushflow.errors import ConfigError
from hushflow.tasks import sandbox, sandbox_config
from hushflow.tasks.context import RunContext, TaskFailed
from hushflow.tasks.process import Guard, ProcessResult, run_process
from hushflow.tasks.process_env import INTERNAL
from hushflow.tasks.sandbox_config import Limits, SandboxConfig

PROCESS = "io.kestra.plugin.core.runner.Process"
UNSANDBOXED = "io.hushflow.runner.UnsandboxedProcess"
RUNNER_TYPES = (PROCESS, UNSANDBOXED)
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass
class ScriptRun:
    """One script process to start, and what its task asked of the runner."""

    argv: list[str]
    env: dict[str, str]
    workdir: Path
    runner: str | None = None
    network: str | None = None
    limits: Mapping[str, object] = field(default_factory=dict)
    secret_files: dict[str, str] = field(default_factory=dict)


def check_runner_type(kind: object) -> str:
    """A known runner type name, or a clear error naming the ones there are."""
    if isinstance(kind, str) and (kind in RUNNER_TYPES or kind.endswith(".Process")):
        return PROCESS if kind != UNSANDBOXED else UNSANDBOXED
    raise ValueError(
        f"taskRunner type {kind!r} is not available: hushflow runs scripts as sandboxed "
        f"processes (use type: {PROCESS}, or remove taskRunner); {UNSANDBOXED} runs them "
        "unconfined where the server's configuration allows it"
    )


def _runner(config: SandboxConfig, asked: str | None) -> str:
    if asked is None:
        return UNSANDBOXED if config.default_runner == "unsandboxed" else PROCESS
    if asked == UNSANDBOXED and not config.allow_unsandboxed:
        raise TaskFailed(
            f"taskRunner {UNSANDBOXED} is not allowed on this server: scripts run in the "
            "sandbox unless an administrator sets sandbox.allow_unsandboxed in hushflow.yml"
        )
    return asked


def _network(config: SandboxConfig, namespace: str, asked: str | None) -> bool:
    """True for the host's network; a namespace set to ``none`` cannot ask for ``host``."""
    allowed = config.network_for(namespace)
    mode = (asked or allowed).lower()
    if mode not in sandbox_config.NETWORK_MODES:
        raise TaskFailed(f"networkMode must be 'host' or 'none', not '{asked}'")
    if mode == "host" and allowed == "none":
        raise TaskFailed(
            f"networkMode host is not allowed in namespace {namespace}: the server gives "
            "its scripts no network (sandbox.namespaces in hushflow.yml)"
        )
    return mode == "host"


def _secret_names(files: Mapping[str, str]) -> None:
    for name in files:
        if not _FILE_NAME.match(name):
            raise TaskFailed(
                f"secretFiles name '{name}' must be a plain file name "
                "(letters, digits, '.', '_', '-'; no folders)"
            )


def _env_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper() + "_FILE"


def _folder_size(folder: Path) -> int:
    total = 0
    for base, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(base, name)).st_blocks * 512
    return total


def _guard(workdir: Path, limits: Limits) -> Guard:
    """Output and disk limits; a folder of many files is walked less often (at most 5% CPU)."""
    due = [0.0]

    def check() -> str | None:
        now = time.monotonic()
        if now < due[0]:
            return None
        size = _folder_size(workdir)
        due[0] = now + 20 * (time.monotonic() - now)
        if size > limits.disk:
            return f"the working folder grew over its disk limit of {limits.disk} bytes"
        return None

    return Guard(output_bytes=limits.output, check=check)


def _limit_message(result: ProcessResult, limits: Limits) -> str | None:
    code = result.exit_code
    if code in (128 + signal.SIGXCPU, -signal.SIGXCPU):
        return f"the task went over its CPU time limit of {limits.cpu} s"
    if code in (128 + signal.SIGXFSZ, -signal.SIGXFSZ):
        return f"a file went over the disk limit of {limits.disk} bytes"
    return None


def run_script(ctx: RunContext, run: ScriptRun) -> ProcessResult:
    """Run the script with the runner the task and the server agree on; how it ended."""
    try:
        config = sandbox_config.load()
        limits = config.limits.narrowed(run.limits, "limits")
    except ConfigError as exc:
        raise TaskFailed(str(exc)) from None
    runner = _runner(config, run.runner)
    _check_program(run.argv[0], run.env)
    _secret_names(run.secret_files)
    for value in run.secret_files.values():
        ctx.register_secret(value)
    namespace = str(ctx.variables().get("flow", {}).get("namespace", ""))
    if runner == UNSANDBOXED:
        ctx.log("WARN", "this script runs unsandboxed (taskRunner allowed by the server)")
        result = _unsandboxed(ctx, run, limits)
    else:
        result = _sandboxed(ctx, run, config, limits, _network(config, namespace, run.network))
    result.limit = result.limit or _limit_message(result, limits)
    return result


def _check_program(program: str, env: Mapping[str, str]) -> None:
    """A missing interpreter is said so, as for an unconfined process."""
    found = (
        os.path.exists(program) if "/" in program else shutil.which(program, path=env.get("PATH"))
    )
    if not found:
        raise TaskFailed(f"cannot start '{program}': No such file or directory")


def _log_start(ctx: RunContext, run: ScriptRun, how: str) -> None:
    """Kestra logs the command it starts; the body of the commands is never on it."""
    shown = [*run.argv[:-1], f"<{len(run.argv[-1].splitlines())} line(s)>"]
    if run.argv[-1].startswith(". "):
        shown = run.argv
    ctx.log("TRACE", f"Starting command ({how}): {' '.join(shown)}")


def _sandboxed(
    ctx: RunContext, run: ScriptRun, config: SandboxConfig, limits: Limits, network: bool
) -> ProcessResult:
    try:
        bwrap = sandbox.find_bwrap()
    except sandbox.SandboxUnavailable as exc:
        raise TaskFailed(str(exc)) from None
    with _memfds(run.secret_files) as fds:
        env = dict(run.env)
        if fds:
            env["SECRETS_DIR"] = sandbox.SECRETS_DIR
            env.update({_env_name(n): f"{sandbox.SECRETS_DIR}/{n}" for n in fds})
        spec = sandbox.SandboxSpec(
            workdir=run.workdir,
            network=network,
            limits=limits,
            uid=config.uid,
            gid=config.gid,
            readonly=sandbox.interpreter_prefixes(),
            hidden=_hidden(sandbox.interpreter_prefixes()),
            shared=_own_storage(ctx),
            secret_fds=fds,
        )
        for folder in (run.workdir, *spec.shared):
            sandbox.hand_over(folder, config.uid, config.gid)
        argv = sandbox.bwrap_argv(bwrap, spec, run.argv)
        _log_start(ctx, run, "sandbox, network " + ("host" if network else "none"))
        guard = _guard(run.workdir, limits)
        return run_process(ctx, argv, env, run.workdir, guard=guard, pass_fds=list(fds.values()))


def _hidden(readonly: Sequence[Path]) -> tuple[Path, ...]:
    """hushflow's own folder, where it sits inside a folder the sandbox shows."""
    home = sandbox_home()
    return tuple(home for folder in readonly if folder in home.parents or folder == home)[:1]


def _own_storage(ctx: RunContext) -> tuple[Path, ...]:
    """The folders of this execution's stored files: earlier output files, FILE inputs."""
    flow = ctx.variables().get("flow", {})
    namespace, flow_id = str(flow.get("namespace", "")), str(flow.get("id", ""))
    storage = sandbox_home() / "storage"
    inputs = storage.joinpath(*namespace.split("."), flow_id, "executions", ctx.execution_id)
    return tuple(p for p in (storage / ctx.execution_id, inputs) if p.is_dir())


def sandbox_home() -> Path:
    raw = os.environ.get("HUSHFLOW_HOME")
    return (Path(raw).expanduser() if raw else Path.home() / ".hushflow").resolve()


@contextlib.contextmanager
def _memfds(files: Mapping[str, str]) -> Iterator[dict[str, int]]:
    """Each secret file's content in an anonymous memory file, for bwrap to copy in."""
    fds: dict[str, int] = {}
    try:
        for name, content in files.items():
            fd = os.memfd_create(f"secret-{len(fds)}", os.MFD_CLOEXEC)
            fds[name] = fd
            os.write(fd, content.encode())
            os.lseek(fd, 0, os.SEEK_SET)
        yield fds
    finally:
        for fd in fds.values():
            os.close(fd)


def _unsandboxed(ctx: RunContext, run: ScriptRun, limits: Limits) -> ProcessResult:
    env = dict(run.env)
    folder = run.workdir / INTERNAL / "secrets"
    if run.secret_files:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        env["SECRETS_DIR"] = str(folder)
    for name, content in run.secret_files.items():
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o400)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        env[_env_name(name)] = str(folder / name)
    prlimit = shutil.which("prlimit")
    head = [prlimit, *sandbox.limit_args(limits)] if prlimit else []
    _log_start(ctx, run, "unsandboxed")
    try:
        guard = _guard(run.workdir, limits)
        return run_process(ctx, [*head, *run.argv], env, run.workdir, guard=guard)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
