"""Script tasks end to end: real processes run by the real engine on a SQLite file."""

from __future__ import annotations

import json
import os
import secrets
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from hushflow.engine.runner import Engine
from hushflow.errors import FlowValidationError
from hushflow.models import State, parse_flow
from hushflow.tasks.scratch import process_root
from tests.tasks.task_helpers import FlowRunner, alive, descendants, fake_secret

SHELL = "io.kestra.plugin.scripts.shell.Commands"


def shell(commands: list[str], extra: str = "") -> str:
    lines = "\n".join(f"          - {json.dumps(c)}" for c in commands)
    return f"""
    id: sh
    namespace: company.team
    tasks:
      - id: t
        type: {SHELL}
{extra}        commands:
{lines}
    """


def test_stdout_is_info_stderr_is_error_and_stderr_makes_a_warning(run_flow: FlowRunner) -> None:
    run = run_flow(shell(["echo to-out", "echo to-err >&2"]))
    assert run.execution.state == State.WARNING
    assert run.messages("t", "INFO") == ["to-out"]
    assert run.messages("t", "ERROR") == ["to-err"]
    assert run.task("t").outputs == {"exitCode": 0, "vars": {}, "outputFiles": {}}


def test_warning_on_stderr_can_be_switched_off(run_flow: FlowRunner) -> None:
    run = run_flow(shell(["echo to-err >&2"], "        warningOnStdErr: false\n"))
    assert run.execution.state == State.SUCCESS
    assert run.messages("t", "ERROR") == ["to-err"]


def test_a_non_zero_exit_fails_with_the_exit_code(run_flow: FlowRunner) -> None:
    run = run_flow(shell(["echo before", "exit 3"]))
    assert run.execution.state == State.FAILED
    assert run.task("t").error == "Command failed with exit code 3"
    assert "Command failed with exit code 3" in run.messages("t", "ERROR")


@pytest.mark.parametrize(
    ("fail_fast", "state", "after_logged"),
    [("true", State.FAILED, False), ("false", State.SUCCESS, True)],
    ids=["fail-fast-stops", "no-fail-fast-goes-on"],
)
def test_fail_fast(run_flow: FlowRunner, fail_fast: str, state: State, after_logged: bool) -> None:
    run = run_flow(shell(["false", "echo after"], f"        failFast: {fail_fast}\n"))
    assert run.execution.state == state
    assert ("after" in run.messages("t")) is after_logged


def test_before_commands_run_first_in_the_same_shell(run_flow: FlowRunner) -> None:
    extra = "        beforeCommands:\n          - GREETING=hello-from-before\n"
    run = run_flow(shell(['echo "$GREETING"'], extra))
    assert run.messages("t", "INFO") == ["hello-from-before"]


def test_the_line_protocol_sets_vars_and_logs(run_flow: FlowRunner) -> None:
    commands = [
        """echo '::{"outputs": {"a": 1, "nested": {"x": [1, 2]}}}::'""",
        """echo '::{"outputs": {"b": "two"}}::'""",
        """echo '::{"logs": [{"level": "WARN", "message": "careful"}, {"message": "plain"}]}::'""",
        """echo '::{not json}::'""",
    ]
    run = run_flow(shell(commands))
    assert run.task("t").outputs["vars"] == {"a": 1, "nested": {"x": [1, 2]}, "b": "two"}
    assert run.messages("t", "WARN") == ["careful"]
    assert run.messages("t", "INFO") == ["plain", "::{not json}::"]


def test_vars_are_usable_downstream(run_flow: FlowRunner) -> None:
    run = run_flow("""
    id: chain
    namespace: company.team
    tasks:
      - id: produce
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - echo '::{"outputs":{"count":42}}::'
      - id: consume
        type: io.kestra.plugin.core.log.Log
        message: "count={{ outputs.produce.vars.count }}"
    """)
    assert run.messages("consume") == ["count=42"]


