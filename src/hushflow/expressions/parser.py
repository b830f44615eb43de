"""Stage 2: tokens to a syntax tree, with Pebble's operator precedence.

Binary operators climb by precedence (Pebble's table, plus Kestra's ``??``
and ``???``); ``|`` filters and ``is`` tests are binary operators whose
right side is a name with optional arguments; the ternary ``? :`` sits on
top. Tags are parsed by one method each. Nesting is bounded.
"""

from __future__ import annotations

from typing import NoReturn

from hushflow.expressions import nodes as n
from hushflow.expressions.lexer import (
    EOF,
    INTERPOLATED,
    NAME,
    NUMBER,
    OP,
    PRINT_CLOSE,
    PRINT_OPEN,
    STRING,
    TAG_CLOSE,
    TAG_OPEN,
    TEXT,
    Token,
    tokenize,
)
from hushflow.expressions.limits import DEFAULT_LIMITS, Limits
from hushflow.expressions.positions import fail

#: Binary operators and their precedence (higher binds tighter), from Pebble/Kestra.
BINARY: dict[str, int] = {
    "or": 10,
    "and": 15,
    "contains": 20,
    "==": 30, "equals": 30, "!=": 30, "<": 30, ">": 30, "<=": 30, ">=": 30, "in": 30,
    "isIn": 30,
    "+": 40, "-": 40,
    "*": 60, "/": 60, "%": 60,
    "|": 100, "is": 100,
    "~": 110,
    "??": 120, "???": 120, "..": 120,
}  # fmt: skip
UNARY: dict[str, int] = {"not": 5, "-": 500, "+": 500}
WORD_OPERATORS = frozenset({"or", "and", "contains", "equals", "is", "in", "isIn", "not"})
UNSUPPORTED_TAGS = frozenset({"include", "import", "extends", "embed", "from", "parallel"})
#: ``not in`` and ``not isIn``: a ``not`` before these words negates the operator.
NEGATABLE = frozenset({"in", "isIn"})
LITERALS = {"true": True, "false": False, "null": None, "none": None}


