"""Built-in functions. Those that touch the outside world come from the caller's table.

``secret``, ``kv``, ``now`` and ``uuid`` look up ``ctx.functions`` first, so
the engine stays pure: the caller (the RunContext) decides where secrets
and the key-value store live. Whatever ``secret`` returns is marked tainted
here, whatever the caller did.
"""

from __future__ import annotations

import json as _json
import secrets as _random
import uuid as _uuid
from datetime import datetime
from typing import Any

import yaml as _yaml

from hushflow.errors import ExpressionError
from hushflow.expressions import ion_text
from hushflow.expressions.dates import now_text, zone_of
from hushflow.expressions.operators import OperatorError, bounded_range
from hushflow.expressions.runtime import (
    REGISTRY,
    Context,
    FilterError,
    FixedMessageError,
    wrap_plain,
)
from hushflow.expressions.taint import Tainted, has_taint, strip
from hushflow.expressions.values import from_json_text, is_list, is_number, to_text

function = REGISTRY.function

#: Message of the error raised by ``secret()`` when ``allow_secrets=False``.
SECRET_NOT_ALLOWED = "Secret access is not allowed in this context"
#: Default of an argument that was not given (Kestra tells "absent" from "null").
ABSENT: Any = object()


def _given(**kwargs: Any) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


@function("secret", needs_context=True)
def secret(ctx: Context, key: Any = None, namespace: Any = None, subkey: Any = None) -> Any:
    if not ctx.allow_secrets:
        raise ExpressionError(SECRET_NOT_ALLOWED)
    provider = ctx.functions.get("secret")
    if provider is None:
        raise FilterError("The 'secret' function is not available here (no secret store)")
    if type(key) is not str or not key:
        raise FilterError("The 'secret' function expects a key (a non-empty string)")
    value = provider(key, **_given(namespace=namespace, subkey=subkey))
    return Tainted(value)


@function("kv", needs_context=True)
def kv(ctx: Context, key: Any = None, namespace: Any = None, errorOnMissing: Any = None) -> Any:
    provider = ctx.functions.get("kv")
    if provider is None:
        raise FilterError("The 'kv' function is not available here (no key-value store)")
    return provider(key, **_given(namespace=namespace, errorOnMissing=errorOnMissing))


@function("now", needs_context=True)
def now(ctx: Context, timeZone: Any = None) -> Any:
    provider = ctx.functions.get("now")
    if provider is not None:
        value = provider(**_given(timeZone=timeZone))
        return value.isoformat() if isinstance(value, datetime) else value
    return now_text(zone_of(timeZone))


@function("uuid", needs_context=True)
def uuid(ctx: Context) -> Any:
    provider = ctx.functions.get("uuid")
    return provider() if provider is not None else str(_uuid.uuid4())


@function("fromJson", "json")
def from_json(json: Any = ABSENT) -> Any:
    """Kestra's ``fromJson``: null stays null; no argument at all is Kestra's error."""
    if json is ABSENT:
        raise FilterError("The 'fromJson' function expects an argument 'json'.")
    if json is None:
        return None
    if type(json) is not str:
        raise FilterError("The 'fromJson' function expects an argument 'json' with type string.")
    try:
        return from_json_text(json)
    except ValueError as exc:
        raise FilterError(
            f"Invalid json: {_json_problem(exc)} (the 'fromJson' function could not parse "
            "its argument as JSON)"
        ) from None


