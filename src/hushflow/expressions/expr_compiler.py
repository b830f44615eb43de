"""Stage 3a: compile expression nodes into closures ``fn(ctx) -> value``.

Values are JSON data or :class:`~hushflow.expressions.taint.Tainted`
wrappers; each closure unwraps a mark only to compute, and re-wraps the
result. Failures carry the offset where they happened; :meth:`convert`
turns them into positioned :class:`ExpressionError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from hushflow.errors import ExpressionError
from hushflow.expressions import nodes as n
from hushflow.expressions import operators as ops
from hushflow.expressions.calls import (
    EvalError,
    Expr,
    Step,
    caller_entry,
    fast_filter_step,
    fused_chain,
)
from hushflow.expressions.positions import excerpt, fail, line_column
from hushflow.expressions.runtime import (
    REGISTRY,
    WORK_EXCEEDED,
    Context,
    Entry,
    FilterError,
    InternalTaintedError,
    Undefined,
    invoke,
    too_large,
    wrap_plain,
)
from hushflow.expressions.taint import Tainted, has_taint, strip
from hushflow.expressions.values import to_text, truth

#: What a soft lookup returns for a variable or attribute that does not exist.
MISSING: Any = object()


class ExpressionCompiler:
    """Compiles expressions; knows the template source for error excerpts."""

    def __init__(self, source: str) -> None:
        self.source = source
        #: ``{% block %}`` bodies by name, filled while compiling, read by ``block("name")``.
        self.blocks: dict[str, Callable[[Context, list[str]], None]] = {}

    # --- errors ----------------------------------------------------------

    def guard(self, fn: Expr, span: n.Span) -> Expr:
        """Wrap a statement's expression so failures become positioned errors."""

        def guarded(ctx: Context) -> Any:
            try:
                return fn(ctx)
            except (Undefined, EvalError, FilterError, InternalTaintedError) as exc:
                raise self.convert(exc, span) from None

        return guarded

    def convert(self, exc: Exception, span: n.Span) -> ExpressionError:
        quoted = excerpt(self.source, span.start, span.end)
        if isinstance(exc, Undefined):
            # Kestra's exact wording (backticks included), then our column.
            message = f"Unable to find `{exc.what}` used in the expression `{quoted}`"
            pos = exc.pos
        elif isinstance(exc, EvalError):
            message, pos = f"{exc.message} in the expression '{quoted}'", exc.pos
        else:
            message, pos = f"{exc} in the expression '{quoted}'", span.start
        try:
            fail(message, self.source, pos)
        except ExpressionError as error:
            return error

    def error_in(self, message: str, pos: int, span: n.Span) -> ExpressionError:
        return self.convert(EvalError(message, pos), span)

    def fail_at(self, ctx: Context | None, message: str, pos: int) -> NoReturn:
        fail(message, self.source, pos)

    def too_large(self, ctx: Context, pos: int) -> None:
        fail(f"Output is larger than {ctx.limits.max_output_size} characters", self.source, pos)

    # --- expressions -----------------------------------------------------

    def expr(self, node: n.Node) -> Expr:
        method: Callable[[Any], Expr] = getattr(self, "expr_" + type(node).__name__)
        return method(node)

    def condition(self, node: n.Node) -> Callable[[Context], bool]:
        fn = self.expr(node)

        def test(ctx: Context) -> bool:
            value = fn(ctx)
            if type(value) is Tainted:
                value = value.value
            return truth(value)

        return test

    def expr_Literal(self, node: n.Literal) -> Expr:
        value = node.value
        return lambda ctx: value

    def expr_Name(self, node: n.Name) -> Expr:
        name = node.name
        pos = node.pos

        def lookup(ctx: Context) -> Any:
            scopes = ctx.scopes
            i = len(scopes) - 1
            while i >= 0:
                scope = scopes[i]
                if name in scope:
                    return scope[name]
                i -= 1
            raise Undefined(name, pos)

        return lookup

    def expr_ListLit(self, node: n.ListLit) -> Expr:
        items = [self.expr(item) for item in node.items]

        pos = node.pos

        def build(ctx: Context) -> Any:
            values = [item(ctx) for item in items]
            nested = False
            for value in values:
                kind = type(value)
                if kind is Tainted:
                    value = value.value
                    kind = type(value)
                if kind is list or kind is dict:
                    nested = True
            if nested and too_large(values, ctx.limits):
                raise EvalError("This list is larger than the value limit", pos)
            for value in values:
                if type(value) is Tainted:
                    return Tainted(values)
            return values

        return build

    def expr_MapLit(self, node: n.MapLit) -> Expr:
        pairs = [(self.expr(k), self.expr(v)) for k, v in node.pairs]

        def build(ctx: Context) -> Any:
            result: dict[str, Any] = {}
            marked = False
            for key_fn, value_fn in pairs:
                key, key_marked = strip(key_fn(ctx))
                value = value_fn(ctx)
                marked = marked or key_marked or type(value) is Tainted
                text_key = key if type(key) is str else to_text(key)
                if key_marked and text_key:
                    # Keys are not collected as leaves of a marked map (a JSON
                    # secret's field names are not secret); a key computed from a
                    # secret is, so it is recorded here, where that is known.
                    ctx.tainted.add(text_key)
                result[text_key] = value
            if too_large(result, ctx.limits):
                raise EvalError("This map is larger than the value limit", node.pos)
            return Tainted(result) if marked else result

        return build

    def expr_GetItem(self, node: n.GetItem) -> Expr:
        """``obj.name`` / ``obj[key]``; a missing part is named alone, as Pebble does.

        The error names the attribute (``missing`` in ``a.b.missing``); a key
        computed from a secret is named by its source text, never its value.
        """
        pos = node.key.pos
        if (
            isinstance(node.obj, n.Name)
            and isinstance(node.key, n.Literal)
            and type(node.key.value) is str
        ):
            return self.name_attribute(node.obj, node.key.value, pos)
        obj_fn = self.expr(node.obj)
        if isinstance(node.key, n.Literal) and type(node.key.value) is str:
            name = node.key.value

            def attribute(ctx: Context) -> Any:
                obj = obj_fn(ctx)
                if type(obj) is dict:
                    if name in obj:
                        return obj[name]
                    raise Undefined(name, pos)
                if type(obj) is Tainted:
                    return wrap_plain(ops.get_item(obj.value, name, name, pos))
                return ops.get_item(obj, name, name, pos)

            return attribute
        key_fn = self.expr(node.key)
        key_source = self.source[node.key.pos : node.end - 1].strip() or "?"

        def get(ctx: Context) -> Any:
            obj = obj_fn(ctx)
            key = key_fn(ctx)
            marked = False
            what = key_source
            if type(obj) is Tainted:
                obj, marked = obj.value, True
            if type(key) is Tainted:
                key, marked = key.value, True
            elif type(key) is str or type(key) is int:
                what = str(key)
            result = ops.get_item(obj, key, what, pos)
            return wrap_plain(result) if marked else result

        return get

    def name_attribute(self, obj: n.Name, name: str, pos: int) -> Expr:
        """``var.name``, the most common expression, as one closure (same rules as two)."""
        var = obj.name
        var_pos = obj.pos

        def attribute(ctx: Context) -> Any:
            scopes = ctx.scopes
            i = len(scopes) - 1
            while i >= 0:
                scope = scopes[i]
                if var in scope:
                    value = scope[var]
                    break
                i -= 1
            else:
                raise Undefined(var, var_pos)
            if type(value) is dict:
                if name in value:
                    return value[name]
                raise Undefined(name, pos)
            if type(value) is Tainted:
                return wrap_plain(ops.get_item(value.value, name, name, pos))
            return ops.get_item(value, name, name, pos)

        return attribute

    def expr_Unary(self, node: n.Unary) -> Expr:
        operand = self.expr(node.operand)
        pos = node.pos
        if node.op == "not":

            def negate(ctx: Context) -> Any:
                value, marked = strip(operand(ctx))
                result = not truth(value)
                return wrap_plain(result) if marked else result

            return negate
        sign = -1 if node.op == "-" else 1

        def arith(ctx: Context) -> Any:
            value, marked = strip(operand(ctx))
            try:
                result = ops.negate(value) if sign < 0 else ops.plus(value)
            except ops.OperatorError as exc:
                raise EvalError(str(exc), pos) from None
            return wrap_plain(result) if marked else result

        return arith

    def expr_Binary(self, node: n.Binary) -> Expr:
        op = node.op
        left = self.expr(node.left)
        right = self.expr(node.right)
        if op in ("and", "or"):
            return self.logical(op, left, right)
        if op in ("??", "???"):
            return self.coalesce(op, self.soft(node.left), right)
        apply = ops.BINARY[op]
        pos = node.pos

        def binary(ctx: Context) -> Any:
            a = left(ctx)
            b = right(ctx)
            marked = False
            if type(a) is Tainted or type(b) is Tainted or has_taint(a) or has_taint(b):
                a, _ = strip(a)
                b, _ = strip(b)
                marked = True
            try:
                result = apply(a, b, ctx.limits)
            except ops.OperatorError as exc:
                raise EvalError(str(exc), pos) from None
            if type(result) is str or type(result) is list:
                ctx.work += len(result)
                if ctx.work > ctx.limits.max_work:
                    raise EvalError(WORK_EXCEEDED, pos)
            return wrap_plain(result) if marked else result

        return binary

    @staticmethod
    def logical(op: str, left: Expr, right: Expr) -> Expr:
        want = op == "or"

        def logic(ctx: Context) -> Any:
            a, marked = strip(left(ctx))
            if truth(a) is want:
                return wrap_plain(want) if marked else want
            b, b_marked = strip(right(ctx))
            result = truth(b)
            return wrap_plain(result) if (marked or b_marked) else result

        return logic

    @staticmethod
    def coalesce(op: str, left: Expr, right: Expr) -> Expr:
        """``??`` (missing or null) and ``???`` (missing only); ``left`` is a soft lookup."""
        null_too = op == "??"

        def pick(ctx: Context) -> Any:
            value = left(ctx)
            if value is MISSING or (null_too and value is None):
                return right(ctx)
            return value

        return pick

    def soft(self, node: n.Node) -> Expr:
        """Like :meth:`expr`, but a missing variable or attribute gives ``MISSING``.

        Used where undefined is allowed (``is defined``, ``??``, ``???``,
        ``default``): a plain lookup returns a sentinel instead of raising,
        which keeps these common forms cheap.
        """
        if isinstance(node, n.Name):
            name = node.name

            def lookup(ctx: Context) -> Any:
                scopes = ctx.scopes
                i = len(scopes) - 1
                while i >= 0:
                    scope = scopes[i]
                    if name in scope:
                        return scope[name]
                    i -= 1
                return MISSING

            return lookup
        if isinstance(node, n.GetItem):
            return self.soft_item(node)
        strict = self.expr(node)

        def guarded(ctx: Context) -> Any:
            try:
                return strict(ctx)
            except Undefined:
                return MISSING

        return guarded

    def soft_item(self, node: n.GetItem) -> Expr:
        """A soft ``obj[key]``: a missing object, or a key that is itself undefined
        (``a[missing].b ?? x``), gives ``MISSING`` as Kestra evaluates it."""
        obj_fn = self.soft(node.obj)
        key_fn = self.soft(node.key)
        what = self.source[node.pos : node.end]
        pos = node.key.pos

        def get(ctx: Context) -> Any:
            obj = obj_fn(ctx)
            if obj is MISSING:
                return MISSING
            key = key_fn(ctx)
            if key is MISSING:
                return MISSING
            if type(obj) is dict and type(key) is str:
                return obj.get(key, MISSING)
            marked = False
            if type(obj) is Tainted:
                obj, marked = obj.value, True
            if type(key) is Tainted:
                key, marked = key.value, True
            try:
                result = ops.get_item(obj, key, what, pos)
            except Undefined:
                return MISSING
            return wrap_plain(result) if marked else result

        return get

    def expr_Ternary(self, node: n.Ternary) -> Expr:
        cond = self.condition(node.cond)
        then = self.expr(node.then)
        otherwise = self.expr(node.otherwise)
        return lambda ctx: then(ctx) if cond(ctx) else otherwise(ctx)

    def expr_TestCall(self, node: n.TestCall) -> Expr:
        negated = node.negated
        if node.name == "defined":
            soft = self.soft(node.value)
            return lambda ctx: (soft(ctx) is MISSING) is negated
        value_fn = self.expr(node.value)
        entry = REGISTRY.tests.get(node.name)
        if entry is None:
            raise self.unknown("test", node.name, node.pos)
        args = [self.expr(a) for a in node.args]
        pos = node.pos

        def test(ctx: Context) -> Any:
            value = value_fn(ctx)
            try:
                result = invoke(entry, ctx, (value,), [a(ctx) for a in args], {})
            except (FilterError, InternalTaintedError) as exc:
                raise EvalError(str(exc), pos) from None
            if type(result) is Tainted:
                return wrap_plain(result.value is not negated)
            return result is not negated

        return test

    def expr_FilterCall(self, node: n.FilterCall) -> Expr:
        """A chain ``v | f | g`` becomes one closure applying the steps in order."""
        chain: list[n.FilterCall] = [node]
        while isinstance(chain[-1].value, n.FilterCall) and chain[-1].value.name != "default":
            chain.append(chain[-1].value)
        chain.reverse()
        base = chain[0]
        fused = self.fused(chain)
        if fused is not None:
            return fused
        if base.name == "default":
            value_fn = self.defaulted(base)
            chain = chain[1:]
        else:
            value_fn = self.expr(base.value)
        steps = [self.filter_step(call) for call in chain]

        if not steps:
            return value_fn
        if len(steps) == 1:
            only = steps[0]
            return lambda ctx: only(ctx, value_fn(ctx))

        def apply(ctx: Context) -> Any:
            value = value_fn(ctx)
            for step in steps:
                value = step(ctx, value)
            return value

        return apply

    def fused(self, chain: list[n.FilterCall]) -> Expr | None:
        """The chain as one :func:`fused_chain` loop, when every step allows it.

        Steps that need the render context, take ``*args`` or named
        arguments keep their own closures (:meth:`filter_step`), and so does
        a lone step whose arguments are not literals.
        """
        calls = chain[1:] if chain[0].name == "default" else chain
        if not calls or (
            len(calls) == 1 and not all(isinstance(a, n.Literal) for a in calls[0].args)
        ):
            return None
        steps: list[Step] = []
        for call in calls:
            entry = REGISTRY.filters.get(call.name)
            if entry is None:
                raise self.unknown("filter", call.name, call.pos)
            if entry.needs_context or entry.varargs or call.kwargs:
                return None
            self.check_arguments(entry, call)
            literal = all(isinstance(a, n.Literal) for a in call.args)
            constants = [a.value for a in call.args if isinstance(a, n.Literal)]
            steps.append(
                Step(
                    entry,
                    [self.expr(a) for a in call.args],
                    [not self.normalized(a) for a in call.args],
                    call.pos,
                    constants if literal else None,
                )
            )
        if chain[0].name == "default":
            return fused_chain(self.defaulted(chain[0]), steps, deep_value=False)
        value_fn = self.expr(chain[0].value)
        return fused_chain(value_fn, steps, deep_value=not self.normalized(chain[0].value))

    def defaulted(self, node: n.FilterCall) -> Expr:
        """``x | default(y)``: ``x`` read softly; a literal ``y`` is picked without a call."""
        first = self.filter_step(node)
        inner = self.soft(node.value)
        if len(node.args) == 1 and not node.kwargs and isinstance(node.args[0], n.Literal):
            fallback = node.args[0].value

            def literal_default(ctx: Context) -> Any:
                value = inner(ctx)
                if value is MISSING or value is None:
                    return fallback
                kind = type(value)
                if kind is str:
                    return value if value.strip() else fallback
                if kind is int or kind is float or kind is bool:
                    return value
                return first(ctx, value)

            return literal_default

        def defaulted(ctx: Context) -> Any:
            value = inner(ctx)
            return first(ctx, None if value is MISSING else value)

        return defaulted

    def filter_step(self, node: n.FilterCall) -> Callable[[Context, Any], Any]:
        entry = REGISTRY.filters.get(node.name)
        if entry is None:
            raise self.unknown("filter", node.name, node.pos)
        self.check_arguments(entry, node)
        args = [self.expr(a) for a in node.args]
        kwargs = {k: self.expr(v) for k, v in node.kwargs.items()}
        pos = node.pos
        if entry.needs_context or entry.varargs or kwargs:

            def step(ctx: Context, value: Any) -> Any:
                try:
                    return invoke(
                        entry,
                        ctx,
                        (value,),
                        [a(ctx) for a in args],
                        {k: v(ctx) for k, v in kwargs.items()},
                    )
                except (FilterError, InternalTaintedError) as exc:
                    raise EvalError(str(exc), pos) from None

            return step
        deep_value = not self.normalized(node.value)
        deep_args = [not self.normalized(a) for a in node.args]
        return fast_filter_step(entry, args, pos, deep_value, deep_args)

    @staticmethod
    def normalized(node: n.Node) -> bool:
        """Whether the node's value is either a top-level mark or wholly plain.

        Only caller data (names, attribute access, and operators that pass an
        operand through) can hide a mark inside a container; everything else
        the evaluator builds is normalized, so a ``type() is Tainted`` test is
        enough and the deep scan is skipped.
        """
        if isinstance(node, n.Binary):
            return node.op not in ("??", "???")
        return isinstance(
            node, n.Literal | n.ListLit | n.MapLit | n.FilterCall | n.Call | n.Unary | n.TestCall
        )

    def check_arguments(self, entry: Entry, node: n.FilterCall | n.Call) -> None:
        """Argument count and names are known when compiling: check them once, here."""
        if entry.varargs:
            return
        if len(node.args) > len(entry.params):
            self.fail_at(
                None,
                f"The '{entry.name}' {entry.kind} takes at most {len(entry.params)} "
                f"argument(s), {len(node.args)} given",
                node.pos,
            )
        positional = set(entry.params[: len(node.args)])
        for name in node.kwargs:
            if name not in entry.params:
                self.fail_at(
                    None, f"The '{entry.name}' {entry.kind} has no argument '{name}'", node.pos
                )
            if name in positional:
                self.fail_at(
                    None, f"The '{entry.name}' {entry.kind} got argument '{name}' twice", node.pos
                )

    def expr_Call(self, node: n.Call) -> Expr:
        if node.name == "block" and len(node.args) == 1 and not node.kwargs:
            return self.block_call(node)
        args = [self.expr(a) for a in node.args]
        kwargs = {k: self.expr(v) for k, v in node.kwargs.items()}
        name = node.name
        pos = node.pos
        entry = REGISTRY.functions.get(name)

        def call(ctx: Context) -> Any:
            arg_values = [a(ctx) for a in args]
            kwarg_values = {k: v(ctx) for k, v in kwargs.items()}
            try:
                macro = ctx.macros.get(name)
                if macro is not None:
                    return macro(ctx, arg_values, kwarg_values)
                target = entry if entry is not None else caller_entry(ctx, name)
                if target is None:
                    raise FilterError(unknown_function(name))
                return invoke(target, ctx, (), arg_values, kwarg_values)
            except (FilterError, InternalTaintedError) as exc:
                raise EvalError(str(exc), pos) from None
            except ExpressionError as exc:
                if exc.line is None:
                    exc.line, exc.column = line_column(self.source, pos)
                raise

        return call

    def block_call(self, node: n.Call) -> Expr:
        """``block("name")``: the text of that ``{% block %}`` rendered here, again.

        Blocks are looked up when the call runs, so a block defined later in
        the template can be printed earlier (as in Pebble).
        """
        name_fn = self.expr(node.args[0])
        blocks = self.blocks
        pos = node.pos

        def call(ctx: Context) -> Any:
            name, marked = strip(name_fn(ctx))
            if marked:
                raise EvalError(
                    "The 'block' function cannot take a name computed from a secret", pos
                )
            body = blocks.get(name) if type(name) is str else None
            if body is None:
                raise EvalError(f"Block [{to_text(name)}] does not exist", pos)
            if ctx.depth >= ctx.limits.max_render_depth:
                raise EvalError(f"Block '{name}' includes itself too deeply", pos)
            out: list[str] = []
            before = ctx.marks
            ctx.depth += 1
            try:
                body(ctx, out)
            finally:
                ctx.depth -= 1
            text = "".join(out)
            return wrap_plain(text) if ctx.marks != before else text

        return call

    def unknown(self, kind: str, name: str, pos: int) -> ExpressionError:
        """Pebble's words for an unknown filter or test, then a close name if there is one."""
        table = REGISTRY.filters if kind == "filter" else REGISTRY.tests
        message = f"{kind.capitalize()} [{name}] does not exist.{_close_name(name, table)}"
        try:
            fail(message, self.source, pos)
        except ExpressionError as error:
            return error


def unknown_function(name: str) -> str:
    """Pebble's words for a call of nothing known, then a close name if there is one."""
    return f"Function or Macro [{name}] does not exist.{_close_name(name, REGISTRY.functions)}"


def _close_name(name: str, table: Mapping[str, Entry]) -> str:
    close = difflib.get_close_matches(name, list(table), n=1, cutoff=0.75)
    return f" Did you mean '{close[0]}'?" if close else ""
