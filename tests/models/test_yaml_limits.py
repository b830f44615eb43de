"""Alias bombs and deep nesting are refused with a positioned error, quickly and in bounded memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hushflow.engine.inputs import resolve_inputs
from hushflow.errors import FlowValidationError, InputError
from hushflow.models import parse_flow
from hushflow.models.yaml_limits import MAX_DEPTH, safe_load_bounded

REPO = Path(__file__).resolve().parents[2]


def laughs(levels: int = 9) -> str:
    """The classic alias bomb: each level repeats the one before nine times."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*l{i - 1}"] * 9)
        lines.append(f"l{i}: &l{i} [{refs}]")
    return "\n".join(lines) + f"\nid: x\nnamespace: y\ntasks: *l{levels - 1}\n"


def test_a_billion_laughs_flow_is_refused_at_its_position() -> None:
    with pytest.raises(FlowValidationError) as err:
        parse_flow(laughs(), "bomb.yml")
    (loc, message) = err.value.problems[0]
    assert "expands to more than" in message and "alias bomb" in message
    assert loc is not None and loc.file == "bomb.yml" and loc.line > 1


def test_an_alias_to_its_own_parent_is_refused() -> None:
    with pytest.raises(FlowValidationError, match="refers to the node that contains it"):
        parse_flow("id: x\nnamespace: y\ntasks: &t [{id: a, type: t, more: *t}]\n")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 5_000], ids=["just-over", "composer-limit"])
def test_deep_nesting_is_refused_not_a_crash(depth: int) -> None:
    text = "id: x\nnamespace: y\ntasks: " + "[" * depth + "]" * depth + "\n"
    with pytest.raises(FlowValidationError, match=f"nested more than {MAX_DEPTH} levels"):
        parse_flow(text)


def test_ordinary_aliases_still_work() -> None:
    flow = parse_flow(
        "id: x\nnamespace: y\nlabels: &l {team: a}\ntasks:\n"
        "  - {id: a, type: io.kestra.plugin.core.log.Log, message: hi}\n"
        "variables: {copy: *l}\n"
    )
    assert flow.variables == {"copy": {"team": "a"}}


def test_a_yaml_input_has_the_same_bounds() -> None:
    flow = parse_flow(
        "id: x\nnamespace: y\ninputs:\n  - {id: doc, type: YAML}\ntasks:\n"
        "  - {id: a, type: io.kestra.plugin.core.log.Log, message: hi}\n"
    )
    with pytest.raises(InputError, match="expands to more than"):
        resolve_inputs(flow, {"doc": laughs()})
    assert safe_load_bounded("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


def test_flow_validate_of_the_bomb_ends_at_once_with_exit_2(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yml"
    bomb.write_text(laughs())
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUSHFLOW_")}
    env["HUSHFLOW_HOME"] = str(tmp_path / "home")
    result = subprocess.run(
        [sys.executable, "-m", "hushflow", "flow", "validate", str(bomb)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "alias bomb" in result.stderr
    assert "Traceback" not in result.stderr
