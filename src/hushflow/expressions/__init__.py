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

Resources are bounded (:class:`Limits`: template length, nesting depth, loop
iterations, output size, range size, render depth, value size counting
shared parts at every use, and work: the total size of what filters and
operators produce). Two things are *not* bounded in time: a ``jq``
program that loops forever inside jq (``last(repeat(1))``) and a regular
expression with catastrophic backtracking (``regexReplace``, ``split``...);
Python's ``re`` and the ``jq`` binding offer no timeout.

Stages: :mod:`.lexer` → :mod:`.parser` (:mod:`.nodes`) →
:mod:`.expr_compiler` and :mod:`.compiler` (closures; :mod:`.calls` for
filter calls, :mod:`.output` for printing) → :mod:`.runtime` (registry of
filters, functions and tests, render context); :mod:`.rendering` holds the
public entry points and the compiled-template cache.
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
