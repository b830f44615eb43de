"""Built-in filters on lists and maps, plus ``jq``, ``toJson``, ``yaml`` and ``toIon``."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jq as _jq

from hushflow.expressions import ion_text, yaml_text
from hushflow.expressions.filters_text import need_int, text_of
from hushflow.expressions.operators import equals
from hushflow.expressions.runtime import REGISTRY, FilterError
from hushflow.expressions.values import (
    from_json_text,
    is_list,
    is_map,
    java_class_name,
    to_json,
    to_text,
    type_name,
)

filter_ = REGISTRY.filter
MAX_JQ_RESULTS = 100_000

#: Prepended to every jq program: jq can read the process environment
#: (``$ENV``, ``env``), write to stderr unmasked (``debug``, ``stderr``) and
#: load modules from disk (``import``, ``include``, ``modulemeta``). These
#: definitions shadow the builtins, and opening a scope before the user's
#: program makes ``import``/``include`` (only legal at the very start) a
#: syntax error. What is left works on the input value only.
JQ_SANDBOX = (
    "def env: {}; def debug: .; def debug(msg): .; def stderr: .; def input_filename: null; "
    'def input: error("input is not available"); def inputs: empty; '
    'def halt: error("halt is not available"); def halt_error: error("halt is not available"); '
    'def halt_error(code): error("halt is not available"); def get_search_list: []; '
    'def modulemeta: error("modules are not available"); '
    "{} as $ENV | ("
)


@filter_("length")
def length(value: Any) -> int:
    kind = type(value)
    if kind is str or kind is list or kind is dict:
        return len(value)
    if value is None:
        return 0
    if is_list(value) or is_map(value):
        return len(value)
    return len(text_of(value))


@filter_("first")
def first(value: Any) -> Any:
    if value is None:
        return None
    if type(value) is str or type(value) is list or is_list(value):
        return value[0] if value else None
    if is_map(value):
        return next(iter(value.values()), None)
    raise FilterError(f"The 'first' filter cannot be applied to a {type_name(value)}")


@filter_("last")
def last(value: Any) -> Any:
    if value is None:
        return None
    if type(value) is str or is_list(value):
        return value[-1] if value else None
    if is_map(value):
        values = list(value.values())
        return values[-1] if values else None
    raise FilterError(f"The 'last' filter cannot be applied to a {type_name(value)}")


@filter_("join")
def join(value: Any, separator: Any = "") -> Any:
    if value is None:
        return None
    if type(value) is not list and not is_list(value):
        raise FilterError("The 'join' filter needs a list")
    return text_of(separator).join([item if type(item) is str else text_of(item) for item in value])


@filter_("keys")
def keys(value: Any) -> Any:
    """Kestra's ``keys``: a map's keys, or a list's indices."""
    if value is None:
        return None
    if is_map(value):
        return list(value.keys())
    if is_list(value):
        return list(range(len(value)))
    raise FilterError(
        "'keys' filter can only be applied to List, Map, Array. Actual type was: "
        f"{java_class_name(value)}"
    )


@filter_("className")
def class_name(value: Any) -> Any:
    """Kestra's ``className``: the Java class name of the value (null stays null)."""
    return None if value is None else java_class_name(value)


@filter_("values")
def values(value: Any) -> Any:
    if value is None:
        return None
    if not is_map(value):
        raise FilterError("The 'values' filter needs a map")
    return list(value.values())


@filter_("chunk")
def chunk(value: Any, size: Any = None) -> Any:
    if value is None:
        return None
    if not is_list(value):
        raise FilterError("The 'chunk' filter can only be applied to a list")
    step = need_int(size, "chunk", "size")
    if step <= 0:
        raise FilterError("The 'chunk' filter expects a positive 'size'")
    return [list(value[i : i + step]) for i in range(0, len(value), step)]


@filter_("distinct")
def distinct(value: Any) -> Any:
    if value is None:
        return None
    if not is_list(value):
        raise FilterError("The 'distinct' filter can only be applied to a list")
    out: list[Any] = []
    for item in value:
        if not any(equals(item, seen) for seen in out):
            out.append(item)
    return out


@filter_("flatten")
def flatten(value: Any) -> Any:
    if value is None:
        return None
    if not is_list(value):
        raise FilterError("The 'flatten' filter can only be applied to lists")
    out: list[Any] = []
    for item in value:
        if is_list(item):
            out.extend(item)
        else:
            out.append(item)
    return out


