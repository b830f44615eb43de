"""``truthy``: Kestra's rule (TruthUtils) for rendered conditions of If and runIf."""

from __future__ import annotations

from typing import Any

import pytest

from hushflow.expressions import render_typed, taint, truthy


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("true", True, id="true-text"),
        pytest.param("  true  ", True, id="padded-true"),
        pytest.param("1", True, id="one"),
        pytest.param("This should be true", True, id="any-text"),
        pytest.param("false", False, id="false-text"),
        pytest.param("     false ", False, id="padded-false"),
        pytest.param("0", False, id="zero-text"),
        pytest.param("-0", False, id="minus-zero-text"),
        pytest.param("", False, id="empty"),
        pytest.param("   ", False, id="blank"),
        pytest.param(None, False, id="null"),
        pytest.param(True, True, id="bool-true"),
        pytest.param(False, False, id="bool-false"),
        pytest.param(0, False, id="int-zero"),
        pytest.param(2, True, id="int"),
        pytest.param([], True, id="empty-list-prints-as-brackets"),
        pytest.param(taint("false"), False, id="tainted-false"),
    ],
)
def test_truthy(value: Any, expected: bool) -> None:
    assert truthy(value) is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("{{ 1 == 1 }}", True),
        ("{{ 1 == 2 }}", False),
        ("{{ outputs.count > 0 }}", True),
        ("{{ outputs.flag }}", False),
        ("{{ outputs.missing ?? false }}", False),
    ],
)
def test_truthy_of_rendered_conditions(condition: str, expected: bool) -> None:
    rendered = render_typed(condition, {"outputs": {"count": 3, "flag": False}})
    assert truthy(rendered.value) is expected
    assert truthy(rendered.text) is expected
