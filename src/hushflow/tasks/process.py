"""Running a child process for a task: masked output, the line protocol, kill on cancel.

Output is read in chunks as the child writes it and goes through a masking
stream *before* it is cut into lines, so a secret split across two writes (a
script printing one character at a time) or spread over several lines (a PEM
key) is still masked. Lines of stdout are logged at INFO, lines of stderr at
ERROR (Kestra's convention); ``::{...}::`` lines set outputs or log lines.

The child runs in its own process group. When the execution is killed or the
task times out (``ctx.cancelled``), the whole group gets SIGTERM, then SIGKILL
after a grace period; when the main process exits, whatever it left running
in its group is killed too, so nothing a task started outlives its run.

This module runs whatever command line it is given. A task that runs code a
flow author wrote goes through :func:`hushflow.tasks.script_runner.run_script`,
which wraps the command in the sandbox first; a plugin task should do the same.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from hushflow.tasks.context import RunContext, TaskFailed, TextStream
from hushflow.tasks.script_protocol import parse_line

#: A line longer than this is logged in pieces (the text is masked already).
MAX_LINE = 64 * 1024
#: The largest ``::{...}::`` protocol line (outputs, logs) a script may print; past it the
#: task fails with a clear error. Big results belong in output files, not in outputs.
MAX_DIRECTIVE = 1024 * 1024
#: How long a process group gets between SIGTERM and SIGKILL.
KILL_GRACE = 2.0
#: How long pipes may stay open after the main process exited (a background child).
LINGER = 0.5
#: How long a child must be quiet, after a whole line, before held-back output is let out.
IDLE_FLUSH = 0.5
_CHUNK = 65536

Chunk = tuple[str, bytes | None]


@dataclass
class ProcessResult:
    """How the child ended and what it said through the protocol."""

    exit_code: int
    vars: dict[str, Any] = field(default_factory=dict)
    secret_vars: dict[str, Any] = field(default_factory=dict)
    stderr_lines: int = 0
    killed: bool = False
    #: why the child was stopped for going over a limit (output size, disk)
    limit: str | None = None


@dataclass(frozen=True)
class Guard:
    """Limits watched from outside the child: output size, and a periodic check.

    ``check`` returns why the child must stop (a working folder grown past
    its size), or None; it runs every ``interval`` seconds.
    """

    output_bytes: int | None = None
    check: Callable[[], str | None] | None = None
    interval: float = 0.2


class _Pipe:
    """One pipe of the child: decode, mask, then cut into lines."""

    def __init__(self, stream: TextStream) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._stream = stream
        self._pending = ""
        self.dropped = 0
        #: the size of a protocol line over MAX_DIRECTIVE, once one was seen
        self.oversized: int | None = None
        self._skipping = False
        self._held = self._line_end = False
        self._fed_at = 0.0

    def feed(self, data: bytes) -> list[str]:
        text = self._decoder.decode(data)
        if text:
            self._held, self._line_end = True, text.endswith("\n")
            self._fed_at = time.monotonic()
        return self._cut(self._stream.feed(text), final=False)

    def idle(self, now: float) -> list[str]:
        """What the stream holds back, once the child has gone quiet after a whole line.

        The stream keeps the end of the output in case it is the start of a
        secret, so a script that prints a line and then works for an hour
        would show nothing. Output that ends with a newline and then stops
        cannot be the start of a one-line secret, and each line of a
        multi-line secret is masked on its own, so it is safe to let out.
        """
        if not (self._held and self._line_end and now - self._fed_at >= IDLE_FLUSH):
            return []
        self._held = False
        return self._cut(self._stream.flush(), final=False)

    def close(self, stopped: bool = False) -> list[str]:
        """The last lines. When the child was stopped, what the stream still holds is dropped.

        The stream holds back the end of the output because it may be the
        start of a secret; a child killed in the middle of printing one would
        otherwise leave that start in the log, in clear.
        """
        tail = self._stream.feed(self._decoder.decode(b"", final=True))
        held = self._stream.flush()
        self.dropped = len(held) if stopped else 0
        return self._cut(tail if stopped else tail + held, final=True)

    def _cut(self, masked: str, final: bool) -> list[str]:
        text = self._pending + masked
        if self._skipping:  # the rest of a protocol line too big to keep
            end = text.find("\n")
            self._skipping = end < 0
            text = "" if end < 0 else text[end + 1 :]
        *lines, self._pending = text.split("\n")
        out = [piece for line in lines for piece in self._pieces(line.removesuffix("\r"))]
        if _is_directive(self._pending):
            if len(self._pending) > MAX_DIRECTIVE:
                self._oversized(len(self._pending))
                self._pending, self._skipping = "", True
            return out  # a protocol line is kept whole until it ends (or is too big)
        while len(self._pending) > MAX_LINE:
            out.append(self._pending[:MAX_LINE])
            self._pending = self._pending[MAX_LINE:]
        if final and self._pending:
            out.append(self._pending.removesuffix("\r"))
            self._pending = ""
        return out

    def _pieces(self, line: str) -> list[str]:
        if len(line) <= MAX_LINE:
            return [line]
        if _is_directive(line):
            if len(line) <= MAX_DIRECTIVE:
                return [line]
            self._oversized(len(line))
            return []
        return [line[i : i + MAX_LINE] for i in range(0, len(line), MAX_LINE)]

    def _oversized(self, size: int) -> None:
        self.oversized = max(size, self.oversized or 0)


def _is_directive(line: str) -> bool:
    return line.lstrip().startswith("::{")


def oversized_message(size: int) -> str:
    """Why a task failed for printing a protocol line over :data:`MAX_DIRECTIVE`."""
    return (
        f"a '::{{...}}::' line of more than {size:,} characters is over the limit of "
        f"{MAX_DIRECTIVE:,} for outputs and logs sent that way; write large results to a "
        "file listed in outputFiles and pass its URI instead"
    )


class _Collector:
    """Turns masked lines into log lines, outputs and a count of stderr lines."""

    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx
        self.vars: dict[str, Any] = {}
        self.secret_vars: dict[str, Any] = {}
        self.stderr_lines = 0

    def note(self, level: str, message: str) -> None:
        self._ctx.log(level, message)

    def line(self, pipe: str, line: str) -> None:
        directive = parse_line(line)
        if directive is not None:
            for text in _strings(directive.secret_outputs):
                self._ctx.register_secret(text)
            self.secret_vars.update(directive.secret_outputs)
            self.vars.update(directive.outputs)
            for level, message in directive.logs:
                self._ctx.log(level, message)
            return
        if pipe == "stderr":
            if line.strip():
                self.stderr_lines += 1
            self._ctx.log("ERROR", line)
        else:
            self._ctx.log("INFO", line)


def _strings(value: Any) -> list[str]:
    """Every string (and number, as printed) in a JSON value, to register as a secret."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, bool) or value is None:
        return []
    return [str(value)]


