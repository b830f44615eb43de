"""Pebble-compatible templates over JSON data, with taint tracking for secrets.

Kestra flows are full of ``{{ ... }}`` expressions; this package evaluates
them the way Kestra's Pebble dialect does, over JSON values only (there is
no Python object to reach, hence no sandbox to escape), and carries a taint
mark from ``secret()`` through every computation so that each derived string
that reaches the output is reported in :attr:`Rendered.tainted`::

    result = render_typed("{{ secret('db') | jq('.password') | first }}", {},
                          functions={"secret": store_lookup})
    masker.register(*result.tainted)   # before result.text is logged

What the engine guarantees is *data flow*: a value computed from a marked
value is marked (filters, functions, operators, ``~``, indexing, slicing,
``set``, loop variables, ``render``). It does not track *implicit flow*:
``{% if secret('k') == 'abc' %}yes{% endif %}`` prints an unmarked ``yes``
that reveals one bit of the secret; the linter warns about secrets in
conditions.

Stages: :mod:`.lexer` → :mod:`.parser` (:mod:`.nodes`) → :mod:`.compiler`
(closures) → :mod:`.runtime` (registry of filters, functions and tests);
:mod:`.render` is the public entry point.
"""

from hushflow.expressions import (
    dates,
    filters_collections,
    filters_encoding,
    filters_text,
    functions,
    predicates,
)
from hushflow.expressions.functions import SECRET_NOT_ALLOWED
from hushflow.expressions.limits import DEFAULT_LIMITS, Limits
from hushflow.expressions.rendering import (
    CompiledTemplate,
    Rendered,
    compile_template,
    render,
    render_data,
    render_typed,
)
from hushflow.expressions.runtime import REGISTRY, FilterError
from hushflow.expressions.taint import is_tainted, taint
from hushflow.expressions.truth import truthy

del dates, filters_collections, filters_encoding, filters_text, functions, predicates

__all__ = [
    "DEFAULT_LIMITS",
    "REGISTRY",
    "SECRET_NOT_ALLOWED",
    "CompiledTemplate",
    "FilterError",
    "Limits",
    "Rendered",
    "compile_template",
    "is_tainted",
    "render",
    "render_data",
    "render_typed",
    "taint",
    "truthy",
]