def test_input_files_are_written_and_output_files_stored(run_flow: FlowRunner) -> None:
    run = run_flow("""
    id: files
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.shell.Commands
        inputFiles:
          data/in.txt: "{{ 'abc' | upper }}"
        outputFiles:
          - "*.out"
          - "sub/**/*.csv"
        commands:
          - tr A-Z a-z < data/in.txt > result.out
          - mkdir -p sub/deep && echo 1,2 > sub/deep/x.csv && echo skip > other.txt
      - id: read
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - cat "{{ outputs.t.outputFiles['result.out'] }}"
    """)
    assert run.execution.state == State.SUCCESS
    files = run.task("t").outputs["outputFiles"]
    assert sorted(files) == ["result.out", "sub/deep/x.csv"]
    folder = run.home / "storage" / run.execution.id / run.task("t").id
    assert Path(files["result.out"]) == folder / "result.out"
    assert Path(files["result.out"]).read_text() == "abc"
    assert Path(files["sub/deep/x.csv"]).read_text() == "1,2\n"
    assert run.messages("read", "INFO") == ["abc"]


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/escape.txt"], ids=["climb", "absolute"])
def test_input_files_cannot_leave_the_working_folder(run_flow: FlowRunner, name: str) -> None:
    run = run_flow(shell(["true"], f"        inputFiles:\n          {name}: x\n"))
    assert run.execution.state == State.FAILED
    assert "relative path" in (run.task("t").error or "")


def test_the_working_folder_is_private_and_removed(run_flow: FlowRunner) -> None:
    run = run_flow(shell(["pwd", "stat -c %a ."]))
    workdir, mode = run.messages("t", "INFO")
    assert mode == "700"
    assert not Path(workdir).exists()