def _reader(name: str, pipe: IO[bytes], out: queue.Queue[Chunk]) -> None:
    fd = pipe.fileno()
    try:
        while data := os.read(fd, _CHUNK):
            out.put((name, data))
    except OSError:
        pass
    finally:
        out.put((name, None))


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _start(
    argv: Sequence[str], env: Mapping[str, str], cwd: Path, pass_fds: Sequence[int]
) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            close_fds=True,
            pass_fds=tuple(pass_fds),
        )
    except OSError as exc:
        raise TaskFailed(f"cannot start '{argv[0]}': {exc.strerror or exc}") from None


class _Supervisor:
    """Watches the child: kills its group on cancel or when it lingers after exit."""

    def __init__(
        self, proc: subprocess.Popen[bytes], cancelled: threading.Event, guard: Guard
    ) -> None:
        self._proc = proc
        self._cancelled = cancelled
        self._guard = guard
        self.killed = False
        self.limit: str | None = None
        self.output = 0
        self._term_at: float | None = None
        self._exited_at: float | None = None
        self._hard_killed = False
        self._checked_at = time.monotonic()

    def stop(self, reason: str) -> None:
        """Stop the child at once for going over a limit."""
        if self.limit is None:
            self.limit = reason
            self.killed = True
            self._kill_hard()

    def count(self, size: int) -> None:
        self.output += size
        cap = self._guard.output_bytes
        if cap is not None and self.output > cap:
            self.stop(f"the task printed more than its output limit of {cap} bytes")

    def _check(self, now: float) -> None:
        if self._guard.check is None or now - self._checked_at < self._guard.interval:
            return
        self._checked_at = now
        reason = self._guard.check()
        if reason is not None:
            self.stop(reason)

    def tick(self) -> None:
        now = time.monotonic()
        self._check(now)
        if self._cancelled.is_set() and not self.killed:
            self.killed = True
            self._term_at = now
            _signal_group(self._proc, signal.SIGTERM)
        if self._term_at is not None and now - self._term_at > KILL_GRACE:
            self._kill_hard()
        if self._exited_at is None and self._proc.poll() is not None:
            self._exited_at = now
        if self._exited_at is not None and now - self._exited_at > LINGER:
            self._kill_hard()

    def _kill_hard(self) -> None:
        if not self._hard_killed:
            self._hard_killed = True
            _signal_group(self._proc, signal.SIGKILL)

    def finish(self) -> int:
        code = self._proc.wait()
        _signal_group(self._proc, signal.SIGKILL)  # anything left in the group
        return code


