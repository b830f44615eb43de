"""Built-in functions. Those that touch the outside world come from the caller's table.

``secret``, ``kv``, ``now`` and ``uuid`` look up ``ctx.functions`` first, so
the engine stays pure: the caller (the RunContext) decides where secrets
and the key-value store live. Whatever ``secret`` returns is marked tainted
here, whatever the caller did.
"""

from __future__ import annotations

import secrets as _random
import uuid as _uuid
from datetime import datetime
from typing import Any

import yaml as _yaml

from hushflow.errors import ExpressionError
from hushflow.expressions.dates import now_text, zone_of
from hushflow.expressions.operators import OperatorError, bounded_range
from hushflow.expressions.runtime import REGISTRY, Context, FilterError, wrap_plain
from hushflow.expressions.taint import Tainted
from hushflow.expressions.values import from_json_text, is_list, is_number

function = REGISTRY.function

#: Message of the error raised by ``secret()`` when ``allow_secrets=False``.
SECRET_NOT_ALLOWED = "Secret access is not allowed in this context"


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
def from_json(json: Any = None) -> Any:
    if json is None:
        return None
    if type(json) is not str:
        raise FilterError("The 'fromJson' function expects a JSON string")
    try:
        return from_json_text(json)
    except ValueError:
        raise FilterError("The 'fromJson' function could not parse its argument as JSON") from None


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


@function("render", needs_context=True)
def render_fn(ctx: Context, toRender: Any = None, recursive: Any = True) -> Any:
    return _render_again(ctx, toRender, recursive is not False)


@function("renderOnce", needs_context=True)
def render_once(ctx: Context, toRender: Any = None) -> Any:
    return _render_again(ctx, toRender, recursive=False)


def _render_again(ctx: Context, template: Any, recursive: bool) -> Any:
    """Render a string as a template with the current variables (Kestra's ``render``)."""
    from hushflow.expressions.rendering import compile_template

    if type(template) is not str:
        return template
    variables = ctx.variables()
    marked = False
    for _ in range(ctx.limits.max_render_depth):
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
        done = not recursive or result.text == template or "{" not in result.text
        template = result.text
        if done:
            break
    return wrap_plain(template) if marked else template
