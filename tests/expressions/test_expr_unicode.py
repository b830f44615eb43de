"""Letters and digits outside ASCII inside an expression are a positioned error, never a crash."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hushflow.errors import ExpressionError
from hushflow.expressions import render_typed


@pytest.mark.parametrize(
    ("template", "char", "column"),
    [("{{ é }}", "é", 4), ("{{ ² }}", "²", 4), ("{{ a² }}", "²", 5), ("{{ 1 + ٣ }}", "٣", 8)],
)
def test_a_non_ascii_name_or_digit_is_an_unexpected_character(
    template: str, char: str, column: int
) -> None:
    with pytest.raises(ExpressionError, match=f"Unexpected character '{char}'.*column {column}"):
        render_typed(template, {})


@given(st.text(max_size=12))
def test_any_text_inside_an_expression_renders_or_fails_cleanly(inner: str) -> None:
    with contextlib.suppress(ExpressionError):
        render_typed("{{ " + inner + " }}", {"a": 1})
