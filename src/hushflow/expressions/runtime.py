"""Stage 4: the registry of filters, functions and tests, and the render context.

Every filter, function and test is a plain Python callable registered here
with the names of its arguments (Pebble maps positional arguments onto those
names, so ``replace(regexp=true)`` works). The registry never hands a
callable a tainted value: :func:`invoke` strips the marks from every
argument (the piped value included, at any depth), calls, and marks the
result when any argument was marked. A filter author therefore cannot lose
taint, and cannot leak it in an error either: when a marked call fails, the
error says which filter failed and nothing about the value.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hushflow.errors import ExpressionError, HushflowError
from hushflow.expressions.limits import DEFAULT_LIMITS, Limits
from hushflow.expressions.taint import Tainted, strip
from hushflow.expressions.values import expanded_size

F = TypeVar("F", bound=Callable[..., Any])


class Undefined(Exception):
    """Raised inside evaluation when a variable or attribute does not exist.

    ``is defined``, ``???``, ``??`` and ``default`` catch it; anything else
    turns it into the user-facing "Unable to find ..." error.
    """

    def __init__(self, what: str, pos: int) -> None:
        super().__init__(what)
        self.what = what
        self.pos = pos


class FilterError(Exception):
    """Raised by a filter/function/test with a message meant for the user.

    The message must describe the problem without quoting the input value;
    it is shown only when no argument was secret-derived.
    """


class FixedMessageError(FilterError):
    """A failure whose message is fixed text that never depends on a value.

    Shown as it is even when a secret was involved (``render``'s "Too many
    rendering attempts"), where a plain :class:`FilterError` would be hidden.
    """


class InternalTaintedError(Exception):
    """A failure whose message may not be shown because a secret was involved."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A registered callable: its argument names and how it is called."""

    name: str
    fn: Callable[..., Any]
    params: tuple[str, ...]
    kind: str  # "filter", "function" or "test"
    needs_context: bool = False
    varargs: bool = False


@dataclass
class Registry:
    """Named filters, functions and tests; built-ins register through the same API."""

    filters: dict[str, Entry] = field(default_factory=dict)
    functions: dict[str, Entry] = field(default_factory=dict)
    tests: dict[str, Entry] = field(default_factory=dict)

    def _add(
        self, table: dict[str, Entry], kind: str, names: tuple[str, ...], needs_context: bool
    ) -> Callable[[F], F]:
        def register(fn: F) -> F:
            signature = inspect.signature(fn)
            params = [
                p.name
                for p in signature.parameters.values()
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            ]
            varargs = any(p.kind is p.VAR_POSITIONAL for p in signature.parameters.values())
            skip = (1 if kind != "function" else 0) + (1 if needs_context else 0)
            for name in names:
                if name in table:
                    raise ValueError(f"{kind} '{name}' is registered twice")
                table[name] = Entry(
                    name, fn, tuple(params[skip:]), kind, needs_context, varargs=varargs
                )
            return fn

        return register

    def filter(self, *names: str, needs_context: bool = False) -> Callable[[F], F]:
        """Register ``fn(value, *args)`` as a filter under ``names``."""
        return self._add(self.filters, "filter", names, needs_context=needs_context)

    def function(self, *names: str, needs_context: bool = False) -> Callable[[F], F]:
        """Register ``fn(*args)`` as a function under ``names``."""
        return self._add(self.functions, "function", names, needs_context=needs_context)

    def test(self, *names: str) -> Callable[[F], F]:
        """Register ``fn(value, *args) -> bool`` as an ``is`` test under ``names``."""
        return self._add(self.tests, "test", names, False)


REGISTRY = Registry()


class Context:
    """The state of one render: scopes, caller functions, limits and recorded taint."""

    __slots__ = (
        "allow_secrets",
        "depth",
        "functions",
        "iterations",
        "limits",
        "macros",
        "marks",
        "max_output",
        "output_size",
        "scopes",
        "tainted",
        "work",
    )

    def __init__(
        self,
        variables: Mapping[str, Any],
        functions: Mapping[str, Callable[..., Any]] | None,
        allow_secrets: bool,
        limits: Limits = DEFAULT_LIMITS,
        depth: int = 0,
    ) -> None:
        self.scopes: list[Mapping[str, Any]] = [variables, {}]
        self.functions = functions or {}
        self.allow_secrets = allow_secrets
        self.limits = limits
        self.max_output = limits.max_output_size
        self.tainted: set[str] = set()
        self.marks = 0
        self.iterations = 0
        self.work = 0
        self.output_size = 0
        self.depth = depth
        self.macros: dict[str, Any] = {}

    def variables(self) -> dict[str, Any]:
        """All visible variables flattened (inner scopes win), for ``render()``."""
        merged: dict[str, Any] = {}
        for scope in self.scopes:
            merged.update(scope)
        return merged


def bind(entry: Entry, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Map positional and named arguments onto the entry's argument names."""
    if entry.varargs:
        return kwargs
    if len(args) > len(entry.params):
        raise FilterError(
            f"The '{entry.name}' {entry.kind} takes at most {len(entry.params)} argument(s), "
            f"{len(args)} given"
        )
    bound = dict(zip(entry.params, args, strict=False))
    for name, value in kwargs.items():
        if name not in entry.params:
            raise FilterError(f"The '{entry.name}' {entry.kind} has no argument '{name}'")
        if name in bound:
            raise FilterError(f"The '{entry.name}' {entry.kind} got argument '{name}' twice")
        bound[name] = value
    return bound


def invoke(
    entry: Entry,
    ctx: Context,
    lead: tuple[Any, ...],
    args: list[Any],
    kwargs: dict[str, Any],
) -> Any:
    """Call a registered callable on plain values and carry taint to its result.

    ``lead`` holds the piped value for filters and tests (empty for functions).
    """
    tainted = False
    plain_lead = []
    for value in lead:
        value, marked = strip(value)
        tainted = tainted or marked
        plain_lead.append(value)
    plain_args = []
    for value in args:
        value, marked = strip(value)
        tainted = tainted or marked
        plain_args.append(value)
    plain_kwargs = {}
    for name, value in kwargs.items():
        value, marked = strip(value)
        tainted = tainted or marked
        plain_kwargs[name] = value
    if tainted and entry.name == "secret" and entry.kind == "function":
        # A key computed from a secret would be looked up, audited and quoted
        # in errors as a name: refuse it rather than spread the secret there.
        raise InternalTaintedError(
            "The 'secret' function cannot take a key or namespace computed from a secret"
        )
    try:
        if entry.varargs:
            result = entry.fn(*plain_lead, *plain_args, **plain_kwargs)
        else:
            bound = bind(entry, plain_args, plain_kwargs)
            if entry.needs_context:
                result = entry.fn(ctx, *plain_lead, **bound)
            else:
                result = entry.fn(*plain_lead, **bound)
    except (ExpressionError, HushflowError):
        # Our own errors keep their type and words, unless they could quote
        # a value derived from a secret.
        if tainted:
            raise InternalTaintedError(_tainted_failure(entry)) from None
        raise
    except Undefined:
        raise
    except FixedMessageError:
        raise
    except FilterError:
        if tainted:
            raise InternalTaintedError(_tainted_failure(entry)) from None
        raise
    except RecursionError:
        raise FilterError(f"The '{entry.name}' {entry.kind} nested too deeply") from None
    except Exception:
        if tainted:
            raise InternalTaintedError(_tainted_failure(entry)) from None
        raise FilterError(f"The '{entry.name}' {entry.kind} failed on its input") from None
    if type(result) is Tainted:
        return result
    if type(result) is str or type(result) is list or type(result) is dict:
        ctx.work += len(result)
        if ctx.work > ctx.limits.max_work:
            raise FilterError(WORK_EXCEEDED)
        if too_large(result, ctx.limits):
            raise FilterError(oversized(entry))
    if tainted:
        return wrap_plain(result)
    return result


WORK_EXCEEDED = "The template does too much work (the render's work limit is exceeded)"


def oversized(entry: Entry) -> str:
    return f"The '{entry.name}' {entry.kind} produced a value larger than the limit"


def too_large(value: Any, limits: Limits) -> bool:
    """Whether a computed value exceeds the output limit (strings) or value limit (containers)."""
    kind = type(value)
    if kind is str:
        return len(value) > limits.max_output_size
    if kind is list or kind is dict:
        budget = limits.max_value_size
        # Every element counts at least 3 toward the size: a cheap bound first.
        return len(value) * 3 > budget or expanded_size(value, budget) > budget
    return False


def _tainted_failure(entry: Entry) -> str:
    return (
        f"The '{entry.name}' {entry.kind} failed on a secret-derived value "
        "(details hidden to protect the secret)"
    )


def wrap_plain(value: Any) -> Any:
    """Mark a value already known to hold no nested marks (skips the deep scan)."""
    if type(value) is Tainted:
        return value
    marked = Tainted.__new__(Tainted)
    marked.value = value
    return marked
