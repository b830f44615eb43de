"""Masking JSON-like data: task outputs, execution outputs, API responses.

Every string (dict keys included) goes through the masker, and every scalar
under a sensitive key name (``password``, ``api_key``, ``Authorization``...) is
replaced whole, even if its value was never registered: an output that
carries a credential the flow never read through ``secret()`` stays hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

DEFAULT_SENSITIVE_KEYS = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "api_key",
        "apikey",
        "access_key",
        "private_key",
        "authorization",
        "credential",
        "cookie",
    }
)
"""Key names whose values are always masked; a key matches if it *contains* one."""

_SEPARATORS = str.maketrans("", "", "_- .")


def _normalise(name: str) -> str:
    return name.lower().translate(_SEPARATORS)


class SensitiveKeys:
    """Decides whether a key name marks its value as sensitive.

    Matching ignores case and the separators ``_ - . space``, and looks for
    each name anywhere in the key, so ``X-Api-Key``, ``apiKey`` and
    ``GOOGLE_API_KEY`` all match ``api_key``.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)
        self._needles = tuple(sorted({_normalise(name) for name in self.names} - {""}))

    def __call__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        key = _normalise(key)
        return any(needle in key for needle in self._needles)


def mask_structure(
    obj: Any, mask: Callable[[str], str], sensitive: SensitiveKeys, token: str
) -> Any:
    """A masked deep copy of ``obj``; iterative, so depth is bounded by memory only.

    Shared and cyclic references are copied once, as :func:`copy.deepcopy` does.
    Tuples and sets become lists (JSON has no other sequence); any other object
    becomes its masked ``str``, so no attribute of it can leak.
    """
    memo: dict[tuple[int, bool], Any] = {}
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, bool]] = [(obj, root, 0, False)]
    while stack:
        node, parent, slot, hidden = stack.pop()
        parent[slot] = _copy(node, hidden, memo, stack, mask, sensitive, token)
    return root[0]


def _copy(
    node: Any,
    hidden: bool,
    memo: dict[tuple[int, bool], Any],
    stack: list[tuple[Any, Any, Any, bool]],
    mask: Callable[[str], str],
    sensitive: SensitiveKeys,
    token: str,
) -> Any:
    if isinstance(node, dict | list | tuple | set | frozenset):
        key = (id(node), hidden)
        if key in memo:
            return memo[key]
        if isinstance(node, dict):
            copy: Any = {}
            for name, value in node.items():
                masked_name = _scalar(name, False, mask, token)
                copy[masked_name] = None
                stack.append((value, copy, masked_name, hidden or sensitive(name)))
        else:
            items = list(node)
            copy = [None] * len(items)
            stack.extend((item, copy, index, hidden) for index, item in enumerate(items))
        memo[key] = copy
        return copy
    return _scalar(node, hidden, mask, token)


def _scalar(node: Any, hidden: bool, mask: Callable[[str], str], token: str) -> Any:
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, int | float):
        if hidden:
            return token
        text = repr(node)
        return node if mask(text) == text else token
    if hidden:
        return token
    if isinstance(node, str):
        return mask(node)
    if isinstance(node, bytes | bytearray):
        return mask(bytes(node).decode("utf-8", "replace"))
    return mask(str(node))
