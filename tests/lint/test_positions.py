"""Line and column inside an expression, through every YAML scalar style."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.lint.helpers import at, position_of

HEAD = (
    "id: f\nnamespace: company.team\ntasks:\n  - id: l\n    type: io.kestra.plugin.core.log.Log\n"
)
CALL = "{{ secret('K') | upper }}"

STYLED = {
    "plain": "    message: before " + CALL + "\n",
    "plain-multiline": "    message: a first line\n      and before " + CALL + "\n",
    "single": "    message: 'it''s ''quoted'' " + CALL.replace("'", "''") + "'\n",
    "double-escapes": '    message: "tab\\there \\"q\\" \\u00e9\\n' + CALL + '"\n',
    "double-continued": '    message: "one \\\n      two ' + CALL + '"\n',
    "literal": "    message: |\n      first line\n        indented more\n      " + CALL + "\n",
    "literal-keep": "    message: |+\n\n      " + CALL + "\n\n",
    "folded": "    message: >-\n      folded\n      text " + CALL + "\n",
    "flow-map": "    message: {a: 1}\n    format: x\n".replace("{a: 1}", '"' + CALL + '"'),
    "non-ascii": "    message: \"é 日本 " + CALL + "\"\n",
}  # fmt: skip


@pytest.mark.parametrize("body", list(STYLED.values()), ids=list(STYLED))
def test_the_call_and_the_filter_are_found_in_every_style(body: str) -> None:
    source = HEAD + body
    assert at(source, "secret-in-log") == [position_of(source, "secret(")]
    assert at(source, "secret-transformed") == [position_of(source, "upper")]


TEXT = st.text(alphabet="ab xy'\"\\é:-\t\n", max_size=40)


@settings(max_examples=150, deadline=None)
@given(
    prefix=TEXT,
    style=st.sampled_from([None, "'", '"', "|", ">"]),
    width=st.sampled_from([20, 80, 1000]),
)
def test_any_prefix_in_any_style_maps_to_the_call(
    prefix: str, style: str | None, width: int
) -> None:
    value = prefix + CALL
    dumped = yaml.safe_dump(
        {"message": value}, default_style=style, width=width, allow_unicode=True
    )
    body = "".join("    " + line + "\n" for line in dumped.splitlines())
    source = HEAD + body
    # PyYAML's own dumper does not always round-trip folded text: such drafts are not YAML tests.
    assume(yaml.safe_load(source)["tasks"][0]["message"] == value)
    assert at(source, "secret-in-log") == [position_of(source, "secret(")]
