"""The public entry points: compile (cached), render to text, to a typed value, or a structure."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from threading import Lock
from typing import Any

from hushflow.errors import ExpressionError, HushflowError
from hushflow.expressions import nodes as n
from hushflow.expressions.calls import Expr
from hushflow.expressions.compiler import Compiler, Stmt
from hushflow.expressions.limits import DEFAULT_LIMITS, Limits
from hushflow.expressions.output import record
from hushflow.expressions.parser import parse
from hushflow.expressions.runtime import Context
from hushflow.expressions.taint import strip
from hushflow.expressions.values import to_text

Functions = Mapping[str, Callable[..., Any]]

#: How many compiled templates the cache keeps (least recently used are dropped).
CACHE_SIZE = 2048


@dataclass(frozen=True, slots=True)
class Rendered:
    """A render's result.

    ``value`` is the typed JSON value when the template is exactly one
    ``{{ expr }}`` (else the text); ``text`` is always the string form;
    ``tainted`` holds every secret-derived string that reached the output,
    to be registered with the execution's masker before anything is logged.
    """

    value: Any
    text: str
    tainted: frozenset[str]


class CompiledTemplate:
    """A parsed and compiled template, reusable across renders and threads."""

    __slots__ = ("body", "single", "source")

    def __init__(self, source: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.source = source
        tree = parse(source, limits)
        compiler = Compiler(source)
        self.body: Stmt = compiler.body(tree.body)
        expr = _single_expression(tree)
        self.single: Expr | None = (
            compiler.guard(compiler.expr(expr.expr), expr.span) if expr is not None else None
        )

    def render(
        self,
        variables: Mapping[str, Any],
        *,
        functions: Functions | None = None,
        allow_secrets: bool = True,
        limits: Limits = DEFAULT_LIMITS,
        parent: Context | None = None,
    ) -> Rendered:
        """Evaluate against ``variables``; see :func:`render_typed` for the result.

        ``parent`` is the context of the template whose ``render()`` call
        this is: the nested render counts against the same loop budget, so
        renders inside loops cannot multiply the iteration limit.
        """
        depth = parent.depth + 1 if parent is not None else 0
        ctx = Context(
            variables if variables is not None else {}, functions, allow_secrets, limits, depth
        )
        if parent is not None:
            ctx.iterations = parent.iterations
            ctx.work = parent.work
        try:
            return self._run(ctx)
        except HushflowError:
            raise
        except RecursionError:
            raise ExpressionError("The template or its data is nested too deeply") from None
        except Exception:
            raise ExpressionError("Internal error while rendering the template") from None
        finally:
            if parent is not None:
                parent.iterations = ctx.iterations
                parent.work = ctx.work

    def _run(self, ctx: Context) -> Rendered:
        if self.single is not None:
            value = self.single(ctx)
            plain, marked = strip(value)
            text = to_text(plain)
            if len(text) > ctx.limits.max_output_size:
                raise ExpressionError(
                    f"Output is larger than {ctx.limits.max_output_size} characters"
                )
            if marked:
                record(ctx, value, text)
            return Rendered(plain, text, frozenset(ctx.tainted) if ctx.tainted else _NOTHING)
        out: list[str] = []
        self.body(ctx, out)
        text = "".join(out)
        return Rendered(text, text, frozenset(ctx.tainted) if ctx.tainted else _NOTHING)


_NOTHING: frozenset[str] = frozenset()


def _single_expression(tree: n.Template) -> n.Print | None:
    prints = [node for node in tree.body if isinstance(node, n.Print)]
    others = [node for node in tree.body if not isinstance(node, n.Print)]
    if len(prints) != 1 or any(not (isinstance(o, n.Text) and o.text.isspace()) for o in others):
        return None
    return prints[0]


_cache: OrderedDict[tuple[str, Limits], CompiledTemplate] = OrderedDict()
_cache_lock = Lock()


def compile_template(source: str, *, limits: Limits = DEFAULT_LIMITS) -> CompiledTemplate:
    """Parse and compile ``source`` once; later calls with the same source hit an LRU cache."""
    if type(source) is not str:
        raise ExpressionError("A template must be a string")
    key = (source, limits)
    with _cache_lock:
        template = _cache.get(key)
        if template is not None:
            _cache.move_to_end(key)
            return template
    try:
        template = CompiledTemplate(source, limits)
    except HushflowError:
        raise
    except RecursionError:
        raise ExpressionError("The template is nested too deeply") from None
    with _cache_lock:
        _cache[key] = template
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return template


def render_typed(
    template: str,
    variables: Mapping[str, Any],
    *,
    functions: Functions | None = None,
    allow_secrets: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> Rendered:
    """Render ``template``; a lone ``{{ expr }}`` keeps its JSON type in ``.value``.

    >>> render_typed("{{ [1, 2] }}", {}).value
    [1, 2]
    """
    return compile_template(template, limits=limits).render(
        variables, functions=functions, allow_secrets=allow_secrets, limits=limits
    )


def render(
    template: str,
    variables: Mapping[str, Any],
    *,
    functions: Functions | None = None,
    allow_secrets: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """Render ``template`` to text.

    >>> render("Hello {{ name | upper }}", {"name": "ada"})
    'Hello ADA'
    """
    return render_typed(
        template, variables, functions=functions, allow_secrets=allow_secrets, limits=limits
    ).text


def render_data(
    data: Any,
    variables: Mapping[str, Any],
    *,
    functions: Functions | None = None,
    allow_secrets: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> Rendered:
    """Render every string in a JSON-like structure (map keys too); ``.tainted`` is the union."""
    tainted: set[str] = set()

    def walk(value: Any, depth: int) -> Any:
        if depth > limits.max_nesting_depth * 4:
            raise ExpressionError("The data to render is nested too deeply")
        if type(value) is str:
            result = render_typed(
                value, variables, functions=functions, allow_secrets=allow_secrets, limits=limits
            )
            tainted.update(result.tainted)
            return result.value
        if isinstance(value, Mapping):
            return {key_text(k, depth): walk(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(item, depth + 1) for item in value]
        return value

    def key_text(key: Any, depth: int) -> Any:
        if type(key) is not str:
            return key
        result = render_typed(
            key, variables, functions=functions, allow_secrets=allow_secrets, limits=limits
        )
        tainted.update(result.tainted)
        return result.text

    value = walk(data, 0)
    text = value if type(value) is str else to_text(value)
    return Rendered(value, text, frozenset(tainted))