def _pump(
    chunks: queue.Queue[Chunk],
    pipes: dict[str, _Pipe],
    collector: _Collector,
    supervisor: _Supervisor,
) -> None:
    """Turn the child's output into lines until both pipes are closed."""
    open_pipes = len(pipes)
    while open_pipes:
        supervisor.tick()
        try:
            name, data = chunks.get(timeout=0.05)
        except queue.Empty:
            now = time.monotonic()
            for quiet, pipe in pipes.items():
                for line in pipe.idle(now):
                    collector.line(quiet, line)
            continue
        pipe = pipes[name]
        if data is not None:
            supervisor.count(len(data))
        lines = pipe.feed(data) if data is not None else pipe.close(supervisor.killed)
        open_pipes -= data is None
        for line in lines:
            collector.line(name, line)
        if pipe.oversized is not None:
            supervisor.stop(oversized_message(pipe.oversized))
        if pipe.dropped:
            collector.note("WARN", _dropped_note(pipe.dropped, name))
            pipe.dropped = 0


def _dropped_note(count: int, name: str) -> str:
    return (
        f"the last {count} characters of {name} were dropped: the process was stopped "
        "while they could still be part of a secret"
    )


def run_process(
    ctx: RunContext,
    argv: Sequence[str],
    env: Mapping[str, str],
    cwd: Path,
    *,
    guard: Guard | None = None,
    pass_fds: Sequence[int] = (),
) -> ProcessResult:
    """Run ``argv`` in ``cwd`` with exactly ``env``; log its output masked; return how it ended."""
    if ctx.cancelled.is_set():
        return ProcessResult(exit_code=-1, killed=True)
    proc = _start(argv, env, cwd, pass_fds)
    chunks: queue.Queue[Chunk] = queue.Queue()
    pipes = {"stdout": _Pipe(ctx.mask_stream()), "stderr": _Pipe(ctx.mask_stream())}
    assert proc.stdout is not None and proc.stderr is not None
    for name, handle in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        threading.Thread(target=_reader, args=(name, handle, chunks), daemon=True).start()
    collector = _Collector(ctx)
    supervisor = _Supervisor(proc, ctx.cancelled, guard or Guard())
    try:
        _pump(chunks, pipes, collector, supervisor)
    except BaseException:
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
        raise
    code = supervisor.finish()
    proc.stdout.close()
    proc.stderr.close()
    return ProcessResult(
        code,
        collector.vars,
        collector.secret_vars,
        collector.stderr_lines,
        supervisor.killed,
        supervisor.limit,
    )
