"""Kestra's own test flows and what Kestra's tests assert for them (``expectations.jsonl``).

This module loads the corpus from the shared folder (``../shared/kestra-flows``
beside the checkout, or ``$HUSHFLOW_KESTRA_FLOWS``), runs each case through
the real engine on a real SQLite file, and checks every assertion the
expectation lists, with the matchers the corpus README defines. It returns a
list of failures (empty when the case passes) rather than asserting, so the
test can report them all at once.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hushflow.engine.runner import Engine
from hushflow.engine.variables import outputs_tree
from hushflow.errors import InputError
from hushflow.models import Execution, LogEntry, parse_flow
from hushflow.models.flow_source import read_flow

REPO = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path | None:
    """Where the corpus is, or None when it is not on this machine."""
    raw = os.environ.get("HUSHFLOW_KESTRA_FLOWS")
    candidates = [Path(raw)] if raw else [REPO.parent / "shared" / "kestra-flows"]
    for path in candidates:
        if (path / "expectations.jsonl").is_file():
            return path
    return None


@dataclass
class Case:
    """One run of one flow with one set of inputs and its expectations."""

    name: str
    file: str
    spec: dict[str, Any]
    failures: list[str] = field(default_factory=list)


def load_cases(folder: Path) -> list[Case]:
    """Every case: each expectation line, then each of its ``more_cases``."""
    cases = []
    for line in (folder / "expectations.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        spec = json.loads(line)
        if spec.get("helper_only"):
            continue
        cases.append(Case(spec["file"], spec["file"], spec))
        for i, more in enumerate(spec.get("more_cases") or [], start=2):
            merged = {k: v for k, v in spec.items() if k not in ("more_cases",)}
            for key in ("expected_taskruns", "expected_outputs", "expected_logs",
                        "expected_log_substrings", "expected_taskrun_count", "child_executions",
                        "expected_flow_outputs", "expected_output_relations"):  # fmt: skip
                merged.pop(key, None)
            merged.update({k: v for k, v in more.items() if k != "inputs_change"})
            if "inputs_change" in more:
                merged["inputs"] = {**(spec.get("inputs") or {}), **more["inputs_change"]}
            cases.append(Case(f"{spec['file']}#{i}", spec["file"], merged))
    return cases


# -- matchers ---------------------------------------------------------------


def matches(expected: Any, actual: Any, placeholders: dict[str, str]) -> bool:
    """The corpus README's matchers: equality, subset for maps, $contains, $regex..."""
    if isinstance(expected, str) and expected in placeholders:
        return actual == placeholders[expected]
    if isinstance(expected, dict):
        if "$contains" in expected:
            return isinstance(actual, str) and expected["$contains"] in actual
        if "$regex" in expected:
            return isinstance(actual, str) and re.fullmatch(expected["$regex"], actual) is not None
        if "$hasItems" in expected:
            return isinstance(actual, list) and all(i in actual for i in expected["$hasItems"])
        if "$isoDatetimeNearNow" in expected:
            return _near_now(actual, expected["$isoDatetimeNearNow"])
        if not isinstance(actual, dict):
            return False
        return all(k in actual and matches(v, actual[k], placeholders) for k, v in expected.items())
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(matches(e, a, placeholders) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual)


