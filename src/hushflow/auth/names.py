"""Validation of the names people type: usernames, role names, namespaces of bindings."""

from __future__ import annotations

import re

from hushflow.errors import InputError, NotFound

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,254}$")
NAMESPACE = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


def check_name(kind: str, name: str) -> str:
    """``name`` unchanged if valid, else an :class:`InputError` saying what is allowed."""
    if not isinstance(name, str) or not NAME.match(name):
        raise InputError(
            f"invalid {kind} name {name!r}: use 1 to 255 characters among "
            "A-Z a-z 0-9 _ . @ + - (starting with a letter or digit)"
        )
    return name


def lookable(ref: str, what: str) -> str:
    """``ref`` if it can name a row; else :class:`NotFound` (a NUL or a huge value names nothing).

    PostgreSQL refuses NUL characters in text, so such a reference must not
    reach a query: it cannot name anything, so it is simply not found.
    """
    if not isinstance(ref, str) or "\x00" in ref or len(ref) > 255:
        raise NotFound(f"{what} not found")
    return ref


def check_text(field: str, value: str | None, limit: int = 255) -> str | None:
    """Free text (an e-mail, a description): bounded and without NUL characters."""
    if value is None:
        return None
    if len(value) > limit or "\x00" in value:
        raise InputError(f"{field} must be at most {limit} characters, without NUL characters")
    return value


def check_namespace(namespace: str | None) -> str | None:
    """A binding's namespace: a dotted name, or ``None`` for the whole instance."""
    if namespace is None:
        return None
    if len(namespace) > 255 or not NAMESPACE.match(namespace):
        raise InputError(
            f"invalid namespace {namespace!r}: use dotted names like 'company.team' "
            "(letters, digits, _ and -)"
        )
    return namespace
