"""The engine: applies the executor's actions, runs task runs in workers, stores it all.

One executor thread owns every execution in flight and is the only one that
changes them; workers (one thread per running task run, at most ``workers``
at once) report results through a queue. After each event the changed
execution, task runs and log lines are written to the repository, masked
already. The queue is in-process today; its events are plain data, so a
PostgreSQL queue (``SKIP LOCKED`` + ``LISTEN/NOTIFY``) can take its place.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine as Database
from sqlalchemy.exc import SQLAlchemyError

from hushflow.engine.commands import CommandQueue
from hushflow.engine.context import EngineRunContext
from hushflow.engine.executor import CreateTaskRun, EndExecution, EndTaskRun, next_actions
from hushflow.engine.files import store_input_file
from hushflow.engine.flow_outputs import render_outputs
from hushflow.engine.functions import FunctionTable
from hushflow.engine.inputs import resolve_inputs
from hushflow.engine.live import Live
from hushflow.engine.recovery import recover_abandoned
from hushflow.engine.restart import plan_restart
from hushflow.engine.sandbox_warning import loopback_trust_warning
from hushflow.engine.sealed_inputs import open_inputs, seal_inputs
from hushflow.engine.sealed_outputs import leaves, open_outputs, seal_output
from hushflow.engine.variables import execution_variables, task_variables
from hushflow.engine.worker import WorkResult, run_task
from hushflow.errors import ConfigError, InputError, LimitExceeded, NotFound
from hushflow.expressions import taint
from hushflow.masking import Masker
from hushflow.models.execution import Execution, LogEntry, TaskRun
from hushflow.models.flow import Flow, Input
from hushflow.models.flow_source import parse_flow
from hushflow.models.state import State
from hushflow.models.task import TaskSpec
from hushflow.procinfo import ProcessId
from hushflow.secrets.master_key import MasterKeySource
from hushflow.storage.owners import ExecutionOwners
from hushflow.storage.repository import ExecutionRepository, FlowRepository, LogRepository
from hushflow.tasks import sandbox_config
from hushflow.tasks.scratch import sweep_stale

LogListener = Callable[[LogEntry], None]

#: How many queued events the executor applies before it writes them all down.
MAX_BATCH = 512
#: Seconds between writes of the log lines of tasks still running (a crash loses at most these).
LOG_FLUSH_INTERVAL = 0.25
#: ... or as soon as this many lines are waiting.
LOG_FLUSH_LINES = 5000
#: How deep subflows may nest (a flow that calls itself stops here with a clear error).
MAX_SUBFLOW_DEPTH = 20
#: Pauses (seconds) before each try of a write that the database refused.
PERSIST_RETRIES = (0.0, 0.2, 1.0)

log = logging.getLogger("hushflow.engine")


class Engine:
    """Runs flows: submit an execution, wait for it, kill it."""

    def __init__(
        self,
        database: Database,
        *,
        secrets: Any = None,
        workers: int = 8,
        on_log: LogListener | None = None,
        globals_: Mapping[str, Any] | None = None,
        keys: MasterKeySource | None = None,
        command_poll: float = 0.5,
        max_subflow_depth: int = MAX_SUBFLOW_DEPTH,
    ) -> None:
        self.flows = FlowRepository(database)
        self.keys = keys or MasterKeySource(os.environ)
        self.executions = ExecutionRepository(database)
        self.logs = LogRepository(database)
        self.secrets = secrets
        self.on_log = on_log
        self.globals = dict(globals_ or {})
        self.max_subflow_depth = max_subflow_depth
        self._events: queue.Queue[tuple[str, str, Any]] = queue.Queue()
        self._live: dict[str, Live] = {}
        #: Ids of the task runs of executions in flight that are in the database.
        self._stored_runs: set[str] = set()
        self._slots = threading.BoundedSemaphore(workers)
        # Threads are reused; the semaphore, not the pool size, bounds how many
        # task runs work at once (a task waiting on a subflow gives its slot back).
        self._pool = ThreadPoolExecutor(
            max_workers=workers * 8, thread_name_prefix="hushflow-worker"
        )
        self._thread = threading.Thread(target=self._loop, name="hushflow-executor", daemon=True)
        self._thread.start()
        self._closing = threading.Event()
        self._commands = CommandQueue(database)
        self._poller = threading.Thread(
            target=self._poll_commands, args=(command_poll,), name="hushflow-commands", daemon=True
        )
        self._poller.start()
        self._flusher = threading.Thread(
            target=self._flush_logs, name="hushflow-log-flush", daemon=True
        )
        self._flusher.start()
        self._warn_about_loopback(database)
        for stale in sweep_stale():
            log.info("removed %s, left by a hushflow process that is gone", stale.name)
        self._owners = ExecutionOwners(database)
        self._me = ProcessId.current()
        for ended in recover_abandoned(database):
            log.warning("execution %s: its hushflow process is gone; marked KILLED", ended)

    @staticmethod
    def _warn_about_loopback(database: Database) -> None:
        try:
            message = loopback_trust_warning(database.url, sandbox_config.load())
        except ConfigError:
            return  # the task that needs the settings says what is wrong with them
        if message is not None:
            log.warning("%s", message)

    # -- public API -------------------------------------------------------

    def submit(
        self,
        flow: Flow,
        inputs: Mapping[str, Any] | None = None,
        *,
        revision: int = 1,
        labels: Mapping[str, str] | None = None,
        parent: Execution | None = None,
        masker: Masker | None = None,
        typed_inputs: bool = True,
        trigger: dict[str, Any] | None = None,
    ) -> Execution:
        """Create an execution (inputs are checked first) and start it.

        ``trigger`` (``{"id", "type", "variables"}``) is what started it, as a
        schedule or a parent flow; expressions read ``trigger.<variable>``.
        """
        depth = self._depth_under(parent, flow)
        execution = Execution(namespace=flow.namespace, flow_id=flow.id, flow_revision=revision)

        def store_file(spec: Input, value: str) -> str:
            return store_input_file(flow.namespace, flow.id, execution.id, spec.id, value)

        masker = masker or Masker()
        typed = resolve_inputs(
            flow,
            inputs or {},
            typed=typed_inputs,
            store_file=store_file,
            is_secret=lambda value: masker.mask_value(value) != value,
        )
        secret_ids = [i.id for i in flow.inputs if i.type == "SECRET" and i.id in typed]
        for input_id in secret_ids:
            _register_secret_input(masker, input_id, typed[input_id])
        execution.labels = masker.mask_value({**flow.labels, **dict(labels or {})})
        execution.labels.setdefault("system.correlationId", execution.id)
        execution.parent_id = parent.id if parent else None
        execution.trigger = trigger
        execution.inputs = masker.mask_value(typed)
        if secret_ids:
            clear = {i: typed[i] for i in secret_ids}
            execution.sealed_inputs = seal_inputs(self.keys, execution.id, clear)
        for input_id, value in typed.items():
            # SECRET inputs, and any input carrying a secret the masker already
            # knows (a parent flow passed it), are tainted: derived values mask too.
            if input_id in secret_ids or masker.mask_value(value) != value:
                typed[input_id] = taint(value)
        live = Live(flow, execution, masker, typed, depth=depth)
        self._owners.claim(execution.id, self._me)  # before the row exists: never ownerless
        self.executions.create(execution)
        self._live[execution.id] = live
        self._events.put(("start", execution.id, None))
        return execution

    def _depth_under(self, parent: Execution | None, flow: Flow) -> int:
        """The nesting depth of a new child of ``parent``; refused past the limit."""
        if parent is None:
            return 0
        held = self._live.get(parent.id)
        depth = (held.depth if held else 0) + 1
        if depth > self.max_subflow_depth:
            raise LimitExceeded(
                f"subflow {flow.namespace}.{flow.id} not started: it would be nested {depth} "
                f"executions deep, over the limit of {self.max_subflow_depth} (does a flow call "
                "itself?). Set HUSHFLOW_MAX_SUBFLOW_DEPTH to allow deeper nesting."
            )
        return depth

    def restart(self, execution_id: str) -> Execution:
        """Run a FAILED or KILLED execution again from its failed task runs."""
        execution = self.executions.get(execution_id)
        stored = self.flows.get(execution.namespace, execution.flow_id, execution.flow_revision)
        flow = parse_flow(stored.source, f"{execution.namespace}.{execution.flow_id}")
        plan = plan_restart(flow, execution)
        masker = Masker()
        inputs = dict(execution.inputs)
        if execution.sealed_inputs:
            for input_id, value in open_inputs(
                self.keys, execution.id, execution.sealed_inputs
            ).items():
                masker.add(str(value))
                inputs[input_id] = taint(value)
        execution.task_runs = [r for r in execution.task_runs if r.id not in plan.drop]
        sealed = open_outputs(self.keys, execution.id, execution.sealed_outputs or {})
        sealed = {k: v for k, v in sealed.items() if k not in plan.drop}
        masker.add_all(text for values in sealed.values() for text in leaves(values))
        execution.sealed_outputs = {
            k: v for k, v in (execution.sealed_outputs or {}).items() if k in sealed
        }
        for run in plan.reopen:
            run.set_state(State.RUNNING)
        execution.set_state(State.RESTARTED)
        self._owners.claim(execution.id, self._me)
        self.executions.delete_task_runs(plan.drop)
        self.executions.save(execution, plan.reopen)
        live = Live(flow, execution, masker, inputs, sealed=sealed)
        self._stored_runs.update(r.id for r in execution.task_runs)
        self._live[execution.id] = live
        self._events.put(("start", execution.id, None))
        return execution

    def wait(self, execution_id: str, timeout: float | None = None) -> Execution:
        """Block until the execution ends; return it as stored."""
        live = self._live.get(execution_id)
        if live is not None and not live.done.wait(timeout):
            raise TimeoutError(f"execution {execution_id} still running after {timeout}s")
        return self.executions.get(execution_id)

    def pause_run(self, live: Live, task_run_id: str, seconds: float | None) -> bool:
        """Block a task run until resumed (True) or ``seconds`` pass (False); frees its slot."""
        event = threading.Event()
        live.paused[task_run_id] = event
        self._events.put(("paused", live.execution.id, task_run_id))
        self.release_slot()
        try:
            deadline = None if seconds is None else time.monotonic() + seconds
            while not event.is_set() and not live.cancelled.is_set():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                event.wait(0.1 if left is None else min(left, 0.1))
        finally:
            self.take_slot()
            live.paused.pop(task_run_id, None)
            self._events.put(("resumed", live.execution.id, task_run_id))
        return event.is_set()

    def kill(self, execution_id: str) -> None:
        """Stop a running execution: running tasks are cancelled, nothing new starts."""
        if execution_id not in self._live:
            raise NotFound(f"execution '{execution_id}' is not running in this process")
        self._events.put(("kill", execution_id, None))

    def running(self) -> list[str]:
        """Ids of the executions this engine holds now (subflow children included)."""
        return list(self._live)

    def logs_of(self, execution_id: str) -> list[LogEntry]:
        """The log lines of an execution in flight or stored."""
        live = self._live.get(execution_id)
        pending = []
        if live is not None:
            with live.lock:
                pending = list(live.pending_logs)
        stored = self.logs.for_execution(execution_id)
        # A line being written right now can be in both: keep it once.
        seen = {(e.timestamp, e.task_run_id, e.message) for e in stored}
        return stored + [e for e in pending if (e.timestamp, e.task_run_id, e.message) not in seen]

    def close(self) -> None:
        """Stop the executor thread (executions in flight are abandoned).

        The engine owns the secret manager it was given: closing the engine
        flushes and closes it (its audit records are written first).
        """
        self._closing.set()
        self._events.put(("stop", "", None))
        self._thread.join(10)
        self._poller.join(5)
        self._flusher.join(5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        closer = getattr(self.secrets, "close", None)
        if callable(closer):
            closer()

    def _forget_commands(self, execution_ids: list[str]) -> None:
        """Drop commands left for executions that just ended (one query per batch)."""
        try:
            self._commands.take(execution_ids)
        except Exception:  # only housekeeping: never fail an execution for it
            return

    def _flush_logs(self) -> None:
        """Have the executor write the log lines of running tasks every few hundred ms.

        Lines are otherwise written with the next change of the execution, which
        for a long task is its end: a crash in between would lose them all.
        """
        while not self._closing.wait(LOG_FLUSH_INTERVAL):
            for execution_id, live in list(self._live.items()):
                if live.pending_logs and not live.finished:
                    self._events.put(("persist", execution_id, None))

    def _release(self, execution_ids: list[str]) -> None:
        """Drop the ownership rows of executions that just ended."""
        try:
            self._owners.release(execution_ids)
        except SQLAlchemyError:  # a stale row only makes a later check look it up
            log.warning("could not release %d ended executions", len(execution_ids))

    def _poll_commands(self, interval: float) -> None:
        """Act on commands other processes left for executions held here (kill)."""
        while not self._closing.wait(interval):
            held = list(self._live)
            if not held:
                continue
            try:
                for command in self._commands.take(held):
                    if command.command in ("kill", "resume"):
                        self._events.put((command.command, command.execution_id, None))
            except Exception:  # a database hiccup must not stop the engine
                continue

    # -- the executor thread ----------------------------------------------

    def _loop(self) -> None:
        """Take every event waiting, apply them, then store all changes in one transaction."""
        while True:
            batch = [self._events.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._events.get_nowait())
                except queue.Empty:
                    break
            touched: dict[str, Live] = {}
            stop = False
            for kind, execution_id, payload in batch:
                if kind == "stop":
                    stop = True
                    continue
                live = self._live.get(execution_id)
                if live is None:
                    continue
                try:
                    self._handle(live, kind, payload)
                except Exception as exc:  # never let one execution stop the engine
                    self._crash(live, exc)
                touched[execution_id] = live
            if not self._persist(list(touched.values())):
                if stop:
                    return
                continue  # nothing ends before it is stored; a retry is scheduled
            ended = [i for i, live in touched.items() if live.finished]
            if ended:
                self._forget_commands(ended)
                self._release(ended)
            for execution_id, live in touched.items():
                if live.finished:
                    self._live.pop(execution_id, None)
                    self._stored_runs.difference_update(r.id for r in live.execution.task_runs)
                    live.done.set()  # only now: waiters read what was just stored
            if stop:
                return

    def _handle(self, live: Live, kind: str, payload: Any) -> None:
        if kind == "start":
            live.execution.set_state(State.RUNNING)
        elif kind == "result":
            self._apply(live, payload)
        elif kind == "kill":
            live.killing = True
            live.cancelled.set()
            for event in list(live.attempt_events):
                event.set()
            if live.execution.state in (State.RUNNING, State.PAUSED):
                live.execution.set_state(State.KILLING)
        elif kind == "persist":
            return  # log lines to write, or a retry of a failed write: nothing to advance
        elif kind in ("paused", "resumed"):
            self._pause_state(live, payload, kind == "paused")
        elif kind == "resume":
            for event in list(live.paused.values()):
                event.set()
        self._advance(live)

    def _pause_state(self, live: Live, task_run_id: str, paused: bool) -> None:
        run = live.execution.task_run(task_run_id)
        if run.state.terminal:
            return
        run.set_state(State.PAUSED if paused else State.RUNNING)
        live.changed[run.id] = run
        ex = live.execution
        if paused and ex.state == State.RUNNING:
            ex.set_state(State.PAUSED)
        elif (
            not paused
            and ex.state == State.PAUSED
            and not any(r.state == State.PAUSED for r in ex.task_runs)
        ):
            ex.set_state(State.RUNNING)

    def _apply(self, live: Live, result: WorkResult) -> None:
        live.active -= 1
        run = live.execution.task_run(result.task_run_id)
        run.attempts = result.attempts or run.attempts
        run.outputs = result.outputs
        run.plan = self._mask_plan(live, run.id, result.plan, result.plan_secret)
        run.error = result.error
        if result.sealed:
            self._seal(live, run.id, result.sealed)
        state = State.KILLED if live.killing and result.state == State.FAILED else result.state
        run.set_state(state)
        live.changed[run.id] = run

    def _seal(self, live: Live, run_id: str, values: dict[str, Any]) -> None:
        """Keep a run's secret outputs in memory and, sealed, in the execution."""
        live.sealed[run_id] = values
        ex = live.execution
        sealed = seal_output(self.keys, ex.id, run_id, values)
        ex.sealed_outputs = {**(ex.sealed_outputs or {}), run_id: sealed}

    def _mask_plan(
        self, live: Live, run_id: str, plan: dict[str, Any] | None, secret: bool = False
    ) -> dict[str, Any] | None:
        """Keep secret iteration values out of the stored plan (and task runs).

        With ``secret`` (the values came from a render that used a secret) every
        value is hidden, even one too short for the masker to know it.
        """
        if plan is None:
            return None
        for branch in plan.get("branches", []):
            value = branch.get("value")
            if isinstance(value, str):
                masked = live.masker.token if secret else live.masker.mask(value)
                if masked != value:
                    live.clear_values[(run_id, branch.get("iteration"))] = value
                    branch["value"] = masked
        return plan

    def _advance(self, live: Live) -> None:
        ex = live.execution
        while not ex.state.terminal:
            if live.killing:
                self._finish_kill(live)
                return
            actions = next_actions(live.flow, ex)
            if not actions:
                return
            for action in actions:
                if isinstance(action, CreateTaskRun):
                    self._dispatch(live, action)
                elif isinstance(action, EndTaskRun):
                    run = ex.task_run(action.task_run_id)
                    run.set_state(action.state)
                    live.changed[run.id] = run
                elif isinstance(action, EndExecution):
                    self._finish(live, action.state)

    def _finish_kill(self, live: Live) -> None:
        if live.active:
            return
        for run in live.execution.task_runs:
            if not run.state.terminal:
                run.set_state(State.KILLED)
                live.changed[run.id] = run
        live.execution.set_state(State.KILLED)
        live.finished = True

    def _finish(self, live: Live, state: State) -> None:
        ex = live.execution
        if state in (State.SUCCESS, State.WARNING) and live.flow.outputs:
            variables = execution_variables(live.flow, ex, live.inputs, self.globals, live.sealed)
            outputs, error = render_outputs(
                live.flow, variables, self._functions(live), live.masker
            )
            if error is not None:
                self._engine_log(live, "ERROR", error)
                state = State.FAILED
            ex.outputs = outputs
        ex.set_state(state)
        live.finished = True

    def _crash(self, live: Live, exc: Exception) -> None:
        self._engine_log(live, "ERROR", f"internal error: {type(exc).__name__}: {exc}")
        live.cancelled.set()
        if not live.execution.state.terminal:
            live.execution.set_state(State.FAILED)
        live.finished = True

    def _persist(self, lives: list[Live]) -> bool:
        """Write the changed executions, task runs and logs in one transaction.

        A failed write is tried again (a locked SQLite file, a PostgreSQL
        connection lost); if it still fails, the changes are kept for the next
        write and a retry is scheduled, and the caller does not end anything.
        """
        if not lives:
            return True
        changes = []
        logs: list[LogEntry] = []
        for live in lives:
            changes.append((live.execution, list(live.changed.values())))
            with live.lock:
                logs.extend(live.pending_logs)
        for pause in PERSIST_RETRIES:
            time.sleep(pause)
            try:
                self.executions.save_many(changes, logs, stored=self._stored_runs)
            except SQLAlchemyError as exc:
                failure = exc
                continue
            self._written(lives, changes, logs)
            return True
        log.error("could not store execution changes (%s); retrying", type(failure).__name__)
        ids = [live.execution.id for live in lives]

        def again() -> None:
            for execution_id in ids:
                self._events.put(("persist", execution_id, None))

        retry = threading.Timer(2.0, again)
        retry.daemon = True
        retry.start()
        return False

    def _written(
        self,
        lives: list[Live],
        changes: list[tuple[Execution, list[TaskRun]]],
        logs: list[LogEntry],
    ) -> None:
        """Forget what is now stored; what changed meanwhile stays pending."""
        stored = {id(e) for e in logs}
        for live, (_, runs) in zip(lives, changes, strict=True):
            for run in runs:
                live.changed.pop(run.id, None)
            with live.lock:
                live.pending_logs = [e for e in live.pending_logs if id(e) not in stored]

    # -- dispatching to workers -------------------------------------------

    def _functions(self, live: Live, run: TaskRun | None = None) -> FunctionTable:
        return FunctionTable(self, live, run)

    def _dispatch(self, live: Live, action: CreateTaskRun) -> None:
        """Add the task run to the execution and hand it to a worker."""
        run, task = action.task_run, action.task
        live.execution.task_runs.append(run)
        if not task.flowable:
            run.set_state(State.RUNNING)
        live.changed[run.id] = run
        live.active += 1
        make_context = self._context_factory(live, run, task)
        # The first context is built here, in the executor thread, so the
        # variables snapshot is taken before any other change to the execution.
        first = make_context(0)

        def work() -> None:
            with self._slots:
                try:
                    result = run_task(
                        task,
                        run.id,
                        action.retry,
                        lambda a: first if a == 0 else make_context(a),
                        live.masker,
                    )
                except Exception as exc:  # the worker must always report back
                    result = WorkResult(run.id, State.FAILED, error=live.masker.mask(str(exc)))
            self._events.put(("result", live.execution.id, result))

        self._pool.submit(work)

    def _context_factory(
        self, live: Live, run: TaskRun, task: TaskSpec
    ) -> Callable[[int], EngineRunContext]:
        """Builds the context of each attempt of ``run`` (its own cancel event each time)."""
        ex = live.execution
        base = execution_variables(live.flow, ex, live.inputs, self.globals, live.sealed)
        functions = self._functions(live, run)
        clear = self._clear_value(live, run)

        def make_context(attempt: int) -> EngineRunContext:
            cancel = threading.Event()
            live.attempt_events.add(cancel)
            if live.cancelled.is_set():
                cancel.set()
            variables = task_variables(base, ex, task, run, attempt)
            if clear is not None:
                variables["taskrun"]["value"] = taint(clear)
            return EngineRunContext(
                task=task,
                task_run_id=run.id,
                execution_id=ex.id,
                attempt=attempt,
                variables=variables,
                functions=functions,
                masker=live.masker,
                log_sink=lambda level, msg, trid, att: self._task_log(
                    live, task.id, level, msg, trid, att
                ),
                cancelled=cancel,
                killed=live.cancelled,
                subflow_runner=functions.subflow_runner(),
                pauser=lambda seconds: self.pause_run(live, run.id, seconds),
                on_cleanup=live.attempt_events.discard,
            )

        return make_context

    def _clear_value(self, live: Live, run: TaskRun) -> str | None:
        """The unmasked iteration value a run inherits, when it came from a secret.

        The nearest run (itself or an ancestor) created by a loop decides, so a
        task inside a Sequential inside a ForEach sees the same value as its parent.
        """
        if not live.clear_values:
            return None
        current: TaskRun | None = run
        while current is not None:
            if current.iteration is not None:
                key = (current.parent_task_run_id or "", current.iteration)
                return live.clear_values.get(key)
            parent_id = current.parent_task_run_id
            current = live.execution.task_run(parent_id) if parent_id else None
        return None

    def release_slot(self) -> None:
        """Give a worker slot back while a task waits on something else (a subflow)."""
        self._slots.release()

    def take_slot(self) -> None:
        """Take a worker slot again after :meth:`release_slot`."""
        self._slots.acquire()

    # -- logs -------------------------------------------------------------

    def _task_log(
        self,
        live: Live,
        task_id: str,
        level: str,
        message: str,
        task_run_id: str | None,
        attempt: int,
    ) -> None:
        entry = LogEntry(
            execution_id=live.execution.id,
            task_run_id=task_run_id,
            task_id=task_id,
            attempt=attempt,
            level=level,
            message=message,
        )
        self._record(live, entry)

    def _engine_log(self, live: Live, level: str, message: str) -> None:
        entry = LogEntry(
            execution_id=live.execution.id, level=level, message=live.masker.mask(message)
        )
        self._record(live, entry)

    def _record(self, live: Live, entry: LogEntry) -> None:
        with live.lock:  # kept only until written (every LOG_FLUSH_INTERVAL): memory stays flat
            live.pending_logs.append(entry)
            backlog = len(live.pending_logs)
        if backlog % LOG_FLUSH_LINES == 0:  # a fast writer: do not wait for the timer
            self._events.put(("persist", live.execution.id, None))
        if self.on_log is not None:
            self.on_log(entry)

    # -- subflows ---------------------------------------------------------

    def load_flow(self, namespace: str, flow_id: str) -> tuple[Flow, int]:
        """The newest revision of a deployed flow, parsed."""
        stored = self.flows.get(namespace, flow_id)
        return parse_flow(stored.source, f"{namespace}.{flow_id}"), stored.revision

    def live(self, execution_id: str) -> Live | None:
        """The in-flight state of an execution (for subflows and the API)."""
        return self._live.get(execution_id)


def _register_secret_input(masker: Masker, input_id: str, value: Any) -> None:
    """Register a SECRET input's value; one too short to mask is refused, not used."""
    text = str(value)
    if text and not masker.add(text):
        raise InputError(
            f"{input_id}: Invalid input for `{input_id}`, a SECRET must be at least "
            f"{masker.min_length} characters long to be masked, but received `****`"
        )
