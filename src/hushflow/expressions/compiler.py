"""Stage 3b: compile the syntax tree into nested Python closures.

Each expression node becomes ``fn(ctx) -> value`` and each statement
``fn(ctx, out) -> None`` appending strings to ``out``. Compiling once and
calling closures avoids re-walking the tree on every render. Values are JSON
data or :class:`~hushflow.expressions.taint.Tainted` wrappers; closures
unwrap a mark only to compute and re-wrap the result, and record the text
form in ``ctx.tainted`` where a marked value reaches the output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hushflow.expressions import nodes as n
from hushflow.expressions import operators as ops
from hushflow.expressions.calls import EvalError, Expr
from hushflow.expressions.expr_compiler import ExpressionCompiler
from hushflow.expressions.output import output_text
from hushflow.expressions.runtime import (
    Context,
    FilterError,
    InternalTaintedError,
    Undefined,
    wrap_plain,
)
from hushflow.expressions.taint import Tainted
from hushflow.expressions.values import is_list

Stmt = Callable[[Context, list[str]], None]


class Compiler(ExpressionCompiler):
    """Turns one parsed template into closures: statements here, expressions in the base."""

    # --- statements ------------------------------------------------------

    def body(self, statements: list[n.Node]) -> Stmt:
        fns: list[Stmt] = []
        run_of_output: list[n.Text | n.Print] = []
        for node in statements:
            if isinstance(node, n.Text | n.Print):
                run_of_output.append(node)
                continue
            if run_of_output:
                fns.append(self.output(run_of_output))
                run_of_output = []
            fns.append(self.statement(node))
        if run_of_output:
            fns.append(self.output(run_of_output))
        if not fns:
            return lambda ctx, out: None
        if len(fns) == 1:
            return fns[0]

        def run(ctx: Context, out: list[str]) -> None:
            for fn in fns:
                fn(ctx, out)

        return run

    def statement(self, node: n.Node) -> Stmt:
        method: Callable[[Any], Stmt] = getattr(self, "stmt_" + type(node).__name__)
        return method(node)

    def output(self, nodes: list[n.Text | n.Print]) -> Stmt:
        """One closure for a run of text and ``{{ }}`` (the common case in loop bodies)."""
        if len(nodes) == 1:
            return self.statement(nodes[0])
        parts: list[tuple[str, Expr | None, n.Span | None]] = []
        for node in nodes:
            if isinstance(node, n.Text):
                parts.append((node.text, None, None))
            else:
                parts.append(("", self.expr(node.expr), node.span))
        first = nodes[0].pos

        def emit(ctx: Context, out: list[str]) -> None:
            size = 0
            for text, expr, span in parts:
                if expr is not None:
                    try:
                        value = expr(ctx)
                    except (Undefined, EvalError, FilterError, InternalTaintedError) as exc:
                        raise self.convert(exc, span) from None  # type: ignore[arg-type]
                    kind = type(value)
                    if kind is str:
                        text = value
                    elif kind is int:
                        text = str(value)
                    else:
                        text = output_text(ctx, value)
                size += len(text)
                out.append(text)
            ctx.output_size += size
            if ctx.output_size > ctx.max_output:
                self.too_large(ctx, first)

        return emit

    def stmt_Text(self, node: n.Text) -> Stmt:
        text = node.text
        size = len(text)

        def emit(ctx: Context, out: list[str]) -> None:
            ctx.output_size += size
            if ctx.output_size > ctx.max_output:
                self.too_large(ctx, node.pos)
            out.append(text)

        return emit

    def stmt_Print(self, node: n.Print) -> Stmt:
        expr = self.expr(node.expr)
        span = node.span

        def emit(ctx: Context, out: list[str]) -> None:
            try:
                value = expr(ctx)
            except (Undefined, EvalError, FilterError, InternalTaintedError) as exc:
                raise self.convert(exc, span) from None
            text = value if type(value) is str else output_text(ctx, value)
            ctx.output_size += len(text)
            if ctx.output_size > ctx.max_output:
                self.too_large(ctx, node.pos)
            out.append(text)

        return emit

    def stmt_Set(self, node: n.Set) -> Stmt:
        expr = self.guard(self.expr(node.expr), node.span)
        name = node.name

        def assign(ctx: Context, out: list[str]) -> None:
            ctx.scopes[-1][name] = expr(ctx)  # type: ignore[index]

        return assign

    def stmt_If(self, node: n.If) -> Stmt:
        branches = [
            (self.guard(self.condition(cond), span), self.body(body))
            for cond, body, span in node.branches
        ]
        otherwise = self.body(node.otherwise)

        def choose(ctx: Context, out: list[str]) -> None:
            for cond, body in branches:
                if cond(ctx):
                    body(ctx, out)
                    return
            otherwise(ctx, out)

        return choose

    def stmt_For(self, node: n.For) -> Stmt:
        iterable = self.guard(self.expr(node.iterable), node.span)
        body = self.body(node.body)
        otherwise = self.body(node.otherwise)
        targets = node.targets
        uses_loop = node.uses_loop
        pos = node.pos

        def loop(ctx: Context, out: list[str]) -> None:
            items, marked = self.loop_items(iterable(ctx), len(targets), node)
            if not items:
                otherwise(ctx, out)
                return
            scope: dict[str, Any] = {}
            ctx.scopes.append(scope)
            length = len(items)
            limit = ctx.limits.max_loop_iterations
            try:
                for index, item in enumerate(items):
                    ctx.iterations += 1
                    if ctx.iterations > limit:
                        self.fail_at(ctx, f"More than {limit} loop iterations", pos)
                    self.bind_targets(scope, targets, item, marked)
                    if uses_loop:
                        scope["loop"] = {
                            "index": index,
                            "revindex": length - index - 1,
                            "first": index == 0,
                            "last": index == length - 1,
                            "length": length,
                        }
                    body(ctx, out)
            finally:
                ctx.scopes.pop()

        return loop

    def loop_items(self, value: Any, targets: int, node: n.For) -> tuple[list[Any], bool]:
        marked = type(value) is Tainted
        if marked:
            value = value.value
        if value is None:
            return [], marked
        if isinstance(value, Mapping):
            if targets == 2:
                return list(value.items()), marked
            return [{"key": k, "value": v} for k, v in value.items()], marked
        if is_list(value):
            if targets == 2:
                return list(enumerate(value)), marked
            return list(value), marked
        raise self.error_in(
            f"Cannot iterate over a {ops.kind(value)}", node.iterable.pos, node.span
        )

    @staticmethod
    def bind_targets(scope: dict[str, Any], targets: list[str], item: Any, marked: bool) -> None:
        if len(targets) == 2:
            key, value = item
            scope[targets[0]] = wrap_plain(key) if marked else key
            scope[targets[1]] = wrap_plain(value) if marked else value
        else:
            scope[targets[0]] = wrap_plain(item) if marked else item

    def stmt_FilterBlock(self, node: n.FilterBlock) -> Stmt:
        body = self.body(node.body)
        chain = [self.filter_step(call) for call in node.filters]
        span = node.span

        def apply(ctx: Context, out: list[str]) -> None:
            inner: list[str] = []
            before = ctx.marks
            body(ctx, inner)
            text = "".join(inner)
            value: Any = text
            if ctx.marks != before:
                value = wrap_plain(text)
            try:
                for step in chain:
                    value = step(ctx, value)
            except (Undefined, EvalError, FilterError, InternalTaintedError) as exc:
                raise self.convert(exc, span) from None
            out.append(output_text(ctx, value))

        return apply

    def stmt_Block(self, node: n.Block) -> Stmt:
        body = self.body(node.body)
        if node.name in self.blocks:
            self.fail_at(None, f"Block '{node.name}' is defined twice", node.pos)
        self.blocks[node.name] = body
        return body

    def stmt_Macro(self, node: n.Macro) -> Stmt:
        body = self.body(node.body)
        defaults = [(name, self.expr(d) if d is not None else None) for name, d in node.params]
        name = node.name

        def call(ctx: Context, args: list[Any], kwargs: dict[str, Any]) -> Any:
            scope: dict[str, Any] = {}
            for i, (param, default) in enumerate(defaults):
                if i < len(args):
                    scope[param] = args[i]
                elif param in kwargs:
                    scope[param] = kwargs[param]
                else:
                    scope[param] = default(ctx) if default is not None else None
            if ctx.depth >= ctx.limits.max_render_depth:
                raise FilterError(f"Macro '{name}' calls itself too deeply")
            saved = ctx.scopes
            ctx.scopes = [ctx.scopes[0], scope]
            ctx.depth += 1
            out: list[str] = []
            before = ctx.marks
            try:
                body(ctx, out)
            finally:
                ctx.scopes = saved
                ctx.depth -= 1
            text = "".join(out)
            return wrap_plain(text) if ctx.marks != before else text

        def define(ctx: Context, out: list[str]) -> None:
            ctx.macros[name] = call

        return define
