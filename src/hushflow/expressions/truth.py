"""Kestra's truth rule for rendered conditions (``If``, ``runIf``): ``TruthUtils``."""

from __future__ import annotations

from typing import Any

from hushflow.expressions.taint import strip
from hushflow.expressions.values import to_text

#: Rendered condition texts that count as false; anything else is true.
FALSE_TEXTS = frozenset({"false", "0", "-0", ""})


def truthy(value: Any) -> bool:
    """Whether a rendered condition holds, by Kestra's rule.

    The value is taken as its rendered text, trimmed: ``"false"``, ``"0"``,
    ``"-0"`` and the empty string (so also null) are false; everything else
    is true, including ``"no"`` and ``"False"`` (the comparison is exact, as
    in Kestra). A boolean is itself.
    """
    plain, _ = strip(value)
    if plain is None:
        return False
    if type(plain) is bool:
        return plain
    return to_text(plain).strip() not in FALSE_TEXTS