def _json_problem(exc: ValueError) -> str:
    """Where JSON parsing stopped, without quoting the text (it may be secret)."""
    if isinstance(exc, _json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    return "not valid JSON"


@function("fromIon")
def from_ion(ion: Any = ABSENT) -> Any:
    """Kestra's ``fromIon``: Amazon Ion text (what Kestra stores outputs as) to a value."""
    if ion is ABSENT:
        raise FilterError("The 'fromIon' function expects an argument 'ion'.")
    if ion is None:
        return None
    if type(ion) is not str:
        raise FilterError("The 'fromIon' function expects an argument 'ion' with type string.")
    return ion_text.read(ion)


@function("yaml", "fromYaml")
def from_yaml(yaml: Any = None) -> Any:
    if yaml is None:
        return None
    if type(yaml) is not str:
        raise FilterError("The 'yaml' function expects a YAML string")
    try:
        return _yaml.safe_load(yaml)
    except _yaml.YAMLError:
        raise FilterError("The 'yaml' function could not parse its argument as YAML") from None


@function("range", needs_context=True)
def range_(ctx: Context, start: Any = None, end: Any = None, increment: Any = 1) -> list[int]:
    """Pebble's ``range(start, end, step)``: inclusive of ``end``; bounded in size."""
    if type(start) is not int or type(end) is not int or type(increment) is not int:
        raise FilterError("The 'range' function expects integers")
    try:
        return bounded_range(start, end, increment, ctx.limits)
    except OperatorError as exc:
        raise FilterError(str(exc)) from None


def _numbers(args: tuple[Any, ...], name: str) -> list[Any]:
    values = list(args[0]) if len(args) == 1 and is_list(args[0]) else list(args)
    if not values or not all(is_number(v) for v in values):
        raise FilterError(f"The '{name}' function expects numbers")
    return values


@function("max")
def max_(*args: Any) -> Any:
    return max(_numbers(args, "max"))


@function("min")
def min_(*args: Any) -> Any:
    return min(_numbers(args, "min"))


@function("randomInt")
def random_int(lower: Any = None, upper: Any = None) -> int:
    """A random integer in ``[lower, upper)``, as Kestra's ``randomInt``."""
    if type(lower) is not int or type(upper) is not int or upper <= lower:
        raise FilterError("The 'randomInt' function expects integers lower < upper")
    return lower + _random.randbelow(upper - lower)


#: Kestra's bound on recursive rendering (``VariableRenderer.MAX_RENDERING_AMOUNT``).
MAX_RENDERING_ATTEMPTS = 100


@function("render", needs_context=True)
def render_fn(ctx: Context, toRender: Any = ABSENT, recursive: Any = None) -> Any:
    """Kestra's ``render``: strings, and the strings inside maps and lists, rendered again.

    Recursive by default: the result is rendered until it stops changing;
    a template that never settles (``a`` renders to ``b`` and back) fails
    with Kestra's "Too many rendering attempts".
    """
    if toRender is ABSENT:
        raise FilterError("The 'render' function expects an argument 'toRender'.")
    if recursive is None:
        recursive = True
    if type(recursive) is not bool:
        raise FilterError(
            "The 'render' function expects an optional argument 'recursive' with type boolean."
        )
    return _render_object(ctx, toRender, recursive, 0)


@function("renderOnce", needs_context=True)
def render_once(ctx: Context, toRender: Any = ABSENT) -> Any:
    """``render(toRender, recursive=false)``."""
    if toRender is ABSENT:
        raise FilterError("The 'renderOnce' function expects an argument 'toRender'.")
    return _render_object(ctx, toRender, False, 0)


def _render_object(ctx: Context, value: Any, recursive: bool, depth: int) -> Any:
    if depth > ctx.limits.max_nesting_depth * 4:
        raise FilterError("The value given to 'render' is nested too deeply")
    if type(value) is str:
        return _render_text(ctx, value, recursive)
    if isinstance(value, dict):
        # Keys are rendered once, as Kestra does; the first of two equal keys wins.
        out: dict[str, Any] = {}
        key_marked = False
        for key, item in value.items():
            text_key, marked = strip(_render_text(ctx, key, False) if type(key) is str else key)
            if marked:
                # A key computed from a secret: recorded here, and the map is marked.
                key_marked = True
                ctx.tainted.add(to_text(text_key))
            rendered = _render_object(ctx, item, recursive, depth + 1)
            out.setdefault(to_text(text_key), rendered)
        return Tainted(out) if key_marked else _marked(out)
    if is_list(value):
        return _marked([_render_object(ctx, item, recursive, depth + 1) for item in value])
    return value


def _marked(value: Any) -> Any:
    """Containers built from rendered parts: marked as a whole when any part is."""
    if has_taint(value):
        return Tainted(value)
    return value


def _render_text(ctx: Context, template: str, recursive: bool) -> Any:
    """Render one string with the current variables (Kestra's ``VariableRenderer``)."""
    from hushflow.expressions.rendering import compile_template

    if "{" not in template:
        return template
    variables = ctx.variables()
    marked = False
    attempts = 0
    while True:
        if ctx.depth + 1 > ctx.limits.max_render_depth:
            raise FilterError("The 'render' function is nested too deeply")
        result = compile_template(template, limits=ctx.limits).render(
            variables,
            functions=ctx.functions,
            allow_secrets=ctx.allow_secrets,
            limits=ctx.limits,
            parent=ctx,
        )
        if result.tainted:
            ctx.tainted.update(result.tainted)
            ctx.marks += 1
            marked = True
        settled = result.text == template
        template = result.text
        if not recursive or settled or "{" not in template:
            break
        attempts += 1
        if attempts > MAX_RENDERING_ATTEMPTS:
            raise FixedMessageError(
                "Too many rendering attempts (the template still changes after "
                f"{MAX_RENDERING_ATTEMPTS} renders: two values render into each other)"
            )
    return wrap_plain(template) if marked else template