def test_the_child_environment_holds_only_the_task_env(
    run_flow: FlowRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = {
        "HUSHFLOW_MASTER_KEY": "planted-master-key",
        "HUSHFLOW_DATABASE_URL": "postgresql://planted",
        "SECRET_PLANTED": "cGxhbnRlZA==",
        "UNRELATED_PARENT_VAR": "planted",
    }
    for key, value in planted.items():
        monkeypatch.setenv(key, value)
    run = run_flow("""
    id: env
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.python.Script
        env:
          MY_VAR: mine
        script: |
          import json, os
          print(json.dumps(dict(os.environ)))
    """)
    env = json.loads(run.messages("t", "INFO")[0])
    base = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PWD"}
    python = {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH"}
    assert set(env) <= base | python | {"MY_VAR", "LC_CTYPE"}
    assert env["MY_VAR"] == "mine"
    assert not set(planted) & set(env)
    assert env["HOME"] == env["PWD"]
    assert env["TMPDIR"].startswith(env["HOME"])


def test_a_shell_sees_no_parent_variable_either(
    run_flow: FlowRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_PLANTED", "cGxhbnRlZA==")
    monkeypatch.setenv("HUSHFLOW_MASTER_KEY", "planted-master-key")
    run = run_flow(shell(["env | cut -d= -f1 | sort"]))
    names = set(run.messages("t", "INFO"))
    assert "PATH" in names
    assert not {n for n in names if n.startswith(("SECRET_", "HUSHFLOW_"))}


def test_the_task_env_can_override_the_base(run_flow: FlowRunner) -> None:
    run = run_flow(shell(['echo "$LANG"'], "        env:\n          LANG: fr_FR.UTF-8\n"))
    assert run.messages("t", "INFO") == ["fr_FR.UTF-8"]


def test_python_runs_with_hushflows_interpreter(run_flow: FlowRunner) -> None:
    run = run_flow("""
    id: py
    namespace: company.team
    tasks:
      - id: script
        type: io.kestra.plugin.scripts.python.Script
        script: |
          import sys
          print(sys.prefix)
      - id: commands
        type: io.kestra.plugin.scripts.python.Commands
        inputFiles:
          main.py: |
            import sys
            print(sys.prefix, sys.argv[1])
        commands:
          - python main.py one
          - python3 -c "import sys; print(sys.prefix)"
    """)
    assert run.execution.state == State.SUCCESS
    assert run.messages("script", "INFO") == [sys.prefix]
    assert run.messages("commands", "INFO") == [f"{sys.prefix} one", sys.prefix]


def test_kestra_container_options_are_accepted_and_noted(run_flow: FlowRunner) -> None:
    run = run_flow("""
    id: py
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.python.Script
        containerImage: python:3.12-slim
        docker:
          pullPolicy: IF_NOT_PRESENT
        dependencies:
          - requests
        taskRunner:
          type: io.kestra.plugin.core.runner.Process
        script: print("ran")
    """)
    assert run.execution.state == State.SUCCESS
    assert run.messages("t", "INFO") == ["ran"]
    assert any("containerImage" in m for m in run.messages("t", "DEBUG"))
    assert any("dependencies are not installed" in m for m in run.messages("t", "WARN"))


def test_a_container_task_runner_is_a_clear_validation_error() -> None:
    runner = "        taskRunner:\n          type: io.kestra.plugin.scripts.runner.docker.Docker\n"
    with pytest.raises(FlowValidationError) as info:
        parse_flow(textwrap.dedent(shell(["true"], runner)))
    message = str(info.value)
    assert "taskRunner" in message
    assert "io.kestra.plugin.scripts.runner.docker.Docker" in message
    assert "io.kestra.plugin.core.runner.Process" in message


def test_shell_script_runs_a_multiline_script(run_flow: FlowRunner) -> None:
    run = run_flow("""
    id: s
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.shell.Script
        script: |
          for i in 1 2 3; do
            echo "line $i of {{ flow.id }}"
          done
    """)
    assert run.messages("t", "INFO") == ["line 1 of s", "line 2 of s", "line 3 of s"]


def test_a_non_shell_interpreter_gets_the_commands_as_its_argument(run_flow: FlowRunner) -> None:
    extra = f"        interpreter: [{json.dumps(sys.executable)}, '-c']\n"
    run = run_flow(shell(["print(6 * 7)"], extra))
    assert run.execution.state == State.FAILED  # 'set -e' is not Python
    run = run_flow(shell(["print(6 * 7)"], extra + "        failFast: false\n"))
    assert run.messages("t", "INFO") == ["42"]


def test_a_missing_interpreter_fails_clearly(run_flow: FlowRunner) -> None:
    run = run_flow(shell(["true"], "        interpreter: [/nonexistent/shell, -c]\n"))
    assert run.execution.state == State.FAILED
    assert "cannot start '/nonexistent/shell'" in (run.task("t").error or "")


def test_a_very_long_line_is_logged_in_pieces(run_flow: FlowRunner) -> None:
    run = run_flow(shell([f"{json.dumps(sys.executable)} -c \"print('y' * 200000)\""]))
    pieces = run.messages("t", "INFO")
    assert "".join(pieces) == "y" * 200000
    assert len(pieces) == 4


def _kill_when(line: str) -> Callable[[Engine, str], None]:
    """Kill the execution once its script logged ``line`` (a script cannot write outside)."""

    def during(engine: Engine, execution_id: str) -> None:
        for _ in range(1500):
            if line in [e.message for e in engine.logs_of(execution_id)]:
                engine.kill(execution_id)
                return
            threading.Event().wait(0.02)
        raise AssertionError(f"the script never logged {line!r}")

    return during


def _sleepers() -> list[int]:
    """Our descendants still running ``sleep 3xx`` (what the scripts below leave behind)."""
    return [p for p in descendants(os.getpid()) if _cmdline(p).startswith("sleep 3")]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _none_left() -> bool:
    for _ in range(250):
        if not _sleepers():
            return True
        threading.Event().wait(0.02)
    return False


def test_kill_stops_the_process_group(run_flow: FlowRunner) -> None:
    run = run_flow(
        shell(["sleep 300 &", "echo started", "sleep 301"]),
        during=_kill_when("started"),
    )
    assert run.execution.state == State.KILLED
    assert run.task("t").state == State.KILLED
    assert _none_left()


def test_timeout_stops_the_process(run_flow: FlowRunner) -> None:
    run = run_flow(shell(["sleep 302"], "        timeout: PT1S\n"))
    assert run.execution.state == State.FAILED
    assert "Timeout" in (run.task("t").error or "")
    assert _none_left()


def test_background_children_do_not_outlive_the_task(run_flow: FlowRunner) -> None:
    run = run_flow(shell(["(sleep 303; echo late) &", "echo done"]))
    assert run.execution.state == State.SUCCESS
    assert run.messages("t", "INFO") == ["done"]
    assert _none_left()


def test_no_process_is_left_behind(run_flow: FlowRunner) -> None:
    before = set(os.listdir("/proc"))
    run_flow(shell(["echo hi"]))
    children = [
        p
        for p in set(os.listdir("/proc")) - before
        if p.isdigit() and alive(int(p)) and _parent(int(p)) == os.getpid()
    ]
    assert children == []


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return -1
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_working_dir_and_output_dir(run_flow: FlowRunner) -> None:
    run = run_flow("""
    id: dirs
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.shell.Commands
        env:
          OUT: "{{outputDir}}"
        commands:
          - test "{{ workingDir }}" = "$(pwd)" && echo same-folder
          - echo made > "{{ outputDir }}/made.txt"
          - mkdir -p "$OUT/nested" && echo deep > "$OUT/nested/deep.txt"
      - id: read
        type: io.kestra.plugin.core.log.Log
        message: "{{ outputs.t.outputFiles['made.txt'] is defined }}"
    """)
    assert run.execution.state == State.SUCCESS
    assert run.messages("t", "INFO") == ["same-folder"]
    files = run.task("t").outputs["outputFiles"]
    assert sorted(files) == ["made.txt", "nested/deep.txt"]
    assert Path(files["nested/deep.txt"]).read_text() == "deep\n"
    assert run.messages("read") == ["true"]


def test_the_kestra_python_library_works_without_installing_it(run_flow: FlowRunner) -> None:
    run = run_flow("""
    id: lib
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.python.Script
        script: |
          from kestra import Kestra
          Kestra.outputs({"rows": 3, "name": "orders"})
          Kestra.outputs({"more": True})
          Kestra.counter("rows", 3, {"table": "orders"})
          Kestra.timer("load", lambda: None)
          log = Kestra.logger()
          log.info("loaded")
          log.warning("slow table")
          log.error("one row skipped")
    """)
    assert run.execution.state == State.SUCCESS
    assert run.task("t").outputs["vars"] == {"rows": 3, "name": "orders", "more": True}
    assert run.messages("t", "INFO") == ["loaded"]
    assert run.messages("t", "WARN") == ["slow table"]
    assert run.messages("t", "ERROR") == ["one row skipped"]


def test_a_line_shows_while_the_script_is_still_working(run_flow: FlowRunner) -> None:
    """The masking stream holds output back; a quiet child gets its whole lines shown."""
    task_id = f"wait_{secrets.token_hex(6)}"

    def release_after_first_line(engine: Engine, execution_id: str) -> None:
        for _ in range(1500):
            if "first line" in [e.message for e in engine.logs_of(execution_id)]:
                break
            threading.Event().wait(0.02)
        # the script waits for a file in its own working folder
        for folder in process_root().glob(f"hushflow-{task_id}-*"):
            (folder / "go").write_text("go\n")
        assert "first line" in [e.message for e in engine.logs_of(execution_id)]

    run = run_flow(
        f"""
    id: live
    namespace: company.team
    tasks:
      - id: {task_id}
        type: io.kestra.plugin.scripts.shell.Commands
        env:
          TOK: "{{{{ secret('MY_TOKEN') }}}}"
        commands:
          - echo "first line"
          - for i in $(seq 600); do [ -f go ] && break; sleep 0.1; done
          - echo second
    """,
        {"MY_TOKEN": fake_secret()},  # a registered secret makes the stream hold output back
        during=release_after_first_line,
    )
    assert run.messages(task_id, "INFO") == ["first line", "second"]


def test_a_child_that_ignores_sigterm_is_killed_anyway(run_flow: FlowRunner) -> None:
    run = run_flow(
        shell(["trap '' TERM", "echo started", "while true; do sleep 304; done"]),
        during=_kill_when("started"),
    )
    assert run.execution.state == State.KILLED
    assert _none_left()
