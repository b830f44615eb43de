"""Where secrets are stored versus where they are used, across a whole store.

``hushflow secret placement`` lists keys stored higher in the namespace tree
than every flow that reads them (and keys no deployed flow reads). The core
is pure (:func:`placements` over pairs of namespace and key); the secret
manager is reached through :class:`ManagerLocator`, which needs only its
``list_keys`` (keys and metadata, never values).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from hushflow.lint.document import load
from hushflow.lint.program import analyze_flow


class _Meta(Protocol):
    @property
    def namespace(self) -> str: ...

    @property
    def key(self) -> str: ...

    @property
    def backend(self) -> str: ...


#: The backend every namespace sees (``SECRET_*`` variables): a global store.
GLOBAL_BACKENDS = frozenset({"environment"})


class KeyLister(Protocol):
    """What :class:`ManagerLocator` needs of a secret manager."""

    def list_keys(self, namespace: str, *, inherited: bool = False) -> Sequence[_Meta]: ...


def fold(key: str) -> str:
    """Keys match case-insensitively, as the secret manager looks them up."""
    return key.upper()


def chain(namespace: str) -> list[str]:
    parts = namespace.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


class ManagerLocator:
    """A :class:`~hushflow.lint.context.SecretLocator` over the secret manager."""

    def __init__(self, manager: KeyLister) -> None:
        self.manager = manager
        self._seen: dict[str, dict[str, str]] = {}

    def resolved_namespace(self, namespace: str, key: str) -> str | None:
        if namespace not in self._seen:
            metas = self.manager.list_keys(namespace, inherited=True)
            mine = set(chain(namespace))
            self._seen[namespace] = {
                fold(m.key): ""
                if m.backend in GLOBAL_BACKENDS or m.namespace not in mine
                else m.namespace
                for m in metas
            }
        return self._seen[namespace].get(fold(key))


def used_keys(source: str) -> set[str]:
    """The literal keys a flow source passes to ``secret()``."""
    analysis = analyze_flow(load(source))
    return {key for facts in analysis.facts.values() for key, _ in facts.calls if key is not None}


@dataclass(frozen=True, slots=True)
class Placement:
    """A key stored at ``namespace`` whose readers all live under ``suggested`` (None: none)."""

    namespace: str
    key: str
    readers: tuple[str, ...]
    suggested: str | None


def _common(namespaces: Iterable[str]) -> str:
    split = [ns.split(".") for ns in namespaces]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return ".".join(common)


def _reader(definitions: set[tuple[str, str]], namespace: str, key: str) -> str | None:
    """The namespace whose definition of ``key`` a flow of ``namespace`` reads."""
    return next((ns for ns in chain(namespace) if (ns, key) in definitions), None)


def placements(
    defined: Iterable[tuple[str, str]], uses: Iterable[tuple[str, str]]
) -> list[Placement]:
    """Definitions that could move lower (or are unused), given (namespace, key) uses by flows."""
    definitions = {(ns, fold(key)) for ns, key in defined}
    names = {fold(key): key for _, key in defined}
    readers: dict[tuple[str, str], set[str]] = {d: set() for d in definitions}
    for namespace, key in uses:
        where = _reader(definitions, namespace, fold(key))
        if where is not None:
            readers[(where, fold(key))].add(namespace)
    out: list[Placement] = []
    for (namespace, key), users in sorted(readers.items()):
        lowest = _common(users) if users else None
        if lowest is None or lowest != namespace:
            out.append(Placement(namespace, names[key], tuple(sorted(users)), lowest))
    return out
