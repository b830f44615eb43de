"""The ``yaml`` filter's output, shaped as Kestra's Jackson YAML writer prints it.

Kestra's writer (Jackson over SnakeYAML) has no document markers (no ``---``,
no ``...`` after a lone scalar), indents each list dash by one space
(``INDENT_ARRAYS``: the dash sits one column in from where the list starts,
so a top-level list prints as `` - a``), leaves strings unquoted unless
they must be quoted and then uses double quotes (``MINIMIZE_QUOTES``), and
prints numbers as Java does (``1.0E20``). PyYAML's emitter is a port of
SnakeYAML's, so the same algorithm with those options gives the same text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from hushflow.expressions.values import is_list, java_double

#: Plain strings that a YAML reader would take for another type, so Jackson quotes them.
_RESERVED = re.compile(
    r"(?i:true|false|yes|no|y|n|on|off|null|~)"
    r"|[-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?"
    r"|[-+]?\.(?i:inf)|\.(?i:nan)|0x[0-9a-fA-F]+|0o[0-7]+"
)


class _JacksonDumper(yaml.SafeDumper):
    """SafeDumper with SnakeYAML's indicator indent of 1 and double quotes only."""

    def expect_block_sequence_item(self, first: bool = False) -> None:
        if not first and isinstance(self.event, yaml.SequenceEndEvent):
            self.indent = self.indents.pop()
            self.state = self.states.pop()
            return
        self.write_indent()
        self.stream.write(" ")
        self.column += 1
        self.whitespace = True
        self.write_indicator("-", True, indention=True)
        self.states.append(self.expect_block_sequence_item)
        self.expect_node(sequence=True)

    def choose_scalar_style(self) -> str:
        style: str = super().choose_scalar_style()
        return '"' if style == "'" else style


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    needs_quotes = value == "" or bool(_RESERVED.fullmatch(value)) or "\n" in value
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style='"' if needs_quotes else None
    )


def _float(dumper: yaml.SafeDumper, value: float) -> yaml.ScalarNode:
    # Java's digits (``1.0E20``), printed plain whatever PyYAML's resolver makes of them.
    text = java_double(value)
    tag: str = dumper.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return dumper.represent_scalar(tag, text)


def _null(dumper: yaml.SafeDumper, value: None) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:null", "null")


_JacksonDumper.add_representer(str, _string)
_JacksonDumper.add_representer(float, _float)
_JacksonDumper.add_representer(type(None), _null)


def dump(value: Any) -> str:
    """YAML text of a JSON value, ending with a newline, as Kestra's ``yaml`` filter."""
    text: str = yaml.dump(
        _plain(value),
        Dumper=_JacksonDumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=2**31,
    )
    if text.endswith("\n...\n"):
        text = text[:-4]
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if is_list(value):
        return [_plain(v) for v in value]
    return value