class Parser:
    """Recursive-descent parser over the lexer's tokens."""

    def __init__(self, source: str, limits: Limits = DEFAULT_LIMITS) -> None:
        if len(source) > limits.max_template_length:
            fail(
                f"Template is too long ({len(source)} characters, "
                f"limit {limits.max_template_length})",
                "",
                0,
            )
        self.source = source
        self.limits = limits
        self.tokens = tokenize(source)
        self.i = 0
        self.depth = 0
        self.loop_refs: list[bool] = []
        self.span_start = 0

    # --- token helpers ---------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at(self, kind: str, value: str | None = None) -> bool:
        token = self.tokens[self.i]
        return token.kind == kind and (value is None or token.value == value)

    def at_op(self, value: str) -> bool:
        return self.at(OP, value)

    def expect(self, kind: str, value: str | None = None) -> Token:
        if not self.at(kind, value):
            wanted = f"'{value}'" if value is not None else f"a {kind}"
            self.fail(f"Expected {wanted} but found {self.describe(self.tok)}", self.tok.pos)
        return self.next()

    def describe(self, token: Token) -> str:
        if token.kind == EOF:
            return "the end of the template"
        if token.kind == NAME and token.value in WORD_OPERATORS:
            return f"'{token.value}'"
        if token.kind in (NAME, NUMBER, OP, PRINT_CLOSE, TAG_CLOSE):
            return f"'{token.value}'"
        return "a string" if token.kind == STRING else token.kind

    def fail(self, message: str, pos: int) -> NoReturn:
        fail(message, self.source, pos)

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > self.limits.max_nesting_depth:
            self.fail(f"Template nesting is deeper than {self.limits.max_nesting_depth}", pos)

    # --- template and tags -----------------------------------------------

    def parse(self) -> n.Template:
        body = self.block(())
        if not self.at(EOF):
            token = self.tokens[self.i + 1]
            self.fail(f"Unexpected tag '{token.value}'", token.pos)
        return n.Template(0, body)

    def block(self, ends: tuple[str, ...]) -> list[n.Node]:
        """Statements until EOF or a tag named in ``ends`` (left unconsumed)."""
        body: list[n.Node] = []
        while not self.at(EOF):
            token = self.tok
            if token.kind == TEXT:
                body.append(n.Text(token.pos, self.next().value))
            elif token.kind == PRINT_OPEN:
                body.append(self.print_statement())
            else:
                name = self.tokens[self.i + 1]
                if name.kind == NAME and name.value in ends:
                    return body
                body.append(self.tag())
        if ends:
            self.fail(
                f"Missing '{{% {ends[-1]} %}}' before the end of the template", len(self.source)
            )
        return body

    def print_statement(self) -> n.Print:
        start = self.next().pos
        self.span_start = start
        if self.at(PRINT_CLOSE):
            self.fail("Empty expression", start)
        expr = self.expression()
        end = self.expect(PRINT_CLOSE).pos + 2
        return n.Print(start, expr, n.Span(start, end))

    def tag(self) -> n.Node:
        start = self.expect(TAG_OPEN).pos
        self.span_start = start
        name = self.expect(NAME)
        handler = getattr(self, f"tag_{name.value}", None)
        if handler is not None:
            self.enter(start)
            node: n.Node = handler(start)
            self.depth -= 1
            return node
        if name.value in UNSUPPORTED_TAGS:
            self.fail(
                f"The '{name.value}' tag is not supported: templates cannot read files "
                "or other templates",
                name.pos,
            )
        if name.value.startswith("end") or name.value in ("else", "elseif", "elif"):
            self.fail(f"Unexpected '{name.value}' without a matching opening tag", name.pos)
        self.fail(f"Unknown tag '{name.value}'", name.pos)

    def close_tag(self) -> int:
        return self.expect(TAG_CLOSE).pos + 2

    def end_tag(self, name: str) -> None:
        self.expect(TAG_OPEN)
        self.expect(NAME, name)
        self.close_tag()

    def tag_if(self, start: int) -> n.If:
        cond = self.expression()
        branches: list[tuple[n.Node, list[n.Node], n.Span]] = [
            (cond, [], n.Span(start, self.close_tag()))
        ]
        otherwise: list[n.Node] = []
        while True:
            branches[-1][1].extend(self.block(("elseif", "elif", "else", "endif")))
            self.expect(TAG_OPEN)
            word = self.next().value
            if word == "endif":
                self.close_tag()
                return n.If(start, branches, otherwise)
            if word == "else":
                self.close_tag()
                otherwise = self.block(("endif",))
                self.end_tag("endif")
                return n.If(start, branches, otherwise)
            tag_start = self.tokens[self.i - 2].pos
            self.span_start = tag_start
            cond = self.expression()
            branches.append((cond, [], n.Span(tag_start, self.close_tag())))

    def tag_for(self, start: int) -> n.For:
        targets = [self.expect(NAME).value]
        if self.at_op(","):
            self.next()
            targets.append(self.expect(NAME).value)
        self.expect(NAME, "in")
        iterable = self.expression()
        span = n.Span(start, self.close_tag())
        self.loop_refs.append(False)
        body = self.block(("else", "endfor"))
        uses_loop = self.loop_refs.pop()
        otherwise: list[n.Node] = []
        if self.tokens[self.i + 1].value == "else":
            self.expect(TAG_OPEN)
            self.next()
            self.close_tag()
            otherwise = self.block(("endfor",))
        self.end_tag("endfor")
        return n.For(start, targets, iterable, body, otherwise, span, uses_loop)

    def tag_set(self, start: int) -> n.Set:
        name = self.expect(NAME).value
        self.expect(OP, "=")
        expr = self.expression()
        return n.Set(start, name, expr, n.Span(start, self.close_tag()))

    def tag_filter(self, start: int) -> n.FilterBlock:
        filters = [self.filter_call(n.Literal(start, None))]
        while self.at_op("|"):
            self.next()
            filters.append(self.filter_call(n.Literal(start, None)))
        span = n.Span(start, self.close_tag())
        body = self.block(("endfilter",))
        self.end_tag("endfilter")
        return n.FilterBlock(start, filters, body, span)

    def tag_block(self, start: int) -> n.Block:
        """``{% block name %}...{% endblock %}``: printed in place and by ``block("name")``."""
        name = self.next()
        if name.kind not in (NAME, STRING):
            self.fail(f"Expected a block name but found {self.describe(name)}", name.pos)
        self.close_tag()
        body = self.block(("endblock",))
        self.expect(TAG_OPEN)
        self.expect(NAME, "endblock")
        if self.at(NAME) or self.at(STRING):
            closing = self.next()
            if closing.value != name.value:
                self.fail(f"'endblock {closing.value}' closes block '{name.value}'", closing.pos)
        self.close_tag()
        return n.Block(start, name.value, body)

    def tag_macro(self, start: int) -> n.Macro:
        name = self.expect(NAME).value
        self.expect(OP, "(")
        params: list[tuple[str, n.Node | None]] = []
        while not self.at_op(")"):
            param = self.expect(NAME).value
            default = None
            if self.at_op("="):
                self.next()
                default = self.expression()
            params.append((param, default))
            if not self.at_op(")"):
                self.expect(OP, ",")
        self.next()
        self.close_tag()
        saved, self.loop_refs = self.loop_refs, []
        body = self.block(("endmacro",))
        self.loop_refs = saved
        self.end_tag("endmacro")
        return n.Macro(start, name, params, body)

    # --- expressions -----------------------------------------------------

    def expression(self) -> n.Node:
        """A full expression, including the ternary operator."""
        self.enter(self.tok.pos)
        cond = self.binary(0)
        if self.at_op("?"):
            self.next()
            then = self.expression()
            self.expect(OP, ":")
            otherwise = self.expression()
            cond = n.Ternary(cond.pos, cond, then, otherwise)
        self.depth -= 1
        return cond

    def binary_op(self) -> str | None:
        token = self.tok
        if token.kind == OP and token.value in BINARY:
            return token.value
        if token.kind == NAME and token.value in BINARY:
            return token.value
        if token.kind == NAME and token.value == "not":
            following = self.tokens[self.i + 1]
            if following.kind == NAME and following.value in NEGATABLE:
                return "not " + following.value
        return None

    def binary(self, min_prec: int) -> n.Node:
        left = self.unary()
        while True:
            op = self.binary_op()
            if op is None:
                return left
            negated = op.startswith("not ")
            prec = BINARY[op[4:] if negated else op]
            if prec < min_prec:
                return left
            token = self.next()
            if negated:
                self.next()
            if op == "|":
                left = self.filter_call(left)
            elif op == "is":
                left = self.test_call(left)
            else:
                self.enter(token.pos)
                right = self.binary(prec + 1)
                self.depth -= 1
                left = n.Binary(token.pos, op, left, right)

    def unary(self) -> n.Node:
        token = self.tok
        if (token.kind == NAME and token.value == "not") or (
            token.kind == OP and token.value in ("-", "+")
        ):
            self.next()
            self.enter(token.pos)
            operand = self.binary(UNARY[token.value])
            self.depth -= 1
            return n.Unary(token.pos, token.value, operand)
        return self.postfix(self.primary())

    def primary(self) -> n.Node:
        token = self.next()
        if token.kind == NUMBER:
            value = float(token.value) if "." in token.value else int(token.value)
            return n.Literal(token.pos, value)
        if token.kind == STRING:
            return n.Literal(token.pos, token.value)
        if token.kind == INTERPOLATED:
            return self.interpolation(token)
        if token.kind == NAME:
            return self.name(token)
        if token.kind == OP:
            if token.value == "(":
                expr = self.expression()
                self.expect(OP, ")")
                return expr
            if token.value == "[":
                return n.ListLit(token.pos, self.items("]"))
            if token.value == "{":
                return self.map_literal(token.pos)
        self.i -= 1
        self.fail(f"Unexpected {self.describe(token)}", token.pos)

    def interpolation(self, token: Token) -> n.Node:
        """``"a#{x}b"`` is ``'a' ~ (x) ~ 'b'``: always a string."""
        node: n.Node = n.Literal(token.pos, "")
        for part in token.parts or []:
            if isinstance(part, str):
                item: n.Node = n.Literal(token.pos, part)
                if not part:
                    continue
            else:
                item = self.embedded(part)
            node = n.Binary(item.pos, "~", node, item)
        return node

    def embedded(self, tokens: list[Token]) -> n.Node:
        """Parse the tokens of one ``#{ }`` as a complete expression."""
        saved = self.tokens, self.i
        self.tokens, self.i = tokens, 0
        try:
            if self.at(EOF):
                self.fail("Empty '#{}' in a string", self.tok.pos)
            expr = self.expression()
            if not self.at(EOF):
                self.fail(f"Unexpected {self.describe(self.tok)} in '#{{}}'", self.tok.pos)
        finally:
            self.tokens, self.i = saved
        return expr

    def name(self, token: Token) -> n.Node:
        if token.value in LITERALS:
            return n.Literal(token.pos, LITERALS[token.value])
        if token.value in WORD_OPERATORS:
            self.i -= 1
            self.fail(f"Unexpected '{token.value}'", token.pos)
        if self.at_op("("):
            self.next()
            args, kwargs = self.arguments()
            return n.Call(token.pos, token.value, args, kwargs)
        if token.value == "loop" and self.loop_refs:
            self.loop_refs[-1] = True
        return n.Name(token.pos, token.value)

    def postfix(self, node: n.Node) -> n.Node:
        while True:
            if self.at_op("."):
                self.next()
                key = self.next()
                if key.kind == NAME:
                    if self.at_op("("):
                        self.fail("Method calls are not supported; use a filter", key.pos)
                    end = key.pos + len(key.value)
                    node = n.GetItem(node.pos, node, n.Literal(key.pos, key.value), end)
                elif key.kind == NUMBER and key.value.isdigit():
                    index = n.Literal(key.pos, int(key.value))
                    node = n.GetItem(node.pos, node, index, key.pos + len(key.value))
                else:
                    self.fail(f"Expected a name after '.' but found {self.describe(key)}", key.pos)
            elif self.at_op("["):
                self.next()
                key_node = self.expression()
                end = self.expect(OP, "]").pos + 1
                node = n.GetItem(node.pos, node, key_node, end)
            else:
                return node

    def items(self, close: str) -> list[n.Node]:
        items: list[n.Node] = []
        while not self.at_op(close):
            items.append(self.expression())
            if not self.at_op(close):
                self.expect(OP, ",")
        self.next()
        return items

    def map_literal(self, pos: int) -> n.MapLit:
        pairs: list[tuple[n.Node, n.Node]] = []
        while not self.at_op("}"):
            key = self.expression()
            self.expect(OP, ":")
            pairs.append((key, self.expression()))
            if not self.at_op("}"):
                self.expect(OP, ",")
        self.next()
        return n.MapLit(pos, pairs)

    def arguments(self) -> tuple[list[n.Node], dict[str, n.Node]]:
        """Call arguments after '(' up to and including ')'; named ones as ``name=value``."""
        args: list[n.Node] = []
        kwargs: dict[str, n.Node] = {}
        while not self.at_op(")"):
            if (
                self.at(NAME)
                and self.tokens[self.i + 1].value == "="
                and (self.tokens[self.i + 1].kind == OP)
            ):
                name = self.next()
                self.next()
                if name.value in kwargs:
                    self.fail(f"Argument '{name.value}' is given twice", name.pos)
                kwargs[name.value] = self.expression()
            elif kwargs:
                self.fail("A positional argument cannot follow a named one", self.tok.pos)
            else:
                args.append(self.expression())
            if not self.at_op(")"):
                self.expect(OP, ",")
        self.next()
        return args, kwargs

    def filter_call(self, value: n.Node) -> n.FilterCall:
        name = self.expect(NAME)
        args: list[n.Node] = []
        kwargs: dict[str, n.Node] = {}
        if self.at_op("("):
            self.next()
            args, kwargs = self.arguments()
        return n.FilterCall(name.pos, value, name.value, args, kwargs)

    def test_call(self, value: n.Node) -> n.TestCall:
        negated = self.at(NAME, "not")
        if negated:
            self.next()
        name = self.next()
        if name.kind != NAME:
            self.fail(f"Expected a test name after 'is' but found {self.describe(name)}", name.pos)
        test_name = "null" if name.value == "none" else name.value
        args: list[n.Node] = []
        if self.at_op("("):
            self.next()
            args, _ = self.arguments()
        return n.TestCall(name.pos, value, test_name, args, negated)


def parse(source: str, limits: Limits = DEFAULT_LIMITS) -> n.Template:
    """Parse template ``source`` into a :class:`~hushflow.expressions.nodes.Template`."""
    return Parser(source, limits).parse()