def _near_now(actual: Any, seconds: float) -> bool:
    try:
        when = datetime.fromisoformat(str(actual).replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        return False
    return abs((datetime.now(UTC) - when).total_seconds()) <= seconds


# -- running ----------------------------------------------------------------


def secret_env(spec: dict[str, Any]) -> dict[str, str]:
    """SECRET_* variables, base64-encoded as Kestra expects them."""
    env = {}
    for key, value in (spec.get("env_secrets") or {}).items():
        env[key] = base64.b64encode(value.encode()).decode()
    return env


def deploy_corpus(engine: Engine, folder: Path) -> None:
    """Deploy every flow that parses, so subflows can be found."""
    for path in sorted(folder.glob("*.y*ml")):
        try:
            flow = read_flow(path)
        except Exception:
            continue
        engine.flows.save(flow.namespace, flow.id, path.read_text())


def run_case(
    case: Case, engine: Engine, folder: Path, home: Path
) -> tuple[Execution | None, list[LogEntry]]:
    """Run the case's flow; record an expected input error as a pass or a failure."""
    spec = case.spec
    flow = parse_flow((folder / case.file).read_text(), case.file)
    stored = engine.flows.get(flow.namespace, flow.id)
    inputs = dict(spec.get("inputs") or {})
    for declared in flow.inputs:  # a FILE input names a local file: make one
        if declared.type == "FILE" and isinstance(inputs.get(declared.id), str):
            local = home / "uploads" / inputs[declared.id]
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_text("from: the corpus harness\n")
            inputs[declared.id] = str(local)
    try:
        ex = engine.submit(
            flow,
            inputs,
            revision=stored.revision,
            labels=spec.get("execution_labels") or {},
            typed_inputs=not spec.get("inputs_raw"),
        )
    except InputError as exc:
        want = spec.get("expected_input_error")
        if want is None:
            case.failures.append(f"inputs refused: {exc}")
        elif not _message_matches(want, str(exc)):
            case.failures.append(f"input error {str(exc)!r} does not match {want!r}")
        return None, []
    if spec.get("expected_input_error"):
        case.failures.append("inputs were accepted but the test expects them refused")
    done = engine.wait(ex.id, timeout=120)
    return done, engine.logs.for_execution(done.id)


def _message_matches(want: Any, got: str) -> bool:
    if isinstance(want, str):
        return want in got
    return matches(want, got, {})


def adapt_to_masking(spec: dict[str, Any], secret_inputs: set[str]) -> dict[str, Any]:
    """Where Kestra shows a secret in clear and hushflow masks it, expect the mask.

    Two adaptations, both in the direction of *more* masking: an expected log
    that would contain a forbidden (secret) text is left to the forbidden-text
    check, which proves the opposite; an expected output equal to the value of
    a SECRET-typed input is expected as ``****`` (Kestra decrypts SECRET inputs
    into task outputs; hushflow masks them everywhere).
    """
    forbidden = spec.get("forbidden_substrings") or []
    out = dict(spec)
    out["expected_logs"] = [
        want for want in spec.get("expected_logs") or []
        if not any(f in json.dumps(want.get("message")) for f in forbidden)
    ]  # fmt: skip
    secret_values = [v for k, v in (spec.get("inputs") or {}).items() if k in secret_inputs]
    outputs = {}
    for task_id, expected in (spec.get("expected_outputs") or {}).items():
        if isinstance(expected, dict) and any(expected.get("value") == v for v in secret_values):
            expected = {**expected, "value": "****"}
        outputs[task_id] = expected
    out["expected_outputs"] = outputs
    return out


def check(case: Case, engine: Engine, ex: Execution, logs: list[LogEntry], home: Path) -> None:
    """Every assertion of the case, failures appended to ``case.failures``."""
    flow = engine.load_flow(ex.namespace, ex.flow_id)[0]
    spec = adapt_to_masking(case.spec, {i.id for i in flow.inputs if i.type == "SECRET"})
    fail = case.failures.append
    ph = {"<parent execution id>": ex.id}
    if spec.get("expected_state") and ex.state.value != spec["expected_state"]:
        fail(f"state {ex.state.value}, expected {spec['expected_state']}")
    count = spec.get("expected_taskrun_count")
    if count is not None and len(ex.task_runs) != count:
        fail(
            f"{len(ex.task_runs)} task runs, expected {count}: {[r.task_id for r in ex.task_runs]}"
        )
    tree = outputs_tree(ex)
    for task_id, expected in (spec.get("expected_outputs") or {}).items():
        if not matches(expected, tree.get(task_id), _children_ph(engine, ex, ph)):
            fail(f"outputs of {task_id}: {tree.get(task_id)!r} do not match {expected!r}")
    for want in spec.get("expected_taskruns") or []:
        _check_taskrun(want, ex, fail)
    _check_flow_outputs(spec, ex, fail)
    messages = [e.message for e in logs]
    for sub in spec.get("expected_log_substrings") or []:
        if not any(sub in m for m in messages):
            fail(f"no log line contains {sub!r}")
    for want in spec.get("expected_logs") or []:
        _check_log(want, logs, fail)
    for rel in spec.get("expected_output_relations") or []:
        _check_relation(rel, tree, fail)
    for child in spec.get("child_executions") or []:
        _check_child(child, engine, ex, fail)
    _check_forbidden(spec, ex, logs, home, fail)


def _children_ph(engine: Engine, ex: Execution, ph: dict[str, str]) -> dict[str, str]:
    children = [c for c in engine.executions.list(limit=500) if c.parent_id == ex.id]
    if children:
        return {**ph, "<child execution id>": children[0].id}
    return ph


def _check_taskrun(want: dict[str, Any], ex: Execution, fail: Any) -> None:
    runs = ex.task_runs
    if want.get("absent"):
        if any(r.task_id == want.get("task_id") for r in runs):
            fail(f"task {want.get('task_id')} has a task run but should not")
        return
    if "index" in want:
        if want["index"] >= len(runs):
            fail(f"no task run at index {want['index']}")
            return
        run = runs[want["index"]]
        if "task_id" in want and run.task_id != want["task_id"]:
            fail(f"task run {want['index']} is {run.task_id}, expected {want['task_id']}")
            return
    else:
        found = [r for r in runs if r.task_id == want.get("task_id")]
        if not found:
            fail(f"no task run for {want.get('task_id')}")
            return
        run = found[0]
    where = f"task run {run.task_id}"
    if "state" in want and run.state.value != want["state"]:
        fail(f"{where}: state {run.state.value}, expected {want['state']}")
    if "attempts" in want and len(run.attempts) != want["attempts"]:
        fail(f"{where}: {len(run.attempts)} attempts, expected {want['attempts']}")
    if "attempt_state" in want and (
        not run.attempts or run.attempts[-1].state.value != want["attempt_state"]
    ):
        got = run.attempts[-1].state.value if run.attempts else None
        fail(f"{where}: last attempt {got}, expected {want['attempt_state']}")
    if "outputs" in want and not matches(want["outputs"], run.outputs or {}, {}):
        fail(f"{where}: outputs {run.outputs!r} do not match {want['outputs']!r}")


def _check_flow_outputs(spec: dict[str, Any], ex: Execution, fail: Any) -> None:
    if "expected_flow_outputs" in spec:
        want = spec["expected_flow_outputs"]
        if want is None and ex.outputs:
            fail(f"flow outputs {ex.outputs!r}, expected none")
        elif want is not None and not matches(want, ex.outputs or {}, {}):
            fail(f"flow outputs {ex.outputs!r} do not match {want!r}")
    size = spec.get("expected_flow_outputs_size")
    if size is not None and len(ex.outputs or {}) != size:
        fail(f"{len(ex.outputs or {})} flow outputs, expected {size}")


def _check_log(want: dict[str, Any], logs: list[LogEntry], fail: Any) -> None:
    mine = [e for e in logs if "task_id" not in want or e.task_id == want["task_id"]]
    if want.get("level"):
        mine = [e for e in mine if e.level == want["level"]]
    if want.get("absent"):
        if mine:
            fail(f"task {want.get('task_id')} logged {[e.message for e in mine]!r} but should not")
        return
    message = want.get("message")
    if message is None:
        if not mine:
            fail(f"no log for task {want.get('task_id')} at {want.get('level')}")
        return
    if not any(matches(message, e.message, {}) for e in mine):
        fail(f"no log of {want.get('task_id')} matches {message!r}: {[e.message for e in mine]!r}")


def _tree_get(tree: dict[str, Any], task: str, values: list[str], key: str) -> Any:
    node: Any = tree.get(task)
    for value in values:
        node = node.get(value) if isinstance(node, dict) else None
    return node.get(key) if isinstance(node, dict) else None


def _check_relation(rel: dict[str, Any], tree: dict[str, Any], fail: Any) -> None:
    outer = _tree_get(tree, rel["task"], rel.get("values") or [], rel["key"])
    other = rel["contains_output_of"]
    inner = _tree_get(tree, other["task"], other.get("values") or [], other["key"])
    needle = (rel.get("contains_prefix") or "") + str(inner)
    if inner is None or not isinstance(outer, str) or needle not in outer:
        fail(f"output {rel['task']} {outer!r} does not contain {needle!r}")


def _check_child(want: dict[str, Any], engine: Engine, ex: Execution, fail: Any) -> None:
    candidates = [c for c in engine.executions.list(flow_id=want["flow_id"], limit=500)
                  if c.labels.get("system.correlationId") == ex.id and c.id != ex.id]  # fmt: skip
    if not candidates:
        fail(f"no child execution of {want['flow_id']}")
        return
    child = engine.executions.get(candidates[0].id)
    ph = {"<parent execution id>": ex.id}
    if want.get("expected_state") and child.state.value != want["expected_state"]:
        fail(
            f"child {want['flow_id']}: state {child.state.value}, expected {want['expected_state']}"
        )
    count = want.get("expected_taskrun_count")
    if count is not None and len(child.task_runs) != count:
        fail(f"child {want['flow_id']}: {len(child.task_runs)} task runs, expected {count}")
    for key, value in (want.get("labels") or {}).items():
        if not matches(value, child.labels.get(key), ph):
            got = child.labels.get(key)
            fail(f"child {want['flow_id']}: label {key}={got!r}, expected {value!r}")
    if want.get("trigger") and not matches(want["trigger"], child.trigger or {}, ph):
        fail(f"child {want['flow_id']}: trigger {child.trigger!r}, expected {want['trigger']!r}")
    exact = want.get("labels_exact_count")
    if exact is not None and len(child.labels) != exact:
        fail(
            f"child {want['flow_id']}: {len(child.labels)} labels {child.labels}, expected {exact}"
        )


def _check_forbidden(
    spec: dict[str, Any], ex: Execution, logs: list[LogEntry], home: Path, fail: Any
) -> None:
    forbidden = spec.get("forbidden_substrings") or []
    if not forbidden:
        return
    blobs = [json.dumps(ex.to_json()), *(e.message for e in logs)]
    for path in home.rglob("*"):
        if path.is_file():
            blobs.append(path.read_bytes().decode("latin-1"))
    for needle in forbidden:
        if any(needle in blob for blob in blobs):
            fail(f"forbidden text {needle[:4]}... appears in a log, an output or a stored file")
