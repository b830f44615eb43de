"""Registering what a render derived from secrets, before anything uses it.

The expression engine reports the tainted string forms that went into a
value. Two things make those forms not enough on their own, and are handled
here in one place:

- Numbers. A number computed from a secret is reported as the text the
  template printed (``1.23456789E8``), but it may be stored as a number and
  shown by Python (``123456789.0``) or converted (an INT output drops leading
  zeros). Each numeric fragment is registered in those forms too.
- Pieces too short to mask. A loop can print a secret one character at a
  time; no single character can be registered. When a refused fragment went
  into a value, the value itself (each string leaf, each number form) is
  registered whole, so what was built from the pieces is masked.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from hushflow.errors import SecretError
from hushflow.masking import Masker


def number_forms(text: str) -> list[str]:
    """Other ways a number written as ``text`` is shown (Python repr, integer form)."""
    try:
        number = float(text)
    except ValueError:
        return []
    if not math.isfinite(number):
        return []
    forms = [repr(number)]
    if number.is_integer():
        forms.append(str(int(number)))
    return forms


def leaves(value: Any) -> Iterator[str]:
    """Every string and number of ``value`` as text (map keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        yield repr(value)
        yield from number_forms(repr(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from leaves(item)


def register_rendered(masker: Masker, tainted: Iterable[str], value: Any) -> None:
    """Register a render's tainted fragments (and, when one was too short, the value whole).

    A piece too short to mask that *is* a whole leaf of the value (a 3-digit
    code printed alone) can be neither registered nor hidden in a larger text:
    the render is refused with :class:`SecretError`, as ``secret()`` refuses a
    short secret, rather than let it out in clear.
    """
    refused: set[str] = set()
    for fragment in tainted:
        for form in (fragment, *number_forms(fragment)):
            if not masker.add(form) and form.strip():
                refused.add(form)
    if refused:
        register_whole(masker, value, refused)


def register_whole(masker: Masker, value: Any, refused: set[str] | None = None) -> None:
    """Register every leaf of ``value``; a leaf that is a refused piece stops the render."""
    for text in leaves(value):
        if not masker.add(text) and text.strip() and (refused is None or text in refused):
            raise SecretError(
                f"a value derived from a secret is shorter than {masker.min_length} characters, "
                "too short to be masked: hushflow will not print or store it (print it within "
                "a longer text, or not at all)"
            )
