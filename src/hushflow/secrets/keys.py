"""Secret keys and namespaces: validation, case folding, the inheritance chain.

Keys follow Kestra's environment convention: case-insensitive for lookup,
case-preserving for display. Namespaces are dotted paths; a flow sees its own
namespace and its ancestors (nearest first), never siblings or children.
"""

from __future__ import annotations

import re

from hushflow.errors import SecretError

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,255}$")
NAMESPACE_PATTERN = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


def check_key(key: str) -> str:
    """Return ``key`` unchanged if valid, else raise :class:`SecretError`."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise SecretError(
            f"Invalid secret key {key!r}: use 1 to 255 characters among A-Z a-z 0-9 _ . -"
        )
    return key


def check_namespace(namespace: str) -> str:
    """Return ``namespace`` unchanged if it is a dotted name, else raise."""
    if (
        not isinstance(namespace, str)
        or len(namespace) > 255
        or not NAMESPACE_PATTERN.match(namespace)
    ):
        raise SecretError(f"Invalid namespace {namespace!r}")
    return namespace


def fold(key: str) -> str:
    """The lookup form of a key (case-insensitive match, as Kestra's env convention)."""
    return key.upper()


def chain(namespace: str) -> list[str]:
    """``a.b.c`` -> ``[a.b.c, a.b, a]``: where a flow of ``namespace`` looks, nearest first."""
    parts = check_namespace(namespace).split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


def within(namespace: str, root: str) -> bool:
    """True when ``namespace`` is ``root`` or one of its descendants."""
    return namespace == root or namespace.startswith(root + ".")
