"""The engine end to end: states, retries, timeouts, kills, outputs, the stored file."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine as Database
from tests.engine.conftest import Runner, env_secret, fake_secret

from hushflow.engine.runner import Engine
from hushflow.errors import InputError
from hushflow.models import State, parse_flow
from hushflow.secrets import SecretManager
from hushflow.storage.database import open_database

pytestmark = pytest.mark.usefixtures("db_url")


def test_retry_until_success_counts_attempts_and_warns(run_flow: Runner) -> None:
    run = run_flow(
        """
        id: retry
        namespace: t
        tasks:
          - id: flaky
            type: io.kestra.plugin.core.log.Log
            message: "{{ taskrun.attemptsCount == 2 ? 'ok' : undefinedVariable }}"
            retry: {type: constant, interval: PT0.01S, maxAttempts: 5, warningOnRetry: true}
        """
    )
    [task_run] = run.execution.task_runs
    assert [a.state for a in task_run.attempts] == [State.FAILED, State.FAILED, State.SUCCESS]
    assert task_run.state == State.WARNING
    assert run.execution.state == State.WARNING


def test_timeout_fails_the_task_and_stops_it(run_flow: Runner) -> None:
    run = run_flow(
        """
        id: slow
        namespace: t
        tasks:
          - id: nap
            type: io.kestra.plugin.core.flow.Sleep
            duration: PT30S
            timeout: PT0.2S
        """
    )
    assert run.execution.state == State.FAILED
    assert any("Timeout after PT0.2S" in m for m in run.messages), run.messages


def test_kill_stops_a_running_execution(database: Database, tmp_path: Path) -> None:
    engine = Engine(
        database, secrets=SecretManager.from_env(database, {"HUSHFLOW_HOME": str(tmp_path)})
    )
    try:
        flow = parse_flow(
            "id: k\nnamespace: t\ntasks:\n"
            "  - {id: nap, type: io.kestra.plugin.core.flow.Sleep, duration: PT60S}\n"
            "  - {id: never, type: io.kestra.plugin.core.log.Log, message: m}\n"
        )
        ex = engine.submit(flow)
        deadline = time.monotonic() + 10
        while not engine.executions.get(ex.id).task_runs and time.monotonic() < deadline:
            time.sleep(0.01)
        engine.kill(ex.id)
        done = engine.wait(ex.id, timeout=10)
    finally:
        engine.close()
    assert done.state == State.KILLED
    assert [(r.task_id, r.state) for r in done.task_runs] == [("nap", State.KILLED)]


def test_run_if_false_skips_and_broken_run_if_fails(run_flow: Runner) -> None:
    run = run_flow(
        """
        id: runif
        namespace: t
        tasks:
          - {id: skipped, type: io.kestra.plugin.core.log.Log, message: m, runIf: "{{ 1 == 2 }}"}
          - {id: ran, type: io.kestra.plugin.core.log.Log, message: m, runIf: "{{ true }}"}
          - {id: broken, type: io.kestra.plugin.core.log.Log, message: m, runIf: "{{ nothing.here }}"}
        """
    )
    states = {r.task_id: r.state for r in run.execution.task_runs}
    assert states == {"skipped": State.SKIPPED, "ran": State.SUCCESS, "broken": State.FAILED}


def test_flow_outputs_are_typed_and_a_broken_output_fails_the_execution(run_flow: Runner) -> None:
    good = run_flow(
        """
        id: outs
        namespace: t
        tasks:
          - id: vals
            type: io.kestra.plugin.core.output.OutputValues
            values: {n: "{{ 40 + 2 }}", name: x}
        outputs:
          - {id: n, type: INT, value: "{{ outputs.vals.values.n }}"}
          - {id: whole, type: STRING, value: "{{ outputs.vals.values }}"}
        """
    )
    assert good.execution.outputs == {
        "n": 42,
        "whole": json.dumps({"n": 42, "name": "x"}, separators=(",", ":")),
    }
    bad = run_flow(
        "id: bad\nnamespace: t\ntasks:\n  - {id: a, type: io.kestra.plugin.core.log.Log, message: m}\n"
        "outputs:\n  - {id: o, type: STRING, value: '{{ missing }}'}\n"
    )
    assert bad.execution.state == State.FAILED
    assert bad.execution.outputs is None


def test_invalid_inputs_are_refused_before_anything_runs(database: Database) -> None:
    engine = Engine(database)
    try:
        flow = parse_flow(
            "id: i\nnamespace: t\ninputs:\n  - {id: n, type: INT}\n  - {id: e, type: ENUM, values: [A, B]}\n"
            "tasks:\n  - {id: a, type: io.kestra.plugin.core.log.Log, message: m}\n"
        )
        with pytest.raises(InputError) as info:
            engine.submit(flow, {"n": "forty", "e": "C"})
    finally:
        engine.close()
    lines = str(info.value).splitlines()
    assert lines == [
        "n: Invalid input for `n`, invalid literal for int() with base 10: 'forty', but received `forty`",
        "e: Invalid input for `e`, it must match the values `[A, B]`, but received `C`",
    ]


def test_the_raw_sqlite_file_never_holds_a_secret(tmp_path: Path) -> None:
    value = fake_secret("raw")
    db_file = tmp_path / "raw.db"
    db = open_database(f"sqlite:///{db_file}")
    env = {"HUSHFLOW_HOME": str(tmp_path), "SECRET_K": env_secret(json.dumps({"p": value}))}
    engine = Engine(db, secrets=SecretManager.from_env(db, env))
    try:
        flow = parse_flow(
            "id: raw\nnamespace: t\ntasks:\n"
            "  - {id: a, type: io.kestra.plugin.core.log.Log, message: \"{{ secret('K') }}\"}\n"
            "  - {id: b, type: io.kestra.plugin.core.debug.Return, format: \"{{ secret('K') | jq('.p') | first }}\"}\n"
            "  - {id: c, type: io.kestra.plugin.core.execution.Fail, errorMessage: \"{{ json(secret('K')).p }}\"}\n"
        )
        done = engine.wait(engine.submit(flow).id, timeout=30)
    finally:
        engine.close()
        db.dispose()
    assert done.state == State.FAILED
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("raw.db*"))
    assert value.encode() not in raw
    assert b"****" in raw


def test_kill_requested_through_the_database_stops_the_execution(
    database: Database, tmp_path: Path
) -> None:
    from hushflow.engine.commands import CommandQueue

    engine = Engine(database, command_poll=0.05)
    try:
        flow = parse_flow(
            "id: k\nnamespace: t\ntasks:\n  - {id: nap, type: io.kestra.plugin.core.flow.Sleep, duration: PT60S}\n"
        )
        ex = engine.submit(flow)
        CommandQueue(database).request(ex.id, "kill")
        done = engine.wait(ex.id, timeout=20)
    finally:
        engine.close()
    assert done.state == State.KILLED
    assert CommandQueue(database).take([ex.id]) == []


def test_restart_resumes_from_the_failed_task_with_the_secret_input(
    database: Database, tmp_path: Path
) -> None:
    value = fake_secret("pw")
    source = """