@filter_("merge")
def merge(value: Any, items: Any = None) -> Any:
    """Pebble's ``merge``: the left side decides the result's type; its errors, word for word."""
    if value is None:
        if items is None:
            raise FilterError("The two arguments to be merged are null")
        return items
    if items is None:
        return value
    if is_map(value):
        if is_map(items):
            return {**value, **items}
        if is_list(items):
            # Pebble puts each element of the list in as both key and value.
            merged = dict(value)
            for item in items:
                if is_map(item) or is_list(item):
                    raise FilterError("Only strings, numbers and booleans can become map keys")
                merged[item if type(item) is str else to_text(item)] = item
            return merged
        raise FilterError(
            "Currently, only Maps and Lists can be merged with a Map. Arg2: "
            f"{java_class_name(items)}"
        )
    if is_list(value):
        if is_list(items):
            return list(value) + list(items)
        if is_map(items):
            # Pebble appends the entries, which Jackson prints as one-key maps.
            return list(value) + [{k: v} for k, v in items.items()]
        raise FilterError(
            "Currently, only Maps and Lists can be merged with a List. Arg2: "
            f"{java_class_name(items)}"
        )
    raise FilterError("The object being filtered is not a Map/List/Array")


@filter_("reverse")
def reverse(value: Any) -> Any:
    if value is None:
        return None
    if type(value) is str:
        return value[::-1]
    if is_list(value):
        return list(reversed(value))
    raise FilterError("The 'reverse' filter needs a list or a string")


def _sorted(value: Any, name: str, descending: bool) -> Any:
    if value is None:
        return None
    if not is_list(value):
        raise FilterError(f"The '{name}' filter needs a list")
    kinds = {type_name(item) for item in value}
    if len(kinds) > 1 or kinds - {"number", "string", "boolean"}:
        raise FilterError(f"The '{name}' filter can only sort numbers or strings of one type")
    return sorted(value, reverse=descending)


@filter_("sort")
def sort(value: Any) -> Any:
    return _sorted(value, "sort", descending=False)


@filter_("rsort")
def rsort(value: Any) -> Any:
    return _sorted(value, "rsort", descending=True)


@filter_("slice")
def slice_(value: Any, fromIndex: Any = 0, toIndex: Any = None) -> Any:
    if value is None:
        return None
    if not (type(value) is str or is_list(value)):
        raise FilterError("The 'slice' filter needs a list or a string")
    start = need_int(fromIndex, "slice", "fromIndex")
    end = len(value) if toIndex is None else need_int(toIndex, "slice", "toIndex")
    if start < 0:
        raise FilterError("The 'slice' filter: fromIndex must be greater than or equal to 0")
    if end > len(value):
        raise FilterError("The 'slice' filter: toIndex must be smaller than the input size")
    if start > end:
        raise FilterError("The 'slice' filter: fromIndex must be smaller than toIndex")
    return value[start:end]


@lru_cache(maxsize=512)
def _compiled_jq(expression: str) -> Any:
    """Compiling a jq program costs milliseconds (jq compiles its library each
    time); compiled programs are reusable across threads (the binding keeps a
    pool of jq states), so keep the recent ones."""
    return _jq.compile(JQ_SANDBOX + expression + "\n)")


@filter_("jq")
def jq(value: Any, expression: Any = None) -> Any:
    """Kestra's ``jq``: run the expression with real jq; always a list of results."""
    if value is None:
        return None
    if type(expression) is not str:
        raise FilterError("The 'jq' filter expects an argument 'expression'")
    # Kestra's words first ("Unable to parse jq value"), without quoting the value.
    unable = f"Unable to parse jq value with type '{java_class_name(value)}'"
    try:
        program = _compiled_jq(expression)
    except ValueError:
        raise FilterError(f"{unable}: the jq expression is invalid") from None
    if type(value) is str:
        try:
            data = from_json_text(value)
        except ValueError:
            raise FilterError(f"{unable}: the input is not JSON text") from None
    else:
        data = value
    try:
        results = []
        for item in program.input_value(data):
            results.append(item)
            if len(results) > MAX_JQ_RESULTS:
                raise FilterError("The 'jq' filter produced too many results")
        return results
    except ValueError:
        raise FilterError(f"{unable}: jq failed to evaluate the expression") from None


@filter_("toJson", "json")
def to_json_filter(value: Any) -> str:
    return to_json(value)


@filter_("yaml", "toYaml")
def to_yaml(value: Any) -> str:
    """Kestra's ``yaml`` filter (Jackson's YAML writer): null prints ``null``."""
    if value is None:
        return "null"
    return yaml_text.dump(value)


@filter_("toIon")
def to_ion(value: Any) -> str:
    """Kestra's ``toIon``: Amazon Ion text (null prints ``null``)."""
    return ion_text.write(value)
