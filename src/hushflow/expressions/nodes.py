"""Stage 2 output: the syntax tree. Every node carries the offset where it starts.

Expression nodes evaluate to a value; statement nodes write to the output.
``Span`` is the ``{{ ... }}`` or ``{% ... %}`` a node came from, quoted in
error messages ("used in the expression `{{ x }}`").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Node:
    pos: int


@dataclass(slots=True)
class Span:
    start: int
    end: int


# --- expressions -----------------------------------------------------------


@dataclass(slots=True)
class Literal(Node):
    value: Any


@dataclass(slots=True)
class ListLit(Node):
    items: list[Node]


@dataclass(slots=True)
class MapLit(Node):
    pairs: list[tuple[Node, Node]]


@dataclass(slots=True)
class Name(Node):
    name: str


@dataclass(slots=True)
class GetItem(Node):
    """``obj.key`` or ``obj[key]``; ``end`` closes the access for the error excerpt."""

    obj: Node
    key: Node
    end: int


@dataclass(slots=True)
class Call(Node):
    name: str
    args: list[Node]
    kwargs: dict[str, Node]


@dataclass(slots=True)
class FilterCall(Node):
    value: Node
    name: str
    args: list[Node]
    kwargs: dict[str, Node]


@dataclass(slots=True)
class TestCall(Node):
    value: Node
    name: str
    args: list[Node]
    negated: bool


@dataclass(slots=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(slots=True)
class Ternary(Node):
    cond: Node
    then: Node
    otherwise: Node


# --- statements ------------------------------------------------------------


@dataclass(slots=True)
class Text(Node):
    text: str


@dataclass(slots=True)
class Print(Node):
    expr: Node
    span: Span


@dataclass(slots=True)
class If(Node):
    branches: list[tuple[Node, list[Node], Span]]
    otherwise: list[Node]


@dataclass(slots=True)
class For(Node):
    targets: list[str]
    iterable: Node
    body: list[Node]
    otherwise: list[Node]
    span: Span
    uses_loop: bool = False


@dataclass(slots=True)
class Set(Node):
    name: str
    expr: Node
    span: Span


@dataclass(slots=True)
class FilterBlock(Node):
    filters: list[FilterCall]
    body: list[Node]
    span: Span


@dataclass(slots=True)
class Macro(Node):
    name: str
    params: list[tuple[str, Node | None]]
    body: list[Node]


@dataclass(slots=True)
class Block(Node):
    """``{% block name %}``: its body prints where it stands and wherever ``block("name")`` is."""

    name: str
    body: list[Node]


@dataclass(slots=True)
class Template(Node):
    body: list[Node] = field(default_factory=list)