id: restartable
namespace: t
inputs:
  - {id: pw, type: SECRET}
tasks:
  - {id: first, type: io.kestra.plugin.core.debug.Return, format: "once"}
  - id: gate
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - {id: check, type: io.kestra.plugin.core.execution.Fail, condition: "{{ not fileExists }}"}
      - {id: use, type: io.kestra.plugin.core.debug.Return, format: "{{ inputs.pw | length }} {{ inputs.pw }}"}
errors:
  - {id: on-error, type: io.kestra.plugin.core.log.Log, message: failed}
"""
    engine = Engine(database, globals_={})
    try:
        flow = parse_flow(source.replace("fileExists", "globals.ok ?? false"))
        engine.flows.save(
            flow.namespace, flow.id, source.replace("fileExists", "globals.ok ?? false")
        )
        first = engine.wait(engine.submit(flow, {"pw": value}).id, timeout=30)
        assert first.state == State.FAILED
        assert [r.task_id for r in first.task_runs] == ["first", "gate", "check", "on-error"]
        engine.globals["ok"] = True
        engine.restart(first.id)
        again = engine.wait(first.id, timeout=30)
    finally:
        engine.close()
    assert again.state == State.SUCCESS
    assert [r.task_id for r in again.task_runs] == ["first", "gate", "check", "use"]
    assert again.task_runs[0].id == first.task_runs[0].id  # kept, not run again
    use = again.task_runs[-1]
    # The length is a piece too short to mask, printed beside the secret: the
    # whole value is masked (see engine/registration.py).
    assert use.outputs == {"value": "****"}
    assert value not in again.model_dump_json()
    assert again.sealed_inputs and value not in str(again.sealed_inputs)


def test_restart_refuses_a_successful_execution(run_flow: Runner) -> None:
    from hushflow.errors import HushflowError

    run = run_flow(
        "id: ok\nnamespace: t\ntasks:\n  - {id: a, type: io.kestra.plugin.core.log.Log, message: m}\n"
    )
    with pytest.raises(HushflowError, match="only FAILED or KILLED"):
        run.engine.restart(run.execution.id)


def test_pause_waits_for_resume_and_pause_duration_resumes_alone(database: Database) -> None:
    from hushflow.engine.commands import CommandQueue

    engine = Engine(database, command_poll=0.05)
    try:
        manual = parse_flow(
            "id: p\nnamespace: t\ntasks:\n  - {id: hold, type: io.kestra.plugin.core.flow.Pause}\n"
            "  - {id: after, type: io.kestra.plugin.core.log.Log, message: resumed}\n"
        )
        ex = engine.submit(manual)
        deadline = time.monotonic() + 10
        while engine.executions.get(ex.id).state != State.PAUSED and time.monotonic() < deadline:
            time.sleep(0.02)
        paused = engine.executions.get(ex.id)
        assert paused.state == State.PAUSED
        assert paused.task_runs[0].state == State.PAUSED
        CommandQueue(database).request(ex.id, "resume")
        done = engine.wait(ex.id, timeout=10)
        timed = parse_flow(
            "id: q\nnamespace: t\ntasks:\n  - {id: hold, type: io.kestra.plugin.core.flow.Pause, pauseDuration: PT0.1S}\n"
        )
        elapsed = engine.wait(engine.submit(timed).id, timeout=10)
    finally:
        engine.close()
    assert done.state == State.SUCCESS
    assert done.task_runs[0].outputs == {"resumed": True}
    assert [h.state for h in done.state_history] == [
        State.CREATED,
        State.RUNNING,
        State.PAUSED,
        State.RUNNING,
        State.SUCCESS,
    ]
    assert elapsed.state == State.SUCCESS
    assert elapsed.task_runs[0].outputs == {"resumed": False}


def test_a_timeout_cancels_only_its_own_attempt(run_flow: Runner) -> None:
    run = run_flow(
        """
        id: timeouts
        namespace: t
        tasks:
          - {id: slow, type: io.kestra.plugin.core.flow.Sleep, duration: PT30S, timeout: PT0.1S, allowFailure: true}
          - {id: nap, type: io.kestra.plugin.core.flow.Sleep, duration: PT0.2S}
          - id: retried
            type: io.kestra.plugin.core.flow.Sleep
            duration: PT30S
            timeout: PT0.1S
            retry: {type: constant, interval: PT0.05S, maxAttempts: 2}
            allowFailure: true
        """
    )
    states = [(r.task_id, r.state) for r in run.execution.task_runs]
    assert states == [("slow", State.WARNING), ("nap", State.SUCCESS), ("retried", State.WARNING)]
    assert len(run.execution.task_runs[2].attempts) == 2


def test_key_rotation_reseals_secret_inputs_so_restart_still_opens_them(tmp_path: Path) -> None:
    from hushflow.secrets.master_key import MasterKeySource
    from hushflow.secrets.rotation import rotate_key

    value = fake_secret("pw")
    env = {"HUSHFLOW_HOME": str(tmp_path)}
    db = open_database(f"sqlite:///{tmp_path / 'rot.db'}")
    source = (
        "id: rot\nnamespace: t\ninputs:\n  - {id: pw, type: SECRET}\ntasks:\n"
        "  - {id: gate, type: io.kestra.plugin.core.execution.Fail, condition: '{{ not (globals.ok ?? false) }}'}\n"
        "  - {id: use, type: io.kestra.plugin.core.debug.Return, format: 'used {{ inputs.pw }}'}\n"
    )
    engine = Engine(db, keys=MasterKeySource(env))
    try:
        flow = parse_flow(source)
        engine.flows.save(flow.namespace, flow.id, source)
        first = engine.wait(engine.submit(flow, {"pw": value}).id, timeout=30)
        old_kid = first.sealed_inputs["pw"]["kid"]  # type: ignore[index]
        report = rotate_key(db, MasterKeySource(env))
        assert report.finished and report.primary_id != old_kid
        assert (
            len(
                [
                    ln
                    for ln in (tmp_path / "master.key").read_text().splitlines()
                    if not ln.startswith("#")
                ]
            )
            == 1
        )
        engine.keys = MasterKeySource(env)
        engine.globals["ok"] = True
        engine.restart(first.id)
        again = engine.wait(first.id, timeout=30)
    finally:
        engine.close()
        db.dispose()
    assert again.state == State.SUCCESS
    assert again.sealed_inputs["pw"]["kid"] == report.primary_id  # type: ignore[index]
    assert again.task_runs[-1].outputs == {"value": "used ****"}


def test_commands_left_for_an_ended_execution_are_dropped(database: Database) -> None:
    from hushflow.engine.commands import CommandQueue

    engine = Engine(database, command_poll=60)  # the poller never runs: only the end-of-run cleanup
    try:
        flow = parse_flow(
            "id: c\nnamespace: t\ntasks:\n  - {id: nap, type: io.kestra.plugin.core.flow.Sleep, duration: PT0.3S}\n"
        )
        ex = engine.submit(flow)
        CommandQueue(database).request(ex.id, "resume")
        done = engine.wait(ex.id, timeout=20)
    finally:
        engine.close()
    assert done.state == State.SUCCESS
    assert CommandQueue(database).take([ex.id]) == []


@pytest.mark.postgres
def test_a_write_the_database_refuses_is_retried_not_lost(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    import threading

    import psycopg
    from tests.conftest import PG_BASE

    db = open_database(pg_url)
    db.dispose()
    # The engine's connections give up on a lock after 100 ms, so a held lock is an error.
    touchy = open_database(
        pg_url.replace(
            "options=-csearch_path%3D", "options=-clock_timeout%3D100%20-csearch_path%3D"
        )
    )
    schema = pg_url.rsplit("%3D", 1)[1]
    engine = Engine(touchy)
    try:
        flow = parse_flow(
            "id: r\nnamespace: t\ntasks:\n  - {id: nap, type: io.kestra.plugin.core.flow.Sleep, duration: PT0.3S}\n"
        )
        ex = engine.submit(flow)
        with psycopg.connect(PG_BASE) as blocker:
            blocker.execute(f'LOCK TABLE "{schema}".executions IN ACCESS EXCLUSIVE MODE')
            released = threading.Timer(2.5, blocker.commit)
            released.start()
            done = engine.wait(ex.id, timeout=30)
            released.join()
    finally:
        engine.close()
        touchy.dispose()
    assert "could not store execution changes" in caplog.text  # the retry path ran
    assert done.state == State.SUCCESS
    assert [r.state for r in done.task_runs] == [State.SUCCESS]


def test_dates_print_as_java_instants(run_flow: Runner) -> None:
    # Kestra prints execution.startDate and taskrun.startDate as Instant.toString():
    # UTC with 'Z', the fraction in groups of three digits (none when zero).
    run = run_flow(
        """
        id: dates
        namespace: t
        tasks:
          - id: show
            type: io.kestra.plugin.core.log.Log
            message: "{{ execution.startDate }}|{{ taskrun.startDate }}|{{ taskrun.startDate | date('yyyy') }}"
        """
    )
    [message] = [m for m in run.messages if m.count("|") == 2]
    execution_date, taskrun_date, year = message.split("|")
    instant = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z")
    assert instant.fullmatch(execution_date), execution_date
    assert instant.fullmatch(taskrun_date), taskrun_date
    assert year == taskrun_date[:4]
